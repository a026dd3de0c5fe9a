/*
 * The thread-safe adaptor: one mutex around every call into the upstream, for custom
 * resources that are not thread-safe themselves.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include <rmm/thread_safe.h>

#include "core/construct.h"

typedef struct thread_safe {
  rmm_resource_t *upstream;
  pthread_mutex_t lock; /* held around every call into the upstream */
} thread_safe_t;

static rmm_status_t thread_safe_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  thread_safe_t *ts = state;
  pthread_mutex_lock(&ts->lock);
  rmm_status_t status = rmm_allocate_aligned(ts->upstream, ptr, bytes, alignment, stream);
  pthread_mutex_unlock(&ts->lock);
  return status;
}

static rmm_status_t thread_safe_deallocate(void *state, void *ptr, size_t bytes, size_t alignment,
                                           rmm_stream_t stream)
{
  thread_safe_t *ts = state;
  pthread_mutex_lock(&ts->lock);
  rmm_status_t status = rmm_deallocate_aligned(ts->upstream, ptr, bytes, alignment, stream);
  pthread_mutex_unlock(&ts->lock);
  return status;
}

/* The adaptor adds nothing of its own: it reports the upstream, read under the same lock. */
static void thread_safe_get_stats(const void *state, rmm_resource_stats_t *out)
{
  thread_safe_t *ts = (thread_safe_t *)state;
  pthread_mutex_lock(&ts->lock);
  rmm_resource_get_stats(ts->upstream, out);
  pthread_mutex_unlock(&ts->lock);
}

static void thread_safe_destroy(void *state)
{
  thread_safe_t *ts = state;
  pthread_mutex_destroy(&ts->lock);
  free(ts);
}

static const rmm_impl_t thread_safe_impl = {
    .name = "thread_safe",
    .allocate = thread_safe_allocate,
    .deallocate = thread_safe_deallocate,
    .get_stats = thread_safe_get_stats,
    .destroy = thread_safe_destroy,
};

RMM_API rmm_status_t rmm_thread_safe_create(rmm_resource_t *upstream, rmm_resource_t **out)
{
  rmm_resource_t *up = NULL;
  rmm_status_t status = rmm__adaptor_begin("rmm_thread_safe_create", out);
  if (status == RMM_SUCCESS)
    status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  thread_safe_t *ts = calloc(1, sizeof *ts);
  if (ts == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_thread_safe_create: no host memory for the adaptor");
  ts->upstream = up;
  status = rmm__mutex_init("rmm_thread_safe_create", &ts->lock);
  if (status != RMM_SUCCESS) {
    free(ts);
    return status;
  }
  status = rmm__adaptor_finish(&thread_safe_impl, ts, up, out);
  if (status != RMM_SUCCESS)
    thread_safe_destroy(ts);
  return status;
}
