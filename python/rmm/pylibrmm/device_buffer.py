"""DeviceBuffer: an untyped allocation from a memory resource (rmm_device_buffer_t)."""

import ctypes
import weakref

from rmm import _lib
from rmm._lib import lib
from rmm.pylibrmm.memory_resource import DeviceMemoryResource, get_current_device_resource
from rmm.pylibrmm.stream import DEFAULT_STREAM, Stream

__all__ = ["DeviceBuffer", "to_device"]


def _destroy(handle):
    """Frees a collected buffer's memory. The C buffer holds a reference on its
    resource, so this is correct even after the resource's object is gone."""
    lib.rmm_device_buffer_destroy(handle)


def _host_view(obj, writable):
    """(address, nbytes, keepalive) of a C-contiguous host buffer-protocol object."""
    view = memoryview(obj)
    if not view.c_contiguous:
        raise ValueError("the host buffer must be C-contiguous")
    view = view.cast("B") if view.ndim != 1 or view.format != "B" else view
    nbytes = view.nbytes
    if nbytes == 0:
        return None, 0, view
    if not view.readonly:
        array = (ctypes.c_char * nbytes).from_buffer(view)
        return ctypes.addressof(array), nbytes, (view, array)
    if writable:
        raise ValueError("the host buffer is read-only")
    if isinstance(obj, bytes):
        # ctypes points a c_char_p at the bytes object's own storage: no copy.
        keep = ctypes.c_char_p(obj)
        return ctypes.cast(keep, ctypes.c_void_p).value, nbytes, keep
    copy = ctypes.create_string_buffer(view.tobytes(), nbytes)
    return ctypes.addressof(copy), nbytes, copy


def _device_view(obj):
    """(address, nbytes) of an object with __cuda_array_interface__ (contiguous)."""
    cai = getattr(obj, "__cuda_array_interface__", None)
    if cai is None:
        raise TypeError(f"{type(obj).__name__} has no __cuda_array_interface__")
    shape = tuple(cai["shape"])
    itemsize = int(cai["typestr"][2:])
    strides = cai.get("strides")
    if strides is not None:
        expected, stride = [], itemsize
        for extent in reversed(shape):
            expected.insert(0, stride)
            stride *= extent
        if tuple(strides) != tuple(expected) and 0 not in shape:
            raise ValueError("the device array must be C-contiguous")
    count = 1
    for extent in shape:
        count *= extent
    return int(cai["data"][0]), count * itemsize


