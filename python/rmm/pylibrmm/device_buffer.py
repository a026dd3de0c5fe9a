"""DeviceBuffer: an untyped allocation from a memory resource (rmm_device_buffer_t)."""

import ctypes
import pickle
import weakref

from rmm import _lib
from rmm._lib import lib
from rmm._sizes import as_pointer, as_size
from rmm.pylibrmm.memory_resource import DeviceMemoryResource, get_current_device_resource, request_size
from rmm.pylibrmm.stream import DEFAULT_STREAM, as_stream

__all__ = ["DeviceBuffer", "to_device", "copy_ptr_to_host", "copy_host_to_ptr", "copy_device_to_ptr"]


def _destroy(handle):
    """Frees a collected buffer's memory. The C buffer holds a reference on its
    resource, so this is correct even after the resource's object is gone."""
    lib.rmm_device_buffer_destroy(handle)


def _byte_view(obj, what, writable):
    """A 1-D memoryview of unsigned bytes over ``obj`` with unit stride, as upstream's
    ``unsigned char[::1]`` arguments take them: TypeError for what has no buffer,
    ValueError for another format, shape or stride, or a read-only buffer to write to."""
    if obj is None:
        raise TypeError(f"Argument `{what}` has incorrect type (expected bytes-like, got NoneType)")
    try:
        view = memoryview(obj)
    except TypeError:
        raise TypeError(f"Argument `{what}` has incorrect type (expected bytes-like, got {type(obj).__name__})") from None
    if view.format != "B":
        raise ValueError(f"Argument `{what}` must hold unsigned bytes (format 'B'), not format {view.format!r}")
    if view.ndim != 1:
        raise ValueError(f"Argument `{what}` must be one-dimensional, not {view.ndim}-D")
    if view.strides[0] != 1 and view.nbytes > 1:
        raise ValueError(f"Argument `{what}` must be contiguous (stride 1), not stride {view.strides[0]}")
    if writable and view.readonly:
        raise ValueError(f"Argument `{what}` is read-only")
    return view


def _host_address(view):
    """(address, keepalive) of a contiguous byte memoryview; (0, None) when empty."""
    if view.nbytes == 0:
        return 0, None
    if not view.readonly:
        array = (ctypes.c_char * view.nbytes).from_buffer(view)
        return ctypes.addressof(array), array
    # A read-only buffer (bytes): ctypes can only point at its own bytes objects.
    data = view.obj if isinstance(view.obj, bytes) and len(view.obj) == view.nbytes else view.tobytes()
    keep = ctypes.c_char_p(data)
    return ctypes.cast(keep, ctypes.c_void_p).value, (keep, data)


def _device_view(obj):
    """(address, nbytes) of a 1-D contiguous ``__cuda_array_interface__`` object."""
    cai = getattr(obj, "__cuda_array_interface__", None)
    if cai is None:
        raise TypeError(f"Expected object to support `__cuda_array_interface__` protocol, not {type(obj).__name__}")
    shape = tuple(cai["shape"])
    itemsize = int(cai["typestr"][2:])
    if len(shape) > 1:
        raise ValueError(f"Only 1-D contiguous arrays are supported, got {len(shape)}-D array")
    strides = cai.get("strides")
    if strides is not None and shape and shape[0] > 1 and strides[0] != itemsize:
        raise ValueError("Only 1-D contiguous arrays are supported, got a non-contiguous array")
    count = shape[0] if shape else 1
    return as_pointer(cai["data"][0], "the array's address"), count * itemsize


def _finish_copy(stream):
    """Upstream's rule: a copy on a default stream is complete when the call returns."""
    if stream.is_default() and _device_present():
        stream.synchronize()


def _device_present():
    count = ctypes.c_int(0)
    try:
        lib.rmm_get_num_devices(ctypes.byref(count))
    except _lib.RMMError:
        return False
    return count.value > 0


