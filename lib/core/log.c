/*
 * The debug log. The level is read from RMM_LOG_LEVEL once; the sink is opened on the
 * first line written, so a program that logs nothing creates no file.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "core/log.h"

/* -1 until the environment has been read. */
static atomic_int current_level = -1;

/* Lines at or above this level are flushed as they are written; trace flushes every line. */
static atomic_int flush_level = RMM_LOG_TRACE;

static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *sink;
static bool sink_failed;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

static int level_from_environment(void)
{
  const char *text = getenv("RMM_LOG_LEVEL");
  if (text == NULL || *text == '\0')
    return RMM_LOG_INFO;
  for (int level = RMM_LOG_TRACE; level <= RMM_LOG_OFF; level++)
    if (strcasecmp(text, level_names[level]) == 0)
      return level;
  if (strcasecmp(text, "warning") == 0)
    return RMM_LOG_WARN;
  if (text[0] >= '0' && text[0] <= '6' && text[1] == '\0')
    return text[0] - '0';
  fprintf(stderr, "librmm: RMM_LOG_LEVEL='%s' is not one of trace, debug, info, warn, error, critical, off; "
                  "using info\n", text);
  return RMM_LOG_INFO;
}

static int load_level(void)
{
  int level = atomic_load_explicit(&current_level, memory_order_relaxed);
  if (level < 0) {
    int expected = -1;
    int from_env = level_from_environment();
    /* A concurrent rmm_log_set_level() wins over the environment. */
    atomic_compare_exchange_strong(&current_level, &expected, from_env);
    level = atomic_load(&current_level);
  }
  return level;
}

RMM_API rmm_status_t rmm_log_set_level(rmm_log_level_t level)
{
  if ((int)level < RMM_LOG_TRACE || (int)level > RMM_LOG_OFF)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_log_set_level: %d is not a log level (0 trace ... 6 off)",
                     (int)level);
  atomic_store(&current_level, (int)level);
  return RMM_SUCCESS;
}

RMM_API rmm_log_level_t rmm_log_get_level(void) { return (rmm_log_level_t)load_level(); }

RMM_API rmm_status_t rmm_log_set_flush_level(rmm_log_level_t level)
{
  if ((int)level < RMM_LOG_TRACE || (int)level > RMM_LOG_OFF)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_log_set_flush_level: %d is not a log level (0 trace ... 6 off)", (int)level);
  atomic_store(&flush_level, (int)level);
  return RMM_SUCCESS;
}

RMM_API rmm_log_level_t rmm_log_get_flush_level(void) { return (rmm_log_level_t)atomic_load(&flush_level); }

bool rmm__log_enabled(rmm_log_level_t level)
{
  int threshold = load_level();
  return threshold != RMM_LOG_OFF && (int)level >= threshold;
}

/* Called with sink_lock held. */
static FILE *open_sink(void)
{
  if (sink != NULL || sink_failed)
    return sink;
  const char *path = getenv("RMM_DEBUG_LOG_FILE");
  if (path == NULL || *path == '\0') {
    sink = stderr;
    return sink;
  }
  sink = fopen(path, "w");
  if (sink == NULL) {
    sink_failed = true;
    fprintf(stderr, "librmm: cannot open RMM_DEBUG_LOG_FILE '%s' for writing; the debug log is off\n", path);
  }
  return sink;
}

void rmm__log_write(rmm_log_level_t level, const char *fmt, ...)
{
  struct timeval now;
  gettimeofday(&now, NULL);
  struct tm local;
  time_t seconds = now.tv_sec;
  localtime_r(&seconds, &local);
  long thread = (long)syscall(SYS_gettid);

  char text[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof text, fmt, args);
  va_end(args);

  pthread_mutex_lock(&sink_lock);
  FILE *out = open_sink();
  if (out != NULL) {
    fprintf(out, "[%6ld][%02d:%02d:%02d.%06ld][%-8s] %s\n", thread, local.tm_hour, local.tm_min, local.tm_sec,
            (long)now.tv_usec, level_names[level], text);
    /* By default each line is flushed: the log is read most when a program dies. */
    if ((int)level >= atomic_load(&flush_level))
      fflush(out);
  }
  pthread_mutex_unlock(&sink_lock);
}

RMM_API rmm_status_t rmm_log_flush(void)
{
  int failed = 0;
  pthread_mutex_lock(&sink_lock);
  if (sink != NULL)
    failed = fflush(sink);
  pthread_mutex_unlock(&sink_lock);
  if (failed != 0)
    return rmm__fail(RMM_ERROR_IO, "rmm_log_flush: the debug log could not be written");
  return RMM_SUCCESS;
}
