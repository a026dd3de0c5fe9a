# GPU tests of lib/framework: the pluggable-allocator entry points on real streams (exit 77 without a GPU).
check_PROGRAMS += tests/gpu/framework_test
TESTS += tests/gpu/framework_test
tests_gpu_framework_test_SOURCES = tests/gpu/framework_test.c tests/gpu/gpu_test.h
tests_gpu_framework_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_framework_test_LDFLAGS = $(test_ldflags)
tests_gpu_framework_test_LDADD = $(gpu_ldadd)
