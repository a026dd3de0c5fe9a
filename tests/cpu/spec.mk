# CPU tests of lib/spec: the parser and builder, RMM_RESOURCE, and rmm-replay.
spec_cpu_tests = tests/cpu/spec_test tests/cpu/spec_env_test
check_PROGRAMS += $(spec_cpu_tests)
TESTS += $(spec_cpu_tests)
VALGRIND_TESTS += $(spec_cpu_tests)

tests_cpu_spec_test_SOURCES = tests/cpu/spec_test.c
tests_cpu_spec_test_CPPFLAGS = $(test_cppflags)
tests_cpu_spec_test_LDFLAGS = $(test_ldflags)
tests_cpu_spec_env_test_SOURCES = tests/cpu/spec_env_test.c
tests_cpu_spec_env_test_CPPFLAGS = $(test_cppflags)
tests_cpu_spec_env_test_LDFLAGS = $(test_ldflags)
