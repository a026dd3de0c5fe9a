# CPU tests of lib/container.
