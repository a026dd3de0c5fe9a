# GPU tests of lib/spec.
