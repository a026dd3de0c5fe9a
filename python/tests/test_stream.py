import ctypes

import pytest

import rmm
from rmm.pylibrmm.stream import (
    DEFAULT_STREAM,
    LEGACY_DEFAULT_STREAM,
    PER_THREAD_DEFAULT_STREAM,
    Stream,
    as_stream_handle,
)


class Protocol:
    def __init__(self, handle):
        self.handle_value = handle

    def __cuda_stream__(self):
        return (0, self.handle_value)


class CupyLike:
    ptr = 0x1234


class TorchLike:
    cuda_stream = 0x5678


class NumbaLike:
    handle = ctypes.c_void_p(0x9ABC)


class NumbaNull:
    handle = ctypes.c_void_p(None)


@pytest.mark.parametrize(
    "obj, handle",
    [
        (0, 0),
        (0x1000, 0x1000),
        (ctypes.c_void_p(0x20), 0x20),
        (Protocol(0x4321), 0x4321),
        (CupyLike(), 0x1234),
        (TorchLike(), 0x5678),
        (NumbaLike(), 0x9ABC),
        (NumbaNull(), 0),
        (Stream(0x77), 0x77),
        (DEFAULT_STREAM, 0),
        (LEGACY_DEFAULT_STREAM, 1),
        (PER_THREAD_DEFAULT_STREAM, 2),
    ],
)
def test_stream_handles(obj, handle):
    assert as_stream_handle(None) == 0
    assert as_stream_handle(obj) == handle
    assert Stream(obj).handle == handle
    assert Stream(obj).__cuda_stream__() == (0, handle)


@pytest.mark.parametrize("obj", ["0x10", 1.5, object(), True])
def test_bad_streams_are_refused(obj):
    with pytest.raises(TypeError):
        as_stream_handle(obj)


def test_negative_stream_is_refused():
    with pytest.raises(ValueError):
        as_stream_handle(-1)


def test_protocol_must_be_a_pair():
    class Broken:
        def __cuda_stream__(self):
            return 5

    with pytest.raises(TypeError):
        as_stream_handle(Broken())


def test_stream_keeps_its_owner_alive():
    owner = CupyLike()
    s = Stream(owner)
    del owner
    assert isinstance(s._owner, CupyLike)


def test_default_streams():
    assert DEFAULT_STREAM.is_default()
    assert LEGACY_DEFAULT_STREAM.is_default()
    assert PER_THREAD_DEFAULT_STREAM.is_default()
    assert not Stream(0x1000).is_default()
    assert Stream(0x1000) == Stream(0x1000)
    assert len({Stream(1), LEGACY_DEFAULT_STREAM}) == 1
    assert "legacy" in repr(LEGACY_DEFAULT_STREAM)


def test_resources_take_any_stream(host_mr):
    """Over a host resource any value is a stream: every accepted form reaches the C call."""
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    tracking = rmm.mr.TrackingResourceAdaptor(stats)
    for stream in (None, 0x1000, Stream(0x2000), CupyLike(), TorchLike(), NumbaLike(), Protocol(0x3000)):
        ptr = tracking.allocate(100, stream)
        assert tracking.get_outstanding_allocations()[0][2] == as_stream_handle(stream)
        tracking.deallocate(ptr, 100, stream)
    assert stats.allocation_counts["total_count"] == 7
    with pytest.raises(TypeError):
        tracking.allocate(100, "stream")


def test_synchronize_without_device_raises_cuda_error():
    from conftest import DEVICE_COUNT

    if DEVICE_COUNT:
        pytest.skip("there is a device: synchronizing succeeds (see test_gpu)")
    with pytest.raises(rmm.CudaError, match="rmm_stream_synchronize"):
        DEFAULT_STREAM.synchronize()


def test_stream_pool_argument_and_device_checks():
    from conftest import DEVICE_COUNT
    from rmm.pylibrmm.cuda_stream_pool import CudaStreamPool

    with pytest.raises(ValueError):
        CudaStreamPool(0)
    if DEVICE_COUNT:
        pool = CudaStreamPool(4)
        assert pool.get_pool_size() == 4
        streams = {pool.get_stream().handle for _ in range(8)}
        assert len(streams) == 4
        assert pool.get_stream(5).handle == pool.get_stream(1).handle
        pool.get_stream().synchronize()
    else:
        with pytest.raises(rmm.CudaError):
            CudaStreamPool(4)


def test_prefetch_of_host_memory_is_a_no_op(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"x" * 4096, mr=host_mr)
    buf.prefetch()
    buf.prefetch(device=0, stream=0x1000)
    assert buf.tobytes() == b"x" * 4096
