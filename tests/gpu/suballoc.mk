# GPU tests of lib/suballoc.
check_PROGRAMS += tests/gpu/arena_test
TESTS += tests/gpu/arena_test
tests_gpu_arena_test_SOURCES = tests/gpu/arena_test.c
tests_gpu_arena_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_arena_test_LDFLAGS = $(test_ldflags)
tests_gpu_arena_test_LDADD = $(gpu_ldadd)

check_PROGRAMS += tests/gpu/pool_test
TESTS += tests/gpu/pool_test
tests_gpu_pool_test_SOURCES = tests/gpu/pool_test.c tests/gpu/gpu_test.h
tests_gpu_pool_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_pool_test_LDFLAGS = $(test_ldflags)
tests_gpu_pool_test_LDADD = $(gpu_ldadd)

check_PROGRAMS += tests/gpu/expandable_test
TESTS += tests/gpu/expandable_test
tests_gpu_expandable_test_SOURCES = tests/gpu/expandable_test.c tests/gpu/gpu_test.h
tests_gpu_expandable_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_expandable_test_LDFLAGS = $(test_ldflags)
tests_gpu_expandable_test_LDADD = $(gpu_ldadd)

check_PROGRAMS += tests/gpu/binning_test
TESTS += tests/gpu/binning_test
tests_gpu_binning_test_SOURCES = tests/gpu/binning_test.c
tests_gpu_binning_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_binning_test_LDFLAGS = $(test_ldflags)
tests_gpu_binning_test_LDADD = $(gpu_ldadd)

# The device backend of the expandable pool's reserved range, compiled in with the core
# files it calls.
check_PROGRAMS += tests/gpu/vmm_test
TESTS += tests/gpu/vmm_test
tests_gpu_vmm_test_SOURCES = tests/gpu/vmm_test.c tests/gpu/gpu_test.h \
	lib/suballoc/vmm.c lib/suballoc/vmm.h \
	lib/core/cuda.c lib/core/error.c lib/core/log.c
tests_gpu_vmm_test_CPPFLAGS = $(gpu_cppflags)
tests_gpu_vmm_test_LDFLAGS = $(test_ldflags)
tests_gpu_vmm_test_LDADD = $(CHECK_LIBS) $(CUDART_LIBS)
