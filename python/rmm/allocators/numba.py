"""Numba allocations through librmm: an External Memory Management (EMM) plugin.

Select it with ``numba.cuda.set_memory_manager(RMMNumbaManager)``, or before Numba
starts with the environment variable ``NUMBA_CUDA_MEMORY_MANAGER=rmm.allocators.numba``
(Numba then reads ``_numba_memory_manager`` from this module).

Importing this module needs Numba's CUDA support (``numba.cuda``, from numba or
numba-cuda).
"""

import ctypes

from numba.cuda import GetIpcHandleMixin, HostOnlyCUDAMemoryManager, MemoryInfo, MemoryPointer
from numba.cuda.cudadrv import driver

import rmm
import rmm.mr

__all__ = ["RMMNumbaManager"]


def _uses_nvidia_binding():
    """Whether Numba's driver speaks through cuda-python (the default, and the only way
    in recent numba-cuda) rather than its own ctypes binding."""
    return bool(getattr(driver, "USE_NV_BINDING", True))


def _device_pointer(address):
    """An address in the type Numba's driver layer takes for device pointers."""
    if _uses_nvidia_binding():
        return driver.binding.CUdeviceptr(address)
    return ctypes.c_uint64(address)


def _forget(allocations, key):
    """A finalizer that drops the buffer behind one Numba allocation."""

    def finalize():
        allocations.pop(key, None)

    return finalize


class RMMNumbaManager(GetIpcHandleMixin, HostOnlyCUDAMemoryManager):
    """A Numba EMM plugin: device memory comes from the current device resource (an
    :class:`rmm.DeviceBuffer` per allocation); host and pinned memory stay Numba's, and
    IPC handles are Numba's own (of the whole allocation holding the memory, with the
    offset in it)."""

    def __init__(self, *args, **kwargs):
        self.allocations = {}
        super().__init__(*args, **kwargs)

    def memalloc(self, size):
        """Allocates ``size`` bytes on the default stream."""
        buf = rmm.DeviceBuffer(size=size)
        key = int(buf.ptr)
        # A 0-byte buffer has no address; several may coexist, so key them apart.
        if key == 0:
            key = ("empty", id(buf))
        self.allocations[key] = buf
        return MemoryPointer(
            self.context, _device_pointer(int(buf.ptr)), size, finalizer=_forget(self.allocations, key)
        )

    def initialize(self):
        """Nothing to set up: librmm's resources need no per-context state."""

    def get_memory_info(self):
        """Free and total memory of the current device, as the CUDA driver sees them
        (memory a pool holds counts as used)."""
        free, total = rmm.mr.available_device_memory()
        return MemoryInfo(free=free, total=total)

    @property
    def interface_version(self):
        return 1


# What NUMBA_CUDA_MEMORY_MANAGER=rmm.allocators.numba makes Numba use.
_numba_memory_manager = RMMNumbaManager
