/* cudaMalloc / cudaFree: the default resource of every device. */
#include "config.h"

#include <cuda_runtime_api.h>

#include "core/construct.h"
#include "core/cuda.h"
#include "core/log.h"
#include "memory/leaf.h"

static rmm_status_t cuda_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  rmm_leaf_t *leaf = state;
  rmm_status_t status = rmm__leaf_check_alignment("cuda", alignment, RMM_ALLOCATION_ALIGNMENT);
  if (status != RMM_SUCCESS)
    return status;
  cudaError_t error = cudaMalloc(ptr, bytes);
  if (error != cudaSuccess)
    return rmm__leaf_allocation_failed("cuda", "cudaMalloc", error, bytes);
  rmm__usage_add(&leaf->usage, bytes);
  RMM_LOG(RMM_LOG_TRACE, "cuda: allocated %zu bytes at %p", bytes, *ptr);
  return RMM_SUCCESS;
}

static rmm_status_t cuda_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  (void)stream;
  rmm_leaf_t *leaf = state;
  cudaError_t error = cudaFree(ptr);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cuda: cudaFree(%p) failed", ptr);
  rmm__usage_sub_saturating(&leaf->usage, bytes);
  return RMM_SUCCESS;
}

static const rmm_impl_t cuda_impl = {
    .name = "cuda",
    .allocate = cuda_allocate,
    .deallocate = cuda_deallocate,
    .is_equal = rmm__leaf_always_equal,
    .get_stats = rmm__leaf_get_stats,
    .reset_peak = rmm__leaf_reset_peak,
    .destroy = rmm__leaf_destroy,
};

RMM_API rmm_status_t rmm_cuda_create(rmm_resource_t **out)
{
  return rmm__leaf_create(&cuda_impl, RMM_DEVICE_ACCESSIBLE, out);
}
