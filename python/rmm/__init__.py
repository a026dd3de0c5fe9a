"""RMM, the RAPIDS Memory Manager, in pure Python over librmm.so.1 (ctypes).

Scripts written for upstream RMM's Python API run unchanged: ``rmm.DeviceBuffer``,
``rmm.mr``, ``rmm.reinitialize``, ``rmm.statistics``, ``rmm.allocators``.
"""

import importlib

from rmm import _cuda, mr
from rmm._lib import BadAllocError, CudaError, OutOfMemoryError, RMMError
from rmm._sizes import parse_bytes
from rmm.pylibrmm.device_buffer import DeviceBuffer
from rmm.pylibrmm.logger import (
    flush_logger,
    get_flush_level,
    get_logging_level,
    level_enum,
    set_flush_level,
    set_logging_level,
    should_log,
)
from rmm.pylibrmm.memory_resource import disable_logging, enable_logging, get_log_filenames
from rmm.pylibrmm.stream import Stream
from rmm.rmm import (
    is_initialized,
    register_reinitialize_hook,
    reinitialize,
    unregister_reinitialize_hook,
)

from rmm._version import __git_commit__, __version__

__all__ = [
    "DeviceBuffer",
    "RMMError",
    "BadAllocError",
    "OutOfMemoryError",
    "CudaError",
    "Stream",
    "disable_logging",
    "enable_logging",
    "flush_logger",
    "get_flush_level",
    "get_log_filenames",
    "get_logging_level",
    "is_initialized",
    "level_enum",
    "mr",
    "parse_bytes",
    "register_reinitialize_hook",
    "reinitialize",
    "set_flush_level",
    "set_logging_level",
    "should_log",
    "unregister_reinitialize_hook",
]

# Submodules loaded on first use, as `rmm.statistics` and `rmm.allocators` are in upstream.
_LAZY = ("statistics", "allocators", "pylibrmm")


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f"rmm.{name}")
    raise AttributeError(f"module 'rmm' has no attribute {name!r}")
