/*
 * The arena's address space: one upstream allocation cut into spans of at least 1 MiB
 * (RMM's superblocks). Free spans are kept coalesced and handed out by address-ordered
 * first fit in O(log n); a span in use is found from any address inside it in O(1)
 * through a cover map with one entry per MiB.
 *
 * No locks and no CUDA: the caller serialises every call except rmm__arena_spans_find(),
 * which may run concurrently with the others and returns candidates that the caller
 * confirms under its own locks.
 */
#ifndef RMM_SUBALLOC_DS_ARENA_SPANS_H
#define RMM_SUBALLOC_DS_ARENA_SPANS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The smallest span, and the granularity of the cover map. */
#define ARENA_SPAN_MIN ((size_t)1 << 20)
#define ARENA_SPAN_SHIFT 20

struct arena_block;

typedef struct arena_span {
  /* Written by arena_spans only while the span is free; read without a lock by find(). */
  _Atomic uintptr_t base;
  _Atomic size_t size;
  /* Set by rmm__arena_spans_take(); whoever owns a live span changes it with its own locks. */
  _Atomic(void *) owner;
  bool live;
  /* The number of cover-map entries the live span has set, from its first MiB boundary. */
  size_t covered;
  /* For the span's user; arena_spans leaves them alone while the span is live. */
  size_t used;
  struct arena_block *blocks;
  struct arena_span *prev, *next;
} arena_span_t;

static inline uintptr_t rmm__arena_span_base(const arena_span_t *span)
{
  return atomic_load_explicit(&span->base, memory_order_relaxed);
}

static inline size_t rmm__arena_span_size(const arena_span_t *span)
{
  return atomic_load_explicit(&span->size, memory_order_relaxed);
}

static inline bool rmm__arena_span_contains(const arena_span_t *span, uintptr_t address)
{
  uintptr_t base = rmm__arena_span_base(span);
  return address >= base && address - base < rmm__arena_span_size(span);
}

typedef struct arena_spans {
  uintptr_t base;
  size_t size;
  size_t chunks;                      /* MiB of the range, the last one possibly partial */
  arena_span_t *descriptors;          /* `chunks` of them: no more spans can exist at once */
  size_t descriptors_used;
  arena_span_t *recycled;             /* descriptors of spans merged away */
  arena_span_t **free_start;          /* per MiB: the free span that starts in it */
  arena_span_t **free_end;            /* per MiB: the free span whose last byte is in it */
  _Atomic(arena_span_t *) *cover;     /* per MiB: the live span holding its first byte */
  size_t *largest;                    /* max-tree over free_start sizes, root at index 1 */
  size_t leaves;
  size_t free_bytes;
  size_t free_spans;
} arena_spans_t;

/* Which cover-map entries a live span sets: all (blocks anywhere) or its first (one block at its base). */
typedef enum { ARENA_COVER_ALL, ARENA_COVER_BASE } arena_cover_t;

/*
 * Sets up [base, base + size) as one free span. False when size < ARENA_SPAN_MIN, when
 * the range wraps the address space, or when there is no host memory for the maps.
 */
bool rmm__arena_spans_init(arena_spans_t *spans, uintptr_t base, size_t size);
void rmm__arena_spans_fini(arena_spans_t *spans);

/*
 * Takes the lowest free span of at least max(bytes, ARENA_SPAN_MIN), cutting off its
 * head when the rest is at least ARENA_SPAN_MIN, and makes it live with `owner`.
 * NULL when no free span is large enough.
 */
arena_span_t *rmm__arena_spans_take(arena_spans_t *spans, size_t bytes, void *owner, arena_cover_t cover);

/* Returns a live span to the free spans, merging it with free neighbours. */
void rmm__arena_spans_give(arena_spans_t *spans, arena_span_t *span);

/*
 * Up to two spans that may hold `address`: the only lookup that needs no lock. The
 * caller confirms a candidate under the lock of its owner (live spans do not move);
 * 0 when the address is outside the range.
 */
size_t rmm__arena_spans_find(const arena_spans_t *spans, uintptr_t address, arena_span_t *candidates[2]);

/* Whether no span is live: the whole range is one free span. */
static inline bool rmm__arena_spans_all_free(const arena_spans_t *spans) { return spans->free_bytes == spans->size; }

/*
 * Moves a range whose spans are all free to `base` (the arena gave its memory back and
 * took new memory of the same size). False, changing nothing, when a span is live.
 */
bool rmm__arena_spans_rebase(arena_spans_t *spans, uintptr_t base);

/* The largest free span, 0 when none. */
static inline size_t rmm__arena_spans_largest_free(const arena_spans_t *spans) { return spans->largest[1]; }

#endif
