/* The one place where code outside lib/memory calls the CUDA runtime. */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include <cuda_runtime_api.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"

bool rmm__cuda_error_is_no_device(int cuda_error)
{
  return cuda_error == cudaErrorNoDevice || cuda_error == cudaErrorInsufficientDriver ||
         cuda_error == cudaErrorInitializationError || cuda_error == cudaErrorCudartUnloading;
}

/*
 * Whether the NVIDIA driver's library can be loaded at all. cudart reports both a
 * missing driver and one too old as cudaErrorInsufficientDriver, whose text ("CUDA
 * driver version is insufficient") misleads a user on a machine with no driver.
 */
static bool driver_present(void)
{
  static atomic_int known; /* 0: not yet asked; 1: absent; 2: present */
  int state = atomic_load_explicit(&known, memory_order_relaxed);
  if (state == 0) {
    void *driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (driver == NULL)
      driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    state = driver != NULL ? 2 : 1;
    if (driver != NULL)
      dlclose(driver);
    atomic_store_explicit(&known, state, memory_order_relaxed);
  }
  return state == 2;
}

rmm_status_t rmm__cuda_fail(int cuda_error, rmm_status_t status, const char *fmt, ...)
{
  char text[384];
  va_list args;
  va_start(args, fmt);
  vsnprintf(text, sizeof text, fmt, args);
  va_end(args);
  /* Clear the runtime's last error so a later, unrelated check does not see this one. */
  cudaGetLastError();
  rmm_status_t result;
  if (cuda_error == cudaErrorInsufficientDriver && !driver_present())
    result = rmm__fail(status, "%s: no CUDA driver was found (libcuda.so.1 cannot be loaded; is the NVIDIA driver "
                       "installed?)", text);
  else
    result = rmm__fail(status, "%s: %s (%s)", text, cudaGetErrorName((cudaError_t)cuda_error),
                       cudaGetErrorString((cudaError_t)cuda_error));
  rmm__set_last_cuda_error(cuda_error);
  return result;
}

int rmm__cuda_current_device(void)
{
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return device;
}

int rmm__cuda_device_count(void)
{
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

rmm_status_t rmm__cuda_set_device(int device)
{
  cudaError_t error = cudaSetDevice(device);
  return error == cudaSuccess ? RMM_SUCCESS : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaSetDevice(%d)", device);
}

rmm_status_t rmm__cuda_event_create(rmm_event_t *event)
{
  cudaEvent_t created;
  cudaError_t error = cudaEventCreateWithFlags(&created, cudaEventDisableTiming);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaEventCreateWithFlags");
  *event = (rmm_event_t)created;
  return RMM_SUCCESS;
}

void rmm__cuda_event_destroy(rmm_event_t event)
{
  /* At process exit the runtime may be gone already; nothing is left to free then. */
  if (cudaEventDestroy((cudaEvent_t)event) != cudaSuccess)
    cudaGetLastError();
}

rmm_status_t rmm__cuda_event_record(rmm_event_t event, rmm_stream_t stream)
{
  cudaError_t error = cudaEventRecord((cudaEvent_t)event, (cudaStream_t)stream);
  return error == cudaSuccess ? RMM_SUCCESS
                              : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaEventRecord on stream %p", (void *)stream);
}

rmm_status_t rmm__cuda_event_synchronize(rmm_event_t event)
{
  cudaError_t error = cudaEventSynchronize((cudaEvent_t)event);
  return error == cudaSuccess ? RMM_SUCCESS : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaEventSynchronize");
}

rmm_status_t rmm__cuda_stream_wait_event(rmm_stream_t stream, rmm_event_t event)
{
  cudaError_t error = cudaStreamWaitEvent((cudaStream_t)stream, (cudaEvent_t)event, 0);
  return error == cudaSuccess
             ? RMM_SUCCESS
             : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaStreamWaitEvent on stream %p", (void *)stream);
}

rmm_status_t rmm__cuda_stream_synchronize(rmm_stream_t stream)
{
  cudaError_t error = cudaStreamSynchronize((cudaStream_t)stream);
  return error == cudaSuccess
             ? RMM_SUCCESS
             : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaStreamSynchronize on stream %p", (void *)stream);
}

rmm_status_t rmm__cuda_device_synchronize(void)
{
  cudaError_t error = cudaDeviceSynchronize();
  return error == cudaSuccess ? RMM_SUCCESS : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaDeviceSynchronize");
}

rmm_status_t rmm__cuda_stream_id(rmm_stream_t stream, uint64_t *id)
{
  unsigned long long value = 0;
  cudaError_t error = cudaStreamGetId((cudaStream_t)stream, &value);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaStreamGetId on stream %p", (void *)stream);
  *id = value;
  return RMM_SUCCESS;
}

rmm_status_t rmm__cuda_mem_info(size_t *free_bytes, size_t *total_bytes)
{
  cudaError_t error = cudaMemGetInfo(free_bytes, total_bytes);
  return error == cudaSuccess ? RMM_SUCCESS : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaMemGetInfo");
}

rmm_status_t rmm__cuda_get_device(int *device)
{
  cudaError_t error = cudaGetDevice(device);
  return error == cudaSuccess ? RMM_SUCCESS : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaGetDevice");
}

rmm_status_t rmm__cuda_get_device_count(int *count)
{
  cudaError_t error = cudaGetDeviceCount(count);
  if (error == cudaSuccess)
    return RMM_SUCCESS;
  *count = 0;
  if (rmm__cuda_error_is_no_device(error)) {
    cudaGetLastError();
    return RMM_SUCCESS;
  }
  return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaGetDeviceCount");
}

rmm_status_t rmm__cuda_device_enter(int device, int *previous)
{
  *previous = rmm__cuda_current_device();
  return *previous == device ? RMM_SUCCESS : rmm__cuda_set_device(device);
}

void rmm__cuda_device_leave(int device, int previous)
{
  if (previous == device)
    return;
  /* Restoring the caller's device cannot be undone if it fails; say so in the debug log. */
  cudaError_t error = cudaSetDevice(previous);
  if (error != cudaSuccess) {
    cudaGetLastError();
    RMM_LOG(RMM_LOG_DEBUG, "could not make device %d current again: %s", previous, cudaGetErrorName(error));
  }
}

rmm_status_t rmm__cuda_memcpy_async(void *dst, const void *src, size_t bytes, rmm_stream_t stream)
{
  cudaError_t error = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, (cudaStream_t)stream);
  return error == cudaSuccess ? RMM_SUCCESS
                              : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaMemcpyAsync of %zu bytes from %p to %p on stream %p",
                                               bytes, src, dst, (void *)stream);
}

