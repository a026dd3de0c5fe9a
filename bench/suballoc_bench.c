/**
 * @file bench/suballoc_bench.c
 * @brief Host-side cost of librmm's resources on the workloads of perf-anchors.md.
 *
 * Workloads (as /work/shared/reference/perf-anchors.md defines them):
 *  - pair: allocate + deallocate on one stream, sizes log-uniform in [256 B, 1 MiB)
 *    from a fixed seed; 200,000 pairs; ns per pair.
 *  - frag F: 2F+1 blocks of 4 KiB allocated, every odd one freed (F holes, none
 *    adjacent), then allocate(4 KiB) + deallocate pairs timed; ns per pair.
 *  - random T: RMM's random_allocations mix (allocate with probability 73%, else free a
 *    random live block), at most 1,000 live, sizes uniform in [1 B, 1 MiB], 100,000
 *    operations per thread, T threads each on its own stream over one shared resource;
 *    ns per operation (wall time / all operations).
 *  - xstream: allocate + free 64 KiB on stream A, then on stream B; ns per round.
 *  - replay: the random mix of one thread recorded into a trace first, then replayed,
 *    so the timed loop holds nothing but the calls (as RMM's replay benchmark).
 * Each figure is the median of 3 timed trials after a warm-up trial.
 *
 * Resources: cuda, cuda_async, pool over cuda (initial 8 GiB, maximum 16 GiB), arena
 * over cuda (8 GiB), binning over such a pool (bins 2^18..2^22), fixed_size over cuda
 * with the workload's largest request as its block size. All streams are non-blocking:
 * from rmm_stream_pool_create() by default, or cudaStreamCreateWithFlags() with
 * --plain-streams (streams librmm does not know, as the anchors' peers had).
 *
 * --host runs the same over rmm_host_create() with fake stream handles, and the frag
 * rows also over rmm_simulated_create(), so that it runs without a GPU.
 */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cuda_runtime_api.h>

#include <rmm/rmm.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

#define TRIALS 3
#define STREAMS 16
#define RANDOM_LIVE 1000
#define RANDOM_ALLOCATE_PERCENT 73
#define XSTREAM_BYTES (64 * KiB)
/* cudaMalloc and cudaFree take about 0.1 ms each: the cuda column runs fewer operations. */
#define CUDA_OPS_CAP 10000

typedef enum leaf { LEAF_CUDA, LEAF_HOST, LEAF_SIMULATED } leaf_t;

typedef struct bench {
  leaf_t leaf;
  double scale;
  bool device;
  rmm_stream_t streams[STREAMS];
} bench_t;

/* ---- resources ---- */

static rmm_status_t create_leaf(const bench_t *bench, rmm_resource_t **out)
{
  switch (bench->leaf) {
  case LEAF_CUDA:
    return rmm_cuda_create(out);
  case LEAF_HOST:
    return rmm_host_create(out);
  case LEAF_SIMULATED:
    return rmm_simulated_create(64 * GiB, out);
  }
  return RMM_ERROR_INVALID_ARGUMENT;
}

static const char *leaf_name(leaf_t leaf)
{
  return leaf == LEAF_CUDA ? "cuda" : leaf == LEAF_HOST ? "host" : "simulated";
}

static rmm_status_t create_async(const bench_t *bench, size_t block, rmm_resource_t **out)
{
  (void)bench;
  (void)block;
  return rmm_cuda_async_create(NULL, out);
}

static rmm_status_t create_plain_leaf(const bench_t *bench, size_t block, rmm_resource_t **out)
{
  (void)block;
  return create_leaf(bench, out);
}

/* Builds `make(leaf)` and drops the caller's reference on the leaf. */
static rmm_status_t over_leaf(const bench_t *bench, rmm_status_t (*make)(rmm_resource_t *, size_t, rmm_resource_t **),
                              size_t block, rmm_resource_t **out)
{
  rmm_resource_t *leaf = NULL;
  rmm_status_t status = create_leaf(bench, &leaf);
  if (status == RMM_SUCCESS)
    status = make(leaf, block, out);
  rmm_resource_release(leaf);
  return status;
}

static rmm_status_t make_pool(rmm_resource_t *leaf, size_t block, rmm_resource_t **out)
{
  (void)block;
  return rmm_pool_create(leaf, 8 * GiB, 16 * GiB, out);
}

