/*
 * The logging adaptor: one CSV row per allocation, failure and free, in the format of
 * upstream RMM's logging_resource_adaptor, so that its replay benchmark and ours read
 * either library's logs. Rows are written whole under one lock and never interleave.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <rmm/logging.h>

#include "core/construct.h"

/* RMM's header row, byte for byte. */
static const char header[] = "Thread,Time,Action,Pointer,Size,Stream\n";

typedef struct logging {
  rmm_resource_t *upstream;
  FILE *file;
  char *file_name; /* NULL for a caller's stream */
  bool owns_file;  /* false for a caller's stream: never closed here */
  bool auto_flush;
  pthread_mutex_t lock; /* guards the file and write_failed */
  bool write_failed;    /* a row could not be written since the last flush */
} logging_t;

/* Room for "0x" and 16 hex digits, or "(nil)". */
enum { ADDRESS_TEXT = 24 };

/* The operating-system thread id, as RMM logs it; read once per thread. */
static long thread_id(void)
{
  static _Thread_local long id;
  if (id == 0)
    id = (long)syscall(SYS_gettid);
  return id;
}

/* A pointer as glibc's %p writes it: 0x and lower-case hex, "(nil)" for NULL. */
static void format_pointer(const void *ptr, char text[ADDRESS_TEXT])
{
  if (ptr == NULL)
    snprintf(text, ADDRESS_TEXT, "(nil)");
  else
    snprintf(text, ADDRESS_TEXT, "0x%" PRIxPTR, (uintptr_t)ptr);
}

/* A stream as RMM logs it (a pointer through an ostream): "0" for the default stream, else 0x and hex. */
static void format_stream(rmm_stream_t stream, char text[ADDRESS_TEXT])
{
  if (stream == NULL)
    snprintf(text, ADDRESS_TEXT, "0");
  else
    snprintf(text, ADDRESS_TEXT, "0x%" PRIxPTR, (uintptr_t)stream);
}

/*
 * Writes one row. A failed write cannot fail the allocation it describes; it is
 * remembered and reported by rmm_logging_flush(). The time is read under the lock so
 * that times never go backwards down the file.
 */
static void write_row(logging_t *lg, const char *action, const void *ptr, size_t bytes, rmm_stream_t stream)
{
  char pointer[ADDRESS_TEXT], stream_text[ADDRESS_TEXT];
  format_pointer(ptr, pointer);
  format_stream(stream, stream_text);
  long thread = thread_id();

  pthread_mutex_lock(&lg->lock);
  struct timeval now;
  gettimeofday(&now, NULL);
  time_t seconds = now.tv_sec;
  struct tm local;
  localtime_r(&seconds, &local);
  int written = fprintf(lg->file, "%ld,%02d:%02d:%02d.%06ld,%s,%s,%zu,%s\n", thread, local.tm_hour, local.tm_min,
                        local.tm_sec, (long)now.tv_usec, action, pointer, bytes, stream_text);
  if (written < 0 || (lg->auto_flush && fflush(lg->file) != 0))
    lg->write_failed = true;
  pthread_mutex_unlock(&lg->lock);
}

static rmm_status_t logging_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  logging_t *lg = state;
  rmm_status_t status = rmm_allocate_aligned(lg->upstream, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS)
    write_row(lg, "allocate", *ptr, bytes, stream);
  else
    write_row(lg, "allocate failure", NULL, bytes, stream);
  return status;
}

/* The row goes first: once the upstream has the memory back, another thread may log it as allocated. */
static rmm_status_t logging_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  logging_t *lg = state;
  write_row(lg, "free", ptr, bytes, stream);
  return rmm_deallocate_aligned(lg->upstream, ptr, bytes, alignment, stream);
}

/* Everything passes through, so the upstream's figures describe the adaptor. */
static void logging_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const logging_t *lg = state;
  rmm_resource_get_stats(lg->upstream, out);
}

static void logging_destroy(void *state)
{
  logging_t *lg = state;
  if (lg->owns_file)
    fclose(lg->file);
  else
    fflush(lg->file);
  free(lg->file_name);
  pthread_mutex_destroy(&lg->lock);
  free(lg);
}

