/*
 * The resource object: reference counting and the verbs every resource answers.
 * The verbs settle what is common to all families (NULL resource, 0 bytes, NULL
 * frees, alignment) so that each family's code sees only real requests.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/per_device.h"
#include "core/resource.h"

rmm_status_t rmm__resource_new(const rmm_impl_t *impl, void *state, unsigned properties, rmm_resource_t *upstream,
                               rmm_resource_t **out)
{
  rmm_resource_t *mr = malloc(sizeof *mr);
  if (mr == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the resource object", impl->name);
  mr->impl = impl;
  mr->state = state;
  mr->name = impl->name;
  mr->properties = properties;
  mr->upstream = rmm_resource_retain(upstream);
  atomic_init(&mr->refs, 1);
  mr->oom_dump = NULL;
  *out = mr;
  return RMM_SUCCESS;
}

void *rmm__resource_state(const rmm_resource_t *mr, const rmm_impl_t *impl)
{
  return mr != NULL && mr->impl == impl ? mr->state : NULL;
}

rmm_status_t rmm__resolve_resource(const rmm_resource_t *mr, rmm_resource_t **out)
{
  if (mr != NULL) {
    *out = (rmm_resource_t *)mr;
    return RMM_SUCCESS;
  }
  return rmm__get_current_device_resource(out);
}

void rmm__usage_stats(const rmm_usage_t *usage, bool reserved_is_in_use, rmm_resource_stats_t *out)
{
  out->bytes_in_use = atomic_load_explicit(&usage->in_use, memory_order_relaxed);
  out->peak_bytes_in_use = atomic_load_explicit(&usage->peak, memory_order_relaxed);
  out->flags |= RMM_STATS_IN_USE;
  if (reserved_is_in_use) {
    out->bytes_reserved = out->bytes_in_use;
    out->flags |= RMM_STATS_RESERVED;
  }
}

void rmm__reclaim_stats(const rmm_reclaim_t *reclaim, rmm_resource_stats_t *out)
{
  out->allocation_retries = atomic_load_explicit(&reclaim->retries, memory_order_relaxed);
  out->oom_failures = atomic_load_explicit(&reclaim->oom_failures, memory_order_relaxed);
  out->bytes_trimmed = atomic_load_explicit(&reclaim->bytes_trimmed, memory_order_relaxed);
  out->flags |= RMM_STATS_RECLAIM;
}

/*
 * The verbs with a NULL resource use the current device resource, held for the length
 * of the call so that another thread's set cannot destroy it underneath.
 */
