/**
 * @file tests/cpu/arena_ds_test.c
 * @brief Unit tests of the arena's data structures: arena_heap, arena_spans and arena_stream_map.
 *
 * They are hidden inside librmm, so this program compiles them in (tests/cpu/suballoc.mk).
 * Neither the heap nor the spans touch the memory they describe, so the addresses here
 * are made up. RMM_TEST_SCALE (default 1) multiplies the length of the randomized tests.
 */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/test.h"
#include "common/ds_check.h"
#include "suballoc/ds/arena_heap.h"
#include "suballoc/ds/arena_spans.h"
#include "suballoc/ds/arena_stream_map.h"

/* ---- helpers ------------------------------------------------------------ */

#define G ((size_t)256)
#define MIB ((size_t)1 << 20)
/* Well away from 0 (the heap's empty-slot marker) and, on purpose, not MiB aligned. */
#define BASE ((uintptr_t)0x7f0000000100ull)

static size_t below(uint64_t *rng, size_t n) { return (size_t)(rmm_test_random(rng) % n); }

static void shuffle(uint64_t *rng, size_t *v, size_t n)
{
  for (size_t i = n; i > 1; i--) {
    size_t j = below(rng, i);
    size_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

/* A span for the heap alone: the heap reads only its base and size. */
static void make_span(arena_span_t *span, uintptr_t base, size_t size)
{
  memset(span, 0, sizeof *span);
  atomic_store(&span->base, base);
  atomic_store(&span->size, size);
  span->live = true;
}

/*
 * The size classes as the header describes them, in granules: sizes below 16 have a
 * class each; above, each power of two is split into 16 equal classes. A class is
 * named here by its lower bound: the size cut to its five leading bits.
 */
static size_t class_floor(size_t granules)
{
  if (granules < ARENA_SL_COUNT)
    return granules;
  unsigned top = 63u - (unsigned)__builtin_clzll((unsigned long long)granules);
  unsigned drop = top - ARENA_SL_SHIFT;
  return granules >> drop << drop;
}

/* The (first, second) level indices of a class, for looking at the heap's bitmaps. */
static void class_index(size_t granules, unsigned *fl, unsigned *sl)
{
  if (granules < ARENA_SL_COUNT) {
    *fl = 0;
    *sl = (unsigned)granules;
    return;
  }
  unsigned top = 63u - (unsigned)__builtin_clzll((unsigned long long)granules);
  *fl = top - ARENA_SL_SHIFT + 1;
  *sl = (unsigned)(granules >> (top - ARENA_SL_SHIFT)) - ARENA_SL_COUNT;
}

/*
 * Whether the heap's choice of a free block of `chosen` bytes for a request of `bytes`
 * follows its documented policy, given all free block sizes: a block of the lowest
 * non-empty class whose every block fits (class floor >= request); only when there is
 * none, a fitting block of the request's own class.
 */
static bool policy_allows(const size_t *free_sizes, size_t count, size_t bytes, size_t chosen)
{
  size_t n = bytes / G, lowest = SIZE_MAX;
  for (size_t i = 0; i < count; i++) {
    size_t lower = class_floor(free_sizes[i] / G);
    if (lower >= n && lower < lowest)
      lowest = lower;
  }
  if (lowest != SIZE_MAX)
    return class_floor(chosen / G) == lowest;
  return chosen >= bytes && class_floor(chosen / G) == class_floor(n);
}

/* ---- arena_heap: fixed cases --------------------------------------------- */

#define ALLOC_OK(heap, bytes, out) CHECK_EQ(rmm__arena_heap_allocate((heap), (bytes), (out)), ARENA_HEAP_OK)

START_TEST(heap_exact)
{
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  arena_span_t span;
  make_span(&span, BASE, MIB);
  CHECK(rmm__arena_heap_add_span(&heap, &span));
  CHECK_EQ(heap.span_count, 1);
  CHECK_EQ(heap.free_bytes, MIB);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), MIB);

  /* Blocks come out back to back from the span's base, each exactly as large as asked. */
  uintptr_t a, b, c, d;
  ALLOC_OK(&heap, G, &a);
  ALLOC_OK(&heap, 2 * G, &b);
  ALLOC_OK(&heap, MIB - 3 * G, &c);
  CHECK_EQ(a, BASE);
  CHECK_EQ(b, a + G);
  CHECK_EQ(c, b + 2 * G);
  CHECK_EQ(span.used, MIB);
  CHECK_EQ(heap.free_bytes, 0);
  CHECK_EQ(heap.free_blocks, 0);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), 0);
  CHECK_EQ(rmm__arena_heap_allocate(&heap, G, &d), ARENA_HEAP_NO_FIT);

  /* A freed block is reused as it was. */
  CHECK_EQ(rmm__arena_heap_free(&heap, b, 2 * G), ARENA_HEAP_FREED);
  CHECK_EQ(span.used, MIB - 2 * G);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), 2 * G);
  ALLOC_OK(&heap, 2 * G, &d);
  CHECK_EQ(d, b);

  /* Wrong sizes, addresses inside blocks or outside the span, and NULL change nothing. */
  CHECK_EQ(rmm__arena_heap_free(&heap, b, G), ARENA_HEAP_WRONG_SIZE);
  CHECK_EQ(rmm__arena_heap_free(&heap, b, 3 * G), ARENA_HEAP_WRONG_SIZE);
  CHECK_EQ(rmm__arena_heap_free(&heap, b + G, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_free(&heap, c + G, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_free(&heap, BASE + MIB, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_free(&heap, BASE - G, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_free(&heap, 0, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(span.used, MIB);
  CHECK_EQ(heap.free_bytes, 0);
  CHECK_EQ(heap.allocated, 3);

  /* A double free is refused. */
  CHECK_EQ(rmm__arena_heap_free(&heap, a, G), ARENA_HEAP_FREED);
  CHECK_EQ(rmm__arena_heap_free(&heap, a, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(heap.free_bytes, G);
  CHECK_EQ(heap.allocated, 2);
  rmm__arena_heap_fini(&heap);
}
END_TEST

/* An empty heap refuses everything, including a lookup before any table exists. */
START_TEST(heap_empty)
{
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  uintptr_t a;
  CHECK_EQ(rmm__arena_heap_allocate(&heap, G, &a), ARENA_HEAP_NO_FIT);
  CHECK_EQ(rmm__arena_heap_free(&heap, BASE, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_free(&heap, 0, G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), 0);
  rmm__arena_heap_fini(&heap);
  rmm__arena_heap_fini(&heap);
}
END_TEST

START_TEST(heap_coalesce)
{
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  arena_span_t span;
  make_span(&span, BASE, MIB);
  CHECK(rmm__arena_heap_add_span(&heap, &span));
  uintptr_t a, b, c, d, e;
  ALLOC_OK(&heap, G, &a);
  ALLOC_OK(&heap, 2 * G, &b);
  ALLOC_OK(&heap, 3 * G, &c);
  ALLOC_OK(&heap, 4 * G, &d);
  ALLOC_OK(&heap, MIB - 10 * G, &e); /* the span is full */

  /* b and c merge into one block; a then merges with it from the left. */
  CHECK_EQ(rmm__arena_heap_free(&heap, b, 2 * G), ARENA_HEAP_FREED);
  CHECK_EQ(rmm__arena_heap_free(&heap, c, 3 * G), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), 5 * G);
  CHECK_EQ(rmm__arena_heap_free(&heap, a, G), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(heap.free_bytes, 6 * G);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), 6 * G);

  /* The merged block is one: a request of its whole size gets it at a's address. */
  uintptr_t merged;
  ALLOC_OK(&heap, 6 * G, &merged);
  CHECK_EQ(merged, a);
  CHECK_EQ(heap.free_blocks, 0);
  CHECK_EQ(rmm__arena_heap_free(&heap, merged, 6 * G), ARENA_HEAP_FREED);

  /* e is not adjacent to the free block: two blocks, until d joins them. */
  CHECK_EQ(rmm__arena_heap_free(&heap, e, MIB - 10 * G), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, 2);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), MIB - 10 * G);
  CHECK_EQ(rmm__arena_heap_free(&heap, d, 4 * G), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(heap.free_bytes, MIB);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), MIB);
  CHECK_EQ(span.used, 0);
  rmm__arena_heap_fini(&heap);
}
END_TEST

/* Two spans that touch in memory: blocks on either side of the seam never merge. */
START_TEST(heap_no_coalesce_across_spans)
{
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  arena_span_t low, high;
  make_span(&low, BASE, MIB);
  make_span(&high, BASE + MIB, MIB);
  CHECK(rmm__arena_heap_add_span(&heap, &low));
  CHECK(rmm__arena_heap_add_span(&heap, &high));
  CHECK_EQ(heap.free_blocks, 2);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), MIB);
  uintptr_t x;
  CHECK_EQ(rmm__arena_heap_allocate(&heap, 2 * MIB, &x), ARENA_HEAP_NO_FIT);

  /* Fill both, each with a large block and a granule, in whatever order the heap picks. */
  uintptr_t blocks[4];
  size_t sizes[4];
  for (int i = 0; i < 4; i++) {
    sizes[i] = i % 2 == 0 ? MIB - G : G;
    ALLOC_OK(&heap, sizes[i], &blocks[i]);
  }
  CHECK_EQ(heap.free_blocks, 0);
  CHECK_EQ(low.used, MIB);
  CHECK_EQ(high.used, MIB);

  /* Free the two blocks that meet at the seam: they stay two blocks. */
  size_t seam_bytes = 0, seam_largest = 0;
  int seam = 0;
  for (int i = 0; i < 4; i++) {
    if (blocks[i] + sizes[i] == BASE + MIB || blocks[i] == BASE + MIB) {
      CHECK_EQ(rmm__arena_heap_free(&heap, blocks[i], sizes[i]), ARENA_HEAP_FREED);
      seam_bytes += sizes[i];
      seam_largest = sizes[i] > seam_largest ? sizes[i] : seam_largest;
      seam++;
    }
  }
  CHECK_EQ(seam, 2);
  CHECK_EQ(heap.free_bytes, seam_bytes);
  CHECK_EQ(heap.free_blocks, 2);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), seam_largest);
  CHECK_EQ(rmm__arena_heap_allocate(&heap, seam_bytes, &x), ARENA_HEAP_NO_FIT);

  /* Free everything: one block per span, never one of 2 MiB. */
  for (int i = 0; i < 4; i++)
    if (blocks[i] + sizes[i] != BASE + MIB && blocks[i] != BASE + MIB)
      CHECK_EQ(rmm__arena_heap_free(&heap, blocks[i], sizes[i]), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, 2);
  CHECK_EQ(heap.free_bytes, 2 * MIB);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), MIB);
  CHECK_EQ(rmm__arena_heap_allocate(&heap, MIB + G, &x), ARENA_HEAP_NO_FIT);
  CHECK_EQ(low.used, 0);
  CHECK_EQ(high.used, 0);
  rmm__arena_heap_fini(&heap);
}
END_TEST

