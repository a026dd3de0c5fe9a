"""PyTorch allocations through librmm.

``rmm_torch_allocator`` is a ``torch.cuda.memory.CUDAPluggableAllocator`` over the two
functions librmm exports for it, ``rmm_torch_allocate`` and ``rmm_torch_deallocate``
(see rmm_torch_allocate(3)), loaded from the same librmm file as this package, so PyTorch
and the ``rmm`` module share one per-device resource table::

    torch.cuda.memory.change_current_allocator(rmm_torch_allocator)

It is None when PyTorch (or its CUDA support) is not installed.
"""

from rmm._lib import library_path

try:
    from torch.cuda.memory import CUDAPluggableAllocator
except ImportError:
    rmm_torch_allocator = None
else:
    rmm_torch_allocator = CUDAPluggableAllocator(
        library_path(), "rmm_torch_allocate", "rmm_torch_deallocate"
    )

__all__ = ["rmm_torch_allocator"]
