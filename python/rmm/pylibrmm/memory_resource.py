"""Memory resources: one Python class per librmm family, with upstream RMM's names.

Each object owns exactly one reference of its C resource and drops it when it is
collected. An adaptor's object keeps its upstream's object alive, and a
DeviceBuffer keeps its resource's, so memory is always returned to a live resource
whatever order Python frees them in.
"""

import ctypes
import os
import sys
import weakref

from rmm import _lib
from rmm._lib import lib
from rmm._sizes import SIZE_MAX, as_c_int, as_pointer, as_size, parse_bytes
from rmm.pylibrmm.stream import DEFAULT_STREAM, Stream, as_stream_handle

__all__ = [
    "DeviceMemoryResource",
    "UpstreamResourceAdaptor",
    "CudaMemoryResource",
    "ManagedMemoryResource",
    "PinnedHostMemoryResource",
    "SystemMemoryResource",
    "SamHeadroomMemoryResource",
    "SamHeadroomResourceAdaptor",
    "CudaAsyncMemoryResource",
    "CudaAsyncViewMemoryResource",
    "CudaAsyncManagedMemoryResource",
    "HostMemoryResource",
    "SimulatedMemoryResource",
    "PoolMemoryResource",
    "FixedSizeMemoryResource",
    "BinningMemoryResource",
    "ArenaMemoryResource",
    "ExpandablePoolMemoryResource",
    "CallbackMemoryResource",
    "LimitingResourceAdaptor",
    "LoggingResourceAdaptor",
    "StatisticsResourceAdaptor",
    "TrackingResourceAdaptor",
    "FailureCallbackResourceAdaptor",
    "AlignedResourceAdaptor",
    "PrefetchResourceAdaptor",
    "ThreadSafeResourceAdaptor",
    "AllocationCounts",
    "resource_from_spec",
    "get_current_device_resource",
    "set_current_device_resource",
    "get_per_device_resource",
    "set_per_device_resource",
    "get_current_device_resource_type",
    "get_per_device_resource_type",
    "is_initialized",
    "available_device_memory",
    "enable_logging",
    "disable_logging",
    "get_log_filenames",
    "trim",
    "request_size",
]

# Upstream's Python objects reach their resources through an interface that rounds each
# request up to 16 bytes (alignof(max_align_t)); its statistics and tracking adaptors
# count the rounded size, so DeviceBuffer(size=20) counts 32. This layer asks for the
# same sizes, so the figures users script against agree; librmm itself stays exact.
REQUEST_GRANULARITY = 16


def _round_up(value, step):
    """``value`` rounded up to a multiple of ``step``, or None where that passes 2**64 - 1."""
    rounded = (value + step - 1) // step * step
    return rounded if rounded <= SIZE_MAX else None


def request_size(nbytes):
    """The byte count this package asks a resource for when a caller wants ``nbytes``:
    ``nbytes`` rounded up to 16 (left as is where rounding would pass 2**64 - 1)."""
    rounded = _round_up(nbytes, REQUEST_GRANULARITY)
    return nbytes if rounded is None else rounded

# The Python object of each live C resource made or wrapped here, so that wrapping a
# pointer again (the current resource, an upstream) gives the same object.
_objects = weakref.WeakValueDictionary()


def _release(handle):
    """Drops the C reference of a collected resource. Nothing else is kept for it: the
    C resource holds its own references on its upstream, so frees stay correct in
    whatever order Python collects the objects (cycles included)."""
    lib.rmm_resource_release(handle)
    # A callback that raised while the resource gave memory back has no caller to
    # reach: report it as Python reports errors in finalizers, and leave nothing
    # pending for the thread's next call.
    pending = _lib.take_pending_exception()
    if pending is not None:
        _lib.report_unraisable(pending, f"Exception ignored while releasing rmm resource 0x{handle:x}")


def _create(fn, *args):
    """Calls a constructor ``fn(*args, &out)`` and returns the new handle."""
    return _lib.out_pointer(fn, *args)


def _require(name, family):
    if not _lib.has(name):
        raise _lib.RMMError(
            _lib.ERROR_NOT_SUPPORTED, f"{family}: this librmm ({lib.rmm_version().decode()}) does not provide {name}"
        )
    return getattr(lib, name)


