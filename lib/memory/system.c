/*
 * System allocator memory for devices that reach pageable host memory (HMM or ATS),
 * and the sam_headroom variant that steers each allocation between device and host.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <cuda_runtime_api.h>

#include "core/construct.h"
#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"
#include "memory/leaf.h"

typedef struct system_state {
  rmm_usage_t usage;
  size_t headroom;
  int device;
} system_state_t;

static rmm_status_t require_pageable_access(const char *family, int *device)
{
  cudaError_t error = cudaGetDevice(device);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "rmm_%s_create: cannot read the current device", family);
  int pageable = 0;
  error = cudaDeviceGetAttribute(&pageable, cudaDevAttrPageableMemoryAccess, *device);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "rmm_%s_create: cannot read cudaDevAttrPageableMemoryAccess", family);
  if (pageable != 1)
    return rmm__fail(RMM_ERROR_NOT_SUPPORTED,
                     "rmm_%s_create: device %d cannot access pageable memory (needs HMM or ATS)", family, *device);
  return RMM_SUCCESS;
}

static rmm_status_t system_heap_allocate(const char *family, system_state_t *state, void **ptr, size_t bytes,
                                         size_t alignment)
{
  char size[RMM_BYTES_TEXT];
  rmm_status_t status = rmm__leaf_check_alignment(family, alignment, RMM_ALLOCATION_ALIGNMENT);
  if (status != RMM_SUCCESS)
    return status;
  size_t padded;
  void *memory = NULL;
  if (rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &padded) && padded <= PTRDIFF_MAX)
    memory = aligned_alloc(RMM_ALLOCATION_ALIGNMENT, padded);
  if (memory == NULL)
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "%s: out of memory (failed to allocate %s = %zu bytes)", family,
                     rmm__format_bytes(bytes, size), bytes);
  rmm__usage_add(&state->usage, bytes);
  *ptr = memory;
  return RMM_SUCCESS;
}

static rmm_status_t system_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  return system_heap_allocate("system", state, ptr, bytes, alignment);
}

/* The heap frees at once, so work queued on the stream must finish before the memory goes. */
static rmm_status_t system_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  system_state_t *system = state;
  cudaError_t error = cudaStreamSynchronize((cudaStream_t)stream);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "system: cudaStreamSynchronize before freeing %p failed", ptr);
  free(ptr);
  rmm__usage_sub_saturating(&system->usage, bytes);
  return RMM_SUCCESS;
}

static cudaError_t prefer_location(void *ptr, size_t bytes, bool on_device, int device)
{
  if (bytes == 0)
    return cudaSuccess;
#if CUDART_VERSION >= 13000
  struct cudaMemLocation location = {.type = on_device ? cudaMemLocationTypeDevice : cudaMemLocationTypeHost,
                                     .id = on_device ? device : 0};
  return cudaMemAdvise(ptr, bytes, cudaMemAdviseSetPreferredLocation, location);
#else
  return cudaMemAdvise(ptr, bytes, cudaMemAdviseSetPreferredLocation, on_device ? device : cudaCpuDeviceId);
#endif
}

/* The part that fits in free device memory minus the headroom prefers the device. */
static rmm_status_t sam_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  system_state_t *sam = state;
  rmm_status_t status = system_heap_allocate("sam_headroom", sam, ptr, bytes, alignment);
  if (status != RMM_SUCCESS)
    return status;
  size_t free_bytes = 0, total_bytes = 0;
  cudaError_t error = cudaMemGetInfo(&free_bytes, &total_bytes);
  if (error == cudaSuccess) {
    size_t allocatable = free_bytes > sam->headroom ? free_bytes - sam->headroom : 0;
    size_t device_part = (allocatable < bytes ? allocatable : bytes) & ~(RMM_ALLOCATION_ALIGNMENT - 1);
    error = prefer_location(*ptr, device_part, true, sam->device);
    if (error == cudaSuccess)
      error = prefer_location((char *)*ptr + device_part, bytes - device_part, false, sam->device);
    RMM_LOG(RMM_LOG_TRACE, "sam_headroom: %zu of %zu bytes at %p prefer device %d", device_part, bytes, *ptr,
            sam->device);
  }
  if (error != cudaSuccess) {
    free(*ptr);
    rmm__usage_sub_saturating(&sam->usage, bytes);
    *ptr = NULL;
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "sam_headroom: cannot place %zu bytes", bytes);
  }
  return RMM_SUCCESS;
}

static bool sam_is_equal(const void *state, const void *other_state)
{
  const system_state_t *a = state, *b = other_state;
  return a->headroom == b->headroom;
}

static void system_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const system_state_t *system = state;
  rmm__usage_stats(&system->usage, true, out);
}

static void system_reset_peak(void *state)
{
  system_state_t *system = state;
  rmm__usage_reset_peak(&system->usage);
}

static const rmm_impl_t system_impl = {
    .name = "system",
    .allocate = system_allocate,
    .deallocate = system_deallocate,
    .is_equal = rmm__leaf_always_equal,
    .get_stats = system_get_stats,
    .destroy = free,
    .reset_peak = system_reset_peak,
};

static const rmm_impl_t sam_headroom_impl = {
    .name = "sam_headroom",
    .allocate = sam_allocate,
    .deallocate = system_deallocate,
    .is_equal = sam_is_equal,
    .get_stats = system_get_stats,
    .destroy = free,
    .reset_peak = system_reset_peak,
};

static rmm_status_t create(const rmm_impl_t *impl, size_t headroom, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_%s_create: the output pointer is NULL", impl->name);
  *out = NULL;
  int device;
  rmm_status_t status = require_pageable_access(impl->name, &device);
  if (status != RMM_SUCCESS)
    return status;
  system_state_t *state = calloc(1, sizeof *state);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_%s_create: no host memory for the resource", impl->name);
  state->headroom = headroom;
  state->device = device;
  status = rmm__resource_new(impl, state, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE, NULL, out);
  if (status != RMM_SUCCESS)
    free(state);
  return status;
}

RMM_API rmm_status_t rmm_system_create(rmm_resource_t **out) { return create(&system_impl, 0, out); }

RMM_API rmm_status_t rmm_sam_headroom_create(size_t headroom, rmm_resource_t **out)
{
  return create(&sam_headroom_impl, headroom, out);
}
