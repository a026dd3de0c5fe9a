"""Upstream's rmm._cuda: small CUDA helpers that RAPIDS code reaches as rmm._cuda.gpu."""

from rmm._cuda import gpu

__all__ = ["gpu"]
