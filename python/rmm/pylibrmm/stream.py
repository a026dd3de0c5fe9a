"""CUDA streams as librmm sees them: plain handles, wrapped in :class:`Stream`.

Any place of the rmm package that takes a stream accepts what :func:`as_stream_handle`
accepts: None (the default stream), an integer handle, a :class:`Stream`, an object
with the ``__cuda_stream__`` protocol, or one with a ``.ptr`` (CuPy), ``.cuda_stream``
(PyTorch) or ``.handle`` (Numba, cuda.core) attribute.
"""

import ctypes
import enum

from rmm import _lib
from rmm._sizes import SIZE_MAX

__all__ = [
    "CudaStream",
    "CudaStreamFlags",
    "Stream",
    "as_stream",
    "DEFAULT_STREAM",
    "LEGACY_DEFAULT_STREAM",
    "PER_THREAD_DEFAULT_STREAM",
    "as_stream_handle",
]


def _as_int(value, what):
    """A handle given as an int, a ctypes pointer or anything with __int__."""
    if isinstance(value, ctypes.c_void_p):
        return value.value or 0
    if isinstance(value, bool):
        raise TypeError(f"a stream handle cannot be a bool ({what})")
    try:
        handle = int(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} is not an integer stream handle: {value!r}") from None
    if handle < 0:
        raise ValueError(f"a stream handle cannot be negative ({what} is {handle})")
    if handle > SIZE_MAX:
        raise OverflowError(f"a stream handle must fit in 64 bits ({what} is {handle:#x})")
    return handle


def as_stream_handle(obj):
    """The integer CUDA stream handle (cudaStream_t) that ``obj`` stands for."""
    if obj is None:
        return _lib.STREAM_DEFAULT
    if isinstance(obj, Stream):
        return obj.handle
    if isinstance(obj, (int, ctypes.c_void_p)):
        return _as_int(obj, "the stream")
    protocol = getattr(obj, "__cuda_stream__", None)
    if protocol is not None:
        # The protocol is a method returning (version, handle); early adopters made it
        # an attribute holding the tuple.
        value = protocol() if callable(protocol) else protocol
        try:
            version, handle = value
        except (TypeError, ValueError):
            raise TypeError(f"__cuda_stream__ of {type(obj).__name__} gave {value!r}, not (version, handle)") from None
        if version != 0:
            raise NotImplementedError(f"RMM does not currently support the CUDA Stream Protocol version: '{version}'.")
        return _as_int(handle, "__cuda_stream__()[1]")
    for attribute in ("ptr", "cuda_stream", "handle"):
        value = getattr(obj, attribute, None)
        if value is not None:
            return _as_int(value, f"{type(obj).__name__}.{attribute}")
    raise TypeError(
        f"cannot use {type(obj).__name__} as a CUDA stream: expected None, an int, a Stream, "
        "or an object with __cuda_stream__, .ptr, .cuda_stream or .handle"
    )


class CudaStreamFlags(enum.IntEnum):
    """How a new stream relates to the legacy default stream."""

    SYNC_DEFAULT = 0
    NON_BLOCKING = 1


class CudaStream:
    """A new CUDA stream, destroyed when this object is collected (upstream's
    ``rmm.pylibrmm.cuda_stream.CudaStream``). Needs a device.

    ``flags`` SYNC_DEFAULT (upstream's default) makes a stream that synchronizes with
    the legacy default stream; NON_BLOCKING one that does not.
    """

    def __init__(self, flags=CudaStreamFlags.SYNC_DEFAULT):
        from rmm.pylibrmm.cuda_stream_pool import CudaStreamPool

        self.flags = CudaStreamFlags(flags)
        # A pool of one stream owns it; librmm creates and destroys it.
        self._pool = CudaStreamPool(1, self.flags)
        self._handle = self._pool.get_stream(0).handle

    def value(self):
        """The cudaStream_t as an int."""
        return self._handle

    def is_valid(self):
        """Whether the stream exists (it does while this object lives)."""
        return self._handle != 0

    def __cuda_stream__(self):
        return (0, self._handle)

    def __int__(self):
        return self._handle


class Stream:
    """A CUDA stream (upstream's rmm.pylibrmm.stream.Stream).

    ``Stream()`` and ``Stream(None)`` create a new stream, owned by this object (as
    upstream; it needs a device); the default streams are :data:`DEFAULT_STREAM`,
    :data:`LEGACY_DEFAULT_STREAM` and :data:`PER_THREAD_DEFAULT_STREAM`. Any other
    argument is converted by :func:`as_stream_handle` and kept alive as long as this
    object, so a CuPy, Numba or PyTorch stream wrapped here is not destroyed under it.
    """

    __slots__ = ("_handle", "_owner")

    def __init__(self, obj=None):
        if obj is None:
            owner = CudaStream()
            self._handle = owner.value()
            self._owner = owner
            return
        if isinstance(obj, Stream):
            self._handle, self._owner = obj._handle, obj._owner
            return
        self._handle = as_stream_handle(obj)
        self._owner = None if isinstance(obj, int) else obj

    @classmethod
    def _from_handle(cls, handle, owner=None):
        """A Stream over an existing handle (an int), keeping ``owner`` alive."""
        stream = cls.__new__(cls)
        stream._handle = _as_int(handle, "the stream")
        stream._owner = owner
        return stream

    @property
    def handle(self):
        """The cudaStream_t as an int (0 for the default stream)."""
        return self._handle

    @property
    def value(self):
        """The handle as an int, as upstream's Stream.value."""
        return self._handle

    @property
    def ptr(self):
        """The handle as an int, so that a Stream passes wherever a CuPy stream does."""
        return self._handle

    def __cuda_stream__(self):
        """The CUDA stream protocol: (version, handle)."""
        return (0, self._handle)

    def __int__(self):
        return self._handle

    def synchronize(self):
        """Waits for the work ordered on the stream so far (needs a device)."""
        _lib.lib.rmm_stream_synchronize(self._handle)

    def is_default(self):
        """Whether this is one of CUDA's default streams (0, legacy or per-thread)."""
        return self._handle in (_lib.STREAM_DEFAULT, _lib.STREAM_LEGACY, _lib.STREAM_PER_THREAD)

    def __eq__(self, other):
        if isinstance(other, Stream):
            return self._handle == other._handle
        return False

    def __hash__(self):
        return hash(self._handle)

    def __repr__(self):
        names = {0: "default", 1: "legacy default", 2: "per-thread default"}
        name = names.get(self._handle)
        return f"<rmm Stream {name}>" if name else f"<rmm Stream 0x{self._handle:x}>"


def as_stream(obj):
    """A :class:`Stream` for a stream argument: None is the default stream (never a new
    one), a Stream is itself, anything else is wrapped."""
    if obj is None:
        return DEFAULT_STREAM
    if isinstance(obj, Stream):
        return obj
    return Stream(obj)


DEFAULT_STREAM = Stream._from_handle(_lib.STREAM_DEFAULT)
LEGACY_DEFAULT_STREAM = Stream._from_handle(_lib.STREAM_LEGACY)
PER_THREAD_DEFAULT_STREAM = Stream._from_handle(_lib.STREAM_PER_THREAD)
