#include "config.h"

#include <stdlib.h>

#include <cuda_runtime_api.h>

#include "core/cuda.h"
#include "core/error.h"
#include "memory/leaf.h"

rmm_status_t rmm__leaf_check_alignment(const char *family, size_t alignment, size_t limit)
{
  if (alignment > limit)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "%s: alignment %zu is larger than this resource supports (%zu); use an aligned adaptor", family,
                     alignment, limit);
  return RMM_SUCCESS;
}

rmm_status_t rmm__leaf_allocation_failed(const char *family, const char *call, int cuda_error, size_t bytes)
{
  char size[RMM_BYTES_TEXT];
  rmm__format_bytes(bytes, size);
  if (cuda_error == cudaErrorMemoryAllocation) {
    size_t free_bytes = 0, total_bytes = 0;
    cudaGetLastError();
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
      char free_text[RMM_BYTES_TEXT], total_text[RMM_BYTES_TEXT];
      return rmm__cuda_fail(cuda_error, RMM_ERROR_OUT_OF_MEMORY,
                            "%s: out of memory (failed to allocate %s = %zu bytes with %s; device free %s of %s)",
                            family, size, bytes, call, rmm__format_bytes(free_bytes, free_text),
                            rmm__format_bytes(total_bytes, total_text));
    }
    return rmm__cuda_fail(cuda_error, RMM_ERROR_OUT_OF_MEMORY,
                          "%s: out of memory (failed to allocate %s = %zu bytes with %s)", family, size, bytes, call);
  }
  /*
   * Without a usable device the runtime is at fault; any other refusal (a destroyed pool
   * under a view, a bad stream) is a failed allocation, RMM's bad_alloc.
   */
  rmm_status_t status = rmm__cuda_error_is_no_device(cuda_error) ? RMM_ERROR_CUDA : RMM_ERROR_BAD_ALLOC;
  return rmm__cuda_fail(cuda_error, status, "%s: %s failed to allocate %s (%zu bytes)", family, call, size, bytes);
}

rmm_status_t rmm__leaf_create(const rmm_impl_t *impl, unsigned properties, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_%s_create: the output pointer is NULL", impl->name);
  *out = NULL;
  rmm_leaf_t *leaf = calloc(1, sizeof *leaf);
  if (leaf == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_%s_create: no host memory for the resource", impl->name);
  rmm_status_t status = rmm__resource_new(impl, leaf, properties, NULL, out);
  if (status != RMM_SUCCESS)
    free(leaf);
  return status;
}

bool rmm__leaf_always_equal(const void *state, const void *other_state)
{
  (void)state;
  (void)other_state;
  return true;
}

void rmm__leaf_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const rmm_leaf_t *leaf = state;
  rmm__usage_stats(&leaf->usage, true, out);
}

void rmm__leaf_reset_peak(void *state)
{
  rmm_leaf_t *leaf = state;
  rmm__usage_reset_peak(&leaf->usage);
}

void rmm__leaf_destroy(void *state) { free(state); }
