# CPU tests of lib/spec.
