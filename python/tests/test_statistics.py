"""rmm.statistics over host memory: enabling, nested scopes, the statistics() context
manager and the memory profiler with its report. Runs without a GPU: the current device
resource is a HostMemoryResource, and DeviceBuffers over it are plain host memory."""

import threading

import pytest

import rmm
import rmm.mr
import rmm.statistics
from rmm.statistics import (
    ProfilerRecords,
    Statistics,
    enable_statistics,
    get_statistics,
    pop_statistics,
    profiler,
    push_statistics,
    statistics,
)


@pytest.fixture(autouse=True)
def host_resource():
    """Device 0's current resource is a fresh host resource for each test, then the old one."""
    previous = rmm.mr.get_current_device_resource()
    host = rmm.mr.HostMemoryResource()
    rmm.mr.set_current_device_resource(host)
    yield host
    rmm.mr.set_current_device_resource(previous)


def counts(**fields):
    return Statistics(**fields)


def test_disabled_statistics_are_none(host_resource):
    assert get_statistics() is None
    assert push_statistics() is None
    assert pop_statistics() is None
    assert rmm.mr.get_current_device_resource() is host_resource


def test_enable_wraps_current_resource_once(host_resource):
    enable_statistics()
    mr = rmm.mr.get_current_device_resource()
    assert isinstance(mr, rmm.mr.StatisticsResourceAdaptor)
    assert mr.upstream_mr is host_resource
    enable_statistics()
    assert rmm.mr.get_current_device_resource() is mr
    assert get_statistics() == Statistics()


def test_counts_follow_buffers():
    enable_statistics()
    a = rmm.DeviceBuffer(size=1000)
    b = rmm.DeviceBuffer(size=3000)
    assert get_statistics() == counts(
        current_bytes=4016, current_count=2, peak_bytes=4016, peak_count=2, total_bytes=4016, total_count=2
    )
    del a
    c = rmm.DeviceBuffer(size=500)
    assert get_statistics() == counts(
        current_bytes=3520, current_count=2, peak_bytes=4016, peak_count=2, total_bytes=4528, total_count=3
    )
    del b, c
    stats = get_statistics()
    assert (stats.current_bytes, stats.current_count) == (0, 0)
    assert (stats.peak_bytes, stats.total_bytes, stats.total_count) == (4016, 4528, 3)


def test_nested_push_pop():
    enable_statistics()
    outer = rmm.DeviceBuffer(size=1000)
    hidden = push_statistics()
    assert hidden == counts(
        current_bytes=1008, current_count=1, peak_bytes=1008, peak_count=1, total_bytes=1008, total_count=1
    )
    assert get_statistics() == Statistics()
    inner = rmm.DeviceBuffer(size=200)
    spike = rmm.DeviceBuffer(size=800)
    del spike
    push_statistics()
    innermost = rmm.DeviceBuffer(size=50)
    # Each request counts rounded up to 16 bytes: 1000, 200, 800, 50 are 1008, 208, 800, 64.
    assert get_statistics().current_bytes == 64
    popped = pop_statistics()
    assert popped == counts(
        current_bytes=64, current_count=1, peak_bytes=64, peak_count=1, total_bytes=64, total_count=1
    )
    # The middle scope took in the innermost one: 208 + 64 now, peak 1008 (208 + 800).
    middle = pop_statistics()
    assert middle == counts(
        current_bytes=272, current_count=2, peak_bytes=1008, peak_count=2, total_bytes=1072, total_count=3
    )
    # The outer scope sees the inner activity on top of its own 1008 bytes.
    assert get_statistics() == counts(
        current_bytes=1280, current_count=3, peak_bytes=2016, peak_count=3, total_bytes=2080, total_count=4
    )
    del outer, inner, innermost
    assert get_statistics().current_bytes == 0


def test_free_of_older_memory_goes_negative_in_inner_scope():
    enable_statistics()
    old = rmm.DeviceBuffer(size=4096)
    push_statistics()
    del old
    assert get_statistics().current_bytes == -4096
    assert get_statistics().current_count == -1
    pop_statistics()
    assert get_statistics().current_bytes == 0


def test_pop_of_last_scope_fails():
    enable_statistics()
    with pytest.raises(Exception):
        pop_statistics()
    assert get_statistics() == Statistics()


def test_statistics_context_enables_and_restores(host_resource):
    with statistics():
        mr = rmm.mr.get_current_device_resource()
        assert isinstance(mr, rmm.mr.StatisticsResourceAdaptor)
        buf = rmm.DeviceBuffer(size=128)
        assert get_statistics().current_bytes == 128
        del buf
    assert rmm.mr.get_current_device_resource() is host_resource
    assert get_statistics() is None


def test_statistics_context_nests_as_a_scope():
    enable_statistics()
    keep = rmm.DeviceBuffer(size=100)
    mr = rmm.mr.get_current_device_resource()
    with statistics():
        assert rmm.mr.get_current_device_resource() is mr
        assert get_statistics() == Statistics()
        inner = rmm.DeviceBuffer(size=300)
        assert get_statistics().current_bytes == 304
        with statistics():
            assert get_statistics() == Statistics()
        del inner
    assert rmm.mr.get_current_device_resource() is mr
    assert get_statistics() == counts(
        current_bytes=112, current_count=1, peak_bytes=416, peak_count=2, total_bytes=416, total_count=2
    )
    del keep


