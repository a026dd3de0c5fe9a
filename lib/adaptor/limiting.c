/*
 * The limiting adaptor: a cap on the bytes allocated through it. The bytes are claimed
 * before the upstream is asked, with one compare-and-swap, so concurrent requests can
 * never pass the limit together and a refused request allocates nothing.
 */
#include "config.h"

#include <stdlib.h>

#include <rmm/limiting.h>

#include "core/construct.h"

typedef struct limiting {
  rmm_resource_t *upstream;
  size_t limit;
  size_t alignment; /* sizes are counted rounded up to this */
  rmm_usage_t usage;
} limiting_t;

/* The bytes a request counts for; SIZE_MAX (always over any limit) when rounding overflows. */
static size_t counted_size(const limiting_t *lim, size_t bytes)
{
  size_t counted;
  return rmm__align_up(bytes, lim->alignment, &counted) ? counted : SIZE_MAX;
}

static rmm_status_t limiting_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  limiting_t *lim = state;
  size_t counted = counted_size(lim, bytes);
  size_t in_use;
  if (!rmm__usage_try_add(&lim->usage, counted, lim->limit, &in_use)) {
    char size[RMM_BYTES_TEXT], used[RMM_BYTES_TEXT], limit[RMM_BYTES_TEXT];
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
                     "limiting: out of memory (failed to allocate %s = %zu bytes; %s of limit %s in use)",
                     rmm__format_bytes(bytes, size), bytes, rmm__format_bytes(in_use, used),
                     rmm__format_bytes(lim->limit, limit));
  }
  rmm_status_t status = rmm_allocate_aligned(lim->upstream, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    rmm__usage_sub(&lim->usage, counted);
  return status;
}

static rmm_status_t limiting_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  limiting_t *lim = state;
  rmm_status_t status = rmm_deallocate_aligned(lim->upstream, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS)
    rmm__usage_sub_saturating(&lim->usage, counted_size(lim, bytes));
  return status;
}

static void limiting_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const limiting_t *lim = state;
  rmm__usage_stats(&lim->usage, false, out);
}

static void limiting_reset_peak(void *state)
{
  limiting_t *lim = state;
  rmm__usage_reset_peak(&lim->usage);
}

static const rmm_impl_t limiting_impl = {
    .name = "limiting",
    .allocate = limiting_allocate,
    .deallocate = limiting_deallocate,
    .get_stats = limiting_get_stats,
    .destroy = free,
    .reset_peak = limiting_reset_peak,
};

RMM_API rmm_status_t rmm_limiting_create(rmm_resource_t *upstream, size_t limit, size_t alignment,
                                         rmm_resource_t **out)
{
  rmm_status_t status = rmm__adaptor_begin("rmm_limiting_create", out);
  if (status != RMM_SUCCESS)
    return status;
  if (alignment == 0)
    alignment = RMM_ALLOCATION_ALIGNMENT;
  if (!rmm__is_pow2(alignment))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_limiting_create: alignment %zu is not a power of two",
                     alignment);
  rmm_resource_t *up = NULL;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  limiting_t *lim = calloc(1, sizeof *lim);
  if (lim == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_limiting_create: no host memory for the adaptor");
  lim->upstream = up;
  lim->limit = limit;
  lim->alignment = alignment;
  status = rmm__adaptor_finish(&limiting_impl, lim, up, out);
  if (status != RMM_SUCCESS)
    free(lim);
  return status;
}

/* Checks the arguments of a query and finds the adaptor's state. */
static rmm_status_t query(const char *function, const rmm_resource_t *mr, const size_t *bytes, limiting_t **lim)
{
  rmm_status_t status = rmm__adaptor_state(function, mr, &limiting_impl, (void **)lim);
  if (status == RMM_SUCCESS && bytes == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output is NULL", function);
  return status;
}

RMM_API rmm_status_t rmm_limiting_allocated(const rmm_resource_t *mr, size_t *bytes)
{
  limiting_t *lim;
  rmm_status_t status = query("rmm_limiting_allocated", mr, bytes, &lim);
  if (status == RMM_SUCCESS)
    *bytes = atomic_load_explicit(&lim->usage.in_use, memory_order_relaxed);
  return status;
}

RMM_API rmm_status_t rmm_limiting_limit(const rmm_resource_t *mr, size_t *bytes)
{
  limiting_t *lim;
  rmm_status_t status = query("rmm_limiting_limit", mr, bytes, &lim);
  if (status == RMM_SUCCESS)
    *bytes = lim->limit;
  return status;
}
