"""librmm's debug log: its level and flush level, as upstream's rmm.set_logging_level
and friends. Levels are :class:`level_enum` members; anything else is a TypeError."""

import enum

from rmm._lib import has, lib

__all__ = [
    "level_enum",
    "set_logging_level",
    "get_logging_level",
    "set_flush_level",
    "get_flush_level",
    "should_log",
    "flush_logger",
]


class level_enum(enum.IntEnum):
    """Debug-log levels (rmm_log_level_t); a level shows itself and everything above."""

    trace = 0
    debug = 1
    info = 2
    warn = 3
    error = 4
    critical = 5
    off = 6


def _validate(level):
    # Only members: upstream refuses names, plain ints and everything else alike.
    if not isinstance(level, level_enum):
        raise TypeError(f"level must be an instance of the level_enum enum, not {type(level).__name__}")
    return int(level)


def set_logging_level(level):
    """Sets the process-wide debug-log level: lines of ``level`` and above are written."""
    lib.rmm_log_set_level(_validate(level))


def get_logging_level():
    """The current debug-log level."""
    return level_enum(lib.rmm_log_get_level())


def set_flush_level(level):
    """Lines of ``level`` and above are flushed to the log file as they are written
    (the library's default, trace, flushes every line)."""
    value = _validate(level)
    if not has("rmm_log_set_flush_level"):
        raise NotImplementedError("this librmm has no rmm_log_set_flush_level")
    lib.rmm_log_set_flush_level(value)


def get_flush_level():
    """The level from which debug-log lines are flushed as they are written."""
    if not has("rmm_log_get_flush_level"):
        return level_enum.trace
    return level_enum(lib.rmm_log_get_flush_level())


def should_log(level):
    """Whether a line of ``level`` would be written at the current level."""
    return _validate(level) >= int(get_logging_level())


def flush_logger():
    """Flushes the debug log's file or stream."""
    lib.rmm_log_flush()
