import pytest

import rmm
from rmm._sizes import parse_bytes


@pytest.mark.parametrize(
    "text, value",
    [
        (0, 0),
        (4096, 4096),
        ("4096", 4096),
        ("1KiB", 1024),
        ("1 KiB", 1024),
        ("1kib", 1024),
        ("256MiB", 256 << 20),
        ("1GiB", 1 << 30),
        ("2TiB", 2 << 40),
        ("1KB", 1000),
        ("1kB", 1000),
        ("1.5GB", 1_500_000_000),
        ("1.5GiB", 3 << 29),
        ("100B", 100),
        ("12345678901234567890", 12345678901234567890),
        (2.0, 2),
        # Exact decimals that a float would miss (4.1e9 and 6.7e7 are not doubles).
        ("1.001KB", 1001),
        ("4.1GB", 4_100_000_000),
        ("0.067GB", 67_000_000),
        ("0.0009765625KiB", 1),
    ],
)
def test_sizes_parse(text, value):
    assert parse_bytes(text) == value
    assert rmm.parse_bytes(text) == value


@pytest.mark.parametrize("text", ["", "GiB", "1 XB", "-1", "1.3B", "0.1KiB", "1e3", "1 Gi B", "1.9B", "4.1000000001GB"])
def test_bad_sizes_are_refused(text):
    with pytest.raises(ValueError):
        parse_bytes(text)


@pytest.mark.parametrize("value", [None, [1], True])
def test_size_types_are_checked(value):
    with pytest.raises(TypeError):
        parse_bytes(value)


def test_negative_sizes_are_refused():
    with pytest.raises(ValueError):
        parse_bytes(-5)
    with pytest.raises(ValueError):
        parse_bytes(1.5)


def test_resources_take_size_strings(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, "1KiB")
    assert limited.get_allocation_limit() == 1024
    sim = rmm.mr.SimulatedMemoryResource("1GiB")
    ptr = sim.allocate(1 << 29)
    with pytest.raises(MemoryError):
        sim.allocate(1 << 30)
    sim.deallocate(ptr, 1 << 29)
