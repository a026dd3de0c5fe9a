# lib/spec: the resource spec parser (parse.c), the table of families (families.c) and
# the builder that joins them (build.c).
rmminclude_HEADERS += include/rmm/spec.h
lib_librmm_la_SOURCES += \
	lib/spec/build.c \
	lib/spec/families.c lib/spec/families.h \
	lib/spec/parse.c lib/spec/parse.h \
	lib/spec/size.c lib/spec/size.h
