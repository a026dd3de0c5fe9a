"""Resource classes over host and simulated memory: the logic runs without a GPU."""

import csv
import gc

import pytest

import rmm
import rmm.mr
from rmm import _lib

needs_pool = pytest.mark.skipif(not _lib.has("rmm_pool_create"), reason="this librmm has no pool (branch pool)")
needs_fixed = pytest.mark.skipif(
    not _lib.has("rmm_fixed_size_create"), reason="this librmm has no fixed_size resource (branch pool)"
)
needs_binning = pytest.mark.skipif(
    not _lib.has("rmm_binning_create"), reason="this librmm has no binning resource (branch binning)"
)


def roundtrip(mr, sizes=(1, 100, 256, 4096, 1 << 20)):
    """Allocates and frees a few sizes; checks alignment and distinct addresses."""
    ptrs = [(mr.allocate(n, 0x1000), n) for n in sizes]
    addresses = [p for p, _ in ptrs]
    assert len(set(addresses)) == len(addresses)
    assert all(p % 256 == 0 for p in addresses)
    for p, n in ptrs:
        mr.deallocate(p, n, 0x1000)


def test_every_upstream_name_exists():
    for name in [
        "CudaMemoryResource",
        "ManagedMemoryResource",
        "PinnedHostMemoryResource",
        "SystemMemoryResource",
        "SamHeadroomMemoryResource",
        "CudaAsyncMemoryResource",
        "CudaAsyncViewMemoryResource",
        "PoolMemoryResource",
        "FixedSizeMemoryResource",
        "BinningMemoryResource",
        "ArenaMemoryResource",
        "CallbackMemoryResource",
        "LimitingResourceAdaptor",
        "LoggingResourceAdaptor",
        "StatisticsResourceAdaptor",
        "TrackingResourceAdaptor",
        "FailureCallbackResourceAdaptor",
        "AlignedResourceAdaptor",
        "PrefetchResourceAdaptor",
        "HostMemoryResource",
        "SimulatedMemoryResource",
        "ThreadSafeResourceAdaptor",
        "DeviceMemoryResource",
        "get_current_device_resource",
        "set_current_device_resource",
        "get_per_device_resource",
        "set_per_device_resource",
        "get_current_device_resource_type",
        "available_device_memory",
        "is_initialized",
        "enable_logging",
        "disable_logging",
        "get_log_filenames",
    ]:
        assert hasattr(rmm.mr, name), name


def test_host_resource(host_mr):
    assert host_mr.name == "host"
    assert host_mr.host_accessible and not host_mr.device_accessible
    roundtrip(host_mr)
    assert host_mr.allocate(0) == 0
    host_mr.deallocate(0, 0)


def test_cuda_resource_objects_exist_without_a_device():
    """Leaf objects are made without a CUDA call; they only fail when used."""
    cuda = rmm.mr.CudaMemoryResource()
    assert cuda.name == "cuda"
    assert cuda.device_accessible
    assert rmm.mr.ManagedMemoryResource().name == "managed"
    assert rmm.mr.PinnedHostMemoryResource().host_accessible


def test_simulated_resource():
    sim = rmm.mr.SimulatedMemoryResource("1TiB")
    assert sim.properties == 0
    big = sim.allocate(1 << 39)
    assert sim.get_stats()["bytes_in_use"] >= 1 << 39
    sim.deallocate(big, 1 << 39)