class DeviceMemoryResource:
    """Base of every resource: allocate and deallocate through librmm."""

    _handle = 0

    def _adopt(self, handle):
        """Takes over one C reference of ``handle``."""
        self._handle = handle
        self._finalizer = weakref.finalize(self, _release, handle)
        _objects[handle] = self

    @classmethod
    def _wrap(cls, handle):
        """A new object of this class for a C resource made elsewhere; takes a reference."""
        obj = cls.__new__(cls)
        lib.rmm_resource_retain(handle)
        obj._adopt(handle)
        return obj

    @property
    def handle(self):
        """The ``rmm_resource_t *`` as an int, valid while this object lives."""
        return self._handle

    @property
    def name(self):
        """The family name librmm gives the resource ("cuda", "pool", ...)."""
        return lib.rmm_resource_name(self._handle).decode()

    @property
    def properties(self):
        """A mask of RMM_DEVICE_ACCESSIBLE (1) and RMM_HOST_ACCESSIBLE (2)."""
        return lib.rmm_resource_properties(self._handle)

    @property
    def device_accessible(self):
        return bool(self.properties & _lib.DEVICE_ACCESSIBLE)

    @property
    def host_accessible(self):
        return bool(self.properties & _lib.HOST_ACCESSIBLE)

    def allocate(self, nbytes, stream=DEFAULT_STREAM):
        """Allocates ``nbytes`` on ``stream`` and returns the address as an int (0 for 0
        bytes). The resource is asked for :func:`request_size` (``nbytes``) bytes."""
        size = request_size(as_size(nbytes, "nbytes"))
        ptr = ctypes.c_void_p()
        lib.rmm_allocate(self._handle, ctypes.byref(ptr), size, as_stream_handle(stream))
        return ptr.value or 0

    def deallocate(self, ptr, nbytes, stream=DEFAULT_STREAM):
        """Frees what :meth:`allocate` returned, with the size it was given."""
        address = as_pointer(ptr, "ptr")
        size = request_size(as_size(nbytes, "nbytes"))
        lib.rmm_deallocate(self._handle, address or None, size, as_stream_handle(stream))

    def __reduce__(self):
        # A resource is a live handle in this process; a copy elsewhere would point at
        # nothing (upstream's resources refuse pickling the same way).
        raise TypeError(f"cannot pickle {type(self).__name__}: a memory resource belongs to its process")
    def is_equal(self, other):
        """Whether memory of one may be freed through the other."""
        return bool(lib.rmm_resource_is_equal(self._handle, other._handle))

    def get_stats(self):
        """What the resource holds: a dict of bytes_in_use, peak_bytes_in_use,
        bytes_reserved, free_bytes, largest_free_block, free_blocks,
        upstream_chunks, allocation_retries, oom_failures, bytes_trimmed (figures
        the resource cannot know are 0) and flags."""
        stats = _lib.ResourceStats(struct_size=ctypes.sizeof(_lib.ResourceStats))
        lib.rmm_resource_get_stats(self._handle, ctypes.byref(stats))
        return {name: getattr(stats, name) for name, _ in _lib.ResourceStats._fields_[1:]}

    def trim(self):
        """Gives back to the upstreams what this resource stack holds wholly free
        (rmm_resource_trim); returns the bytes given back, summed over the stack."""
        fn = _require("rmm_resource_trim", "trim")
        return _lib.out_size(fn, self._handle)

    def reset_peak(self):
        """Restarts the peak figures of this resource stack from what is in use now."""
        _require("rmm_resource_reset_peak", "reset_peak")(self._handle)

    def __repr__(self):
        return f"<{type(self).__name__} ({self.name}) at 0x{self._handle:x}>"


class UpstreamResourceAdaptor(DeviceMemoryResource):
    """A resource built over another one (sub-allocators and adaptors)."""

    _upstream = None

    def _adopt_over(self, handle, upstream):
        self._upstream = upstream
        self._adopt(handle)

    @property
    def upstream_mr(self):
        """The Python object of the resource this one takes memory from."""
        if self._upstream is None:
            self._upstream = _from_pointer(lib.rmm_resource_upstream(self._handle))
        return self._upstream

    def get_upstream(self):
        return self.upstream_mr


def _resolve_upstream(upstream_mr):
    """The upstream object to build over: None means the current device resource."""
    if upstream_mr is None:
        return get_current_device_resource()
    if not isinstance(upstream_mr, DeviceMemoryResource):
        raise TypeError(f"upstream_mr must be a DeviceMemoryResource, not {type(upstream_mr).__name__}")
    return upstream_mr


# ---- leaf resources ---------------------------------------------------------------


class CudaMemoryResource(DeviceMemoryResource):
    """cudaMalloc and cudaFree."""

    def __init__(self):
        self._adopt(_create(lib.rmm_cuda_create))


class ManagedMemoryResource(DeviceMemoryResource):
    """cudaMallocManaged: unified memory."""

    def __init__(self):
        self._adopt(_create(lib.rmm_managed_create))


class PinnedHostMemoryResource(DeviceMemoryResource):
    """Pinned (page-locked) host memory, accessible from the device."""

    def __init__(self):
        self._adopt(_create(lib.rmm_pinned_host_create))


