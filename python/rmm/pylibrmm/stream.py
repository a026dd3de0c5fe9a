"""CUDA streams as librmm sees them: plain handles, wrapped in :class:`Stream`.

Any place of the rmm package that takes a stream accepts what :func:`as_stream_handle`
accepts: None (the default stream), an integer handle, a :class:`Stream`, an object
with the ``__cuda_stream__`` protocol, or one with a ``.ptr`` (CuPy), ``.cuda_stream``
(PyTorch) or ``.handle`` (Numba, cuda.core) attribute.
"""

import ctypes

from rmm import _lib

__all__ = [
    "Stream",
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
            _version, handle = value
        except (TypeError, ValueError):
            raise TypeError(f"__cuda_stream__ of {type(obj).__name__} gave {value!r}, not (version, handle)") from None
        return _as_int(handle, "__cuda_stream__()[1]")
    for attribute in ("ptr", "cuda_stream", "handle"):
        value = getattr(obj, attribute, None)
        if value is not None:
            return _as_int(value, f"{type(obj).__name__}.{attribute}")
    raise TypeError(
        f"cannot use {type(obj).__name__} as a CUDA stream: expected None, an int, a Stream, "
        "or an object with __cuda_stream__, .ptr, .cuda_stream or .handle"
    )


class Stream:
    """A CUDA stream handle (upstream's rmm.pylibrmm.stream.Stream).

    ``Stream()`` and ``Stream(None)`` are the default stream; any other argument is
    converted by :func:`as_stream_handle` and kept alive as long as this object, so a
    CuPy, Numba or PyTorch stream wrapped here is not destroyed under it.
    """

    __slots__ = ("_handle", "_owner")

    def __init__(self, obj=None):
        self._handle = as_stream_handle(obj)
        self._owner = None if isinstance(obj, (int, Stream)) else obj

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
        return NotImplemented

    def __hash__(self):
        return hash(self._handle)

    def __repr__(self):
        names = {0: "default", 1: "legacy default", 2: "per-thread default"}
        name = names.get(self._handle)
        return f"<rmm Stream {name}>" if name else f"<rmm Stream 0x{self._handle:x}>"


DEFAULT_STREAM = Stream()
LEGACY_DEFAULT_STREAM = Stream(_lib.STREAM_LEGACY)
PER_THREAD_DEFAULT_STREAM = Stream(_lib.STREAM_PER_THREAD)
