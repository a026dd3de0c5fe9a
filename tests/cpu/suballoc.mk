# CPU tests of lib/suballoc.
# The pure data structures are hidden inside librmm: their test compiles them in.
check_PROGRAMS += tests/cpu/ds_test
TESTS += tests/cpu/ds_test
VALGRIND_TESTS += tests/cpu/ds_test
tests_cpu_ds_test_SOURCES = tests/cpu/ds_test.c \
	lib/suballoc/ds/block_index.c lib/suballoc/ds/block_index.h \
	lib/suballoc/ds/block_stack.c lib/suballoc/ds/block_stack.h \
	lib/suballoc/ds/free_set.c lib/suballoc/ds/free_set.h
tests_cpu_ds_test_CPPFLAGS = $(test_cppflags)
tests_cpu_ds_test_LDFLAGS = $(test_ldflags)
tests_cpu_ds_test_LDADD = $(CHECK_LIBS)

# The reserved-range mechanism of the expandable pool, compiled in with the core
# files it calls (error, log and the CUDA wrapper), over its host backend.
check_PROGRAMS += tests/cpu/vmm_test
TESTS += tests/cpu/vmm_test
VALGRIND_TESTS += tests/cpu/vmm_test
tests_cpu_vmm_test_SOURCES = tests/cpu/vmm_test.c \
	lib/suballoc/vmm.c lib/suballoc/vmm.h \
	lib/core/cuda.c lib/core/error.c lib/core/log.c
tests_cpu_vmm_test_CPPFLAGS = $(test_cppflags) $(CUDA_CPPFLAGS)
tests_cpu_vmm_test_LDFLAGS = $(test_ldflags)
tests_cpu_vmm_test_LDADD = $(CHECK_LIBS) $(CUDART_LIBS)

check_PROGRAMS += tests/cpu/arena_ds_test
TESTS += tests/cpu/arena_ds_test
VALGRIND_TESTS += tests/cpu/arena_ds_test
tests_cpu_arena_ds_test_SOURCES = tests/cpu/arena_ds_test.c \
	lib/suballoc/ds/arena_heap.c lib/suballoc/ds/arena_heap.h \
	lib/suballoc/ds/arena_spans.c lib/suballoc/ds/arena_spans.h \
	lib/suballoc/ds/arena_stream_map.c lib/suballoc/ds/arena_stream_map.h
tests_cpu_arena_ds_test_CPPFLAGS = $(test_cppflags)
tests_cpu_arena_ds_test_LDFLAGS = $(test_ldflags)
tests_cpu_arena_ds_test_LDADD = $(CHECK_LIBS)

check_PROGRAMS += tests/cpu/arena_test
TESTS += tests/cpu/arena_test
VALGRIND_TESTS += tests/cpu/arena_test
tests_cpu_arena_test_SOURCES = tests/cpu/arena_test.c
tests_cpu_arena_test_CPPFLAGS = $(test_cppflags)
tests_cpu_arena_test_LDFLAGS = $(test_ldflags)

check_PROGRAMS += tests/cpu/pool_test
TESTS += tests/cpu/pool_test
VALGRIND_TESTS += tests/cpu/pool_test
tests_cpu_pool_test_SOURCES = tests/cpu/pool_test.c
tests_cpu_pool_test_CPPFLAGS = $(test_cppflags)
tests_cpu_pool_test_LDFLAGS = $(test_ldflags)

check_PROGRAMS += tests/cpu/expandable_test
TESTS += tests/cpu/expandable_test
VALGRIND_TESTS += tests/cpu/expandable_test
tests_cpu_expandable_test_SOURCES = tests/cpu/expandable_test.c
tests_cpu_expandable_test_CPPFLAGS = $(test_cppflags)
tests_cpu_expandable_test_LDFLAGS = $(test_ldflags)

check_PROGRAMS += tests/cpu/fixed_size_test
TESTS += tests/cpu/fixed_size_test
VALGRIND_TESTS += tests/cpu/fixed_size_test
tests_cpu_fixed_size_test_SOURCES = tests/cpu/fixed_size_test.c
tests_cpu_fixed_size_test_CPPFLAGS = $(test_cppflags)
tests_cpu_fixed_size_test_LDFLAGS = $(test_ldflags)

check_PROGRAMS += tests/cpu/binning_test
TESTS += tests/cpu/binning_test
VALGRIND_TESTS += tests/cpu/binning_test
tests_cpu_binning_test_SOURCES = tests/cpu/binning_test.c
tests_cpu_binning_test_CPPFLAGS = $(test_cppflags)
tests_cpu_binning_test_LDFLAGS = $(test_ldflags)

# A smoke run of the allocator benchmark over host memory (no timing is checked);
# `make check` builds the benchmark for it.
TESTS += tests/cpu/bench_smoke.sh
EXTRA_DIST += tests/cpu/bench_smoke.sh
check_SCRIPTS += bench/suballoc_bench
