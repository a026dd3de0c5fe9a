/*
 * Failure reporting: every failing path sets the thread's message through rmm__fail()
 * and returns its status, so "return rmm__fail(...)" is the one idiom for errors.
 */
#ifndef RMM_CORE_ERROR_H
#define RMM_CORE_ERROR_H

#include <rmm/common.h>

#define RMM_FORMAT(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))

/* Sets the thread's message to the formatted text, logs it at debug level, returns `status`. */
rmm_status_t rmm__fail(rmm_status_t status, const char *fmt, ...) RMM_FORMAT(2, 3);

/* Records the CUDA error behind an RMM_ERROR_CUDA for rmm_last_cuda_error(). */
void rmm__set_last_cuda_error(int error);

/* Room for any rmm__format_bytes() result. */
#define RMM_BYTES_TEXT 32

/* Writes `bytes` in binary units with two decimals ("1.50 GiB", "512 B") and returns buf. */
const char *rmm__format_bytes(size_t bytes, char buf[RMM_BYTES_TEXT]);

#endif
