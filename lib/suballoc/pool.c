/*
 * The pool sub-allocator (RMM's pool_memory_resource): coalescing best fit over
 * chunks taken from an upstream, with one free set per stream (stream_ordered.h).
 *
 * Every block handed out is recorded in a block index (address -> size, chunk), so
 * a free finds its size and chunk in O(1) and a pointer the pool never handed out is
 * refused. Free blocks live in the free set of the stream that freed them; a request
 * looks in its own stream's set first, then takes another stream's set that holds a
 * large enough block, then merges every set (touching blocks of one chunk coalesce
 * across streams only then), and only then grows. One mutex, the layer's, guards all.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <rmm/pool.h>

#include "core/error.h"
#include "core/log.h"
#include "core/resource.h"
#include "suballoc/ds/block_index.h"
#include "suballoc/ds/free_set.h"
#include "suballoc/stream_ordered.h"

/* An allocation from the upstream. Its index is the chunk id in free sets and records. */
typedef struct chunk {
  void *base;
  size_t size;
} chunk_t;

typedef struct pool_state {
  rmm_so_t so; /* its lock guards everything below */
  rmm_resource_t *upstream;
  size_t maximum; /* 0: no limit */
  size_t reserved;
  chunk_t *chunks;
  size_t chunk_count, chunk_capacity;
  rmm_ds_block_index_t allocated;
  size_t in_use, peak;
} pool_state_t;

/* ---- the free sets, as the stream-ordered layer's payload ---- */

static void set_init(void *payload) { rmm_ds_free_set_init(payload); }
static void set_fini(void *payload) { rmm_ds_free_set_fini(payload); }
static bool set_empty(const void *payload) { return rmm_ds_free_set_count(payload) == 0; }
static rmm_ds_free_set_t *set_of(rmm_so_list_t *list) { return rmm__so_payload(list); }

/* The largest free block of any stream; lock held. */
static size_t largest_free(pool_state_t *state)
{
  size_t largest = 0;
  for (size_t i = 0; i < state->so.count; i++) {
    size_t size = rmm_ds_free_set_largest(set_of(state->so.lists[i]));
    if (size > largest)
      largest = size;
  }
  return largest;
}

/* ---- taking blocks from other streams ---- */

/*
 * Moves `from`'s blocks into `into` once the caller's stream waits for them, and
 * frees `from` if its stream may be gone. A failed move leaves the rest in `from`.
 */
static rmm_status_t absorb(pool_state_t *state, rmm_so_list_t *from, rmm_so_list_t *into, rmm_stream_t stream)
{
  rmm_status_t status = rmm__so_wait_for(&state->so, from, into, stream);
  if (status != RMM_SUCCESS)
    return status;
  if (!rmm_ds_free_set_move_all(set_of(into), set_of(from)))
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "pool: no host memory to merge the free lists of two streams");
  rmm__so_drop_if_dead(&state->so, from);
  return RMM_SUCCESS;
}

/* Takes the set of another stream that has a block of `size`, as RMM does before merging all. */
static rmm_status_t take_fitting_list(pool_state_t *state, rmm_so_list_t *own, size_t size, rmm_stream_t stream)
{
  for (size_t i = 0; i < state->so.count; i++) {
    rmm_so_list_t *other = state->so.lists[i];
    if (other != own && rmm_ds_free_set_largest(set_of(other)) >= size)
      return absorb(state, other, own, stream);
  }
  return RMM_SUCCESS;
}

/* Merges every other stream's set into `own`, so that neighbours freed on different streams coalesce. */
static rmm_status_t merge_all(pool_state_t *state, rmm_so_list_t *own, rmm_stream_t stream)
{
  /* Backwards: absorbing may remove lists[i], which moves only the lists after it. */
  for (size_t i = state->so.count; i-- > 0;) {
    rmm_so_list_t *other = state->so.lists[i];
    if (other == own || rmm_ds_free_set_count(set_of(other)) == 0)
      continue;
    rmm_status_t status = absorb(state, other, own, stream);
    if (status != RMM_SUCCESS)
      return status;
  }
  return RMM_SUCCESS;
}

/* ---- growth ---- */