static rmm_status_t make_arena(rmm_resource_t *leaf, size_t block, rmm_resource_t **out)
{
  (void)block;
  return rmm_arena_create(leaf, 8 * GiB, false, out);
}

static rmm_status_t make_binning(rmm_resource_t *leaf, size_t block, rmm_resource_t **out)
{
  rmm_resource_t *pool = NULL;
  rmm_status_t status = make_pool(leaf, block, &pool);
  if (status == RMM_SUCCESS)
    status = rmm_binning_create_range(pool, 18, 22, out);
  rmm_resource_release(pool);
  return status;
}

static rmm_status_t make_fixed_size(rmm_resource_t *leaf, size_t block, rmm_resource_t **out)
{
  return rmm_fixed_size_create(leaf, block, 0, out);
}

/* The expandable pool maps as it grows: it starts empty, over device or (--host) host memory. */
static rmm_status_t create_expandable(const bench_t *b, size_t block, rmm_resource_t **out)
{
  (void)block;
  rmm_expandable_pool_options_t options = RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.host = b->leaf != LEAF_CUDA;
  options.reservation = options.host ? 64 * GiB : 0;
  return rmm_expandable_pool_create(&options, out);
}

static rmm_status_t create_pool(const bench_t *b, size_t block, rmm_resource_t **out)
{
  return over_leaf(b, make_pool, block, out);
}

static rmm_status_t create_arena(const bench_t *b, size_t block, rmm_resource_t **out)
{
  return over_leaf(b, make_arena, block, out);
}

static rmm_status_t create_binning(const bench_t *b, size_t block, rmm_resource_t **out)
{
  return over_leaf(b, make_binning, block, out);
}

static rmm_status_t create_fixed_size(const bench_t *b, size_t block, rmm_resource_t **out)
{
  return over_leaf(b, make_fixed_size, block, out);
}

typedef struct column {
  const char *name; /* NULL: the leaf's own name */
  bool device_only;
  rmm_status_t (*create)(const bench_t *bench, size_t block, rmm_resource_t **out);
} column_t;

static const column_t columns[] = {
    {NULL, false, create_plain_leaf},    {"cuda_async", true, create_async}, {"pool", false, create_pool},
    {"arena", false, create_arena},      {"binning", false, create_binning}, {"fixed_size", false, create_fixed_size},
    {"expandable", false, create_expandable},
};
#define COLUMNS (sizeof columns / sizeof columns[0])

static const char *column_name(const column_t *column, leaf_t leaf)
{
  return column->name != NULL ? column->name : leaf_name(leaf);
}

/* ---- timing and helpers ---- */

