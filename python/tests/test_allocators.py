"""rmm.allocators: the modules import without their frameworks; the PyTorch entry points
work through ctypes as PyTorch loads them (CPU, over a host resource); and on a GPU,
PyTorch, CuPy and Numba allocate through librmm (each skips when its framework or a
device is missing). PyTorch's and Numba's allocator choice is once per process, so those
run in a child interpreter."""

import ctypes
import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

import rmm
import rmm.mr
from rmm._lib import lib, library_path


def _installed(module):
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _gpu_count():
    count = ctypes.c_int(0)
    try:
        lib.rmm_get_num_devices(ctypes.byref(count))
    except Exception:  # noqa: BLE001 - any failure means no usable device
        return 0
    return count.value


needs_gpu = pytest.mark.skipif(_gpu_count() == 0, reason="no usable GPU")


def _run_child(code):
    """Runs ``code`` in a fresh interpreter with this process's environment; returns its output."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"child failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


# --- imports without the frameworks ---------------------------------------------------


def test_package_imports():
    import rmm.allocators  # noqa: F401
    import rmm.allocators.cupy  # noqa: F401
    import rmm.allocators.torch  # noqa: F401


@pytest.mark.skipif(_installed("torch"), reason="torch is installed")
def test_torch_allocator_is_none_without_torch():
    from rmm.allocators.torch import rmm_torch_allocator

    assert rmm_torch_allocator is None


@pytest.mark.skipif(_installed("cupy"), reason="cupy is installed")
def test_cupy_allocator_without_cupy_says_so():
    from rmm.allocators.cupy import rmm_cupy_allocator

    with pytest.raises(ModuleNotFoundError, match="cupy"):
        rmm_cupy_allocator(16)


@pytest.mark.skipif(_installed("numba"), reason="numba is installed")
def test_numba_module_needs_numba():
    with pytest.raises(ImportError, match="numba"):
        importlib.import_module("rmm.allocators.numba")


def test_torch_allocator_loads_librmm_by_path_and_names(tmp_path):
    """With a stand-in for torch.cuda.memory that loads the functions as PyTorch does
    (ctypes.CDLL of the path, then the two names), the allocator gets this librmm's
    entry points."""
    fake = tmp_path / "torch" / "cuda"
    fake.mkdir(parents=True)
    (tmp_path / "torch" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "memory.py").write_text(
        textwrap.dedent(
            """
            import ctypes

            class CUDAPluggableAllocator:
                def __init__(self, path_to_so_file, alloc_fn_name, free_fn_name):
                    loaded = ctypes.CDLL(path_to_so_file)
                    self.path = path_to_so_file
                    self.alloc = ctypes.cast(getattr(loaded, alloc_fn_name), ctypes.c_void_p).value
                    self.free = ctypes.cast(getattr(loaded, free_fn_name), ctypes.c_void_p).value
            """
        )
    )
    out = _run_child(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import ctypes
        from rmm._lib import lib, library_path
        from rmm.allocators.torch import rmm_torch_allocator as a
        assert a.path == library_path()
        assert a.alloc == ctypes.cast(lib.rmm_torch_allocate, ctypes.c_void_p).value
        assert a.free == ctypes.cast(lib.rmm_torch_deallocate, ctypes.c_void_p).value
        print("same functions")
        """
    )
    assert "same functions" in out


# --- the PyTorch entry points, as PyTorch calls them -------------------------------------


@pytest.fixture
def counted_host():
    """A statistics adaptor over host memory as device 0's resource."""
    previous = rmm.mr.get_per_device_resource(0)
    mr = rmm.mr.StatisticsResourceAdaptor(rmm.mr.HostMemoryResource())
    rmm.mr.set_per_device_resource(0, mr)
    yield mr
    rmm.mr.set_per_device_resource(0, previous)


def _torch_functions():
    """The two functions, loaded by path and name with PyTorch's prototypes."""
    loaded = ctypes.CDLL(library_path())
    allocate = loaded.rmm_torch_allocate
    allocate.restype = ctypes.c_void_p
    allocate.argtypes = [ctypes.c_ssize_t, ctypes.c_int, ctypes.c_void_p]
    free = loaded.rmm_torch_deallocate
    free.restype = None
    free.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int, ctypes.c_void_p]
    return allocate, free


def test_library_path_is_the_loaded_library():
    path = library_path()
    assert os.path.isabs(path) and os.path.exists(path)
    assert os.path.basename(path).startswith("librmm.so")


def test_torch_entry_points_use_the_device_resource(counted_host):
    allocate, free = _torch_functions()
    ptr = allocate(4096, 0, 0x1234)
    assert ptr
    assert ptr % 256 == 0
    ctypes.memset(ptr, 7, 4096)
    assert counted_host.allocation_counts["current_bytes"] == 4096
    assert counted_host.allocation_counts["current_count"] == 1
    free(ptr, 4096, 0, 0x1234)
    assert counted_host.allocation_counts["current_bytes"] == 0
    assert counted_host.allocation_counts["total_bytes"] == 4096


def test_torch_entry_points_report_failure(counted_host):
    allocate, free = _torch_functions()
    assert allocate(0, 0, None) is None
    assert allocate(64, -1, None) is None
    assert "device -1" in rmm._lib.last_error_message()
    free(None, 0, 0, None)
    assert counted_host.allocation_counts["total_count"] == 0


