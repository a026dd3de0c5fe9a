/*
 * CUDA's stream-ordered allocator: cuda_async owns a new memory pool, cuda_async_view
 * borrows a caller's, cuda_async_managed uses the device's default managed pool. The
 * three share one state and the allocate/free path; they differ in how the pool is
 * obtained and whether it is destroyed.
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

typedef struct async_pool {
  cudaMemPool_t pool;
  bool owned;
  rmm_usage_t usage;
} async_pool_t;

static rmm_status_t async_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  async_pool_t *async = state;
  rmm_status_t status = rmm__leaf_check_alignment("cuda_async", alignment, RMM_ALLOCATION_ALIGNMENT);
  if (status != RMM_SUCCESS)
    return status;
  cudaError_t error = cudaMallocFromPoolAsync(ptr, bytes, async->pool, (cudaStream_t)stream);
  if (error != cudaSuccess)
    return rmm__leaf_allocation_failed("cuda_async", "cudaMallocFromPoolAsync", error, bytes);
  rmm__usage_add(&async->usage, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t async_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  async_pool_t *async = state;
  cudaError_t error = cudaFreeAsync(ptr, (cudaStream_t)stream);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cuda_async: cudaFreeAsync(%p) failed", ptr);
  rmm__usage_sub_saturating(&async->usage, bytes);
  return RMM_SUCCESS;
}

static bool async_is_equal(const void *state, const void *other_state)
{
  const async_pool_t *a = state, *b = other_state;
  return a->pool == b->pool;
}

static void async_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const async_pool_t *async = state;
  rmm__usage_stats(&async->usage, false, out);
  uint64_t reserved = 0;
  if (cudaMemPoolGetAttribute(async->pool, cudaMemPoolAttrReservedMemCurrent, &reserved) == cudaSuccess) {
    out->bytes_reserved = (size_t)reserved;
    out->flags |= RMM_STATS_RESERVED;
  } else {
    cudaGetLastError();
  }
}

static void async_destroy(void *state)
{
  async_pool_t *async = state;
  /* At process exit the runtime may already be unloading: the pool is gone with it. */
  if (async->owned && cudaMemPoolDestroy(async->pool) != cudaSuccess)
    cudaGetLastError();
  free(async);
}

static void async_reset_peak(void *state)
{
  async_pool_t *async = state;
  rmm__usage_reset_peak(&async->usage);
}

static const rmm_impl_t cuda_async_impl = {
    .name = "cuda_async",
    .allocate = async_allocate,
    .deallocate = async_deallocate,
    .is_equal = async_is_equal,
    .get_stats = async_get_stats,
    .destroy = async_destroy,
    .reset_peak = async_reset_peak,
};

static const rmm_impl_t cuda_async_view_impl = {
    .name = "cuda_async_view",
    .allocate = async_allocate,
    .deallocate = async_deallocate,
    .is_equal = async_is_equal,
    .get_stats = async_get_stats,
    .destroy = async_destroy,
    .reset_peak = async_reset_peak,
};

static const rmm_impl_t cuda_async_managed_impl = {
    .name = "cuda_async_managed",
    .allocate = async_allocate,
    .deallocate = async_deallocate,
    .is_equal = async_is_equal,
    .get_stats = async_get_stats,
    .destroy = async_destroy,
    .reset_peak = async_reset_peak,
};

static rmm_status_t current_device(const char *caller, int *device)
{
  cudaError_t error = cudaGetDevice(device);
  return error == cudaSuccess ? RMM_SUCCESS
                              : rmm__cuda_fail(error, RMM_ERROR_CUDA, "%s: cannot read the current device", caller);
}

static rmm_status_t device_attribute(const char *caller, enum cudaDeviceAttr attribute, int device, int *value)
{
  *value = 0;
  cudaError_t error = cudaDeviceGetAttribute(value, attribute, device);
  return error == cudaSuccess
             ? RMM_SUCCESS
             : rmm__cuda_fail(error, RMM_ERROR_CUDA, "%s: cannot read attribute %d of device %d", caller,
                              (int)attribute, device);
}