class SystemMemoryResource(DeviceMemoryResource):
    """The system allocator, for devices that access pageable memory (HMM, ATS)."""

    def __init__(self):
        self._adopt(_create(lib.rmm_system_create))


class SamHeadroomMemoryResource(DeviceMemoryResource):
    """System memory that leaves ``headroom`` bytes of device memory free."""

    def __init__(self, headroom):
        self._adopt(_create(lib.rmm_sam_headroom_create, parse_bytes(headroom)))


# Upstream's old name for the same resource.
SamHeadroomResourceAdaptor = SamHeadroomMemoryResource


class CudaAsyncMemoryResource(DeviceMemoryResource):
    """A new CUDA memory pool (cudaMallocFromPoolAsync).

    ``initial_pool_size`` bytes are reserved at creation; the pool keeps up to
    ``release_threshold`` bytes when synchronising (None keeps everything);
    ``enable_ipc`` makes allocations exportable as POSIX file descriptors and
    ``enable_fabric`` as fabric handles (multi-node NVLink); a device or driver without
    the handle type raises RMMError ending "Requested IPC memory handle type not
    supported", as upstream's does.
    """

    def __init__(self, initial_pool_size=None, release_threshold=None, enable_ipc=False, enable_fabric=False):
        handle_types = (_lib.HANDLE_TYPE_POSIX_FILE_DESCRIPTOR if enable_ipc else 0) | (
            _lib.HANDLE_TYPE_FABRIC if enable_fabric else 0
        )
        options = _lib.CudaAsyncOptions(
            struct_size=ctypes.sizeof(_lib.CudaAsyncOptions),
            initial_pool_size=0 if initial_pool_size is None else parse_bytes(initial_pool_size),
            release_threshold=SIZE_MAX if release_threshold is None else parse_bytes(release_threshold),
            export_handle_type=handle_types,
        )
        try:
            handle = _create(lib.rmm_cuda_async_create, ctypes.byref(options))
        except _lib.RMMError as e:
            if handle_types and e.status == _lib.ERROR_NOT_SUPPORTED:
                raise _lib.RMMError(e.status, f"{e.message}: Requested IPC memory handle type not supported") from e
            raise
        self._adopt(handle)

    def pool_handle(self):
        """The cudaMemPool_t as an int."""
        return _lib.out_pointer(lib.rmm_cuda_async_pool_handle, self._handle)


def _pool_handle_value(pool_handle):
    """The cudaMemPool_t value of a handle given as an int, a ctypes pointer, or a
    cuda-python cudaMemPool_t / CUmemoryPool (whose int() is the handle itself, while
    their getPtr() is the address of the Python object's copy of it)."""
    if isinstance(pool_handle, ctypes.c_void_p):
        return pool_handle.value or 0
    if isinstance(pool_handle, (bool, float, str, bytes)):
        raise TypeError(f"pool_handle must be a cudaMemPool_t, CUmemoryPool or int, not {type(pool_handle).__name__}")
    try:
        value = int(pool_handle)
    except (TypeError, ValueError):
        raise TypeError(
            f"pool_handle must be a cudaMemPool_t, CUmemoryPool or int, not {type(pool_handle).__name__}"
        ) from None
    return as_pointer(value, "pool_handle")


class CudaAsyncViewMemoryResource(DeviceMemoryResource):
    """Allocates from a caller's CUDA memory pool, which must outlive it."""

    def __init__(self, pool_handle):
        self._pool = pool_handle
        handle = _pool_handle_value(pool_handle)
        self._adopt(_create(lib.rmm_cuda_async_view_create, ctypes.c_void_p(handle)))

    def pool_handle(self):
        return _lib.out_pointer(lib.rmm_cuda_async_pool_handle, self._handle)


class CudaAsyncManagedMemoryResource(DeviceMemoryResource):
    """The device's default managed memory pool (CUDA 13)."""

    def __init__(self):
        self._adopt(_create(lib.rmm_cuda_async_managed_create))

    def pool_handle(self):
        return _lib.out_pointer(lib.rmm_cuda_async_pool_handle, self._handle)


class HostMemoryResource(DeviceMemoryResource):
    """Aligned host heap memory, host accessible only: works without a GPU."""

    def __init__(self):
        self._adopt(_create(lib.rmm_host_create))


class SimulatedMemoryResource(DeviceMemoryResource):
    """Addresses with no memory behind them, up to ``capacity`` bytes outstanding."""

    def __init__(self, capacity):
        self._adopt(_create(lib.rmm_simulated_create, parse_bytes(capacity)))


# ---- sub-allocators ---------------------------------------------------------------