/* A span filled with blocks of many sizes and emptied in any order is one block again. */
START_TEST(heap_span_whole_again)
{
  uint64_t rng = 0x5eed0000u + (uint64_t)_i;
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  arena_span_t span;
  size_t span_size = 2 * MIB + 17 * G;
  make_span(&span, BASE, span_size);
  CHECK(rmm__arena_heap_add_span(&heap, &span));

  enum { MAX_BLOCKS = 4096 };
  static uintptr_t addresses[MAX_BLOCKS];
  static size_t sizes[MAX_BLOCKS], order[MAX_BLOCKS];
  size_t count = 0, total = 0;
  while (total < span_size && count < MAX_BLOCKS) {
    size_t size = (1 + below(&rng, 64)) * G;
    if (size > span_size - total)
      size = span_size - total;
    ALLOC_OK(&heap, size, &addresses[count]);
    sizes[count] = size;
    order[count] = count;
    count++;
    total += size;
  }
  CHECK_EQ(total, span_size);
  CHECK_EQ(span.used, span_size);
  CHECK_EQ(heap.free_blocks, 0);
  CHECK_EQ(heap.allocated, count);

  shuffle(&rng, order, count);
  for (size_t i = 0; i < count; i++) {
    size_t k = order[i];
    CHECK_EQ(rmm__arena_heap_free(&heap, addresses[k], sizes[k]), ARENA_HEAP_FREED);
  }
  CHECK_EQ(heap.allocated, 0);
  CHECK_EQ(span.used, 0);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(heap.free_bytes, span_size);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), span_size);
  CHECK(span.blocks != NULL);
  CHECK_EQ(span.blocks->address, BASE);
  CHECK_EQ(span.blocks->size, span_size);
  CHECK(span.blocks->free);
  CHECK(span.blocks->prev_phys == NULL && span.blocks->next_phys == NULL);

  /* Then the span leaves the heap, and with it every free byte. */
  rmm__arena_heap_remove_span(&heap, &span);
  CHECK_EQ(heap.span_count, 0);
  CHECK(heap.spans == NULL);
  CHECK_EQ(heap.free_bytes, 0);
  CHECK_EQ(heap.free_blocks, 0);
  CHECK_EQ(heap.fl_map, 0);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), 0);
  uintptr_t x;
  CHECK_EQ(rmm__arena_heap_allocate(&heap, G, &x), ARENA_HEAP_NO_FIT);

  /* It can come back, whole. */
  CHECK(rmm__arena_heap_add_span(&heap, &span));
  ALLOC_OK(&heap, span_size, &x);
  CHECK_EQ(x, BASE);
  rmm__arena_heap_fini(&heap);
}
END_TEST

