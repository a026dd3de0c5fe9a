/**
 * @file rmm/failure_callback.h
 * @brief The failure-callback adaptor: a hook that may free memory and retry when the upstream is full.
 */
#ifndef RMM_FAILURE_CALLBACK_H
#define RMM_FAILURE_CALLBACK_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Decides what follows an out-of-memory failure (RMM's failure_callback_t).
 * @param bytes the size of the allocation that failed.
 * @param arg the argument given to rmm_failure_callback_create().
 * @return true to try the allocation again (after making room, e.g. by spilling); false
 *         to return the failure to the caller.
 */
typedef bool (*rmm_failure_callback_t)(size_t bytes, void *arg);

/**
 * @brief Creates an adaptor that calls @p callback when its upstream runs out of memory
 * (RMM's failure_callback_resource_adaptor).
 *
 * When the upstream fails with RMM_ERROR_OUT_OF_MEMORY the adaptor calls
 * `callback(bytes, arg)`: true retries the allocation, false returns the upstream's
 * failure and message. There is no retry limit: the callback counts if it needs to.
 * Other failures are returned at once, without calling the callback. Size and
 * alignment reach the upstream unchanged. Properties are the upstream's. Thread-safe
 * when the callback is.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param callback called after each out-of-memory failure.
 * @param arg passed to @p callback.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL @p callback or @p out;
 *         RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_failure_callback_create(rmm_resource_t *upstream, rmm_failure_callback_t callback,
                                                 void *arg, rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
