/**
 * @file rmm/log.h
 * @brief The debug log: what librmm's resources report about growth and failures.
 *
 * Lines go to stderr, or to the file named by the environment variable
 * `RMM_DEBUG_LOG_FILE` (created on the first line written). The initial level comes
 * from `RMM_LOG_LEVEL` (trace, debug, info, warn, error, critical or off), else info.
 */
#ifndef RMM_LOG_H
#define RMM_LOG_H

#include <rmm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Severity of a debug-log line; a level shows itself and everything above. */
typedef enum rmm_log_level {
  RMM_LOG_TRACE = 0,    /**< every allocation and free */
  RMM_LOG_DEBUG = 1,    /**< growth, stream merges, failures */
  RMM_LOG_INFO = 2,     /**< the default */
  RMM_LOG_WARN = 3,     /**< misconfiguration that librmm worked around */
  RMM_LOG_ERROR = 4,    /**< failures the caller may not see */
  RMM_LOG_CRITICAL = 5, /**< broken invariants */
  RMM_LOG_OFF = 6       /**< nothing is logged */
} rmm_log_level_t;

/**
 * @brief Sets the process-wide debug-log level.
 * @param level RMM_LOG_TRACE ... RMM_LOG_OFF.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for a value outside the enum.
 */
RMM_API rmm_status_t rmm_log_set_level(rmm_log_level_t level);

/**
 * @brief The current debug-log level.
 * @return the level set last, else the one from `RMM_LOG_LEVEL`, else RMM_LOG_INFO.
 */
RMM_API rmm_log_level_t rmm_log_get_level(void);

/**
 * @brief Sets the level from which each debug-log line is flushed as it is written.
 *
 * Lines of @p level and above reach the file at once; lower ones wait in the stream's
 * buffer until a later flush (rmm_log_flush(), a flushed line, exit). The default,
 * RMM_LOG_TRACE, flushes every line; RMM_LOG_OFF flushes none.
 * @param level RMM_LOG_TRACE ... RMM_LOG_OFF.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for a value outside the enum.
 */
RMM_API rmm_status_t rmm_log_set_flush_level(rmm_log_level_t level);

/**
 * @brief The level from which debug-log lines are flushed as they are written.
 * @return the level set last, else RMM_LOG_TRACE.
 */
RMM_API rmm_log_level_t rmm_log_get_flush_level(void);

/**
 * @brief Flushes the debug log's file or stream.
 * @return RMM_SUCCESS, or RMM_ERROR_IO if the flush failed.
 */
RMM_API rmm_status_t rmm_log_flush(void);

#ifdef __cplusplus
}
#endif

#endif
