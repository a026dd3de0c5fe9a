/* Device queries and prefetching: thin, checked layers over the CUDA runtime. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <rmm/device.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"

/* Puts the public function's name in front of the runtime wrapper's message. */
static rmm_status_t in_context(rmm_status_t status, const char *caller)
{
  if (status == RMM_SUCCESS)
    return status;
  char cause[384];
  snprintf(cause, sizeof cause, "%s", rmm_last_error_message());
  return rmm__fail(status, "%s: %s", caller, cause);
}

RMM_API rmm_status_t rmm_get_current_device(int *device)
{
  if (device == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_get_current_device: the output pointer is NULL");
  return in_context(rmm__cuda_get_device(device), "rmm_get_current_device");
}

RMM_API rmm_status_t rmm_get_num_devices(int *count)
{
  if (count == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_get_num_devices: the output pointer is NULL");
  return in_context(rmm__cuda_get_device_count(count), "rmm_get_num_devices");
}

RMM_API rmm_status_t rmm_available_device_memory(size_t *free_bytes, size_t *total_bytes)
{
  size_t free_now, total;
  rmm_status_t status = rmm__cuda_mem_info(&free_now, &total);
  if (status != RMM_SUCCESS)
    return in_context(status, "rmm_available_device_memory");
  if (free_bytes != NULL)
    *free_bytes = free_now;
  if (total_bytes != NULL)
    *total_bytes = total;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_percent_of_free_device_memory(double percent, size_t *bytes)
{
  if (bytes == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_percent_of_free_device_memory: the output pointer is NULL");
  /* Written so that NaN fails too. */
  if (!(percent >= 0.0 && percent <= 100.0))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_percent_of_free_device_memory: %g%% is not within 0..100",
                     percent);
  size_t free_now, total;
  rmm_status_t status = rmm__cuda_mem_info(&free_now, &total);
  if (status != RMM_SUCCESS)
    return in_context(status, "rmm_percent_of_free_device_memory");
  /* Compared as doubles first: a product that rounds up to 2^64 must not be converted (undefined). */
  double wanted = (double)free_now * (percent / 100.0);
  size_t share = wanted >= (double)free_now ? free_now : (size_t)wanted;
  *bytes = share & ~(RMM_ALLOCATION_ALIGNMENT - 1);
  return RMM_SUCCESS;
}

/* The device whose managed-memory abilities decide a prefetch: the target, or the current one for the host. */
static rmm_status_t deciding_device(int target, int *device)
{
  if (target != RMM_CPU_DEVICE) {
    *device = target;
    return RMM_SUCCESS;
  }
  return rmm__cuda_get_device(device);
}

RMM_API rmm_status_t rmm_prefetch(const void *ptr, size_t bytes, int device, rmm_stream_t stream)
{
  if (ptr == NULL || bytes == 0)
    return RMM_SUCCESS;
  int count;
  rmm_status_t status = rmm__cuda_get_device_count(&count);
  /* Without a device no memory is managed, so nothing can migrate. */
  if (status != RMM_SUCCESS || count == 0)
    return in_context(status, "rmm_prefetch");
  if (device != RMM_CPU_DEVICE && (device < 0 || device >= count))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_prefetch: device %d does not exist (%d device%s)", device, count,
                     count == 1 ? "" : "s");

  int decider;
  bool concurrent = false;
  status = deciding_device(device, &decider);
  if (status == RMM_SUCCESS)
    status = rmm__cuda_concurrent_managed_access(decider, &concurrent);
  if (status != RMM_SUCCESS || !concurrent)
    return in_context(status, "rmm_prefetch");

  bool migrated;
  status = rmm__cuda_prefetch(ptr, bytes, device, stream, &migrated);
  if (status == RMM_SUCCESS && !migrated)
    RMM_LOG(RMM_LOG_TRACE, "prefetch: %zu bytes at %p cannot migrate; left alone", bytes, ptr);
  return in_context(status, "rmm_prefetch");
}

RMM_API rmm_status_t rmm_set_current_device(int device)
{
  int count = 0;
  rmm_status_t status = rmm__cuda_get_device_count(&count);
  if (status != RMM_SUCCESS)
    return in_context(status, "rmm_set_current_device");
  if (device < 0 || device >= count)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_set_current_device: device %d does not exist (%d device%s)",
                     device, count, count == 1 ? "" : "s");
  return in_context(rmm__cuda_set_device(device), "rmm_set_current_device");
}

RMM_API rmm_status_t rmm_stream_synchronize(rmm_stream_t stream)
{
  return in_context(rmm__cuda_stream_synchronize(stream), "rmm_stream_synchronize");
}

/*
 * With no device, both sides can only be host memory, so the copy is a memcpy: the
 * same rule as the containers over host resources, which keeps callers testable on
 * machines without a GPU.
 */
RMM_API rmm_status_t rmm_memory_copy(void *dst, const void *src, size_t bytes, rmm_stream_t stream)
{
  if (bytes == 0)
    return RMM_SUCCESS;
  if (dst == NULL || src == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_memory_copy: %s is NULL for a copy of %zu bytes",
                     dst == NULL ? "the destination" : "the source", bytes);
  int count = 0;
  rmm_status_t status = rmm__cuda_get_device_count(&count);
  if (status != RMM_SUCCESS)
    return in_context(status, "rmm_memory_copy");
  if (count == 0) {
    memmove(dst, src, bytes);
    return RMM_SUCCESS;
  }
  return in_context(rmm__cuda_memcpy_async(dst, src, bytes, stream), "rmm_memory_copy");
}
