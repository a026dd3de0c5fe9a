# CPU tests of lib/suballoc.
check_PROGRAMS += tests/cpu/arena_test
TESTS += tests/cpu/arena_test
VALGRIND_TESTS += tests/cpu/arena_test
tests_cpu_arena_test_SOURCES = tests/cpu/arena_test.c
tests_cpu_arena_test_CPPFLAGS = $(test_cppflags)
tests_cpu_arena_test_LDFLAGS = $(test_ldflags)