def test_statistics_context_rejects_resource_change(host_resource):
    with pytest.raises(ValueError, match="changed"):
        with statistics():
            rmm.mr.set_current_device_resource(rmm.mr.HostMemoryResource())
    rmm.mr.set_current_device_resource(host_resource)


def test_statistics_context_pops_on_exception():
    enable_statistics()
    with pytest.raises(KeyError):
        with statistics():
            rmm.DeviceBuffer(size=10)
            raise KeyError("boom")
    # Only the outermost scope is left again.
    with pytest.raises(Exception):
        pop_statistics()


def test_profiler_decorator_records_calls():
    records = ProfilerRecords()

    @profiler(records=records)
    def allocate_twice(size):
        a = rmm.DeviceBuffer(size=size)
        b = rmm.DeviceBuffer(size=size)
        return a.size + b.size

    with statistics():
        assert allocate_twice(1000) == 2000
        assert allocate_twice(3000) == 6000
    assert allocate_twice.__name__ == "allocate_twice"
    (name, record), = records.records.items()
    assert name.endswith("(test_profiler_decorator_records_calls.<locals>.allocate_twice)")
    assert "test_statistics.py:" in name
    assert record.num_calls == 2
    assert record.memory_total == 8032
    assert record.memory_peak == 6016
    assert record.count_total == 4
    assert record.count_peak == 2


def test_profiler_without_parentheses_and_default_records():
    rmm.statistics.default_profiler_records.clear()

    @profiler
    def one_buffer():
        return rmm.DeviceBuffer(size=64).size

    with statistics():
        one_buffer()
    (record,) = rmm.statistics.default_profiler_records.records.values()
    assert (record.num_calls, record.memory_total) == (1, 64)
    rmm.statistics.default_profiler_records.clear()


def test_profiler_context_manager_and_nesting():
    records = ProfilerRecords()
    with statistics():
        with profiler(records=records, name="outer block"):
            a = rmm.DeviceBuffer(size=500)
            with profiler(records=records, name="inner block"):
                b = rmm.DeviceBuffer(size=250)
                del b
            del a
        with profiler(records=records):
            c = rmm.DeviceBuffer(size=10)
            del c
    got = records.records
    assert got["inner block"].memory_total == 256
    assert got["inner block"].memory_peak == 256
    # The outer block counts the inner one's allocation too.
    assert got["outer block"].memory_total == 768
    assert got["outer block"].memory_peak == 768
    assert got["outer block"].count_total == 2
    (unnamed,) = [n for n in got if n not in ("outer block", "inner block")]
    assert "test_statistics.py:" in unnamed
    assert unnamed.endswith("(test_profiler_context_manager_and_nesting)")
    assert got[unnamed].memory_total == 16


def test_profiler_records_nothing_without_statistics():
    records = ProfilerRecords()

    @profiler(records=records)
    def f():
        return rmm.DeviceBuffer(size=8)

    f()
    with profiler(records=records, name="block"):
        pass
    assert records.records == {}


def test_profiler_exception_still_recorded():
    records = ProfilerRecords()

    @profiler(records=records, name="failing")
    def failing():
        keep = rmm.DeviceBuffer(size=32)  # noqa: F841
        raise RuntimeError("no")

    with statistics():
        with pytest.raises(RuntimeError):
            failing()
        # The function's scope was closed: only the outer scope is left.
        assert get_statistics().total_bytes == 32
    assert records.records["failing"].memory_total == 32


def test_report_content_and_order():
    records = ProfilerRecords()
    records.add("big(f)", counts(peak_bytes=5000, total_bytes=9000, peak_count=3, total_count=7))
    records.add("small(g)", counts(peak_bytes=100, total_bytes=100, peak_count=1, total_count=1))
    records.add("small(g)", counts(peak_bytes=50, total_bytes=20000, peak_count=1, total_count=40))
    text = records.report()
    assert text.startswith("Memory Profiling\n================\n")
    assert "Ordered by: memory_peak" in text
    lines = text.splitlines()
    header = next(i for i, l in enumerate(lines) if l.startswith("ncalls"))
    rows = lines[header + 1:]
    assert [r.split()[-1] for r in rows] == ["big(f)", "small(g)"]
    assert rows[0].split()[:5] == ["1", "5,000", "9,000", "3", "7"]
    assert rows[1].split()[:5] == ["2", "100", "20,100", "1", "41"]
    by_total = records.report(ordered_by="memory_total").splitlines()
    assert by_total[-1].endswith("big(f)")
    by_calls = records.report(ordered_by="num_calls").splitlines()
    assert by_calls[-1].endswith("big(f)")
    assert str(records) == records.report()
    with pytest.raises(ValueError):
        records.report(ordered_by="bytes")


def test_report_without_data():
    assert "No data" in ProfilerRecords().report()


def test_records_are_thread_safe():
    records = ProfilerRecords()
    one = counts(peak_bytes=1, total_bytes=1, peak_count=1, total_count=1)

    def add_many():
        for _ in range(1000):
            records.add("shared", one)

    threads = [threading.Thread(target=add_many) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert records.records["shared"].num_calls == 8000
    assert records.records["shared"].memory_total == 8000
