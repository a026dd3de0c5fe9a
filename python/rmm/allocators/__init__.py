"""Allocators that route other libraries' device memory through librmm.

- :mod:`rmm.allocators.torch`: ``rmm_torch_allocator``, for
  ``torch.cuda.memory.change_current_allocator``;
- :mod:`rmm.allocators.cupy`: ``rmm_cupy_allocator``, for ``cupy.cuda.set_allocator``;
- :mod:`rmm.allocators.numba`: ``RMMNumbaManager``, a Numba EMM plugin (also selected by
  ``NUMBA_CUDA_MEMORY_MANAGER=rmm.allocators.numba``).

Each allocates from the current device resource at the time of each allocation, so
setting a resource (``rmm.mr.set_current_device_resource``, ``rmm.reinitialize``)
before or after installing the allocator both work. The modules import without their
framework installed.
"""
