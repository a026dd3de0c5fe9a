"""On a CUDA device: buffers in device memory, the array interface read by CuPy and
Numba, pools from reinitialize. Every test skips without a device."""

import gc

import pytest

import rmm
import rmm.mr


def test_device_buffer_round_trip(gpu):
    rmm.mr.set_current_device_resource(rmm.mr.CudaMemoryResource())
    data = bytes(range(256)) * 4096
    buf = rmm.DeviceBuffer.to_device(data)
    assert buf.tobytes() == data
    copy = buf.copy()
    buf.copy_from_host(b"\xff" * 100)
    assert copy.tobytes() == data
    assert buf.tobytes()[:101] == b"\xff" * 100 + b"\x64"
    other = rmm.DeviceBuffer(size=len(data))
    other.copy_from_device(copy)
    assert other.tobytes() == data
    other.resize(len(data) * 2)
    assert other.tobytes()[: len(data)] == data


@pytest.mark.parametrize(
    "factory",
    [
        rmm.mr.CudaMemoryResource,
        rmm.mr.ManagedMemoryResource,
        rmm.mr.PinnedHostMemoryResource,
        rmm.mr.CudaAsyncMemoryResource,
        lambda: rmm.mr.ArenaMemoryResource(rmm.mr.CudaMemoryResource(), "64MiB"),
        lambda: rmm.mr.StatisticsResourceAdaptor(rmm.mr.CudaMemoryResource()),
    ],
)
def test_buffer_over_device_resources(gpu, factory):
    mr = factory()
    buf = rmm.DeviceBuffer.to_device(b"on the device" * 1000, mr=mr)
    assert buf.tobytes() == b"on the device" * 1000


def test_pool_over_cuda(gpu):
    if not rmm._lib.has("rmm_pool_create"):
        pytest.skip("this librmm has no pool")
    pool = rmm.mr.PoolMemoryResource(rmm.mr.CudaMemoryResource(), "64MiB", "256MiB")
    buf = rmm.DeviceBuffer.to_device(b"pool" * 1000, mr=pool)
    assert buf.tobytes() == b"pool" * 1000
    with pytest.raises(MemoryError):
        rmm.DeviceBuffer(size=512 << 20, mr=pool)


def test_reinitialize_pool_allocator(gpu):
    if not rmm._lib.has("rmm_pool_create"):
        pytest.skip("this librmm has no pool")
    rmm.reinitialize(pool_allocator=True, initial_pool_size="128MiB", maximum_pool_size="1GiB")
    mr = rmm.mr.get_current_device_resource()
    assert isinstance(mr, rmm.mr.PoolMemoryResource)
    assert mr.pool_size() == 128 << 20
    buf = rmm.DeviceBuffer(size=1000)
    assert buf.mr is mr
    rmm.reinitialize(pool_allocator=True)
    assert rmm.mr.get_current_device_resource().pool_size() > 0
    del buf
    gc.collect()


def test_available_memory_and_stream_sync(gpu):
    free, total = rmm.mr.available_device_memory()
    assert 0 < free <= total
    rmm.pylibrmm.stream.DEFAULT_STREAM.synchronize()
    rmm.pylibrmm.stream.PER_THREAD_DEFAULT_STREAM.synchronize()


def test_cupy_reads_the_array_interface(gpu):
    cupy = pytest.importorskip("cupy")
    buf = rmm.DeviceBuffer.to_device(bytes(range(100)), mr=rmm.mr.CudaMemoryResource())
    array = cupy.asarray(buf)
    assert array.dtype == cupy.uint8
    assert array.shape == (100,)
    assert int(array.data.ptr) == buf.ptr
    assert int(array.sum()) == sum(range(100))
    array[:] = 7
    assert buf.tobytes() == b"\x07" * 100


def test_cupy_stream_is_accepted(gpu):
    cupy = pytest.importorskip("cupy")
    stream = cupy.cuda.Stream(non_blocking=True)
    buf = rmm.DeviceBuffer.to_device(b"abc" * 100, stream=stream, mr=rmm.mr.CudaMemoryResource())
    assert buf.stream.handle == stream.ptr
    assert buf.tobytes(stream) == b"abc" * 100
    del buf
    stream.synchronize()


def test_numba_reads_the_array_interface(gpu):
    cuda = pytest.importorskip("numba.cuda")
    buf = rmm.DeviceBuffer.to_device(bytes(range(50)), mr=rmm.mr.CudaMemoryResource())
    array = cuda.as_cuda_array(buf)
    assert array.shape == (50,)
    assert bytes(array.copy_to_host()) == bytes(range(50))


def test_torch_stream_is_accepted(gpu):
    torch = pytest.importorskip("torch")
    stream = torch.cuda.Stream()
    buf = rmm.DeviceBuffer.to_device(b"xyz" * 10, stream=stream, mr=rmm.mr.CudaMemoryResource())
    assert buf.stream.handle == stream.cuda_stream
    assert buf.tobytes(stream) == b"xyz" * 10