def test_numba_plugin_over_host_memory(counted_host):
    """The plugin's allocations come from the current resource and go back when Numba
    drops them (Numba needs no GPU for this: the plugin is used without a context)."""
    pytest.importorskip("numba.cuda")
    from rmm.allocators.numba import RMMNumbaManager, _numba_memory_manager

    assert _numba_memory_manager is RMMNumbaManager
    manager = RMMNumbaManager(context=None)
    assert manager.interface_version == 1
    manager.initialize()
    pointer = manager.memalloc(1024)
    assert pointer.size == 1024
    assert counted_host.allocation_counts["current_bytes"] == 1024
    empty = [manager.memalloc(0), manager.memalloc(0)]
    assert len(manager.allocations) == 3
    del pointer, empty
    import gc

    gc.collect()
    assert manager.allocations == {}
    assert counted_host.allocation_counts["current_bytes"] == 0


# --- on a GPU ---------------------------------------------------------------------------


@needs_gpu
def test_torch_tensors_are_counted():
    pytest.importorskip("torch")
    out = _run_child(
        """
        import torch
        if not torch.cuda.is_available():
            print("SKIP torch has no CUDA")
            raise SystemExit(0)
        import rmm, rmm.mr
        from rmm.allocators.torch import rmm_torch_allocator
        torch.cuda.memory.change_current_allocator(rmm_torch_allocator)
        mr = rmm.mr.StatisticsResourceAdaptor(rmm.mr.CudaMemoryResource())
        rmm.mr.set_current_device_resource(mr)
        x = torch.ones(1000, dtype=torch.float32, device="cuda")
        counts = mr.allocation_counts
        assert counts["current_bytes"] >= 4000, counts
        assert counts["current_count"] >= 1, counts
        s = torch.cuda.Stream()
        with torch.cuda.stream(s):
            y = torch.arange(256, dtype=torch.int64, device="cuda") * 2
        s.synchronize()
        assert int(y.sum()) == 2 * sum(range(256))
        assert float(x.sum()) == 1000.0
        before = mr.allocation_counts["current_bytes"]
        del x, y
        torch.cuda.synchronize()
        after = mr.allocation_counts["current_bytes"]
        assert after < before, (before, after)
        print("counts", counts)
        """
    )
    if out.startswith("SKIP"):
        pytest.skip(out.strip())
    print(out)


@needs_gpu
def test_cupy_arrays_on_a_non_default_stream():
    cupy = pytest.importorskip("cupy")
    from rmm.allocators.cupy import rmm_cupy_allocator

    previous = rmm.mr.get_current_device_resource()
    mr = rmm.mr.StatisticsResourceAdaptor(rmm.mr.CudaMemoryResource())
    rmm.mr.set_current_device_resource(mr)
    cupy.cuda.set_allocator(rmm_cupy_allocator)
    try:
        stream = cupy.cuda.Stream(non_blocking=True)
        with stream:
            a = cupy.arange(10000, dtype=cupy.float64)
            b = a * 3
            total = float(b.sum())
        stream.synchronize()
        assert total == 3 * sum(range(10000))
        assert mr.allocation_counts["current_bytes"] >= 2 * 80000
        del a, b
        stream.synchronize()
        assert mr.allocation_counts["current_bytes"] < 2 * 80000
        # A 0-byte array has no memory behind it.
        empty = cupy.empty(0, dtype=cupy.float32)
        assert empty.size == 0
    finally:
        cupy.cuda.set_allocator(None)
        rmm.mr.set_current_device_resource(previous)


@needs_gpu
def test_numba_arrays_through_the_emm_plugin():
    pytest.importorskip("numba.cuda")
    out = _run_child(
        """
        import numpy as np
        from numba import cuda
        import rmm, rmm.mr
        from rmm.allocators.numba import RMMNumbaManager
        cuda.set_memory_manager(RMMNumbaManager)
        mr = rmm.mr.StatisticsResourceAdaptor(rmm.mr.CudaMemoryResource())
        rmm.mr.set_current_device_resource(mr)
        host = np.arange(4096, dtype=np.int32)
        d = cuda.to_device(host)
        assert mr.allocation_counts["current_bytes"] >= host.nbytes, mr.allocation_counts
        assert (d.copy_to_host() == host).all()
        e = cuda.device_array(0, dtype=np.float32)
        assert e.size == 0
        info = cuda.current_context().get_memory_info()
        assert info.total > 0 and 0 <= info.free <= info.total
        before = mr.allocation_counts["current_bytes"]
        del d
        import gc; gc.collect()
        after = mr.allocation_counts["current_bytes"]
        assert before - after >= host.nbytes, (before, after)
        print("ok")
        """
    )
    assert "ok" in out


@needs_gpu
def test_numba_plugin_from_environment():
    pytest.importorskip("numba.cuda")
    os.environ["NUMBA_CUDA_MEMORY_MANAGER"] = "rmm.allocators.numba"
    try:
        out = _run_child(
            """
            import numpy as np
            from numba import cuda
            import rmm.mr
            mr = rmm.mr.StatisticsResourceAdaptor(rmm.mr.CudaMemoryResource())
            rmm.mr.set_current_device_resource(mr)
            d = cuda.to_device(np.ones(100, dtype=np.float64))
            assert mr.allocation_counts["total_bytes"] >= 800, mr.allocation_counts
            print(type(cuda.current_context().memory_manager).__name__)
            """
        )
    finally:
        del os.environ["NUMBA_CUDA_MEMORY_MANAGER"]
    assert "RMMNumbaManager" in out
