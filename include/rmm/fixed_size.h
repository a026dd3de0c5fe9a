/**
 * @file rmm/fixed_size.h
 * @brief The fixed-size sub-allocator: blocks of one size, kept per stream.
 */
#ifndef RMM_FIXED_SIZE_H
#define RMM_FIXED_SIZE_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates a fixed-size resource (RMM's fixed_size_memory_resource).
 *
 * Every allocation is one block of @p block_size bytes, whatever its request. Blocks are
 * taken from @p upstream @p blocks_to_preallocate at a time, kept on per-stream free lists
 * (see rmm(7), stream ordering) and returned to the upstream when the resource is destroyed.
 * @param upstream the resource blocks come from; NULL means the current device resource.
 *        The resource holds a reference on it.
 * @param block_size bytes per block, rounded up to 256; 0 means 1 MiB.
 * @param blocks_to_preallocate blocks taken from upstream at creation and at each growth;
 *        0 means 128.
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or sizes whose product
 *         overflows; the upstream's status when the first blocks cannot be had;
 *         RMM_ERROR_BAD_ALLOC. Allocating more than the block size, or with an alignment
 *         above 256, later fails with RMM_ERROR_INVALID_ARGUMENT.
 */
RMM_API rmm_status_t rmm_fixed_size_create(rmm_resource_t *upstream, size_t block_size, size_t blocks_to_preallocate,
                                           rmm_resource_t **out);

/**
 * @brief The block size of a fixed-size resource.
 * @param mr a fixed-size resource.
 * @param bytes receives the block size.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT when @p mr is not a fixed-size resource
 *         or @p bytes is NULL.
 */
RMM_API rmm_status_t rmm_fixed_size_block_size(const rmm_resource_t *mr, size_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
