lib_librmm_la_SOURCES += lib/device/default.c
