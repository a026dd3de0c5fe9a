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
#include "suballoc/ds/block_index.h"
#include "suballoc/stream_ordered.h"

#define DEFAULT_BLOCK_SIZE ((size_t)1 << 20)
#define DEFAULT_BATCH 128

typedef struct block_stack {
  uintptr_t *blocks;
  size_t count, capacity;
} block_stack_t;

typedef struct fixed_state {
  rmm_so_t so; /* its lock guards everything below */
  rmm_resource_t *upstream;
  size_t block_size;
  size_t batch;
  void **chunks; /* each batch * block_size bytes */
  size_t chunk_count, chunk_capacity;
  size_t total_blocks;
  rmm_ds_block_index_t allocated;
  size_t peak_blocks;
} fixed_state_t;

/* ---- the stacks, as the stream-ordered layer's payload ---- */

static void stack_init(void *payload) { *(block_stack_t *)payload = (block_stack_t){0}; }
static void stack_fini(void *payload) { free(((block_stack_t *)payload)->blocks); }
static bool stack_empty(const void *payload) { return ((const block_stack_t *)payload)->count == 0; }
static block_stack_t *stack_of(rmm_so_list_t *list) { return rmm__so_payload(list); }

static bool stack_reserve(block_stack_t *stack, size_t capacity)
{
  if (stack->capacity >= capacity)
    return true;
  uintptr_t *blocks = realloc(stack->blocks, capacity * sizeof *blocks);
  if (blocks == NULL)
    return false;
  stack->blocks = blocks;
  stack->capacity = capacity;
  return true;
}

/* ---- getting blocks ---- */

/* Takes every block of another stream's stack once the caller's stream waits for them. */
static rmm_status_t take_other_stack(fixed_state_t *state, rmm_so_list_t *own, rmm_stream_t stream)
{
  for (size_t i = 0; i < state->so.count; i++) {
    rmm_so_list_t *other = state->so.lists[i];
    block_stack_t *from = stack_of(other), *into = stack_of(own);
    if (other == own || from->count == 0)
      continue;
    rmm_status_t status = rmm__so_wait_for(&state->so, other, own, stream);
    if (status != RMM_SUCCESS)
      return status;
    /* Every stack has room for every block, so this cannot overflow. */
    for (size_t j = 0; j < from->count; j++)
      into->blocks[into->count++] = from->blocks[j];
    from->count = 0;
    rmm__so_drop_if_dead(&state->so, other);
    return RMM_SUCCESS;
  }
  return RMM_SUCCESS;
}

/* Takes one more chunk of `batch` blocks from the upstream onto `own`. */
static rmm_status_t grow(fixed_state_t *state, rmm_so_list_t *own, rmm_stream_t stream)
{
  size_t total = state->total_blocks + state->batch;
  for (size_t i = 0; i < state->so.count; i++)
    if (!stack_reserve(stack_of(state->so.lists[i]), total))
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "fixed_size: no host memory for the free lists");
  if (state->chunk_count == state->chunk_capacity) {
    size_t capacity = state->chunk_capacity != 0 ? 2 * state->chunk_capacity : 8;
    void **chunks = realloc(state->chunks, capacity * sizeof *chunks);
    if (chunks == NULL)
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "fixed_size: no host memory to record a chunk");
    state->chunks = chunks;
    state->chunk_capacity = capacity;
  }
  void *base;
  rmm_status_t status = rmm_allocate(state->upstream, &base, state->batch * state->block_size, stream);
  if (status != RMM_SUCCESS) {
    char request[RMM_BYTES_TEXT], held[RMM_BYTES_TEXT], cause[320];
    snprintf(cause, sizeof cause, "%s", rmm_last_error_message());
    return rmm__fail(status, "fixed_size: out of memory (failed to get %zu more blocks of %s; holding %s): %s",
                     state->batch, rmm__format_bytes(state->block_size, request),
                     rmm__format_bytes(state->total_blocks * state->block_size, held), cause);
  }
  state->chunks[state->chunk_count++] = base;
  state->total_blocks = total;
  /* Pushed from the top down, so that the lowest address is handed out first. */
  block_stack_t *stack = stack_of(own);
  for (size_t i = state->batch; i-- > 0;)
    stack->blocks[stack->count++] = (uintptr_t)base + i * state->block_size;
  return RMM_SUCCESS;
}

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

  pthread_mutex_lock(&state->so.lock);
  rmm_so_list_t *own;
  rmm_status_t status = rmm__so_list(&state->so, stream, &own);
  if (status == RMM_SUCCESS && !stack_reserve(stack_of(own), state->total_blocks))
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "fixed_size: no host memory for the free list of stream %p",
                       (void *)stream);
  if (status == RMM_SUCCESS && stack_of(own)->count == 0)
    status = take_other_stack(state, own, stream);
  if (status == RMM_SUCCESS && stack_of(own)->count == 0)
    status = grow(state, own, stream);
  if (status == RMM_SUCCESS) {
    block_stack_t *stack = stack_of(own);
    uintptr_t block = stack->blocks[stack->count - 1];
    rmm_ds_block_record_t record = {.size = state->block_size};
    if (rmm_ds_block_index_insert(&state->allocated, block, record)) {
      stack->count--;
      size_t in_use = rmm_ds_block_index_count(&state->allocated);
      if (in_use > state->peak_blocks)
        state->peak_blocks = in_use;
      *ptr = (void *)block;
    } else {
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "fixed_size: no host memory to record a block");
    }
  }
  pthread_mutex_unlock(&state->so.lock);
  return status;
}