class DeviceBuffer:
    """``size`` uninitialised bytes from ``mr`` (the current device resource when None),
    allocated on ``stream``. With ``ptr``, the bytes are copied from that address (host
    or device memory) and the copy is complete when the constructor returns.

    As upstream's (whose allocations pass through an interface that rounds each request
    up to 16 bytes), the buffer asks its resource for ``size`` rounded up to 16 bytes:
    its capacity. The buffer holds its resource alive: it may outlive every other
    reference to it.
    """

    def __init__(self, size=0, *, ptr=None, stream=DEFAULT_STREAM, mr=None):
        size = as_size(size, "size")
        address = 0 if ptr is None else as_pointer(ptr, "ptr")
        if mr is None:
            mr = get_current_device_resource()
        elif not isinstance(mr, DeviceMemoryResource):
            raise TypeError(f"mr must be a DeviceMemoryResource, not {type(mr).__name__}")
        stream = as_stream(stream)
        handle = _lib.out_pointer(lib.rmm_device_buffer_create, request_size(size), stream.handle, mr._handle)
        self._adopt(handle, mr, stream)
        # rmm_device_buffer_create makes size and capacity the (rounded) request.
        if size != request_size(size):
            lib.rmm_device_buffer_resize(handle, size, stream.handle)
        if address and size:
            # Queued on the stream, as upstream's constructor: only a default stream waits.
            lib.rmm_memory_copy(lib.rmm_device_buffer_data(handle), address, size, stream.handle)
            _finish_copy(stream)

    def _adopt(self, handle, mr, stream):
        self._handle = handle
        self.mr = mr
        self._stream = stream
        self._finalizer = weakref.finalize(self, _destroy, handle)

    # ---- figures ----

    @property
    def handle(self):
        """The ``rmm_device_buffer_t *`` as an int."""
        return self._handle

    @property
    def ptr(self):
        """The address of the memory as an int (0 when nothing is allocated)."""
        return lib.rmm_device_buffer_data(self._handle) or 0

    @property
    def size(self):
        return lib.rmm_device_buffer_size(self._handle)

    @property
    def nbytes(self):
        return self.size

    def __len__(self):
        return self.size

    def __sizeof__(self):
        return self.size

    def capacity(self):
        return lib.rmm_device_buffer_capacity(self._handle)

    @property
    def stream(self):
        """The stream the buffer was last used on, and will be freed on."""
        return self._stream

    @property
    def __cuda_array_interface__(self):
        # Upstream's exact keys, version 0 (no stream key: consumers synchronize).
        return {
            "data": (self.ptr, False),
            "shape": (self.size,),
            "strides": None,
            "typestr": "|u1",
            "version": 0,
        }

    # ---- changing the size ----

    def _use_stream(self, stream):
        return self._stream if stream is None else as_stream(stream)

    def resize(self, new_size, stream=DEFAULT_STREAM):
        """Sets the size, keeping the first bytes; reallocates beyond the capacity."""
        new_size = as_size(new_size, "new_size")
        stream = self._use_stream(stream)
        if new_size > self.capacity():
            lib.rmm_device_buffer_reserve(self._handle, request_size(new_size), stream.handle)
        lib.rmm_device_buffer_resize(self._handle, new_size, stream.handle)
        self._stream = stream

    def reserve(self, new_capacity, stream=DEFAULT_STREAM):
        """Makes the capacity at least ``new_capacity``, keeping size and contents."""
        new_capacity = as_size(new_capacity, "new_capacity")
        stream = self._use_stream(stream)
        # Always the C call: as upstream's reserve, it takes the stream even when the
        # capacity is already there (and then allocates nothing).
        if new_capacity > self.capacity():
            new_capacity = request_size(new_capacity)
        lib.rmm_device_buffer_reserve(self._handle, new_capacity, stream.handle)
        self._stream = stream

    def shrink_to_fit(self, stream=DEFAULT_STREAM):
        stream = self._use_stream(stream)
        lib.rmm_device_buffer_shrink_to_fit(self._handle, stream.handle)
        self._stream = stream

    def prefetch(self, device=None, stream=None):
        """Starts migrating the memory to ``device`` (the current one when None) on
        ``stream`` (the buffer's when None); a no-op for memory that cannot migrate."""
        if not self.mr.device_accessible:
            # Host-only memory never migrates; its streams may be mere tokens.
            return
        stream = self._use_stream(stream)
        if device is None:
            from rmm.pylibrmm.memory_resource import _current_device

            device = _current_device()
        from rmm._sizes import as_c_int

        lib.rmm_prefetch(self.ptr or None, self.size, as_c_int(device, "device"), stream.handle)

    # ---- copies ----

    def copy(self):
        """A deep copy on the same stream and resource."""
        return DeviceBuffer(self.size, ptr=self.ptr or None, stream=self._stream, mr=self.mr)

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    @staticmethod
    def to_device(b, stream=DEFAULT_STREAM, mr=None):
        """A new buffer holding a copy of the host bytes-like object ``b``."""
        return to_device(b, stream, mr)

    def copy_to_host(self, ary=None, stream=DEFAULT_STREAM):
        """Copies the buffer into ``ary`` (a writable, contiguous host buffer of unsigned
        bytes at least as large), or into a new NumPy uint8 array (a bytearray without
        NumPy); returns it."""
        stream = as_stream(stream)
        size = self.size
        if ary is None:
            try:
                import numpy

                ary = numpy.empty((size,), dtype="u1")
            except ImportError:
                ary = bytearray(size)
        view = _byte_view(ary, "ary", writable=True)
        if view.nbytes < size:
            raise ValueError(f"Argument `ary` is too small. Need space for {size} bytes.")
        address, keep = _host_address(view[:size])
        if size:
            lib.rmm_device_buffer_read(self._handle, 0, address, size, stream.handle)
        del keep
        return ary

    def copy_from_host(self, ary, stream=DEFAULT_STREAM):
        """Copies the host buffer ``ary`` (at most ``size`` bytes) to the start of the buffer."""
        stream = as_stream(stream)
        view = _byte_view(ary, "ary", writable=False)
        if view.nbytes > self.size:
            raise ValueError(f"Argument `ary` is too large. Need space for {view.nbytes} bytes.")
        address, keep = _host_address(view)
        if view.nbytes:
            lib.rmm_device_buffer_write(self._handle, 0, address, view.nbytes, stream.handle)
        del keep

    def copy_from_device(self, cuda_ary, stream=DEFAULT_STREAM):
        """Copies a 1-D contiguous ``__cuda_array_interface__`` object (at most ``size``
        bytes) to the start of the buffer."""
        stream = as_stream(stream)
        address, nbytes = _device_view(cuda_ary)
        if nbytes > self.size:
            raise ValueError(f"Argument `cuda_ary` is too large. Need space for {nbytes} bytes.")
        if nbytes:
            lib.rmm_device_buffer_write(self._handle, 0, address or None, nbytes, stream.handle)

    def tobytes(self, stream=DEFAULT_STREAM):
        """The contents as bytes."""
        return bytes(self.copy_to_host(bytearray(self.size), stream))

    def __bytes__(self):
        return self.tobytes()

    # ---- pickling ----

    def __reduce_ex__(self, protocol):
        # Protocol 5 hands the host copy out of band (a PickleBuffer that pickle gives to
        # buffer_callback when there is one); older protocols carry it as bytes.
        data = bytearray(self.size)
        self.copy_to_host(data)
        if protocol >= 5:
            return to_device, (pickle.PickleBuffer(data),)
        return to_device, (bytes(data),)

    def __repr__(self):
        return f"<rmm.DeviceBuffer size={self.size} ptr=0x{self.ptr:x} mr={type(self.mr).__name__}>"


