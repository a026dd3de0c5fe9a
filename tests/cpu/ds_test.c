/**
 * @file tests/cpu/ds_test.c
 * @brief Unit tests of the pool's data structures: free_set and block_index.
 *
 * RMM_TEST_SCALE (default 1) multiplies the length of the randomized tests.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/ds_check.h"
#include "suballoc/ds/block_index.h"
#include "suballoc/ds/block_stack.h"
#include "suballoc/ds/free_set.h"

/* ---- helpers ------------------------------------------------------------ */

static unsigned long test_scale(void) {
  const char *s = getenv("RMM_TEST_SCALE");
  unsigned long v = s ? strtoul(s, NULL, 10) : 1;
  return v ? v : 1;
}

/* xorshift64*: a fixed seed makes every failure reproducible. */
typedef struct rng {
  uint64_t state;
} rng_t;

static uint64_t rng_next(rng_t *r) {
  r->state ^= r->state >> 12;
  r->state ^= r->state << 25;
  r->state ^= r->state >> 27;
  return r->state * UINT64_C(2685821657736338717);
}

/* Uniform enough in [0, n) for test purposes; n > 0. */
static size_t rng_below(rng_t *r, size_t n) { return (size_t)(rng_next(r) % n); }

static void shuffle(rng_t *r, size_t *v, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = rng_below(r, i);
    size_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

/* Addresses well away from 0 with the pool's 256-byte alignment. */
#define BASE ((uintptr_t)0x7f0000000000ull)
#define G ((size_t)256)

/* Macros rather than functions, so that a failure names the caller's line. */
#define CHECK_BLOCK(set, want_addr, want_size, want_chunk)                                        \
  do {                                                                                            \
    rmm__ds_free_block_t found_;                                                                   \
    uintptr_t at_ = (want_addr);                                                                  \
    CHECK_MSG(rmm__ds_free_set_find(set, at_, &found_), "no block at %#jx", (uintmax_t)at_);       \
    CHECK_EQ(found_.size, want_size);                                                             \
    CHECK_EQ(found_.chunk, want_chunk);                                                           \
  } while (0)

#define CHECK_TOTALS(set, count, total, largest)                                                   \
  do {                                                                                            \
    CHECK_EQ(rmm__ds_free_set_count(set), count);                                                  \
    CHECK_EQ(rmm__ds_free_set_total_bytes(set), total);                                            \
    CHECK_EQ(rmm__ds_free_set_largest(set), largest);                                              \
  } while (0)

/* ---- free_set: fixed cases --------------------------------------------- */

START_TEST(fs_empty) {
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  rmm__ds_free_block_t b;
  CHECK_TOTALS(&s, 0, 0, 0);
  CHECK(!rmm__ds_free_set_take(&s, G, &b));
  CHECK(!rmm__ds_free_set_pop(&s, &b));
  CHECK(!rmm__ds_free_set_remove(&s, BASE, &b));
  CHECK(!rmm__ds_free_set_find(&s, BASE, &b));
  CHECK(!rmm__ds_free_set_next(&s, 0, &b));
  CHECK(rmm__ds_free_set_insert(&s, BASE, 0, 1));
  CHECK_TOTALS(&s, 0, 0, 0);
  CHECK(rmm__ds_free_set_insert(&s, BASE, G, 1));
  CHECK(!rmm__ds_free_set_take(&s, 0, &b));
  CHECK_TOTALS(&s, 1, G, G);
  rmm__ds_free_set_fini(&s);
  CHECK_TOTALS(&s, 0, 0, 0);
  rmm__ds_free_set_fini(&s);
}
END_TEST

START_TEST(fs_best_fit) {
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  /* Far apart, and the tied sizes inserted highest address first, so that
   * neither merging nor insertion order can explain the choices. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x50000, 3 * G, 5));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x40000, 1 * G, 4));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x30000, 4 * G, 3));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x20000, 1 * G, 2));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x10000, 2 * G, 1));
  CHECK_TOTALS(&s, 5, 11 * G, 4 * G);

  rmm__ds_free_block_t b;
  CHECK(rmm__ds_free_set_take(&s, G - 56, &b));
  CHECK_EQ(b.addr, BASE + 0x20000);
  CHECK_EQ(b.size, G - 56);
  CHECK_EQ(b.chunk, 2);
  /* The 56 bytes left over stay behind as a block of their own. */
  CHECK_BLOCK(&s, BASE + 0x20000 + G - 56, 56, 2);
  CHECK_TOTALS(&s, 5, 10 * G + 56, 4 * G);

  CHECK(rmm__ds_free_set_take(&s, G, &b));
  CHECK_EQ(b.addr, BASE + 0x40000);
  CHECK_EQ(b.chunk, 4);
  CHECK(!rmm__ds_free_set_find(&s, BASE + 0x40000, NULL));
  CHECK_TOTALS(&s, 4, 9 * G + 56, 4 * G);

  CHECK(rmm__ds_free_set_take(&s, G + 1, &b));
  CHECK_EQ(b.addr, BASE + 0x10000);
  CHECK_EQ(b.size, G + 1);
  CHECK_EQ(b.chunk, 1);
  CHECK_BLOCK(&s, BASE + 0x10000 + G + 1, G - 1, 1);

  CHECK(!rmm__ds_free_set_take(&s, 4 * G + 1, &b));
  CHECK_TOTALS(&s, 4, 8 * G + 55, 4 * G);

  CHECK(rmm__ds_free_set_take(&s, 4 * G, &b));
  CHECK_EQ(b.addr, BASE + 0x30000);
  CHECK_TOTALS(&s, 3, 4 * G + 55, 3 * G);
  rmm__ds_free_set_fini(&s);
}
END_TEST

START_TEST(fs_coalesce) {
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);

  /* With the block below. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x1000, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x1100, 0x200, 1));
  CHECK_TOTALS(&s, 1, 0x300, 0x300);
  CHECK_BLOCK(&s, BASE + 0x1000, 0x300, 1);

  /* With the block above. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x2200, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x2000, 0x200, 1));
  CHECK_TOTALS(&s, 2, 0x600, 0x300);
  CHECK_BLOCK(&s, BASE + 0x2000, 0x300, 1);
  CHECK(!rmm__ds_free_set_find(&s, BASE + 0x2200, NULL));

  /* With both, after a gap of one byte has first prevented the lower merge. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x3000, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x3200, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x3101, 0xff, 1));
  CHECK_TOTALS(&s, 4, 0x8ff, 0x300);
  CHECK_BLOCK(&s, BASE + 0x3000, 0x100, 1);
  CHECK_BLOCK(&s, BASE + 0x3101, 0x1ff, 1);
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x3100, 0x1, 1));
  CHECK_TOTALS(&s, 3, 0x900, 0x300);
  CHECK_BLOCK(&s, BASE + 0x3000, 0x300, 1);

  /* With both at once, from three equal pieces. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x4000, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x4200, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x4100, 0x100, 1));
  CHECK_TOTALS(&s, 4, 0xc00, 0x300);
  CHECK_BLOCK(&s, BASE + 0x4000, 0x300, 1);

  /* Both neighbours themselves the result of merges. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x2300, 0xd00, 1));
  CHECK_TOTALS(&s, 3, 0x1900, 0x1300);
  CHECK_BLOCK(&s, BASE + 0x2000, 0x1300, 1);
  CHECK_BLOCK(&s, BASE + 0x1000, 0x300, 1);
  CHECK_BLOCK(&s, BASE + 0x4000, 0x300, 1);
  rmm__ds_free_set_fini(&s);
}
END_TEST

START_TEST(fs_no_coalesce_across_chunks) {
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x000, 0x100, 1));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x100, 0x100, 2));
  CHECK_TOTALS(&s, 2, 0x200, 0x100);

  /* Joins chunk 2 below it but not chunk 3 above it. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x300, 0x100, 3));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x200, 0x100, 2));
  CHECK_TOTALS(&s, 3, 0x400, 0x200);
  CHECK_BLOCK(&s, BASE + 0x000, 0x100, 1);
  CHECK_BLOCK(&s, BASE + 0x100, 0x200, 2);
  CHECK_BLOCK(&s, BASE + 0x300, 0x100, 3);

  /* Touches both neighbours, belongs to neither. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x500, 0x100, 5));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x400, 0x100, 4));
  CHECK_TOTALS(&s, 5, 0x600, 0x200);

  /* Joins chunk 3 above it only. */
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x700, 0x100, 3));
  CHECK(rmm__ds_free_set_insert(&s, BASE + 0x600, 0x100, 3));
  CHECK_TOTALS(&s, 6, 0x800, 0x200);
  CHECK_BLOCK(&s, BASE + 0x600, 0x200, 3);
  CHECK_BLOCK(&s, BASE + 0x500, 0x100, 5);
  rmm__ds_free_set_fini(&s);
}
END_TEST