def _aligned(size):
    """Rounds a pool size up to the 256 bytes librmm counts in."""
    rounded = _round_up(size, _lib.ALLOCATION_ALIGNMENT)
    if rounded is None:
        raise OverflowError(f"a pool size of {size} bytes cannot be rounded up to {_lib.ALLOCATION_ALIGNMENT} bytes")
    return rounded


class PoolMemoryResource(UpstreamResourceAdaptor):
    """A coalescing best-fit pool over ``upstream_mr``.

    ``initial_pool_size`` (int or a string such as "1GiB") defaults to half the free
    device memory (0 over an upstream the device cannot reach); ``maximum_pool_size``
    None means no limit. Sizes are rounded up to 256 bytes.
    """

    def __init__(self, upstream_mr, initial_pool_size=None, maximum_pool_size=None):
        create = _require("rmm_pool_create", "PoolMemoryResource")
        upstream = _resolve_upstream(upstream_mr)
        if initial_pool_size is None:
            initial = _half_free_memory() if upstream.device_accessible else 0
        else:
            initial = _aligned(parse_bytes(initial_pool_size))
        maximum = 0 if maximum_pool_size is None else _aligned(parse_bytes(maximum_pool_size))
        if maximum and initial > maximum:
            # Upstream's words first: scripts match them.
            raise _lib.RMMError(
                _lib.ERROR_INVALID_ARGUMENT,
                f"Initial pool size exceeds the maximum pool size (initial {initial} bytes, maximum {maximum} bytes)",
            )
        self._adopt_over(_create(create, upstream._handle, initial, maximum), upstream)

    def pool_size(self):
        """The bytes the pool holds from its upstream."""
        return _lib.out_size(lib.rmm_pool_size, self._handle)


def _half_free_memory():
    return _lib.out_size(lib.rmm_percent_of_free_device_memory, 50.0)


class ExpandablePoolMemoryResource(DeviceMemoryResource):
    """A pool that reserves one range of virtual addresses and maps memory at its end
    as it grows, so its free space never fragments across growth steps (PyTorch's
    expandable segments); :meth:`trim` unmaps the free end.

    ``initial_size`` bytes are mapped at creation; ``reservation`` (None: the device's
    memory) bounds the growth; ``device`` None is the current device; ``host=True``
    maps host memory instead (no GPU needed).
    """

    def __init__(self, initial_size=0, reservation=None, device=None, host=False):
        create = _require("rmm_expandable_pool_create", "ExpandablePoolMemoryResource")
        options = _lib.ExpandablePoolOptions(
            struct_size=ctypes.sizeof(_lib.ExpandablePoolOptions),
            initial_size=parse_bytes(initial_size),
            reservation=0 if reservation is None else parse_bytes(reservation),
            device=-1 if device is None else int(device),
            host=bool(host),
        )
        self._adopt(_create(create, ctypes.byref(options)))


class FixedSizeMemoryResource(UpstreamResourceAdaptor):
    """Blocks of ``block_size`` bytes, taken ``blocks_to_preallocate`` at a time."""

    def __init__(self, upstream_mr, block_size=1 << 20, blocks_to_preallocate=128):
        create = _require("rmm_fixed_size_create", "FixedSizeMemoryResource")
        upstream = _resolve_upstream(upstream_mr)
        count = as_size(blocks_to_preallocate, "blocks_to_preallocate")
        handle = _create(create, upstream._handle, parse_bytes(block_size), count)
        self._adopt_over(handle, upstream)

    def get_block_size(self):
        return _lib.out_size(lib.rmm_fixed_size_block_size, self._handle)


class BinningMemoryResource(UpstreamResourceAdaptor):
    """Requests routed to bins by size, larger ones to ``upstream_mr``.

    With both exponents given, a fixed-size bin is made for each power of two from
    2**min_size_exponent to 2**max_size_exponent; :meth:`add_bin` adds more.
    """

    def __init__(self, upstream_mr, min_size_exponent=-1, max_size_exponent=-1):
        upstream = _resolve_upstream(upstream_mr)
        self._bin_mrs = []
        min_size_exponent = as_c_int(min_size_exponent, "min_size_exponent")
        max_size_exponent = as_c_int(max_size_exponent, "max_size_exponent")
        if min_size_exponent >= 0 and max_size_exponent >= 0:
            create = _require("rmm_binning_create_range", "BinningMemoryResource")
            handle = _create(create, upstream._handle, min_size_exponent, max_size_exponent)
        else:
            create = _require("rmm_binning_create", "BinningMemoryResource")
            handle = _create(create, upstream._handle)
        # The bins' objects live in self._bin_mrs; the C resource holds its own references.
        self._adopt_over(handle, upstream)

    def add_bin(self, allocation_size, bin_resource=None):
        """Requests up to ``allocation_size`` bytes go to ``bin_resource`` (None makes
        a fixed-size bin over the upstream)."""
        size = parse_bytes(allocation_size)
        if bin_resource is not None and not isinstance(bin_resource, DeviceMemoryResource):
            raise TypeError(f"bin_resource must be a DeviceMemoryResource, not {type(bin_resource).__name__}")
        if bin_resource is None:
            lib.rmm_binning_add_bin(self._handle, size, None)
        else:
            lib.rmm_binning_add_bin(self._handle, size, bin_resource._handle)
            self._bin_mrs.append(bin_resource)

    @property
    def bin_mrs(self):
        """The resources given to :meth:`add_bin`."""
        return list(self._bin_mrs)