static rmm_status_t require_pools(const char *caller, int device)
{
  int supported;
  rmm_status_t status = device_attribute(caller, cudaDevAttrMemoryPoolsSupported, device, &supported);
  if (status == RMM_SUCCESS && !supported)
    status = rmm__fail(RMM_ERROR_NOT_SUPPORTED,
                       "%s: device %d or its driver does not support stream-ordered memory pools (cudaMallocAsync)",
                       caller, device);
  return status;
}

static rmm_status_t require_handle_type(const char *caller, int device, rmm_handle_type_t type)
{
  if (type == RMM_HANDLE_TYPE_NONE)
    return RMM_SUCCESS;
  int supported = 0;
  cudaError_t error = cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolSupportedHandleTypes, device);
  if (error == cudaErrorInvalidValue) {
    cudaGetLastError();
    supported = 0;
  } else if (error != cudaSuccess) {
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "%s: cannot read the supported export handle types", caller);
  }
  if (((unsigned)supported & (unsigned)type) != (unsigned)type)
    return rmm__fail(RMM_ERROR_NOT_SUPPORTED, "%s: export handle type 0x%x is not supported by device %d", caller,
                     (unsigned)type, device);
  return RMM_SUCCESS;
}

static rmm_status_t wrap_pool(const rmm_impl_t *impl, cudaMemPool_t pool, bool owned, unsigned properties,
                              rmm_resource_t **out)
{
  async_pool_t *async = calloc(1, sizeof *async);
  if (async == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_%s_create: no host memory for the resource", impl->name);
  async->pool = pool;
  async->owned = owned;
  rmm_status_t status = rmm__resource_new(impl, async, properties, NULL, out);
  if (status != RMM_SUCCESS)
    free(async);
  return status;
}

/* Reserving the initial size once is enough: the pool keeps it, up to the release threshold. */
static rmm_status_t prime_pool(cudaMemPool_t pool, size_t bytes)
{
  void *ptr = NULL;
  cudaError_t error = cudaMallocFromPoolAsync(&ptr, bytes, pool, 0);
  if (error == cudaSuccess)
    error = cudaFreeAsync(ptr, 0);
  if (error == cudaErrorMemoryAllocation)
    return rmm__leaf_allocation_failed("cuda_async", "the initial pool reservation", error, bytes);
  return error == cudaSuccess
             ? RMM_SUCCESS
             : rmm__cuda_fail(error, RMM_ERROR_CUDA, "rmm_cuda_async_create: cannot reserve %zu bytes", bytes);
}

RMM_API rmm_status_t rmm_cuda_async_create(const rmm_cuda_async_options_t *options, rmm_resource_t **out)
{
  static const char caller[] = "rmm_cuda_async_create";
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
  rmm_cuda_async_options_t settings = RMM_CUDA_ASYNC_OPTIONS_INIT;
  if (options != NULL) {
    if (options->struct_size < sizeof settings)
      return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                       "%s: options->struct_size %zu is too small; start from RMM_CUDA_ASYNC_OPTIONS_INIT", caller,
                       options->struct_size);
    settings = *options;
  }
  int device;
  rmm_status_t status = current_device(caller, &device);
  if (status == RMM_SUCCESS)
    status = require_pools(caller, device);
  if (status == RMM_SUCCESS)
    status = require_handle_type(caller, device, settings.export_handle_type);
  if (status != RMM_SUCCESS)
    return status;

  struct cudaMemPoolProps props = {0};
  props.allocType = cudaMemAllocationTypePinned;
  props.handleTypes = (enum cudaMemAllocationHandleType)settings.export_handle_type;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = device;
  cudaMemPool_t pool;
  cudaError_t error = cudaMemPoolCreate(&pool, &props);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "%s: cudaMemPoolCreate on device %d failed", caller, device);

  uint64_t threshold = settings.release_threshold == SIZE_MAX ? UINT64_MAX : (uint64_t)settings.release_threshold;
  error = cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold);
  if (error != cudaSuccess)
    status = rmm__cuda_fail(error, RMM_ERROR_CUDA, "%s: cannot set the release threshold", caller);
  if (status == RMM_SUCCESS && settings.initial_pool_size > 0)
    status = prime_pool(pool, settings.initial_pool_size);
  if (status == RMM_SUCCESS)
    status = wrap_pool(&cuda_async_impl, pool, true, RMM_DEVICE_ACCESSIBLE, out);
  if (status != RMM_SUCCESS) {
    cudaMemPoolDestroy(pool);
    return status;
  }
  RMM_LOG(RMM_LOG_DEBUG, "cuda_async: pool %p on device %d, initial %zu bytes, release threshold %llu",
          (void *)pool, device, settings.initial_pool_size, (unsigned long long)threshold);
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_cuda_async_view_create(rmm_mem_pool_t pool, rmm_resource_t **out)
{
  static const char caller[] = "rmm_cuda_async_view_create";
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
  if (pool == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the pool handle is NULL", caller);
  int device;
  rmm_status_t status = current_device(caller, &device);
  if (status == RMM_SUCCESS)
    status = require_pools(caller, device);
  if (status != RMM_SUCCESS)
    return status;
  return wrap_pool(&cuda_async_view_impl, (cudaMemPool_t)pool, false, RMM_DEVICE_ACCESSIBLE, out);
}

RMM_API rmm_status_t rmm_cuda_async_managed_create(rmm_resource_t **out)
{
  static const char caller[] = "rmm_cuda_async_managed_create";
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
#if CUDART_VERSION >= 13000
  int device;
  rmm_status_t status = current_device(caller, &device);
  if (status != RMM_SUCCESS)
    return status;
  int driver = 0, runtime = 0, concurrent = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  status = device_attribute(caller, cudaDevAttrConcurrentManagedAccess, device, &concurrent);
  if (status != RMM_SUCCESS)
    return status;
  if (driver < 13000 || runtime < 13000 || !concurrent)
    return rmm__fail(RMM_ERROR_NOT_SUPPORTED,
                     "%s: needs CUDA 13.0 or later and concurrent managed access (driver %d, runtime %d, "
                     "concurrent managed access %d on device %d)",
                     caller, driver, runtime, concurrent, device);
  struct cudaMemLocation location = {.type = cudaMemLocationTypeDevice, .id = device};
  cudaMemPool_t pool;
  cudaError_t error = cudaMemGetDefaultMemPool(&pool, &location, cudaMemAllocationTypeManaged);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "%s: cannot get the default managed pool of device %d", caller,
                          device);
  return wrap_pool(&cuda_async_managed_impl, pool, false, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE, out);
#else
  return rmm__fail(RMM_ERROR_NOT_SUPPORTED, "%s: librmm was built with a CUDA runtime older than 13.0", caller);
#endif
}

RMM_API rmm_status_t rmm_cuda_async_pool_handle(const rmm_resource_t *mr, rmm_mem_pool_t *pool)
{
  if (pool == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_cuda_async_pool_handle: the output pointer is NULL");
  const async_pool_t *async = rmm__resource_state(mr, &cuda_async_impl);
  if (async == NULL)
    async = rmm__resource_state(mr, &cuda_async_view_impl);
  if (async == NULL)
    async = rmm__resource_state(mr, &cuda_async_managed_impl);
  if (async == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_cuda_async_pool_handle: a %s resource has no CUDA memory pool (want cuda_async, "
                     "cuda_async_view or cuda_async_managed)",
                     rmm_resource_name(mr));
  *pool = (rmm_mem_pool_t)async->pool;
  return RMM_SUCCESS;
}