static const rmm_impl_t logging_impl = {
    .name = "logging",
    .allocate = logging_allocate,
    .deallocate = logging_deallocate,
    .get_stats = logging_get_stats,
    .destroy = logging_destroy,
};

/*
 * Builds the adaptor over an open file and writes the header. `file_name` is copied;
 * an owned file is closed on failure.
 */
static rmm_status_t logging_new(const char *function, rmm_resource_t *upstream, FILE *file, const char *file_name,
                                bool auto_flush, rmm_resource_t **out)
{
  bool owns_file = file_name != NULL;
  logging_t *lg = calloc(1, sizeof *lg);
  char *name = owns_file ? strdup(file_name) : NULL;
  rmm_status_t status = lg == NULL || (owns_file && name == NULL)
                            ? rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the adaptor", function)
                            : rmm__mutex_init(function, &lg->lock);
  if (status != RMM_SUCCESS) {
    free(lg);
    free(name);
    if (owns_file)
      fclose(file);
    return status;
  }
  lg->upstream = upstream;
  lg->file = file;
  lg->file_name = name;
  lg->owns_file = owns_file;
  lg->auto_flush = auto_flush;

  if (fputs(header, file) < 0 || (auto_flush && fflush(file) != 0))
    status = rmm__fail(RMM_ERROR_IO, "%s: cannot write the log header to %s", function,
                       owns_file ? file_name : "the stream");
  if (status == RMM_SUCCESS)
    status = rmm__adaptor_finish(&logging_impl, lg, upstream, out);
  if (status != RMM_SUCCESS)
    logging_destroy(lg);
  return status;
}

RMM_API rmm_status_t rmm_logging_create(rmm_resource_t *upstream, const char *filename, bool auto_flush,
                                        rmm_resource_t **out)
{
  rmm_status_t status = rmm__adaptor_begin("rmm_logging_create", out);
  if (status != RMM_SUCCESS)
    return status;
  if (filename == NULL) {
    filename = getenv("RMM_LOG_FILE");
    if (filename == NULL || *filename == '\0')
      return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                       "rmm_logging_create: no file name was given and RMM_LOG_FILE is unset");
  }
  rmm_resource_t *up = NULL;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  FILE *file = fopen(filename, "w");
  if (file == NULL)
    return rmm__fail(RMM_ERROR_IO, "rmm_logging_create: cannot open '%s' for writing: %s", filename,
                     strerror(errno));
  return logging_new("rmm_logging_create", up, file, filename, auto_flush, out);
}

RMM_API rmm_status_t rmm_logging_create_from_file(rmm_resource_t *upstream, FILE *file, bool auto_flush,
                                                  rmm_resource_t **out)
{
  rmm_status_t status = rmm__adaptor_begin("rmm_logging_create_from_file", out);
  if (status != RMM_SUCCESS)
    return status;
  if (file == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_logging_create_from_file: the file is NULL");
  rmm_resource_t *up = NULL;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  return logging_new("rmm_logging_create_from_file", up, file, NULL, auto_flush, out);
}

RMM_API rmm_status_t rmm_logging_flush(rmm_resource_t *mr)
{
  logging_t *lg;
  rmm_status_t status = rmm__adaptor_state("rmm_logging_flush", mr, &logging_impl, (void **)&lg);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&lg->lock);
  bool failed = fflush(lg->file) != 0 || lg->write_failed;
  lg->write_failed = false;
  pthread_mutex_unlock(&lg->lock);
  if (failed)
    return rmm__fail(RMM_ERROR_IO, "rmm_logging_flush: writing the log to %s failed",
                     lg->file_name != NULL ? lg->file_name : "the stream");
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_logging_file_name(const rmm_resource_t *mr, const char **name)
{
  logging_t *lg;
  rmm_status_t status = rmm__adaptor_state("rmm_logging_file_name", mr, &logging_impl, (void **)&lg);
  if (status != RMM_SUCCESS)
    return status;
  if (name == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_logging_file_name: the output is NULL");
  *name = lg->file_name;
  return RMM_SUCCESS;
}
