"""Allocators that route PyTorch, CuPy and Numba allocations through librmm."""
