"""What scripts written for upstream RMM's Python package rely on, checked over host
and simulated resources: module names, the logging calls, callback exceptions,
DeviceBuffer's protocols, the 16-byte request accounting, size checks, streams and
resource pickling. GPU-only behaviour of the same groups is in test_gpu.py."""

import gc
import inspect
import os
import pickle

import pytest

import rmm
import rmm.mr
import rmm.statistics
from rmm.pylibrmm import device_buffer
from rmm.pylibrmm.stream import DEFAULT_STREAM, Stream

from conftest import DEVICE_COUNT

# ---- module-level names -------------------------------------------------------------


def test_version_and_commit_are_strings():
    assert isinstance(rmm.__version__, str) and rmm.__version__
    assert isinstance(rmm.__git_commit__, str)
    assert rmm.__git_commit__ == "" or len(rmm.__git_commit__) == 40


def test_cuda_gpu_helpers_exist_and_agree_with_librmm():
    gpu = rmm._cuda.gpu
    for name in (
        "getDevice",
        "setDevice",
        "getDeviceCount",
        "getDeviceAttribute",
        "runtimeGetVersion",
        "driverGetVersion",
        "deviceGetName",
    ):
        assert callable(getattr(gpu, name)), name
    assert gpu.getDeviceCount() == DEVICE_COUNT
    assert gpu.driverGetVersion() >= 0
    assert issubclass(gpu.CUDARuntimeError, RuntimeError)


@pytest.mark.skipif(DEVICE_COUNT > 0, reason="checks the no-device answer")
def test_cuda_gpu_without_device_raises_runtime_errors():
    with pytest.raises(RuntimeError):
        rmm._cuda.gpu.getDevice()
    with pytest.raises(OverflowError):
        rmm._cuda.gpu.setDevice(1 << 40)


def test_set_device_reports_the_cuda_error_librmm_saw(monkeypatch):
    gpu = rmm._cuda.gpu
    lib = rmm._lib.lib
    monkeypatch.setattr(gpu, "_runtime", None)

    def fail(device):
        raise rmm._lib.CudaError(rmm._lib.ERROR_CUDA, "rmm_set_current_device: cudaErrorInsufficientDriver", 35)

    monkeypatch.setattr(lib, "rmm_set_current_device", fail)
    monkeypatch.setattr(lib, "rmm_last_cuda_error", lambda: 35)
    with pytest.raises(gpu.CUDARuntimeError) as info:
        gpu.setDevice(0)
    assert info.value.status == 35
    # librmm's own check of the device number: no CUDA error, cudaErrorInvalidDevice.
    monkeypatch.setattr(lib, "rmm_last_cuda_error", lambda: 0)
    with pytest.raises(gpu.CUDARuntimeError) as info:
        gpu.setDevice(0)
    assert info.value.status == 101


def test_get_device_properties_without_cuda_python_is_not_implemented(monkeypatch):
    gpu = rmm._cuda.gpu
    monkeypatch.setattr(gpu, "_runtime", None)
    with pytest.raises(NotImplementedError, match="cuda-python"):
        gpu.getDeviceProperties(0)


def test_cuda_libraries_are_looked_for_once(monkeypatch):
    import ctypes
    import ctypes.util
    import importlib.util

    # A fresh copy of the module: nothing looked for yet, rmm._cuda.gpu untouched.
    spec = importlib.util.spec_from_file_location("_fresh_gpu", rmm._cuda.gpu.__file__)
    gpu = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu)
    monkeypatch.setattr(gpu, "_runtime", None)
    loads, lookups = [], []
    real_cdll, real_find = ctypes.CDLL, ctypes.util.find_library

    def counting_cdll(name, *args, **kwargs):
        loads.append(name)
        return real_cdll(name, *args, **kwargs)

    def counting_find(name):
        lookups.append(name)
        return real_find(name)

    monkeypatch.setattr(ctypes, "CDLL", counting_cdll)
    monkeypatch.setattr(ctypes.util, "find_library", counting_find)
    versions = []
    for _ in range(3):
        versions.append(gpu.driverGetVersion())
        try:
            versions.append(gpu.runtimeGetVersion())
        except gpu.CUDARuntimeError:
            versions.append(None)
    assert versions[0::2] == [versions[0]] * 3 and versions[1::2] == [versions[1]] * 3
    assert loads.count("libcuda.so.1") == 1
    assert lookups.count("cudart") <= 1
    assert len(loads) <= 3  # libcuda.so.1 and at most two names of the runtime

