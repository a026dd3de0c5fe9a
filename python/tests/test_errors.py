import pytest

import rmm
import rmm.mr
from rmm import _lib


def test_out_of_memory_is_a_memory_error_with_the_library_message(host_mr):
    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 1000)
    with pytest.raises(MemoryError) as info:
        limited.allocate(2000)
    err = info.value
    assert isinstance(err, rmm.RMMError)
    assert isinstance(err, rmm.OutOfMemoryError)
    assert err.status == _lib.ERROR_OUT_OF_MEMORY
    assert "limiting: out of memory" in str(err)
    assert "2000 bytes" in err.message
    assert limited.get_allocated_bytes() == 0


def test_simulated_capacity_is_out_of_memory():
    sim = rmm.mr.SimulatedMemoryResource(1 << 20)
    with pytest.raises(rmm.OutOfMemoryError):
        sim.allocate(2 << 20)


def test_invalid_argument_is_an_rmm_error_not_memory_error(host_mr):
    with pytest.raises(rmm.RMMError) as info:
        rmm.mr.AlignedResourceAdaptor(host_mr, alignment=300)
    assert not isinstance(info.value, MemoryError)
    assert info.value.status == _lib.ERROR_INVALID_ARGUMENT
    assert "power of two" in str(info.value)
    # An RMMError is a RuntimeError, as upstream's C++ logic errors are in Python.
    assert isinstance(info.value, RuntimeError)


def test_message_is_the_calling_threads(host_mr):
    import threading

    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 100)
    seen = {}

    def other():
        try:
            limited.allocate(5000)
        except MemoryError as e:
            seen["other"] = str(e)

    with pytest.raises(MemoryError) as mine:
        limited.allocate(300)
    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert "304 bytes" in str(mine.value)
    assert "5008 bytes" in seen["other"]


def test_logging_adaptor_without_a_file_name(host_mr, monkeypatch):
    monkeypatch.delenv("RMM_LOG_FILE", raising=False)
    with pytest.raises(ValueError, match="RMM_LOG_FILE"):
        rmm.mr.LoggingResourceAdaptor(host_mr)


def test_logging_adaptor_unwritable_file_is_an_io_error(host_mr, tmp_path):
    with pytest.raises(rmm.RMMError) as info:
        rmm.mr.LoggingResourceAdaptor(host_mr, str(tmp_path / "no" / "such" / "dir.csv"))
    assert info.value.status == _lib.ERROR_IO


def test_upstream_must_be_a_resource():
    with pytest.raises(TypeError):
        rmm.mr.StatisticsResourceAdaptor("cuda")
    with pytest.raises(TypeError):
        rmm.mr.set_current_device_resource(42)


def test_status_names_and_exception_classes():
    assert issubclass(rmm.OutOfMemoryError, rmm.BadAllocError)
    assert issubclass(rmm.BadAllocError, MemoryError)
    assert issubclass(rmm.CudaError, rmm.RMMError)
    err = _lib.RMMError(_lib.ERROR_NOT_SUPPORTED, "")
    assert str(err) == _lib.lib.rmm_status_string(_lib.ERROR_NOT_SUPPORTED).decode()


def test_errors_pickle(host_mr):
    import pickle

    limited = rmm.mr.LimitingResourceAdaptor(host_mr, 10)
    with pytest.raises(rmm.OutOfMemoryError) as info:
        limited.allocate(100)
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is rmm.OutOfMemoryError
    assert (again.status, again.message, str(again)) == (info.value.status, info.value.message, str(info.value))
    cuda = pickle.loads(pickle.dumps(rmm.CudaError(_lib.ERROR_CUDA, "cudaMalloc failed", 2)))
    assert (cuda.cuda_error, str(cuda)) == (2, "cudaMalloc failed")
