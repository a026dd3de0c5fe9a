"""CUDA device queries under upstream's names (rmm._cuda.gpu).

With cuda-python installed (``cuda.bindings``, or the older ``cuda.cudart``) they go
through it, exactly as upstream's do. Without it, the current device, the device
count and setting the device go through librmm, and the rest through the CUDA driver
(libcuda.so.1) and runtime libraries found on the system. Failures raise
:class:`CUDARuntimeError` or :class:`CUDADriverError`, RuntimeErrors naming the CUDA
error.
"""

import ctypes

from rmm import _lib
from rmm._sizes import as_c_int

__all__ = [
    "CUDARuntimeError",
    "CUDADriverError",
    "driverGetVersion",
    "runtimeGetVersion",
    "getDevice",
    "setDevice",
    "getDeviceCount",
    "getDeviceAttribute",
    "getDeviceProperties",
    "deviceGetName",
]


def _import_cuda_python():
    """(runtime, driver) modules of cuda-python, or (None, None) without it."""
    try:
        from cuda.bindings import driver, runtime
    except ImportError:
        try:
            from cuda import cuda as driver
            from cuda import cudart as runtime
        except ImportError:
            return None, None
    return runtime, driver


_runtime, _driver = _import_cuda_python()


class CUDARuntimeError(RuntimeError):
    """A CUDA runtime call failed; ``status`` is the cudaError_t."""

    def __init__(self, status, message=None):
        self.status = status
        if message is None and _runtime is not None:
            _, name = _runtime.cudaGetErrorName(status)
            _, text = _runtime.cudaGetErrorString(status)
            message = f"{name.decode()}: {text.decode()}"
        super().__init__(message if message is not None else f"CUDA runtime error {int(status)}")

    def __reduce__(self):
        return (type(self), (self.status, str(self)))


class CUDADriverError(RuntimeError):
    """A CUDA driver call failed; ``status`` is the CUresult."""

    def __init__(self, status, message=None):
        self.status = status
        if message is None and _driver is not None:
            _, name = _driver.cuGetErrorName(status)
            _, text = _driver.cuGetErrorString(status)
            message = f"{name.decode()}: {text.decode()}"
        super().__init__(message if message is not None else f"CUDA driver error {int(status)}")

    def __reduce__(self):
        return (type(self), (self.status, str(self)))


def _runtime_check(result):
    """The values after a cuda-python runtime call's status, raising on failure."""
    status, *values = result
    if status != _runtime.cudaError_t.cudaSuccess:
        raise CUDARuntimeError(status)
    return values[0] if len(values) == 1 else tuple(values)


# ---- the system's driver and runtime, for machines without cuda-python -------------

_NOT_LOADED = object()
_driver_library = _NOT_LOADED  # libcuda.so.1, or None where it is missing
_runtime_library = _NOT_LOADED  # the CUDA runtime library, or None where none is found
_cuda_driver = None  # libcuda.so.1 once cuInit succeeded


def _libcuda_handle():
    """libcuda.so.1 (not initialised), or None; looked for on first use only."""
    global _driver_library
    if _driver_library is _NOT_LOADED:
        try:
            _driver_library = ctypes.CDLL("libcuda.so.1")
        except OSError:
            _driver_library = None
    return _driver_library


def _libcuda():
    """libcuda.so.1, initialised; CUDADriverError(100, no device) where it is missing."""
    global _cuda_driver
    if _cuda_driver is None:
        driver = _libcuda_handle()
        if driver is None:
            raise CUDADriverError(100, "CUDA_ERROR_NO_DEVICE: the CUDA driver (libcuda.so.1) is not installed")
        driver.cuInit.argtypes = [ctypes.c_uint]
        status = driver.cuInit(0)
        if status != 0:
            raise CUDADriverError(status, f"cuInit failed with CUresult {status}")
        _cuda_driver = driver
    return _cuda_driver


def _driver_call(name, *args):
    status = getattr(_libcuda(), name)(*args)
    if status != 0:
        raise CUDADriverError(status, f"{name} failed with CUresult {status}")


def _load(name):
    """The library ``name`` loaded, or None."""
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def _libcudart():
    """The system's CUDA runtime library, or None; looked for on first use only."""
    global _runtime_library
    if _runtime_library is _NOT_LOADED:
        _runtime_library = _load("libcudart.so")
        if _runtime_library is None:
            # find_library runs ldconfig: only when the plain name is not found.
            import ctypes.util

            name = ctypes.util.find_library("cudart")
            _runtime_library = _load(name) if name else None
    return _runtime_library


# ---- the functions ---------------------------------------------------------------


