/*
 * The arena sub-allocator (RMM's arena_memory_resource). One upstream allocation, the
 * global arena, is cut into superblocks (spans of at least 1 MiB). Requests of up to
 * 1 MiB come from the superblocks of an arena of their own, one per thread for the
 * per-thread default stream and one per stream otherwise, so threads and streams do
 * not contend; larger requests take a span of the global arena.
 *
 * Stream ordering follows RMM's arena. A block returns to the superblock it came from.
 * Freed on its own arena's stream, it is reused there at once; freed on another stream,
 * or when it is a large block, the freeing stream is synchronised first, so the
 * memory is idle when it reaches another stream. Empty superblocks leave an arena
 * only when an allocation fails (defragmentation) or on a trim, after a device
 * synchronisation; a trim that finds nothing allocated gives the global arena back to
 * the upstream, and the next allocation takes it again.
 * Over a host-only upstream there is nothing to synchronise and no CUDA call is made.
 *
 * Locking: each arena has its own lock, the global arena another; the common path
 * takes only its arena's. Finding the arena takes no lock (a thread-local cache for
 * per-thread arenas, a map read without a lock for per-stream ones), nor does finding
 * a pointer's superblock on free.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rmm/arena.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/history.h"
#include "core/log.h"
#include "suballoc/arena_internal.h"

/* Requests above this are served by the global arena directly, as in RMM. */
#define LARGE_REQUEST ARENA_SPAN_MIN
#define CACHE_LINE 64

static atomic_uint_fast64_t next_id = 1;

/* What the arenas hold free, for statistics and messages. */
typedef struct free_summary {
  size_t bytes;
  size_t blocks;
  size_t largest;
} free_summary_t;

/* ---- arenas ---- */

static arena_t *arena_new(rmm_stream_t stream, bool per_thread)
{
  /* A cache line of its own, so that arenas of different threads do not share one. */
  size_t size = (sizeof(arena_t) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
  arena_t *arena = aligned_alloc(CACHE_LINE, size);
  if (arena == NULL)
    return NULL;
  memset(arena, 0, size);
  if (pthread_mutex_init(&arena->lock, NULL) != 0) {
    free(arena);
    return NULL;
  }
  rmm__arena_heap_init(&arena->heap);
  arena->stream = stream;
  arena->per_thread = per_thread;
  return arena;
}

static void arena_free(arena_t *arena)
{
  rmm__arena_heap_fini(&arena->heap);
  pthread_mutex_destroy(&arena->lock);
  free(arena);
}

/* Called with arenas_lock held. */
static void append_arena(arena_state_t *state, arena_t *arena)
{
  if (state->newest != NULL)
    state->newest->next = arena;
  else
    state->arenas = arena;
  state->newest = arena;
}

/* Called with arenas_lock held. */
static arena_t *find_orphan(const arena_state_t *state)
{
  for (arena_t *arena = state->arenas; arena != NULL; arena = arena->next)
    if (arena->orphaned)
      return arena;
  return NULL;
}

rmm_status_t rmm__arena_attach_thread(arena_state_t *state, arena_t **out)
{
  rmm_status_t status = RMM_SUCCESS;
  pthread_mutex_lock(&state->arenas_lock);
  arena_t *arena = find_orphan(state);
  if (arena != NULL) {
    /* The exited thread's per-thread stream may still be using memory it freed. */
    if (state->device)
      status = rmm__cuda_device_synchronize();
    if (status == RMM_SUCCESS)
      arena->orphaned = false;
  } else {
    arena = arena_new(RMM_STREAM_PER_THREAD, true);
    if (arena != NULL)
      append_arena(state, arena);
    else
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "arena: no host memory for a per-thread arena");
  }
  pthread_mutex_unlock(&state->arenas_lock);
  *out = status == RMM_SUCCESS ? arena : NULL;
  return status;
}

void rmm__arena_detach_thread(arena_state_t *state, arena_t *arena)
{
  pthread_mutex_lock(&state->arenas_lock);
  arena->orphaned = true;
  pthread_mutex_unlock(&state->arenas_lock);
}

/* NULL and the legacy default stream are one stream. */
static uintptr_t stream_key(rmm_stream_t stream)
{
  return stream == RMM_STREAM_LEGACY ? (uintptr_t)RMM_STREAM_DEFAULT : (uintptr_t)stream;
}

