/*
 * The fixed-size sub-allocator (RMM's fixed_size_memory_resource): blocks of one
 * size, carved from upstream chunks of `batch` blocks, kept on one stack per stream
 * (stream_ordered.h). A block index of the blocks handed out refuses pointers the
 * resource never handed out, and double frees.
 *
 * Every stack has room for every block the resource owns, reserved when the
 * resource grows or when a stream's stack is made, so a free never allocates.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <rmm/fixed_size.h>

#include "core/error.h"
#include "core/log.h"
#include "core/resource.h"
#include "suballoc/ds/block_stack.h"
#include "suballoc/stream_ordered.h"

#define DEFAULT_BLOCK_SIZE ((size_t)1 << 20)
#define DEFAULT_BATCH 128

typedef struct fixed_state {
  rmm__so_t so; /* first: the layer frees the state */
  size_t block_size;
  size_t batch;
} fixed_state_t;

static const fixed_state_t *fixed_of(const rmm__so_t *so) { return (const fixed_state_t *)so; }

/* ---- stacks as the layer's bags ---- */

static void stack_init(void *bag) { rmm__ds_block_stack_init(bag); }
static void stack_fini(void *bag) { rmm__ds_block_stack_fini(bag); }
static bool stack_reserve(void *bag, size_t extra) { return rmm__ds_block_stack_reserve(bag, extra); }

/* Every block fits: the request was checked against the block size already. */
static bool stack_take(void *bag, size_t size, rmm__ds_free_block_t *out)
{
  (void)size;
  return rmm__ds_block_stack_pop(bag, out);
}

static void stack_put(void *bag, rmm__ds_free_block_t block) { rmm__ds_block_stack_push(bag, block); }
static bool stack_move_all(void *dst, void *src) { return rmm__ds_block_stack_move_all(dst, src); }
static size_t stack_count(const void *bag) { return ((const rmm__ds_block_stack_t *)bag)->count; }

static size_t stack_bytes(const void *bag)
{
  const rmm__ds_block_stack_t *stack = bag;
  return stack->count != 0 ? stack->count * stack->blocks[0].size : 0;
}

static size_t stack_largest(const void *bag)
{
  const rmm__ds_block_stack_t *stack = bag;
  return stack->count != 0 ? stack->blocks[0].size : 0;
}

static bool stack_next(const void *bag, uintptr_t *cursor, rmm__ds_free_block_t *out)
{
  const rmm__ds_block_stack_t *stack = bag;
  if (*cursor >= stack->count)
    return false;
  *out = stack->blocks[(*cursor)++];
  return true;
}

/* Pushed from the top down, so that the lowest address is handed out first. */
static bool stack_add_chunk(const rmm__so_t *so, void *bag, uintptr_t base, size_t size, uint32_t chunk)
{
  size_t block_size = fixed_of(so)->block_size, count = size / block_size;
  if (!rmm__ds_block_stack_reserve(bag, count))
    return false;
  for (size_t i = count; i-- > 0;)
    rmm__ds_block_stack_push(bag, (rmm__ds_free_block_t){base + i * block_size, block_size, chunk});
  return true;
}

/* One pass over the stack for every chunk: chunk by chunk, trim would walk it once per chunk. */
static bool stack_remove_free_chunks(const rmm__so_t *so, void *bag, const rmm__so_chunk_t *chunks, uint32_t count,
                                     bool *removed)
{
  size_t *blocks_per_chunk = malloc((count != 0 ? count : 1) * sizeof *blocks_per_chunk);
  if (blocks_per_chunk == NULL)
    return false;
  for (uint32_t id = 0; id < count; id++)
    blocks_per_chunk[id] = chunks[id].size / fixed_of(so)->block_size;
  bool ok = rmm__ds_block_stack_remove_whole_chunks(bag, blocks_per_chunk, count, removed);
  free(blocks_per_chunk);
  return ok;
}

/* Always one more batch: blocks of one size need no geometric growth to stay few chunks. */
static size_t fixed_chunk_size(const rmm__so_t *so, size_t size, size_t room)
{
  (void)size;
  (void)room;
  return fixed_of(so)->batch * fixed_of(so)->block_size;
}

static rmm_status_t fixed_out_of_memory(rmm__so_t *so, size_t bytes, rmm_status_t upstream_status)
{
  (void)bytes;
  const fixed_state_t *state = fixed_of(so);
  char request[RMM_BYTES_TEXT], held[RMM_BYTES_TEXT], cause[320] = "";
  if (upstream_status != RMM_SUCCESS)
    snprintf(cause, sizeof cause, ": %s", rmm_last_error_message());
  rmm_status_t status = upstream_status == RMM_SUCCESS ? RMM_ERROR_OUT_OF_MEMORY : upstream_status;
  return rmm__fail(status, "fixed_size: out of memory (failed to get %zu more blocks of %s; holding %s)%s",
                   state->batch, rmm__format_bytes(state->block_size, request),
                   rmm__format_bytes(rmm__so_reserved(so), held), cause);
}

