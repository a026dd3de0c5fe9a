# CPU tests: run anywhere; host and simulated resources, no GPU needed.
cpu_tests = \
	tests/cpu/core_test \
	tests/cpu/memory_test \
	tests/cpu/log_test \
	tests/cpu/per_device_test \
	tests/cpu/trim_test \
	tests/cpu/harden_test \
	tests/cpu/default_race_test
check_PROGRAMS += $(cpu_tests)
TESTS += $(cpu_tests) tests/cpu/symbols.sh tests/cpu/manpages.sh tests/cpu/synopsis.sh
EXTRA_DIST += tests/cpu/symbols.sh tests/cpu/manpages.sh tests/cpu/synopsis.sh
VALGRIND_TESTS += $(cpu_tests)

tests_cpu_core_test_SOURCES = tests/cpu/core_test.c
tests_cpu_core_test_CPPFLAGS = $(test_cppflags)
tests_cpu_core_test_LDFLAGS = $(test_ldflags)
tests_cpu_memory_test_SOURCES = tests/cpu/memory_test.c
tests_cpu_memory_test_CPPFLAGS = $(test_cppflags)
tests_cpu_memory_test_LDFLAGS = $(test_ldflags)
tests_cpu_log_test_SOURCES = tests/cpu/log_test.c
tests_cpu_log_test_CPPFLAGS = $(test_cppflags)
tests_cpu_log_test_LDFLAGS = $(test_ldflags)
tests_cpu_per_device_test_SOURCES = tests/cpu/per_device_test.c
tests_cpu_per_device_test_CPPFLAGS = $(test_cppflags)
tests_cpu_per_device_test_LDFLAGS = $(test_ldflags)
tests_cpu_trim_test_SOURCES = tests/cpu/trim_test.c
tests_cpu_trim_test_CPPFLAGS = $(test_cppflags)
tests_cpu_trim_test_LDFLAGS = $(test_ldflags)
tests_cpu_harden_test_SOURCES = tests/cpu/harden_test.c
tests_cpu_harden_test_CPPFLAGS = $(test_cppflags)
tests_cpu_harden_test_LDFLAGS = $(test_ldflags)
tests_cpu_default_race_test_SOURCES = tests/cpu/default_race_test.c
tests_cpu_default_race_test_CPPFLAGS = $(test_cppflags)
tests_cpu_default_race_test_LDFLAGS = $(test_ldflags) -pthread
include $(srcdir)/tests/cpu/suballoc.mk
include $(srcdir)/tests/cpu/adaptor.mk
include $(srcdir)/tests/cpu/container.mk
include $(srcdir)/tests/cpu/spec.mk
include $(srcdir)/tests/cpu/framework.mk

# Snapshots, history, out-of-memory reports (lib/core/snapshot.c, history.c).
check_PROGRAMS += tests/cpu/snapshot_test
TESTS += tests/cpu/snapshot_test
VALGRIND_TESTS += tests/cpu/snapshot_test
tests_cpu_snapshot_test_SOURCES = tests/cpu/snapshot_test.c
tests_cpu_snapshot_test_CPPFLAGS = $(test_cppflags)
tests_cpu_snapshot_test_LDFLAGS = $(test_ldflags)