static rmm_status_t add_stream_arena(arena_state_t *state, rmm_stream_t stream, arena_t **out)
{
  rmm_status_t status = RMM_SUCCESS;
  pthread_mutex_lock(&state->arenas_lock);
  /* Another thread may have added it since the lookup without the lock. */
  arena_t *arena = rmm__arena_stream_map_find(&state->streams, stream_key(stream));
  if (arena == NULL) {
    arena = arena_new(stream, false);
    if (arena != NULL && rmm__arena_stream_map_insert(&state->streams, stream_key(stream), arena)) {
      append_arena(state, arena);
    } else {
      if (arena != NULL)
        arena_free(arena);
      arena = NULL;
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "arena: no host memory for the arena of stream %p", (void *)stream);
    }
  }
  pthread_mutex_unlock(&state->arenas_lock);
  *out = arena;
  return status;
}

/* The arena that serves `stream`, created on first use. */
static rmm_status_t stream_arena(arena_state_t *state, rmm_stream_t stream, arena_t **out)
{
  if (stream == RMM_STREAM_PER_THREAD)
    return rmm__arena_thread_get(state, out);
  *out = rmm__arena_stream_map_find(&state->streams, stream_key(stream));
  return *out != NULL ? RMM_SUCCESS : add_stream_arena(state, stream, out);
}

/* The arena that serves `stream`, or NULL when it has none yet. */
static arena_t *existing_stream_arena(const arena_state_t *state, rmm_stream_t stream)
{
  if (stream == RMM_STREAM_PER_THREAD)
    return rmm__arena_thread_find(state);
  return rmm__arena_stream_map_find(&state->streams, stream_key(stream));
}

/* ---- allocation ---- */

/* Takes a superblock for `arena` and allocates from it; the arena's and the global lock held. */
static arena_heap_result_t grow_and_allocate(arena_state_t *state, arena_t *arena, size_t bytes, uintptr_t *address)
{
  if (atomic_load_explicit(&state->released, memory_order_relaxed))
    return ARENA_HEAP_NO_FIT;
  arena_span_t *span = rmm__arena_spans_take(&state->spans, bytes, arena, ARENA_COVER_ALL);
  if (span == NULL)
    return ARENA_HEAP_NO_FIT;
  if (!rmm__arena_heap_add_span(&arena->heap, span)) {
    rmm__arena_spans_give(&state->spans, span);
    return ARENA_HEAP_NO_MEMORY;
  }
  return rmm__arena_heap_allocate(&arena->heap, bytes, address);
}

/* A request of up to 1 MiB; the arena's lock held. */
static arena_heap_result_t small_allocate(arena_state_t *state, arena_t *arena, size_t bytes, uintptr_t *address)
{
  arena_heap_result_t result = rmm__arena_heap_allocate(&arena->heap, bytes, address);
  if (result != ARENA_HEAP_NO_FIT)
    return result;
  pthread_mutex_lock(&state->global_lock);
  result = grow_and_allocate(state, arena, bytes, address);
  pthread_mutex_unlock(&state->global_lock);
  return result;
}

/* A request above 1 MiB: a span of its own; the global lock held. */
static arena_heap_result_t large_allocate(arena_state_t *state, size_t bytes, uintptr_t *address)
{
  if (atomic_load_explicit(&state->released, memory_order_relaxed))
    return ARENA_HEAP_NO_FIT;
  arena_span_t *span = rmm__arena_spans_take(&state->spans, bytes, NULL, ARENA_COVER_BASE);
  if (span == NULL)
    return ARENA_HEAP_NO_FIT;
  span->used = bytes;
  *address = rmm__arena_span_base(span);
  return ARENA_HEAP_OK;
}

static void add_heap(free_summary_t *summary, const arena_heap_t *heap)
{
  summary->bytes += heap->free_bytes;
  summary->blocks += heap->free_blocks;
  size_t largest = rmm__arena_heap_largest_free(heap);
  if (largest > summary->largest)
    summary->largest = largest;
}

static void add_spans(free_summary_t *summary, const arena_spans_t *spans)
{
  summary->bytes += spans->free_bytes;
  summary->blocks += spans->free_spans;
  if (rmm__arena_spans_largest_free(spans) > summary->largest)
    summary->largest = rmm__arena_spans_largest_free(spans);
}

/* What is free in the arenas and the global arena, each read under its own lock. */
static free_summary_t summarise(arena_state_t *state)
{
  free_summary_t summary = {0};
  pthread_mutex_lock(&state->arenas_lock);
  for (arena_t *arena = state->arenas; arena != NULL; arena = arena->next) {
    pthread_mutex_lock(&arena->lock);
    add_heap(&summary, &arena->heap);
    pthread_mutex_unlock(&arena->lock);
  }
  pthread_mutex_unlock(&state->arenas_lock);
  pthread_mutex_lock(&state->global_lock);
  if (!atomic_load_explicit(&state->released, memory_order_relaxed))
    add_spans(&summary, &state->spans);
  pthread_mutex_unlock(&state->global_lock);
  return summary;
}

