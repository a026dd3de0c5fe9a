"""Owning CUDA streams (upstream's rmm.pylibrmm.cuda_stream)."""

from rmm.pylibrmm.stream import CudaStream, CudaStreamFlags

__all__ = ["CudaStream", "CudaStreamFlags"]
