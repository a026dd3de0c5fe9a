/* The one place where core and the sub-allocators call the CUDA runtime. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include <cuda_runtime_api.h>

#include "core/cuda.h"
#include "core/error.h"

bool rmm__cuda_error_is_no_device(int cuda_error)
{
  return cuda_error == cudaErrorNoDevice || cuda_error == cudaErrorInsufficientDriver ||
         cuda_error == cudaErrorInitializationError || cuda_error == cudaErrorCudartUnloading;
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
  rmm_status_t result = rmm__fail(status, "%s: %s (%s)", text, cudaGetErrorName((cudaError_t)cuda_error),
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