/* Removing one span of several keeps the others' blocks and the span list intact. */
START_TEST(heap_remove_middle_span)
{
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  arena_span_t spans[3];
  for (int i = 0; i < 3; i++) {
    make_span(&spans[i], BASE + (uintptr_t)i * 4 * MIB, (size_t)(i + 1) * MIB);
    CHECK(rmm__arena_heap_add_span(&heap, &spans[i]));
  }
  CHECK_EQ(heap.span_count, 3);
  rmm__arena_heap_remove_span(&heap, &spans[1]);
  CHECK_EQ(heap.span_count, 2);
  CHECK_EQ(heap.free_bytes, 4 * MIB);
  CHECK_EQ(heap.free_blocks, 2);
  size_t seen = 0;
  for (arena_span_t *s = heap.spans; s != NULL; s = s->next) {
    CHECK(s == &spans[0] || s == &spans[2]);
    CHECK(s->next == NULL || s->next->prev == s);
    seen++;
  }
  CHECK_EQ(seen, 2);
  /* A request of 2 MiB now fits only the 3 MiB span. */
  uintptr_t x;
  ALLOC_OK(&heap, 2 * MIB, &x);
  CHECK_EQ(x, rmm__arena_span_base(&spans[2]));
  rmm__arena_heap_fini(&heap);
}
END_TEST

/*
 * Size classes at their edges: a lone free block of every size near a class boundary
 * sits in the class the header describes, and requests near the boundary are served
 * by the policy it describes.
 */
START_TEST(heap_size_classes)
{
  /* Granule counts near every class edge up to 2^22 granules (1 GiB). */
  enum { MAX_SIZES = 512 };
  size_t sizes[MAX_SIZES], count = 0;
  for (size_t n = 1; n <= 40; n++)
    sizes[count++] = n;
  for (unsigned p = 6; p <= 22; p++) {
    size_t pow = (size_t)1 << p, width = pow >> ARENA_SL_SHIFT;
    size_t edges[] = {pow - 1, pow, pow + 1, pow + width - 1, pow + width, pow + width + 1, 2 * pow - width - 1};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
      sizes[count++] = edges[i];
  }
  CHECK(count <= MAX_SIZES);

  for (size_t i = 0; i < count; i++) {
    arena_heap_t heap;
    rmm__arena_heap_init(&heap);
    arena_span_t span;
    make_span(&span, BASE, sizes[i] * G);
    CHECK(rmm__arena_heap_add_span(&heap, &span));
    unsigned fl, sl;
    class_index(sizes[i], &fl, &sl);
    CHECK_MSG(heap.fl_map == 1u << fl && heap.sl_map[fl] == 1u << sl && heap.classes[fl][sl] == span.blocks,
              "a free block of %zu granules is not in class (%u, %u)", sizes[i], fl, sl);
    CHECK_EQ(rmm__arena_heap_largest_free(&heap), sizes[i] * G);
    rmm__arena_heap_fini(&heap);
  }

  /* Free blocks of sizes one granule below, at and above a boundary size, each in a
     span of its own; then every request near it is checked against the policy. */
  for (size_t i = 0; i < count; i++) {
    size_t n = sizes[i];
    for (size_t req = n > 2 ? n - 2 : 1; req <= n + 2; req++) {
      arena_heap_t heap;
      rmm__arena_heap_init(&heap);
      arena_span_t spans[3];
      size_t free_sizes[3];
      size_t kinds = 0;
      for (size_t k = 0; k < 3; k++) {
        if (n + k < 2)
          continue;
        free_sizes[kinds] = (n + k - 1) * G;
        make_span(&spans[kinds], BASE + (uintptr_t)k * ((size_t)1 << 40), free_sizes[kinds]);
        CHECK(rmm__arena_heap_add_span(&heap, &spans[kinds]));
        kinds++;
      }
      uintptr_t at;
      arena_heap_result_t result = rmm__arena_heap_allocate(&heap, req * G, &at);
      size_t largest = 0;
      for (size_t k = 0; k < kinds; k++)
        largest = free_sizes[k] > largest ? free_sizes[k] : largest;
      if (largest < req * G) {
        CHECK_EQ(result, ARENA_HEAP_NO_FIT);
      } else {
        /* Nothing fitting may be missed. */
        CHECK_MSG(result == ARENA_HEAP_OK, "%zu granules not served, largest free %zu", req, largest / G);
        size_t chosen = 0;
        for (size_t k = 0; k < kinds; k++)
          if (rmm__arena_span_base(&spans[k]) == at)
            chosen = free_sizes[k];
        CHECK_MSG(chosen >= req * G && policy_allows(free_sizes, kinds, req * G, chosen),
                  "%zu granules served from a block of %zu (blocks near %zu)", req, chosen / G, n);
      }
      rmm__arena_heap_fini(&heap);
    }
  }
}
END_TEST

/* The largest free block is the largest of its class, not the class's first. */
START_TEST(heap_largest_in_class)
{
  /* 4096 and 4096 + 100 granules share a class (its width is 256 granules). */
  size_t small = 4096 * G, large = (4096 + 100) * G;
  for (int order = 0; order < 2; order++) {
    arena_heap_t heap;
    rmm__arena_heap_init(&heap);
    arena_span_t a, b;
    make_span(&a, BASE, order == 0 ? small : large);
    make_span(&b, BASE + 64 * MIB, order == 0 ? large : small);
    CHECK(rmm__arena_heap_add_span(&heap, &a));
    CHECK(rmm__arena_heap_add_span(&heap, &b));
    CHECK_EQ(rmm__arena_heap_largest_free(&heap), large);
    /* A request between the two sizes must find the larger one (same class, scanned). */
    uintptr_t x;
    ALLOC_OK(&heap, small + G, &x);
    CHECK_EQ(x, rmm__arena_span_base(order == 0 ? &b : &a));
    CHECK_EQ(rmm__arena_heap_largest_free(&heap), small);
    rmm__arena_heap_fini(&heap);
  }
}
END_TEST

/* Many blocks: the address table grows and deletes by backward shift without losing any. */
START_TEST(heap_many_blocks)
{
  enum { BLOCKS = 16384 };
  static uintptr_t addresses[BLOCKS];
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  arena_span_t span;
  make_span(&span, BASE, BLOCKS * G);
  CHECK(rmm__arena_heap_add_span(&heap, &span));
  for (size_t i = 0; i < BLOCKS; i++) {
    ALLOC_OK(&heap, G, &addresses[i]);
    CHECK_EQ(addresses[i], BASE + i * G);
  }
  CHECK_EQ(heap.allocated, BLOCKS);
  CHECK(heap.allocated * 2 <= heap.slot_mask + 1);
  for (size_t i = 0; i < BLOCKS; i += 2)
    CHECK_EQ(rmm__arena_heap_free(&heap, addresses[i], G), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, BLOCKS / 2);
  CHECK_EQ(rmm__arena_heap_largest_free(&heap), G);
  /* Every remaining block is still found, and every freed one refused. */
  for (size_t i = 0; i < BLOCKS; i++)
    CHECK_EQ(rmm__arena_heap_free(&heap, addresses[i], 2 * G), i % 2 == 0 ? ARENA_HEAP_NOT_FOUND : ARENA_HEAP_WRONG_SIZE);
  for (size_t i = 1; i < BLOCKS; i += 2)
    CHECK_EQ(rmm__arena_heap_free(&heap, addresses[i], G), ARENA_HEAP_FREED);
  CHECK_EQ(heap.free_blocks, 1);
  CHECK_EQ(heap.free_bytes, BLOCKS * G);
  CHECK_EQ(heap.allocated, 0);
  rmm__arena_heap_fini(&heap);
}
END_TEST

