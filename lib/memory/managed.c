/* cudaMallocManaged: unified memory that both the host and the device can touch. */
#include "config.h"

#include <cuda_runtime_api.h>

#include "core/construct.h"
#include "core/cuda.h"
#include "memory/leaf.h"

static rmm_status_t managed_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  rmm_leaf_t *leaf = state;
  rmm_status_t status = rmm__leaf_check_alignment("managed", alignment, RMM_ALLOCATION_ALIGNMENT);
  if (status != RMM_SUCCESS)
    return status;
  cudaError_t error = cudaMallocManaged(ptr, bytes, cudaMemAttachGlobal);
  if (error != cudaSuccess)
    return rmm__leaf_allocation_failed("managed", "cudaMallocManaged", error, bytes);
  rmm__usage_add(&leaf->usage, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t managed_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  (void)stream;
  rmm_leaf_t *leaf = state;
  cudaError_t error = cudaFree(ptr);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "managed: cudaFree(%p) failed", ptr);
  rmm__usage_sub_saturating(&leaf->usage, bytes);
  return RMM_SUCCESS;
}

static const rmm_impl_t managed_impl = {
    .name = "managed",
    .allocate = managed_allocate,
    .deallocate = managed_deallocate,
    .is_equal = rmm__leaf_always_equal,
    .get_stats = rmm__leaf_get_stats,
    .reset_peak = rmm__leaf_reset_peak,
    .destroy = rmm__leaf_destroy,
};

RMM_API rmm_status_t rmm_managed_create(rmm_resource_t **out)
{
  return rmm__leaf_create(&managed_impl, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE, out);
}
