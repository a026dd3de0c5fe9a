/* The debug log as the library writes to it. */
#ifndef RMM_CORE_LOG_H
#define RMM_CORE_LOG_H

#include <rmm/log.h>

#include "core/error.h"

/* Whether a line of `level` would be written: one relaxed load, cheap on fast paths. */
bool rmm__log_enabled(rmm_log_level_t level);

/* Writes one line "[thread][time][level] text" to the debug log. */
void rmm__log_write(rmm_log_level_t level, const char *fmt, ...) RMM_FORMAT(2, 3);

/* Formats the arguments only when the line will be written. */
#define RMM_LOG(level, ...)                                                                                            \
  do {                                                                                                                 \
    if (rmm__log_enabled(level))                                                                                       \
      rmm__log_write(level, __VA_ARGS__);                                                                              \
  } while (0)

#endif
