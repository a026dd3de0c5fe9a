/*
 * The aligned adaptor. Every resource returns addresses aligned to 256 bytes; for more,
 * the adaptor asks its upstream for a block padded by the difference and returns the
 * first address inside it with the wanted alignment. The upstream's own address is kept
 * in a host-side table keyed by the address returned, since the memory may be device
 * memory and nothing can be written next to it.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <rmm/aligned.h>

#include "core/construct.h"
#include "core/ptr_map.h"

typedef struct aligned {
  rmm_resource_t *upstream;
  size_t alignment;     /* at least RMM_ALLOCATION_ALIGNMENT */
  size_t threshold;
  pthread_mutex_t lock; /* guards blocks */
  rmm_ptr_map_t blocks; /* address returned -> upstream's address, for padded blocks */
  rmm_usage_t usage;    /* the callers' bytes */
  rmm_usage_t reserved; /* the bytes taken from the upstream, padding included */
} aligned_t;

/* The alignment a request gets: the adaptor's for large requests, the caller's if larger. */
static size_t wanted_alignment(const aligned_t *al, size_t bytes, size_t requested)
{
  size_t wanted = bytes >= al->threshold ? al->alignment : RMM_ALLOCATION_ALIGNMENT;
  return requested > wanted ? requested : wanted;
}

/*
 * The padded size asked of the upstream: the size rounded to 256 plus room to slide the
 * start up to the next multiple of `alignment` (> 256) from any 256-aligned address.
 * False when that overflows.
 */
static bool padded_size(size_t bytes, size_t alignment, size_t *padded)
{
  size_t rounded;
  if (!rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &rounded))
    return false;
  size_t slack = alignment - RMM_ALLOCATION_ALIGNMENT;
  if (rounded > SIZE_MAX - slack)
    return false;
  *padded = rounded + slack;
  return true;
}

/* Gives a padded block back when the allocation cannot complete; the caller then sets the message. */
static void undo_allocation(aligned_t *al, void *block, size_t padded, rmm_stream_t stream)
{
  if (rmm_deallocate_aligned(al->upstream, block, padded, RMM_ALLOCATION_ALIGNMENT, stream) != RMM_SUCCESS)
    RMM_LOG(RMM_LOG_ERROR, "aligned: could not return %p (%zu bytes) to the upstream after a failure", block, padded);
}

static rmm_status_t allocate_padded(aligned_t *al, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  char size[RMM_BYTES_TEXT];
  size_t padded;
  if (!padded_size(bytes, alignment, &padded))
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
                     "aligned: out of memory (failed to allocate %s = %zu bytes aligned to %zu: too large)",
                     rmm__format_bytes(bytes, size), bytes, alignment);
  void *block;
  rmm_status_t status = rmm_allocate_aligned(al->upstream, &block, padded, RMM_ALLOCATION_ALIGNMENT, stream);
  if (status != RMM_SUCCESS)
    return status;

  uintptr_t start = ((uintptr_t)block + alignment - 1) & ~(uintptr_t)(alignment - 1);
  /* An upstream that broke the 256-byte promise leaves too little room after the slide. */
  if (start - (uintptr_t)block > padded - bytes) {
    undo_allocation(al, block, padded, stream);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "aligned: the %s upstream returned %p, which is not %zu-byte aligned",
                     rmm_resource_name(al->upstream), block, (size_t)RMM_ALLOCATION_ALIGNMENT);
  }

  pthread_mutex_lock(&al->lock);
  rmm_ptr_insert_t inserted = rmm__ptr_map_insert(&al->blocks, (void *)start, block);
  pthread_mutex_unlock(&al->lock);
  if (inserted != RMM_PTR_INSERTED) {
    undo_allocation(al, block, padded, stream);
    if (inserted == RMM_PTR_DUPLICATE)
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "aligned: the %s upstream returned %p, overlapping a block still in use",
                       rmm_resource_name(al->upstream), block);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "aligned: no host memory to record the block at %p", block);
  }
  rmm__usage_add(&al->usage, bytes);
  rmm__usage_add(&al->reserved, padded);
  *ptr = (void *)start;
  return RMM_SUCCESS;
}