def test_old_stream_module_is_the_new_one():
    import rmm._cuda.stream

    assert rmm._cuda.stream.Stream is Stream


def test_old_lib_paths_reach_pylibrmm_with_a_warning():
    with pytest.warns(FutureWarning, match="rmm.pylibrmm"):
        assert rmm._lib.device_buffer.DeviceBuffer is rmm.DeviceBuffer
    with pytest.raises(AttributeError):
        rmm._lib.no_such_module


def profiled_example():
    return 1


def test_descriptive_name_is_file_line_and_qualified_name():
    name = rmm.statistics._get_descriptive_name_of_object(profiled_example)
    line = inspect.getsourcelines(profiled_example)[1]
    assert name == f"{os.path.abspath(__file__)}:{line}(profiled_example)"
    wrapped = rmm.statistics.profiler(profiled_example)
    assert rmm.statistics._get_descriptive_name_of_object(wrapped) == name


def test_profiler_records_compare_on_upstreams_fields(host_current):
    records = rmm.statistics.ProfilerRecords()

    @rmm.statistics.profiler(records=records)
    def two_buffers():
        a = rmm.DeviceBuffer(size=10)
        b = rmm.DeviceBuffer(size=10)
        del a
        return b

    with rmm.statistics.statistics():
        two_buffers()
    record = records.records[rmm.statistics._get_descriptive_name_of_object(two_buffers)]
    assert record == rmm.statistics.ProfilerRecords.MemoryRecord(num_calls=1, memory_total=32, memory_peak=32)
    assert (record.count_total, record.count_peak) == (2, 2)


# ---- logging --------------------------------------------------------------------------


def test_enable_disable_logging_and_file_names(host_current, tmp_path):
    base = tmp_path / "alloc_log.csv"
    assert rmm.get_log_filenames() == {0: None}
    rmm.enable_logging(log_file_name=str(base))
    logged = rmm.mr.get_current_device_resource()
    assert isinstance(logged, rmm.mr.LoggingResourceAdaptor)
    assert logged.get_upstream() is host_current
    expected = str(tmp_path / "alloc_log.dev0.csv")
    assert rmm.get_log_filenames() == {0: expected}
    buf = rmm.DeviceBuffer(size=100)
    del buf
    rmm.mr._flush_logs()
    with open(expected) as f:
        text = f.read()
    assert "Action,Pointer,Size,Stream" in text
    assert text.count("allocate") == 1 and text.count("free") == 1
    rmm.disable_logging()
    assert rmm.mr.get_current_device_resource() is host_current
    assert rmm.get_log_filenames() == {0: None}


def test_flush_level_round_trips():
    old = rmm.get_flush_level()
    assert isinstance(old, rmm.level_enum)
    try:
        for level in rmm.level_enum:
            rmm.set_flush_level(level)
            assert rmm.get_flush_level() is level
    finally:
        rmm.set_flush_level(old)


@pytest.mark.parametrize("bad", ["INFO", "info", 3, 100, None, 1.5, [1], True])
def test_levels_must_be_level_enum_members(bad):
    for func in (rmm.set_logging_level, rmm.set_flush_level, rmm.should_log):
        with pytest.raises(TypeError, match="level_enum"):
            func(bad)


