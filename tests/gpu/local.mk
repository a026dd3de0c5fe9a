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

# Sanitizer-visible sub-allocations: overrun writes past a block of each sub-allocator
# (a test by itself: nothing fails without a tool), and nvtx_memcheck.sh runs it under
# compute-sanitizer memcheck (skips without it).
check_PROGRAMS += tests/gpu/overrun
TESTS += tests/gpu/overrun tests/gpu/nvtx_memcheck.sh
EXTRA_DIST += tests/gpu/nvtx_memcheck.sh
tests_gpu_overrun_SOURCES = tests/gpu/overrun.c
tests_gpu_overrun_CPPFLAGS = $(gpu_cppflags)
tests_gpu_overrun_LDFLAGS = $(test_ldflags)
tests_gpu_overrun_LDADD = $(gpu_ldadd)