/* The arena's line of the dump; its lock held. */
static void dump_arena(const arena_t *arena)
{
  char size[RMM_BYTES_TEXT], used[RMM_BYTES_TEXT], largest[RMM_BYTES_TEXT];
  const arena_heap_t *heap = &arena->heap;
  RMM_LOG(RMM_LOG_INFO, "arena: %s arena of stream %p%s: %zu superblocks, %s free in %zu blocks, largest %s",
          arena->per_thread ? "per-thread" : "per-stream", (void *)arena->stream,
          arena->orphaned ? " (thread exited)" : "", heap->span_count, rmm__format_bytes(heap->free_bytes, size),
          heap->free_blocks, rmm__format_bytes(rmm__arena_heap_largest_free(heap), largest));
  for (const arena_span_t *span = heap->spans; span != NULL; span = span->next)
    RMM_LOG(RMM_LOG_DEBUG, "arena:   superblock at %p: %s, %s in use", (void *)rmm__arena_span_base(span),
            rmm__format_bytes(rmm__arena_span_size(span), size), rmm__format_bytes(span->used, used));
}

/* Writes the state of the global arena and of every arena to the debug log. */
static void dump_state(arena_state_t *state, size_t bytes)
{
  char size[RMM_BYTES_TEXT], total[RMM_BYTES_TEXT], largest[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_ERROR, "arena: ran out of memory trying to allocate %s (%zu bytes); the arenas follow",
          rmm__format_bytes(bytes, size), bytes);
  pthread_mutex_lock(&state->global_lock);
  const arena_spans_t *spans = &state->spans;
  size_t free_bytes = spans->free_bytes, largest_free = rmm__arena_spans_largest_free(spans);
  double fragmentation = free_bytes != 0 ? (1.0 - (double)largest_free / (double)free_bytes) * 100.0 : 0.0;
  RMM_LOG(RMM_LOG_INFO,
          "arena: global arena at %p: size %s, %zu free superblocks, %s free, largest %s, fragmentation %.2f%%",
          state->memory, rmm__format_bytes(state->size, total), spans->free_spans,
          rmm__format_bytes(free_bytes, size), rmm__format_bytes(largest_free, largest), fragmentation);
  pthread_mutex_unlock(&state->global_lock);
  pthread_mutex_lock(&state->arenas_lock);
  for (arena_t *arena = state->arenas; arena != NULL; arena = arena->next) {
    pthread_mutex_lock(&arena->lock);
    dump_arena(arena);
    pthread_mutex_unlock(&arena->lock);
  }
  pthread_mutex_unlock(&state->arenas_lock);
  rmm_log_flush();
}

/* No lock held. */
static rmm_status_t out_of_memory(arena_state_t *state, size_t bytes)
{
  rmm__reclaim_count(&state->reclaim.oom_failures, 1);
  if (state->dump_log_on_failure)
    dump_state(state, bytes);
  free_summary_t summary = summarise(state);
  char size[RMM_BYTES_TEXT], total[RMM_BYTES_TEXT], free_text[RMM_BYTES_TEXT], largest[RMM_BYTES_TEXT];
  rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
            "arena: out of memory (failed to allocate %s = %zu bytes; arena %s, %s free, largest free block %s)",
            rmm__format_bytes(bytes, size), bytes, rmm__format_bytes(state->size, total),
            rmm__format_bytes(summary.bytes, free_text), rmm__format_bytes(summary.largest, largest));
  rmm__oom_failed(state->self, bytes, RMM_STREAM_DEFAULT);
  return RMM_ERROR_OUT_OF_MEMORY;
}

/*
 * Takes the empty superblocks out of every arena, one arena at a time, into a list
 * through span->next. A span emptied by a free is out of reach of later frees (it
 * holds no block), so once collected it only waits for the work queued before.
 */
static arena_span_t *collect_empty(arena_state_t *state, size_t *count)
{
  arena_span_t *collected = NULL;
  pthread_mutex_lock(&state->arenas_lock);
  for (arena_t *arena = state->arenas; arena != NULL; arena = arena->next) {
    pthread_mutex_lock(&arena->lock);
    for (arena_span_t *span = arena->heap.spans; span != NULL;) {
      arena_span_t *next = span->next;
      if (span->used == 0) {
        rmm__arena_heap_remove_span(&arena->heap, span);
        span->next = collected;
        collected = span;
        (*count)++;
      }
      span = next;
    }
    pthread_mutex_unlock(&arena->lock);
  }
  pthread_mutex_unlock(&state->arenas_lock);
  return collected;
}