rmm_status_t rmm__cuda_memset_async(void *dst, int value, size_t bytes, rmm_stream_t stream)
{
  cudaError_t error = cudaMemsetAsync(dst, value, bytes, (cudaStream_t)stream);
  return error == cudaSuccess ? RMM_SUCCESS
                              : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaMemsetAsync of %zu bytes at %p on stream %p",
                                               bytes, dst, (void *)stream);
}

rmm_status_t rmm__cuda_stream_create_with_flags(unsigned flags, rmm_stream_t *stream)
{
  cudaStream_t created;
  cudaError_t error = cudaStreamCreateWithFlags(&created, flags);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaStreamCreateWithFlags(0x%x)", flags);
  *stream = (rmm_stream_t)created;
  return RMM_SUCCESS;
}

void rmm__cuda_stream_destroy(rmm_stream_t stream)
{
  /* At process exit the runtime may be gone already; nothing is left to free then. */
  if (cudaStreamDestroy((cudaStream_t)stream) != cudaSuccess)
    cudaGetLastError();
}

rmm_status_t rmm__cuda_concurrent_managed_access(int device, bool *supported)
{
  int value = 0;
  cudaError_t error = cudaDeviceGetAttribute(&value, cudaDevAttrConcurrentManagedAccess, device);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaDeviceGetAttribute(cudaDevAttrConcurrentManagedAccess) of device %d",
                          device);
  *supported = value != 0;
  return RMM_SUCCESS;
}

rmm_status_t rmm__cuda_prefetch(const void *ptr, size_t bytes, int device, rmm_stream_t stream, bool *migrated)
{
  struct cudaMemLocation location = {.type = cudaMemLocationTypeDevice, .id = device};
  if (device == cudaCpuDeviceId)
    location = (struct cudaMemLocation){.type = cudaMemLocationTypeHost, .id = 0};
  cudaError_t error = cudaMemPrefetchAsync(ptr, bytes, location, 0, (cudaStream_t)stream);
  *migrated = error == cudaSuccess;
  if (error == cudaErrorInvalidValue) {
    /* Memory that is not managed (nor pageable under HMM/ATS) cannot migrate: nothing to do. */
    cudaGetLastError();
    return RMM_SUCCESS;
  }
  return error == cudaSuccess ? RMM_SUCCESS
                              : rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaMemPrefetchAsync of %zu bytes at %p to device %d",
                                               bytes, ptr, device);
}

rmm_status_t rmm__cuda_driver_function(const char *symbol, void **function)
{
  enum cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
  *function = NULL;
  cudaError_t error = cudaGetDriverEntryPointByVersion(symbol, function, 12000, cudaEnableDefault, &found);
  if (error != cudaSuccess)
    return rmm__cuda_fail(error, RMM_ERROR_CUDA, "cudaGetDriverEntryPointByVersion(%s)", symbol);
  if (found != cudaDriverEntryPointSuccess || *function == NULL)
    return rmm__fail(RMM_ERROR_NOT_SUPPORTED, "the CUDA driver %s %s",
                     found == cudaDriverEntryPointVersionNotSufficent ? "is too old for" : "does not provide", symbol);
  return RMM_SUCCESS;
}
