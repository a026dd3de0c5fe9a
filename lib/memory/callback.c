/* RMM's callback resource: two plain functions and an argument, for callers who need no more. */
#include "config.h"

#include <stdlib.h>

#include "core/construct.h"
#include "core/error.h"
#include "core/resource.h"

typedef struct callback {
  rmm_allocate_callback_t allocate;
  rmm_deallocate_callback_t deallocate;
  void *arg;
  rmm_usage_t usage;
} callback_t;

static rmm_status_t callback_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  callback_t *callback = state;
  /* The callbacks take no alignment: they promise the default, and no more can be asked. */
  if (alignment > RMM_ALLOCATION_ALIGNMENT)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "callback: alignment %zu is larger than the callbacks guarantee (%zu); use an aligned adaptor",
                     alignment, (size_t)RMM_ALLOCATION_ALIGNMENT);
  *ptr = callback->allocate(bytes, stream, callback->arg);
  if (*ptr == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "callback: the allocate callback returned NULL for %zu bytes", bytes);
  rmm__usage_add(&callback->usage, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t callback_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  callback_t *callback = state;
  callback->deallocate(ptr, bytes, stream, callback->arg);
  rmm__usage_sub_saturating(&callback->usage, bytes);
  return RMM_SUCCESS;
}

static void callback_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const callback_t *callback = state;
  rmm__usage_stats(&callback->usage, false, out);
}

static void callback_reset_peak(void *state)
{
  callback_t *callback = state;
  rmm__usage_reset_peak(&callback->usage);
}

static const rmm_impl_t callback_impl = {
    .name = "callback",
    .allocate = callback_allocate,
    .deallocate = callback_deallocate,
    .get_stats = callback_get_stats,
    .destroy = free,
    .reset_peak = callback_reset_peak,
};

RMM_API rmm_status_t rmm_callback_create(rmm_allocate_callback_t allocate, rmm_deallocate_callback_t deallocate,
                                         void *arg, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_callback_create: the output pointer is NULL");
  *out = NULL;
  if (allocate == NULL || deallocate == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_callback_create: both callbacks are required");
  callback_t *callback = calloc(1, sizeof *callback);
  if (callback == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_callback_create: no host memory for the resource");
  callback->allocate = allocate;
  callback->deallocate = deallocate;
  callback->arg = arg;
  rmm_status_t status = rmm__resource_new(&callback_impl, callback, RMM_DEVICE_ACCESSIBLE, NULL, out);
  if (status != RMM_SUCCESS)
    free(callback);
  return status;
}