/* Returns collected superblocks to the global arena, where neighbours merge; global lock held. */
static void give_back(arena_state_t *state, arena_span_t *collected)
{
  while (collected != NULL) {
    /* Read the link first: giving a span back may recycle its descriptor. */
    arena_span_t *next = collected->next;
    rmm__arena_spans_give(&state->spans, collected);
    collected = next;
  }
}

/*
 * The global arena's memory from the upstream, idle on every stream as RMM's
 * allocate_sync, with no lock held. `again`: after a trim gave it back, when
 * install_memory() then installs it under the global lock.
 */
static rmm_status_t take_upstream_memory(arena_state_t *state, bool again, void **memory)
{
  *memory = NULL;
  rmm_status_t status = rmm_allocate(state->upstream, memory, state->size, RMM_STREAM_DEFAULT);
  bool allocated = status == RMM_SUCCESS;
  if (allocated && state->device)
    status = rmm__cuda_stream_synchronize(RMM_STREAM_DEFAULT);
  if (status == RMM_SUCCESS)
    return RMM_SUCCESS;
  char size[RMM_BYTES_TEXT], reason[256];
  snprintf(reason, sizeof reason, "%s", rmm_last_error_message());
  if (allocated)
    (void)rmm_deallocate(state->upstream, *memory, state->size, RMM_STREAM_DEFAULT);
  *memory = NULL;
  if (again && status == RMM_ERROR_OUT_OF_MEMORY)
    rmm__reclaim_count(&state->reclaim.oom_failures, 1);
  return rmm__fail(status, "%s: the upstream cannot provide the arena (%s)%s: %s", again ? "arena" : "rmm_arena_create",
                   rmm__format_bytes(state->size, size), again ? " again after a trim" : "", reason);
}

/* Makes `*memory` the global arena if it is still given back, and then sets *memory to NULL; global lock held. */
static void install_memory(arena_state_t *state, void **memory)
{
  if (*memory == NULL || !atomic_load_explicit(&state->released, memory_order_relaxed) ||
      !rmm__arena_spans_rebase(&state->spans, (uintptr_t)*memory))
    return;
  state->memory = *memory;
  atomic_store_explicit(&state->released, false, memory_order_relaxed);
  state->note = state->device ? rmm__note_heap_add(state->memory, state->size) : NULL;
  rmm__history_add(RMM__HISTORY_GROW, state->self, state->memory, state->size, RMM_STREAM_DEFAULT);
  RMM_LOG(RMM_LOG_DEBUG, "arena: took the global arena again at %p", *memory);
  *memory = NULL;
}

/* Memory that another thread's install made unneeded goes back to the upstream. */
static void drop_memory(arena_state_t *state, void *memory)
{
  if (memory != NULL)
    (void)rmm_deallocate(state->upstream, memory, state->size, RMM_STREAM_DEFAULT);
}

static rmm_status_t reacquire(arena_state_t *state)
{
  void *memory;
  rmm_status_t status = take_upstream_memory(state, true, &memory);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&state->global_lock);
  install_memory(state, &memory);
  pthread_mutex_unlock(&state->global_lock);
  drop_memory(state, memory);
  return RMM_SUCCESS;
}

/*
 * The last resort: a free block of another arena. The other arena's stream may still
 * use memory freed into it, so the device is synchronised while that arena is locked
 * (no free can slip in). The block stays in that arena's superblock: freeing it later
 * is a free on another stream, like any other.
 */
static rmm_status_t borrow(arena_state_t *state, const arena_t *arena, size_t bytes, uintptr_t *address,
                           arena_heap_result_t *result)
{
  rmm_status_t status = RMM_SUCCESS;
  *result = ARENA_HEAP_NO_FIT;
  pthread_mutex_lock(&state->arenas_lock);
  for (arena_t *other = state->arenas; other != NULL && *result == ARENA_HEAP_NO_FIT; other = other->next) {
    if (other == arena)
      continue;
    pthread_mutex_lock(&other->lock);
    *result = rmm__arena_heap_allocate(&other->heap, bytes, address);
    if (*result == ARENA_HEAP_OK && state->device) {
      status = rmm__cuda_device_synchronize();
      if (status != RMM_SUCCESS)
        rmm__arena_heap_free(&other->heap, *address, bytes);
    }
    pthread_mutex_unlock(&other->lock);
  }
  pthread_mutex_unlock(&state->arenas_lock);
  return status;
}

