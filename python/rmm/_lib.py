"""The one place that talks to librmm.so.1: loading it, the C prototypes, errors.

Every function of the C API that returns an ``rmm_status_t`` is declared here with
a check that turns a failure into :class:`RMMError` (or one of its subclasses)
carrying the library's own message, so callers simply call ``lib.rmm_x(...)``.
"""

import ctypes
import os
import sys
import threading
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_bool,
    c_char_p,
    c_double,
    c_int,
    c_int64,
    c_size_t,
    c_uint,
    c_void_p,
)

__all__ = [
    "RMMError",
    "BadAllocError",
    "OutOfMemoryError",
    "CudaError",
    "lib",
    "library_path",
]

# rmm_status_t values (include/rmm/common.h).
SUCCESS = 0
ERROR_INVALID_ARGUMENT = 1
ERROR_OUT_OF_MEMORY = 2
ERROR_BAD_ALLOC = 3
ERROR_CUDA = 4
ERROR_NOT_SUPPORTED = 5
ERROR_IO = 6

# Resource property bits and special stream handles (include/rmm/resource.h, common.h).
DEVICE_ACCESSIBLE = 0x1
HOST_ACCESSIBLE = 0x2
STREAM_DEFAULT = 0
STREAM_LEGACY = 1
STREAM_PER_THREAD = 2
ALLOCATION_ALIGNMENT = 256

# rmm_handle_type_t (include/rmm/memory.h): how cuda_async allocations may be exported.
HANDLE_TYPE_NONE = 0x0
HANDLE_TYPE_POSIX_FILE_DESCRIPTOR = 0x1
HANDLE_TYPE_FABRIC = 0x8

# Every upper-case int above is RMM_<name> in the C headers, and every Structure below
# names its C type in its docstring: python/tests/test_abi.py compiles a probe from
# these declarations and checks values, sizes and offsets against the headers.


class RMMError(RuntimeError):
    """A librmm call failed. ``status`` is the rmm_status_t code, ``message`` the
    library's description of the failure (rmm_last_error_message)."""

    def __init__(self, status, message):
        self.status = status
        self.message = message
        super().__init__(message if message else _status_name(status))

    def __reduce__(self):
        # Exceptions cross process boundaries (Dask, multiprocessing) by pickling.
        return (type(self), (self.status, self.message))


class BadAllocError(RMMError, MemoryError):
    """An allocation failed (RMM_ERROR_BAD_ALLOC); also a MemoryError."""


class OutOfMemoryError(BadAllocError):
    """The resource or its upstream had no room (RMM_ERROR_OUT_OF_MEMORY)."""


class CudaError(RMMError):
    """A CUDA runtime call failed (RMM_ERROR_CUDA); ``cuda_error`` is the cudaError_t."""

    def __init__(self, status, message, cuda_error=0):
        super().__init__(status, message)
        self.cuda_error = cuda_error

    def __reduce__(self):
        return (type(self), (self.status, self.message, self.cuda_error))


# Shown as rmm.RMMError etc. in tracebacks: the names users import.
for _cls in (RMMError, BadAllocError, OutOfMemoryError, CudaError):
    _cls.__module__ = "rmm"


def _candidates():
    """Where to look for the library, first match wins."""
    env = os.environ.get("RMM_LIBRARY")
    if env:
        return [env]
    found = []
    try:
        from rmm import _config

        found.append(os.path.join(_config.LIBDIR, "librmm.so.1"))
    except ImportError:
        pass
    found.append("librmm.so.1")
    return found


def _load():
    errors = []
    for path in _candidates():
        # An installed path that is not there (a moved prefix) falls back to the
        # loader's search; RMM_LIBRARY is the user's explicit choice and must exist.
        if os.sep in path and not os.path.exists(path) and "RMM_LIBRARY" not in os.environ:
            errors.append(f"{path}: no such file")
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("rmm: cannot load librmm.so.1 (set RMM_LIBRARY to its path): " + "; ".join(errors))


lib = _load()


def library_path():
    """The file the process loaded librmm from (for loaders that need a path, e.g.
    PyTorch's CUDAPluggableAllocator)."""
    name = lib._name
    if os.sep in name:
        return os.path.realpath(name)
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and os.path.basename(fields[5]).startswith("librmm.so"):
                return fields[5]
    return name


