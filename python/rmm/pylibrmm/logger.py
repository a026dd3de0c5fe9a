"""librmm's debug log: its level, as upstream's rmm.set_logging_level and friends."""

import enum

from rmm._lib import lib

__all__ = ["level_enum", "set_logging_level", "get_logging_level", "should_log", "flush_logger"]


class level_enum(enum.IntEnum):
    """Debug-log levels (rmm_log_level_t); a level shows itself and everything above."""

    trace = 0
    debug = 1
    info = 2
    warn = 3
    error = 4
    critical = 5
    off = 6


def set_logging_level(level):
    """Sets the process-wide debug-log level (a level_enum, its name or its number)."""
    if isinstance(level, str):
        try:
            level = level_enum[level.lower()]
        except KeyError:
            raise ValueError(f"unknown logging level {level!r}; one of {[m.name for m in level_enum]}") from None
    lib.rmm_log_set_level(int(level))


def get_logging_level():
    """The current debug-log level."""
    return level_enum(lib.rmm_log_get_level())


def should_log(level):
    """Whether a line of ``level`` would be written at the current level."""
    current = get_logging_level()
    return current != level_enum.off and int(level) >= int(current)


def flush_logger():
    """Flushes the debug log's file or stream."""
    lib.rmm_log_flush()
