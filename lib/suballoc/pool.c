/*
 * The pool sub-allocator (RMM's pool_memory_resource): coalescing best fit over
 * chunks taken from an upstream. The stream-ordered layer (stream_ordered.h) does
 * the streams, locks, chunks and block index; the pool keeps its free blocks in
 * free sets (ds/free_set.h), where touching blocks of one chunk coalesce.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <rmm/pool.h>

#include "core/error.h"
#include "core/log.h"
#include "core/resource.h"
#include "suballoc/ds/free_set.h"
#include "suballoc/pool_internal.h"
#include "suballoc/stream_ordered.h"

/* ---- free sets as the layer's bags ---- */

static void set_init(void *bag) { rmm__ds_free_set_init(bag); }
static void set_fini(void *bag) { rmm__ds_free_set_fini(bag); }

static bool set_reserve(void *bag, size_t extra)
{
  return rmm__ds_free_set_reserve(bag, rmm__ds_free_set_count(bag) + extra);
}

static bool set_take(void *bag, size_t size, rmm__ds_free_block_t *out) { return rmm__ds_free_set_take(bag, size, out); }

/* Room was reserved, so the insert cannot fail. */
static void set_put(void *bag, rmm__ds_free_block_t block)
{
  (void)rmm__ds_free_set_insert(bag, block.addr, block.size, block.chunk);
}

static bool set_move_all(void *dst, void *src) { return rmm__ds_free_set_move_all(dst, src); }
static size_t set_count(const void *bag) { return rmm__ds_free_set_count(bag); }
static size_t set_bytes(const void *bag) { return rmm__ds_free_set_total_bytes(bag); }
static size_t set_largest(const void *bag) { return rmm__ds_free_set_largest(bag); }

static bool set_last(const void *bag, rmm__ds_free_block_t *out) { return rmm__ds_free_set_last(bag, out); }

static bool set_next(const void *bag, uintptr_t *cursor, rmm__ds_free_block_t *out)
{
  if (!rmm__ds_free_set_next(bag, *cursor, out))
    return false;
  *cursor = out->addr + 1;
  return true;
}

static bool set_add_chunk(const rmm__so_t *so, void *bag, uintptr_t base, size_t size, uint32_t chunk)
{
  (void)so;
  return rmm__ds_free_set_insert(bag, base, size, chunk);
}

/* A wholly free chunk is one block: blocks of one chunk always coalesce. */
static bool set_remove_chunk(const rmm__so_t *so, void *bag, uintptr_t base, size_t size)
{
  (void)so;
  rmm__ds_free_block_t block;
  return rmm__ds_free_set_find(bag, base, &block) && block.size == size && rmm__ds_free_set_remove(bag, base, NULL);
}

static bool set_remove_free_chunks(const rmm__so_t *so, void *bag, const rmm__so_chunk_t *chunks, uint32_t count,
                                   bool *removed)
{
  for (uint32_t id = 0; id < count; id++)
    removed[id] = chunks[id].size != 0 && set_remove_chunk(so, bag, chunks[id].base, chunks[id].size);
  return true;
}

/*
 * Geometric growth: as much as the pool holds already, capped by the room under the
 * maximum. The chunk is then cut to a whole number of requests, so that a run of
 * equal requests fills chunks exactly and leaves no piece too small for the next
 * one (rmm#1664: eight 8 MiB requests under a 64 MiB maximum).
 */
static size_t pool_chunk_size(const rmm__so_t *so, size_t size, size_t room)
{
  size_t want = so->reserved > size ? so->reserved : size;
  if (want > room)
    want = room;
  return want - want % size;
}

/* The message of a request that cannot be served. */
static rmm_status_t pool_out_of_memory(rmm__so_t *so, size_t bytes, rmm_status_t upstream_status)
{
  char request[RMM_BYTES_TEXT], size[RMM_BYTES_TEXT], largest[RMM_BYTES_TEXT], cause[320] = "";
  if (upstream_status != RMM_SUCCESS)
    snprintf(cause, sizeof cause, "; upstream %s: %s", so->upstream != NULL ? rmm_resource_name(so->upstream) : "range",
             rmm_last_error_message());
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  rmm__so_get_stats(so, &stats);
  rmm_status_t status = upstream_status == RMM_SUCCESS || upstream_status == RMM_ERROR_OUT_OF_MEMORY
                            ? RMM_ERROR_OUT_OF_MEMORY
                            : upstream_status;
  return rmm__fail(status, "%s: %s (failed to allocate %s = %zu bytes; pool %s, largest free block %s%s)",
                   so->family->name, upstream_status == RMM_SUCCESS ? "maximum size exceeded" : "out of memory",
                   rmm__format_bytes(bytes, request), bytes, rmm__format_bytes(stats.bytes_reserved, size),
                   rmm__format_bytes(stats.largest_free_block, largest), cause);
}

#define POOL_BAGS                                                                                                  \
  .bag_size = sizeof(rmm__ds_free_set_t), .bag_init = set_init, .bag_fini = set_fini, .bag_reserve = set_reserve,     \
  .bag_take = set_take, .bag_put = set_put, .bag_move_all = set_move_all, .bag_count = set_count,                    \
  .bag_bytes = set_bytes, .bag_largest = set_largest, .bag_next = set_next, .bag_last = set_last,                    \
  .bag_add_chunk = set_add_chunk, .bag_remove_chunk = set_remove_chunk,                                              \
  .bag_remove_free_chunks = set_remove_free_chunks, .chunk_size = pool_chunk_size,                                   \
  .out_of_memory = pool_out_of_memory