def _status_name(status):
    return lib.rmm_status_string(status).decode()


def last_error_message():
    """The calling thread's last failure, as librmm describes it."""
    return lib.rmm_last_error_message().decode(errors="replace")


def error_for(status):
    """The exception for a failed status, with the thread's message."""
    message = last_error_message()
    if status == ERROR_OUT_OF_MEMORY:
        return OutOfMemoryError(status, message)
    if status == ERROR_BAD_ALLOC:
        return BadAllocError(status, message)
    if status == ERROR_CUDA:
        return CudaError(status, message, lib.rmm_last_cuda_error())
    return RMMError(status, message)


# An exception raised by Python code that C called back (a CallbackMemoryResource's
# functions, a failure callback), kept per thread until the C call that led to it
# returns; that call then raises it instead of the status the callback turned into,
# or, where it succeeded all the same, reports it as unraisable. ``depth`` counts the
# callbacks running on the thread: calls they make leave the exception to the C call
# that is still running below them.
_pending = threading.local()


def set_pending_exception(exc):
    """Records ``exc`` for the C call in progress on this thread (first one wins)."""
    if getattr(_pending, "exc", None) is None:
        _pending.exc = exc


def take_pending_exception():
    """The exception recorded by a callback on this thread, cleared; None when none."""
    exc = getattr(_pending, "exc", None)
    if exc is not None:
        _pending.exc = None
    return exc


class _InCallback:
    """``with in_callback:`` around Python code that C calls back."""

    def __enter__(self):
        _pending.depth = getattr(_pending, "depth", 0) + 1

    def __exit__(self, *exc_info):
        _pending.depth -= 1


in_callback = _InCallback()


class _UnraisableHookArgs:
    """What sys.unraisablehook takes (its own type cannot be made from Python)."""

    def __init__(self, exc, message):
        self.exc_type, self.exc_value, self.exc_traceback = type(exc), exc, exc.__traceback__
        self.err_msg = message
        self.object = None


def report_unraisable(exc, message):
    """Reports an exception that no caller can receive, as Python does those of finalizers."""
    sys.unraisablehook(_UnraisableHookArgs(exc, message))


def _as_caller_sees_it(exc):
    """What the caller gets for an exception of a callback: MemoryError and RuntimeError
    (and interrupts) as they are, anything else as a RuntimeError with the same message,
    as upstream turns them into C++ exceptions and back."""
    if isinstance(exc, (MemoryError, RuntimeError, KeyboardInterrupt, SystemExit)):
        return exc
    error = RuntimeError(str(exc))
    error.__cause__ = exc
    return error


def _check(result, func, args):
    if result != SUCCESS:
        pending = take_pending_exception()
        if pending is not None:
            raise _as_caller_sees_it(pending)
        raise error_for(result)
    if getattr(_pending, "exc", None) is not None and not getattr(_pending, "depth", 0):
        # The call succeeded all the same (a retry, a failure it got over): the
        # exception has no caller to reach; report it rather than drop it.
        report_unraisable(take_pending_exception(), f"Exception ignored in a callback of {func.__name__}")
    return result


# ---- structures and callback types -------------------------------------------------


class ResourceStats(Structure):
    """rmm_resource_stats_t"""

    _fields_ = [
        ("struct_size", c_size_t),
        ("flags", c_uint),
        ("bytes_in_use", c_size_t),
        ("peak_bytes_in_use", c_size_t),
        ("bytes_reserved", c_size_t),
        ("free_bytes", c_size_t),
        ("largest_free_block", c_size_t),
        ("free_blocks", c_size_t),
        ("upstream_chunks", c_size_t),
        ("allocation_retries", c_size_t),
        ("oom_failures", c_size_t),
        ("bytes_trimmed", c_size_t),
    ]


class Statistics(Structure):
    """rmm_statistics_t"""

    _fields_ = [
        ("struct_size", c_size_t),
        ("current_bytes", c_int64),
        ("peak_bytes", c_int64),
        ("total_bytes", c_int64),
        ("current_count", c_int64),
        ("peak_count", c_int64),
        ("total_count", c_int64),
    ]


class ExpandablePoolOptions(Structure):
    """rmm_expandable_pool_options_t"""

    _fields_ = [
        ("struct_size", c_size_t),
        ("initial_size", c_size_t),
        ("reservation", c_size_t),
        ("device", c_int),
        ("host", c_bool),
    ]


