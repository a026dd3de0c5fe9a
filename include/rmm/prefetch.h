/**
 * @file rmm/prefetch.h
 * @brief The prefetch adaptor: managed memory migrates to the device as it is allocated.
 */
#ifndef RMM_PREFETCH_H
#define RMM_PREFETCH_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates an adaptor that prefetches every allocation to the current device on its
 * stream (RMM's prefetch_resource_adaptor).
 *
 * After each allocation the adaptor calls cudaMemPrefetchAsync for the block on the
 * allocation's stream, so the first kernel on it does not fault the pages in. Memory
 * that cannot migrate (not managed), and devices without concurrent managed access,
 * are left alone without error. Over an upstream that is not device accessible the
 * adaptor makes no CUDA call. Properties are the upstream's. Thread-safe.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; RMM_ERROR_BAD_ALLOC.
 *         An allocation through the adaptor fails with RMM_ERROR_CUDA when the prefetch
 *         fails for another reason; its memory is freed then.
 */
RMM_API rmm_status_t rmm_prefetch_create(rmm_resource_t *upstream, rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
