/*
 * The small wrapper through which core, the sub-allocators, the containers and the
 * stream helpers reach the CUDA runtime.
 * Leaf resources (lib/memory) call cudart directly; everything else comes here, so
 * that the code above it needs no CUDA headers.
 */
#ifndef RMM_CORE_CUDA_H
#define RMM_CORE_CUDA_H

#include <stdint.h>

#include <rmm/common.h>

#include "core/error.h"

/* A CUDA event (cudaEvent_t), declared without the CUDA headers. */
typedef struct CUevent_st *rmm_event_t;

/* The current device, or 0 when there is no usable GPU. */
int rmm__cuda_current_device(void);

/* The number of usable devices; 0 when there is none (no device or no driver). */
int rmm__cuda_device_count(void);

/* Makes `device` current; returns RMM_ERROR_CUDA with the message set on failure. */
rmm_status_t rmm__cuda_set_device(int device);

/* Events without timing (the cheap kind); failure sets the message. */
rmm_status_t rmm__cuda_event_create(rmm_event_t *event);
void rmm__cuda_event_destroy(rmm_event_t event);
rmm_status_t rmm__cuda_event_record(rmm_event_t event, rmm_stream_t stream);
rmm_status_t rmm__cuda_event_synchronize(rmm_event_t event);

/* Makes `stream` wait for `event`. */
rmm_status_t rmm__cuda_stream_wait_event(rmm_stream_t stream, rmm_event_t event);
rmm_status_t rmm__cuda_stream_synchronize(rmm_stream_t stream);

/* Waits for all work on the current device (cudaDeviceSynchronize). */
rmm_status_t rmm__cuda_device_synchronize(void);

/* A process-unique id of the stream behind a handle (cudaStreamGetId). */
rmm_status_t rmm__cuda_stream_id(rmm_stream_t stream, uint64_t *id);

/* cudaMemGetInfo of the current device. */
rmm_status_t rmm__cuda_mem_info(size_t *free_bytes, size_t *total_bytes);

/* cudaGetDevice, with its failure reported (unlike rmm__cuda_current_device). */
rmm_status_t rmm__cuda_get_device(int *device);

/* cudaGetDeviceCount; no device or no driver is a count of 0, not a failure. */
rmm_status_t rmm__cuda_get_device_count(int *count);

/*
 * Makes `device` current for a while: `*previous` receives the device to hand to
 * rmm__cuda_device_leave(). No CUDA call is made when `device` is current already.
 */
rmm_status_t rmm__cuda_device_enter(int device, int *previous);
void rmm__cuda_device_leave(int device, int previous);

/* A copy of any kind (cudaMemcpyDefault) ordered on `stream`. */
rmm_status_t rmm__cuda_memcpy_async(void *dst, const void *src, size_t bytes, rmm_stream_t stream);

/* cudaMemsetAsync of `bytes` bytes to `value`, ordered on `stream`. */
rmm_status_t rmm__cuda_memset_async(void *dst, int value, size_t bytes, rmm_stream_t stream);

/* A new stream on the current device, cudaStreamCreateWithFlags: `flags` are cudaStreamDefault (0) or cudaStreamNonBlocking (1). */
rmm_status_t rmm__cuda_stream_create_with_flags(unsigned flags, rmm_stream_t *stream);
void rmm__cuda_stream_destroy(rmm_stream_t stream);

/* Whether `device` can migrate managed memory while kernels run (cudaDevAttrConcurrentManagedAccess). */
rmm_status_t rmm__cuda_concurrent_managed_access(int device, bool *supported);

/*
 * cudaMemPrefetchAsync to `device`, or to the host when `device` is cudaCpuDeviceId (-1).
 * Memory that cannot migrate (the runtime answers cudaErrorInvalidValue) is no failure:
 * `*migrated` is false then.
 */
rmm_status_t rmm__cuda_prefetch(const void *ptr, size_t bytes, int device, rmm_stream_t stream, bool *migrated);

/*
 * For a failed CUDA call: records the error, clears the runtime's last error, and
 * sets the message to the formatted text followed by the error's name and description.
 */
rmm_status_t rmm__cuda_fail(int cuda_error, rmm_status_t status, const char *fmt, ...) RMM_FORMAT(3, 4);

/*
 * The CUDA driver's function `symbol` with its CUDA 12.0 signature, found through
 * cudaGetDriverEntryPointByVersion so that librmm never links libcuda. A driver
 * without the function is RMM_ERROR_NOT_SUPPORTED; a runtime failure RMM_ERROR_CUDA.
 */
rmm_status_t rmm__cuda_driver_function(const char *symbol, void **function);

/* Whether a cudaError_t says that no GPU can be used (no device, no driver). */
bool rmm__cuda_error_is_no_device(int cuda_error);

#endif