class CudaAsyncOptions(Structure):
    """rmm_cuda_async_options_t"""

    _fields_ = [
        ("struct_size", c_size_t),
        ("initial_pool_size", c_size_t),
        ("release_threshold", c_size_t),
        ("export_handle_type", c_int),
    ]


class TrackingEntry(Structure):
    """rmm_tracking_entry_t"""

    _fields_ = [
        ("ptr", c_void_p),
        ("bytes", c_size_t),
        ("alignment", c_size_t),
        ("stream", c_void_p),
        ("frames", POINTER(c_void_p)),
        ("frame_count", c_size_t),
    ]


ALLOCATE_CALLBACK = CFUNCTYPE(c_void_p, c_size_t, c_void_p, c_void_p)
DEALLOCATE_CALLBACK = CFUNCTYPE(None, c_void_p, c_size_t, c_void_p, c_void_p)
FAILURE_CALLBACK = CFUNCTYPE(c_bool, c_size_t, c_void_p)
OPS_ALLOCATE = CFUNCTYPE(c_int, c_void_p, POINTER(c_void_p), c_size_t, c_size_t, c_void_p)
OPS_DEALLOCATE = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, c_size_t, c_void_p)
OPS_IS_EQUAL = CFUNCTYPE(c_bool, c_void_p, c_void_p)
OPS_DESTROY = CFUNCTYPE(None, c_void_p)
OPS_TRIM = CFUNCTYPE(c_int, c_void_p, POINTER(c_size_t))


class ResourceOps(Structure):
    """rmm_resource_ops_t"""

    _fields_ = [
        ("struct_size", c_size_t),
        ("name", c_char_p),
        ("allocate", OPS_ALLOCATE),
        ("deallocate", OPS_DEALLOCATE),
        ("is_equal", OPS_IS_EQUAL),
        ("destroy", OPS_DESTROY),
        ("trim", OPS_TRIM),
    ]

TRACKING_CALLBACK = CFUNCTYPE(c_bool, POINTER(TrackingEntry), c_void_p)

# ---- prototypes -------------------------------------------------------------------

_p = c_void_p
_pp = POINTER(c_void_p)
_sz = c_size_t
_psz = POINTER(c_size_t)
STATUS = "status"