/* Records a new chunk and frees it into `own`; false (nothing changed) when host memory ran out. */
static bool add_chunk(pool_state_t *state, rmm_so_list_t *own, void *base, size_t size)
{
  if (state->chunk_count == state->chunk_capacity) {
    size_t capacity = state->chunk_capacity != 0 ? 2 * state->chunk_capacity : 8;
    chunk_t *chunks = realloc(state->chunks, capacity * sizeof *chunks);
    if (chunks == NULL)
      return false;
    state->chunks = chunks;
    state->chunk_capacity = capacity;
  }
  if (!rmm_ds_free_set_insert(set_of(own), (uintptr_t)base, size, (uint32_t)state->chunk_count))
    return false;
  state->chunks[state->chunk_count++] = (chunk_t){base, size};
  state->reserved += size;
  return true;
}

/* The room left under the maximum; SIZE_MAX without one. */
static size_t room(const pool_state_t *state)
{
  return state->maximum != 0 ? state->maximum - state->reserved : SIZE_MAX;
}

/*
 * Asks the upstream for a chunk of at least `size`: first as large as the pool
 * (geometric growth), capped by the maximum, then halving down to `size` while the
 * upstream is out of memory. The chunk goes into `own`.
 */
static rmm_status_t grow(pool_state_t *state, rmm_so_list_t *own, size_t size, rmm_stream_t stream)
{
  size_t want = state->reserved > size ? state->reserved : size;
  if (want > room(state))
    want = room(state);
  rmm_status_t status;
  for (;;) {
    void *base = NULL;
    status = rmm_allocate(state->upstream, &base, want, stream);
    if (status == RMM_SUCCESS) {
      if (add_chunk(state, own, base, want)) {
        char text[RMM_BYTES_TEXT];
        RMM_LOG(RMM_LOG_DEBUG, "pool: grew by %s at %p", rmm__format_bytes(want, text), base);
        return RMM_SUCCESS;
      }
      (void)rmm_deallocate(state->upstream, base, want, stream);
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "pool: no host memory to record a new chunk");
    }
    if (status != RMM_ERROR_OUT_OF_MEMORY || want == size)
      return status;
    want = want / 2 > size ? (want / 2 + RMM_ALLOCATION_ALIGNMENT - 1) & ~(RMM_ALLOCATION_ALIGNMENT - 1) : size;
  }
}

/* The message of a request that cannot be served; lock held. */
static rmm_status_t out_of_memory(pool_state_t *state, size_t bytes, rmm_status_t upstream_status)
{
  char request[RMM_BYTES_TEXT], size[RMM_BYTES_TEXT], largest[RMM_BYTES_TEXT], cause[320] = "";
  if (upstream_status != RMM_SUCCESS)
    snprintf(cause, sizeof cause, "; upstream %s: %s", rmm_resource_name(state->upstream),
             rmm_last_error_message());
  rmm_status_t status = upstream_status == RMM_SUCCESS || upstream_status == RMM_ERROR_OUT_OF_MEMORY
                            ? RMM_ERROR_OUT_OF_MEMORY
                            : upstream_status;
  return rmm__fail(status, "pool: %s (failed to allocate %s = %zu bytes; pool %s, largest free block %s%s)",
                   upstream_status == RMM_SUCCESS ? "maximum size exceeded" : "out of memory",
                   rmm__format_bytes(bytes, request), bytes, rmm__format_bytes(state->reserved, size),
                   rmm__format_bytes(largest_free(state), largest), cause);
}

/*
 * When the own set has no fit: another stream's fitting set, then all sets merged,
 * then a new chunk. Each step searches again before the next (a reclaim is always
 * followed by a search). Lock held.
 */
static rmm_status_t take_slow(pool_state_t *state, rmm_so_list_t *own, size_t size, size_t bytes,
                              rmm_stream_t stream, rmm_ds_free_block_t *block)
{
  rmm_status_t status = take_fitting_list(state, own, size, stream);
  if (status != RMM_SUCCESS)
    return status;
  if (rmm_ds_free_set_take(set_of(own), size, block))
    return RMM_SUCCESS;
  status = merge_all(state, own, stream);
  if (status != RMM_SUCCESS)
    return status;
  if (rmm_ds_free_set_take(set_of(own), size, block))
    return RMM_SUCCESS;
  if (size > room(state))
    return out_of_memory(state, bytes, RMM_SUCCESS);
  status = grow(state, own, size, stream);
  if (status != RMM_SUCCESS)
    return out_of_memory(state, bytes, status);
  rmm_ds_free_set_take(set_of(own), size, block);
  return RMM_SUCCESS;
}

