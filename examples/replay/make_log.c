/*
 * Writes an allocation log for rmm-replay(1): each of THREADS threads runs STEPS random
 * allocations and frees through statistics(logging(simulated(1GiB))), then frees all but
 * a few. Prints the peak bytes in use that the statistics adaptor saw, which a replay of
 * a one-thread log reproduces exactly.
 *
 *   make_log LOG.csv [THREADS [STEPS]]
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rmm/rmm.h>

enum { MAX_LIVE = 64, KEEP_AT_END = 2 };

typedef struct worker {
  rmm_resource_t *mr;
  uint64_t seed;
  long steps;
  int failed;
} worker_t;

/* A small fixed generator, so that a log can be made again the same way. */
static uint64_t next_random(uint64_t *state)
{
  uint64_t x = *state += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static void *run(void *arg)
{
  worker_t *w = arg;
  void *ptrs[MAX_LIVE];
  size_t sizes[MAX_LIVE];
  int live = 0;
  for (long step = 0; step < w->steps && !w->failed; step++) {
    uint64_t r = next_random(&w->seed);
    if (live < MAX_LIVE && (live == 0 || r % 10 < 6)) {
      /* Sizes from 1 byte to 1 MiB, mostly small, as real workloads are. */
      size_t size = 1 + (size_t)(next_random(&w->seed) % ((size_t)1 << (8 + r % 13)));
      w->failed = rmm_allocate(w->mr, &ptrs[live], size, NULL) != RMM_SUCCESS;
      sizes[live++] = size;
    } else {
      int victim = (int)(r % (uint64_t)live);
      w->failed = rmm_deallocate(w->mr, ptrs[victim], sizes[victim], NULL) != RMM_SUCCESS;
      ptrs[victim] = ptrs[--live];
      sizes[victim] = sizes[live];
    }
  }
  /* A couple of allocations stay: the replay reports them as leaked by the log. */
  while (live > KEEP_AT_END && !w->failed) {
    live--;
    w->failed = rmm_deallocate(w->mr, ptrs[live], sizes[live], NULL) != RMM_SUCCESS;
  }
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc < 2 || argc > 4) {
    fprintf(stderr, "usage: %s LOG.csv [THREADS [STEPS]]\n", argv[0]);
    return 2;
  }
  int threads = argc > 2 ? atoi(argv[2]) : 1;
  long steps = argc > 3 ? atol(argv[3]) : 200;
  if (threads < 1 || threads > 64 || steps < 1) {
    fprintf(stderr, "%s: THREADS is 1 to 64, STEPS at least 1\n", argv[0]);
    return 2;
  }

  rmm_resource_t *sim = NULL, *logging = NULL, *stats = NULL;
  if (rmm_simulated_create((size_t)1 << 30, &sim) != RMM_SUCCESS ||
      rmm_logging_create(sim, argv[1], false, &logging) != RMM_SUCCESS ||
      rmm_statistics_create(logging, &stats) != RMM_SUCCESS) {
    fprintf(stderr, "%s: %s\n", argv[0], rmm_last_error_message());
    return 1;
  }
  rmm_resource_release(logging);
  rmm_resource_release(sim);

  worker_t workers[64];
  pthread_t handles[64];
  for (int t = 0; t < threads; t++) {
    workers[t] = (worker_t){.mr = stats, .seed = 42 + (uint64_t)t, .steps = steps};
    pthread_create(&handles[t], NULL, run, &workers[t]);
  }
  int failed = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(handles[t], NULL);
    failed |= workers[t].failed;
  }
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  rmm_statistics_get(stats, &counts);
  rmm_resource_release(stats);
  if (failed) {
    fprintf(stderr, "%s: %s\n", argv[0], rmm_last_error_message());
    return 1;
  }
  printf("peak bytes in use: %lld\n", (long long)counts.peak_bytes);
  return 0;
}