class DeviceBuffer:
    """``size`` uninitialised bytes from ``mr`` (the current device resource when None),
    allocated on ``stream``. With ``ptr``, the bytes are copied from that address (host
    or device memory) and the copy is complete when the constructor returns.

    The buffer holds its resource alive: it may outlive every other reference to it.
    """

    def __init__(self, size=0, *, ptr=None, stream=DEFAULT_STREAM, mr=None):
        if mr is None:
            mr = get_current_device_resource()
        elif not isinstance(mr, DeviceMemoryResource):
            raise TypeError(f"mr must be a DeviceMemoryResource, not {type(mr).__name__}")
        stream = Stream(stream) if not isinstance(stream, Stream) else stream
        size = int(size)
        if size < 0:
            raise ValueError(f"a buffer size cannot be negative: {size}")
        handle = _lib.out_pointer(lib.rmm_device_buffer_create, size, stream.handle, mr._handle)
        self._adopt(handle, mr, stream)
        if ptr:
            lib.rmm_device_buffer_write(handle, 0, int(ptr), size, stream.handle)

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
        # CUDA array interface v3: 0 is not a valid stream there; the default stream is
        # the legacy one (1) unless per-thread was asked for.
        stream = self._stream.handle or _lib.STREAM_LEGACY
        return {
            "data": (self.ptr, False),
            "shape": (self.size,),
            "strides": None,
            "typestr": "|u1",
            "version": 3,
            "stream": stream,
        }

    # ---- changing the size ----

    def _use_stream(self, stream):
        stream = self._stream if stream is None else (stream if isinstance(stream, Stream) else Stream(stream))
        return stream

    def resize(self, new_size, stream=DEFAULT_STREAM):
        """Sets the size, keeping the first bytes; reallocates beyond the capacity."""
        stream = self._use_stream(stream)
        lib.rmm_device_buffer_resize(self._handle, int(new_size), stream.handle)
        self._stream = stream

    def reserve(self, new_capacity, stream=DEFAULT_STREAM):
        """Makes the capacity at least ``new_capacity``, keeping size and contents."""
        stream = self._use_stream(stream)
        lib.rmm_device_buffer_reserve(self._handle, int(new_capacity), stream.handle)
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
        lib.rmm_prefetch(self.ptr or None, self.size, int(device), stream.handle)

    # ---- copies ----

    def copy(self):
        """A deep copy on the same stream and resource."""
        handle = _lib.out_pointer(lib.rmm_device_buffer_copy, self._handle, self._stream.handle, self.mr._handle)
        other = DeviceBuffer.__new__(DeviceBuffer)
        other._adopt(handle, self.mr, self._stream)
        return other

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    @staticmethod
    def to_device(b, stream=DEFAULT_STREAM, mr=None):
        """A new buffer holding a copy of the host bytes-like object ``b``."""
        return to_device(b, stream, mr)

    def copy_to_host(self, ary=None, stream=DEFAULT_STREAM):
        """Copies the buffer into ``ary`` (a writable host buffer at least as large), or
        into a new NumPy uint8 array (a bytearray without NumPy); returns it."""
        stream = self._use_stream(stream)
        size = self.size
        if ary is None:
            try:
                import numpy

                ary = numpy.empty((size,), dtype="u1")
            except ImportError:
                ary = bytearray(size)
        address, nbytes, keep = _host_view(ary, writable=True)
        if nbytes < size:
            raise ValueError(f"the host buffer ({nbytes} bytes) is smaller than the DeviceBuffer ({size} bytes)")
        lib.rmm_device_buffer_read(self._handle, 0, address, size, stream.handle)
        del keep
        return ary

    def copy_from_host(self, ary, stream=DEFAULT_STREAM):
        """Copies the host buffer ``ary`` (at most ``size`` bytes) to the start of the buffer."""
        stream = self._use_stream(stream)
        address, nbytes, keep = _host_view(ary, writable=False)
        if nbytes > self.size:
            raise ValueError(f"the host buffer ({nbytes} bytes) is larger than the DeviceBuffer ({self.size} bytes)")
        lib.rmm_device_buffer_write(self._handle, 0, address, nbytes, stream.handle)
        del keep

    def copy_from_device(self, cuda_ary, stream=DEFAULT_STREAM):
        """Copies a contiguous ``__cuda_array_interface__`` object (at most ``size``
        bytes) to the start of the buffer."""
        stream = self._use_stream(stream)
        address, nbytes = _device_view(cuda_ary)
        if nbytes > self.size:
            raise ValueError(f"the device array ({nbytes} bytes) is larger than the DeviceBuffer ({self.size} bytes)")
        lib.rmm_device_buffer_write(self._handle, 0, address or None, nbytes, stream.handle)

    def tobytes(self, stream=DEFAULT_STREAM):
        """The contents as bytes."""
        return bytes(self.copy_to_host(bytearray(self.size), stream))

    # ---- pickling ----

    def __reduce__(self):
        return to_device, (self.tobytes(),)

    def __repr__(self):
        return f"<rmm.DeviceBuffer size={self.size} ptr=0x{self.ptr:x} mr={type(self.mr).__name__}>"


def to_device(b, stream=DEFAULT_STREAM, mr=None):
    """A new :class:`DeviceBuffer` holding a copy of the host bytes-like object ``b``."""
    address, nbytes, keep = _host_view(b, writable=False)
    buf = DeviceBuffer(nbytes, stream=stream, mr=mr)
    if nbytes:
        lib.rmm_device_buffer_write(buf._handle, 0, address, nbytes, buf.stream.handle)
    del keep
    return buf

