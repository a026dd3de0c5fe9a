/**
 * @file rmm/limiting.h
 * @brief The limiting adaptor: a hard cap on the bytes allocated through it.
 */
#ifndef RMM_LIMITING_H
#define RMM_LIMITING_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates an adaptor that fails allocations that would take it past @p limit bytes
 * (RMM's limiting_resource_adaptor).
 *
 * Each allocation counts as its size rounded up to @p alignment. A request that would
 * pass the limit fails with RMM_ERROR_OUT_OF_MEMORY before the upstream is asked, so
 * nothing is allocated. Concurrent allocations never pass the limit together. Memory
 * allocated directly from the upstream is not counted. Properties are the upstream's.
 * Thread-safe.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param limit the most bytes that may be allocated through the adaptor at once.
 * @param alignment the granularity at which sizes are counted: a power of two; 0 means
 *        RMM_ALLOCATION_ALIGNMENT.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or an alignment that is
 *         neither 0 nor a power of two; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_limiting_create(rmm_resource_t *upstream, size_t limit, size_t alignment,
                                         rmm_resource_t **out);

/**
 * @brief The bytes allocated through a limiting adaptor and not yet freed, as counted
 * against the limit (sizes rounded up to the adaptor's alignment).
 * @param mr a limiting adaptor.
 * @param bytes receives the figure; allocations in flight on other threads may be missing.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a resource of another family.
 */
RMM_API rmm_status_t rmm_limiting_allocated(const rmm_resource_t *mr, size_t *bytes);

/**
 * @brief The limit of a limiting adaptor.
 * @param mr a limiting adaptor.
 * @param bytes receives the limit given at creation.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a resource of another family.
 */
RMM_API rmm_status_t rmm_limiting_limit(const rmm_resource_t *mr, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
