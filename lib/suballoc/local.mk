# lib/suballoc: sources are added here as the family lands.
rmminclude_HEADERS += include/rmm/arena.h include/rmm/pool.h include/rmm/fixed_size.h include/rmm/expandable_pool.h
lib_librmm_la_SOURCES += \
	lib/suballoc/arena.c lib/suballoc/arena_internal.h \
	lib/suballoc/arena_threads.c \
	lib/suballoc/arena_snapshot.c \
	lib/suballoc/ds/arena_heap.c lib/suballoc/ds/arena_heap.h \
	lib/suballoc/ds/arena_spans.c lib/suballoc/ds/arena_spans.h \
	lib/suballoc/ds/arena_stream_map.c lib/suballoc/ds/arena_stream_map.h \
	lib/suballoc/ds/block_index.c lib/suballoc/ds/block_index.h \
	lib/suballoc/ds/block_stack.c lib/suballoc/ds/block_stack.h \
	lib/suballoc/ds/free_set.c lib/suballoc/ds/free_set.h \
	lib/suballoc/stream_ordered.c lib/suballoc/stream_ordered.h \
	lib/suballoc/pool.c lib/suballoc/pool_internal.h \
	lib/suballoc/expandable.c \
	lib/suballoc/vmm.c lib/suballoc/vmm.h \
	lib/suballoc/fixed_size.c

# binning
rmminclude_HEADERS += include/rmm/binning.h
lib_librmm_la_SOURCES += lib/suballoc/binning.c