/* ---- the verbs ---- */

static rmm_status_t pool_allocate(void *raw, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  pool_state_t *state = raw;
  if (alignment > RMM_ALLOCATION_ALIGNMENT)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "pool: alignment %zu is above the %zu bytes the pool honours",
                     alignment, (size_t)RMM_ALLOCATION_ALIGNMENT);
  /* A size that cannot be rounded is more than any pool holds: let it fail as such. */
  size_t size;
  if (!rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &size))
    size = SIZE_MAX & ~(size_t)(RMM_ALLOCATION_ALIGNMENT - 1);

  pthread_mutex_lock(&state->so.lock);
  rmm_so_list_t *own;
  rmm_ds_free_block_t block;
  rmm_status_t status = rmm__so_list(&state->so, stream, &own);
  if (status == RMM_SUCCESS && !rmm_ds_free_set_take(set_of(own), size, &block))
    status = take_slow(state, own, size, bytes, stream, &block);
  if (status == RMM_SUCCESS) {
    rmm_ds_block_record_t record = {.size = size, .chunk = block.chunk};
    if (rmm_ds_block_index_insert(&state->allocated, block.addr, record)) {
      state->in_use += size;
      if (state->in_use > state->peak)
        state->peak = state->in_use;
      *ptr = (void *)block.addr;
    } else {
      /* Putting back where it came from restores the set exactly (it merges with its rest). */
      (void)rmm_ds_free_set_insert(set_of(own), block.addr, block.size, block.chunk);
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "pool: no host memory to record a block");
    }
  }
  pthread_mutex_unlock(&state->so.lock);
  return status;
}

static rmm_status_t pool_deallocate(void *raw, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  pool_state_t *state = raw;
  (void)alignment;
  uintptr_t address = (uintptr_t)ptr;
  size_t size;
  if (!rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &size))
    size = 0;

  pthread_mutex_lock(&state->so.lock);
  rmm_ds_block_record_t record;
  rmm_so_list_t *list = NULL;
  rmm_status_t status = RMM_SUCCESS;
  if (!rmm_ds_block_index_lookup(&state->allocated, address, &record))
    status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "pool: %p (%zu bytes) was not allocated by this pool", ptr,
                       bytes);
  else if (record.size != size)
    status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                       "pool: %p was allocated with %zu bytes (rounded), not %zu; nothing was freed", ptr,
                       record.size, bytes);
  else
    status = rmm__so_list(&state->so, stream, &list);
  /* Room first, so that the block cannot be lost between the index and the set. */
  if (status == RMM_SUCCESS && !rmm_ds_free_set_reserve(set_of(list), rmm_ds_free_set_count(set_of(list)) + 1))
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "pool: no host memory to free %p; nothing was freed", ptr);
  if (status == RMM_SUCCESS)
    status = rmm__so_freed(&state->so, list);
  if (status == RMM_SUCCESS) {
    rmm_ds_free_set_insert(set_of(list), address, size, record.chunk);
    rmm_ds_block_index_remove(&state->allocated, address, NULL);
    state->in_use -= size;
  }
  pthread_mutex_unlock(&state->so.lock);
  return status;
}

static void pool_get_stats(const void *raw, rmm_resource_stats_t *out)
{
  /* The figures are read under the lock, which lives in the state. */
  pool_state_t *state = (pool_state_t *)raw;
  pthread_mutex_lock(&state->so.lock);
  out->bytes_in_use = state->in_use;
  out->peak_bytes_in_use = state->peak;
  out->bytes_reserved = state->reserved;
  for (size_t i = 0; i < state->so.count; i++) {
    const rmm_ds_free_set_t *set = set_of(state->so.lists[i]);
    out->free_bytes += rmm_ds_free_set_total_bytes(set);
    out->free_blocks += rmm_ds_free_set_count(set);
  }
  out->largest_free_block = largest_free(state);
  out->upstream_chunks = state->chunk_count;
  pthread_mutex_unlock(&state->so.lock);
  out->flags |= RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS;
}

