rmminclude_core = include/rmm/common.h include/rmm/log.h include/rmm/resource.h include/rmm/per_device.h \
	include/rmm/rmm.h include/rmm/snapshot.h
rmminclude_HEADERS += $(rmminclude_core)
lib_librmm_la_SOURCES += \
	lib/core/construct.c lib/core/construct.h \
	lib/core/cuda.c lib/core/cuda.h \
	lib/core/custom.c \
	lib/core/error.c lib/core/error.h \
	lib/core/history.c lib/core/history.h \
	lib/core/log.c lib/core/log.h \
	lib/core/notes.c lib/core/notes.h \
	lib/core/per_device.c lib/core/per_device.h \
	lib/core/ptr_map.c lib/core/ptr_map.h \
	lib/core/resource.c lib/core/resource.h \
	lib/core/snapshot.c lib/core/snapshot.h \
	lib/core/streams.c lib/core/streams.h \
	lib/core/version.c
