/**
 * @file rmm/device.h
 * @brief CUDA devices: which one is current, how many there are, their free memory,
 * and prefetching managed memory to one of them.
 */
#ifndef RMM_DEVICE_H
#define RMM_DEVICE_H

#include <rmm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief The device number of the host, for rmm_prefetch() (the value of `cudaCpuDeviceId`). */
#define RMM_CPU_DEVICE (-1)

/**
 * @brief The calling thread's current CUDA device.
 * @param device receives the device number.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p device; RMM_ERROR_CUDA
 *         (no device, no driver).
 */
RMM_API rmm_status_t rmm_get_current_device(int *device);

/**
 * @brief The number of usable CUDA devices.
 * @param count receives the count; 0 when there is no device or no driver.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p count; RMM_ERROR_CUDA for
 *         another failure of the runtime.
 */
RMM_API rmm_status_t rmm_get_num_devices(int *count);

/**
 * @brief Free and total memory of the current device (cudaMemGetInfo).
 * @param free_bytes receives the free bytes; may be NULL.
 * @param total_bytes receives the total bytes; may be NULL.
 * @return RMM_SUCCESS, or RMM_ERROR_CUDA (no device, no driver).
 */
RMM_API rmm_status_t rmm_available_device_memory(size_t *free_bytes, size_t *total_bytes);

/**
 * @brief A share of the current device's free memory, aligned down to 256 bytes.
 *
 * Meant for sizing pools: `percent` of what cudaMemGetInfo reports free now.
 * @param percent from 0 to 100; fractions are allowed.
 * @param bytes receives the byte count, a multiple of RMM_ALLOCATION_ALIGNMENT.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p bytes or a percentage
 *         outside 0..100; RMM_ERROR_CUDA (no device, no driver).
 */
RMM_API rmm_status_t rmm_percent_of_free_device_memory(double percent, size_t *bytes);

/**
 * @brief Starts migrating @p bytes at @p ptr to @p device, ordered on @p stream.
 *
 * A hint, as cudaMemPrefetchAsync: memory that cannot migrate (not managed, or a
 * device without concurrent managed access) is left alone and the call succeeds, as
 * it does on a machine with no device at all.
 * @param ptr the start of the range; NULL is a no-op.
 * @param bytes the length of the range; 0 is a no-op.
 * @param device a device number, or RMM_CPU_DEVICE for host memory.
 * @param stream the stream on which the migration is ordered.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a device that does not exist;
 *         RMM_ERROR_CUDA when the runtime refuses the prefetch.
 */
RMM_API rmm_status_t rmm_prefetch(const void *ptr, size_t bytes, int device, rmm_stream_t stream);

/**
 * @brief Makes @p device the calling thread's current CUDA device (cudaSetDevice).
 * Resources and buffers record the device current when they are created; set it
 * before building a resource for rmm_set_per_device_resource().
 * @param device a device ordinal.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a device that does not exist
 *         (no device at all included); RMM_ERROR_CUDA for another failure of the runtime.
 */
RMM_API rmm_status_t rmm_set_current_device(int device);

/**
 * @brief Waits until every operation ordered on @p stream so far has finished
 * (cudaStreamSynchronize).
 * @param stream a stream; NULL, RMM_STREAM_LEGACY and RMM_STREAM_PER_THREAD are CUDA's
 *        default streams.
 * @return RMM_SUCCESS, or RMM_ERROR_CUDA (no device, a bad stream, an earlier kernel's fault).
 */
RMM_API rmm_status_t rmm_stream_synchronize(rmm_stream_t stream);

/**
 * @brief Copies @p bytes from @p src to @p dst, ordered on @p stream.
 *
 * Either side may be host or device memory (cudaMemcpyAsync with cudaMemcpyDefault);
 * the call returns once the copy is queued, so the caller synchronizes @p stream before
 * it reads a host destination or reuses a pageable host source. With no device at
 * all, both sides must be host memory and the copy is done before the call returns.
 * @param dst where the bytes go.
 * @param src where they come from.
 * @param bytes the byte count; 0 copies nothing.
 * @param stream the stream on which the copy is ordered.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL @p dst or @p src with a
 *         non-zero @p bytes; RMM_ERROR_CUDA when the runtime refuses the copy.
 */
RMM_API rmm_status_t rmm_memory_copy(void *dst, const void *src, size_t bytes, rmm_stream_t stream);

#ifdef __cplusplus
}
#endif

#endif
