# GPU tests of lib/adaptor: every adaptor over cudaMalloc and managed memory (exit 77 without a GPU).
check_PROGRAMS += tests/gpu/adaptor_test
TESTS += tests/gpu/adaptor_test
tests_gpu_adaptor_test_SOURCES = tests/gpu/adaptor_test.c
tests_gpu_adaptor_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_adaptor_test_LDFLAGS = $(test_ldflags)
tests_gpu_adaptor_test_LDADD = $(gpu_ldadd)
