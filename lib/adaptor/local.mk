# lib/adaptor: one file per adaptor, over core's constructor helpers and address table.
rmminclude_HEADERS += \
	include/rmm/aligned.h \
	include/rmm/failure_callback.h \
	include/rmm/limiting.h \
	include/rmm/logging.h \
	include/rmm/prefetch.h \
	include/rmm/statistics.h \
	include/rmm/thread_safe.h \
	include/rmm/tracking.h
lib_librmm_la_SOURCES += \
	lib/adaptor/aligned.c \
	lib/adaptor/failure_callback.c \
	lib/adaptor/limiting.c \
	lib/adaptor/logging.c \
	lib/adaptor/prefetch.c \
	lib/adaptor/statistics.c \
	lib/adaptor/thread_safe.c \
	lib/adaptor/tracking.c
