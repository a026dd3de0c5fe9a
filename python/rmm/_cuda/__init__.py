"""Upstream's rmm._cuda: small CUDA helpers that RAPIDS code imports (rmm._cuda.gpu)."""
