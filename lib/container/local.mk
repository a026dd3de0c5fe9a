# lib/container: device_buffer, device_uvector, device_scalar.
rmminclude_HEADERS += include/rmm/device_buffer.h include/rmm/device_uvector.h include/rmm/device_scalar.h
lib_librmm_la_SOURCES += \
	lib/container/container.h \
	lib/container/device_buffer.c \
	lib/container/device_scalar.c \
	lib/container/device_uvector.c
