# GPU tests of lib/adaptor.
