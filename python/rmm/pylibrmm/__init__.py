"""Upstream RMM's pylibrmm layer, here in pure Python over librmm.so.1."""

from rmm.pylibrmm import cuda_stream, cuda_stream_pool, device_buffer, logger, memory_resource, stream
from rmm.pylibrmm.device_buffer import DeviceBuffer
from rmm.pylibrmm.logger import flush_logger, get_logging_level, level_enum, set_logging_level, should_log
from rmm.pylibrmm.stream import DEFAULT_STREAM, LEGACY_DEFAULT_STREAM, PER_THREAD_DEFAULT_STREAM, Stream

__all__ = [
    "DeviceBuffer",
    "Stream",
    "DEFAULT_STREAM",
    "LEGACY_DEFAULT_STREAM",
    "PER_THREAD_DEFAULT_STREAM",
    "flush_logger",
    "get_logging_level",
    "level_enum",
    "set_logging_level",
    "should_log",
]
