# CPU tests of lib/container and lib/stream.
container_cpu_tests = tests/cpu/container_test tests/cpu/stream_test
check_PROGRAMS += $(container_cpu_tests)
TESTS += $(container_cpu_tests)
VALGRIND_TESTS += $(container_cpu_tests)

tests_cpu_container_test_SOURCES = tests/cpu/container_test.c
tests_cpu_container_test_CPPFLAGS = $(test_cppflags)
tests_cpu_container_test_LDFLAGS = $(test_ldflags)
tests_cpu_container_test_LDADD = $(LDADD) -lm
tests_cpu_stream_test_SOURCES = tests/cpu/stream_test.c
tests_cpu_stream_test_CPPFLAGS = $(test_cppflags)
tests_cpu_stream_test_LDFLAGS = $(test_ldflags)