START_TEST(fs_remove_pop_next) {
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  const size_t n = 50;
  size_t order[50];
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  rng_t r = {42};
  shuffle(&r, order, n);
  /* Blocks of one chunk with gaps between, so none merge. */
  for (size_t i = 0; i < n; i++)
    CHECK(rmm__ds_free_set_insert(&s, BASE + order[i] * 4 * G, (order[i] % 3 + 1) * G, 7));
  CHECK_EQ(rmm__ds_free_set_count(&s), n);

  rmm__ds_free_block_t b;
  size_t seen = 0;
  for (uintptr_t a = 0; rmm__ds_free_set_next(&s, a, &b); a = b.addr + 1, seen++) {
    CHECK_EQ(b.addr, BASE + seen * 4 * G);
    CHECK_EQ(b.size, (seen % 3 + 1) * G);
  }
  CHECK_EQ(seen, n);
  CHECK(rmm__ds_free_set_next(&s, BASE + 4 * G + 1, &b));
  CHECK_EQ(b.addr, BASE + 8 * G);

  /* Only a block's exact start address names it. */
  CHECK(!rmm__ds_free_set_remove(&s, BASE + 8 * G + 1, &b));
  CHECK(!rmm__ds_free_set_remove(&s, BASE + 9 * G, &b));
  CHECK_EQ(rmm__ds_free_set_count(&s), n);
  CHECK(rmm__ds_free_set_remove(&s, BASE + 8 * G, &b));
  CHECK_EQ(b.addr, BASE + 8 * G);
  CHECK_EQ(b.size, 3 * G);
  CHECK_EQ(b.chunk, 7);
  CHECK(!rmm__ds_free_set_remove(&s, BASE + 8 * G, NULL));
  CHECK_EQ(rmm__ds_free_set_count(&s), n - 1);

  uintptr_t last = 0;
  size_t popped = 0;
  while (rmm__ds_free_set_pop(&s, &b)) {
    CHECK(b.addr > last);
    last = b.addr;
    popped++;
  }
  CHECK_EQ(popped, n - 1);
  CHECK_TOTALS(&s, 0, 0, 0);
  rmm__ds_free_set_fini(&s);
}
END_TEST