static const rmm__so_family_t fixed_family = {
    .name = "fixed_size",
    .noun = "resource",
    .bag_size = sizeof(rmm__ds_block_stack_t),
    .bag_init = stack_init,
    .bag_fini = stack_fini,
    .bag_reserve = stack_reserve,
    .bag_take = stack_take,
    .bag_put = stack_put,
    .bag_move_all = stack_move_all,
    .bag_count = stack_count,
    .bag_bytes = stack_bytes,
    .bag_largest = stack_largest,
    .bag_next = stack_next,
    .bag_add_chunk = stack_add_chunk,
    .bag_remove_free_chunks = stack_remove_free_chunks,
    .chunk_size = fixed_chunk_size,
    .out_of_memory = fixed_out_of_memory,
};

/* ---- the verbs ---- */

static rmm_status_t fixed_allocate(void *raw, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  fixed_state_t *state = raw;
  char text[RMM_BYTES_TEXT];
  if (alignment > RMM_ALLOCATION_ALIGNMENT)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "fixed_size: alignment %zu is above the %zu bytes the resource honours", alignment,
                     (size_t)RMM_ALLOCATION_ALIGNMENT);
  if (bytes > state->block_size)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "fixed_size: %zu bytes are more than the block size, %s", bytes,
                     rmm__format_bytes(state->block_size, text));
  return rmm__so_allocate(&state->so, ptr, state->block_size, bytes, stream);
}

static rmm_status_t fixed_deallocate(void *raw, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  fixed_state_t *state = raw;
  (void)alignment;
  if (bytes > state->block_size)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "fixed_size: %p (%zu bytes) was not allocated by this resource",
                     ptr, bytes);
  return rmm__so_deallocate(&state->so, ptr, state->block_size, stream);
}

static void fixed_get_stats(const void *raw, rmm_resource_stats_t *out)
{
  /* The figures are read under the layer's locks, which live in the state. */
  rmm__so_get_stats((rmm__so_t *)raw, out);
}

static void fixed_destroy(void *raw) { rmm__so_destroy(raw); }
static rmm_status_t fixed_trim(void *raw, size_t *released) { return rmm__so_trim(raw, released); }
static void fixed_reset_peak(void *raw) { rmm__so_reset_peak(raw); }
static void fixed_snapshot(const void *raw, rmm__snapshot_t *snap) { rmm__so_snapshot((rmm__so_t *)raw, snap); }

static const rmm_impl_t fixed_impl = {
    .name = "fixed_size",
    .allocate = fixed_allocate,
    .deallocate = fixed_deallocate,
    .get_stats = fixed_get_stats,
    .destroy = fixed_destroy,
    .trim = fixed_trim,
    .reset_peak = fixed_reset_peak,
    .snapshot = fixed_snapshot,
};

/* The block size and batch after defaults and rounding; INVALID_ARGUMENT when a chunk would overflow. */
static rmm_status_t choose_sizes(size_t block_size, size_t batch, size_t *block_out, size_t *batch_out)
{
  if (block_size == 0)
    block_size = DEFAULT_BLOCK_SIZE;
  if (batch == 0)
    batch = DEFAULT_BATCH;
  if (!rmm__align_up(block_size, RMM_ALLOCATION_ALIGNMENT, block_out) || *block_out > SIZE_MAX / batch)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_fixed_size_create: %zu blocks of %zu bytes are more than memory can hold", batch,
                     block_size);
  *batch_out = batch;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_fixed_size_create(rmm_resource_t *upstream, size_t block_size, size_t blocks_to_preallocate,
                                           rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_fixed_size_create: the output pointer is NULL");
  *out = NULL;
  size_t size = 0, batch = 0;
  rmm_status_t status = choose_sizes(block_size, blocks_to_preallocate, &size, &batch);
  if (status != RMM_SUCCESS)
    return status;
  fixed_state_t *state = calloc(1, sizeof *state);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_fixed_size_create: no host memory for the resource");
  state->block_size = size;
  state->batch = batch;
  status = rmm__so_create(&state->so, &fixed_family, &fixed_impl, upstream, size * batch, 0, out);
  if (status != RMM_SUCCESS)
    return status;
  char text[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "fixed_size: created over %s, %zu blocks of %s at a time", rmm_resource_name(state->so.upstream), batch,
          rmm__format_bytes(size, text));
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_fixed_size_block_size(const rmm_resource_t *mr, size_t *bytes)
{
  fixed_state_t *state = rmm__resource_state(mr, &fixed_impl);
  if (state == NULL || bytes == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_fixed_size_block_size: %s",
                     bytes == NULL ? "the output pointer is NULL" : "the resource is not a fixed-size resource");
  *bytes = state->block_size;
  return RMM_SUCCESS;
}
