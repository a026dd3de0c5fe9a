# Two GPUs (skips with fewer): per-device pools, containers across devices.
check_PROGRAMS += tests/gpu/multi_gpu_test
TESTS += tests/gpu/multi_gpu_test
tests_gpu_multi_gpu_test_SOURCES = tests/gpu/multi_gpu_test.c
tests_gpu_multi_gpu_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_multi_gpu_test_LDFLAGS = $(test_ldflags)
tests_gpu_multi_gpu_test_LDADD = $(gpu_ldadd) -lpthread
