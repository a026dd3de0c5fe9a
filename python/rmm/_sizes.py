"""Byte sizes given as ints or as strings such as "1GiB", "512 MB" or "100".

The units follow the library's spec grammar (rmm(7)): B, KiB, MiB, GiB, TiB are powers
of 1024, KB, MB, GB, TB (and kB) powers of 1000; lower-case spellings are accepted. A
bare "k" or "M" is refused, as upstream RMM refuses it: it could mean either.
"""

import operator
import re
from fractions import Fraction

__all__ = ["parse_bytes", "as_size", "as_pointer", "as_c_int", "SizeRangeError"]

SIZE_MAX = (1 << 64) - 1
INT_MIN = -(1 << 31)
INT_MAX = (1 << 31) - 1


class SizeRangeError(OverflowError, ValueError):
    """A negative value where a size or pointer is wanted: an OverflowError, as a C
    size_t conversion reports it, and a ValueError, as it is a bad value."""


def _integer(value, what):
    """``value`` as an int when it is an integer (an int, a NumPy integer, anything with
    __index__); TypeError for anything else, bools included."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}") from None


def _unsigned64(value, what, shown, kind):
    """``value`` as an integer from 0 to 2**64 - 1; ``shown`` formats it for messages."""
    number = _integer(value, what)
    if number < 0:
        raise SizeRangeError(f"{what} cannot be negative: {number}")
    if number > SIZE_MAX:
        raise OverflowError(f"{what} {shown(number)} does not fit in 64 bits{kind}")
    return number


def as_size(value, what="size"):
    """A byte count or element count for a C size_t: an integer from 0 to 2**64 - 1."""
    return _unsigned64(value, what, str, " (size_t)")


def as_pointer(value, what="pointer"):
    """An address for a C pointer: an integer from 0 to 2**64 - 1."""
    return _unsigned64(value, what, hex, "")


def as_c_int(value, what="value"):
    """A value for a C int (device numbers, enums, exponents)."""
    number = _integer(value, what)
    if not INT_MIN <= number <= INT_MAX:
        raise OverflowError(f"{what} {number} does not fit in a C int")
    return number

_UNITS = {
    "": 1,
    "b": 1,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
    "pib": 1 << 50,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "pb": 1000**5,
    "ki": 1 << 10,
    "mi": 1 << 20,
    "gi": 1 << 30,
    "ti": 1 << 40,
}

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*$")


def parse_bytes(size):
    """The number of bytes ``size`` stands for: an int (or float with no fraction)
    as is, or a string of a number and an optional unit."""
    if isinstance(size, bool):
        raise TypeError("a size cannot be a bool")
    if isinstance(size, int):
        return as_size(size)
    if isinstance(size, float):
        if size < 0 or size != int(size):
            raise ValueError(f"a size must be a whole, non-negative number of bytes: {size}")
        return as_size(int(size))
    if hasattr(size, "__index__"):
        return as_size(size)
    if not isinstance(size, str):
        raise TypeError(f"a size must be an int or a string such as '1GiB', not {type(size).__name__}")
    match = _SIZE.match(size)
    if match is None or match.group(2).lower() not in _UNITS:
        # Upstream's words first: scripts match "Could not parse".
        raise ValueError(f"Could not parse {size!r} as a size (e.g. 4096, '256MiB', '1.5GB'; not '2k')")
    number, unit = match.groups()
    scale = _UNITS[unit.lower()]
    # Fraction reads the decimal exactly: a float would refuse 4.1GB or 0.067GB.
    value = Fraction(number if not number.endswith(".") else number[:-1]) * scale
    if value.denominator != 1:
        raise ValueError(f"Could not parse {size!r} as a whole number of bytes")
    value = int(value)
    if value > SIZE_MAX:
        raise SizeRangeError(f"Could not parse {size!r} as a size: it does not fit in 64 bits (size_t)")
    return value