static void free_state(pool_state_t *state)
{
  rmm_ds_block_index_fini(&state->allocated);
  rmm__so_fini(&state->so);
  free(state->chunks);
  free(state);
}

/* Hands every chunk back; work still queued on any stream may use them, so wait first. */
static void return_chunks(pool_state_t *state)
{
  /* Failure (the runtime may be gone at process exit) leaves nothing better to do than to go on. */
  if (state->so.device)
    (void)rmm__cuda_device_synchronize();
  for (size_t i = 0; i < state->chunk_count; i++)
    (void)rmm_deallocate(state->upstream, state->chunks[i].base, state->chunks[i].size, RMM_STREAM_DEFAULT);
  RMM_LOG(RMM_LOG_DEBUG, "pool: returned %zu chunks to %s", state->chunk_count, rmm_resource_name(state->upstream));
  state->chunk_count = 0;
}

static void pool_destroy(void *raw)
{
  pool_state_t *state = raw;
  return_chunks(state);
  free_state(state);
}

static const rmm_impl_t pool_impl = {
    .name = "pool",
    .allocate = pool_allocate,
    .deallocate = pool_deallocate,
    .get_stats = pool_get_stats,
    .destroy = pool_destroy,
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

static pool_state_t *new_state(rmm_resource_t *upstream, bool device, size_t maximum_size)
{
  pool_state_t *state = calloc(1, sizeof *state);
  if (state == NULL)
    return NULL;
  if (!rmm__so_init(&state->so, "pool", device, sizeof(rmm_ds_free_set_t), set_init, set_fini, set_empty)) {
    free(state);
    return NULL;
  }
  state->upstream = upstream;
  state->maximum = maximum_size;
  rmm_ds_block_index_init(&state->allocated);
  return state;
}

/* The first chunk, on the default stream's list. */
static rmm_status_t take_initial(pool_state_t *state, size_t initial_size)
{
  if (initial_size == 0)
    return RMM_SUCCESS;
  rmm_so_list_t *list;
  rmm_status_t status = rmm__so_list(&state->so, RMM_STREAM_DEFAULT, &list);
  if (status == RMM_SUCCESS)
    status = grow(state, list, initial_size, RMM_STREAM_DEFAULT);
  if (status != RMM_SUCCESS) {
    char size[RMM_BYTES_TEXT], cause[384];
    snprintf(cause, sizeof cause, "%s", rmm_last_error_message());
    return rmm__fail(status, "rmm_pool_create: the upstream cannot provide the initial %s: %s",
                     rmm__format_bytes(initial_size, size), cause);
  }
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
  rmm_resource_t *up;
  status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  unsigned properties = rmm_resource_properties(up);
  pool_state_t *state = new_state(up, (properties & RMM_DEVICE_ACCESSIBLE) != 0, maximum_size);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_pool_create: no host memory for the resource");
  status = take_initial(state, initial_size);
  if (status == RMM_SUCCESS)
    status = rmm__resource_new(&pool_impl, state, properties, up, out);
  if (status != RMM_SUCCESS) {
    return_chunks(state);
    free_state(state);
    return status;
  }
  char initial[RMM_BYTES_TEXT], maximum[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "pool: created over %s, initial %s, maximum %s", rmm_resource_name(up),
          rmm__format_bytes(initial_size, initial),
          maximum_size != 0 ? rmm__format_bytes(maximum_size, maximum) : "none");
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_pool_size(const rmm_resource_t *mr, size_t *bytes)
{
  pool_state_t *state = rmm__resource_state(mr, &pool_impl);
  if (state == NULL || bytes == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_pool_size: %s",
                     bytes == NULL ? "the output pointer is NULL" : "the resource is not a pool");
  pthread_mutex_lock(&state->so.lock);
  *bytes = state->reserved;
  pthread_mutex_unlock(&state->so.lock);
  return RMM_SUCCESS;
}