/* ---- arena_heap: against a model --------------------------------------- */

/*
 * The model: every granule of every span, 0 when free, else the number of the block
 * holding it. From it follow the free blocks the heap must have (maximal free runs
 * inside one span), their sizes, the largest, and each span's bytes in use.
 */
enum { MODEL_SPANS = 4 };
static const size_t model_span_granules[MODEL_SPANS] = {4096, 1500, 300, 4096 + 37};

typedef struct model {
  arena_span_t spans[MODEL_SPANS];
  bool present[MODEL_SPANS];
  uint32_t *owner[MODEL_SPANS];
  size_t runs[8192];
  size_t run_count;
  size_t span_free[MODEL_SPANS]; /* free bytes of each span, from the last model_runs() */
} model_t;

typedef struct live_block {
  uintptr_t address;
  size_t size;
  uint32_t id;
} live_block_t;

/* Spans adjacent in memory, so that merging across them would show. */
static uintptr_t model_base(int s)
{
  uintptr_t base = BASE;
  for (int i = 0; i < s; i++)
    base += model_span_granules[i] * G;
  return base;
}

/* Collects the free runs of the present spans; returns their total. */
static size_t model_runs(model_t *m)
{
  size_t total = 0;
  m->run_count = 0;
  for (int s = 0; s < MODEL_SPANS; s++) {
    m->span_free[s] = 0;
    if (!m->present[s])
      continue;
    size_t run = 0;
    for (size_t g = 0; g <= model_span_granules[s]; g++) {
      if (g < model_span_granules[s] && m->owner[s][g] == 0) {
        run++;
      } else if (run > 0) {
        m->runs[m->run_count++] = run * G;
        m->span_free[s] += run * G;
        total += run * G;
        run = 0;
      }
    }
  }
  return total;
}

static void model_check(model_t *m, const arena_heap_t *heap, size_t live)
{
  size_t total = model_runs(m), largest = 0;
  for (size_t i = 0; i < m->run_count; i++)
    largest = m->runs[i] > largest ? m->runs[i] : largest;
  CHECK_EQ(heap->free_bytes, total);
  CHECK_EQ(heap->free_blocks, m->run_count);
  CHECK_EQ(rmm__arena_heap_largest_free(heap), largest);
  CHECK_EQ(heap->allocated, live);
  for (int s = 0; s < MODEL_SPANS; s++)
    if (m->present[s])
      CHECK_EQ(m->spans[s].used, model_span_granules[s] * G - m->span_free[s]);
}

/* The span holding `address`, or -1. */
static int model_span_of(const model_t *m, uintptr_t address)
{
  for (int s = 0; s < MODEL_SPANS; s++)
    if (m->present[s] && address >= model_base(s) && address - model_base(s) < model_span_granules[s] * G)
      return s;
  return -1;
}

static void model_allocate(model_t *m, arena_heap_t *heap, uint64_t *rng, live_block_t *live, size_t *live_count,
                           uint32_t *next_id)
{
  /* Mostly small requests, some of a few hundred granules, a few of thousands. */
  size_t roll = below(rng, 100), granules;
  if (roll < 70)
    granules = 1 + below(rng, 20);
  else if (roll < 95)
    granules = 1 + below(rng, 400);
  else
    granules = 1 + below(rng, 4500);
  size_t bytes = granules * G;
  model_runs(m);
  size_t largest = 0;
  for (size_t i = 0; i < m->run_count; i++)
    largest = m->runs[i] > largest ? m->runs[i] : largest;

  uintptr_t at;
  arena_heap_result_t result = rmm__arena_heap_allocate(heap, bytes, &at);
  if (largest < bytes) {
    CHECK_EQ(result, ARENA_HEAP_NO_FIT);
    return;
  }
  CHECK_MSG(result == ARENA_HEAP_OK, "a request of %zu granules failed with a free run of %zu", granules,
            largest / G);
  int s = model_span_of(m, at);
  CHECK_MSG(s >= 0, "block at %#jx outside every span", (uintmax_t)at);
  size_t first = (at - model_base(s)) / G;
  CHECK_EQ((at - model_base(s)) % G, 0);
  CHECK(first + granules <= model_span_granules[s]);
  /* The block is the head of a free run that holds it, chosen by the class policy. */
  CHECK(first == 0 || m->owner[s][first - 1] != 0);
  size_t run = 0;
  while (first + run < model_span_granules[s] && m->owner[s][first + run] == 0)
    run++;
  CHECK_MSG(run >= granules, "block of %zu granules at a free run of %zu", granules, run);
  CHECK_MSG(policy_allows(m->runs, m->run_count, bytes, run * G),
            "%zu granules served from a run of %zu against the class policy", granules, run);
  uint32_t id = (*next_id)++;
  for (size_t g = first; g < first + granules; g++)
    m->owner[s][g] = id;
  live[(*live_count)++] = (live_block_t){.address = at, .size = bytes, .id = id};
}

static void model_free(model_t *m, arena_heap_t *heap, uint64_t *rng, live_block_t *live, size_t *live_count)
{
  size_t k = below(rng, *live_count);
  live_block_t block = live[k];
  /* Now and then, first a free the heap must refuse. */
  if (below(rng, 8) == 0)
    CHECK_EQ(rmm__arena_heap_free(heap, block.address, block.size + G), ARENA_HEAP_WRONG_SIZE);
  if (below(rng, 8) == 0 && block.size > G)
    CHECK_EQ(rmm__arena_heap_free(heap, block.address + G, block.size - G), ARENA_HEAP_NOT_FOUND);
  CHECK_EQ(rmm__arena_heap_free(heap, block.address, block.size), ARENA_HEAP_FREED);
  if (below(rng, 8) == 0)
    CHECK_EQ(rmm__arena_heap_free(heap, block.address, block.size), ARENA_HEAP_NOT_FOUND);
  int s = model_span_of(m, block.address);
  CHECK(s >= 0);
  size_t first = (block.address - model_base(s)) / G;
  for (size_t g = first; g < first + block.size / G; g++) {
    CHECK_EQ(m->owner[s][g], block.id);
    m->owner[s][g] = 0;
  }
  live[k] = live[--*live_count];
}

/* Takes an empty span out of the heap, or puts an absent one back. */
static void model_toggle_span(model_t *m, arena_heap_t *heap, uint64_t *rng)
{
  int s = (int)below(rng, MODEL_SPANS);
  if (!m->present[s]) {
    make_span(&m->spans[s], model_base(s), model_span_granules[s] * G);
    CHECK(rmm__arena_heap_add_span(heap, &m->spans[s]));
    m->present[s] = true;
    return;
  }
  if (m->spans[s].used == 0) {
    rmm__arena_heap_remove_span(heap, &m->spans[s]);
    m->present[s] = false;
  }
}