def driverGetVersion():
    """The latest CUDA version the driver supports, as 1000 * major + 10 * minor
    (12040 for 12.4); 0 when no driver is installed."""
    if _runtime is not None:
        return _runtime_check(_runtime.cudaDriverGetVersion())
    driver = _libcuda_handle()
    if driver is None:
        return 0
    version = ctypes.c_int(0)
    driver.cuDriverGetVersion(ctypes.byref(version))
    return version.value


def runtimeGetVersion():
    """The version of the CUDA runtime, as 1000 * major + 10 * minor."""
    if _runtime is not None:
        local = getattr(_runtime, "getLocalRuntimeVersion", None)
        if local is not None:
            return _runtime_check(local())
        return _runtime_check(_runtime.cudaRuntimeGetVersion())
    cudart = _libcudart()
    if cudart is None:
        raise CUDARuntimeError(35, "cudaErrorInsufficientDriver: no CUDA runtime library (libcudart.so) was found")
    version = ctypes.c_int(0)
    status = cudart.cudaRuntimeGetVersion(ctypes.byref(version))
    if status != 0:
        raise CUDARuntimeError(status, f"cudaRuntimeGetVersion failed with cudaError_t {status}")
    return version.value


def getDevice():
    """The calling thread's current CUDA device."""
    if _runtime is not None:
        return _runtime_check(_runtime.cudaGetDevice())
    device = ctypes.c_int(0)
    try:
        _lib.lib.rmm_get_current_device(ctypes.byref(device))
    except _lib.RMMError as e:
        raise CUDARuntimeError(_lib.lib.rmm_last_cuda_error(), str(e)) from None
    return device.value


def setDevice(device):
    """Makes ``device`` the calling thread's current CUDA device."""
    device = as_c_int(device, "device")
    if _runtime is not None:
        (status,) = _runtime.cudaSetDevice(device)
        if status != _runtime.cudaError_t.cudaSuccess:
            raise CUDARuntimeError(status)
        return
    try:
        _lib.lib.rmm_set_current_device(device)
    except _lib.RMMError as e:
        # librmm's own check of the device number sets no CUDA error: cudaSetDevice
        # says cudaErrorInvalidDevice (101) for a device that does not exist.
        raise CUDARuntimeError(_lib.lib.rmm_last_cuda_error() or 101, str(e)) from None


def getDeviceCount():
    """The number of CUDA devices (0 without a device or driver)."""
    if _runtime is not None:
        status, count = _runtime.cudaGetDeviceCount()
        if status == _runtime.cudaError_t.cudaSuccess:
            return count
        if int(status) in (35, 100):  # no driver, no device: none, as librmm says
            return 0
        raise CUDARuntimeError(status)
    count = ctypes.c_int(0)
    try:
        _lib.lib.rmm_get_num_devices(ctypes.byref(count))
    except _lib.RMMError as e:
        raise CUDARuntimeError(_lib.lib.rmm_last_cuda_error(), str(e)) from None
    return count.value


def getDeviceAttribute(attr, device):
    """The value of the device attribute ``attr`` (a cudaDeviceAttr or its number,
    the same number as the driver's CUdevice_attribute) of ``device``."""
    device = as_c_int(device, "device")
    if _runtime is not None:
        if isinstance(attr, int) and not isinstance(attr, _runtime.cudaDeviceAttr):
            attr = _runtime.cudaDeviceAttr(attr)
        return _runtime_check(_runtime.cudaDeviceGetAttribute(attr, device))
    value = ctypes.c_int(0)
    _driver_call("cuDeviceGetAttribute", ctypes.byref(value), as_c_int(int(attr), "attr"), device)
    return value.value


def getDeviceProperties(device):
    """The cudaDeviceProp of ``device`` (needs cuda-python: NotImplementedError without)."""
    device = as_c_int(device, "device")
    if _runtime is None:
        # Not a CUDA failure: there is no cudaDeviceProp type to return without it.
        raise NotImplementedError("getDeviceProperties needs cuda-python (cuda.bindings)")
    return _runtime_check(_runtime.cudaGetDeviceProperties(device))


def deviceGetName(device):
    """The name of ``device``, e.g. "NVIDIA H100 80GB HBM3"."""
    device = as_c_int(device, "device")
    if _driver is not None:
        # The driver API needs cuInit, which the runtime may not have called yet.
        (status,) = _driver.cuInit(0)
        if status != _driver.CUresult.CUDA_SUCCESS:
            raise CUDADriverError(status)
        status, name = _driver.cuDeviceGetName(256, _driver.CUdevice(device))
        if status != _driver.CUresult.CUDA_SUCCESS:
            raise CUDADriverError(status)
        return name.split(b"\0", 1)[0].decode()
    handle = ctypes.c_int(0)
    _driver_call("cuDeviceGet", ctypes.byref(handle), device)
    name = ctypes.create_string_buffer(256)
    _driver_call("cuDeviceGetName", name, 256, handle)
    return name.value.decode()