class ArenaMemoryResource(UpstreamResourceAdaptor):
    """Per-thread and per-stream arenas over one global arena of ``arena_size`` bytes
    (None: half the free device memory)."""

    def __init__(self, upstream_mr, arena_size=None, dump_log_on_failure=False):
        upstream = _resolve_upstream(upstream_mr)
        size = 0 if arena_size is None else parse_bytes(arena_size)
        handle = _create(lib.rmm_arena_create, upstream._handle, size, bool(dump_log_on_failure))
        self._adopt_over(handle, upstream)


# Python callables that C resources call back, by key. The C side holds only the key
# (its ctx or arg) and calls one of the static thunks below, which never go away; an
# entry lives as long as the C resource (callback resources drop theirs in `destroy`),
# so no collection order can leave C calling freed Python code.
_callables = {}
_next_key = iter(range(1, 1 << 62))


def _register(entry):
    key = next(_next_key)
    _callables[key] = entry
    return key


def _ops_allocate(ctx, out, size, alignment, stream):
    entry = _callables.get(ctx)
    if entry is None:
        return _lib.ERROR_BAD_ALLOC
    if alignment > _lib.ALLOCATION_ALIGNMENT:
        return _lib.ERROR_INVALID_ARGUMENT
    try:
        with _lib.in_callback:
            ptr = entry[0](size, Stream._from_handle(stream or 0))
        address = as_pointer(ptr or 0, "the address allocate_func returned")
    except BaseException as e:  # noqa: BLE001 - raised again by the C call that led here
        _lib.set_pending_exception(e)
        return _lib.ERROR_OUT_OF_MEMORY if isinstance(e, MemoryError) else _lib.ERROR_BAD_ALLOC
    if not address:
        return _lib.ERROR_BAD_ALLOC
    out[0] = address
    return _lib.SUCCESS


def _ops_deallocate(ctx, ptr, size, alignment, stream):
    entry = _callables.get(ctx)
    if entry is None:
        return _lib.ERROR_INVALID_ARGUMENT
    try:
        with _lib.in_callback:
            entry[1](ptr or 0, size, Stream._from_handle(stream or 0))
    except BaseException as e:  # noqa: BLE001 - raised again by the C call that led here
        _lib.set_pending_exception(e)
        return _lib.ERROR_INVALID_ARGUMENT
    return _lib.SUCCESS


def _ops_destroy(ctx):
    _callables.pop(ctx, None)


def _on_failure(nbytes, arg):
    callback = _callables.get(arg)
    if callback is None:
        return False
    try:
        with _lib.in_callback:
            return bool(callback(nbytes))
    except BaseException as e:  # noqa: BLE001 - raised again by the allocation that failed
        _lib.set_pending_exception(e)
        return False


_CALLBACK_OPS = _lib.ResourceOps(
    struct_size=ctypes.sizeof(_lib.ResourceOps),
    name=b"callback",
    allocate=_lib.OPS_ALLOCATE(_ops_allocate),
    deallocate=_lib.OPS_DEALLOCATE(_ops_deallocate),
    is_equal=_lib.OPS_IS_EQUAL(),
    destroy=_lib.OPS_DESTROY(_ops_destroy),
)
_FAILURE_THUNK = _lib.FAILURE_CALLBACK(_on_failure)


class CallbackMemoryResource(DeviceMemoryResource):
    """Allocation through two Python callables (device accessible memory is assumed).

    ``allocate_func(size, stream)`` returns an address as an int aligned to 256 bytes
    (0 or None for failure); ``deallocate_func(ptr, size, stream)`` frees it. ``stream``
    is a :class:`Stream`. An exception either raises reaches the caller of the
    allocation or free: MemoryError and RuntimeError as they are, any other as a
    RuntimeError with its message (the original is its ``__cause__``), as upstream.
    """

    def __init__(self, allocate_func, deallocate_func):
        self.allocate_func = allocate_func
        self.deallocate_func = deallocate_func
        key = _register((allocate_func, deallocate_func))
        try:
            handle = _create(lib.rmm_resource_create, ctypes.byref(_CALLBACK_OPS), key, _lib.DEVICE_ACCESSIBLE)
        except BaseException:
            _callables.pop(key, None)
            raise
        self._adopt(handle)