START_TEST(heap_randomized)
{
  uint64_t rng = 0xa4e4a000u + (uint64_t)_i;
  static model_t m;
  memset(&m, 0, sizeof m);
  size_t total_granules = 0;
  for (int s = 0; s < MODEL_SPANS; s++) {
    m.owner[s] = calloc(model_span_granules[s], sizeof *m.owner[s]);
    CHECK(m.owner[s] != NULL);
    total_granules += model_span_granules[s];
  }
  live_block_t *live = calloc(total_granules, sizeof *live);
  CHECK(live != NULL);
  size_t live_count = 0;
  uint32_t next_id = 1;
  arena_heap_t heap;
  rmm__arena_heap_init(&heap);
  for (int s = 0; s < MODEL_SPANS; s++) {
    make_span(&m.spans[s], model_base(s), model_span_granules[s] * G);
    CHECK(rmm__arena_heap_add_span(&heap, &m.spans[s]));
    m.present[s] = true;
  }

  size_t steps = rmm_test_scaled(4000);
  for (size_t step = 0; step < steps; step++) {
    /* Phases that fill and phases that drain, so both full and empty heaps occur. */
    bool filling = (step / 500) % 2 == 0;
    size_t roll = below(&rng, 100);
    if (roll < 2)
      model_toggle_span(&m, &heap, &rng);
    else if (live_count > 0 && roll < (filling ? 35u : 75u))
      model_free(&m, &heap, &rng, live, &live_count);
    else
      model_allocate(&m, &heap, &rng, live, &live_count, &next_id);
    model_check(&m, &heap, live_count);
  }
  while (live_count > 0)
    model_free(&m, &heap, &rng, live, &live_count);
  model_check(&m, &heap, 0);
  /* Drained: one free block per present span. */
  size_t present = 0;
  for (int s = 0; s < MODEL_SPANS; s++)
    present += m.present[s];
  CHECK_EQ(heap.free_blocks, present);
  CHECK_EQ(heap.span_count, present);

  rmm__arena_heap_fini(&heap);
  free(live);
  for (int s = 0; s < MODEL_SPANS; s++)
    free(m.owner[s]);
}
END_TEST

/* ---- arena_spans: fixed cases -------------------------------------------- */

static void check_free_totals(const arena_spans_t *spans, size_t bytes, size_t count, size_t largest)
{
  CHECK_EQ(spans->free_bytes, bytes);
  CHECK_EQ(spans->free_spans, count);
  CHECK_EQ(rmm__arena_spans_largest_free(spans), largest);
}

/*
 * find() gives `span` for `address` (NULL: nothing), and no span that does not hold it.
 * A span over two MiB boundaries may be given twice; that is allowed.
 */
static void check_find(const arena_spans_t *spans, uintptr_t address, const arena_span_t *span)
{
  arena_span_t *candidates[2] = {NULL, NULL};
  size_t found = rmm__arena_spans_find(spans, address, candidates);
  size_t holding = 0;
  for (size_t i = 0; i < found; i++) {
    CHECK_MSG(rmm__arena_span_contains(candidates[i], address), "find(%#jx) gave a span not holding it",
              (uintmax_t)address);
    holding += candidates[i] == span;
  }
  if (span == NULL)
    CHECK_MSG(found == 0, "find(%#jx) gave %zu candidates where no span is live", (uintmax_t)address, found);
  else
    CHECK_MSG(holding >= 1, "find(%#jx) missed its span (%zu candidates)", (uintmax_t)address, found);
}

START_TEST(spans_take_give)
{
  arena_spans_t spans;
  size_t size = 8 * MIB + 3 * G;
  CHECK(rmm__arena_spans_init(&spans, BASE, size));
  check_free_totals(&spans, size, 1, size);
  int owner_a, owner_b;

  /* Small requests get ARENA_SPAN_MIN, from the lowest address on. */
  arena_span_t *a = rmm__arena_spans_take(&spans, G, &owner_a, ARENA_COVER_ALL);
  CHECK(a != NULL);
  CHECK_EQ(rmm__arena_span_base(a), BASE);
  CHECK_EQ(rmm__arena_span_size(a), ARENA_SPAN_MIN);
  CHECK(a->live);
  CHECK(atomic_load(&a->owner) == &owner_a);
  check_free_totals(&spans, size - MIB, 1, size - MIB);

  arena_span_t *b = rmm__arena_spans_take(&spans, 3 * MIB + 2 * G, &owner_b, ARENA_COVER_ALL);
  CHECK(b != NULL);
  CHECK_EQ(rmm__arena_span_base(b), BASE + MIB);
  CHECK_EQ(rmm__arena_span_size(b), 3 * MIB + 2 * G);
  check_free_totals(&spans, size - 4 * MIB - 2 * G, 1, size - 4 * MIB - 2 * G);

  /* Nothing larger than what is free. */
  CHECK(rmm__arena_spans_take(&spans, size - 4 * MIB, NULL, ARENA_COVER_ALL) == NULL);
  CHECK(rmm__arena_spans_take(&spans, SIZE_MAX, NULL, ARENA_COVER_ALL) == NULL);

  /* a comes back alone (b separates it from the free tail), then b joins them all. */
  rmm__arena_spans_give(&spans, a);
  check_free_totals(&spans, size - 3 * MIB - 2 * G, 2, size - 4 * MIB - 2 * G);
  CHECK(!a->live);
  CHECK(atomic_load(&a->owner) == NULL);
  rmm__arena_spans_give(&spans, b);
  check_free_totals(&spans, size, 1, size);

  /* The whole range can be taken again at once. */
  arena_span_t *all = rmm__arena_spans_take(&spans, size, NULL, ARENA_COVER_BASE);
  CHECK(all != NULL);
  CHECK_EQ(rmm__arena_span_base(all), BASE);
  CHECK_EQ(rmm__arena_span_size(all), size);
  check_free_totals(&spans, 0, 0, 0);
  rmm__arena_spans_give(&spans, all);
  check_free_totals(&spans, size, 1, size);
  rmm__arena_spans_fini(&spans);
}
END_TEST

