"""Object lifetime: each Python object owns one C reference, buffers hold their resource."""

import gc
import weakref

import rmm
import rmm.mr


def collect():
    for _ in range(3):
        gc.collect()


def test_buffer_outlives_every_other_reference_to_its_resource():
    host = rmm.mr.HostMemoryResource()
    stats = rmm.mr.StatisticsResourceAdaptor(host)
    tracking = rmm.mr.TrackingResourceAdaptor(stats)
    buf = rmm.DeviceBuffer.to_device(b"still here", mr=tracking)
    probe = weakref.ref(stats)
    del host, stats, tracking
    collect()
    # The buffer keeps its whole stack: the memory is valid and still counted.
    assert probe() is not None
    assert buf.tobytes() == b"still here"
    assert probe().allocation_counts["current_bytes"] == 16  # 10 rounded up to 16
    counts = probe().allocation_counts
    assert counts["current_count"] == 1
    stats_keep = probe()
    del buf
    collect()
    # Freed through the live stack.
    assert stats_keep.allocation_counts["current_bytes"] == 0


def test_stack_is_freed_when_the_last_object_goes():
    host = rmm.mr.HostMemoryResource()
    stats = rmm.mr.StatisticsResourceAdaptor(host)
    limited = rmm.mr.LimitingResourceAdaptor(stats, 1 << 20)
    probe = weakref.ref(limited)
    buf = rmm.DeviceBuffer(size=4096, mr=limited)
    del limited
    collect()
    assert probe() is not None
    del buf
    collect()
    assert probe() is None
    assert stats.allocation_counts["current_bytes"] == 0


def test_cycle_of_buffer_and_resource_frees_in_order():
    """A buffer and its callback resource in one garbage cycle: the buffer's memory
    goes back through the callbacks before they are released."""
    host = rmm.mr.HostMemoryResource()
    freed = []

    def allocate(size, stream):
        return host.allocate(size)

    def deallocate(ptr, size, stream):
        freed.append(size)
        host.deallocate(ptr, size)

    cb = rmm.mr.CallbackMemoryResource(allocate, deallocate)
    buf = rmm.DeviceBuffer(size=300, mr=cb)
    cb.cycle = buf  # buf.mr is cb: a reference cycle
    del cb, buf
    collect()
    assert freed == [304]  # 300 rounded up to 16


def test_current_resource_stays_alive_while_current():
    host = rmm.mr.HostMemoryResource()
    stats = rmm.mr.StatisticsResourceAdaptor(host)
    probe = weakref.ref(stats)
    rmm.mr.set_current_device_resource(stats)
    del stats, host
    collect()
    assert probe() is not None
    assert rmm.mr.get_current_device_resource() is probe()
    buf = rmm.DeviceBuffer(size=10)
    assert probe().allocation_counts["current_count"] == 1
    rmm.mr.set_current_device_resource(None)
    del buf
    collect()
    assert probe() is None


def test_adaptor_keeps_upstream_object():
    host = rmm.mr.HostMemoryResource()
    probe = weakref.ref(host)
    adaptor = rmm.mr.ThreadSafeResourceAdaptor(host)
    del host
    collect()
    assert probe() is adaptor.upstream_mr
    p = adaptor.allocate(100)
    adaptor.deallocate(p, 100)