static rmm_status_t aligned_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  aligned_t *al = state;
  size_t wanted = wanted_alignment(al, bytes, alignment);
  if (wanted > RMM_ALLOCATION_ALIGNMENT)
    return allocate_padded(al, ptr, bytes, wanted, stream);

  /* What every resource gives anyway: no padding, no table entry. */
  rmm_status_t status = rmm_allocate_aligned(al->upstream, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS) {
    rmm__usage_add(&al->usage, bytes);
    rmm__usage_add(&al->reserved, bytes);
  }
  return status;
}

static rmm_status_t deallocate_padded(aligned_t *al, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  size_t padded;
  void *block = NULL;
  pthread_mutex_lock(&al->lock);
  bool found = padded_size(bytes, alignment, &padded) && rmm__ptr_map_remove(&al->blocks, ptr, &block);
  pthread_mutex_unlock(&al->lock);
  if (!found)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "aligned: %p (%zu bytes, alignment %zu) was not allocated by this adaptor", ptr, bytes, alignment);

  rmm_status_t status = rmm_deallocate_aligned(al->upstream, block, padded, RMM_ALLOCATION_ALIGNMENT, stream);
  if (status != RMM_SUCCESS) {
    /* The upstream kept the block, so it is still ours to free later. */
    pthread_mutex_lock(&al->lock);
    rmm__ptr_map_insert(&al->blocks, ptr, block);
    pthread_mutex_unlock(&al->lock);
    return status;
  }
  rmm__usage_sub_saturating(&al->usage, bytes);
  rmm__usage_sub_saturating(&al->reserved, padded);
  return RMM_SUCCESS;
}

static rmm_status_t aligned_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  aligned_t *al = state;
  size_t wanted = wanted_alignment(al, bytes, alignment);
  if (wanted > RMM_ALLOCATION_ALIGNMENT)
    return deallocate_padded(al, ptr, bytes, wanted, stream);
  rmm_status_t status = rmm_deallocate_aligned(al->upstream, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS) {
    rmm__usage_sub_saturating(&al->usage, bytes);
    rmm__usage_sub_saturating(&al->reserved, bytes);
  }
  return status;
}

static void aligned_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const aligned_t *al = state;
  rmm__usage_stats(&al->usage, false, out);
  out->bytes_reserved = atomic_load_explicit(&al->reserved.in_use, memory_order_relaxed);
  out->flags |= RMM_STATS_RESERVED;
}

static void aligned_destroy(void *state)
{
  aligned_t *al = state;
  if (al->blocks.count != 0)
    RMM_LOG(RMM_LOG_DEBUG, "aligned: destroyed with %zu padded blocks outstanding", al->blocks.count);
  rmm__ptr_map_free(&al->blocks);
  pthread_mutex_destroy(&al->lock);
  free(al);
}

static void aligned_reset_peak(void *state)
{
  aligned_t *al = state;
  rmm__usage_reset_peak(&al->usage);
}

static const rmm_impl_t aligned_impl = {
    .name = "aligned",
    .allocate = aligned_allocate,
    .deallocate = aligned_deallocate,
    .get_stats = aligned_get_stats,
    .destroy = aligned_destroy,
    .reset_peak = aligned_reset_peak,
};

RMM_API rmm_status_t rmm_aligned_create(rmm_resource_t *upstream, size_t alignment, size_t threshold,
                                        rmm_resource_t **out)
{
  rmm_status_t status = rmm__adaptor_begin("rmm_aligned_create", out);
  if (status != RMM_SUCCESS)
    return status;
  if (!rmm__is_pow2(alignment))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_aligned_create: alignment %zu is not a power of two",
                     alignment);
  rmm_resource_t *up = NULL;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  aligned_t *al = calloc(1, sizeof *al);
  if (al == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_aligned_create: no host memory for the adaptor");
  al->upstream = up;
  al->alignment = alignment > RMM_ALLOCATION_ALIGNMENT ? alignment : RMM_ALLOCATION_ALIGNMENT;
  al->threshold = threshold;
  status = rmm__mutex_init("rmm_aligned_create", &al->lock);
  if (status != RMM_SUCCESS) {
    free(al);
    return status;
  }
  status = rmm__adaptor_finish(&aligned_impl, al, up, out);
  if (status != RMM_SUCCESS)
    aligned_destroy(al);
  return status;
}
