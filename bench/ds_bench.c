/**
 * @file bench/ds_bench.c
 * @brief CPU micro-benchmark of the pool's data structures.
 *
 * Measures, with 10, 1,000 and 100,000 entries already present:
 *  - free_set: a best-fit take followed by the insert that frees it again;
 *  - free_set: the same with a window of 64 live blocks, freed oldest first,
 *    so that the set's shape keeps changing;
 *  - block_index: an insert followed by the remove of the same address.
 * The cost per pair should stay nearly flat as the entry count grows. Each
 * figure is the best of several runs, as other load on the machine only ever
 * adds time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "suballoc/ds/block_index.h"
#include "suballoc/ds/free_set.h"

#define BASE ((uintptr_t)0x7f0000000000ull)
#define G ((size_t)256)
/* Each resident block gets a slot this wide, so that none of them merge. */
#define SLOT (128 * G)
#define REQUESTS 4096
#define WINDOW 64
#define RUNS 7

typedef double bench_fn(size_t n, size_t iters, uintptr_t *sink);

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t rng_next(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * UINT64_C(2685821657736338717);
}

/* Request sizes of 1 to 64 granules, drawn ahead so the loop times only the set. */
static size_t requests[REQUESTS];

static void fill_set(rmm__ds_free_set_t *s, size_t n, uint64_t *rng) {
  rmm__ds_free_set_init(s);
  for (size_t i = 0; i < n; i++) {
    size_t size = (1 + rng_next(rng) % 96) * G;
    if (!rmm__ds_free_set_insert(s, BASE + i * SLOT, size, 0)) {
      fprintf(stderr, "out of memory\n");
      exit(1);
    }
  }
}

static double bench_pairs(size_t n, size_t iters, uintptr_t *sink) {
  uint64_t rng = 1;
  rmm__ds_free_set_t s;
  fill_set(&s, n, &rng);
  double t0 = now_ns();
  for (size_t i = 0; i < iters; i++) {
    rmm__ds_free_block_t b;
    if (rmm__ds_free_set_take(&s, requests[i % REQUESTS], &b)) {
      *sink += b.addr;
      rmm__ds_free_set_insert(&s, b.addr, b.size, b.chunk);
    }
  }
  double t = (now_ns() - t0) / (double)iters;
  rmm__ds_free_set_fini(&s);
  return t;
}

static double bench_window(size_t n, size_t iters, uintptr_t *sink) {
  uint64_t rng = 2;
  rmm__ds_free_set_t s;
  fill_set(&s, n, &rng);
  rmm__ds_free_block_t live[WINDOW] = {{0, 0, 0}};
  double t0 = now_ns();
  for (size_t i = 0; i < iters; i++) {
    rmm__ds_free_block_t *slot = &live[i % WINDOW];
    if (slot->size)
      rmm__ds_free_set_insert(&s, slot->addr, slot->size, slot->chunk);
    if (!rmm__ds_free_set_take(&s, requests[i % REQUESTS], slot))
      slot->size = 0;
    *sink += slot->addr;
  }
  double t = (now_ns() - t0) / (double)iters;
  rmm__ds_free_set_fini(&s);
  return t;
}

static double bench_index(size_t n, size_t iters, uintptr_t *sink) {
  rmm__ds_block_index_t idx;
  rmm__ds_block_index_init(&idx);
  for (size_t i = 0; i < n; i++)
    rmm__ds_block_index_insert(&idx, BASE + i * SLOT, (rmm__ds_block_record_t){.size = G});
  double t0 = now_ns();
  for (size_t i = 0; i < iters; i++) {
    uintptr_t addr = BASE + (n + i % REQUESTS) * SLOT;
    rmm__ds_block_record_t rec;
    rmm__ds_block_index_insert(&idx, addr, (rmm__ds_block_record_t){.size = requests[i % REQUESTS], .chunk = 1, .tag = 2});
    if (rmm__ds_block_index_remove(&idx, addr, &rec))
      *sink += rec.size;
  }
  double t = (now_ns() - t0) / (double)iters;
  rmm__ds_block_index_fini(&idx);
  return t;
}

static double best_of(bench_fn *fn, size_t n, size_t iters, uintptr_t *sink) {
  double best = fn(n, iters, sink);
  for (int r = 1; r < RUNS; r++) {
    double t = fn(n, iters, sink);
    best = t < best ? t : best;
  }
  return best;
}

int main(void) {
  static const size_t counts[] = {10, 1000, 100000};
  const size_t iters = 500000;
  uint64_t rng = 3;
  for (size_t i = 0; i < REQUESTS; i++)
    requests[i] = (1 + rng_next(&rng) % 64) * G;

  uintptr_t sink = 0;
  printf("%-8s %14s %14s %14s\n", "entries", "take+insert", "window of 64", "index ins+rm");
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    size_t n = counts[c];
    double pair = best_of(bench_pairs, n, iters, &sink);
    double window = best_of(bench_window, n, iters, &sink);
    double index = best_of(bench_index, n, iters, &sink);
    printf("%-8zu %11.1f ns %11.1f ns %11.1f ns\n", n, pair, window, index);
  }
  /* Printed so that the compiler cannot drop the work. */
  printf("(checksum %ju)\n", (uintmax_t)sink);
  return 0;
}