/* A rest shorter than ARENA_SPAN_MIN stays with the span taken: no span is ever smaller. */
START_TEST(spans_small_rest_stays)
{
  arena_spans_t spans;
  size_t size = 2 * MIB + MIB / 2;
  CHECK(rmm__arena_spans_init(&spans, BASE, size));
  arena_span_t *s = rmm__arena_spans_take(&spans, 2 * MIB, NULL, ARENA_COVER_ALL);
  CHECK(s != NULL);
  CHECK_EQ(rmm__arena_span_size(s), size);
  check_free_totals(&spans, 0, 0, 0);
  CHECK(rmm__arena_spans_take(&spans, 0, NULL, ARENA_COVER_ALL) == NULL);
  rmm__arena_spans_give(&spans, s);

  /* 3.25 MiB in 1 MiB takes: the third holds the last 1.25 MiB, and a fourth fails. */
  rmm__arena_spans_fini(&spans);
  size = 3 * MIB + MIB / 4;
  CHECK(rmm__arena_spans_init(&spans, BASE, size));
  arena_span_t *taken[3];
  for (int i = 0; i < 3; i++) {
    taken[i] = rmm__arena_spans_take(&spans, MIB, NULL, ARENA_COVER_ALL);
    CHECK(taken[i] != NULL);
    CHECK_EQ(rmm__arena_span_base(taken[i]), BASE + (uintptr_t)i * MIB);
  }
  CHECK_EQ(rmm__arena_span_size(taken[2]), size - 2 * MIB);
  CHECK(rmm__arena_spans_take(&spans, MIB, NULL, ARENA_COVER_ALL) == NULL);
  check_find(&spans, BASE + size - 1, taken[2]);
  check_find(&spans, BASE + size, NULL);
  rmm__arena_spans_fini(&spans);
}
END_TEST

/* Holes of several sizes: each request takes the lowest hole that fits. */
START_TEST(spans_first_fit)
{
  enum { CHUNKS = 16 };
  arena_spans_t spans;
  CHECK(rmm__arena_spans_init(&spans, BASE, CHUNKS * MIB));
  arena_span_t *one[CHUNKS];
  for (int i = 0; i < CHUNKS; i++) {
    one[i] = rmm__arena_spans_take(&spans, MIB, NULL, ARENA_COVER_ALL);
    CHECK(one[i] != NULL);
  }
  /* Holes: [1] (1 MiB), [3,4] (2 MiB), [6,8] (3 MiB), [10,11] (2 MiB). */
  const int holes[] = {1, 3, 4, 6, 7, 8, 10, 11};
  for (size_t i = 0; i < sizeof holes / sizeof holes[0]; i++)
    rmm__arena_spans_give(&spans, one[holes[i]]);
  check_free_totals(&spans, 8 * MIB, 4, 3 * MIB);

  arena_span_t *s = rmm__arena_spans_take(&spans, 2 * MIB, NULL, ARENA_COVER_ALL);
  CHECK_EQ(rmm__arena_span_base(s), BASE + 3 * MIB);
  s = rmm__arena_spans_take(&spans, 2 * MIB, NULL, ARENA_COVER_ALL);
  CHECK_EQ(rmm__arena_span_base(s), BASE + 6 * MIB);
  CHECK_EQ(rmm__arena_span_size(s), 2 * MIB);
  /* The 1 MiB left of the 3 MiB hole comes before the hole at 10. */
  s = rmm__arena_spans_take(&spans, MIB + G, NULL, ARENA_COVER_ALL);
  CHECK_EQ(rmm__arena_span_base(s), BASE + 10 * MIB);
  s = rmm__arena_spans_take(&spans, 0, NULL, ARENA_COVER_ALL);
  CHECK_EQ(rmm__arena_span_base(s), BASE + MIB);
  s = rmm__arena_spans_take(&spans, 0, NULL, ARENA_COVER_ALL);
  CHECK_EQ(rmm__arena_span_base(s), BASE + 8 * MIB);
  check_free_totals(&spans, 0, 0, 0);
  CHECK(rmm__arena_spans_take(&spans, 0, NULL, ARENA_COVER_ALL) == NULL);
  rmm__arena_spans_fini(&spans);
}
END_TEST

/* Three neighbours given back in every order end as one free span. */
START_TEST(spans_merge_orders)
{
  static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  arena_spans_t spans;
  size_t size = 5 * MIB;
  CHECK(rmm__arena_spans_init(&spans, BASE, size));
  arena_span_t *s[3];
  s[0] = rmm__arena_spans_take(&spans, MIB + MIB / 2, NULL, ARENA_COVER_ALL);
  s[1] = rmm__arena_spans_take(&spans, MIB, NULL, ARENA_COVER_ALL);
  s[2] = rmm__arena_spans_take(&spans, 2 * MIB + MIB / 2, NULL, ARENA_COVER_ALL);
  CHECK(s[0] != NULL && s[1] != NULL && s[2] != NULL);
  check_free_totals(&spans, 0, 0, 0);
  size_t sizes[3] = {rmm__arena_span_size(s[0]), rmm__arena_span_size(s[1]), rmm__arena_span_size(s[2])};
  size_t freed = 0;
  for (int k = 0; k < 3; k++) {
    rmm__arena_spans_give(&spans, s[orders[_i][k]]);
    freed += sizes[orders[_i][k]];
    CHECK_EQ(spans.free_bytes, freed);
  }
  check_free_totals(&spans, size, 1, size);
  rmm__arena_spans_fini(&spans);
}
END_TEST

/* find() at the edges of spans that do not start on MiB boundaries. */
START_TEST(spans_find_edges)
{
  arena_spans_t spans;
  size_t size = 7 * MIB + MIB / 4;
  CHECK(rmm__arena_spans_init(&spans, BASE, size));
  arena_span_t *s[4];
  s[0] = rmm__arena_spans_take(&spans, MIB + MIB / 2, NULL, ARENA_COVER_ALL);
  s[1] = rmm__arena_spans_take(&spans, MIB + MIB / 2, NULL, ARENA_COVER_ALL);
  s[2] = rmm__arena_spans_take(&spans, MIB, NULL, ARENA_COVER_ALL);
  s[3] = rmm__arena_spans_take(&spans, 2 * MIB + G, NULL, ARENA_COVER_BASE);
  for (int i = 0; i < 4; i++)
    CHECK(s[i] != NULL);
  uintptr_t free_from = rmm__arena_span_base(s[3]) + rmm__arena_span_size(s[3]);

  check_find(&spans, BASE - 1, NULL);
  check_find(&spans, 0, NULL);
  check_find(&spans, BASE + size, NULL);
  check_find(&spans, UINTPTR_MAX, NULL);
  for (int i = 0; i < 3; i++) {
    uintptr_t base = rmm__arena_span_base(s[i]), end = base + rmm__arena_span_size(s[i]);
    check_find(&spans, base, s[i]);
    check_find(&spans, base + G, s[i]);
    check_find(&spans, end - 1, s[i]);
    for (uintptr_t a = base; a < end; a += 64 * 1024)
      check_find(&spans, a, s[i]);
  }
  /* A span covered at its base only is found from its base; elsewhere find() may give
     nothing, but never a span that does not hold the address. */
  check_find(&spans, rmm__arena_span_base(s[3]), s[3]);
  arena_span_t *candidates[2];
  for (uintptr_t a = rmm__arena_span_base(s[3]); a < free_from; a += 64 * 1024) {
    size_t found = rmm__arena_spans_find(&spans, a, candidates);
    for (size_t i = 0; i < found; i++)
      CHECK(candidates[i] == s[3]);
  }
  check_find(&spans, free_from, NULL);
  check_find(&spans, BASE + size - 1, NULL);

  /* Given back, a span is no longer found. */
  uintptr_t gone = rmm__arena_span_base(s[1]);
  size_t gone_size = rmm__arena_span_size(s[1]);
  rmm__arena_spans_give(&spans, s[1]);
  check_find(&spans, gone, NULL);
  check_find(&spans, gone + gone_size - 1, NULL);
  check_find(&spans, gone - 1, s[0]);
  check_find(&spans, gone + gone_size, s[2]);
  rmm__arena_spans_fini(&spans);
}
END_TEST

