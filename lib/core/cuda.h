/*
 * The small wrapper through which core and the sub-allocators reach the CUDA runtime.
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

/*
 * For a failed CUDA call: records the error, clears the runtime's last error, and
 * sets the message to the formatted text followed by the error's name and description.
 */
rmm_status_t rmm__cuda_fail(int cuda_error, rmm_status_t status, const char *fmt, ...) RMM_FORMAT(3, 4);

/* Whether a cudaError_t says that no GPU can be used (no device, no driver). */
bool rmm__cuda_error_is_no_device(int cuda_error);

#endif