def test_should_log_compares_with_the_level():
    old = rmm.get_logging_level()
    try:
        rmm.set_logging_level(rmm.level_enum.warn)
        assert rmm.should_log(rmm.level_enum.error)
        assert rmm.should_log(rmm.level_enum.warn)
        assert not rmm.should_log(rmm.level_enum.debug)
    finally:
        rmm.set_logging_level(old)


# ---- exceptions raised by callbacks -------------------------------------------------------


class AllocatorBroke(RuntimeError):
    pass


@pytest.mark.parametrize(
    "raised, caught",
    [
        (MemoryError("no room in the callback"), MemoryError),
        (AllocatorBroke("custom runtime error"), AllocatorBroke),
        (ValueError("callback value error"), RuntimeError),
        (Exception("plain exception"), RuntimeError),
        (BaseException("base exception"), RuntimeError),
    ],
)
def test_allocate_callback_exception_reaches_the_caller(host_mr, raised, caught):
    def allocate(size, stream):
        raise raised

    cb = rmm.mr.CallbackMemoryResource(allocate, lambda ptr, size, stream: host_mr.deallocate(ptr, size, stream))
    with pytest.raises(caught, match=str(raised)) as info:
        rmm.DeviceBuffer(size=256, mr=cb)
    if isinstance(raised, (MemoryError, RuntimeError)):
        assert info.value is raised
    else:
        assert info.value.__cause__ is raised
    with pytest.raises(caught, match=str(raised)):
        cb.allocate(64)


def test_deallocate_callback_exception_reaches_the_caller(host_mr):
    def deallocate(ptr, size, stream):
        host_mr.deallocate(ptr, size, stream)
        raise KeyError("free failed")

    cb = rmm.mr.CallbackMemoryResource(lambda size, stream: host_mr.allocate(size, stream), deallocate)
    p = cb.allocate(100)
    with pytest.raises(RuntimeError, match="free failed"):
        cb.deallocate(p, 100)
    # The next call of the thread is not blamed for it.
    q = cb.allocate(100)
    assert q


def test_callback_exception_while_a_resource_is_released_is_unraisable(host_mr, monkeypatch):
    seen = []
    monkeypatch.setattr("sys.unraisablehook", seen.append)

    def deallocate(ptr, size, stream):
        host_mr.deallocate(ptr, size, stream)
        raise ValueError("free during teardown")

    cb = rmm.mr.CallbackMemoryResource(lambda size, stream: host_mr.allocate(size, stream), deallocate)
    pool = rmm.mr.PoolMemoryResource(cb, initial_pool_size=4096)
    del pool
    gc.collect()
    assert [type(s.exc_value) for s in seen] == [ValueError]
    assert "releasing rmm resource" in seen[0].err_msg
    # Nothing is left pending for the thread's next failure.
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 16)
    with pytest.raises(MemoryError, match="limiting"):
        limited.allocate(64)


def test_failure_callback_exception_reaches_the_caller(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 1024)

    def callback(nbytes):
        raise RuntimeError(f"gave up on {nbytes}")

    guarded = rmm.mr.FailureCallbackResourceAdaptor(limited, callback)
    with pytest.raises(RuntimeError, match="gave up on 4096"):
        rmm.DeviceBuffer(size=4096, mr=guarded)


# ---- DeviceBuffer ---------------------------------------------------------------------------


def test_bytes_of_a_buffer(host_mr):
    buf = rmm.DeviceBuffer.to_device(b"some bytes", mr=host_mr)
    assert bytes(buf) == b"some bytes"
    assert bytes(rmm.DeviceBuffer(mr=host_mr)) == b""


