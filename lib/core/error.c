/* Status names, the thread's last message, and byte formatting for messages. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"

enum { MESSAGE_CAPACITY = 512 };

static _Thread_local char last_message[MESSAGE_CAPACITY];
static _Thread_local int last_cuda_error;
static _Thread_local unsigned long fail_count;

/* Every status's text, indexed by its value: the one list of what is an rmm_status_t. */
static const char *const status_texts[] = {
    [RMM_SUCCESS] = "success",
    [RMM_ERROR_INVALID_ARGUMENT] = "invalid argument",
    [RMM_ERROR_OUT_OF_MEMORY] = "out of memory",
    [RMM_ERROR_BAD_ALLOC] = "bad allocation",
    [RMM_ERROR_CUDA] = "CUDA error",
    [RMM_ERROR_NOT_SUPPORTED] = "not supported",
    [RMM_ERROR_IO] = "I/O error",
};

bool rmm__is_error_status(rmm_status_t status)
{
  return (unsigned)status < sizeof status_texts / sizeof status_texts[0] && status != RMM_SUCCESS;
}

RMM_API const char *rmm_status_string(rmm_status_t status)
{
  return status == RMM_SUCCESS || rmm__is_error_status(status) ? status_texts[status] : "unknown status";
}

RMM_API const char *rmm_last_error_message(void) { return last_message; }

RMM_API int rmm_last_cuda_error(void) { return last_cuda_error; }

void rmm__set_last_cuda_error(int error) { last_cuda_error = error; }

_Static_assert(sizeof((rmm_saved_error_t *)0)->message == MESSAGE_CAPACITY, "a saved message holds a whole one");

void rmm__error_save(rmm_saved_error_t *saved)
{
  memcpy(saved->message, last_message, sizeof saved->message);
  saved->cuda_error = last_cuda_error;
  saved->fail_count = fail_count;
}

void rmm__error_restore(const rmm_saved_error_t *saved)
{
  memcpy(last_message, saved->message, sizeof last_message);
  last_cuda_error = saved->cuda_error;
  fail_count = saved->fail_count;
}

unsigned long rmm__fail_count(void) { return fail_count; }

/*
 * Formats into a local buffer first: an argument may be the thread's message itself
 * ("...: %s", rmm_last_error_message()), and vsnprintf must not write over its input.
 */
rmm_status_t rmm__fail(rmm_status_t status, const char *fmt, ...)
{
  char message[MESSAGE_CAPACITY];
  va_list args;
  va_start(args, fmt);
  vsnprintf(message, sizeof message, fmt, args);
  va_end(args);
  memcpy(last_message, message, sizeof last_message);
  fail_count++;
  if (status != RMM_ERROR_CUDA)
    last_cuda_error = 0;
  RMM_LOG(RMM_LOG_DEBUG, "%s: %s", rmm_status_string(status), last_message);
  return status;
}

const char *rmm__format_bytes(size_t bytes, char buf[RMM_BYTES_TEXT])
{
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    snprintf(buf, RMM_BYTES_TEXT, "%zu B", bytes);
    return buf;
  }
  double value = (double)bytes;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
    value /= 1024.0;
    unit++;
  }
  snprintf(buf, RMM_BYTES_TEXT, "%.2f %s", value, units[unit]);
  return buf;
}
