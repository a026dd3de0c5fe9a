/*
 * PyTorch's pluggable allocator entry points. PyTorch loads them by name from librmm.so.1
 * and calls them with its own signatures, so failures cannot be statuses: allocate returns
 * NULL and both leave the reason in the thread's message.
 */
#include "config.h"

#include <rmm/framework.h>
#include <rmm/rmm.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"
#include "core/per_device.h"

/*
 * Makes `device` current and takes a reference on its resource (under the table's lock, so
 * that a concurrent set cannot destroy it mid-call). On failure the device is restored.
 */
static rmm_status_t enter(const char *caller, int device, int *previous, rmm_resource_t **mr)
{
  if (device < 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: device %d is not a device", caller, device);
  rmm_status_t status = rmm__cuda_device_enter(device, previous);
  if (status != RMM_SUCCESS)
    return status;
  status = rmm__acquire_current_device_resource(mr);
  if (status != RMM_SUCCESS)
    rmm__cuda_device_leave(device, *previous);
  return status;
}

static void leave(int device, int previous, rmm_resource_t *mr)
{
  rmm_resource_release(mr);
  rmm__cuda_device_leave(device, previous);
}

RMM_API void *rmm_torch_allocate(size_t size, int device, rmm_stream_t stream)
{
  int previous;
  rmm_resource_t *mr;
  if (size == 0 || enter("rmm_torch_allocate", device, &previous, &mr) != RMM_SUCCESS)
    return NULL;
  void *ptr = NULL;
  rmm_allocate(mr, &ptr, size, stream);
  leave(device, previous, mr);
  return ptr;
}

RMM_API void rmm_torch_deallocate(void *ptr, size_t size, int device, rmm_stream_t stream)
{
  int previous;
  rmm_resource_t *mr;
  if (ptr == NULL)
    return;
  rmm_status_t status = enter("rmm_torch_deallocate", device, &previous, &mr);
  if (status == RMM_SUCCESS) {
    status = rmm_deallocate(mr, ptr, size, stream);
    leave(device, previous, mr);
  }
  /* Nobody sees a status here: the debug log is the only trace of a failed free. */
  if (status != RMM_SUCCESS)
    RMM_LOG(RMM_LOG_ERROR, "rmm_torch_deallocate(%p, %zu bytes, device %d): %s", ptr, size, device,
            rmm_last_error_message());
}
