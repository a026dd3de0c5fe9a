# Fuzz drivers of the spec parser and the replay reader: plain programs (no clang needed)
# that run a target over a corpus and seeded mutations of it. `make check` and the
# sanitizer stage of CI run them for a bounded time; tests/fuzz/README says how to run
# them longer, or under libFuzzer.
fuzz_programs = tests/fuzz/spec_fuzz tests/fuzz/replay_fuzz
check_PROGRAMS += $(fuzz_programs)
FUZZ_TESTS = tests/fuzz/fuzz_test.sh
TESTS += $(FUZZ_TESTS)
fuzz_cppflags = $(AM_CPPFLAGS) -D_GNU_SOURCE -I$(top_srcdir)/tests -I$(top_srcdir)/tools
tests_fuzz_spec_fuzz_SOURCES = tests/fuzz/spec_fuzz.c tests/fuzz/driver.h lib/spec/size.c
tests_fuzz_spec_fuzz_CPPFLAGS = $(fuzz_cppflags)
tests_fuzz_spec_fuzz_LDADD = lib/librmm.la
tests_fuzz_spec_fuzz_LDFLAGS = $(test_ldflags)
tests_fuzz_replay_fuzz_SOURCES = tests/fuzz/replay_fuzz.c tests/fuzz/driver.h tools/replay_log.c
tests_fuzz_replay_fuzz_CPPFLAGS = $(fuzz_cppflags)
tests_fuzz_replay_fuzz_LDADD =
tests_fuzz_replay_fuzz_LDFLAGS = $(test_ldflags)
EXTRA_DIST += tests/fuzz/fuzz_test.sh tests/fuzz/README tests/fuzz/corpus