static double now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t next_random(uint64_t *state)
{
  uint64_t x = *state += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/* A uniform double in [0, 1). */
static double next_unit(uint64_t *state) { return (double)(next_random(state) >> 11) * 0x1.0p-53; }

static size_t scaled(const bench_t *bench, size_t count)
{
  size_t n = (size_t)((double)count * bench->scale);
  return n > 0 ? n : 1;
}

static int compare_doubles(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, size_t count)
{
  qsort(values, count, sizeof *values, compare_doubles);
  return values[count / 2];
}

/* Waits for the device, untimed, so one trial's queued work never lands in the next. */
static void settle(const bench_t *bench)
{
  if (bench->device)
    (void)cudaDeviceSynchronize();
}

/* ---- workloads ---- */

typedef struct workload workload_t;

/* Runs one trial of `ops` operations and returns the ns per operation in *ns. */
typedef rmm_status_t trial_fn(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data,
                              size_t ops, double *ns);

struct workload {
  const char *key;   /* the --workload name */
  char label[48];    /* the row's label */
  size_t param;      /* F for frag, T for random */
  size_t ops;        /* operations per trial (per thread for random), before --scale */
  size_t block_size; /* fixed_size's block: the workload's largest request */
  bool simulated;    /* a --host row over the simulated leaf */
  /* Optional: prepares data shared by the trials; `finish` undoes it. */
  rmm_status_t (*prepare)(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, size_t ops,
                          void **data);
  void (*finish)(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data);
  trial_fn *trial;
};

/* pair: sizes drawn once, log-uniform in [256 B, 1 MiB). */
static rmm_status_t pair_prepare(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, size_t ops,
                                 void **data)
{
  (void)bench;
  (void)mr;
  (void)workload;
  size_t *sizes = malloc(ops * sizeof *sizes);
  if (sizes == NULL)
    return RMM_ERROR_BAD_ALLOC;
  uint64_t seed = 12345;
  for (size_t i = 0; i < ops; i++) {
    size_t size = (size_t)exp2(8.0 + 12.0 * next_unit(&seed));
    sizes[i] = size < 256 ? 256 : size >= MiB ? MiB - 1 : size;
  }
  *data = sizes;
  return RMM_SUCCESS;
}

static void free_data(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data)
{
  (void)bench;
  (void)mr;
  (void)workload;
  free(data);
}

static rmm_status_t pair_trial(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data,
                               size_t ops, double *ns)
{
  (void)workload;
  const size_t *sizes = data;
  rmm_stream_t stream = bench->streams[0];
  double start = now_ns();
  for (size_t i = 0; i < ops; i++) {
    void *ptr;
    rmm_status_t status = rmm_allocate(mr, &ptr, sizes[i], stream);
    if (status != RMM_SUCCESS)
      return status;
    status = rmm_deallocate(mr, ptr, sizes[i], stream);
    if (status != RMM_SUCCESS)
      return status;
  }
  *ns = (now_ns() - start) / (double)ops;
  return RMM_SUCCESS;
}

/* frag: 2F+1 blocks of 4 KiB, the odd ones freed; the even ones stay until finish. */
static rmm_status_t frag_prepare(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, size_t ops,
                                 void **data)
{
  (void)ops;
  size_t count = 2 * workload->param + 1;
  void **blocks = calloc(count, sizeof *blocks);
  if (blocks == NULL)
    return RMM_ERROR_BAD_ALLOC;
  rmm_status_t status = RMM_SUCCESS;
  for (size_t i = 0; i < count && status == RMM_SUCCESS; i++)
    status = rmm_allocate(mr, &blocks[i], 4 * KiB, bench->streams[0]);
  for (size_t i = 0; i < count; i++)
    if (blocks[i] != NULL && (status != RMM_SUCCESS || i % 2 == 1)) {
      (void)rmm_deallocate(mr, blocks[i], 4 * KiB, bench->streams[0]);
      blocks[i] = NULL;
    }
  if (status != RMM_SUCCESS) {
    free(blocks);
    return status;
  }
  *data = blocks;
  return RMM_SUCCESS;
}

static void frag_finish(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data)
{
  void **blocks = data;
  for (size_t i = 0; i < 2 * workload->param + 1; i++)
    if (blocks[i] != NULL)
      (void)rmm_deallocate(mr, blocks[i], 4 * KiB, bench->streams[0]);
  free(blocks);
}

static rmm_status_t frag_trial(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data,
                               size_t ops, double *ns)
{
  (void)workload;
  (void)data;
  rmm_stream_t stream = bench->streams[0];
  double start = now_ns();
  for (size_t i = 0; i < ops; i++) {
    void *ptr;
    rmm_status_t status = rmm_allocate(mr, &ptr, 4 * KiB, stream);
    if (status != RMM_SUCCESS)
      return status;
    status = rmm_deallocate(mr, ptr, 4 * KiB, stream);
    if (status != RMM_SUCCESS)
      return status;
  }
  *ns = (now_ns() - start) / (double)ops;
  return RMM_SUCCESS;
}

/* random T: each thread runs the mix on its own stream; the clock stops before the cleanup. */
typedef struct random_thread {
  rmm_resource_t *mr;
  rmm_stream_t stream;
  size_t ops;
  uint64_t seed;
  pthread_barrier_t *barrier;
  double start;
  double end;
  rmm_status_t status;
} random_thread_t;

typedef struct live_block {
  void *ptr;
  size_t size;
} live_block_t;

static void *random_thread_main(void *arg)
{
  random_thread_t *thread = arg;
  live_block_t live[RANDOM_LIVE];
  size_t count = 0;
  uint64_t seed = thread->seed;
  pthread_barrier_wait(thread->barrier);
  thread->start = now_ns();
  for (size_t op = 0; op < thread->ops; op++) {
    bool allocate = count == 0 || (count < RANDOM_LIVE && next_random(&seed) % 100 < RANDOM_ALLOCATE_PERCENT);
    if (allocate) {
      size_t size = 1 + next_random(&seed) % MiB;
      thread->status = rmm_allocate(thread->mr, &live[count].ptr, size, thread->stream);
      if (thread->status != RMM_SUCCESS) {
        fprintf(stderr, "random: %s\n", rmm_last_error_message());
        break;
      }
      live[count++].size = size;
    } else {
      size_t victim = next_random(&seed) % count;
      thread->status = rmm_deallocate(thread->mr, live[victim].ptr, live[victim].size, thread->stream);
      if (thread->status != RMM_SUCCESS)
        break;
      live[victim] = live[--count];
    }
  }
  thread->end = now_ns();
  while (count > 0) {
    count--;
    (void)rmm_deallocate(thread->mr, live[count].ptr, live[count].size, thread->stream);
  }
  return NULL;
}

static rmm_status_t random_trial(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data,
                                 size_t ops, double *ns)
{
  (void)data;
  size_t threads = workload->param;
  random_thread_t state[STREAMS];
  pthread_t ids[STREAMS];
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)threads + 1);
  size_t started = 0;
  for (; started < threads; started++) {
    state[started] = (random_thread_t){
        .mr = mr, .stream = bench->streams[started], .ops = ops, .seed = 1000 + started, .barrier = &barrier};
    if (pthread_create(&ids[started], NULL, random_thread_main, &state[started]) != 0)
      break;
  }
  if (started < threads) {
    /* Those started wait at the barrier: this shortfall can only be reported by aborting the run. */
    fprintf(stderr, "suballoc_bench: cannot start %zu threads\n", threads);
    exit(EXIT_FAILURE);
  }
  pthread_barrier_wait(&barrier);
  /* Wall time from the first thread's start to the last one's end: the main thread may
     be descheduled after the barrier, so it does not read the clock itself. */
  double start = 0, end = 0;
  rmm_status_t status = RMM_SUCCESS;
  for (size_t i = 0; i < threads; i++) {
    pthread_join(ids[i], NULL);
    if (i == 0 || state[i].start < start)
      start = state[i].start;
    if (state[i].end > end)
      end = state[i].end;
    if (state[i].status != RMM_SUCCESS && status == RMM_SUCCESS)
      status = state[i].status;
  }
  pthread_barrier_destroy(&barrier);
  *ns = (end - start) / (double)(threads * ops);
  return status;
}