# ---- adaptors ---------------------------------------------------------------------


class LimitingResourceAdaptor(UpstreamResourceAdaptor):
    """Fails allocations that would take it past ``allocation_limit`` bytes
    (with :class:`MemoryError`)."""

    def __init__(self, upstream_mr, allocation_limit, alignment=0):
        upstream = _resolve_upstream(upstream_mr)
        alignment = as_size(alignment, "alignment")
        handle = _create(lib.rmm_limiting_create, upstream._handle, parse_bytes(allocation_limit), alignment)
        self._adopt_over(handle, upstream)

    def get_allocated_bytes(self):
        return _lib.out_size(lib.rmm_limiting_allocated, self._handle)

    def get_allocation_limit(self):
        return _lib.out_size(lib.rmm_limiting_limit, self._handle)


def _append_id(filename, device):
    """"name.ext" becomes "name.dev<device>.ext", as upstream names its per-device logs."""
    name, ext = os.path.splitext(filename)
    return f"{name}.dev{device}{ext}"


class LoggingResourceAdaptor(UpstreamResourceAdaptor):
    """A CSV row for every allocation and free.

    The file is ``log_file_name`` (else the RMM_LOG_FILE environment variable) with
    the current device inserted before the extension, as upstream does:
    "rmm_log.csv" on device 0 becomes "rmm_log.dev0.csv".
    """

    def __init__(self, upstream_mr, log_file_name=None, auto_flush=False):
        upstream = _resolve_upstream(upstream_mr)
        if log_file_name is None:
            log_file_name = os.getenv("RMM_LOG_FILE")
            if not log_file_name:
                raise ValueError(
                    "RMM log file must be specified either using log_file_name= argument or "
                    "RMM_LOG_FILE environment variable"
                )
        path = os.path.abspath(_append_id(os.fspath(log_file_name), _current_device()))
        handle = _create(lib.rmm_logging_create, upstream._handle, os.fsencode(path), bool(auto_flush))
        self._adopt_over(handle, upstream)

    def flush(self):
        """Writes buffered rows to the file."""
        lib.rmm_logging_flush(self._handle)

    def get_file_name(self):
        name = ctypes.c_char_p()
        lib.rmm_logging_file_name(self._handle, ctypes.byref(name))
        return os.fsdecode(name.value) if name.value is not None else None


class AllocationCounts(dict):
    """The counters of a statistics adaptor: a dict of current_bytes, current_count,
    peak_bytes, peak_count, total_bytes and total_count, also readable as attributes."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def _from(cls, stats):
        return cls(
            current_bytes=stats.current_bytes,
            current_count=stats.current_count,
            peak_bytes=stats.peak_bytes,
            peak_count=stats.peak_count,
            total_bytes=stats.total_bytes,
            total_count=stats.total_count,
        )


def _new_statistics():
    return _lib.Statistics(struct_size=ctypes.sizeof(_lib.Statistics))


class StatisticsResourceAdaptor(UpstreamResourceAdaptor):
    """Counts bytes and allocations, with nested scopes (push/pop_counters)."""

    def __init__(self, upstream_mr):
        upstream = _resolve_upstream(upstream_mr)
        self._adopt_over(_create(lib.rmm_statistics_create, upstream._handle), upstream)

    @property
    def allocation_counts(self):
        """The innermost scope's counters (see :class:`AllocationCounts`)."""
        stats = _new_statistics()
        lib.rmm_statistics_get(self._handle, ctypes.byref(stats))
        return AllocationCounts._from(stats)

    def push_counters(self):
        """Opens a scope of zeroed counters; returns the counters before the push."""
        before = self.allocation_counts
        lib.rmm_statistics_push_counters(self._handle)
        return before

    def pop_counters(self):
        """Closes the innermost scope (merging it into the enclosing one); returns its counters."""
        stats = _new_statistics()
        try:
            lib.rmm_statistics_pop_counters(self._handle, ctypes.byref(stats))
        except _lib.RMMError as e:
            if "no scope to close" in e.message:
                # Upstream's exception and words: scripts catch IndexError.
                raise IndexError(f"cannot pop the last counter pair ({e.message})") from None
            raise
        return AllocationCounts._from(stats)


