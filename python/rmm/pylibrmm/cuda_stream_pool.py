"""A pool of CUDA streams owned by librmm (rmm_stream_pool_t), upstream's CudaStreamPool."""

import ctypes
import weakref

from rmm import _lib
from rmm._lib import lib
from rmm.pylibrmm.stream import Stream

__all__ = ["CudaStreamPool"]


class CudaStreamPool:
    """``pool_size`` non-blocking streams, handed out round-robin. The streams live
    as long as the pool: keep the pool while they are in use."""

    def __init__(self, pool_size=16):
        if int(pool_size) < 1:
            raise ValueError(f"a stream pool needs at least 1 stream, not {pool_size}")
        self._handle = _lib.out_pointer(lib.rmm_stream_pool_create, int(pool_size))
        self._finalizer = weakref.finalize(self, lib.rmm_stream_pool_destroy, self._handle)

    def get_stream(self, stream_id=None):
        """The next stream, or the one at index ``stream_id`` (modulo the pool size)."""
        handle = ctypes.c_void_p()
        if stream_id is None:
            lib.rmm_stream_pool_get(self._handle, ctypes.byref(handle))
        else:
            lib.rmm_stream_pool_get_at(self._handle, int(stream_id), ctypes.byref(handle))
        stream = Stream(handle.value or 0)
        stream._owner = self
        return stream

    def get_pool_size(self):
        return lib.rmm_stream_pool_size(self._handle)
