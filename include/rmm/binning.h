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
 * @param upstream the resource for requests larger than every bin; NULL means the
 *        current device resource. The resource holds a reference on it.
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_binning_create(rmm_resource_t *upstream, rmm_resource_t **out);

/**
 * @brief Creates a binning resource with a fixed-size bin for each power of two from
 *        2^@p min_log2 to 2^@p max_log2 bytes, each over @p upstream.
 * @param upstream the resource of the bins and of larger requests; NULL means the current
 *        device resource.
 * @param min_log2 the smallest bin, as a power of two (at most 62).
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
 * Not thread-safe with allocations on @p mr: add bins before using it. A bin of the same
 * size replaces the earlier one.
 * @param mr a binning resource.
 * @param allocation_size the largest request the bin serves.
 * @param bin_mr the bin's resource (the binning resource holds a reference on it); NULL
 *        creates a fixed-size resource of @p allocation_size blocks over the upstream.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT when @p mr is not a binning resource or
 *         @p allocation_size is 0; the status of creating the bin; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_binning_add_bin(rmm_resource_t *mr, size_t allocation_size, rmm_resource_t *bin_mr);

#ifdef __cplusplus
}
#endif

#endif
