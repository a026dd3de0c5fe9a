/*
 * The failure-callback adaptor: when the upstream runs out of memory, a caller's hook
 * decides whether to try again (after spilling, trimming a cache, ...) or give up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <rmm/failure_callback.h>

#include "core/construct.h"

typedef struct failure_callback {
  rmm_resource_t *upstream;
  rmm_failure_callback_t callback;
  void *arg;
} failure_callback_t;

/* Room for the upstream's message while the callback runs (rmm__fail's own capacity). */
enum { MESSAGE_CAPACITY = 512 };

static rmm_status_t failure_callback_allocate(void *state, void **ptr, size_t bytes, size_t alignment,
                                              rmm_stream_t stream)
{
  failure_callback_t *fc = state;
  for (;;) {
    rmm_status_t status = rmm_allocate_aligned(fc->upstream, ptr, bytes, alignment, stream);
    if (status != RMM_ERROR_OUT_OF_MEMORY)
      return status;
    /* The callback may call librmm and overwrite the thread's message: keep the upstream's. */
    char message[MESSAGE_CAPACITY];
    snprintf(message, sizeof message, "%s", rmm_last_error_message());
    if (!fc->callback(bytes, fc->arg))
      return rmm__fail(status, "%s", message);
    RMM_LOG(RMM_LOG_DEBUG, "failure_callback: retrying an allocation of %zu bytes", bytes);
  }
}

static rmm_status_t failure_callback_deallocate(void *state, void *ptr, size_t bytes, size_t alignment,
                                                rmm_stream_t stream)
{
  failure_callback_t *fc = state;
  return rmm_deallocate_aligned(fc->upstream, ptr, bytes, alignment, stream);
}

/* Everything passes through, so the upstream's figures describe the adaptor. */
static void failure_callback_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const failure_callback_t *fc = state;
  rmm_resource_get_stats(fc->upstream, out);
}

static const rmm_impl_t failure_callback_impl = {
    .name = "failure_callback",
    .allocate = failure_callback_allocate,
    .deallocate = failure_callback_deallocate,
    .get_stats = failure_callback_get_stats,
    .destroy = free,
};

RMM_API rmm_status_t rmm_failure_callback_create(rmm_resource_t *upstream, rmm_failure_callback_t callback,
                                                 void *arg, rmm_resource_t **out)
{
  rmm_status_t status = rmm__adaptor_begin("rmm_failure_callback_create", out);
  if (status != RMM_SUCCESS)
    return status;
  if (callback == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_failure_callback_create: the callback is NULL");
  rmm_resource_t *up = NULL;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  failure_callback_t *fc = calloc(1, sizeof *fc);
  if (fc == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_failure_callback_create: no host memory for the adaptor");
  fc->upstream = up;
  fc->callback = callback;
  fc->arg = arg;
  status = rmm__adaptor_finish(&failure_callback_impl, fc, up, out);
  if (status != RMM_SUCCESS)
    free(fc);
  return status;
}