START_TEST(fs_move_all) {
  rmm__ds_free_set_t a, b;
  rmm__ds_free_set_init(&a);
  rmm__ds_free_set_init(&b);
  /* Interleaved halves of one chunk: together they form one block. */
  for (size_t i = 0; i < 1000; i++)
    CHECK(rmm__ds_free_set_insert(i % 2 ? &a : &b, BASE + i * G, G, 3));
  CHECK(rmm__ds_free_set_insert(&a, BASE + 5000 * G, G, 4));
  CHECK_TOTALS(&a, 501, 501 * G, G);
  CHECK_TOTALS(&b, 500, 500 * G, G);
  CHECK(rmm__ds_free_set_move_all(&b, &a));
  CHECK_TOTALS(&a, 0, 0, 0);
  CHECK_TOTALS(&b, 2, 1001 * G, 1000 * G);
  CHECK_BLOCK(&b, BASE, 1000 * G, 3);
  CHECK_BLOCK(&b, BASE + 5000 * G, G, 4);
  CHECK(rmm__ds_free_set_move_all(&b, &a));
  CHECK_TOTALS(&b, 2, 1001 * G, 1000 * G);
  rmm__ds_free_set_fini(&a);
  rmm__ds_free_set_fini(&b);
}
END_TEST

START_TEST(fs_reserve) {
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  CHECK(rmm__ds_free_set_reserve(&s, 3000));
  size_t capacity = s.capacity;
  /* A request too large to represent fails and leaves the set as it was. */
  CHECK(!rmm__ds_free_set_reserve(&s, SIZE_MAX));
  CHECK_EQ(s.capacity, capacity);
  CHECK(capacity >= 3000);
  for (size_t i = 0; i < 3000; i++)
    CHECK(rmm__ds_free_set_insert(&s, BASE + 2 * i * G, G, 1));
  CHECK(rmm__ds_free_set_reserve(&s, 10));
  CHECK_EQ(s.capacity, capacity);
  /* Recycled nodes serve later inserts without growth. */
  rmm__ds_free_block_t b;
  for (int round = 0; round < 3; round++) {
    while (rmm__ds_free_set_pop(&s, &b))
      ;
    for (size_t i = 0; i < 3000; i++)
      CHECK(rmm__ds_free_set_insert(&s, BASE + 2 * i * G + G, G, 1));
  }
  CHECK_EQ(s.capacity, capacity);
  rmm__ds_free_set_fini(&s);
}
END_TEST

/* ---- free_set: whole chunks come back ----------------------------------- */

typedef struct alloc {
  uintptr_t addr;
  size_t size;
  uint32_t chunk;
} alloc_t;

START_TEST(fs_chunks_come_back_whole) {
  enum { CHUNKS = 6 };
  /* Touching chunks of unrelated ids, so that merging across them would show. */
  static const size_t chunk_granules[CHUNKS] = {40, 1, 77, 13, 64, 29};
  static const uint32_t chunk_ids[CHUNKS] = {9, 3, 12, 0, 7, 4};
  uintptr_t chunk_addr[CHUNKS];
  rng_t r = {7};
  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  size_t total = 0, largest = 0;
  for (size_t c = 0; c < CHUNKS; c++) {
    chunk_addr[c] = BASE + total;
    total += chunk_granules[c] * G;
    if (chunk_granules[c] * G > largest)
      largest = chunk_granules[c] * G;
  }

  for (int round = 0; round < 20; round++) {
    for (size_t c = 0; c < CHUNKS; c++)
      CHECK(rmm__ds_free_set_insert(&s, chunk_addr[c], chunk_granules[c] * G, chunk_ids[c]));
    CHECK_TOTALS(&s, CHUNKS, total, largest);

    alloc_t live[300];
    size_t n = 0;
    rmm__ds_free_block_t b;
    while (rmm__ds_free_set_take(&s, (rng_below(&r, 5) + 1) * G, &b))
      live[n++] = (alloc_t){b.addr, b.size, b.chunk};
    while (rmm__ds_free_set_take(&s, G, &b))
      live[n++] = (alloc_t){b.addr, b.size, b.chunk};
    CHECK_TOTALS(&s, 0, 0, 0);

    size_t order[300];
    for (size_t i = 0; i < n; i++)
      order[i] = i;
    shuffle(&r, order, n);
    for (size_t i = 0; i < n; i++) {
      const alloc_t *a = &live[order[i]];
      CHECK(rmm__ds_free_set_insert(&s, a->addr, a->size, a->chunk));
    }
    CHECK_TOTALS(&s, CHUNKS, total, largest);
    for (size_t c = 0; c < CHUNKS; c++)
      CHECK_BLOCK(&s, chunk_addr[c], chunk_granules[c] * G, chunk_ids[c]);

    /* Hand every chunk back, as the pool does when releasing memory. */
    for (size_t c = 0; c < CHUNKS; c++)
      CHECK(rmm__ds_free_set_remove(&s, chunk_addr[c], NULL));
    CHECK_TOTALS(&s, 0, 0, 0);
  }
  rmm__ds_free_set_fini(&s);
}
END_TEST