/*
 * One round of the slow path: every arena's empty superblocks go back to the global
 * arena once the device has been synchronised (memory freed on any stream is then
 * idle), and the request is tried again, holding the global lock from the give-back on
 * so that no one else takes what it freed. When a trim had given the arena back, the
 * fresh memory is installed under that same lock. `arena` is NULL for a large request.
 */
static rmm_status_t defragment_round(arena_state_t *state, arena_t *arena, size_t rounded, uintptr_t *address,
                                     arena_heap_result_t *result)
{
  void *fresh = NULL;
  rmm_status_t status = RMM_SUCCESS;
  if (atomic_load_explicit(&state->released, memory_order_relaxed))
    status = take_upstream_memory(state, true, &fresh);
  if (status != RMM_SUCCESS)
    return status;
  size_t collected_count = 0;
  arena_span_t *collected = collect_empty(state, &collected_count);
  status = state->device ? rmm__cuda_device_synchronize() : RMM_SUCCESS;
  *result = ARENA_HEAP_NO_FIT;
  if (arena != NULL)
    pthread_mutex_lock(&arena->lock);
  pthread_mutex_lock(&state->global_lock);
  give_back(state, collected);
  install_memory(state, &fresh);
  if (status == RMM_SUCCESS) {
    if (arena == NULL) {
      *result = large_allocate(state, rounded, address);
    } else {
      *result = rmm__arena_heap_allocate(&arena->heap, rounded, address);
      if (*result == ARENA_HEAP_NO_FIT)
        *result = grow_and_allocate(state, arena, rounded, address);
    }
  }
  pthread_mutex_unlock(&state->global_lock);
  if (arena != NULL)
    pthread_mutex_unlock(&arena->lock);
  drop_memory(state, fresh);
  RMM_LOG(RMM_LOG_DEBUG, "arena: defragmented: %zu empty superblocks returned to the global arena",
          collected_count);
  return status;
}

/*
 * The slow path when nothing fits (RMM's defragmentation), then a free block of another
 * arena before giving up. A second round runs only when a trim gave the arena back
 * while the first one was under way.
 */
static rmm_status_t defragment_and_retry(arena_state_t *state, arena_t *arena, size_t rounded, size_t bytes,
                                         uintptr_t *address)
{
  rmm__reclaim_count(&state->reclaim.retries, 1);
  arena_heap_result_t result = ARENA_HEAP_NO_FIT;
  rmm_status_t status = defragment_round(state, arena, rounded, address, &result);
  if (status == RMM_SUCCESS && result == ARENA_HEAP_NO_FIT &&
      atomic_load_explicit(&state->released, memory_order_relaxed))
    status = defragment_round(state, arena, rounded, address, &result);
  if (status == RMM_SUCCESS && result == ARENA_HEAP_NO_FIT)
    status = borrow(state, arena, rounded, address, &result);
  if (status != RMM_SUCCESS)
    return status;
  if (result == ARENA_HEAP_NO_MEMORY)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "arena: no host memory for block descriptors");
  if (result == ARENA_HEAP_NO_FIT)
    return out_of_memory(state, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t arena_allocate(void *raw, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  arena_state_t *state = raw;
  if (alignment > RMM_ALLOCATION_ALIGNMENT)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "arena: alignment %zu is above the %zu bytes the arena honours",
                     alignment, RMM_ALLOCATION_ALIGNMENT);
  /* A size that cannot be rounded is more than any arena holds: let it fail as such. */
  size_t rounded;
  if (!rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &rounded))
    rounded = SIZE_MAX & ~(RMM_ALLOCATION_ALIGNMENT - 1);

  if (atomic_load_explicit(&state->released, memory_order_relaxed)) {
    rmm_status_t status = reacquire(state);
    if (status != RMM_SUCCESS)
      return status;
  }
  uintptr_t address = 0;
  arena_t *arena = NULL;
  arena_heap_result_t result;
  if (rounded > LARGE_REQUEST) {
    pthread_mutex_lock(&state->global_lock);
    result = large_allocate(state, rounded, &address);
    pthread_mutex_unlock(&state->global_lock);
  } else {
    rmm_status_t status = stream_arena(state, stream, &arena);
    if (status != RMM_SUCCESS)
      return status;
    pthread_mutex_lock(&arena->lock);
    result = small_allocate(state, arena, rounded, &address);
    pthread_mutex_unlock(&arena->lock);
  }
  if (result == ARENA_HEAP_NO_FIT) {
    rmm_status_t status = defragment_and_retry(state, arena, rounded, bytes, &address);
    if (status != RMM_SUCCESS)
      return status;
  } else if (result == ARENA_HEAP_NO_MEMORY) {
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "arena: no host memory for block descriptors");
  }
  rmm__usage_add(&state->usage, rounded);
  *ptr = (void *)address;
  /* The region is the request, not the rounded block, so that memcheck sees overruns into the rest. */
  rmm__note_block_add(state->note, *ptr, bytes);
  rmm__history_add(RMM__HISTORY_ALLOC, state->self, *ptr, bytes, stream);
  return RMM_SUCCESS;
}

