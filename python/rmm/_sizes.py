"""Byte sizes given as ints or as strings such as "1GiB", "512 MB" or "100".

The units follow the library's spec grammar (rmm(7)): B, KiB, MiB, GiB, TiB are powers
of 1024, KB, MB, GB, TB (and kB) powers of 1000; lower-case spellings are accepted.
"""

import re
from fractions import Fraction

__all__ = ["parse_bytes"]

_UNITS = {
    "": 1,
    "b": 1,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "k": 1000,
    "m": 1000**2,
    "g": 1000**3,
    "t": 1000**4,
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
        if size < 0:
            raise ValueError(f"a size cannot be negative: {size}")
        return size
    if isinstance(size, float):
        if size < 0 or size != int(size):
            raise ValueError(f"a size must be a whole, non-negative number of bytes: {size}")
        return int(size)
    if not isinstance(size, str):
        raise TypeError(f"a size must be an int or a string such as '1GiB', not {type(size).__name__}")
    match = _SIZE.match(size)
    if match is None or match.group(2).lower() not in _UNITS:
        raise ValueError(f"cannot read {size!r} as a size (e.g. 4096, '256MiB', '1.5GB')")
    number, unit = match.groups()
    scale = _UNITS[unit.lower()]
    # Fraction reads the decimal exactly: a float would refuse 4.1GB or 0.067GB.
    value = Fraction(number if not number.endswith(".") else number[:-1]) * scale
    if value.denominator != 1:
        raise ValueError(f"{size!r} is not a whole number of bytes")
    return int(value)