static const rmm__so_family_t pool_family = {.name = "pool", .noun = "pool", POOL_BAGS};

/* The expandable pool: the same bags over one range that grows and shrinks at its end. */
static const rmm__so_family_t expandable_family = {.name = "expandable_pool", .noun = "pool", POOL_BAGS};

/* ---- the verbs ---- */

/* A request rounded to the pool's alignment; one that cannot be rounded is more than any pool holds. */
static size_t rounded(size_t bytes)
{
  size_t size;
  return rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &size) ? size : SIZE_MAX & ~(size_t)(RMM_ALLOCATION_ALIGNMENT - 1);
}

static rmm_status_t pool_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  if (alignment > RMM_ALLOCATION_ALIGNMENT)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "pool: alignment %zu is above the %zu bytes the pool honours",
                     alignment, (size_t)RMM_ALLOCATION_ALIGNMENT);
  return rmm__so_allocate(state, ptr, rounded(bytes), bytes, stream);
}

static rmm_status_t pool_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  return rmm__so_deallocate(state, ptr, rounded(bytes), stream);
}

static void pool_get_stats(const void *state, rmm_resource_stats_t *out)
{
  /* The figures are read under the layer's locks, which live in the state. */
  rmm__so_get_stats((rmm__so_t *)state, out);
}

static void pool_destroy(void *state) { rmm__so_destroy(state); }
static rmm_status_t pool_trim(void *state, size_t *released) { return rmm__so_trim(state, released); }
static void pool_reset_peak(void *state) { rmm__so_reset_peak(state); }
static void pool_snapshot(const void *state, rmm__snapshot_t *snap) { rmm__so_snapshot((rmm__so_t *)state, snap); }

static const rmm_impl_t pool_impl = {
    .name = "pool",
    .allocate = pool_allocate,
    .deallocate = pool_deallocate,
    .get_stats = pool_get_stats,
    .destroy = pool_destroy,
    .trim = pool_trim,
    .reset_peak = pool_reset_peak,
    .snapshot = pool_snapshot,
};

static const rmm_impl_t expandable_impl = {
    .name = "expandable_pool",
    .allocate = pool_allocate,
    .deallocate = pool_deallocate,
    .get_stats = pool_get_stats,
    .destroy = pool_destroy,
    .trim = pool_trim,
    .reset_peak = pool_reset_peak,
    .snapshot = pool_snapshot,
};

static rmm_status_t check_sizes(size_t initial_size, size_t maximum_size)
{
  char initial[RMM_BYTES_TEXT], maximum[RMM_BYTES_TEXT];
  if (initial_size % RMM_ALLOCATION_ALIGNMENT != 0 || maximum_size % RMM_ALLOCATION_ALIGNMENT != 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_pool_create: the %s size %zu is not a multiple of %zu bytes",
                     initial_size % RMM_ALLOCATION_ALIGNMENT != 0 ? "initial" : "maximum",
                     initial_size % RMM_ALLOCATION_ALIGNMENT != 0 ? initial_size : maximum_size,
                     (size_t)RMM_ALLOCATION_ALIGNMENT);
  if (maximum_size != 0 && initial_size > maximum_size)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_pool_create: the initial size %s is above the maximum %s",
                     rmm__format_bytes(initial_size, initial), rmm__format_bytes(maximum_size, maximum));
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_pool_create(rmm_resource_t *upstream, size_t initial_size, size_t maximum_size,
                                     rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_pool_create: the output pointer is NULL");
  *out = NULL;
  rmm_status_t status = check_sizes(initial_size, maximum_size);
  if (status != RMM_SUCCESS)
    return status;
  rmm__so_t *so = calloc(1, sizeof *so);
  if (so == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_pool_create: no host memory for the resource");
  status = rmm__so_create(so, &pool_family, &pool_impl, upstream, initial_size, maximum_size, out);
  if (status != RMM_SUCCESS)
    return status;
  char initial[RMM_BYTES_TEXT], maximum[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "pool: created over %s, initial %s, maximum %s", rmm_resource_name(so->upstream),
          rmm__format_bytes(initial_size, initial),
          maximum_size != 0 ? rmm__format_bytes(maximum_size, maximum) : "none");
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_pool_size(const rmm_resource_t *mr, size_t *bytes)
{
  rmm__so_t *so = rmm__resource_state(mr, &pool_impl);
  if (so == NULL || bytes == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_pool_size: %s",
                     bytes == NULL ? "the output pointer is NULL" : "the resource is not a pool");
  *bytes = rmm__so_reserved(so);
  return RMM_SUCCESS;
}

rmm_status_t rmm__pool_create_over_vmm(rmm__vmm_t *vmm, size_t initial_size, unsigned properties,
                                       rmm_resource_t **out)
{
  rmm__so_t *so = calloc(1, sizeof *so);
  if (so == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_expandable_pool_create: no host memory for the resource");
  return rmm__so_create_over_vmm(so, &expandable_family, &expandable_impl, vmm, initial_size, properties, out);
}
