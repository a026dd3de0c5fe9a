# lib/framework: C entry points that frameworks (PyTorch pluggable allocators) load.
rmminclude_HEADERS += include/rmm/framework.h
lib_librmm_la_SOURCES += lib/framework/torch.c