/*
 * A range whose MiB count, computed naively, wraps past SIZE_MAX: init must either
 * refuse it or describe the whole range, never a range of 0 chunks. (No host can hold
 * the maps of such a range, so refusing is what to expect.)
 */
START_TEST(spans_init_near_size_max)
{
  static const struct {
    uintptr_t base;
    size_t size;
  } cases[] = {
      {0x100000, SIZE_MAX & ~(G - 1)},           /* base + size wraps the address space */
      {0x100, SIZE_MAX - 0x100},                 /* ends exactly at the top */
      {0x100, (SIZE_MAX - 0x100) & ~(MIB - 1)},  /* a whole number of MiB */
      {0x1000, SIZE_MAX - MIB / 2 - 0x1000 + 1}, /* within a MiB of SIZE_MAX */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    arena_spans_t spans;
    if (rmm__arena_spans_init(&spans, cases[i].base, cases[i].size)) {
      CHECK_MSG(spans.chunks >= cases[i].size / MIB && spans.chunks > 0,
                "case %zu: %zu chunks for a range of %#zx bytes", i, spans.chunks, cases[i].size);
      CHECK_EQ(rmm__arena_spans_largest_free(&spans), cases[i].size);
      rmm__arena_spans_fini(&spans);
    }
  }
}
END_TEST

/* ---- arena_spans: against a model ------------------------------------- */

/* The model: the range as a list of pieces in address order, each free or live. */
typedef struct piece {
  uintptr_t base;
  size_t size;
  arena_span_t *live; /* NULL: free */
} piece_t;

enum { MAX_PIECES = 512 };

typedef struct spans_model {
  piece_t pieces[MAX_PIECES];
  size_t count;
} spans_model_t;

/* Merges free neighbours, as the spans must. */
static void spans_model_merge(spans_model_t *m)
{
  size_t out = 0;
  for (size_t i = 0; i < m->count; i++) {
    if (out > 0 && m->pieces[out - 1].live == NULL && m->pieces[i].live == NULL)
      m->pieces[out - 1].size += m->pieces[i].size;
    else
      m->pieces[out++] = m->pieces[i];
  }
  m->count = out;
}

static void spans_model_check(const spans_model_t *m, const arena_spans_t *spans, uint64_t *rng)
{
  size_t bytes = 0, count = 0, largest = 0;
  for (size_t i = 0; i < m->count; i++) {
    const piece_t *p = &m->pieces[i];
    if (p->live == NULL) {
      bytes += p->size;
      count++;
      largest = p->size > largest ? p->size : largest;
    } else {
      CHECK_EQ(rmm__arena_span_base(p->live), p->base);
      CHECK_EQ(rmm__arena_span_size(p->live), p->size);
    }
  }
  check_free_totals(spans, bytes, count, largest);
  /* Random addresses of each piece, and its edges. */
  for (size_t i = 0; i < m->count; i++) {
    const piece_t *p = &m->pieces[i];
    check_find(spans, p->base, p->live);
    check_find(spans, p->base + p->size - 1, p->live);
    check_find(spans, p->base + below(rng, p->size), p->live);
  }
}

static void spans_model_take(spans_model_t *m, arena_spans_t *spans, uint64_t *rng)
{
  size_t roll = below(rng, 10);
  size_t bytes = roll < 5 ? below(rng, MIB + 1) : roll < 9 ? below(rng, 4 * MIB) : below(rng, 24 * MIB);
  size_t want = bytes > ARENA_SPAN_MIN ? bytes : ARENA_SPAN_MIN;
  size_t hole = SIZE_MAX;
  for (size_t i = 0; i < m->count && hole == SIZE_MAX; i++)
    if (m->pieces[i].live == NULL && m->pieces[i].size >= want)
      hole = i;
  arena_span_t *span = rmm__arena_spans_take(spans, bytes, NULL, ARENA_COVER_ALL);
  if (hole == SIZE_MAX) {
    CHECK(span == NULL);
    return;
  }
  CHECK_MSG(span != NULL, "a take of %zu bytes failed with a free span of %zu", bytes, m->pieces[hole].size);
  piece_t *p = &m->pieces[hole];
  CHECK_EQ(rmm__arena_span_base(span), p->base);
  if (p->size - want >= ARENA_SPAN_MIN) {
    CHECK(m->count < MAX_PIECES);
    memmove(&m->pieces[hole + 1], &m->pieces[hole], (m->count - hole) * sizeof *p);
    m->count++;
    m->pieces[hole + 1].base = p->base + want;
    m->pieces[hole + 1].size = p->size - want;
    p->size = want;
  }
  p->live = span;
}

static void spans_model_give(spans_model_t *m, arena_spans_t *spans, uint64_t *rng)
{
  size_t live = 0;
  for (size_t i = 0; i < m->count; i++)
    live += m->pieces[i].live != NULL;
  if (live == 0)
    return;
  size_t pick = below(rng, live);
  for (size_t i = 0; i < m->count; i++) {
    if (m->pieces[i].live != NULL && pick-- == 0) {
      rmm__arena_spans_give(spans, m->pieces[i].live);
      m->pieces[i].live = NULL;
      break;
    }
  }
  spans_model_merge(m);
}

START_TEST(spans_randomized)
{
  uint64_t rng = 0x59a45000u + (uint64_t)_i;
  static spans_model_t m;
  size_t size = 96 * MIB + 5 * G;
  arena_spans_t spans;
  CHECK(rmm__arena_spans_init(&spans, BASE, size));
  m.count = 1;
  m.pieces[0] = (piece_t){.base = BASE, .size = size, .live = NULL};
  size_t steps = rmm_test_scaled(3000);
  for (size_t step = 0; step < steps; step++) {
    bool filling = (step / 200) % 2 == 0;
    if (below(&rng, 100) < (filling ? 65u : 35u))
      spans_model_take(&m, &spans, &rng);
    else
      spans_model_give(&m, &spans, &rng);
    spans_model_check(&m, &spans, &rng);
  }
  while (m.count > 1 || m.pieces[0].live != NULL)
    spans_model_give(&m, &spans, &rng);
  spans_model_check(&m, &spans, &rng);
  check_free_totals(&spans, size, 1, size);
  rmm__arena_spans_fini(&spans);
}
END_TEST

/* ---- arena_stream_map ----------------------------------------------------- */

/* Keys shaped like stream handles: the default streams, then pointer-like values. */
static uintptr_t stream_key(size_t i)
{
  return i < 3 ? (uintptr_t)i : (uintptr_t)0x55d0c0000000ull + (uintptr_t)(i - 3) * 0x40;
}

static void *stream_value(size_t i) { return (void *)(uintptr_t)(0x1000 + 16 * i); }

