# bench/: benchmark programs, built by "make bench" and never run by "make check".
EXTRA_PROGRAMS =
bench_programs =

EXTRA_PROGRAMS += bench/ds_bench
bench_programs += bench/ds_bench
bench_ds_bench_SOURCES = bench/ds_bench.c \
	lib/suballoc/ds/block_index.c lib/suballoc/ds/block_index.h \
	lib/suballoc/ds/free_set.c lib/suballoc/ds/free_set.h
bench_ds_bench_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE
bench_ds_bench_CFLAGS = $(AM_CFLAGS) -O2
bench_ds_bench_LDADD =

# The allocator benchmark of perf-anchors.md; --host runs it without a GPU.
EXTRA_PROGRAMS += bench/suballoc_bench
bench_programs += bench/suballoc_bench
bench_suballoc_bench_SOURCES = bench/suballoc_bench.c
bench_suballoc_bench_CPPFLAGS = $(AM_CPPFLAGS) -D_GNU_SOURCE $(CUDA_CPPFLAGS)
bench_suballoc_bench_CFLAGS = $(AM_CFLAGS) -O2
bench_suballoc_bench_LDFLAGS = $(AM_LDFLAGS) -no-install
bench_suballoc_bench_LDADD = lib/librmm.la $(CUDART_LIBS) -lm

bench: $(bench_programs)
CLEANFILES += $(bench_programs)
.PHONY: bench