class TrackingResourceAdaptor(UpstreamResourceAdaptor):
    """Records every outstanding allocation (with its call stack when ``capture_stacks``)."""

    def __init__(self, upstream_mr, capture_stacks=False):
        upstream = _resolve_upstream(upstream_mr)
        self._adopt_over(_create(lib.rmm_tracking_create, upstream._handle, bool(capture_stacks)), upstream)

    def get_allocated_bytes(self):
        return _lib.out_size(lib.rmm_tracking_allocated_bytes, self._handle)

    def get_outstanding_count(self):
        return _lib.out_size(lib.rmm_tracking_outstanding_count, self._handle)

    def get_outstanding_allocations(self):
        """A list of (ptr, size, stream) of the outstanding allocations, in address order."""
        found = []

        def visit(entry, _arg):
            e = entry.contents
            found.append((e.ptr or 0, e.bytes, e.stream or 0))
            return True

        lib.rmm_tracking_foreach(self._handle, _lib.TRACKING_CALLBACK(visit), None)
        return found

    def get_outstanding_allocations_str(self):
        """The library's report of the outstanding allocations, one per line; empty when
        there are none, as upstream's."""
        text = _lib.write_to_string(lambda stream: lib.rmm_tracking_report(self._handle, stream))
        return text if self.get_outstanding_count() else ""

    def log_outstanding_allocations(self):
        """Writes the report to stderr when the debug-log level is debug or lower."""
        if lib.rmm_log_get_level() <= 1:
            sys.stderr.write(self.get_outstanding_allocations_str())
            sys.stderr.flush()


class FailureCallbackResourceAdaptor(UpstreamResourceAdaptor):
    """Calls ``callback(nbytes)`` when the upstream runs out of memory: True retries."""

    def __init__(self, upstream_mr, callback):
        upstream = _resolve_upstream(upstream_mr)
        self._callback = callback
        # The adaptor has no destroy hook: the entry goes with this object, and a C
        # adaptor that outlives it (held by a buffer) answers "no retry".
        key = _register(callback)
        self._key_finalizer = weakref.finalize(self, _callables.pop, key, None)
        handle = _create(lib.rmm_failure_callback_create, upstream._handle, _FAILURE_THUNK, key)
        self._adopt_over(handle, upstream)


class AlignedResourceAdaptor(UpstreamResourceAdaptor):
    """Aligns allocations of at least ``alignment_threshold`` bytes to ``alignment``."""

    def __init__(self, upstream_mr, alignment=_lib.ALLOCATION_ALIGNMENT, alignment_threshold=65536):
        upstream = _resolve_upstream(upstream_mr)
        alignment = as_size(alignment, "alignment")
        handle = _create(lib.rmm_aligned_create, upstream._handle, alignment, parse_bytes(alignment_threshold))
        self._adopt_over(handle, upstream)


class PrefetchResourceAdaptor(UpstreamResourceAdaptor):
    """Prefetches every allocation to the current device on its stream."""

    def __init__(self, upstream_mr):
        upstream = _resolve_upstream(upstream_mr)
        self._adopt_over(_create(lib.rmm_prefetch_create, upstream._handle), upstream)


class ThreadSafeResourceAdaptor(UpstreamResourceAdaptor):
    """Serialises every call to the upstream under one lock."""

    def __init__(self, upstream_mr):
        upstream = _resolve_upstream(upstream_mr)
        self._adopt_over(_create(lib.rmm_thread_safe_create, upstream._handle), upstream)


# Family names (rmm_resource_name) to classes, for resources made in C.
_CLASSES = {
    "cuda": CudaMemoryResource,
    "managed": ManagedMemoryResource,
    "pinned_host": PinnedHostMemoryResource,
    "system": SystemMemoryResource,
    "sam_headroom": SamHeadroomMemoryResource,
    "cuda_async": CudaAsyncMemoryResource,
    "cuda_async_view": CudaAsyncViewMemoryResource,
    "cuda_async_managed": CudaAsyncManagedMemoryResource,
    "host": HostMemoryResource,
    "simulated": SimulatedMemoryResource,
    "callback": CallbackMemoryResource,
    "pool": PoolMemoryResource,
    "fixed_size": FixedSizeMemoryResource,
    "binning": BinningMemoryResource,
    "arena": ArenaMemoryResource,
    "limiting": LimitingResourceAdaptor,
    "logging": LoggingResourceAdaptor,
    "statistics": StatisticsResourceAdaptor,
    "tracking": TrackingResourceAdaptor,
    "failure_callback": FailureCallbackResourceAdaptor,
    "aligned": AlignedResourceAdaptor,
    "prefetch": PrefetchResourceAdaptor,
    "thread_safe": ThreadSafeResourceAdaptor,
}


def _from_pointer(handle):
    """The Python object of a C resource: the existing one, else a new wrapper."""
    if not handle:
        return None
    existing = _objects.get(handle)
    if existing is not None:
        return existing
    name = lib.rmm_resource_name(handle).decode()
    cls = _CLASSES.get(name)
    if cls is None:
        cls = UpstreamResourceAdaptor if lib.rmm_resource_upstream(handle) else DeviceMemoryResource
    return cls._wrap(handle)