/* xstream: the same size on stream A, then on stream B, each round. */
static rmm_status_t xstream_trial(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data,
                                  size_t ops, double *ns)
{
  (void)workload;
  (void)data;
  double start = now_ns();
  for (size_t i = 0; i < ops; i++) {
    for (int s = 0; s < 2; s++) {
      void *ptr;
      rmm_status_t status = rmm_allocate(mr, &ptr, XSTREAM_BYTES, bench->streams[s]);
      if (status != RMM_SUCCESS)
        return status;
      status = rmm_deallocate(mr, ptr, XSTREAM_BYTES, bench->streams[s]);
      if (status != RMM_SUCCESS)
        return status;
    }
  }
  *ns = (now_ns() - start) / (double)ops;
  return RMM_SUCCESS;
}

/* replay: a recorded trace of the random mix. An event allocates slot `slot` (size > 0) or frees it. */
typedef struct event {
  uint32_t slot;
  uint32_t size; /* 0: free */
} event_t;

typedef struct trace {
  event_t *events;
  void **slots;
  size_t *sizes;
} trace_t;

static rmm_status_t replay_prepare(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, size_t ops,
                                   void **data)
{
  (void)bench;
  (void)mr;
  (void)workload;
  trace_t *trace = calloc(1, sizeof *trace);
  uint32_t *live = malloc(RANDOM_LIVE * sizeof *live);
  uint32_t *free_slots = malloc(RANDOM_LIVE * sizeof *free_slots);
  if (trace == NULL || live == NULL || free_slots == NULL || (trace->events = malloc(ops * sizeof(event_t))) == NULL ||
      (trace->slots = calloc(RANDOM_LIVE, sizeof(void *))) == NULL ||
      (trace->sizes = calloc(RANDOM_LIVE, sizeof(size_t))) == NULL) {
    free(live);
    free(free_slots);
    if (trace != NULL) {
      free(trace->events);
      free(trace->slots);
    }
    free(trace);
    return RMM_ERROR_BAD_ALLOC;
  }
  size_t count = 0;
  for (uint32_t i = 0; i < RANDOM_LIVE; i++)
    free_slots[i] = RANDOM_LIVE - 1 - i;
  size_t free_count = RANDOM_LIVE;
  uint64_t seed = 777;
  for (size_t op = 0; op < ops; op++) {
    bool allocate = count == 0 || (count < RANDOM_LIVE && next_random(&seed) % 100 < RANDOM_ALLOCATE_PERCENT);
    if (allocate) {
      uint32_t slot = free_slots[--free_count];
      live[count++] = slot;
      trace->events[op] = (event_t){.slot = slot, .size = (uint32_t)(1 + next_random(&seed) % MiB)};
    } else {
      size_t victim = next_random(&seed) % count;
      uint32_t slot = live[victim];
      live[victim] = live[--count];
      free_slots[free_count++] = slot;
      trace->events[op] = (event_t){.slot = slot, .size = 0};
    }
  }
  free(live);
  free(free_slots);
  *data = trace;
  return RMM_SUCCESS;
}