/* ---- free_set: randomized against a granule map ------------------------ */

/* The reference keeps one cell per 256-byte granule: which chunk it belongs
 * to and whether it is free. Free blocks are the maximal free runs within one
 * chunk, found by scanning, so it shares no logic with the set. */
enum { MODEL_CHUNKS = 8 };
#define NO_CHUNK UINT32_MAX

typedef struct model {
  size_t granules;
  uint32_t *chunk;
  bool *free;
} model_t;

typedef struct run {
  size_t start;
  size_t len;
} run_t;

/* The run starting at granule `i`, or one of length 0 when none starts there. */
static run_t model_run_at(const model_t *m, size_t i) {
  run_t run = {i, 0};
  if (!m->free[i] || (i > 0 && m->free[i - 1] && m->chunk[i - 1] == m->chunk[i]))
    return run;
  while (i + run.len < m->granules && m->free[i + run.len] && m->chunk[i + run.len] == m->chunk[i])
    run.len++;
  return run;
}

typedef struct model_stats {
  size_t count;
  size_t total;
  size_t largest;
} model_stats_t;

static model_stats_t model_stats(const model_t *m) {
  model_stats_t st = {0, 0, 0};
  for (size_t i = 0; i < m->granules; i++) {
    run_t run = model_run_at(m, i);
    if (!run.len)
      continue;
    st.count++;
    st.total += run.len;
    if (run.len > st.largest)
      st.largest = run.len;
  }
  return st;
}

static bool model_best_fit(const model_t *m, size_t len, run_t *best) {
  bool found = false;
  for (size_t i = 0; i < m->granules; i++) {
    run_t run = model_run_at(m, i);
    if (run.len >= len && (!found || run.len < best->len)) {
      *best = run;
      found = true;
    }
  }
  return found;
}

static void model_mark(model_t *m, size_t start, size_t len, bool is_free) {
  for (size_t i = start; i < start + len; i++)
    m->free[i] = is_free;
}

static uintptr_t g_addr(size_t granule) { return BASE + granule * G; }
static size_t addr_g(uintptr_t addr) { return (size_t)((addr - BASE) / G); }

static void compare_all(const rmm__ds_free_set_t *s, const model_t *m, size_t op) {
  rmm__ds_free_block_t b;
  uintptr_t next = 0;
  for (size_t i = 0; i < m->granules; i++) {
    run_t run = model_run_at(m, i);
    if (!run.len)
      continue;
    CHECK_MSG(rmm__ds_free_set_next(s, next, &b), "op %zu: block missing", op);
    CHECK_MSG(b.addr == g_addr(run.start) && b.size == run.len * G &&
                      b.chunk == m->chunk[run.start],
                  "op %zu: block %#jx+%zu/%u, model %#jx+%zu/%u", op, (uintmax_t)b.addr, b.size,
                  b.chunk, (uintmax_t)g_addr(run.start), run.len * G, m->chunk[run.start]);
    next = b.addr + 1;
  }
  CHECK_MSG(!rmm__ds_free_set_next(s, next, &b), "op %zu: extra block", op);
}

static void compare_stats(const rmm__ds_free_set_t *s, const model_t *m, size_t op) {
  model_stats_t st = model_stats(m);
  CHECK_MSG(rmm__ds_free_set_count(s) == st.count, "op %zu: count %zu, model %zu", op,
                rmm__ds_free_set_count(s), st.count);
  CHECK_MSG(rmm__ds_free_set_total_bytes(s) == st.total * G, "op %zu: total", op);
  CHECK_MSG(rmm__ds_free_set_largest(s) == st.largest * G, "op %zu: largest", op);
}

typedef struct live_set {
  alloc_t *v;
  size_t n;
} live_set_t;

static void live_add(live_set_t *l, uintptr_t addr, size_t size, uint32_t chunk) {
  l->v[l->n++] = (alloc_t){addr, size, chunk};
}

/* Frees all or part of a random live allocation; what is not freed stays live. */
static void op_free(rng_t *r, rmm__ds_free_set_t *s, model_t *m, live_set_t *live) {
  size_t k = rng_below(r, live->n);
  alloc_t a = live->v[k];
  live->v[k] = live->v[--live->n];
  size_t len = a.size / G;
  size_t lo = 0, hi = len;
  if (len > 1 && rng_below(r, 3) == 0) {
    lo = rng_below(r, len);
    hi = lo + 1 + rng_below(r, len - lo);
  }
  if (lo > 0)
    live_add(live, a.addr, lo * G, a.chunk);
  if (hi < len)
    live_add(live, a.addr + hi * G, (len - hi) * G, a.chunk);
  CHECK(rmm__ds_free_set_insert(s, a.addr + lo * G, (hi - lo) * G, a.chunk));
  model_mark(m, addr_g(a.addr) + lo, hi - lo, true);
}

