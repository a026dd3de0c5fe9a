/**
 * @file rmm/common.h
 * @brief Types shared by every librmm header: streams, status codes, errors.
 */
#ifndef RMM_COMMON_H
#define RMM_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Marks a function exported from librmm.so. */
#if defined(RMM_BUILDING_LIBRARY)
#define RMM_API __attribute__((visibility("default")))
#else
#define RMM_API
#endif

/**
 * @brief A CUDA stream.
 *
 * The same type as the runtime's `cudaStream_t`, declared here so that the public
 * headers need no CUDA include path: a `cudaStream_t` passes where an `rmm_stream_t`
 * is expected. NULL is the default stream.
 */
typedef struct CUstream_st *rmm_stream_t;

/** @brief The default stream (CUDA's stream 0). */
#define RMM_STREAM_DEFAULT ((rmm_stream_t)0)
/** @brief CUDA's legacy default stream handle (`cudaStreamLegacy`). */
#define RMM_STREAM_LEGACY ((rmm_stream_t)0x1)
/** @brief CUDA's per-thread default stream handle (`cudaStreamPerThread`). */
#define RMM_STREAM_PER_THREAD ((rmm_stream_t)0x2)

/** @brief The alignment every resource guarantees unless asked for more. */
#define RMM_ALLOCATION_ALIGNMENT ((size_t)256)

/**
 * @brief The result of every fallible librmm function.
 *
 * The error codes mirror upstream RMM's exception types. After a failure,
 * rmm_last_error_message() describes it.
 */
typedef enum rmm_status {
  RMM_SUCCESS = 0,                /**< the call succeeded */
  RMM_ERROR_INVALID_ARGUMENT = 1, /**< a bad argument (rmm::logic_error) */
  RMM_ERROR_OUT_OF_MEMORY = 2,    /**< the resource or its upstream has no room (rmm::out_of_memory) */
  RMM_ERROR_BAD_ALLOC = 3,        /**< allocation failed for another reason (rmm::bad_alloc) */
  RMM_ERROR_CUDA = 4,             /**< a CUDA runtime call failed (rmm::cuda_error) */
  RMM_ERROR_NOT_SUPPORTED = 5,    /**< the device, driver or build lacks the feature */
  RMM_ERROR_IO = 6                /**< a file could not be opened or written */
} rmm_status_t;

/**
 * @brief Names a status code.
 * @param status any value; unknown values give "unknown status".
 * @return a static string such as "out of memory"; never NULL.
 */
RMM_API const char *rmm_status_string(rmm_status_t status);

/**
 * @brief Describes the calling thread's last failure.
 *
 * One sentence with the figures a user needs, e.g.
 * `cuda: out of memory (failed to allocate 1.00 PiB)`. The text stays until the
 * thread's next failure; a thread that has not failed gets an empty string.
 * @return a thread-local string; never NULL.
 */
RMM_API const char *rmm_last_error_message(void);

/**
 * @brief The CUDA error behind the calling thread's last failure.
 *
 * Set for RMM_ERROR_CUDA and for out-of-memory failures that CUDA reported
 * (cudaErrorMemoryAllocation); cleared by failures that involved no CUDA call.
 * @return a `cudaError_t` value as an int; 0 (cudaSuccess) when none.
 */
RMM_API int rmm_last_cuda_error(void);

#ifdef __cplusplus
}
#endif

#endif
