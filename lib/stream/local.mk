# lib/stream: the stream pool and the device helpers.
rmminclude_HEADERS += include/rmm/stream_pool.h include/rmm/device.h
lib_librmm_la_SOURCES += \
	lib/stream/device.c \
	lib/stream/stream_pool.c
