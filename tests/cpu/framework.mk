# CPU tests of lib/framework: the pluggable-allocator entry points over host resources.
check_PROGRAMS += tests/cpu/framework_test
TESTS += tests/cpu/framework_test
VALGRIND_TESTS += tests/cpu/framework_test
tests_cpu_framework_test_SOURCES = tests/cpu/framework_test.c
tests_cpu_framework_test_CPPFLAGS = $(test_cppflags)
tests_cpu_framework_test_LDFLAGS = $(test_ldflags)
