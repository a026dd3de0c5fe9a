/**
 * @file rmm/framework.h
 * @brief Allocation entry points with the signatures that frameworks' pluggable allocators call.
 *
 * These functions are the exception to librmm's status returns: their signatures are fixed
 * by the framework that loads them by name (PyTorch's
 * `torch.cuda.memory.CUDAPluggableAllocator(path, "rmm_torch_allocate", "rmm_torch_deallocate")`),
 * so a failure is reported as NULL plus the calling thread's message.
 */
#ifndef RMM_FRAMEWORK_H
#define RMM_FRAMEWORK_H

#include <stddef.h>

#include <rmm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Allocates @p size bytes from device @p device's resource on @p stream, with the
 * signature of PyTorch's pluggable allocate function (`void *(size_t, int, cudaStream_t)`).
 *
 * Takes the resource that rmm_get_per_device_resource() returns for @p device when the call
 * is made, and makes @p device current for the call when it is not (the caller's device is
 * current again on return).
 * @param size the bytes to allocate; 0 returns NULL, which is no failure.
 * @param device the device to allocate on.
 * @param stream the stream on which the memory is allocated (a cudaStream_t passes).
 * @return the memory, aligned to RMM_ALLOCATION_ALIGNMENT; NULL on failure, with the reason in
 *         rmm_last_error_message().
 */
RMM_API void *rmm_torch_allocate(size_t size, int device, rmm_stream_t stream);

/**
 * @brief Frees memory from rmm_torch_allocate() on @p stream, with the signature of PyTorch's
 * pluggable free function (`void (void *, size_t, int, cudaStream_t)`).
 *
 * Returns the memory to the resource that rmm_get_per_device_resource() returns for
 * @p device, which must be the one it came from. NULL is a no-op.
 * @param ptr the memory, or NULL.
 * @param size the size given to rmm_torch_allocate().
 * @param device the device given to rmm_torch_allocate().
 * @param stream the stream on which the memory is freed.
 * A failure cannot be returned: it is left in rmm_last_error_message() and written to the
 * debug log at error level.
 */
RMM_API void rmm_torch_deallocate(void *ptr, size_t size, int device, rmm_stream_t stream);

#ifdef __cplusplus
}
#endif

#endif