@pytest.mark.parametrize("payload", [b"", b"x", b"out of band" * 100])
def test_pickle_protocol_5_hands_the_data_out_of_band(host_current, payload):
    buf = rmm.DeviceBuffer.to_device(payload)
    buffers = []
    data = pickle.dumps(buf, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and isinstance(buffers[0], pickle.PickleBuffer)
    assert bytes(buffers[0]) == payload
    assert payload not in data or not payload
    again = pickle.loads(data, buffers=buffers)
    assert isinstance(again, rmm.DeviceBuffer) and again.tobytes() == payload
    in_band = pickle.loads(pickle.dumps(buf, protocol=5))
    assert in_band.tobytes() == payload


def test_cuda_array_interface_has_upstreams_keys(host_mr):
    buf = rmm.DeviceBuffer(size=5, mr=host_mr)
    cai = buf.__cuda_array_interface__
    assert cai == {"data": (buf.ptr, False), "shape": (5,), "strides": None, "typestr": "|u1", "version": 0}


def test_copy_functions_between_pointers_and_host(host_mr):
    src = rmm.DeviceBuffer.to_device(b"pointer copies", mr=host_mr)
    dst = rmm.DeviceBuffer.to_device(b"." * 20, mr=host_mr)
    out = bytearray(14)
    device_buffer.copy_ptr_to_host(src.ptr, out)
    assert out == b"pointer copies"
    device_buffer.copy_host_to_ptr(b"HOST", dst.ptr)
    assert dst.tobytes() == b"HOST" + b"." * 16
    device_buffer.copy_device_to_ptr(src.ptr, dst.ptr + 4, 7, stream=DEFAULT_STREAM)
    assert dst.tobytes() == b"HOSTpointer" + b"." * 9
    device_buffer.copy_device_to_ptr(src.ptr, dst.ptr, 0)
    assert dst.tobytes()[:4] == b"HOST"


@pytest.mark.parametrize(
    "host, error",
    [
        (None, TypeError),
        ("text", TypeError),
        (123, TypeError),
        (memoryview(bytearray(8)).cast("H"), ValueError),
        (memoryview(bytearray(8)).cast("B", (2, 4)), ValueError),
        (memoryview(bytearray(8))[::2], ValueError),
    ],
)
def test_bad_host_buffers_are_refused(host_mr, host, error):
    buf = rmm.DeviceBuffer(size=8, mr=host_mr)
    with pytest.raises(error):
        rmm.DeviceBuffer.to_device(host, mr=host_mr)
    with pytest.raises(error):
        buf.copy_from_host(host)
    if host is not None:  # copy_to_host(None) makes a new array
        with pytest.raises(error):
            buf.copy_to_host(host)
    with pytest.raises(error):
        device_buffer.copy_host_to_ptr(host, buf.ptr)


def test_read_only_destination_is_refused(host_mr):
    buf = rmm.DeviceBuffer(size=4, mr=host_mr)
    with pytest.raises(ValueError, match="read-only"):
        device_buffer.copy_ptr_to_host(buf.ptr, b"four")
    with pytest.raises(ValueError, match="too small"):
        buf.copy_to_host(bytearray(2))


# ---- accounting as upstream reports it -------------------------------------------------------


def test_statistics_count_requests_rounded_to_16_bytes(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    buf = rmm.DeviceBuffer(size=20, mr=stats)
    assert buf.size == 20 and buf.capacity() == 32
    assert stats.allocation_counts.current_bytes == 32
    p = stats.allocate(1)
    assert stats.allocation_counts.current_bytes == 48
    stats.deallocate(p, 1)
    del buf
    assert stats.allocation_counts.current_bytes == 0
    assert stats.allocation_counts.total_bytes == 48


def test_ten_buffers_half_freed_count_5040(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    tracking = rmm.mr.TrackingResourceAdaptor(stats)
    buffers = [rmm.DeviceBuffer(size=1000, mr=tracking) for _ in range(10)]
    for i in range(9, 0, -2):
        del buffers[i]
    assert tracking.get_allocated_bytes() == 5040
    counts = stats.allocation_counts
    assert (counts.current_bytes, counts.peak_bytes, counts.total_bytes) == (5040, 10080, 10080)
    del buffers
    gc.collect()
    assert tracking.get_allocated_bytes() == 0


def test_pop_of_the_last_counters_is_an_index_error(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    with pytest.raises(IndexError, match="cannot pop the last counter pair"):
        stats.pop_counters()


def test_resizing_beyond_capacity_asks_for_rounded_sizes(host_mr):
    stats = rmm.mr.StatisticsResourceAdaptor(host_mr)
    buf = rmm.DeviceBuffer(size=10, mr=stats)
    buf.resize(17)
    assert buf.capacity() == 32 and stats.allocation_counts.current_bytes == 32
    buf.resize(30)
    assert buf.capacity() == 32 and stats.allocation_counts.total_count == 2


# ---- resources ----------------------------------------------------------------------------------


def test_binning_takes_a_bin_of_another_memory_kind(host_mr):
    both = rmm.mr.CallbackMemoryResource(
        lambda size, stream: host_mr.allocate(size, stream),
        lambda ptr, size, stream: host_mr.deallocate(ptr, size, stream),
    )
    binning = rmm.mr.BinningMemoryResource(both)
    assert binning.device_accessible and not host_mr.device_accessible
    binning.add_bin(1024, host_mr)
    assert binning.bin_mrs == [host_mr]
    p = binning.allocate(100)
    binning.deallocate(p, 100)
    with pytest.raises(TypeError):
        binning.add_bin(2048, "not a resource")


@pytest.mark.parametrize("size", ["bad", "2k", "8 M", "1.5.5GiB", "1" * 400])
def test_reinitialize_refuses_unreadable_sizes(host_current, size):
    with pytest.raises(ValueError, match="Could not parse"):
        rmm.reinitialize(initial_pool_size=size)
    with pytest.raises(ValueError, match="Could not parse"):
        rmm.reinitialize(pool_allocator=True, maximum_pool_size=size)
    assert rmm.mr.get_current_device_resource() is host_current


def test_initial_pool_size_above_maximum_keeps_upstreams_words(host_mr):
    with pytest.raises(RuntimeError) as info:
        rmm.mr.PoolMemoryResource(host_mr, initial_pool_size=1 << 11, maximum_pool_size=1 << 10)
    assert str(info.value).startswith("Initial pool size exceeds the maximum pool size")


def test_view_pool_handles_convert_by_int():
    from rmm.pylibrmm.memory_resource import _pool_handle_value

    class HandleLike:
        """As cuda-python's handles: int() is the handle, getPtr() where it is stored."""

        def __int__(self):
            return 0xABC000

        def getPtr(self):
            return 0x7FFF0000

    assert _pool_handle_value(HandleLike()) == 0xABC000
    assert _pool_handle_value(0x1234) == 0x1234
    for bad in ("0x10", 1.5, None):
        with pytest.raises(TypeError):
            _pool_handle_value(bad)
    with pytest.raises(OverflowError):
        _pool_handle_value(1 << 64)


def test_cuda_async_takes_enable_fabric():
    params = inspect.signature(rmm.mr.CudaAsyncMemoryResource).parameters
    assert "enable_fabric" in params and params["enable_fabric"].default is False


@pytest.mark.parametrize(
    "make",
    [
        rmm.mr.HostMemoryResource,
        lambda: rmm.mr.SimulatedMemoryResource("1MiB"),
        lambda: rmm.mr.StatisticsResourceAdaptor(rmm.mr.HostMemoryResource()),
    ],
)
def test_memory_resources_refuse_pickling(make):
    mr = make()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot pickle"):
            pickle.dumps(mr, protocol=protocol)


# ---- streams --------------------------------------------------------------------------------------


def test_stream_without_argument_is_a_new_stream():
    if DEVICE_COUNT == 0:
        with pytest.raises(rmm.RMMError):
            Stream()
        with pytest.raises(rmm.RMMError):
            rmm.pylibrmm.cuda_stream.CudaStream()
    else:
        s = Stream()
        assert not s.is_default()
        assert Stream(None) != s


def test_cuda_stream_module():
    import rmm.pylibrmm.cuda_stream as cuda_stream

    assert cuda_stream.CudaStreamFlags.NON_BLOCKING == 1
    assert callable(cuda_stream.CudaStream)


def test_stream_protocol_versions_other_than_0_are_refused():
    class FutureStream:
        def __cuda_stream__(self):
            return (1, 0x1000)

    with pytest.raises(NotImplementedError, match="version: '1'"):
        Stream(FutureStream())


def test_stream_pool_takes_upstreams_arguments():
    from rmm.pylibrmm.cuda_stream import CudaStreamFlags
    from rmm.pylibrmm.cuda_stream_pool import CudaStreamPool

    with pytest.raises(ValueError):
        CudaStreamPool(pool_size=0, flags=CudaStreamFlags.NON_BLOCKING)
    with pytest.raises(OverflowError):
        CudaStreamPool(pool_size=-3)
    if DEVICE_COUNT:
        pool = CudaStreamPool(pool_size=4, flags=CudaStreamFlags.SYNC_DEFAULT)
        streams = [pool.get_stream() for _ in range(4)]
        assert len(set(streams)) == 4
        assert all(streams[i] == pool.get_stream_by_id(i) for i in range(4))


def test_stream_arguments_of_none_are_the_default_stream(host_mr):
    buf = rmm.DeviceBuffer(size=4, stream=None, mr=host_mr)
    assert buf.stream is DEFAULT_STREAM


# ---- sizes, pointers and enums are range-checked ----------------------------------------------------


@pytest.mark.parametrize(
    "size, error",
    [(1 << 70, OverflowError), (1 << 64, OverflowError), (-1, OverflowError), (-1, ValueError), (1.5, TypeError), ("10", TypeError)],
)
def test_buffer_sizes_are_checked(host_mr, size, error):
    with pytest.raises(error):
        rmm.DeviceBuffer(size=size, mr=host_mr)
    buf = rmm.DeviceBuffer(size=8, mr=host_mr)
    with pytest.raises(error):
        buf.resize(size)
    with pytest.raises(error):
        buf.reserve(size)


def test_resource_arguments_are_checked(host_mr):
    with pytest.raises(OverflowError):
        host_mr.allocate(1 << 64)
    with pytest.raises(OverflowError):
        host_mr.deallocate(-1, 16)
    with pytest.raises(OverflowError):
        host_mr.deallocate(1 << 64, 16)
    with pytest.raises(TypeError):
        host_mr.allocate(None)
    with pytest.raises(OverflowError):
        rmm.mr.set_per_device_resource(1 << 40, host_mr)
    with pytest.raises(OverflowError):
        rmm.mr.get_per_device_resource(-(1 << 40))
    with pytest.raises(OverflowError):
        rmm.mr.BinningMemoryResource(host_mr, 1 << 40, 1 << 41)
    with pytest.raises(OverflowError):
        rmm.mr.FixedSizeMemoryResource(host_mr, 4096, -1)
    with pytest.raises(OverflowError):
        rmm.mr.LimitingResourceAdaptor(host_mr, 1 << 64)
    with pytest.raises(OverflowError):
        rmm.mr.SimulatedMemoryResource("20000000TB")
    with pytest.raises(OverflowError):
        device_buffer.copy_device_to_ptr(0, 0, -5)
    with pytest.raises(OverflowError):
        Stream(1 << 64)
    with pytest.raises(OverflowError):
        rmm.reinitialize(devices=1 << 35)


def test_numpy_integers_pass_as_sizes(host_mr):
    np = pytest.importorskip("numpy")
    buf = rmm.DeviceBuffer(size=np.uint16(40), mr=host_mr)
    assert buf.size == 40
