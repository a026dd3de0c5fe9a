"""CuPy allocations through librmm: ``cupy.cuda.set_allocator(rmm_cupy_allocator)``."""

import rmm

try:
    import cupy
except ImportError:
    cupy = None

__all__ = ["rmm_cupy_allocator"]


def rmm_cupy_allocator(nbytes):
    """Allocates ``nbytes`` for CuPy from the current device resource, on CuPy's
    current stream.

    Returns a ``cupy.cuda.MemoryPointer`` over an :class:`rmm.DeviceBuffer`, which it
    keeps alive: the memory is freed (on that stream) when CuPy lets go of it.
    """
    if cupy is None:
        raise ModuleNotFoundError("No module named 'cupy'")
    stream = cupy.cuda.get_current_stream()
    buf = rmm.DeviceBuffer(size=nbytes, stream=stream)
    # CuPy finds the device of a real address itself (-1); a 0-byte buffer has no
    # address to ask about, so it is given the current device.
    device = -1 if buf.ptr else cupy.cuda.device.get_device_id()
    memory = cupy.cuda.UnownedMemory(ptr=buf.ptr, size=buf.size, owner=buf, device_id=device)
    return cupy.cuda.memory.MemoryPointer(memory, 0)
