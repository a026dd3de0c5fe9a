"""rmm.mr: memory resources and the per-device resource table (upstream's names)."""

from rmm.pylibrmm.memory_resource import *  # noqa: F401,F403
from rmm.pylibrmm.memory_resource import __all__  # noqa: F401
from rmm.pylibrmm.memory_resource import _flush_logs  # noqa: F401
from rmm._snapshot import dump_snapshot, memory_snapshot  # noqa: E402,F401

__all__ = [*__all__, "memory_snapshot", "dump_snapshot"]
