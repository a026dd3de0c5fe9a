rmminclude_HEADERS += include/rmm/memory.h
lib_librmm_la_SOURCES += \
	lib/memory/callback.c \
	lib/memory/cuda.c \
	lib/memory/cuda_async.c \
	lib/memory/host.c \
	lib/memory/leaf.c lib/memory/leaf.h \
	lib/memory/managed.c \
	lib/memory/pinned_host.c \
	lib/memory/simulated.c \
	lib/memory/system.c