static void replay_finish(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data)
{
  (void)bench;
  (void)mr;
  (void)workload;
  trace_t *trace = data;
  free(trace->events);
  free(trace->slots);
  free(trace->sizes);
  free(trace);
}

static rmm_status_t replay_trial(const bench_t *bench, rmm_resource_t *mr, const workload_t *workload, void *data,
                                 size_t ops, double *ns)
{
  (void)workload;
  trace_t *trace = data;
  rmm_stream_t stream = bench->streams[0];
  rmm_status_t status = RMM_SUCCESS;
  double start = now_ns();
  size_t op = 0;
  for (; op < ops && status == RMM_SUCCESS; op++) {
    const event_t *event = &trace->events[op];
    if (event->size != 0) {
      status = rmm_allocate(mr, &trace->slots[event->slot], event->size, stream);
      trace->sizes[event->slot] = status == RMM_SUCCESS ? event->size : 0;
    } else if (trace->sizes[event->slot] != 0) {
      status = rmm_deallocate(mr, trace->slots[event->slot], trace->sizes[event->slot], stream);
      trace->sizes[event->slot] = 0;
    }
  }
  *ns = (now_ns() - start) / (double)ops;
  /* What the trace left live is freed untimed, so every trial starts empty. */
  for (size_t slot = 0; slot < RANDOM_LIVE; slot++)
    if (trace->sizes[slot] != 0) {
      (void)rmm_deallocate(mr, trace->slots[slot], trace->sizes[slot], stream);
      trace->sizes[slot] = 0;
    }
  return status;
}

static workload_t workloads[] = {
    {"pair", "pair", 0, 200000, MiB, false, pair_prepare, free_data, pair_trial},
    {"frag", "frag F=10", 10, 100000, 4 * KiB, false, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=1,000", 1000, 100000, 4 * KiB, false, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=10,000", 10000, 100000, 4 * KiB, false, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=100,000", 100000, 100000, 4 * KiB, false, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=10 (simulated)", 10, 100000, 4 * KiB, true, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=1,000 (simulated)", 1000, 100000, 4 * KiB, true, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=10,000 (simulated)", 10000, 100000, 4 * KiB, true, frag_prepare, frag_finish, frag_trial},
    {"frag", "frag F=100,000 (simulated)", 100000, 100000, 4 * KiB, true, frag_prepare, frag_finish, frag_trial},
    {"random", "random, 1 thread", 1, 100000, MiB, false, NULL, NULL, random_trial},
    {"random", "random, 4 threads", 4, 100000, MiB, false, NULL, NULL, random_trial},
    {"random", "random, 16 threads", 16, 100000, MiB, false, NULL, NULL, random_trial},
    {"xstream", "xstream", 0, 100000, XSTREAM_BYTES, false, NULL, NULL, xstream_trial},
    {"replay", "replay (random mix, 1 thread)", 0, 100000, MiB, false, replay_prepare, replay_finish, replay_trial},
};
#define WORKLOADS (sizeof workloads / sizeof workloads[0])

/* ---- cells ---- */

/* Writes "1,234" for a figure in ns. */
static void format_ns(double ns, char *text, size_t size)
{
  unsigned long long value = (unsigned long long)(ns + 0.5);
  char digits[32];
  int length = snprintf(digits, sizeof digits, "%llu", value);
  size_t at = 0;
  for (int i = 0; i < length && at + 2 < size; i++) {
    if (i > 0 && (length - i) % 3 == 0)
      text[at++] = ',';
    text[at++] = digits[i];
  }
  text[at] = '\0';
}

