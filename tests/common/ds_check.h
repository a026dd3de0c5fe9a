/* Checks for the long loops of the data-structure tests (ds_test, arena_ds_test). */
#ifndef RMM_TESTS_DS_CHECK_H
#define RMM_TESTS_DS_CHECK_H

#include <stdint.h>

#include <check.h>

/* ck_assert reports every passing check to the runner through a pipe, which would
   dominate the long loops here; these fail the same way but cost nothing while they hold. */
#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      ck_abort_msg("check failed: %s", #cond);                                                                         \
  } while (0)
#define CHECK_MSG(cond, ...)                                                                                           \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      ck_abort_msg(__VA_ARGS__);                                                                                       \
  } while (0)
#define CHECK_EQ(a, b)                                                                                                 \
  do {                                                                                                                 \
    uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                                                                \
    if (a_ != b_)                                                                                                      \
      ck_abort_msg("check failed: %s == %s (%ju != %ju)", #a, #b, a_, b_);                                             \
  } while (0)

#endif
