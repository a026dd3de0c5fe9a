# GPU tests of lib/spec: specs over CUDA's allocators and RMM_RESOURCE (exit 77 without a GPU).
check_PROGRAMS += tests/gpu/spec_test
TESTS += tests/gpu/spec_test
tests_gpu_spec_test_SOURCES = tests/gpu/spec_test.c
tests_gpu_spec_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_spec_test_LDFLAGS = $(test_ldflags)
tests_gpu_spec_test_LDADD = $(gpu_ldadd)
