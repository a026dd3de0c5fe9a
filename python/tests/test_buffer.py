"""DeviceBuffer over host memory: the C containers copy with memcpy there."""

import copy
import pickle

import pytest

import rmm
import rmm.mr
from rmm._lib import lib


def test_create_and_figures(host_mr):
    buf = rmm.DeviceBuffer(size=1000, mr=host_mr)
    assert buf.size == buf.nbytes == len(buf) == 1000
    assert buf.capacity() == 1008  # the request is rounded up to 16 bytes, as upstream's
    assert buf.ptr % 256 == 0
    assert buf.mr is host_mr
    empty = rmm.DeviceBuffer(mr=host_mr)
    assert empty.size == 0 and empty.ptr == 0


def test_positional_size_and_current_resource(host_current):
    buf = rmm.DeviceBuffer(64)
    assert buf.size == 64
    assert buf.mr is host_current


def test_negative_size_is_refused(host_mr):
    with pytest.raises(ValueError):
        rmm.DeviceBuffer(size=-1, mr=host_mr)
    with pytest.raises(OverflowError):
        rmm.DeviceBuffer(size=-1, mr=host_mr)
    with pytest.raises(TypeError):
        rmm.DeviceBuffer(size=1, mr="host")


def test_to_device_and_back(host_mr):
    data = bytes(range(256)) * 5
    buf = rmm.DeviceBuffer.to_device(data, mr=host_mr)
    assert buf.size == len(data)
    assert buf.tobytes() == data
    assert bytes(buf.copy_to_host()) == data


@pytest.mark.parametrize(
    "source",
    [b"abc", bytearray(b"abcdef"), memoryview(b"xyz" * 100), memoryview(bytearray(b"0123456789"))[2:8]],
)
def test_to_device_takes_any_bytes_like(host_mr, source):
    buf = rmm.DeviceBuffer.to_device(source, mr=host_mr)
    assert buf.tobytes() == bytes(source)


def test_to_device_of_nothing(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"", mr=host_mr)
    assert buf.size == 0
    assert buf.tobytes() == b""


def test_to_device_numpy(host_mr):
    np = pytest.importorskip("numpy")
    a = np.arange(100, dtype="float32")
    buf = rmm.DeviceBuffer.to_device(a.view("u1"), mr=host_mr)
    assert buf.size == 400
    back = buf.copy_to_host()
    assert back.dtype == np.uint8
    assert (back.view("float32") == a).all()
    # As upstream: only 1-D contiguous unsigned bytes.
    with pytest.raises(ValueError):
        rmm.DeviceBuffer.to_device(a.view("u1")[::2], mr=host_mr)
    with pytest.raises(ValueError):
        rmm.DeviceBuffer.to_device(a, mr=host_mr)


def test_copy_to_host_into_given_buffer(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"hello", mr=host_mr)
    out = bytearray(8)
    assert buf.copy_to_host(out) is out
    assert out == b"hello\0\0\0"
    with pytest.raises(ValueError):
        buf.copy_to_host(bytearray(4))
    with pytest.raises(ValueError):
        buf.copy_to_host(b"readonly")


def test_copy_from_host(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"." * 10, mr=host_mr)
    buf.copy_from_host(b"abc")
    assert buf.tobytes() == b"abc......."
    buf.copy_from_host(bytearray(b"0123456789"))
    assert buf.tobytes() == b"0123456789"
    with pytest.raises(ValueError):
        buf.copy_from_host(b"x" * 11)


def test_copy_from_device(host_mr):
    src = rmm.DeviceBuffer.to_device(b"device bytes", mr=host_mr)
    dst = rmm.DeviceBuffer(size=20, mr=host_mr)
    dst.copy_from_host(b"_" * 20)
    dst.copy_from_device(src)
    assert dst.tobytes() == b"device bytes________"
    with pytest.raises(ValueError):
        src.copy_from_device(dst)
    with pytest.raises(TypeError):
        dst.copy_from_device(b"host bytes")


def test_copy_is_deep(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"original", mr=host_mr)
    for other in (buf.copy(), copy.copy(buf), copy.deepcopy(buf)):
        assert other.ptr != buf.ptr
        assert other.mr is host_mr
        assert other.tobytes() == b"original"
    other = buf.copy()
    buf.copy_from_host(b"changed!")
    assert other.tobytes() == b"original"


def test_resize_and_reserve(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"0123456789", mr=host_mr)
    buf.reserve(100)
    assert buf.capacity() == 112 and buf.size == 10
    buf.resize(4)
    assert buf.tobytes() == b"0123" and buf.capacity() == 112
    buf.resize(200)
    assert buf.size == 200 and buf.tobytes()[:4] == b"0123"
    buf.resize(4)
    buf.shrink_to_fit()
    assert buf.capacity() == 4


def test_stream_is_recorded(host_mr):
    tracking = rmm.mr.TrackingResourceAdaptor(host_mr)
    buf = rmm.DeviceBuffer(size=10, stream=0x1000, mr=tracking)
    assert buf.stream.handle == 0x1000
    assert tracking.get_outstanding_allocations()[0][2] == 0x1000
    buf.resize(1000, stream=rmm.Stream(0x2000))
    assert buf.stream.handle == 0x2000
    assert tracking.get_outstanding_allocations()[0][2] == 0x2000



