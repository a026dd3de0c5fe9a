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

# rmm-replay end to end; make_log writes the logs it replays (and wrote examples/replay/example.csv).
check_PROGRAMS += examples/replay/make_log
examples_replay_make_log_SOURCES = examples/replay/make_log.c
examples_replay_make_log_LDFLAGS = $(test_ldflags) -pthread
examples_replay_make_log_LDADD = lib/librmm.la
TESTS += tests/cpu/replay_test.sh
EXTRA_DIST += tests/cpu/replay_test.sh examples/replay/example.csv
TESTS += tests/cpu/replay_plot_test.sh
EXTRA_DIST += tests/cpu/replay_plot_test.sh
