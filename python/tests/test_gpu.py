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


# ---- upstream compatibility on the device (test_compat.py has the CPU side) ----------


def test_cuda_gpu_helpers_on_the_device(gpu):
    g = rmm._cuda.gpu
    assert g.getDeviceCount() == gpu
    assert g.getDevice() == 0
    g.setDevice(0)
    assert g.driverGetVersion() >= 11000
    assert g.runtimeGetVersion() >= 11000
    assert g.deviceGetName(0)
    assert g.getDeviceAttribute(16, 0) > 0  # cudaDevAttrMultiProcessorCount


def test_cuda_gpu_takes_cuda_python_attributes(gpu):
    runtime = pytest.importorskip("cuda.bindings.runtime")
    g = rmm._cuda.gpu
    count = g.getDeviceAttribute(runtime.cudaDeviceAttr.cudaDevAttrMultiProcessorCount, g.getDevice())
    assert count == g.getDeviceAttribute(16, 0)


def test_new_streams_on_the_device(gpu):
    from rmm.pylibrmm.cuda_stream import CudaStream
    from rmm.pylibrmm.stream import Stream

    owned = CudaStream()
    assert owned.is_valid() and owned.value() not in (0, 1, 2)
    stream = Stream()
    assert not stream.is_default() and stream != Stream()
    rmm.mr.set_current_device_resource(rmm.mr.CudaAsyncMemoryResource())
    buf = rmm.DeviceBuffer.to_device(b"on a stream of its own", stream=stream)
    stream.synchronize()
    assert buf.tobytes(stream=stream) == b"on a stream of its own"


def test_copy_functions_on_the_device(gpu):
    from rmm.pylibrmm.device_buffer import copy_device_to_ptr, copy_host_to_ptr, copy_ptr_to_host

    rmm.mr.set_current_device_resource(rmm.mr.CudaMemoryResource())
    src = rmm.DeviceBuffer(size=16)
    dst = rmm.DeviceBuffer(size=16)
    copy_host_to_ptr(b"sixteen bytes!!!", src.ptr)
    copy_device_to_ptr(src.ptr, dst.ptr, 16)
    out = bytearray(16)
    copy_ptr_to_host(dst.ptr, out)
    assert out == b"sixteen bytes!!!"


def test_fabric_export_works_or_says_so(gpu):
    try:
        mr = rmm.mr.CudaAsyncMemoryResource(enable_fabric=True)
    except RuntimeError as e:
        assert str(e).endswith("Requested IPC memory handle type not supported")
    else:
        rmm.mr.set_current_device_resource(mr)
        assert rmm.DeviceBuffer(size=1024).size == 1024


def test_view_over_pools_made_by_cuda_python(gpu):
    runtime = pytest.importorskip("cuda.bindings.runtime")
    err, default_pool = runtime.cudaDeviceGetDefaultMemPool(0)
    assert err == runtime.cudaError_t.cudaSuccess
    view = rmm.mr.CudaAsyncViewMemoryResource(default_pool)
    assert rmm.DeviceBuffer.to_device(b"default pool", mr=view).tobytes() == b"default pool"

    props = runtime.cudaMemPoolProps()
    props.allocType = runtime.cudaMemAllocationType.cudaMemAllocationTypePinned
    props.location.id = 0
    props.location.type = runtime.cudaMemLocationType.cudaMemLocationTypeDevice
    err, pool = runtime.cudaMemPoolCreate(props)
    assert err == runtime.cudaError_t.cudaSuccess
    view = rmm.mr.CudaAsyncViewMemoryResource(pool)
    assert view.pool_handle() == int(pool)
    buf = rmm.DeviceBuffer.to_device(b"custom pool", mr=view)
    assert buf.tobytes() == b"custom pool"
    del buf
    runtime.cudaDeviceSynchronize()
    (err,) = runtime.cudaMemPoolDestroy(pool)
    assert err == runtime.cudaError_t.cudaSuccess
    # Upstream's behaviour: an allocation from a destroyed pool is a MemoryError.
    with pytest.raises(MemoryError):
        rmm.DeviceBuffer(size=64, mr=view)


def test_failure_callback_exception_over_cuda(gpu):
    def callback(nbytes):
        raise RuntimeError("MyError")

    mr = rmm.mr.FailureCallbackResourceAdaptor(rmm.mr.CudaMemoryResource(), callback)
    rmm.mr.set_current_device_resource(mr)
    total = rmm.mr.available_device_memory()[1]
    with pytest.raises(RuntimeError, match="MyError"):
        rmm.DeviceBuffer(size=total * 2)


def test_statistics_count_upstreams_sizes_on_the_device(gpu):
    import rmm.statistics

    rmm.mr.set_current_device_resource(rmm.mr.CudaMemoryResource())
    with rmm.statistics.statistics():
        buf = rmm.DeviceBuffer(size=20)
        assert rmm.statistics.get_statistics().current_bytes == 32
        del buf


def test_binning_with_a_bin_of_another_kind_on_the_device(gpu):
    managed = rmm.mr.ManagedMemoryResource()
    binning = rmm.mr.BinningMemoryResource(managed, 18, 22)
    binning.add_bin(1 << 10, rmm.mr.FixedSizeMemoryResource(managed, 1 << 10))
    binning.add_bin(1 << 23, rmm.mr.CudaMemoryResource())
    rmm.mr.set_current_device_resource(binning)
    for size in (100, 1 << 19, 5 << 20):
        data = bytes(range(256)) * (size // 256 + 1)
        assert rmm.DeviceBuffer.to_device(data[:size]).tobytes() == data[:size]