# name: (restype, argtypes); STATUS marks an rmm_status_t checked by _check.
_PROTOTYPES = {
    # common.h
    "rmm_status_string": (c_char_p, [c_int]),
    "rmm_last_error_message": (c_char_p, []),
    "rmm_last_cuda_error": (c_int, []),
    # version.h
    "rmm_version": (c_char_p, []),
    # resource.h
    "rmm_allocate": (STATUS, [_p, _pp, _sz, _p]),
    "rmm_allocate_aligned": (STATUS, [_p, _pp, _sz, _sz, _p]),
    "rmm_deallocate": (STATUS, [_p, _p, _sz, _p]),
    "rmm_deallocate_aligned": (STATUS, [_p, _p, _sz, _sz, _p]),
    "rmm_resource_retain": (_p, [_p]),
    "rmm_resource_release": (None, [_p]),
    "rmm_resource_properties": (c_uint, [_p]),
    "rmm_resource_is_equal": (c_bool, [_p, _p]),
    "rmm_resource_name": (c_char_p, [_p]),
    "rmm_resource_upstream": (_p, [_p]),
    "rmm_resource_get_stats": (STATUS, [_p, POINTER(ResourceStats)]),
    "rmm_resource_trim": (STATUS, [_p, _psz]),
    "rmm_resource_reset_peak": (STATUS, [_p]),
    "rmm_callback_create": (STATUS, [ALLOCATE_CALLBACK, DEALLOCATE_CALLBACK, _p, _pp]),
    "rmm_resource_create": (STATUS, [POINTER(ResourceOps), _p, c_uint, _pp]),
    # memory.h
    "rmm_cuda_create": (STATUS, [_pp]),
    "rmm_managed_create": (STATUS, [_pp]),
    "rmm_pinned_host_create": (STATUS, [_pp]),
    "rmm_host_create": (STATUS, [_pp]),
    "rmm_system_create": (STATUS, [_pp]),
    "rmm_sam_headroom_create": (STATUS, [_sz, _pp]),
    "rmm_cuda_async_create": (STATUS, [POINTER(CudaAsyncOptions), _pp]),
    "rmm_cuda_async_pool_handle": (STATUS, [_p, _pp]),
    "rmm_cuda_async_view_create": (STATUS, [_p, _pp]),
    "rmm_cuda_async_managed_create": (STATUS, [_pp]),
    "rmm_simulated_create": (STATUS, [_sz, _pp]),
    # sub-allocators
    "rmm_pool_create": (STATUS, [_p, _sz, _sz, _pp]),
    "rmm_pool_size": (STATUS, [_p, _psz]),
    "rmm_fixed_size_create": (STATUS, [_p, _sz, _sz, _pp]),
    "rmm_fixed_size_block_size": (STATUS, [_p, _psz]),
    "rmm_binning_create": (STATUS, [_p, _pp]),
    "rmm_binning_create_range": (STATUS, [_p, c_int, c_int, _pp]),
    "rmm_binning_add_bin": (STATUS, [_p, _sz, _p]),
    "rmm_arena_create": (STATUS, [_p, _sz, c_bool, _pp]),
    "rmm_expandable_pool_create": (STATUS, [POINTER(ExpandablePoolOptions), _pp]),
    # adaptors
    "rmm_aligned_create": (STATUS, [_p, _sz, _sz, _pp]),
    "rmm_limiting_create": (STATUS, [_p, _sz, _sz, _pp]),
    "rmm_limiting_allocated": (STATUS, [_p, _psz]),
    "rmm_limiting_limit": (STATUS, [_p, _psz]),
    "rmm_logging_create": (STATUS, [_p, c_char_p, c_bool, _pp]),
    "rmm_logging_flush": (STATUS, [_p]),
    "rmm_logging_file_name": (STATUS, [_p, POINTER(c_char_p)]),
    "rmm_statistics_create": (STATUS, [_p, _pp]),
    "rmm_statistics_get": (STATUS, [_p, POINTER(Statistics)]),
    "rmm_statistics_push_counters": (STATUS, [_p]),
    "rmm_statistics_pop_counters": (STATUS, [_p, POINTER(Statistics)]),
    "rmm_tracking_create": (STATUS, [_p, c_bool, _pp]),
    "rmm_tracking_allocated_bytes": (STATUS, [_p, _psz]),
    "rmm_tracking_outstanding_count": (STATUS, [_p, _psz]),
    "rmm_tracking_report": (STATUS, [_p, _p]),
    "rmm_tracking_foreach": (STATUS, [_p, TRACKING_CALLBACK, _p]),
    "rmm_thread_safe_create": (STATUS, [_p, _pp]),
    "rmm_failure_callback_create": (STATUS, [_p, FAILURE_CALLBACK, _p, _pp]),
    "rmm_prefetch_create": (STATUS, [_p, _pp]),
    # spec.h (branch spec)
    "rmm_resource_from_spec": (STATUS, [c_char_p, _pp]),
    # per_device.h
    "rmm_get_current_device_resource": (_p, []),
    "rmm_set_current_device_resource": (STATUS, [_p]),
    "rmm_get_per_device_resource": (_p, [c_int]),
    "rmm_set_per_device_resource": (STATUS, [c_int, _p]),
    # log.h
    "rmm_log_set_level": (STATUS, [c_int]),
    "rmm_log_get_level": (c_int, []),
    "rmm_log_flush": (STATUS, []),
    "rmm_log_set_flush_level": (STATUS, [c_int]),
    "rmm_log_get_flush_level": (c_int, []),
    # device.h
    "rmm_get_current_device": (STATUS, [POINTER(c_int)]),
    "rmm_set_current_device": (STATUS, [c_int]),
    "rmm_get_num_devices": (STATUS, [POINTER(c_int)]),
    "rmm_available_device_memory": (STATUS, [_psz, _psz]),
    "rmm_percent_of_free_device_memory": (STATUS, [c_double, _psz]),
    "rmm_prefetch": (STATUS, [_p, _sz, c_int, _p]),
    "rmm_stream_synchronize": (STATUS, [_p]),
    "rmm_memory_copy": (STATUS, [_p, _p, _sz, _p]),
    # stream_pool.h
    "rmm_stream_pool_create": (STATUS, [_sz, _pp]),
    "rmm_stream_pool_create_with_flags": (STATUS, [_sz, c_uint, _pp]),
    "rmm_stream_pool_destroy": (None, [_p]),
    "rmm_stream_pool_get": (STATUS, [_p, _pp]),
    "rmm_stream_pool_get_at": (STATUS, [_p, _sz, _pp]),
    "rmm_stream_pool_size": (_sz, [_p]),
    # device_buffer.h
    "rmm_device_buffer_create": (STATUS, [_sz, _p, _p, _pp]),
    "rmm_device_buffer_create_from": (STATUS, [_p, _sz, _p, _p, _pp]),
    "rmm_device_buffer_copy": (STATUS, [_p, _p, _p, _pp]),
    "rmm_device_buffer_destroy": (STATUS, [_p]),
    "rmm_device_buffer_data": (_p, [_p]),
    "rmm_device_buffer_size": (_sz, [_p]),
    "rmm_device_buffer_capacity": (_sz, [_p]),
    "rmm_device_buffer_resize": (STATUS, [_p, _sz, _p]),
    "rmm_device_buffer_reserve": (STATUS, [_p, _sz, _p]),
    "rmm_device_buffer_shrink_to_fit": (STATUS, [_p, _p]),
    "rmm_device_buffer_stream": (_p, [_p]),
    "rmm_device_buffer_set_stream": (None, [_p, _p]),
    "rmm_device_buffer_resource": (_p, [_p]),
    "rmm_device_buffer_read": (STATUS, [_p, _sz, _p, _sz, _p]),
    "rmm_device_buffer_write": (STATUS, [_p, _sz, _p, _sz, _p]),
}