/* ---- deallocation ---- */

/*
 * Locks what guards `span`: its arena's lock, or the global lock for a span of the
 * global arena. The span of a live block keeps its owner; for any other span the
 * checks made under the lock refuse the pointer whatever the owner has become.
 */
static arena_t *lock_owner(arena_state_t *state, arena_span_t *span)
{
  for (;;) {
    arena_t *owner = atomic_load_explicit(&span->owner, memory_order_acquire);
    pthread_mutex_t *lock = owner != NULL ? &owner->lock : &state->global_lock;
    pthread_mutex_lock(lock);
    if (atomic_load_explicit(&span->owner, memory_order_relaxed) == owner)
      return owner;
    pthread_mutex_unlock(lock);
  }
}

/*
 * The block's NVTX region goes under the lock that frees it: once the lock is dropped
 * another thread may be handed the address and register a region of its own there.
 */
static arena_heap_free_t free_in_span(arena_state_t *state, arena_span_t *span, uintptr_t address, size_t bytes)
{
  arena_t *owner = lock_owner(state, span);
  arena_heap_free_t result = ARENA_HEAP_NOT_FOUND;
  if (owner == NULL) {
    /* A span of the global arena: a large block if it is live, and the block starts it. */
    if (span->live && rmm__arena_span_base(span) == address) {
      result = span->used == bytes ? ARENA_HEAP_FREED : ARENA_HEAP_WRONG_SIZE;
      if (result == ARENA_HEAP_FREED) {
        rmm__note_block_remove(state->note, (void *)address);
        rmm__arena_spans_give(&state->spans, span);
      }
    }
    pthread_mutex_unlock(&state->global_lock);
  } else {
    if (rmm__arena_span_contains(span, address))
      result = rmm__arena_heap_free(&owner->heap, address, bytes);
    if (result == ARENA_HEAP_FREED)
      rmm__note_block_remove(state->note, (void *)address);
    pthread_mutex_unlock(&owner->lock);
  }
  return result;
}

/*
 * Memory that moves to another arena (freed on another stream than its arena's), or
 * back to the global arena (a large block), must be idle first: RMM synchronises
 * the freeing stream.
 */
static rmm_status_t sync_if_moving(arena_state_t *state, arena_span_t *span, rmm_stream_t stream)
{
  if (!state->device)
    return RMM_SUCCESS;
  arena_t *owner = atomic_load_explicit(&span->owner, memory_order_relaxed);
  if (owner != NULL && owner == existing_stream_arena(state, stream))
    return RMM_SUCCESS;
  return rmm__cuda_stream_synchronize(stream);
}

static rmm_status_t arena_deallocate(void *raw, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  arena_state_t *state = raw;
  uintptr_t address = (uintptr_t)ptr;
  size_t rounded;
  arena_span_t *candidates[2];
  size_t count = 0;
  if (alignment <= RMM_ALLOCATION_ALIGNMENT && rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &rounded))
    count = rmm__arena_spans_find(&state->spans, address, candidates);
  for (size_t i = 0; i < count; i++) {
    rmm_status_t status = sync_if_moving(state, candidates[i], stream);
    if (status != RMM_SUCCESS)
      return status;
    arena_heap_free_t result = free_in_span(state, candidates[i], address, rounded);
    if (result == ARENA_HEAP_FREED) {
      rmm__usage_sub(&state->usage, rounded);
      rmm__history_add(RMM__HISTORY_FREE, state->self, ptr, bytes, stream);
      return RMM_SUCCESS;
    }
    if (result == ARENA_HEAP_WRONG_SIZE)
      return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "arena: %p was not allocated with %zu bytes; nothing was freed",
                       ptr, bytes);
  }
  return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "arena: %p (%zu bytes) was not allocated by this resource", ptr,
                   bytes);
}

/* ---- the resource ---- */

