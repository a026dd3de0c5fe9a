"""A pool of CUDA streams owned by librmm (rmm_stream_pool_t), upstream's CudaStreamPool."""

import ctypes
import weakref

from rmm import _lib
from rmm._lib import lib
from rmm._sizes import as_size
from rmm.pylibrmm.stream import CudaStreamFlags, Stream

__all__ = ["CudaStreamPool"]


class CudaStreamPool:
    """``pool_size`` streams, handed out round-robin. The streams live as long as the
    pool: keep the pool while they are in use.

    ``flags`` (a CudaStreamFlags) says how the streams relate to the legacy default
    stream: SYNC_DEFAULT, upstream's default, waits for it; NON_BLOCKING does not.
    """

    def __init__(self, pool_size=16, flags=CudaStreamFlags.SYNC_DEFAULT):
        pool_size = as_size(pool_size, "pool_size")
        if pool_size < 1:
            raise ValueError(f"a stream pool needs at least 1 stream, not {pool_size}")
        self.flags = CudaStreamFlags(flags)
        self._handle = _lib.out_pointer(lib.rmm_stream_pool_create_with_flags, pool_size, int(self.flags))
        self._finalizer = weakref.finalize(self, lib.rmm_stream_pool_destroy, self._handle)

    def get_stream(self, stream_id=None):
        """The next stream, or the one at index ``stream_id`` (modulo the pool size)."""
        handle = ctypes.c_void_p()
        if stream_id is None:
            lib.rmm_stream_pool_get(self._handle, ctypes.byref(handle))
        else:
            lib.rmm_stream_pool_get_at(self._handle, as_size(stream_id, "stream_id"), ctypes.byref(handle))
        return Stream._from_handle(handle.value or 0, owner=self)

    def get_stream_by_id(self, stream_id):
        """The stream at index ``stream_id`` (modulo the pool size)."""
        return self.get_stream(stream_id)

    def get_pool_size(self):
        return lib.rmm_stream_pool_size(self._handle)
