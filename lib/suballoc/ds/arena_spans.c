/*
 * The arena's spans. Every span is at least ARENA_SPAN_MIN long, so each MiB of the
 * range holds at most one span start and at most one free-span end: per-MiB arrays
 * then find a span's free neighbours in O(1), and a max-tree over the MiB finds the
 * lowest free span that fits in O(log n).
 */
#include "config.h"

#include <stdlib.h>

#include "suballoc/ds/arena_spans.h"

static size_t chunk_of(const arena_spans_t *spans, uintptr_t address)
{
  return (size_t)((address - spans->base) >> ARENA_SPAN_SHIFT);
}

static uintptr_t span_end(const arena_span_t *span) { return rmm__arena_span_base(span) + rmm__arena_span_size(span); }

static void set_range(arena_span_t *span, uintptr_t base, size_t size)
{
  atomic_store_explicit(&span->base, base, memory_order_relaxed);
  atomic_store_explicit(&span->size, size, memory_order_relaxed);
}

/* Sets leaf `chunk` of the max-tree and refreshes its ancestors. */
static void tree_set(arena_spans_t *spans, size_t chunk, size_t value)
{
  size_t node = spans->leaves + chunk;
  spans->largest[node] = value;
  for (node /= 2; node >= 1; node /= 2) {
    size_t left = spans->largest[2 * node], right = spans->largest[2 * node + 1];
    spans->largest[node] = left > right ? left : right;
  }
}

/* The lowest chunk where a free span of at least `bytes` starts; SIZE_MAX when none. */
static size_t tree_first_fit(const arena_spans_t *spans, size_t bytes)
{
  if (spans->largest[1] < bytes)
    return SIZE_MAX;
  size_t node = 1;
  while (node < spans->leaves)
    node = spans->largest[2 * node] >= bytes ? 2 * node : 2 * node + 1;
  return node - spans->leaves;
}

static void insert_free(arena_spans_t *spans, arena_span_t *span)
{
  size_t first = chunk_of(spans, rmm__arena_span_base(span));
  spans->free_start[first] = span;
  spans->free_end[chunk_of(spans, span_end(span) - 1)] = span;
  tree_set(spans, first, rmm__arena_span_size(span));
  spans->free_bytes += rmm__arena_span_size(span);
  spans->free_spans++;
}

static void remove_free(arena_spans_t *spans, arena_span_t *span)
{
  size_t first = chunk_of(spans, rmm__arena_span_base(span));
  spans->free_start[first] = NULL;
  spans->free_end[chunk_of(spans, span_end(span) - 1)] = NULL;
  tree_set(spans, first, 0);
  spans->free_bytes -= rmm__arena_span_size(span);
  spans->free_spans--;
}

static arena_span_t *new_descriptor(arena_spans_t *spans)
{
  arena_span_t *span = spans->recycled;
  if (span != NULL) {
    spans->recycled = span->next;
    return span;
  }
  /* Never exhausted: spans of at least 1 MiB cannot outnumber the chunks. */
  return spans->descriptors_used < spans->chunks ? &spans->descriptors[spans->descriptors_used++] : NULL;
}

static void recycle(arena_spans_t *spans, arena_span_t *span)
{
  set_range(span, 0, 0);
  span->next = spans->recycled;
  spans->recycled = span;
}

/* The first cover-map entry of a span: the first MiB boundary at or after its base. */
static size_t first_boundary(const arena_spans_t *spans, const arena_span_t *span)
{
  uintptr_t offset = rmm__arena_span_base(span) - spans->base;
  return (size_t)((offset + ARENA_SPAN_MIN - 1) >> ARENA_SPAN_SHIFT);
}

/* Publishes a live span in the cover map. A span of at least 1 MiB holds at least one boundary. */
static void cover(arena_spans_t *spans, arena_span_t *span, arena_cover_t how)
{
  size_t first = first_boundary(spans, span);
  size_t last = chunk_of(spans, span_end(span) - 1);
  span->covered = how == ARENA_COVER_ALL ? last - first + 1 : 1;
  for (size_t i = 0; i < span->covered; i++)
    atomic_store_explicit(&spans->cover[first + i], span, memory_order_release);
}

static void uncover(arena_spans_t *spans, arena_span_t *span)
{
  size_t first = first_boundary(spans, span);
  for (size_t i = 0; i < span->covered; i++)
    atomic_store_explicit(&spans->cover[first + i], NULL, memory_order_relaxed);
  span->covered = 0;
}