static rmm_status_t acquire_current(const char *caller, rmm_resource_t **out)
{
  rmm_status_t status = rmm__acquire_current_device_resource(out);
  if (status != RMM_SUCCESS)
    return rmm__fail(status, "%s: no current device resource (%s)", caller, rmm_last_error_message());
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_allocate_aligned(rmm_resource_t *mr, void **ptr, size_t bytes, size_t alignment,
                                          rmm_stream_t stream)
{
  if (ptr == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_allocate: the output pointer is NULL");
  *ptr = NULL;
  if (!rmm__is_pow2(alignment))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_allocate: alignment %zu is not a power of two", alignment);
  if (bytes == 0)
    return RMM_SUCCESS;
  rmm_resource_t *held = NULL;
  if (mr == NULL) {
    rmm_status_t status = acquire_current("rmm_allocate", &held);
    if (status != RMM_SUCCESS)
      return status;
    mr = held;
  }
  rmm_status_t status = mr->impl->allocate(mr->state, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    *ptr = NULL;
  rmm_resource_release(held);
  return status;
}

RMM_API rmm_status_t rmm_allocate(rmm_resource_t *mr, void **ptr, size_t bytes, rmm_stream_t stream)
{
  return rmm_allocate_aligned(mr, ptr, bytes, RMM_ALLOCATION_ALIGNMENT, stream);
}

RMM_API rmm_status_t rmm_deallocate_aligned(rmm_resource_t *mr, void *ptr, size_t bytes, size_t alignment,
                                            rmm_stream_t stream)
{
  if (ptr == NULL)
    return RMM_SUCCESS;
  if (!rmm__is_pow2(alignment))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_deallocate: alignment %zu is not a power of two", alignment);
  rmm_resource_t *held = NULL;
  if (mr == NULL) {
    rmm_status_t status = acquire_current("rmm_deallocate", &held);
    if (status != RMM_SUCCESS)
      return status;
    mr = held;
  }
  rmm_status_t status = mr->impl->deallocate(mr->state, ptr, bytes, alignment, stream);
  rmm_resource_release(held);
  return status;
}

RMM_API rmm_status_t rmm_deallocate(rmm_resource_t *mr, void *ptr, size_t bytes, rmm_stream_t stream)
{
  return rmm_deallocate_aligned(mr, ptr, bytes, RMM_ALLOCATION_ALIGNMENT, stream);
}

RMM_API rmm_resource_t *rmm_resource_retain(rmm_resource_t *mr)
{
  if (mr != NULL)
    atomic_fetch_add_explicit(&mr->refs, 1, memory_order_relaxed);
  return mr;
}

RMM_API void rmm_resource_release(rmm_resource_t *mr)
{
  if (mr == NULL)
    return;
  /* Acquire-release: this thread's writes reach whoever destroys the object, and the
     destroyer sees everyone's (a fence would do, but ThreadSanitizer cannot see fences). */
  if (atomic_fetch_sub_explicit(&mr->refs, 1, memory_order_acq_rel) != 1)
    return;
  /* Releases often follow a failure: what destroy reports must not replace the caller's message. */
  rmm_saved_error_t saved;
  rmm__error_save(&saved);
  RMM_LOG(RMM_LOG_DEBUG, "%s resource %p destroyed", mr->name, (void *)mr);
  if (mr->impl->destroy != NULL)
    mr->impl->destroy(mr->state);
  rmm_resource_t *upstream = mr->upstream;
  free(mr->oom_dump);
  free(mr);
  rmm_resource_release(upstream);
  rmm__error_restore(&saved);
}

RMM_API unsigned rmm_resource_properties(const rmm_resource_t *mr)
{
  if (mr != NULL)
    return mr->properties;
  rmm_resource_t *held = NULL;
  (void)rmm__acquire_current_device_resource(&held);
  unsigned properties = held != NULL ? held->properties : 0;
  rmm_resource_release(held);
  return properties;
}

RMM_API bool rmm_resource_is_equal(const rmm_resource_t *a, const rmm_resource_t *b)
{
  if (a == NULL || b == NULL)
    return false;
  if (a == b)
    return true;
  if (a->impl != b->impl || a->impl->is_equal == NULL)
    return false;
  return a->impl->is_equal(a->state, b->state);
}

RMM_API const char *rmm_resource_name(const rmm_resource_t *mr) { return mr != NULL ? mr->name : "(null)"; }

RMM_API rmm_resource_t *rmm_resource_upstream(const rmm_resource_t *mr) { return mr != NULL ? mr->upstream : NULL; }

RMM_API rmm_status_t rmm_resource_get_stats(const rmm_resource_t *mr, rmm_resource_stats_t *out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_get_stats: the output is NULL");
  size_t wanted = out->struct_size;
  if (wanted < offsetof(rmm_resource_stats_t, bytes_in_use))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_resource_get_stats: struct_size %zu is too small; set it to sizeof(rmm_resource_stats_t)",
                     wanted);
  rmm_resource_t *held = NULL;
  if (mr == NULL) {
    rmm_status_t status = acquire_current("rmm_resource_get_stats", &held);
    if (status != RMM_SUCCESS)
      return status;
    mr = held;
  }
  rmm_resource_stats_t full;
  memset(&full, 0, sizeof full);
  full.struct_size = sizeof full;
  if (mr->impl->get_stats != NULL)
    mr->impl->get_stats(mr->state, &full);
  rmm_resource_release(held);
  /* Older callers get the prefix they know; struct_size tells them what was filled. */
  size_t filled = wanted < sizeof full ? wanted : sizeof full;
  full.struct_size = filled;
  memcpy(out, &full, filled);
  return RMM_SUCCESS;
}

/*
 * Each resource of the stack trims its own memory, top first: what a sub-allocator
 * gives back lands in its upstream, which may then hold more wholly free memory.
 */
RMM_API rmm_status_t rmm_resource_trim(rmm_resource_t *mr, size_t *bytes_released)
{
  size_t total = 0;
  if (bytes_released != NULL)
    *bytes_released = 0;
  rmm_resource_t *held = NULL;
  if (mr == NULL) {
    rmm_status_t status = acquire_current("rmm_resource_trim", &held);
    if (status != RMM_SUCCESS)
      return status;
    mr = held;
  }
  rmm_status_t status = RMM_SUCCESS;
  for (rmm_resource_t *level = mr; level != NULL && status == RMM_SUCCESS; level = level->upstream) {
    if (level->impl->trim == NULL)
      continue;
    size_t released = 0;
    status = level->impl->trim(level->state, &released);
    total += released;
    if (released != 0)
      RMM_LOG(RMM_LOG_DEBUG, "%s resource %p: trim gave back %zu bytes", level->name, (void *)level, released);
  }
  rmm_resource_release(held);
  if (bytes_released != NULL)
    *bytes_released = total;
  return status;
}

RMM_API rmm_status_t rmm_resource_reset_peak(rmm_resource_t *mr)
{
  rmm_resource_t *held = NULL;
  if (mr == NULL) {
    rmm_status_t status = acquire_current("rmm_resource_reset_peak", &held);
    if (status != RMM_SUCCESS)
      return status;
    mr = held;
  }
  for (rmm_resource_t *level = mr; level != NULL; level = level->upstream)
    if (level->impl->reset_peak != NULL)
      level->impl->reset_peak(level->state);
  rmm_resource_release(held);
  return RMM_SUCCESS;
}