def to_device(b, stream=DEFAULT_STREAM, mr=None):
    """A new :class:`DeviceBuffer` holding a copy of the host bytes-like object ``b``
    (one-dimensional and contiguous unsigned bytes, as upstream takes it)."""
    view = _byte_view(b, "b", writable=False)
    stream = as_stream(stream)
    buf = DeviceBuffer(view.nbytes, stream=stream, mr=mr)
    if view.nbytes:
        address, keep = _host_address(view)
        lib.rmm_device_buffer_write(buf._handle, 0, address, view.nbytes, stream.handle)
        del keep
    return buf


def copy_ptr_to_host(db, hb, stream=DEFAULT_STREAM):
    """Copies ``len(hb)`` bytes from the address ``db`` (device or host memory) into the
    writable host buffer ``hb``; complete on return when ``stream`` is a default one."""
    db = as_pointer(db, "db")
    stream = as_stream(stream)
    view = _byte_view(hb, "hb", writable=True)
    address, keep = _host_address(view)
    if view.nbytes:
        lib.rmm_memory_copy(address, db or None, view.nbytes, stream.handle)
        _finish_copy(stream)
    del keep


def copy_host_to_ptr(hb, db, stream=DEFAULT_STREAM):
    """Copies the host buffer ``hb`` to the address ``db``; complete on return when
    ``stream`` is a default one."""
    db = as_pointer(db, "db")
    stream = as_stream(stream)
    view = _byte_view(hb, "hb", writable=False)
    address, keep = _host_address(view)
    if view.nbytes:
        lib.rmm_memory_copy(db or None, address, view.nbytes, stream.handle)
        _finish_copy(stream)
    del keep


def copy_device_to_ptr(d_src, d_dst, count, stream=DEFAULT_STREAM):
    """Copies ``count`` bytes from the address ``d_src`` to ``d_dst``, ordered on ``stream``."""
    d_src = as_pointer(d_src, "d_src")
    d_dst = as_pointer(d_dst, "d_dst")
    count = as_size(count, "count")
    stream = as_stream(stream)
    if count:
        lib.rmm_memory_copy(d_dst or None, d_src or None, count, stream.handle)
