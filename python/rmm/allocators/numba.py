"""Numba allocations through librmm: an External Memory Management (EMM) plugin.

Select it with ``numba.cuda.set_memory_manager(RMMNumbaManager)``, or before Numba
starts with the environment variable ``NUMBA_CUDA_MEMORY_MANAGER=rmm.allocators.numba``
(Numba then reads ``_numba_memory_manager`` from this module).

Importing this module needs Numba's CUDA support (``numba.cuda``, from numba or
numba-cuda).
"""

import ctypes

from numba import cuda
from numba.cuda import HostOnlyCUDAMemoryManager, IpcHandle, MemoryInfo, MemoryPointer
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


class RMMNumbaManager(HostOnlyCUDAMemoryManager):
    """A Numba EMM plugin: device memory comes from the current device resource (an
    :class:`rmm.DeviceBuffer` per allocation); host and pinned memory stay Numba's."""

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

    def get_ipc_handle(self, memory):
        """An IPC handle for ``memory``: the handle of the whole allocation holding it
        and the offset of ``memory`` in it (a pool's block shares its chunk's handle)."""
        start, _ = driver.device_extents(memory)
        if _uses_nvidia_binding():
            _, handle = driver.binding.cuIpcGetMemHandle(start)
            offset = int(memory.handle) - int(start)
        else:
            raw = (ctypes.c_byte * 64)()
            driver.driver.cuIpcGetMemHandle(ctypes.byref(raw), start)
            handle = driver.drvapi.cu_ipc_mem_handle(*raw)
            offset = memory.handle.value - start
        source = cuda.current_context().device.get_device_identity()
        return IpcHandle(memory, handle, memory.size, source, offset=offset)

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
