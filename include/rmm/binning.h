/**
 * @file rmm/binning.h
 * @brief The binning resource: requests routed to bins by size, the rest to an upstream.
 */
#ifndef RMM_BINNING_H
#define RMM_BINNING_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates a binning resource with no bins (RMM's binning_memory_resource).
 *
 * Until bins are added with rmm_binning_add_bin(), every request goes to @p upstream.
 * A request goes to the smallest bin whose size is at least the request, or to @p upstream
 * when no bin is that large; a free goes where a request of its size would, so it must
 * be given the size that was allocated. The alignment is passed on to the bin or upstream.
 * rmm_resource_get_stats() reports the bytes handed out; reserved bytes, free blocks and
 * upstream chunks are the sums over the bins plus what went straight to @p upstream,
 * reported only when every bin reports them. A failure's message names the bin.
 * @param upstream the resource for requests larger than every bin; NULL means the
 *        current device resource. The resource holds a reference on it.
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_binning_create(rmm_resource_t *upstream, rmm_resource_t **out);

/**
 * @brief Creates a binning resource with a fixed-size bin for each power of two from
 *        2^@p min_log2 to 2^@p max_log2 bytes, each over @p upstream.
 *
 * Each bin is what rmm_binning_add_bin() makes for a NULL bin resource: a fixed-size
 * resource with its default preallocation (128 blocks), so bins of 2^18 to 2^22 take
 * about 992 MiB from @p upstream at once. Bins below 256 bytes are rounded up to 256.
 * @param upstream the resource of the bins and of larger requests; NULL means the current
 *        device resource.
 * @param min_log2 the smallest bin, as a power of two (0 to 62).
 * @param max_log2 the largest bin, as a power of two, at least @p min_log2 (at most 62).
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or a bad range; the
 *         status of creating a bin (RMM_ERROR_OUT_OF_MEMORY when its blocks cannot be had);
 *         RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_binning_create_range(rmm_resource_t *upstream, int min_log2, int max_log2,
                                              rmm_resource_t **out);

/**
 * @brief Adds a bin: requests of up to @p allocation_size bytes that no smaller bin takes
 *        go to @p bin_mr.
 *
 * Not thread-safe with allocations on @p mr: add bins before using it. The size is
 * rounded up to a multiple of 256 bytes, as RMM does; a bin of the same (rounded) size
 * replaces the earlier one, whose reference is released.
 * @param mr a binning resource.
 * @param allocation_size the largest request the bin serves.
 * @param bin_mr the bin's resource (the binning resource holds a reference on it). As in
 *        RMM it may give another kind of memory than @p mr; one lacking a property of
 *        @p mr (rmm_resource_properties()) is taken with a warning in the debug log.
 *        NULL creates a fixed-size resource of @p allocation_size blocks (rounded) over
 *        the upstream.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT when @p mr is not a binning resource
 *         or @p allocation_size is 0 or too large to round; the status of creating the
 *         bin; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_binning_add_bin(rmm_resource_t *mr, size_t allocation_size, rmm_resource_t *bin_mr);

#ifdef __cplusplus
}
#endif

#endif
