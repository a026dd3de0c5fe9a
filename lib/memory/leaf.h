/* What the leaf resources share: argument checks and CUDA failure mapping. */
#ifndef RMM_MEMORY_LEAF_H
#define RMM_MEMORY_LEAF_H

#include "core/resource.h"

/* Leaf resources keep only their usage counters: instances of a family are interchangeable. */
typedef struct rmm_leaf {
  rmm_usage_t usage;
} rmm_leaf_t;

/* RMM_ERROR_INVALID_ARGUMENT for an alignment above what the family can honour. */
rmm_status_t rmm__leaf_check_alignment(const char *family, size_t alignment, size_t limit);

/* Maps a failed CUDA allocation: out of memory, else RMM_ERROR_CUDA; the message names the size. */
rmm_status_t rmm__leaf_allocation_failed(const char *family, const char *call, int cuda_error, size_t bytes);

/* Creates a leaf resource of `impl` with fresh counters. */
rmm_status_t rmm__leaf_create(const rmm_impl_t *impl, unsigned properties, rmm_resource_t **out);

/* The is_equal, get_stats, reset_peak and destroy of every stateless leaf. */
bool rmm__leaf_always_equal(const void *state, const void *other_state);
void rmm__leaf_get_stats(const void *state, rmm_resource_stats_t *out);
void rmm__leaf_reset_peak(void *state);
void rmm__leaf_destroy(void *state);

#endif