static void op_take(rng_t *r, rmm__ds_free_set_t *s, model_t *m, live_set_t *live, size_t op) {
  /* Mostly small requests, with some large ones that often fail. */
  size_t len = rng_below(r, 8) ? 1 + rng_below(r, 6) : 1 + rng_below(r, 120);
  run_t best = {0, 0};
  bool expect = model_best_fit(m, len, &best);
  rmm__ds_free_block_t b;
  bool got = rmm__ds_free_set_take(s, len * G, &b);
  CHECK_MSG(got == expect, "op %zu: take %zu granules: %d, model %d", op, len, got, expect);
  if (!got)
    return;
  CHECK_MSG(b.addr == g_addr(best.start), "op %zu: took %#jx, model %#jx", op,
                (uintmax_t)b.addr, (uintmax_t)g_addr(best.start));
  CHECK_EQ(b.size, len * G);
  CHECK_EQ(b.chunk, m->chunk[best.start]);
  model_mark(m, best.start, len, false);
  live_add(live, b.addr, b.size, b.chunk);
}

/* Removes a random whole block, or fails to remove at a granule where none starts. */
static void op_remove(rng_t *r, rmm__ds_free_set_t *s, model_t *m, live_set_t *live, size_t op) {
  size_t i = rng_below(r, m->granules);
  run_t run = model_run_at(m, i);
  rmm__ds_free_block_t b;
  bool found = rmm__ds_free_set_find(s, g_addr(i), NULL);
  bool got = rmm__ds_free_set_remove(s, g_addr(i), &b);
  CHECK_MSG(got == (run.len > 0) && found == got, "op %zu: remove at granule %zu", op, i);
  if (!got)
    return;
  CHECK_EQ(b.size, run.len * G);
  CHECK_EQ(b.chunk, m->chunk[i]);
  model_mark(m, i, run.len, false);
  live_add(live, b.addr, b.size, b.chunk);
}

START_TEST(fs_randomized) {
  /* Chunks of varied sizes; some touch, some have unowned gaps between them. */
  static const size_t sizes[MODEL_CHUNKS] = {64, 3, 200, 17, 96, 1, 150, 40};
  static const size_t gaps[MODEL_CHUNKS] = {0, 0, 5, 0, 1, 0, 0, 2};
  static const uint32_t ids[MODEL_CHUNKS] = {5, 5000, 2, 77, 1, 0, 31, 8};
  model_t m = {0, NULL, NULL};
  for (size_t c = 0; c < MODEL_CHUNKS; c++)
    m.granules += gaps[c] + sizes[c];
  m.chunk = malloc(m.granules * sizeof *m.chunk);
  m.free = calloc(m.granules, sizeof *m.free);
  live_set_t live = {malloc(m.granules * sizeof(alloc_t)), 0};
  CHECK(m.chunk && m.free && live.v);

  rmm__ds_free_set_t s, spare;
  rmm__ds_free_set_init(&s);
  rmm__ds_free_set_init(&spare);
  size_t start[MODEL_CHUNKS];
  size_t g = 0;
  for (size_t c = 0; c < MODEL_CHUNKS; c++) {
    for (size_t i = 0; i < gaps[c]; i++)
      m.chunk[g++] = NO_CHUNK;
    start[c] = g;
    for (size_t i = 0; i < sizes[c]; i++)
      m.chunk[g++] = ids[c];
    /* Inserted as single granules in a scrambled order, to start with merges. */
    for (size_t i = 0; i < sizes[c]; i++) {
      size_t j = (i * 7 + 3) % sizes[c];
      if (sizes[c] % 7 == 0)
        j = i;
      CHECK(rmm__ds_free_set_insert(&s, g_addr(start[c] + j), G, ids[c]));
      model_mark(&m, start[c] + j, 1, true);
    }
  }
  compare_all(&s, &m, 0);

  rng_t r = {0x5eed};
  size_t ops = 30000 * test_scale();
  for (size_t op = 1; op <= ops; op++) {
    uint64_t pick = rng_below(&r, 1000);
    if (pick < 450)
      op_take(&r, &s, &m, &live, op);
    else if (pick < 920 && live.n)
      op_free(&r, &s, &m, &live);
    else if (pick < 998)
      op_remove(&r, &s, &m, &live, op);
    else {
      CHECK(rmm__ds_free_set_move_all(&spare, &s));
      CHECK_EQ(rmm__ds_free_set_count(&s), 0);
      CHECK(rmm__ds_free_set_move_all(&s, &spare));
    }
    compare_stats(&s, &m, op);
    if (op % 97 == 0)
      compare_all(&s, &m, op);
  }

  /* Everything freed: exactly one block per chunk. */
  while (live.n)
    op_free(&r, &s, &m, &live);
  compare_all(&s, &m, ops + 1);
  CHECK_EQ(rmm__ds_free_set_count(&s), MODEL_CHUNKS);
  for (size_t c = 0; c < MODEL_CHUNKS; c++)
    CHECK_BLOCK(&s, g_addr(start[c]), sizes[c] * G, ids[c]);

  rmm__ds_free_set_fini(&s);
  rmm__ds_free_set_fini(&spare);
  free(m.chunk);
  free(m.free);
  free(live.v);
}
END_TEST

