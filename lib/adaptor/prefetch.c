/*
 * The prefetch adaptor: each allocation is prefetched to the current device on its
 * stream, so the first kernel to touch managed memory does not fault its pages in.
 */
#include "config.h"

#include <stdlib.h>

#include <rmm/prefetch.h>

#include "core/construct.h"
#include "core/cuda.h"

typedef struct prefetch {
  rmm_resource_t *upstream;
  bool device_accessible; /* false: host-only memory, no CUDA call at all */
} prefetch_t;

/*
 * Prefetches to the current device where it can migrate pages while kernels run. With
 * no usable device (a custom device-accessible resource on a machine without a GPU)
 * there is nowhere to prefetch to, which is no failure.
 */
static rmm_status_t prefetch_to_device(void *ptr, size_t bytes, rmm_stream_t stream)
{
  int device = rmm__cuda_current_device();
  bool supported = false;
  rmm_status_t status = rmm__cuda_concurrent_managed_access(device, &supported);
  if (status != RMM_SUCCESS)
    return rmm__cuda_error_is_no_device(rmm_last_cuda_error()) ? RMM_SUCCESS : status;
  if (!supported)
    return RMM_SUCCESS;
  bool migrated;
  return rmm__cuda_prefetch(ptr, bytes, device, stream, &migrated);
}

static rmm_status_t prefetch_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  prefetch_t *pf = state;
  rmm_status_t status = rmm_allocate_aligned(pf->upstream, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS || !pf->device_accessible)
    return status;
  status = prefetch_to_device(*ptr, bytes, stream);
  if (status != RMM_SUCCESS) {
    /* The caller sees a failure, so the memory must not stay allocated; keep the CUDA message. */
    if (rmm_deallocate_aligned(pf->upstream, *ptr, bytes, alignment, stream) != RMM_SUCCESS)
      RMM_LOG(RMM_LOG_ERROR, "prefetch: could not free %p (%zu bytes) after a failed prefetch", *ptr, bytes);
    *ptr = NULL;
  }
  return status;
}

static rmm_status_t prefetch_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  prefetch_t *pf = state;
  return rmm_deallocate_aligned(pf->upstream, ptr, bytes, alignment, stream);
}

/* Everything passes through, so the upstream's figures describe the adaptor. */
static void prefetch_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const prefetch_t *pf = state;
  rmm_resource_get_stats(pf->upstream, out);
}

static const rmm_impl_t prefetch_impl = {
    .name = "prefetch",
    .allocate = prefetch_allocate,
    .deallocate = prefetch_deallocate,
    .get_stats = prefetch_get_stats,
    .destroy = free,
};

RMM_API rmm_status_t rmm_prefetch_create(rmm_resource_t *upstream, rmm_resource_t **out)
{
  rmm_resource_t *up = NULL;
  rmm_status_t status = rmm__adaptor_begin("rmm_prefetch_create", out);
  if (status == RMM_SUCCESS)
    status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  prefetch_t *pf = calloc(1, sizeof *pf);
  if (pf == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_prefetch_create: no host memory for the adaptor");
  pf->upstream = up;
  pf->device_accessible = (rmm_resource_properties(up) & RMM_DEVICE_ACCESSIBLE) != 0;
  status = rmm__adaptor_finish(&prefetch_impl, pf, up, out);
  if (status != RMM_SUCCESS)
    free(pf);
  return status;
}