/* What a failed cell shows: out of memory in words, anything else with its status. */
static void format_failure(rmm_status_t status, const char *column, const char *row, char *text, size_t size)
{
  if (status == RMM_ERROR_OUT_OF_MEMORY) {
    snprintf(text, size, "out of memory");
    return;
  }
  fprintf(stderr, "suballoc_bench: %s, %s: %s: %s\n", row, column, rmm_status_string(status),
          rmm_last_error_message());
  snprintf(text, size, "error (%s)", rmm_status_string(status));
}

static void run_cell(bench_t *bench, const column_t *column, const workload_t *workload, char *text, size_t size)
{
  leaf_t leaf = bench->leaf;
  if (workload->simulated)
    bench->leaf = LEAF_SIMULATED;
  const char *name = column_name(column, bench->leaf);
  size_t ops = scaled(bench, workload->ops);
  if (column->name == NULL && bench->leaf == LEAF_CUDA && ops > CUDA_OPS_CAP)
    ops = CUDA_OPS_CAP;

  rmm_resource_t *mr = NULL;
  void *data = NULL;
  rmm_status_t status = column->create(bench, workload->block_size, &mr);
  if (status == RMM_SUCCESS && workload->prepare != NULL)
    status = workload->prepare(bench, mr, workload, ops, &data);
  double trials[TRIALS], ns = 0;
  if (status == RMM_SUCCESS)
    status = workload->trial(bench, mr, workload, data, ops, &ns); /* the warm-up */
  for (size_t i = 0; i < TRIALS && status == RMM_SUCCESS; i++) {
    settle(bench);
    status = workload->trial(bench, mr, workload, data, ops, &trials[i]);
  }
  if (status == RMM_SUCCESS)
    format_ns(median(trials, TRIALS), text, size);
  else
    format_failure(status, name, workload->label, text, size);
  if (data != NULL && workload->finish != NULL)
    workload->finish(bench, mr, workload, data);
  settle(bench);
  rmm_resource_release(mr);
  settle(bench);
  bench->leaf = leaf;
}

/* ---- the program ---- */

typedef struct options {
  const char *resource;
  const char *workload;
  double scale;
  bool host;
  bool plain_streams;
} options_t;

static void usage(FILE *to)
{
  fprintf(to, "usage: suballoc_bench [--host] [--resource NAME] [--workload NAME] [--scale X] [--plain-streams]\n"
              "  --resource  cuda (host, simulated under --host), cuda_async, pool, arena, binning, fixed_size,\n"
              "              expandable\n"
              "  --workload  pair, frag, random, xstream, replay\n"
              "  --scale     multiplies every operation count (0.01: a smoke run)\n"
              "  --host      host memory and fake streams instead of a GPU; frag also over simulated\n"
              "  --plain-streams  cudaStreamCreateWithFlags(cudaStreamNonBlocking) streams that librmm does\n"
              "              not know, instead of rmm_stream_pool_create()'s\n");
}

static bool parse(int argc, char **argv, options_t *options)
{
  *options = (options_t){.scale = 1.0};
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(arg, "--host") == 0)
      options->host = true;
    else if (strcmp(arg, "--plain-streams") == 0)
      options->plain_streams = true;
    else if (strcmp(arg, "--resource") == 0 && has_value)
      options->resource = argv[++i];
    else if (strcmp(arg, "--workload") == 0 && has_value)
      options->workload = argv[++i];
    else if (strcmp(arg, "--scale") == 0 && has_value)
      options->scale = atof(argv[++i]);
    else
      return false;
  }
  return options->scale > 0;
}

static bool column_selected(const options_t *options, const column_t *column, leaf_t leaf)
{
  if (column->device_only && options->host)
    return false;
  if (options->resource == NULL)
    return true;
  if (column->name == NULL)
    return strcmp(options->resource, leaf_name(leaf)) == 0 || strcmp(options->resource, "cuda") == 0 ||
           strcmp(options->resource, "host") == 0 || strcmp(options->resource, "simulated") == 0;
  return strcmp(options->resource, column->name) == 0;
}