/* ---- free_set: 100,000 blocks ------------------------------------------ */

START_TEST(fs_100k_blocks) {
  enum { N = 100000 };
  /* Block i holds size_g[i] granules at slot i, slot i being 2N granules
   * wide; 7919 is prime to N, so the sizes are 1..N, each once. */
  size_t *size_g = malloc(N * sizeof *size_g);
  size_t *by_size = malloc((N + 1) * sizeof *by_size);
  size_t *order = malloc(N * sizeof *order);
  CHECK(size_g && by_size && order);
  const size_t slot = 2 * (size_t)N * G;
  size_t total = 0;
  for (size_t i = 0; i < N; i++) {
    size_g[i] = (i * 7919) % N + 1;
    by_size[size_g[i]] = i;
    total += size_g[i] * G;
    order[i] = i;
  }
  rng_t r = {100000};
  shuffle(&r, order, N);

  rmm__ds_free_set_t s;
  rmm__ds_free_set_init(&s);
  for (size_t k = 0; k < N; k++) {
    size_t i = order[k];
    CHECK(rmm__ds_free_set_insert(&s, BASE + i * slot, size_g[i] * G, 1));
  }
  CHECK_TOTALS(&s, N, total, (size_t)N * G);

  /* Every size is present, so each take is an exact fit; putting it back
   * restores the set. */
  rmm__ds_free_block_t b;
  for (int k = 0; k < 5000; k++) {
    size_t want = 1 + rng_below(&r, N);
    CHECK(rmm__ds_free_set_take(&s, want * G, &b));
    CHECK_EQ(b.addr, BASE + by_size[want] * slot);
    CHECK_EQ(rmm__ds_free_set_count(&s), N - 1);
    CHECK(rmm__ds_free_set_insert(&s, b.addr, b.size, b.chunk));
  }
  CHECK_TOTALS(&s, N, total, (size_t)N * G);

  /* Half a granule more than a block: the next size up is split. */
  CHECK(rmm__ds_free_set_take(&s, 500 * G + G / 2, &b));
  CHECK_EQ(b.addr, BASE + by_size[501] * slot);
  CHECK_BLOCK(&s, b.addr + b.size, G / 2, 1);
  CHECK(rmm__ds_free_set_insert(&s, b.addr, b.size, b.chunk));

  /* Filling every gap merges the whole range into one block. */
  shuffle(&r, order, N);
  for (size_t k = 0; k < N; k++) {
    size_t i = order[k];
    uintptr_t end = BASE + i * slot + size_g[i] * G;
    CHECK(rmm__ds_free_set_insert(&s, end, slot - size_g[i] * G, 1));
  }
  CHECK_TOTALS(&s, 1, N * slot, N * slot);
  CHECK_BLOCK(&s, BASE, N * slot, 1);
  rmm__ds_free_set_fini(&s);
  free(size_g);
  free(by_size);
  free(order);
}
END_TEST

/* ---- block_index ---------------------------------------------------------- */

static rmm__ds_block_record_t rec_of(size_t size, uint32_t chunk, uint32_t tag) {
  return (rmm__ds_block_record_t){.size = size, .chunk = chunk, .tag = tag};
}

START_TEST(bi_basic) {
  rmm__ds_block_index_t idx;
  rmm__ds_block_index_init(&idx);
  rmm__ds_block_record_t rec;
  CHECK_EQ(rmm__ds_block_index_count(&idx), 0);
  CHECK(!rmm__ds_block_index_lookup(&idx, BASE, &rec));
  CHECK(!rmm__ds_block_index_remove(&idx, BASE, &rec));
  CHECK(!rmm__ds_block_index_remove(&idx, 0, &rec));

  CHECK(rmm__ds_block_index_insert(&idx, BASE, rec_of(G, 1, 10)));
  CHECK(rmm__ds_block_index_insert(&idx, BASE + G, rec_of(2 * G, 2, 20)));
  CHECK_EQ(rmm__ds_block_index_count(&idx), 2);
  CHECK(rmm__ds_block_index_lookup(&idx, BASE + G, &rec));
  CHECK_EQ(rec.size, 2 * G);
  CHECK_EQ(rec.chunk, 2);
  CHECK_EQ(rec.tag, 20);
  CHECK(rmm__ds_block_index_lookup(&idx, BASE, NULL));

  /* Pointers never handed out, including ones inside a block. */
  CHECK(!rmm__ds_block_index_lookup(&idx, BASE + 1, NULL));
  CHECK(!rmm__ds_block_index_remove(&idx, BASE + 2 * G, &rec));
  CHECK(!rmm__ds_block_index_remove(&idx, 0, NULL));
  CHECK_EQ(rmm__ds_block_index_count(&idx), 2);

  CHECK(rmm__ds_block_index_remove(&idx, BASE, &rec));
  CHECK_EQ(rec.size, G);
  CHECK_EQ(rec.tag, 10);
  CHECK(!rmm__ds_block_index_remove(&idx, BASE, &rec));
  CHECK(!rmm__ds_block_index_lookup(&idx, BASE, NULL));
  CHECK_EQ(rmm__ds_block_index_count(&idx), 1);

  CHECK(rmm__ds_block_index_insert(&idx, BASE, rec_of(3 * G, 3, 30)));
  CHECK(rmm__ds_block_index_lookup(&idx, BASE, &rec));
  CHECK_EQ(rec.size, 3 * G);
  /* Inserting a present address replaces its record. */
  CHECK(rmm__ds_block_index_insert(&idx, BASE, rec_of(4 * G, 4, 40)));
  CHECK_EQ(rmm__ds_block_index_count(&idx), 2);
  CHECK(rmm__ds_block_index_lookup(&idx, BASE, &rec));
  CHECK_EQ(rec.tag, 40);

  /* Address 0 cannot mark a slot empty, so it is kept aside; it still works. */
  CHECK(rmm__ds_block_index_insert(&idx, 0, rec_of(5, 5, 50)));
  CHECK_EQ(rmm__ds_block_index_count(&idx), 3);
  CHECK(rmm__ds_block_index_lookup(&idx, 0, &rec));
  CHECK_EQ(rec.tag, 50);
  CHECK(rmm__ds_block_index_remove(&idx, 0, &rec));
  CHECK_EQ(rec.size, 5);
  CHECK(!rmm__ds_block_index_lookup(&idx, 0, NULL));
  CHECK_EQ(rmm__ds_block_index_count(&idx), 2);

  rmm__ds_block_index_fini(&idx);
  CHECK_EQ(rmm__ds_block_index_count(&idx), 0);
  CHECK(!rmm__ds_block_index_lookup(&idx, BASE, NULL));
  rmm__ds_block_index_fini(&idx);
}
END_TEST