static void arena_get_stats(const void *raw, rmm_resource_stats_t *out)
{
  /* The figures are read under the locks, which live in the state. */
  arena_state_t *state = (arena_state_t *)raw;
  rmm__usage_stats(&state->usage, false, out);
  free_summary_t summary = summarise(state);
  bool held = !atomic_load_explicit(&state->released, memory_order_relaxed);
  out->bytes_reserved = held ? state->size : 0;
  out->free_bytes = summary.bytes;
  out->free_blocks = summary.blocks;
  out->largest_free_block = summary.largest;
  out->upstream_chunks = held ? 1 : 0;
  out->flags |= RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS;
  rmm__reclaim_stats(&state->reclaim, out);
}

/*
 * Empty superblocks go back to the global arena once the device has run the work queued
 * before (as defragmentation does); when nothing at all is allocated then, the global
 * arena itself goes back to the upstream, and the next allocation takes it again.
 */
static rmm_status_t arena_trim(void *raw, size_t *released)
{
  arena_state_t *state = raw;
  size_t count = 0;
  arena_span_t *collected = collect_empty(state, &count);
  rmm_status_t status = state->device && count > 0 ? rmm__cuda_device_synchronize() : RMM_SUCCESS;
  void *memory = NULL;
  pthread_mutex_lock(&state->global_lock);
  give_back(state, collected);
  if (status == RMM_SUCCESS && !atomic_load_explicit(&state->released, memory_order_relaxed) &&
      rmm__arena_spans_all_free(&state->spans)) {
    memory = state->memory;
    atomic_store_explicit(&state->released, true, memory_order_relaxed);
    rmm__note_heap_remove(state->note);
    state->note = NULL;
  }
  pthread_mutex_unlock(&state->global_lock);
  if (memory == NULL)
    return status;
  status = rmm_deallocate(state->upstream, memory, state->size, RMM_STREAM_DEFAULT);
  if (status != RMM_SUCCESS) {
    /* The upstream kept it: the arena still holds the memory, unless it was taken again meanwhile. */
    pthread_mutex_lock(&state->global_lock);
    if (atomic_load_explicit(&state->released, memory_order_relaxed)) {
      atomic_store_explicit(&state->released, false, memory_order_relaxed);
      state->note = state->device ? rmm__note_heap_add(memory, state->size) : NULL;
    }
    pthread_mutex_unlock(&state->global_lock);
    return status;
  }
  rmm__history_add(RMM__HISTORY_TRIM, state->self, memory, state->size, RMM_STREAM_DEFAULT);
  *released += state->size;
  rmm__reclaim_count(&state->reclaim.bytes_trimmed, state->size);
  RMM_LOG(RMM_LOG_DEBUG, "arena: trimmed: returned the global arena at %p to the upstream", memory);
  return RMM_SUCCESS;
}

static void arena_reset_peak(void *raw)
{
  arena_state_t *state = raw;
  rmm__usage_reset_peak(&state->usage);
}

static void free_state(arena_state_t *state)
{
  for (arena_t *arena = state->arenas; arena != NULL;) {
    arena_t *next = arena->next;
    arena_free(arena);
    arena = next;
  }
  rmm__arena_stream_map_fini(&state->streams);
  rmm__arena_spans_fini(&state->spans);
  pthread_mutex_destroy(&state->global_lock);
  pthread_mutex_destroy(&state->arenas_lock);
  free(state);
}

static void arena_destroy(void *raw)
{
  arena_state_t *state = raw;
  rmm__arena_registry_remove(state);
  /* Work still queued on any stream may use the memory. Failure (the runtime may be
     gone at process exit) leaves nothing better to do than to go on. */
  if (state->device)
    (void)rmm__cuda_device_synchronize();
  if (!atomic_load_explicit(&state->released, memory_order_relaxed)) {
    rmm__note_heap_remove(state->note);
    rmm__history_add(RMM__HISTORY_TRIM, state->self, state->memory, state->size, RMM_STREAM_DEFAULT);
    (void)rmm_deallocate(state->upstream, state->memory, state->size, RMM_STREAM_DEFAULT);
    RMM_LOG(RMM_LOG_DEBUG, "arena: returned the global arena at %p to the upstream", state->memory);
  }
  free_state(state);
}

static const rmm_impl_t arena_impl = {
    .name = "arena",
    .allocate = arena_allocate,
    .deallocate = arena_deallocate,
    .get_stats = arena_get_stats,
    .destroy = arena_destroy,
    .trim = arena_trim,
    .reset_peak = arena_reset_peak,
    .snapshot = rmm__arena_snapshot,
};