def _c_stream(buf):
    return lib.rmm_device_buffer_stream(buf.handle) or 0


def test_reserve_within_capacity_takes_the_stream_on_both_sides(host_mr):
    # As upstream's reserve: the stream changes even when no memory moves, and the
    # stream Python reports is the one C will free the memory on.
    buf = rmm.DeviceBuffer(size=100, stream=0x1000, mr=host_mr)
    ptr, capacity = buf.ptr, buf.capacity()
    buf.reserve(50, stream=rmm.Stream(0x2000))
    assert (buf.ptr, buf.capacity()) == (ptr, capacity)
    assert buf.stream.handle == _c_stream(buf) == 0x2000
    buf.reserve(capacity, stream=rmm.Stream(0x3000))
    assert buf.ptr == ptr and buf.stream.handle == _c_stream(buf) == 0x3000
    buf.reserve(capacity + 1, stream=rmm.Stream(0x4000))
    assert buf.capacity() > capacity
    assert buf.stream.handle == _c_stream(buf) == 0x4000


def test_reserve_after_shrink_to_fit_does_not_reallocate(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"x" * 20, mr=host_mr)
    buf.shrink_to_fit()
    ptr = buf.ptr
    buf.reserve(20, stream=rmm.Stream(0x1000))
    assert (buf.ptr, buf.capacity()) == (ptr, 20)
    assert buf.stream.handle == _c_stream(buf) == 0x1000


def test_creation_needs_no_capacity_query(host_mr, monkeypatch):
    def unexpected(handle):
        raise AssertionError("rmm_device_buffer_capacity called while creating a buffer")

    with monkeypatch.context() as m:
        m.setattr(lib, "rmm_device_buffer_capacity", unexpected)
        rounded = rmm.DeviceBuffer(size=32, mr=host_mr)
        unrounded = rmm.DeviceBuffer(size=20, mr=host_mr)
        copied = rmm.DeviceBuffer(size=5, ptr=rounded.ptr, mr=host_mr)
    assert (rounded.size, rounded.capacity()) == (32, 32)
    assert (unrounded.size, unrounded.capacity()) == (20, 32)
    assert (copied.size, copied.capacity()) == (5, 16)


def test_copy_from_a_pointer_is_queued_not_waited_for(host_mr, monkeypatch):
    # rmm_device_buffer_write waits for its stream; upstream's constructor and copy()
    # only queue the copy (and wait on a default stream alone).
    source = rmm.DeviceBuffer.to_device(b"abcdefgh", mr=host_mr)

    def waits(*args):
        raise AssertionError("rmm_device_buffer_write called for a copy")

    with monkeypatch.context() as m:
        m.setattr(lib, "rmm_device_buffer_write", waits)
        from_pointer = rmm.DeviceBuffer(size=5, ptr=source.ptr, mr=host_mr)
        copied = source.copy()
    assert from_pointer.tobytes() == b"abcde"
    assert copied.tobytes() == b"abcdefgh"


def test_cuda_array_interface(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"x" * 33, mr=host_mr)
    cai = buf.__cuda_array_interface__
    # Upstream's keys exactly, version 0.
    assert set(cai) == {"data", "shape", "strides", "typestr", "version"}
    assert cai["version"] == 0
    assert cai["typestr"] == "|u1"
    assert cai["shape"] == (33,)
    assert cai["data"] == (buf.ptr, False)
    assert cai["strides"] is None


def test_pickle_round_trip(host_current):
    buf = rmm.DeviceBuffer.to_device(b"pickled bytes")
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(buf, protocol=protocol))
        assert isinstance(again, rmm.DeviceBuffer)
        assert again.tobytes() == b"pickled bytes"
        assert again.ptr != buf.ptr


def test_ptr_constructor_copies(host_mr):
    src = rmm.DeviceBuffer.to_device(b"from an address", mr=host_mr)
    buf = rmm.DeviceBuffer(ptr=src.ptr, size=src.size, mr=host_mr)
    assert buf.tobytes() == b"from an address"
    assert buf.ptr != src.ptr


def test_simulated_buffer_refuses_copies():
    sim = rmm.mr.SimulatedMemoryResource("1GiB")
    buf = rmm.DeviceBuffer(size=1 << 20, mr=sim)
    assert buf.ptr != 0
    with pytest.raises(rmm.RMMError, match="neither host nor device accessible"):
        buf.tobytes()
    with pytest.raises(rmm.RMMError):
        buf.copy_from_host(b"abc")


def test_buffer_out_of_memory(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 1024)
    with pytest.raises(MemoryError):
        rmm.DeviceBuffer(size=2048, mr=limited)
    buf = rmm.DeviceBuffer(size=1024, mr=limited)
    with pytest.raises(MemoryError):
        buf.resize(2048)
    assert buf.size == 1024
