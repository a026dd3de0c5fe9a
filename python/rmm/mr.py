"""rmm.mr: memory resources and the per-device resource table (upstream's names)."""

from rmm.pylibrmm.memory_resource import *  # noqa: F401,F403
from rmm.pylibrmm.memory_resource import __all__  # noqa: F401
from rmm.pylibrmm.memory_resource import _flush_logs  # noqa: F401