#define ARENA_MAX_SIZE ((size_t)1 << 50)

/* The global arena's size: RMM's rules (0: half the free device memory; at least 1 MiB). */
static rmm_status_t choose_size(size_t arena_size, bool device, const char *upstream, size_t *out)
{
  char text[RMM_BYTES_TEXT], limit[RMM_BYTES_TEXT];
  if (arena_size == 0) {
    if (!device)
      return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                       "rmm_arena_create: arena size 0 means half the free device memory, but the upstream (%s) "
                       "is not device accessible",
                       upstream);
    size_t free_bytes, total_bytes;
    rmm_status_t status = rmm__cuda_mem_info(&free_bytes, &total_bytes);
    if (status != RMM_SUCCESS)
      return status;
    arena_size = free_bytes / 2;
  }
  /* The superblock maps take about 100 bytes per MiB: past 1 PiB they outgrow any host. */
  if (arena_size > ARENA_MAX_SIZE)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_arena_create: arena size %s is above the largest an arena manages (%s)",
                     rmm__format_bytes(arena_size, text), rmm__format_bytes(ARENA_MAX_SIZE, limit));
  *out = arena_size & ~(RMM_ALLOCATION_ALIGNMENT - 1);
  if (*out < ARENA_SPAN_MIN)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_arena_create: arena size %s is smaller than the minimum superblock size (1.00 MiB)",
                     rmm__format_bytes(arena_size, text));
  return RMM_SUCCESS;
}

static arena_state_t *new_state(rmm_resource_t *upstream, size_t size, bool device, bool dump_log_on_failure)
{
  arena_state_t *state = calloc(1, sizeof *state);
  if (state == NULL)
    return NULL;
  if (pthread_mutex_init(&state->global_lock, NULL) != 0) {
    free(state);
    return NULL;
  }
  if (pthread_mutex_init(&state->arenas_lock, NULL) != 0) {
    pthread_mutex_destroy(&state->global_lock);
    free(state);
    return NULL;
  }
  state->id = atomic_fetch_add(&next_id, 1);
  state->upstream = upstream;
  state->size = size;
  state->device = device;
  state->dump_log_on_failure = dump_log_on_failure;
  state->device_id = device ? rmm__cuda_current_device() : -1;
  rmm__arena_stream_map_init(&state->streams);
  return state;
}

RMM_API rmm_status_t rmm_arena_create(rmm_resource_t *upstream, size_t arena_size, bool dump_log_on_failure,
                                      rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_arena_create: the output pointer is NULL");
  *out = NULL;
  rmm_resource_t *up;
  rmm_status_t status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  unsigned properties = rmm_resource_properties(up);
  bool device = (properties & RMM_DEVICE_ACCESSIBLE) != 0;
  size_t size = 0;
  status = choose_size(arena_size, device, rmm_resource_name(up), &size);
  if (status != RMM_SUCCESS)
    return status;

  arena_state_t *state = new_state(up, size, device, dump_log_on_failure);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_arena_create: no host memory for the resource");
  status = take_upstream_memory(state, false, &state->memory);
  if (status != RMM_SUCCESS) {
    free_state(state);
    return status;
  }
  if (!rmm__arena_spans_init(&state->spans, (uintptr_t)state->memory, size)) {
    char text[RMM_BYTES_TEXT];
    void *memory = state->memory;
    (void)rmm_deallocate(up, memory, size, RMM_STREAM_DEFAULT);
    free_state(state);
    if ((uintptr_t)memory > UINTPTR_MAX - size)
      return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_arena_create: the upstream's %s at %p wraps the address space",
                       rmm__format_bytes(size, text), memory);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_arena_create: no host memory for the superblock maps of %s",
                     rmm__format_bytes(size, text));
  }
  status = rmm__resource_new(&arena_impl, state, properties, up, out);
  if (status != RMM_SUCCESS) {
    (void)rmm_deallocate(up, state->memory, size, RMM_STREAM_DEFAULT);
    free_state(state);
    return status;
  }
  rmm__arena_registry_add(state);
  state->self = *out;
  /* Host memory is no concern of compute-sanitizer. */
  if (device && rmm__notes_active())
    state->note = rmm__note_heap_add(state->memory, size);
  rmm__history_add(RMM__HISTORY_GROW, state->self, state->memory, size, RMM_STREAM_DEFAULT);
  char text[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "arena: created a %s global arena at %p over %s", rmm__format_bytes(size, text),
          state->memory, rmm_resource_name(up));
  return RMM_SUCCESS;
}
