# lib/framework: C entry points that frameworks (PyTorch pluggable allocators) load.
