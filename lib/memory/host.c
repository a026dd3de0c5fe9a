/*
 * Aligned host heap memory (RMM's new_delete resource). It makes no CUDA call, which
 * is what lets every sub-allocator and adaptor run, and be tested, without a GPU.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "core/construct.h"
#include "core/error.h"
#include "memory/leaf.h"

static rmm_status_t host_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  rmm_leaf_t *leaf = state;
  char size[RMM_BYTES_TEXT];
  if (alignment < RMM_ALLOCATION_ALIGNMENT)
    alignment = RMM_ALLOCATION_ALIGNMENT;
  /* aligned_alloc wants a size that is a multiple of the alignment. */
  size_t padded;
  /* No allocator serves more than PTRDIFF_MAX bytes; larger sizes fail without asking. */
  if (!rmm__align_up(bytes, alignment, &padded) || padded > PTRDIFF_MAX)
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "host: out of memory (failed to allocate %s = %zu bytes: too large)",
                     rmm__format_bytes(bytes, size), bytes);
  void *memory = aligned_alloc(alignment, padded);
  if (memory == NULL)
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "host: out of memory (failed to allocate %s = %zu bytes)",
                     rmm__format_bytes(bytes, size), bytes);
  rmm__usage_add(&leaf->usage, bytes);
  *ptr = memory;
  return RMM_SUCCESS;
}

static rmm_status_t host_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  (void)stream;
  rmm_leaf_t *leaf = state;
#ifdef __GLIBC__
  /* A size larger than the block cannot be the one it was allocated with. */
  size_t usable = malloc_usable_size(ptr);
  if (bytes > usable)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "host: %p holds %zu bytes, so it was not allocated with the %zu bytes given to free it", ptr,
                     usable, bytes);
#endif
  free(ptr);
  rmm__usage_sub_saturating(&leaf->usage, bytes);
  return RMM_SUCCESS;
}

static const rmm_impl_t host_impl = {
    .name = "host",
    .allocate = host_allocate,
    .deallocate = host_deallocate,
    .is_equal = rmm__leaf_always_equal,
    .get_stats = rmm__leaf_get_stats,
    .reset_peak = rmm__leaf_reset_peak,
    .destroy = rmm__leaf_destroy,
};

RMM_API rmm_status_t rmm_host_create(rmm_resource_t **out)
{
  return rmm__leaf_create(&host_impl, RMM_HOST_ACCESSIBLE, out);
}
