/*
 * A fixed set of streams, created with one set of flags, handed out round robin. The counter is the only
 * shared state after creation, so handing out streams needs no lock. The streams are
 * registered (core/streams.h) for their whole life, so the sub-allocators treat them as
 * streams they know: no event at every free.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rmm/stream_pool.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"
#include "core/streams.h"

struct rmm_stream_pool {
  atomic_size_t next; /* the count of rmm_stream_pool_get() calls so far */
  size_t size;
  int device; /* current at creation: the streams belong to it */
  rmm_stream_t streams[];
};

/* Puts what the pool was doing in front of the runtime's message. */
static rmm_status_t creation_failed(rmm_status_t status, size_t index, size_t size)
{
  char cause[384];
  snprintf(cause, sizeof cause, "%s", rmm_last_error_message());
  return rmm__fail(status, "stream_pool: cannot create stream %zu of %zu: %s", index + 1, size, cause);
}

/* Unregisters (while the streams are still valid) and destroys the first `count` streams. */
static void destroy_streams(rmm_stream_pool_t *pool, size_t count)
{
  int previous;
  if (rmm__cuda_device_enter(pool->device, &previous) != RMM_SUCCESS)
    return;
  for (size_t i = 0; i < count; i++) {
    (void)rmm__stream_registry_remove(pool->streams[i]);
    rmm__cuda_stream_destroy(pool->streams[i]);
  }
  rmm__cuda_device_leave(pool->device, previous);
}

RMM_API rmm_status_t rmm_stream_pool_create_with_flags(size_t size, unsigned flags, rmm_stream_pool_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_stream_pool_create: the output pointer is NULL");
  *out = NULL;
  if ((flags & ~(unsigned)RMM_STREAM_FLAGS_NON_BLOCKING) != 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "stream_pool: unknown stream flags 0x%x (RMM_STREAM_FLAGS_SYNC_DEFAULT or "
                     "RMM_STREAM_FLAGS_NON_BLOCKING)",
                     flags);
  if (size == 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "stream_pool: the size must be at least 1 stream");
  if (size > (SIZE_MAX - sizeof(rmm_stream_pool_t)) / sizeof(rmm_stream_t))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "stream_pool: %zu streams are too many", size);

  rmm_stream_pool_t *pool = malloc(sizeof *pool + size * sizeof(rmm_stream_t));
  if (pool == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "stream_pool: no host memory for a pool of %zu streams", size);
  atomic_init(&pool->next, 0);
  pool->size = size;
  rmm_status_t status = rmm__cuda_get_device(&pool->device);
  if (status != RMM_SUCCESS) {
    free(pool);
    return creation_failed(status, 0, size);
  }
  for (size_t i = 0; i < size; i++) {
    status = rmm__cuda_stream_create_with_flags(flags, &pool->streams[i]);
    if (status == RMM_SUCCESS) {
      status = rmm__stream_registry_add(pool->streams[i]);
      if (status != RMM_SUCCESS)
        rmm__cuda_stream_destroy(pool->streams[i]);
    }
    if (status != RMM_SUCCESS) {
      destroy_streams(pool, i);
      free(pool);
      return creation_failed(status, i, size);
    }
  }
  RMM_LOG(RMM_LOG_DEBUG, "stream_pool %p: %zu streams (flags 0x%x) on device %d", (void *)pool, size, flags,
          pool->device);
  *out = pool;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_stream_pool_create(size_t size, rmm_stream_pool_t **out)
{
  return rmm_stream_pool_create_with_flags(size, RMM_STREAM_FLAGS_NON_BLOCKING, out);
}

RMM_API void rmm_stream_pool_destroy(rmm_stream_pool_t *pool)
{
  if (pool == NULL)
    return;
  destroy_streams(pool, pool->size);
  free(pool);
}

RMM_API rmm_status_t rmm_stream_pool_get(rmm_stream_pool_t *pool, rmm_stream_t *stream)
{
  if (pool == NULL || stream == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_stream_pool_get: the %s is NULL",
                     pool == NULL ? "pool" : "output pointer");
  size_t turn = atomic_fetch_add_explicit(&pool->next, 1, memory_order_relaxed);
  *stream = pool->streams[turn % pool->size];
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_stream_pool_get_at(const rmm_stream_pool_t *pool, size_t index, rmm_stream_t *stream)
{
  if (pool == NULL || stream == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_stream_pool_get_at: the %s is NULL",
                     pool == NULL ? "pool" : "output pointer");
  *stream = pool->streams[index % pool->size];
  return RMM_SUCCESS;
}

RMM_API size_t rmm_stream_pool_size(const rmm_stream_pool_t *pool) { return pool != NULL ? pool->size : 0; }
