# CPU tests of lib/adaptor.
