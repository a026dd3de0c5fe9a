# lib/stream: the stream pool, the stream registry and the device helpers.
rmminclude_HEADERS += include/rmm/stream_pool.h include/rmm/device.h include/rmm/stream_registry.h
lib_librmm_la_SOURCES += \
	lib/stream/device.c \
	lib/stream/stream_pool.c \
	lib/stream/stream_registry.c
