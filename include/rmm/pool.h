/**
 * @file rmm/pool.h
 * @brief The pool sub-allocator: coalescing best fit over chunks taken from an upstream.
 */
#ifndef RMM_POOL_H
#define RMM_POOL_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates a pool resource (RMM's pool_memory_resource).
 *
 * The pool takes @p initial_size bytes from @p upstream now and grows in chunks when a
 * request does not fit, trying a chunk large enough to keep growth geometric and falling
 * back to smaller ones down to what the request needs. Free blocks are kept per stream
 * (see rmm(7), stream ordering), found best fit (smallest block that fits, lowest address
 * on ties) and coalesced with their address neighbours, never across upstream chunks.
 * Sizes are rounded up to 256 bytes; alignments above 256 are refused
 * (RMM_ERROR_INVALID_ARGUMENT). A request that does not fit even after merging every
 * stream's free blocks and growing fails with RMM_ERROR_OUT_OF_MEMORY and a message
 * naming the request, the pool size and the largest free block. Every chunk goes back
 * to the upstream when the pool is destroyed.
 * @param upstream the resource chunks come from; NULL means the current device resource.
 *        The pool holds a reference on it.
 * @param initial_size bytes to take at creation; a multiple of 256; may be 0.
 * @param maximum_size the most the pool takes from upstream in all; a multiple of 256
 *        and at least @p initial_size; 0 means no limit.
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or sizes that are not
 *         multiples of 256 or an initial size above the maximum; the upstream's status when
 *         the initial chunk cannot be had (RMM_ERROR_OUT_OF_MEMORY, RMM_ERROR_CUDA);
 *         RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_pool_create(rmm_resource_t *upstream, size_t initial_size, size_t maximum_size,
                                     rmm_resource_t **out);

/**
 * @brief The bytes the pool holds from its upstream (in use and free).
 * @param mr a pool resource.
 * @param bytes receives the size.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT when @p mr is not a pool or @p bytes is NULL.
 */
RMM_API rmm_status_t rmm_pool_size(const rmm_resource_t *mr, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
