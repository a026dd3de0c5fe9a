"""rmm.__version__ (the librmm loaded) and rmm.__git_commit__ (the commit the package
was built from, recorded in _config.py by make; empty where it is unknown)."""

from rmm._lib import lib

__all__ = ["__version__", "__git_commit__"]

__version__ = lib.rmm_version().decode()

try:
    from rmm._config import GIT_COMMIT as __git_commit__
except ImportError:
    __git_commit__ = ""