def resource_from_spec(spec):
    """Builds a resource stack from a spec such as "pool(cuda, initial=1GiB)" (the
    grammar of RMM_RESOURCE, rmm(7)); each level is an object of its family's class."""
    create = _require("rmm_resource_from_spec", "resource_from_spec")
    handle = _create(create, spec.encode() if isinstance(spec, str) else bytes(spec))
    try:
        return _from_pointer(handle)
    finally:
        # The wrapper took its own reference.
        lib.rmm_resource_release(handle)


# ---- the per-device resources -----------------------------------------------------

# The objects set from Python, by device: they stay alive while they are current.
_per_device_mrs = {}


def _current_device():
    """The current CUDA device; 0 where there is none (the table still works)."""
    device = ctypes.c_int(0)
    try:
        lib.rmm_get_current_device(ctypes.byref(device))
    except _lib.RMMError:
        return 0
    return device.value


def get_per_device_resource(device):
    """The resource of ``device``."""
    device = as_c_int(device, "device")
    handle = lib.rmm_get_per_device_resource(device)
    if not handle:
        raise _lib.RMMError(_lib.ERROR_INVALID_ARGUMENT, _lib.last_error_message())
    mine = _per_device_mrs.get(device)
    if mine is not None and mine._handle == handle:
        return mine
    return _from_pointer(handle)


def set_per_device_resource(device, mr):
    """Makes ``mr`` the resource of ``device`` (None restores the default)."""
    device = as_c_int(device, "device")
    if mr is not None and not isinstance(mr, DeviceMemoryResource):
        raise TypeError(f"mr must be a DeviceMemoryResource, not {type(mr).__name__}")
    lib.rmm_set_per_device_resource(device, mr._handle if mr is not None else None)
    if mr is None:
        _per_device_mrs.pop(device, None)
    else:
        _per_device_mrs[device] = mr


def get_current_device_resource():
    """The resource of the current device."""
    return get_per_device_resource(_current_device())


def set_current_device_resource(mr):
    """Makes ``mr`` the resource of the current device (None restores the default)."""
    set_per_device_resource(_current_device(), mr)


def get_per_device_resource_type(device):
    return type(get_per_device_resource(device))


def get_current_device_resource_type():
    """The class of the current device's resource."""
    return type(get_current_device_resource())


def trim():
    """Gives back what the current device resource's stack holds wholly free, as
    ``torch.cuda.empty_cache()`` does; returns the bytes given back."""
    fn = _require("rmm_resource_trim", "trim")
    return _lib.out_size(fn, None)


def is_initialized():
    """Whether the current device has a resource (the default is built on first use)."""
    return bool(lib.rmm_get_per_device_resource(_current_device()))


def available_device_memory():
    """(free, total) bytes of the current device."""
    free = ctypes.c_size_t()
    total = ctypes.c_size_t()
    lib.rmm_available_device_memory(ctypes.byref(free), ctypes.byref(total))
    return free.value, total.value


def _devices_in_use():
    return sorted(_per_device_mrs) or [_current_device()]


def enable_logging(log_file_name=None):
    """Wraps each device's resource in a :class:`LoggingResourceAdaptor`."""
    for device in _devices_in_use():
        mr = get_per_device_resource(device)
        if not isinstance(mr, LoggingResourceAdaptor):
            with _on_device(device):
                logged = LoggingResourceAdaptor(mr, log_file_name)
            set_per_device_resource(device, logged)


def disable_logging():
    """Undoes :func:`enable_logging`: each logged device gets its upstream back."""
    for device in _devices_in_use():
        mr = get_per_device_resource(device)
        if isinstance(mr, LoggingResourceAdaptor):
            mr.flush()
            set_per_device_resource(device, mr.get_upstream())


def _flush_logs():
    """Flushes the log of every device whose resource is a logging adaptor."""
    for device in _devices_in_use():
        mr = get_per_device_resource(device)
        if isinstance(mr, LoggingResourceAdaptor):
            mr.flush()


def get_log_filenames():
    """{device: log file name, or None where the resource does not log}."""
    names = {}
    for device in _devices_in_use():
        mr = get_per_device_resource(device)
        names[device] = mr.get_file_name() if isinstance(mr, LoggingResourceAdaptor) else None
    return names


class _on_device:
    """Makes ``device`` current for a block, then restores the previous one. Without a
    GPU only device 0 exists and nothing is switched."""

    def __init__(self, device):
        self.device = as_c_int(device, "device")
        self.previous = None

    def __enter__(self):
        previous = _current_device()
        if previous != self.device:
            lib.rmm_set_current_device(self.device)
            self.previous = previous
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            lib.rmm_set_current_device(self.previous)
        return False
