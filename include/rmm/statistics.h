/**
 * @file rmm/statistics.h
 * @brief The statistics adaptor: byte and allocation counters, with nested scopes.
 */
#ifndef RMM_STATISTICS_H
#define RMM_STATISTICS_H

#include <stdint.h>

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief A set of counters of a statistics adaptor (RMM's pair of byte and allocation counters).
 *
 * Set `struct_size` to `sizeof(rmm_statistics_t)` before passing the struct in; the
 * library fills no more than that. The figures are signed because a scope opened with
 * rmm_statistics_push_counters() sees frees of memory allocated before it as negative
 * current figures (the outermost set never drops below zero).
 */
typedef struct rmm_statistics {
  size_t struct_size;    /**< set by the caller: sizeof(rmm_statistics_t) */
  int64_t current_bytes; /**< bytes allocated and not yet freed */
  int64_t peak_bytes;    /**< the highest current_bytes so far */
  int64_t total_bytes;   /**< bytes allocated, freed or not */
  int64_t current_count; /**< allocations not yet freed */
  int64_t peak_count;    /**< the highest current_count so far */
  int64_t total_count;   /**< allocations made, freed or not */
} rmm_statistics_t;

/**
 * @brief Creates an adaptor that counts the bytes and allocations that pass through it
 * (RMM's statistics_resource_adaptor).
 *
 * Sizes are counted as the caller gave them. Failed allocations are not counted;
 * 0-byte requests never reach the adaptor (the library answers them) and are not
 * counted either. Properties are the upstream's. Thread-safe, getters included.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_statistics_create(rmm_resource_t *upstream, rmm_resource_t **out);

/**
 * @brief Reads the counters of the innermost scope of a statistics adaptor.
 * @param mr a statistics adaptor.
 * @param out filled up to `out->struct_size` bytes.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments, a struct_size too small
 *         for the first figure, or a resource of another family.
 */
RMM_API rmm_status_t rmm_statistics_get(const rmm_resource_t *mr, rmm_statistics_t *out);

/**
 * @brief Opens a nested scope: a fresh set of counters, all zero, takes the counting.
 *
 * The enclosing sets stop changing until the scope is closed with
 * rmm_statistics_pop_counters().
 * @param mr a statistics adaptor.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL resource or one of another
 *         family; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_statistics_push_counters(rmm_resource_t *mr);

/**
 * @brief Closes the innermost scope and merges it into the enclosing one.
 *
 * The enclosing set then reads as if the scope's activity had happened in it directly:
 * its current and total figures grow by the scope's, and its peak becomes the larger of
 * its own peak and its current figure plus the scope's peak.
 * @param mr a statistics adaptor.
 * @param popped receives the closed scope's counters (filled up to `popped->struct_size`
 *        bytes); NULL discards them.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT when only the outermost set is left (it
 *         cannot be popped), for a NULL resource or one of another family, or a struct_size
 *         too small.
 */
RMM_API rmm_status_t rmm_statistics_pop_counters(rmm_resource_t *mr, rmm_statistics_t *popped);

#ifdef __cplusplus
}
#endif

#endif
