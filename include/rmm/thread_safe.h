/**
 * @file rmm/thread_safe.h
 * @brief The thread-safe adaptor: one lock around a resource that is not thread-safe.
 */
#ifndef RMM_THREAD_SAFE_H
#define RMM_THREAD_SAFE_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates an adaptor that holds one mutex around every allocation and free of its
 * upstream (RMM's thread_safe_resource_adaptor).
 *
 * Every librmm resource is thread-safe already; this serves custom resources (see
 * rmm_resource_create()) that are not. rmm_resource_get_stats() on the adaptor reads the
 * upstream's figures under the same lock. Properties are the upstream's.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_thread_safe_create(rmm_resource_t *upstream, rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
