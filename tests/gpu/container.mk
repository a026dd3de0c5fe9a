# GPU tests of lib/container.