START_TEST(stream_map_basic)
{
  arena_stream_map_t map;
  rmm__arena_stream_map_init(&map);
  CHECK(rmm__arena_stream_map_find(&map, 0) == NULL);
  CHECK(rmm__arena_stream_map_find(&map, stream_key(5)) == NULL);
  for (size_t i = 0; i < 8; i++) {
    CHECK(rmm__arena_stream_map_insert(&map, stream_key(i), stream_value(i)));
    for (size_t j = 0; j < 12; j++)
      CHECK(rmm__arena_stream_map_find(&map, stream_key(j)) == (j <= i ? stream_value(j) : NULL));
  }
  rmm__arena_stream_map_fini(&map);
  CHECK(rmm__arena_stream_map_find(&map, stream_key(1)) == NULL);
  rmm__arena_stream_map_fini(&map);
}
END_TEST

/* Growth keeps every entry, keeps tables at most half full, and leaves old tables readable. */
START_TEST(stream_map_grow)
{
  enum { KEYS = 5000 };
  arena_stream_map_t map;
  rmm__arena_stream_map_init(&map);
  size_t tables = 0;
  const arena_stream_table_t *last = NULL;
  for (size_t i = 0; i < KEYS; i++) {
    CHECK(rmm__arena_stream_map_insert(&map, stream_key(i), stream_value(i)));
    const arena_stream_table_t *table = atomic_load(&map.table);
    if (table != last) {
      tables++;
      CHECK(table->older == last);
      last = table;
    }
    CHECK_EQ(table->count, i + 1);
    CHECK(table->count * 2 <= table->mask + 1);
    CHECK(rmm__arena_stream_map_find(&map, stream_key(i)) == stream_value(i));
    CHECK(rmm__arena_stream_map_find(&map, stream_key(i / 2)) == stream_value(i / 2));
  }
  CHECK(tables > 5);
  for (size_t i = 0; i < KEYS; i++)
    CHECK(rmm__arena_stream_map_find(&map, stream_key(i)) == stream_value(i));
  for (size_t i = KEYS; i < 2 * KEYS; i++)
    CHECK(rmm__arena_stream_map_find(&map, stream_key(i)) == NULL);

  /* A reader still holding an older table finds what that table had. */
  for (arena_stream_table_t *old = atomic_load(&map.table)->older; old != NULL; old = old->older) {
    arena_stream_map_t view;
    atomic_init(&view.table, old);
    for (size_t i = 0; i < old->count; i++)
      CHECK(rmm__arena_stream_map_find(&view, stream_key(i)) == stream_value(i));
    CHECK(rmm__arena_stream_map_find(&view, stream_key(old->count)) == NULL);
  }
  rmm__arena_stream_map_fini(&map);
}
END_TEST

/* Readers without a lock while one writer inserts: every published key is found, right. */
typedef struct map_race {
  arena_stream_map_t map;
  _Atomic size_t published;
  _Atomic bool done;
  size_t keys;
} map_race_t;

typedef struct map_reader {
  map_race_t *race;
  uint64_t seed;
  size_t lookups;
  size_t wrong;
} map_reader_t;

static void *map_reader(void *arg)
{
  map_reader_t *reader = arg;
  map_race_t *race = reader->race;
  uint64_t rng = reader->seed;
  while (!atomic_load(&race->done)) {
    size_t published = atomic_load(&race->published);
    if (published == 0)
      continue;
    size_t i = below(&rng, published);
    if (rmm__arena_stream_map_find(&race->map, stream_key(i)) != stream_value(i))
      reader->wrong++;
    if (rmm__arena_stream_map_find(&race->map, stream_key(race->keys + i)) != NULL)
      reader->wrong++;
    reader->lookups++;
  }
  return NULL;
}

START_TEST(stream_map_concurrent_readers)
{
  enum { READERS = 3 };
  static map_race_t race;
  rmm__arena_stream_map_init(&race.map);
  atomic_init(&race.published, 0);
  atomic_init(&race.done, false);
  race.keys = rmm_test_scaled(20000);
  map_reader_t readers[READERS];
  pthread_t threads[READERS];
  for (int r = 0; r < READERS; r++) {
    readers[r] = (map_reader_t){.race = &race, .seed = 0xfeed0000u + (uint64_t)r};
    CHECK(pthread_create(&threads[r], NULL, map_reader, &readers[r]) == 0);
  }
  bool inserted = true;
  for (size_t i = 0; i < race.keys && inserted; i++) {
    inserted = rmm__arena_stream_map_insert(&race.map, stream_key(i), stream_value(i));
    atomic_store(&race.published, i + 1);
  }
  atomic_store(&race.done, true);
  size_t wrong = 0;
  for (int r = 0; r < READERS; r++) {
    pthread_join(threads[r], NULL);
    wrong += readers[r].wrong;
  }
  CHECK(inserted);
  CHECK_MSG(wrong == 0, "%zu lookups gave a wrong answer during insertions", wrong);
  for (size_t i = 0; i < race.keys; i++)
    CHECK(rmm__arena_stream_map_find(&race.map, stream_key(i)) == stream_value(i));
  rmm__arena_stream_map_fini(&race.map);
}
END_TEST

/* ---- runner ------------------------------------------------------------- */

static Suite *arena_ds_suite(void)
{
  Suite *suite = suite_create("arena_ds");
  double timeout = 120.0 * (double)rmm_test_scaled(1);

  TCase *heap = tcase_create("arena_heap");
  tcase_set_timeout(heap, timeout);
  tcase_add_test(heap, heap_empty);
  tcase_add_test(heap, heap_exact);
  tcase_add_test(heap, heap_coalesce);
  tcase_add_test(heap, heap_no_coalesce_across_spans);
  tcase_add_loop_test(heap, heap_span_whole_again, 0, 3);
  tcase_add_test(heap, heap_remove_middle_span);
  tcase_add_test(heap, heap_size_classes);
  tcase_add_test(heap, heap_largest_in_class);
  tcase_add_test(heap, heap_many_blocks);
  tcase_add_loop_test(heap, heap_randomized, 0, 3);
  suite_add_tcase(suite, heap);

  TCase *spans = tcase_create("arena_spans");
  tcase_set_timeout(spans, timeout);
  tcase_add_test(spans, spans_take_give);
  tcase_add_test(spans, spans_small_rest_stays);
  tcase_add_test(spans, spans_first_fit);
  tcase_add_loop_test(spans, spans_merge_orders, 0, 6);
  tcase_add_test(spans, spans_find_edges);
  tcase_add_test(spans, spans_init_near_size_max);
  tcase_add_loop_test(spans, spans_randomized, 0, 2);
  suite_add_tcase(suite, spans);

  TCase *map = tcase_create("arena_stream_map");
  tcase_set_timeout(map, timeout);
  tcase_add_test(map, stream_map_basic);
  tcase_add_test(map, stream_map_grow);
  tcase_add_test(map, stream_map_concurrent_readers);
  suite_add_tcase(suite, map);
  return suite;
}

int main(void) { return rmm_test_run(arena_ds_suite()); }