def test_statistics_counts(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    assert stats.upstream_mr is host_mr
    assert stats.get_upstream() is host_mr
    a = stats.allocate(1000)
    b = stats.allocate(24)
    counts = stats.allocation_counts
    # 1000 and 24 are asked for as 1008 and 32.
    assert counts == {
        "current_bytes": 1040,
        "current_count": 2,
        "peak_bytes": 1040,
        "peak_count": 2,
        "total_bytes": 1040,
        "total_count": 2,
    }
    assert counts.current_bytes == 1040  # attribute access, as upstream's Statistics
    stats.deallocate(a, 1000)
    c = stats.allocate(10)
    counts = stats.allocation_counts
    # Requests are counted rounded up to 16 bytes, as upstream counts them.
    assert (counts["current_bytes"], counts["peak_bytes"], counts["total_bytes"]) == (48, 1040, 1056)
    assert (counts["current_count"], counts["peak_count"], counts["total_count"]) == (2, 2, 3)
    stats.deallocate(b, 24)
    stats.deallocate(c, 10)
    assert stats.allocation_counts["current_bytes"] == 0


def test_statistics_push_and_pop(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    outer = stats.allocate(100)
    before = stats.push_counters()
    assert before["current_bytes"] == 112
    assert stats.allocation_counts["total_count"] == 0
    inner = stats.allocate(300)
    stats.deallocate(inner, 300)
    stats.deallocate(outer, 100)
    popped = stats.pop_counters()
    assert popped["total_bytes"] == 304
    assert popped["peak_bytes"] == 304
    assert popped["current_bytes"] == -112
    merged = stats.allocation_counts
    assert merged["total_bytes"] == 416
    assert merged["peak_bytes"] == 416
    assert merged["current_bytes"] == 0
    with pytest.raises(IndexError, match="cannot pop the last counter pair"):
        stats.pop_counters()


def test_tracking_report(host_mr):
    tracking = rmm.mr.TrackingResourceAdaptor(host_mr)
    assert tracking.get_allocated_bytes() == 0
    a = tracking.allocate(77, 0x1000)
    b = tracking.allocate(4096)
    assert tracking.get_allocated_bytes() == 80 + 4096  # 77 asked for as 80
    assert tracking.get_outstanding_count() == 2
    report = tracking.get_outstanding_allocations_str()
    assert "2 outstanding allocations" in report
    assert f"0x{a:x}: 80 B" in report
    assert f"0x{b:x}: 4096 B" in report
    assert sorted(tracking.get_outstanding_allocations()) == sorted([(a, 80, 0x1000), (b, 4096, 0)])
    tracking.deallocate(a, 77, 0x1000)
    tracking.deallocate(b, 4096)
    assert tracking.get_allocated_bytes() == 0
    assert tracking.get_outstanding_allocations_str() == ""


def test_tracking_log_outstanding_allocations(host_mr, capfd):
    tracking = rmm.mr.TrackingResourceAdaptor(host_mr, capture_stacks=True)
    p = tracking.allocate(512)
    old = rmm.get_logging_level()
    try:
        rmm.set_logging_level(rmm.level_enum.debug)
        tracking.log_outstanding_allocations()
        assert f"0x{p:x}: 512 B" in capfd.readouterr().err
        rmm.set_logging_level(rmm.level_enum.info)
        tracking.log_outstanding_allocations()
        assert capfd.readouterr().err == ""
    finally:
        rmm.set_logging_level(old)
    tracking.deallocate(p, 512)


def test_logging_rows(host_mr, tmp_path):
    name = tmp_path / "log.csv"
    logged = rmm.mr.LoggingResourceAdaptor(host_mr, log_file_name=str(name))
    assert logged.get_file_name() == str(tmp_path / "log.dev0.csv")
    p = logged.allocate(1232, 0x1000)
    logged.deallocate(p, 1232, 0x1000)
    logged.flush()
    with open(logged.get_file_name()) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["Thread", "Time", "Action", "Pointer", "Size", "Stream"]
    assert [r[2] for r in rows[1:]] == ["allocate", "free"]
    assert all(int(r[3], 16) == p and r[4] == "1232" and r[5] == "0x1000" for r in rows[1:])


def test_logging_file_from_environment(host_mr, tmp_path, monkeypatch):
    monkeypatch.setenv("RMM_LOG_FILE", str(tmp_path / "env.txt"))
    logged = rmm.mr.LoggingResourceAdaptor(host_mr)
    assert logged.get_file_name() == str(tmp_path / "env.dev0.txt")


def test_limiting(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 4096)
    a = limited.allocate(3000)
    assert limited.get_allocated_bytes() == 3072
    with pytest.raises(MemoryError):
        limited.allocate(2000)
    limited.deallocate(a, 3000)
    b = limited.allocate(4096)
    limited.deallocate(b, 4096)


def test_aligned(host_mr):
    aligned = rmm.mr.AlignedResourceAdaptor(host_mr, alignment=4096, alignment_threshold=1024)
    ptrs = [(aligned.allocate(n), n) for n in (1024, 5000, 100000)]
    assert all(p % 4096 == 0 for p, _ in ptrs)
    for p, n in ptrs:
        aligned.deallocate(p, n)


def test_failure_callback_retries(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 1024)
    held = [limited.allocate(1024)]
    calls = []

    def make_room(nbytes):
        calls.append(nbytes)
        if held:
            limited.deallocate(held.pop(), 1024)
            return True
        return False

    guarded = rmm.mr.FailureCallbackResourceAdaptor(limited, make_room)
    p = guarded.allocate(512)
    assert calls == [512]
    with pytest.raises(MemoryError):
        guarded.allocate(4096)
    assert calls == [512, 4096]
    guarded.deallocate(p, 512)


def test_failure_callback_that_raises_reaches_the_caller(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 256)

    def broken(nbytes):
        raise RuntimeError("boom")

    guarded = rmm.mr.FailureCallbackResourceAdaptor(limited, broken)
    with pytest.raises(RuntimeError, match="^boom$") as info:
        guarded.allocate(1024)
    assert not isinstance(info.value, rmm.RMMError)
    # Nothing is left pending: the next failure is the library's own.
    guarded_quiet = rmm.mr.FailureCallbackResourceAdaptor(limited, lambda n: False)
    with pytest.raises(MemoryError, match="limiting"):
        guarded_quiet.allocate(1024)


def _nested_failure_callbacks(host_mr, held_sizes):
    """An outer failure callback that frees one held block per call over an inner one
    that always raises (numbering its calls)."""
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, sum(held_sizes))
    held = [(limited.allocate(size), size) for size in held_sizes]
    calls = []

    def inner(nbytes):
        calls.append(nbytes)
        raise ValueError(f"inner gave up ({len(calls)})")

    def outer(nbytes):
        if not held:
            return False
        limited.deallocate(*held.pop())  # a call that succeeds inside a callback
        return True

    inner_guard = rmm.mr.FailureCallbackResourceAdaptor(limited, inner)
    return limited, rmm.mr.FailureCallbackResourceAdaptor(inner_guard, outer), calls


def test_callback_exception_of_a_call_that_succeeds_is_unraisable(host_mr, monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", seen.append)
    limited, guarded, calls = _nested_failure_callbacks(host_mr, [256])
    p = guarded.allocate(128)  # the outer callback made room: the retry succeeds
    assert p and calls == [128]
    assert [type(s.exc_value) for s in seen] == [ValueError]
    assert str(seen[0].exc_value) == "inner gave up (1)"
    assert "rmm_allocate" in seen[0].err_msg
    # Nothing lingers for the thread's next failure.
    with pytest.raises(MemoryError, match="limiting"):
        limited.allocate(1024)
    guarded.deallocate(p, 128)


def test_calls_inside_a_callback_leave_the_pending_exception_to_the_failing_call(host_mr, monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", seen.append)
    _, guarded, calls = _nested_failure_callbacks(host_mr, [256, 256])
    with pytest.raises(RuntimeError, match=r"^inner gave up \(1\)$") as info:
        guarded.allocate(2048)  # never fits: the first exception wins
    assert isinstance(info.value.__cause__, ValueError)
    assert len(calls) == 3 and seen == []


def test_callback_resource(host_mr):
    log = []

    def allocate(size, stream):
        log.append(("allocate", size, stream.handle))
        return host_mr.allocate(size, stream)

    def deallocate(ptr, size, stream):
        log.append(("free", size, stream.handle))
        host_mr.deallocate(ptr, size, stream)

    cb = rmm.mr.CallbackMemoryResource(allocate, deallocate)
    assert cb.name == "callback"
    p = cb.allocate(300, 0x1000)
    cb.deallocate(p, 300, 0x1000)
    assert log == [("allocate", 304, 0x1000), ("free", 304, 0x1000)]


def test_callback_resource_failure_is_bad_alloc(capfd):
    cb = rmm.mr.CallbackMemoryResource(lambda size, stream: 0, lambda ptr, size, stream: None)
    with pytest.raises(MemoryError):
        cb.allocate(100)


def test_thread_safe_and_prefetch_pass_through(host_mr):
    for cls in (rmm.mr.ThreadSafeResourceAdaptor, rmm.mr.PrefetchResourceAdaptor):
        adaptor = cls(host_mr)
        assert adaptor.upstream_mr is host_mr
        assert adaptor.properties == host_mr.properties
        roundtrip(adaptor)


def test_arena_over_host(host_mr):
    arena = rmm.mr.ArenaMemoryResource(host_mr, arena_size="8MiB")
    assert arena.name == "arena"
    roundtrip(arena, sizes=(256, 1000, 1 << 20, 3 << 20))
    with pytest.raises(MemoryError):
        arena.allocate(16 << 20)


def test_arena_refuses_too_small(host_mr):
    with pytest.raises(rmm.RMMError):
        rmm.mr.ArenaMemoryResource(host_mr, arena_size=1000)


@needs_pool
def test_pool_over_host(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    pool = rmm.mr.PoolMemoryResource(stats, initial_pool_size="1MiB", maximum_pool_size="4MiB")
    assert pool.pool_size() == 1 << 20
    assert pool.upstream_mr is stats
    roundtrip(pool, sizes=(256, 1000, 100000))
    ptr = pool.allocate(3 << 20)
    assert pool.pool_size() <= 4 << 20
    with pytest.raises(MemoryError):
        pool.allocate(2 << 20)
    pool.deallocate(ptr, 3 << 20)
    del pool
    gc.collect()
    assert stats.allocation_counts["current_bytes"] == 0


@needs_pool
def test_pool_sizes_are_rounded_and_default_over_host(host_mr):
    pool = rmm.mr.PoolMemoryResource(host_mr, initial_pool_size=1000)
    assert pool.pool_size() == 1024
    assert rmm.mr.PoolMemoryResource(host_mr).pool_size() == 0


@needs_pool
def test_pool_over_simulated():
    sim = rmm.mr.SimulatedMemoryResource("64GiB")
    pool = rmm.mr.PoolMemoryResource(sim, "1GiB", "32GiB")
    ptrs = [pool.allocate(1 << 30) for _ in range(8)]
    for p in ptrs:
        pool.deallocate(p, 1 << 30)


@needs_fixed
def test_fixed_size_over_host(host_mr):
    fixed = rmm.mr.FixedSizeMemoryResource(host_mr, block_size=4096, blocks_to_preallocate=4)
    assert fixed.get_block_size() == 4096
    roundtrip(fixed, sizes=(1, 100, 4096))
    with pytest.raises(rmm.RMMError):
        fixed.allocate(8192)


@needs_binning
def test_binning_over_host(host_mr):
    binning = rmm.mr.BinningMemoryResource(host_mr)
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    binning.add_bin(1024, stats)
    binning.add_bin(4096)
    assert binning.bin_mrs == [stats]
    p = binning.allocate(1000)
    assert stats.allocation_counts["current_count"] == 1
    q = binning.allocate(3000)
    r = binning.allocate(1 << 20)
    assert stats.allocation_counts["current_count"] == 1
    for ptr, n in ((p, 1000), (q, 3000), (r, 1 << 20)):
        binning.deallocate(ptr, n)


@needs_binning
def test_binning_range_over_host(host_mr):
    binning = rmm.mr.BinningMemoryResource(host_mr, 10, 14)
    roundtrip(binning, sizes=(1, 1024, 9000, 1 << 20))


def test_wrapped_resources_keep_their_identity(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    rmm.mr.set_current_device_resource(stats)
    assert rmm.mr.get_current_device_resource() is stats
    assert rmm.mr.get_per_device_resource(0) is stats
    assert rmm.mr.get_current_device_resource_type() is rmm.mr.StatisticsResourceAdaptor
    assert rmm.mr.is_initialized()


def test_resource_made_in_c_is_wrapped_by_family(host_mr):
    """A C pointer with no Python object gets one of the class of its family."""
    from rmm.pylibrmm.memory_resource import _from_pointer

    handle = _lib.out_pointer(_lib.lib.rmm_statistics_create, host_mr.handle)
    try:
        wrapped = _from_pointer(handle)
        assert type(wrapped) is rmm.mr.StatisticsResourceAdaptor
        assert wrapped.upstream_mr is host_mr
        p = wrapped.allocate(64)
        assert wrapped.allocation_counts["current_count"] == 1
        wrapped.deallocate(p, 64)
    finally:
        _lib.lib.rmm_resource_release(handle)


def test_default_resource_is_cuda():
    rmm.mr.set_current_device_resource(None)
    assert isinstance(rmm.mr.get_current_device_resource(), rmm.mr.CudaMemoryResource)


def test_set_current_device_resource_then_default(host_mr):
    rmm.mr.set_current_device_resource(host_mr)
    buf = rmm.DeviceBuffer(100)
    assert buf.mr is host_mr
    rmm.mr.set_current_device_resource(None)
    assert rmm.mr.get_current_device_resource() is not host_mr


def test_per_device_resource_out_of_range_is_refused(host_mr):
    with pytest.raises(rmm.RMMError):
        rmm.mr.get_per_device_resource(100000)
    with pytest.raises(rmm.RMMError):
        rmm.mr.set_per_device_resource(-1, host_mr)


def test_enable_and_disable_logging(host_mr, tmp_path):
    rmm.mr.set_current_device_resource(host_mr)
    assert rmm.mr.get_log_filenames() == {0: None}
    rmm.mr.enable_logging(log_file_name=str(tmp_path / "rmm.csv"))
    logged = rmm.mr.get_current_device_resource()
    assert isinstance(logged, rmm.mr.LoggingResourceAdaptor)
    assert logged.upstream_mr is host_mr
    names = rmm.mr.get_log_filenames()
    assert names == {0: str(tmp_path / "rmm.dev0.csv")}
    buf = rmm.DeviceBuffer(1000)
    del buf
    rmm.mr.disable_logging()
    assert rmm.mr.get_current_device_resource() is host_mr
    with open(names[0]) as f:
        rows = list(csv.reader(f))
    assert [r[2] for r in rows[1:]] == ["allocate", "free"]


def test_resource_stats(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 1 << 20)
    p = limited.allocate(1000)
    stats = host_mr.get_stats()
    assert set(stats) >= {"bytes_in_use", "peak_bytes_in_use", "bytes_reserved", "flags"}
    limited.deallocate(p, 1000)


def test_available_device_memory_without_device():
    from conftest import DEVICE_COUNT

    if DEVICE_COUNT:
        pytest.skip("there is a device (see test_gpu)")
    with pytest.raises(rmm.CudaError):
        rmm.mr.available_device_memory()


@pytest.mark.skipif(not _lib.has("rmm_resource_from_spec"), reason="this librmm has no specs (branch spec)")
def test_resource_from_spec():
    mr = rmm.mr.resource_from_spec("statistics(limiting(host, 4KiB))")
    assert isinstance(mr, rmm.mr.StatisticsResourceAdaptor)
    assert isinstance(mr.upstream_mr, rmm.mr.LimitingResourceAdaptor)
    assert isinstance(mr.upstream_mr.upstream_mr, rmm.mr.HostMemoryResource)
    p = mr.allocate(1000)
    assert mr.allocation_counts["current_bytes"] == 1008
    with pytest.raises(MemoryError):
        mr.allocate(4096)
    mr.deallocate(p, 1000)
    with pytest.raises(rmm.RMMError):
        rmm.mr.resource_from_spec("no_such_family")


def test_resource_from_spec_needs_the_library_function():
    if _lib.has("rmm_resource_from_spec"):
        pytest.skip("this librmm has specs")
    with pytest.raises(rmm.RMMError, match="does not provide rmm_resource_from_spec"):
        rmm.mr.resource_from_spec("host")


@pytest.mark.skipif(not _lib.has("rmm_resource_from_spec"), reason="this librmm has no specs (branch spec)")
def test_default_resource_from_rmm_resource_environment():
    """RMM_RESOURCE builds the default resource: Python wraps each level by family and
    buffers use it without a GPU."""
    import os
    import subprocess
    import sys

    script = (
        "import rmm\n"
        "mr = rmm.mr.get_current_device_resource()\n"
        "assert type(mr).__name__ == 'StatisticsResourceAdaptor', mr\n"
        "assert type(mr.upstream_mr).__name__ == 'HostMemoryResource'\n"
        "buf = rmm.DeviceBuffer.to_device(b'x' * 300)\n"
        "assert mr.allocation_counts['current_bytes'] == 304\n"
        "print('ok')\n"
    )
    env = dict(os.environ, RMM_RESOURCE="statistics(host)")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
