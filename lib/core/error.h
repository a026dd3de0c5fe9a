/*
 * Failure reporting: every failing path sets the thread's message through rmm__fail()
 * and returns its status, so "return rmm__fail(...)" is the one idiom for errors.
 */
#ifndef RMM_CORE_ERROR_H
#define RMM_CORE_ERROR_H

#include <stdbool.h>

#include <rmm/common.h>

#define RMM_FORMAT(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))

/* Sets the thread's message to the formatted text, logs it at debug level, returns `status`. */
rmm_status_t rmm__fail(rmm_status_t status, const char *fmt, ...) RMM_FORMAT(2, 3);

/* Whether `status` is one of rmm_status_t's failures (a caller's callback may return anything). */
bool rmm__is_error_status(rmm_status_t status);

/*
 * How many failures this thread has recorded. Around a call into code that may or may
 * not set a message (a caller's callback), compare the count before and after: a
 * failure then never reports a stale message from an unrelated earlier call, and a
 * success leaves the last message as it was.
 */
unsigned long rmm__fail_count(void);

/* The thread's message, CUDA error and failure count, put aside while cleanup code runs. */
typedef struct rmm_saved_error {
  char message[512];
  int cuda_error;
  unsigned long fail_count;
} rmm_saved_error_t;

/*
 * Around a release or other cleanup after a failure: whatever the cleanup reports
 * (a failed synchronize while a pool hands memory back) must not replace the failure
 * the caller is about to read.
 */
void rmm__error_save(rmm_saved_error_t *saved);
void rmm__error_restore(const rmm_saved_error_t *saved);

/* Records the CUDA error behind an RMM_ERROR_CUDA for rmm_last_cuda_error(). */
void rmm__set_last_cuda_error(int error);

/* Room for any rmm__format_bytes() result. */
#define RMM_BYTES_TEXT 32

/* Writes `bytes` in binary units with two decimals ("1.50 GiB", "512 B") and returns buf. */
const char *rmm__format_bytes(size_t bytes, char buf[RMM_BYTES_TEXT]);

#endif
