/* Pinned host memory: page-locked, so the device reaches it directly and copies are async. */
#include "config.h"

#include <cuda_runtime_api.h>

#include "core/construct.h"
#include "core/cuda.h"
#include "memory/leaf.h"

/* cudaHostAlloc returns page-aligned memory, so a page is the largest alignment honoured. */
enum { PINNED_ALIGNMENT_LIMIT = 4096 };

static rmm_status_t pinned_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  rmm_leaf_t *leaf = state;
  rmm_status_t status = rmm__leaf_check_alignment("pinned_host", alignment, PINNED_ALIGNMENT_LIMIT);
  if (status != RMM_SUCCESS)
    return status;
  cudaError_t error = cudaHostAlloc(ptr, bytes, cudaHostAllocDefault);
  if (error != cudaSuccess)
    return rmm__leaf_allocation_failed("pinned_host", "cudaHostAlloc", error, bytes);
  rmm__usage_add(&leaf->usage, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t pinned_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  (void)stream;
  rmm_leaf_t *leaf = state;
  cudaError_t error = cudaFreeHost(ptr);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "pinned_host: cudaFreeHost(%p) failed", ptr);
  rmm__usage_sub_saturating(&leaf->usage, bytes);
  return RMM_SUCCESS;
}

static const rmm_impl_t pinned_host_impl = {
    .name = "pinned_host",
    .allocate = pinned_allocate,
    .deallocate = pinned_deallocate,
    .is_equal = rmm__leaf_always_equal,
    .get_stats = rmm__leaf_get_stats,
    .reset_peak = rmm__leaf_reset_peak,
    .destroy = rmm__leaf_destroy,
};

RMM_API rmm_status_t rmm_pinned_host_create(rmm_resource_t **out)
{
  return rmm__leaf_create(&pinned_host_impl, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE, out);
}
