# GPU tests: each program exits 77 (skip) with a reason when no device is usable.
gpu_tests = \
	tests/gpu/leaf_test
check_PROGRAMS += $(gpu_tests)
TESTS += $(gpu_tests)

tests_gpu_leaf_test_SOURCES = tests/gpu/leaf_test.c tests/gpu/gpu_test.h
tests_gpu_leaf_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_leaf_test_LDFLAGS = $(test_ldflags)
tests_gpu_leaf_test_LDADD = $(gpu_ldadd)
include $(srcdir)/tests/gpu/suballoc.mk
include $(srcdir)/tests/gpu/adaptor.mk
include $(srcdir)/tests/gpu/container.mk
include $(srcdir)/tests/gpu/spec.mk
include $(srcdir)/tests/gpu/framework.mk
include $(srcdir)/tests/gpu/multi_gpu.mk
