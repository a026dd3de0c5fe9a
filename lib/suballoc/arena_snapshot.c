/*
 * The arena's answer to a snapshot: the global arena is its one chunk; its blocks are
 * the blocks of every arena's superblocks, the large blocks (a span of the global
 * arena each) and the free spans of the global arena. Every lock is held while the
 * state is read, in the documented order, so the picture is consistent; the one
 * exception is a defragmentation in progress, whose collected superblocks belong to no
 * arena until the device is synchronised and are missing from the picture meanwhile.
 */
#include "config.h"

#include "suballoc/arena_internal.h"

/* The blocks of one arena's superblocks; the arena's lock held. */
static void describe_arena(const arena_t *arena, rmm__snapshot_t *snap)
{
  for (const arena_span_t *span = arena->heap.spans; span != NULL; span = span->next)
    for (const arena_block_t *block = span->blocks; block != NULL; block = block->next_phys)
      rmm__snapshot_block(snap, (const void *)block->address, block->size, 0, !block->free, arena->stream);
}

/*
 * The spans that no arena holds: large blocks (live, no owner) and free spans. Recycled
 * descriptors have size 0. The global lock held.
 */
static void describe_global(const arena_spans_t *spans, rmm__snapshot_t *snap)
{
  for (size_t i = 0; i < spans->descriptors_used; i++) {
    const arena_span_t *span = &spans->descriptors[i];
    size_t size = rmm__arena_span_size(span);
    if (size == 0)
      continue;
    bool owned = atomic_load_explicit(&span->owner, memory_order_relaxed) != NULL;
    if (span->live && !owned)
      rmm__snapshot_block(snap, (const void *)rmm__arena_span_base(span), size, span->used, true, RMM_STREAM_DEFAULT);
    else if (!span->live)
      rmm__snapshot_block(snap, (const void *)rmm__arena_span_base(span), size, 0, false, RMM_STREAM_DEFAULT);
  }
}

void rmm__arena_snapshot(const void *raw, rmm__snapshot_t *snap)
{
  arena_state_t *state = (arena_state_t *)raw;
  pthread_mutex_lock(&state->arenas_lock);
  for (arena_t *arena = state->arenas; arena != NULL; arena = arena->next)
    pthread_mutex_lock(&arena->lock);
  pthread_mutex_lock(&state->global_lock);
  /* After a trim the arena holds no memory until the next allocation takes it again. */
  if (!atomic_load_explicit(&state->released, memory_order_relaxed)) {
    rmm__snapshot_chunk(snap, state->memory, state->size, state->device_id);
    for (const arena_t *arena = state->arenas; arena != NULL; arena = arena->next)
      describe_arena(arena, snap);
    describe_global(&state->spans, snap);
  }
  pthread_mutex_unlock(&state->global_lock);
  for (arena_t *arena = state->arenas; arena != NULL; arena = arena->next)
    pthread_mutex_unlock(&arena->lock);
  pthread_mutex_unlock(&state->arenas_lock);
}
