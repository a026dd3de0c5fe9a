/* Helpers shared by the check suites. */
#ifndef RMM_TESTS_TEST_H
#define RMM_TESTS_TEST_H

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rmm/rmm.h>

/* Asserts success and shows the library's message when a call fails. */
#define RMM_CK(call)                                                                                                   \
  do {                                                                                                                 \
    rmm_status_t rmm_ck_status_ = (call);                                                                              \
    ck_assert_msg(rmm_ck_status_ == RMM_SUCCESS, "%s returned %s: %s", #call, rmm_status_string(rmm_ck_status_),      \
                  rmm_last_error_message());                                                                           \
  } while (0)

/* Asserts a given failure status. */
#define RMM_CK_STATUS(call, expected)                                                                                  \
  do {                                                                                                                 \
    rmm_status_t rmm_ck_status_ = (call);                                                                              \
    ck_assert_msg(rmm_ck_status_ == (expected), "%s returned %s, expected %s (message: %s)", #call,                   \
                  rmm_status_string(rmm_ck_status_), rmm_status_string(expected), rmm_last_error_message());          \
  } while (0)

/* Whether the message of the last failure contains `text`. */
#define RMM_CK_MESSAGE_HAS(text)                                                                                       \
  ck_assert_msg(strstr(rmm_last_error_message(), (text)) != NULL, "message '%s' lacks '%s'",                          \
                rmm_last_error_message(), (text))

/* Scales loop counts of stress tests: RMM_TEST_SCALE=0.1 for valgrind, 10 for soak runs. */
static inline size_t rmm_test_scaled(size_t count)
{
  const char *text = getenv("RMM_TEST_SCALE");
  double scale = text != NULL ? atof(text) : 1.0;
  if (scale <= 0)
    scale = 1.0;
  size_t scaled = (size_t)((double)count * scale);
  return scaled > 0 ? scaled : 1;
}

/* A small deterministic generator, so that failures reproduce. */
static inline uint64_t rmm_test_random(uint64_t *state)
{
  uint64_t x = *state += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* Runs one suite and turns its result into an exit status for automake. */
static inline int rmm_test_run(Suite *suite)
{
  SRunner *runner = srunner_create(suite);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