START_TEST(bi_growth) {
  const size_t n = 200000 * test_scale();
  rmm__ds_block_index_t idx;
  rmm__ds_block_index_init(&idx);
  size_t rehashes = 0;
  size_t capacity = idx.capacity;
  for (size_t i = 0; i < n; i++) {
    CHECK(rmm__ds_block_index_insert(&idx, BASE + i * G, rec_of(i, (uint32_t)(i % 13), (uint32_t)i)));
    if (idx.capacity != capacity) {
      capacity = idx.capacity;
      rehashes++;
    }
  }
  CHECK(rehashes >= 10);
  CHECK_EQ(rmm__ds_block_index_count(&idx), n);

  rmm__ds_block_record_t rec;
  for (size_t i = 0; i < n; i++) {
    CHECK(rmm__ds_block_index_lookup(&idx, BASE + i * G, &rec));
    CHECK_EQ(rec.size, i);
    CHECK_EQ(rec.tag, (uint32_t)i);
    CHECK(!rmm__ds_block_index_lookup(&idx, BASE + i * G + 128, NULL));
  }
  CHECK(!rmm__ds_block_index_lookup(&idx, BASE + n * G, NULL));

  for (size_t i = 0; i < n; i += 2)
    CHECK(rmm__ds_block_index_remove(&idx, BASE + i * G, NULL));
  CHECK_EQ(rmm__ds_block_index_count(&idx), n / 2);

  /* The walk reports each remaining entry exactly once. */
  bool *seen = calloc(n, sizeof *seen);
  CHECK(seen);
  size_t cursor = 0, walked = 0;
  uintptr_t addr;
  while (rmm__ds_block_index_next(&idx, &cursor, &addr, &rec)) {
    size_t i = (size_t)((addr - BASE) / G);
    CHECK(i < n);
    CHECK_EQ(i % 2, 1);
    CHECK(!seen[i]);
    CHECK_EQ(rec.size, i);
    seen[i] = true;
    walked++;
  }
  CHECK_EQ(walked, n / 2);
  free(seen);

  CHECK(!rmm__ds_block_index_reserve(&idx, SIZE_MAX));
  CHECK(!rmm__ds_block_index_reserve(&idx, SIZE_MAX / 8));
  CHECK_EQ(rmm__ds_block_index_count(&idx), n / 2);
  /* Reserving for what is already there does not rehash. */
  CHECK(rmm__ds_block_index_reserve(&idx, n));
  capacity = idx.capacity;
  CHECK(rmm__ds_block_index_reserve(&idx, n / 2));
  CHECK_EQ(idx.capacity, capacity);
  rmm__ds_block_index_fini(&idx);
}
END_TEST

/* Key families that stress probing: dense, sparse, and clustered in the high bits. */
static uintptr_t bi_key(size_t family, size_t k) {
  switch (family) {
  case 0:
    return BASE + k * G;
  case 1:
    return BASE + k * ((uintptr_t)1 << 20);
  default:
    return (uintptr_t)k << (sizeof(uintptr_t) * 8 - 12);
  }
}