bool rmm__arena_spans_init(arena_spans_t *spans, uintptr_t base, size_t size)
{
  *spans = (arena_spans_t){.base = base, .size = size};
  /* A range that wraps the address space has no end to compare against. */
  if (size < ARENA_SPAN_MIN || size > UINTPTR_MAX - base)
    return false;
  /* Rounded up without adding first: a size within a MiB of SIZE_MAX must not wrap to 0 chunks. */
  spans->chunks = (size >> ARENA_SPAN_SHIFT) + ((size & (ARENA_SPAN_MIN - 1)) != 0);
  spans->leaves = 1;
  while (spans->leaves < spans->chunks)
    spans->leaves *= 2;
  if (spans->leaves > SIZE_MAX / 2)
    return false;
  /* calloc: large arrays come as untouched zero pages, so a big arena costs only what it uses. */
  spans->descriptors = calloc(spans->chunks, sizeof *spans->descriptors);
  spans->free_start = calloc(spans->chunks, sizeof *spans->free_start);
  spans->free_end = calloc(spans->chunks, sizeof *spans->free_end);
  spans->cover = calloc(spans->chunks, sizeof *spans->cover);
  spans->largest = calloc(2 * spans->leaves, sizeof *spans->largest);
  if (spans->descriptors == NULL || spans->free_start == NULL || spans->free_end == NULL || spans->cover == NULL ||
      spans->largest == NULL) {
    rmm__arena_spans_fini(spans);
    return false;
  }
  arena_span_t *all = new_descriptor(spans);
  set_range(all, base, size);
  insert_free(spans, all);
  return true;
}

void rmm__arena_spans_fini(arena_spans_t *spans)
{
  free(spans->descriptors);
  free(spans->free_start);
  free(spans->free_end);
  free((void *)spans->cover);
  free(spans->largest);
  *spans = (arena_spans_t){0};
}

arena_span_t *rmm__arena_spans_take(arena_spans_t *spans, size_t bytes, void *owner, arena_cover_t how)
{
  size_t want = bytes > ARENA_SPAN_MIN ? bytes : ARENA_SPAN_MIN;
  size_t chunk = tree_first_fit(spans, want);
  if (chunk == SIZE_MAX)
    return NULL;
  arena_span_t *span = spans->free_start[chunk];
  remove_free(spans, span);
  /* Cut off the head only when the rest can still be a span of its own. */
  size_t size = rmm__arena_span_size(span);
  if (size - want >= ARENA_SPAN_MIN) {
    arena_span_t *tail = new_descriptor(spans);
    if (tail != NULL) {
      set_range(tail, rmm__arena_span_base(span) + want, size - want);
      insert_free(spans, tail);
      set_range(span, rmm__arena_span_base(span), want);
    }
  }
  span->live = true;
  span->used = 0;
  span->blocks = NULL;
  span->prev = span->next = NULL;
  atomic_store_explicit(&span->owner, owner, memory_order_relaxed);
  cover(spans, span, how);
  return span;
}

void rmm__arena_spans_give(arena_spans_t *spans, arena_span_t *span)
{
  uncover(spans, span);
  span->live = false;
  atomic_store_explicit(&span->owner, NULL, memory_order_relaxed);
  uintptr_t base = rmm__arena_span_base(span);
  if (base > spans->base) {
    arena_span_t *left = spans->free_end[chunk_of(spans, base - 1)];
    if (left != NULL && span_end(left) == base) {
      remove_free(spans, left);
      set_range(left, rmm__arena_span_base(left), rmm__arena_span_size(left) + rmm__arena_span_size(span));
      recycle(spans, span);
      span = left;
    }
  }
  uintptr_t end = span_end(span);
  if (end < spans->base + spans->size) {
    arena_span_t *right = spans->free_start[chunk_of(spans, end)];
    if (right != NULL && rmm__arena_span_base(right) == end) {
      remove_free(spans, right);
      set_range(span, rmm__arena_span_base(span), rmm__arena_span_size(span) + rmm__arena_span_size(right));
      recycle(spans, right);
    }
  }
  insert_free(spans, span);
}

bool rmm__arena_spans_rebase(arena_spans_t *spans, uintptr_t base)
{
  if (!rmm__arena_spans_all_free(spans))
    return false;
  /* The per-MiB maps are indexed by offset, so only the one free span's base moves. */
  arena_span_t *all = spans->free_start[0];
  spans->base = base;
  set_range(all, base, spans->size);
  return true;
}

size_t rmm__arena_spans_find(const arena_spans_t *spans, uintptr_t address, arena_span_t *candidates[2])
{
  if (address < spans->base || address - spans->base >= spans->size)
    return 0;
  /* The span holding the address holds the MiB boundary below it, or starts after that
     boundary and then holds the next one. */
  size_t chunk = chunk_of(spans, address);
  size_t found = 0;
  for (size_t i = chunk; i <= chunk + 1 && i < spans->chunks; i++) {
    arena_span_t *span = atomic_load_explicit(&spans->cover[i], memory_order_acquire);
    if (span != NULL && rmm__arena_span_contains(span, address))
      candidates[found++] = span;
  }
  return found;
}
