# CPU tests of lib/adaptor: every adaptor over host and custom upstreams (adaptor_mock.c).
adaptor_cpu_tests = \
	tests/cpu/adaptor_test \
	tests/cpu/aligned_test \
	tests/cpu/limiting_test \
	tests/cpu/logging_test \
	tests/cpu/statistics_test \
	tests/cpu/tracking_test \
	tests/cpu/passthrough_test \
	tests/cpu/ptr_map_test
check_PROGRAMS += $(adaptor_cpu_tests)
TESTS += $(adaptor_cpu_tests)
VALGRIND_TESTS += $(adaptor_cpu_tests)
EXTRA_DIST += tests/cpu/adaptor_mock.h

adaptor_mock = tests/cpu/adaptor_mock.c
tests_cpu_adaptor_test_SOURCES = tests/cpu/adaptor_test.c $(adaptor_mock)
tests_cpu_adaptor_test_CPPFLAGS = $(test_cppflags)
tests_cpu_adaptor_test_LDFLAGS = $(test_ldflags)
tests_cpu_aligned_test_SOURCES = tests/cpu/aligned_test.c $(adaptor_mock)
tests_cpu_aligned_test_CPPFLAGS = $(test_cppflags)
tests_cpu_aligned_test_LDFLAGS = $(test_ldflags)
tests_cpu_limiting_test_SOURCES = tests/cpu/limiting_test.c $(adaptor_mock)
tests_cpu_limiting_test_CPPFLAGS = $(test_cppflags)
tests_cpu_limiting_test_LDFLAGS = $(test_ldflags)
tests_cpu_logging_test_SOURCES = tests/cpu/logging_test.c $(adaptor_mock)
tests_cpu_logging_test_CPPFLAGS = $(test_cppflags)
tests_cpu_logging_test_LDFLAGS = $(test_ldflags)
tests_cpu_statistics_test_SOURCES = tests/cpu/statistics_test.c $(adaptor_mock)
tests_cpu_statistics_test_CPPFLAGS = $(test_cppflags)
tests_cpu_statistics_test_LDFLAGS = $(test_ldflags)
tests_cpu_tracking_test_SOURCES = tests/cpu/tracking_test.c $(adaptor_mock)
tests_cpu_tracking_test_CPPFLAGS = $(test_cppflags)
tests_cpu_tracking_test_LDFLAGS = $(test_ldflags)
tests_cpu_passthrough_test_SOURCES = tests/cpu/passthrough_test.c $(adaptor_mock)
tests_cpu_passthrough_test_CPPFLAGS = $(test_cppflags)
tests_cpu_passthrough_test_LDFLAGS = $(test_ldflags)
# The address table is internal: its test compiles it in.
tests_cpu_ptr_map_test_SOURCES = tests/cpu/ptr_map_test.c lib/core/ptr_map.c
tests_cpu_ptr_map_test_CPPFLAGS = $(test_cppflags)
tests_cpu_ptr_map_test_LDFLAGS = $(test_ldflags)