static bool workload_selected(const options_t *options, const workload_t *workload)
{
  if (workload->simulated && !options->host)
    return false;
  return options->workload == NULL || strcmp(options->workload, workload->key) == 0;
}

/* Streams: fake handles under --host; else non-blocking streams of a stream pool or of cudart. */
static bool make_streams(bench_t *bench, const options_t *options, rmm_stream_pool_t **pool)
{
  if (!bench->device) {
    for (size_t i = 0; i < STREAMS; i++)
      bench->streams[i] = (rmm_stream_t)(uintptr_t)(0x1000 * (i + 1));
    return true;
  }
  if (options->plain_streams) {
    for (size_t i = 0; i < STREAMS; i++) {
      cudaStream_t stream;
      if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess)
        return false;
      bench->streams[i] = (rmm_stream_t)stream;
    }
    return true;
  }
  if (rmm_stream_pool_create(STREAMS, pool) != RMM_SUCCESS)
    return false;
  for (size_t i = 0; i < STREAMS; i++)
    if (rmm_stream_pool_get_at(*pool, i, &bench->streams[i]) != RMM_SUCCESS)
      return false;
  return true;
}

static void destroy_streams(bench_t *bench, const options_t *options, rmm_stream_pool_t *pool)
{
  if (!bench->device)
    return;
  if (options->plain_streams)
    for (size_t i = 0; i < STREAMS; i++)
      (void)cudaStreamDestroy((cudaStream_t)bench->streams[i]);
  rmm_stream_pool_destroy(pool);
}

static void print_header(const bench_t *bench, const options_t *options, const bool *selected)
{
  if (bench->device) {
    struct cudaDeviceProp prop;
    int device = 0;
    (void)cudaGetDevice(&device);
    (void)cudaGetDeviceProperties(&prop, device);
    printf("device: %s; streams: %s; librmm %s\n", prop.name,
           options->plain_streams ? "cudaStreamCreateWithFlags(cudaStreamNonBlocking)" : "rmm_stream_pool_create",
           rmm_version());
  } else {
    printf("host mode: rmm_host_create (frag also over rmm_simulated_create), fake streams; librmm %s\n",
           rmm_version());
  }
  printf("ns per operation, median of %d timed trials after a warm-up; scale %g\n\n", TRIALS, options->scale);
  printf("| workload |");
  for (size_t c = 0; c < COLUMNS; c++)
    if (selected[c])
      printf(" %s |", column_name(&columns[c], bench->leaf));
  printf("\n|---|");
  for (size_t c = 0; c < COLUMNS; c++)
    if (selected[c])
      printf("---|");
  printf("\n");
  fflush(stdout);
}

int main(int argc, char **argv)
{
  options_t options;
  if (!parse(argc, argv, &options)) {
    usage(stderr);
    return 2;
  }
  bench_t bench = {.leaf = options.host ? LEAF_HOST : LEAF_CUDA, .scale = options.scale, .device = !options.host};
  bool selected[COLUMNS];
  size_t column_count = 0;
  for (size_t c = 0; c < COLUMNS; c++)
    column_count += selected[c] = column_selected(&options, &columns[c], bench.leaf);
  if (column_count == 0) {
    fprintf(stderr, "suballoc_bench: no resource named %s here\n", options.resource);
    return 2;
  }
  rmm_stream_pool_t *stream_pool = NULL;
  if (!make_streams(&bench, &options, &stream_pool)) {
    fprintf(stderr, "suballoc_bench: cannot create streams (no GPU? try --host)\n");
    return 1;
  }
  print_header(&bench, &options, selected);
  size_t rows = 0;
  for (size_t w = 0; w < WORKLOADS; w++) {
    if (!workload_selected(&options, &workloads[w]))
      continue;
    rows++;
    printf("| %s |", workloads[w].label);
    fflush(stdout);
    for (size_t c = 0; c < COLUMNS; c++) {
      if (!selected[c])
        continue;
      char cell[64];
      run_cell(&bench, &columns[c], &workloads[w], cell, sizeof cell);
      printf(" %s |", cell);
      fflush(stdout);
    }
    printf("\n");
  }
  destroy_streams(&bench, &options, stream_pool);
  if (rows == 0) {
    fprintf(stderr, "suballoc_bench: no workload named %s\n", options.workload);
    return 2;
  }
  return 0;
}