START_TEST(bi_randomized) {
  enum { KEYS = 4096 };
  const size_t family = (size_t)_i;
  rmm__ds_block_record_t *ref = calloc(KEYS, sizeof *ref);
  bool *present = calloc(KEYS, sizeof *present);
  CHECK(ref && present);
  size_t ref_count = 0;
  rmm__ds_block_index_t idx;
  rmm__ds_block_index_init(&idx);
  rng_t r = {0xb10c + family};
  size_t ops = 100000 * test_scale();
  for (size_t op = 0; op < ops; op++) {
    /* Drifting between filling and draining phases sweeps the load factor. */
    bool filling = (op / 5000) % 2 == 0;
    size_t k = rng_below(&r, KEYS);
    uintptr_t key = bi_key(family, k);
    uint64_t pick = rng_below(&r, 10);
    rmm__ds_block_record_t rec;
    if (pick < (filling ? 5u : 2u)) {
      rec = rec_of(rng_below(&r, 1 << 20), (uint32_t)rng_next(&r), (uint32_t)op);
      CHECK(rmm__ds_block_index_insert(&idx, key, rec));
      ref_count += !present[k];
      present[k] = true;
      ref[k] = rec;
    } else if (pick < 7) {
      bool got = rmm__ds_block_index_remove(&idx, key, &rec);
      CHECK_MSG(got == present[k], "op %zu: remove key %zu", op, k);
      if (got) {
        CHECK_EQ(rec.tag, ref[k].tag);
        CHECK_EQ(rec.size, ref[k].size);
        CHECK_EQ(rec.chunk, ref[k].chunk);
        present[k] = false;
        ref_count--;
      }
    } else {
      bool got = rmm__ds_block_index_lookup(&idx, key, &rec);
      CHECK_MSG(got == present[k], "op %zu: lookup key %zu", op, k);
      if (got)
        CHECK_EQ(rec.tag, ref[k].tag);
    }
    CHECK_EQ(rmm__ds_block_index_count(&idx), ref_count);
  }
  for (size_t k = 0; k < KEYS; k++) {
    rmm__ds_block_record_t rec;
    bool got = rmm__ds_block_index_lookup(&idx, bi_key(family, k), &rec);
    CHECK_EQ(got, present[k]);
    if (got)
      CHECK_EQ(rec.size, ref[k].size);
  }
  rmm__ds_block_index_fini(&idx);
  free(ref);
  free(present);
}
END_TEST

/* ---- block stack --------------------------------------------------------- */

/*
 * Chunks 0 and 2 are wholly on the stack, chunk 1 lacks a block, slot 3 is empty and a
 * block of a chunk past the table is kept: one pass removes exactly chunks 0 and 2.
 */
START_TEST(bs_remove_whole_chunks) {
  enum { CHUNKS = 4 };
  static const size_t blocks_per_chunk[CHUNKS] = {4, 2, 3, 0};
  rmm__ds_block_stack_t s;
  rmm__ds_block_stack_init(&s);
  CHECK(rmm__ds_block_stack_reserve(&s, 16));
  for (uint32_t id = 0; id < CHUNKS; id++)
    for (size_t i = 0; i < blocks_per_chunk[id]; i++)
      if (!(id == 1 && i == 0))
        rmm__ds_block_stack_push(&s, (rmm__ds_free_block_t){BASE + (id * 8 + i) * G, G, id});
  rmm__ds_block_stack_push(&s, (rmm__ds_free_block_t){BASE + 100 * G, G, 7});
  bool removed[CHUNKS];
  CHECK(rmm__ds_block_stack_remove_whole_chunks(&s, blocks_per_chunk, CHUNKS, removed));
  CHECK(removed[0] && !removed[1] && removed[2] && !removed[3]);
  CHECK(s.count == 2);
  rmm__ds_free_block_t b;
  CHECK(rmm__ds_block_stack_pop(&s, &b) && b.chunk == 7 && b.addr == BASE + 100 * G);
  CHECK(rmm__ds_block_stack_pop(&s, &b) && b.chunk == 1 && b.addr == BASE + 9 * G);
  /* Nothing left to remove: every chunk stays. */
  CHECK(rmm__ds_block_stack_remove_whole_chunks(&s, blocks_per_chunk, CHUNKS, removed));
  CHECK(!removed[0] && !removed[1] && !removed[2] && !removed[3]);
  rmm__ds_block_stack_fini(&s);
}
END_TEST

/* ---- runner ------------------------------------------------------------- */

static Suite *ds_suite(void) {
  Suite *suite = suite_create("ds");
  double timeout = 120.0 * (double)test_scale();

  TCase *fs = tcase_create("free_set");
  tcase_set_timeout(fs, timeout);
  tcase_add_test(fs, fs_empty);
  tcase_add_test(fs, fs_best_fit);
  tcase_add_test(fs, fs_coalesce);
  tcase_add_test(fs, fs_no_coalesce_across_chunks);
  tcase_add_test(fs, fs_remove_pop_next);
  tcase_add_test(fs, fs_move_all);
  tcase_add_test(fs, fs_reserve);
  tcase_add_test(fs, fs_chunks_come_back_whole);
  tcase_add_test(fs, fs_randomized);
  tcase_add_test(fs, fs_100k_blocks);
  suite_add_tcase(suite, fs);

  TCase *bi = tcase_create("block_index");
  tcase_set_timeout(bi, timeout);
  tcase_add_test(bi, bi_basic);
  tcase_add_test(bi, bi_growth);
  tcase_add_loop_test(bi, bi_randomized, 0, 3);
  suite_add_tcase(suite, bi);

  TCase *bs = tcase_create("block_stack");
  tcase_add_test(bs, bs_remove_whole_chunks);
  suite_add_tcase(suite, bs);
  return suite;
}

int main(void) {
  SRunner *runner = srunner_create(ds_suite());
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? 0 : 1;
}
