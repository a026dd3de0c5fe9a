/**
 * @file rmm/aligned.h
 * @brief The aligned adaptor: larger alignments than the upstream gives, for large allocations.
 */
#ifndef RMM_ALIGNED_H
#define RMM_ALIGNED_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates an adaptor that aligns allocations of at least @p threshold bytes to @p alignment
 * (RMM's aligned_resource_adaptor).
 *
 * The adaptor over-allocates from the upstream and returns an address inside the block
 * that is a multiple of the alignment; it remembers the upstream's address in a side
 * table on the host (the memory itself is never written), so deallocation frees the
 * right block. Alignments up to RMM_ALLOCATION_ALIGNMENT are what every resource gives
 * anyway: such requests, and requests smaller than @p threshold, pass through unchanged.
 * An alignment asked for in rmm_allocate_aligned() larger than the adaptor's own is
 * honoured too, whatever the size. Properties are the upstream's. Thread-safe.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param alignment a power of two; values below RMM_ALLOCATION_ALIGNMENT act as that.
 * @param threshold requests of this many bytes or more are aligned; 0 aligns every request.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or an alignment that
 *         is not a power of two; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_aligned_create(rmm_resource_t *upstream, size_t alignment, size_t threshold,
                                        rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