def declare(name, restype, argtypes):
    """Sets the prototype of one C function; STATUS as restype adds the error check.
    Returns the function, or None when this librmm does not export it."""
    fn = getattr(lib, name, None)
    if fn is None:
        return None
    fn.argtypes = argtypes
    if restype == STATUS:
        fn.restype = c_int
        fn.errcheck = _check
    else:
        fn.restype = restype
    return fn


def has(name):
    """Whether this librmm exports ``name`` (functions of later branches may be missing)."""
    return hasattr(lib, name)


for _name, (_restype, _argtypes) in _PROTOTYPES.items():
    declare(_name, _restype, _argtypes)

# The C library's stdio, for the calls that write to a FILE *.
libc = ctypes.CDLL(None)
libc.open_memstream.restype = c_void_p
libc.open_memstream.argtypes = [POINTER(c_void_p), POINTER(c_size_t)]
libc.fclose.restype = c_int
libc.fclose.argtypes = [c_void_p]
libc.free.restype = None
libc.free.argtypes = [c_void_p]


def write_to_string(write):
    """Runs ``write(FILE *)`` on an in-memory stream and returns what it wrote."""
    buf = c_void_p()
    size = c_size_t()
    stream = libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
    if not stream:
        raise OSError(ctypes.get_errno(), "open_memstream failed")
    try:
        write(stream)
    finally:
        libc.fclose(stream)
        text = ctypes.string_at(buf, size.value).decode(errors="replace") if buf else ""
        libc.free(buf)
    return text


def out_size(fn, *args):
    """Calls ``fn(*args, &size)`` and returns the size."""
    value = c_size_t()
    fn(*args, ctypes.byref(value))
    return value.value


def out_pointer(fn, *args):
    """Calls ``fn(*args, &ptr)`` and returns the pointer as an int (0 for NULL)."""
    value = c_void_p()
    fn(*args, ctypes.byref(value))
    return value.value or 0


# Upstream's rmm._lib was the old home of the pylibrmm modules; code written for it
# (rmm._lib.device_buffer.DeviceBuffer, ...) still finds them here, with upstream's warning.
_OLD_SUBMODULES = ("device_buffer", "memory_resource", "cuda_stream", "cuda_stream_pool", "logger", "stream")


def __getattr__(name):
    if name in _OLD_SUBMODULES:
        import importlib
        import warnings

        warnings.warn(
            "The `rmm._lib` module is deprecated in will be removed in a future release. Use `rmm.pylibrmm` instead.",
            FutureWarning,
            stacklevel=2,
        )
        return importlib.import_module(f"rmm.pylibrmm.{name}")
    raise AttributeError(f"module 'rmm._lib' has no attribute {name!r}")