static rmm_status_t fixed_deallocate(void *raw, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  fixed_state_t *state = raw;
  (void)alignment;
  pthread_mutex_lock(&state->so.lock);
  rmm_so_list_t *list = NULL;
  rmm_status_t status;
  if (bytes > state->block_size || !rmm_ds_block_index_lookup(&state->allocated, (uintptr_t)ptr, NULL))
    status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "fixed_size: %p (%zu bytes) was not allocated by this resource",
                       ptr, bytes);
  else
    status = rmm__so_list(&state->so, stream, &list);
  if (status == RMM_SUCCESS && !stack_reserve(stack_of(list), state->total_blocks))
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "fixed_size: no host memory to free %p; nothing was freed", ptr);
  if (status == RMM_SUCCESS)
    status = rmm__so_freed(&state->so, list);
  if (status == RMM_SUCCESS) {
    block_stack_t *stack = stack_of(list);
    stack->blocks[stack->count++] = (uintptr_t)ptr;
    rmm_ds_block_index_remove(&state->allocated, (uintptr_t)ptr, NULL);
  }
  pthread_mutex_unlock(&state->so.lock);
  return status;
}

static void fixed_get_stats(const void *raw, rmm_resource_stats_t *out)
{
  /* The figures are read under the lock, which lives in the state. */
  fixed_state_t *state = (fixed_state_t *)raw;
  pthread_mutex_lock(&state->so.lock);
  size_t free_blocks = 0;
  for (size_t i = 0; i < state->so.count; i++)
    free_blocks += stack_of(state->so.lists[i])->count;
  out->bytes_in_use = rmm_ds_block_index_count(&state->allocated) * state->block_size;
  out->peak_bytes_in_use = state->peak_blocks * state->block_size;
  out->bytes_reserved = state->total_blocks * state->block_size;
  out->free_bytes = free_blocks * state->block_size;
  out->free_blocks = free_blocks;
  out->largest_free_block = free_blocks != 0 ? state->block_size : 0;
  out->upstream_chunks = state->chunk_count;
  pthread_mutex_unlock(&state->so.lock);
  out->flags |= RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS;
}

/* Hands every chunk back; work still queued on any stream may use them, so wait first. */
static void return_chunks(fixed_state_t *state)
{
  /* Failure (the runtime may be gone at process exit) leaves nothing better to do than to go on. */
  if (state->so.device)
    (void)rmm__cuda_device_synchronize();
  for (size_t i = 0; i < state->chunk_count; i++)
    (void)rmm_deallocate(state->upstream, state->chunks[i], state->batch * state->block_size, RMM_STREAM_DEFAULT);
  state->chunk_count = 0;
}

static void free_state(fixed_state_t *state)
{
  rmm_ds_block_index_fini(&state->allocated);
  rmm__so_fini(&state->so);
  free(state->chunks);
  free(state);
}

static void fixed_destroy(void *raw)
{
  fixed_state_t *state = raw;
  return_chunks(state);
  free_state(state);
}

static const rmm_impl_t fixed_impl = {
    .name = "fixed_size",
    .allocate = fixed_allocate,
    .deallocate = fixed_deallocate,
    .get_stats = fixed_get_stats,
    .destroy = fixed_destroy,
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

static fixed_state_t *new_state(rmm_resource_t *upstream, bool device, size_t block_size, size_t batch)
{
  fixed_state_t *state = calloc(1, sizeof *state);
  if (state == NULL)
    return NULL;
  if (!rmm__so_init(&state->so, "fixed_size", device, sizeof(block_stack_t), stack_init, stack_fini,
                    stack_empty)) {
    free(state);
    return NULL;
  }
  state->upstream = upstream;
  state->block_size = block_size;
  state->batch = batch;
  rmm_ds_block_index_init(&state->allocated);
  return state;
}

/* The first batch, on the default stream's list. */
static rmm_status_t take_initial(fixed_state_t *state)
{
  rmm_so_list_t *list;
  rmm_status_t status = rmm__so_list(&state->so, RMM_STREAM_DEFAULT, &list);
  if (status == RMM_SUCCESS)
    status = grow(state, list, RMM_STREAM_DEFAULT);
  if (status != RMM_SUCCESS) {
    char cause[384];
    snprintf(cause, sizeof cause, "%s", rmm_last_error_message());
    return rmm__fail(status, "rmm_fixed_size_create: %s", cause);
  }
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
  rmm_resource_t *up;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  unsigned properties = rmm_resource_properties(up);
  fixed_state_t *state = new_state(up, (properties & RMM_DEVICE_ACCESSIBLE) != 0, size, batch);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_fixed_size_create: no host memory for the resource");
  status = take_initial(state);
  if (status == RMM_SUCCESS)
    status = rmm__resource_new(&fixed_impl, state, properties, up, out);
  if (status != RMM_SUCCESS) {
    return_chunks(state);
    free_state(state);
    return status;
  }
  char text[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "fixed_size: created over %s, %zu blocks of %s at a time", rmm_resource_name(up), batch,
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
