/*
 * rmm-replay: replays an allocation log in RMM's CSV format (what the logging adaptor
 * writes) against a resource stack given as a spec, and reports what the stack did with
 * it: allocations, failures, peak bytes in use, the peak footprint at the leaf, the
 * fragmentation of the sub-allocator at the peak, and the time taken. See rmm-replay(1).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rmm/rmm.h>

#include "replay_log.h"
#include "replay_plot.h"
#include "spec/size.h"

/* Rows between two progress lines. */
enum { PROGRESS_EVERY = 1 << 16 };

/* One live allocation of the replay, keyed by the logged pointer. */
typedef struct live {
  uint64_t key; /* 0: empty slot */
  void *ptr;
  size_t size;
  bool failed; /* the replayed allocation failed: its free is skipped */
} live_t;

/* Open addressing with linear probing and backward-shift deletion (no tombstones). */
typedef struct live_map {
  live_t *slots;
  size_t capacity; /* a power of two */
  size_t count;
} live_map_t;

typedef struct replay {
  const char *file;
  rmm_resource_t *mr;
  rmm_resource_t *suballoc; /* the first resource from the top that knows its free blocks; may be NULL */
  bool fake_streams;        /* streams are handles only (simulated leaf): use the logged ones */
  rmm_replay_event_t *events;
  size_t count;
  size_t thread_count;
  live_map_t live;
  /* results */
  size_t allocations, failures, frees, skipped_failures, unmatched_frees, free_errors, replaced_streams;
  size_t in_use, peak_in_use;
  bool fragmentation_known;
  double fragmentation;
  /* playback in the log's order across threads: log thread t plays on worker t % workers */
  size_t workers;
  size_t *first;         /* per worker: its first event, or count */
  size_t *following;     /* per event: the next event of its worker, or count */
  sem_t *wake;           /* per worker: posted to wake it when it sleeps */
  atomic_bool *sleeping; /* per worker: it sleeps on its semaphore, or is about to */
  atomic_size_t next;    /* the event whose turn it is */
  atomic_bool abandon;   /* not every worker could start: the others leave without playing */
  bool spin_all;         /* a CPU for every worker: all spin, none sleeps, a handoff is one store */
  bool progress;
  /* pictures and snapshots (--plot, --snapshot) */
  rmm_resource_t *leaf;
  rmm__plot_t *plot;
  const char *snapshot_path;
  size_t snapshot_at; /* the event after which the log's bytes in use peak */
  bool snapshot_failed;
} replay_t;

static const char *program = "rmm-replay";

static void usage(FILE *out)
{
  fprintf(out,
          "usage: %s --resource SPEC [--simulate SIZE] [--threads per-log|1] [--progress]\n"
          "       [--plot FILE] [--snapshot FILE] LOG.csv\n"
          "Replays an allocation log (Thread,Time,Action,Pointer,Size,Stream) against a resource spec.\n"
          "  -r, --resource SPEC   the resource stack, e.g. 'pool(cuda, 50%%)' (see rmm_resource_from_spec(3))\n"
          "  -s, --simulate SIZE   every leaf of the spec is one simulated resource of SIZE bytes,\n"
          "                        and percentages are of SIZE (no GPU needed)\n"
          "  -t, --threads MODE    per-log: one thread per thread id of the log (default); 1: one thread\n"
          "  -p, --progress        a progress line on stderr (the default when stderr is a terminal)\n"
          "      --plot FILE       draws bytes in use, footprint and fragmentation over the events (SVG)\n"
          "      --snapshot FILE   writes a snapshot of the stack (JSON) at the log's peak of bytes in use\n"
          "  -h, --help            this text\n",
          program);
}

/* "1.50 GiB": binary units with two decimals. */
static const char *human(size_t bytes, char buf[32])
{
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = (double)bytes;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
    value /= 1024.0;
    unit++;
  }
  if (unit == 0)
    snprintf(buf, 32, "%zu B", bytes);
  else
    snprintf(buf, 32, "%.2f %s", value, units[unit]);
  return buf;
}

/* SIZE of --simulate: a size as in a spec (rmm(7)), read by the spec grammar's own parser. */
static bool parse_simulate_size(const char *text, size_t *bytes, const char **why)
{
  rmm_size_t size;
  if (!rmm__size_parse(text, &size, why))
    return false;
  *why = "a percentage has nothing to be a percentage of here";
  if (size.is_percent)
    return false;
  *why = "the device must have at least one byte";
  *bytes = size.bytes;
  return size.bytes > 0;
}

/* Reads the whole log into rp->events; false (with a message) on any bad line. */
static bool read_log(replay_t *rp)
{
  FILE *f = fopen(rp->file, "r");
  if (f == NULL) {
    fprintf(stderr, "%s: cannot open %s: %s\n", program, rp->file, strerror(errno));
    return false;
  }
  rmm_replay_log_t log;
  bool ok = rmm__replay_read(f, rp->file, program, stderr, &log);
  fclose(f);
  rp->events = log.events;
  rp->count = log.count;
  rp->thread_count = log.thread_count;
  return ok;
}

/* ---- live allocations ---- */

static uint64_t hash(uint64_t key)
{
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdull;
  return key ^ (key >> 33);
}

static bool live_grow(live_map_t *map)
{
  size_t capacity = map->capacity ? 2 * map->capacity : 1024;
  live_t *slots = calloc(capacity, sizeof *slots);
  if (slots == NULL)
    return false;
  for (size_t i = 0; i < map->capacity; i++) {
    if (map->slots[i].key == 0)
      continue;
    size_t j = hash(map->slots[i].key) & (capacity - 1);
    while (slots[j].key != 0)
      j = (j + 1) & (capacity - 1);
    slots[j] = map->slots[i];
  }
  free(map->slots);
  map->slots = slots;
  map->capacity = capacity;
  return true;
}

/* The slot of `key`, or the empty slot where it would go. */
static size_t live_find(const live_map_t *map, uint64_t key)
{
  size_t i = hash(key) & (map->capacity - 1);
  while (map->slots[i].key != 0 && map->slots[i].key != key)
    i = (i + 1) & (map->capacity - 1);
  return i;
}

/* Removes slot i, shifting later members of its cluster back so that lookups need no tombstones. */
static void live_remove(live_map_t *map, size_t i)
{
  size_t mask = map->capacity - 1;
  size_t hole = i;
  for (size_t j = (i + 1) & mask; map->slots[j].key != 0; j = (j + 1) & mask) {
    size_t home = hash(map->slots[j].key) & mask;
    /* j may move into the hole when its home is not cyclically within (hole, j]. */
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      map->slots[hole] = map->slots[j];
      hole = j;
    }
  }
  map->slots[hole].key = 0;
  map->count--;
}

/* ---- playback ---- */

static rmm_stream_t stream_of(replay_t *rp, uintptr_t logged)
{
  if (logged == 0 || rp->fake_streams || logged == (uintptr_t)RMM_STREAM_LEGACY ||
      logged == (uintptr_t)RMM_STREAM_PER_THREAD)
    return (rmm_stream_t)logged;
  /* The log's streams no longer exist: on a real device their work goes to the default stream. */
  rp->replaced_streams++;
  return NULL;
}

/* How broken up the sub-allocator's free memory is (0: one block); false when unknown. */
static bool fragmentation_of(const replay_t *rp, double *fraction)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  if (rp->suballoc == NULL || rmm_resource_get_stats(rp->suballoc, &stats) != RMM_SUCCESS ||
      !(stats.flags & RMM_STATS_FREE))
    return false;
  *fraction = stats.free_bytes > 0 ? 1.0 - (double)stats.largest_free_block / (double)stats.free_bytes : 0.0;
  return true;
}

/* At a new peak of bytes in use, the fragmentation the report gives. */
static void sample_fragmentation(replay_t *rp)
{
  if (fragmentation_of(rp, &rp->fragmentation))
    rp->fragmentation_known = true;
}

static void replay_allocate(replay_t *rp, const rmm_replay_event_t *e)
{
  void *ptr = NULL;
  rmm_status_t status = rmm_allocate(rp->mr, &ptr, e->size, stream_of(rp, e->stream));
  if (status == RMM_SUCCESS) {
    rp->allocations++;
    rp->in_use += e->size;
    if (rp->in_use > rp->peak_in_use) {
      rp->peak_in_use = rp->in_use;
      sample_fragmentation(rp);
    }
  } else {
    rp->failures++;
  }
  if (e->pointer == 0)
    return;
  if (2 * (rp->live.count + 1) > rp->live.capacity && !live_grow(&rp->live)) {
    fprintf(stderr, "%s: out of memory for the live allocations\n", program);
    exit(EXIT_FAILURE);
  }
  size_t i = live_find(&rp->live, e->pointer);
  if (rp->live.slots[i].key != 0) {
    /* The log hands out a live pointer again (a lost free row): free the older one now. */
    live_t old = rp->live.slots[i];
    if (!old.failed) {
      rmm_deallocate(rp->mr, old.ptr, old.size, NULL);
      rp->in_use -= old.size;
    }
    rp->unmatched_frees++;
  } else {
    rp->live.count++;
  }
  rp->live.slots[i] = (live_t){.key = e->pointer, .ptr = ptr, .size = e->size, .failed = status != RMM_SUCCESS};
}

static void replay_free(replay_t *rp, const rmm_replay_event_t *e)
{
  if (e->pointer == 0)
    return;
  size_t i = rp->live.capacity ? live_find(&rp->live, e->pointer) : 0;
  if (rp->live.capacity == 0 || rp->live.slots[i].key == 0) {
    rp->unmatched_frees++;
    return;
  }
  live_t entry = rp->live.slots[i];
  live_remove(&rp->live, i);
  if (entry.failed)
    return;
  rmm_status_t status = rmm_deallocate(rp->mr, entry.ptr, entry.size, stream_of(rp, e->stream));
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "%s: %s:%" PRIu32 ": free failed: %s\n", program, rp->file, e->line, rmm_last_error_message());
    rp->free_errors++;
    return;
  }
  rp->frees++;
  rp->in_use -= entry.size;
}

static void show_progress(const replay_t *rp, size_t done)
{
  if (rp->progress && (done % PROGRESS_EVERY == 0 || done == rp->count))
    fprintf(stderr, "\r%s: %zu/%zu events (%.0f%%)%s", program, done, rp->count,
            rp->count ? 100.0 * (double)done / (double)rp->count : 100.0, done == rp->count ? "\n" : "");
}

/* A point of the --plot picture after event `index`. */
static void sample_plot(replay_t *rp, size_t index)
{
  rmm_resource_stats_t leaf = {.struct_size = sizeof leaf};
  size_t footprint = rmm_resource_get_stats(rp->leaf, &leaf) == RMM_SUCCESS ? leaf.bytes_in_use : 0;
  double fragmentation;
  if (!fragmentation_of(rp, &fragmentation))
    fragmentation = -1;
  rmm__plot_sample(rp->plot, index, rp->in_use, footprint, fragmentation);
}

/* Writes the --snapshot file, saying so when that fails. */
static void write_snapshot(replay_t *rp)
{
  if (rmm_resource_snapshot_path(rp->mr, rp->snapshot_path, NULL) != RMM_SUCCESS) {
    fprintf(stderr, "%s: --snapshot: %s\n", program, rmm_last_error_message());
    rp->snapshot_failed = true;
  }
}

/* What --plot and --snapshot look at after each event. */
static void observe(replay_t *rp, size_t index)
{
  if (rp->plot != NULL && rmm__plot_due(rp->plot, index))
    sample_plot(rp, index);
  if (rp->snapshot_path != NULL && index == rp->snapshot_at)
    write_snapshot(rp);
}

/* The event after which the log itself has the most bytes live (failures ignored). */
static bool log_peak_event(const replay_t *rp, size_t *peak_index)
{
  live_map_t map = {0};
  size_t in_use = 0, peak = 0;
  *peak_index = rp->count > 0 ? rp->count - 1 : 0;
  for (size_t i = 0; i < rp->count; i++) {
    const rmm_replay_event_t *e = &rp->events[i];
    if (e->pointer == 0 || e->action == RMM_REPLAY_FAILURE)
      continue;
    if (2 * (map.count + 1) > map.capacity && !live_grow(&map)) {
      free(map.slots);
      return false;
    }
    size_t slot = live_find(&map, e->pointer);
    if (map.slots[slot].key != 0) {
      in_use -= map.slots[slot].size;
      live_remove(&map, slot);
    }
    if (e->action == RMM_REPLAY_ALLOCATE) {
      slot = live_find(&map, e->pointer);
      map.slots[slot] = (live_t){.key = e->pointer, .size = e->size};
      map.count++;
      in_use += e->size;
    }
    if (in_use > peak) {
      peak = in_use;
      *peak_index = i;
    }
  }
  free(map.slots);
  return true;
}

static void run_event(replay_t *rp, size_t index)
{
  const rmm_replay_event_t *e = &rp->events[index];
  if (e->action == RMM_REPLAY_ALLOCATE)
    replay_allocate(rp, e);
  else if (e->action == RMM_REPLAY_FREE)
    replay_free(rp, e);
  else
    rp->skipped_failures++;
  observe(rp, index);
  show_progress(rp, index + 1);
}

typedef struct worker {
  replay_t *rp;
  size_t index;
  pthread_t handle;
} worker_t;

/* Spins of the next worker before it yields the CPU on each further spin. */
enum { SPINS_BEFORE_YIELD = 1000 };

/* The most workers started at once; log threads beyond share them (see run_threads). */
enum { MAX_WORKERS = 4096 };

/* Each worker's stack: replay calls need little, and thousands of threads must fit. */
#define WORKER_STACK ((size_t)512 << 10)

/* The CPUs this process may run on (its affinity mask, which a container's cpuset narrows). */
static size_t usable_cpus(void)
{
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    return (size_t)CPU_COUNT(&set);
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? (size_t)online : 1;
}

static size_t owner(const replay_t *rp, size_t event) { return rp->events[event].thread % rp->workers; }

/* Tells the CPU that this thread spins: it yields the core's resources and reads the turn less eagerly. */
static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Wakes worker `w` when it sleeps; a system call only then. */
static void wake(replay_t *rp, size_t w)
{
  if (atomic_exchange(&rp->sleeping[w], false))
    sem_post(&rp->wake[w]);
}

/*
 * Waits until `event` has the turn; false when the replay is abandoned. With a CPU for
 * every worker, all of them spin. Otherwise only the worker whose event is next after
 * the one playing spins (it was woken ahead, see worker_main) and any other sleeps, so
 * that the spinning never takes the CPU from the thread that plays.
 */
static bool wait_turn(replay_t *rp, size_t self, size_t event)
{
  for (unsigned spins = 0;; spins++) {
    size_t next = atomic_load_explicit(&rp->next, memory_order_acquire);
    if (next == event)
      return true;
    if (atomic_load_explicit(&rp->abandon, memory_order_relaxed))
      return false;
    if (next + 1 == event || rp->spin_all) {
      /* Pausing helps only a spinner with a CPU of its own; the other must give the CPU back soon. */
      if (spins > SPINS_BEFORE_YIELD)
        sched_yield();
      else if (rp->spin_all)
        relax();
      continue;
    }
    atomic_store(&rp->sleeping[self], true);
    next = atomic_load(&rp->next);
    bool near = next == event || next + 1 == event;
    /* Near: take the flag back; if a waker took it first, its post must be consumed. */
    if (!near || !atomic_exchange(&rp->sleeping[self], false))
      while (sem_wait(&rp->wake[self]) != 0 && errno == EINTR)
        ;
    spins = 0;
  }
}

/*
 * A worker: waits for each of its events' turn in the log's order, plays it, and hands
 * the turn on. Before playing it wakes the worker of the following event (none sleeps
 * when all spin), so that the wake-up overlaps the play and the handoff itself is one
 * store that a spinning thread sees. Only the workers of adjacent events meet: no lock
 * that every thread queues on.
 */
static void *worker_main(void *arg)
{
  worker_t *w = arg;
  replay_t *rp = w->rp;
  for (size_t i = rp->first[w->index]; i < rp->count; i = rp->following[i]) {
    if (!wait_turn(rp, w->index, i))
      return NULL;
    if (!rp->spin_all && i + 1 < rp->count && owner(rp, i + 1) != w->index)
      wake(rp, owner(rp, i + 1));
    run_event(rp, i);
    atomic_store(&rp->next, i + 1); /* seq_cst: ordered against the sleeping flags */
  }
  return NULL;
}

/* Chains each worker's events, so that a worker walks only its own. */
static bool chain_events(replay_t *rp)
{
  free(rp->first);
  rp->first = malloc(rp->workers * sizeof *rp->first);
  size_t *last = malloc(rp->workers * sizeof *last);
  bool ok = rp->first != NULL && rp->following != NULL && last != NULL;
  for (size_t t = 0; ok && t < rp->workers; t++)
    rp->first[t] = last[t] = rp->count;
  for (size_t i = 0; ok && i < rp->count; i++) {
    size_t t = owner(rp, i);
    rp->following[i] = rp->count;
    if (last[t] == rp->count)
      rp->first[t] = i;
    else
      rp->following[last[t]] = i;
    last[t] = i;
  }
  free(last);
  return ok;
}

/*
 * Starts rp->workers workers and plays the log on them. When a thread cannot be
 * started, the ones started leave without playing and *started says how many did, so
 * that the caller can try again with fewer.
 */
static bool play_on_workers(replay_t *rp, worker_t *workers, size_t *started)
{
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, WORKER_STACK);
  atomic_store(&rp->next, SIZE_MAX);
  rp->spin_all = rp->workers <= usable_cpus();
  atomic_store(&rp->abandon, false);
  size_t inited = 0;
  bool ok = chain_events(rp);
  while (ok && inited < rp->workers) {
    ok = sem_init(&rp->wake[inited], 0, 0) == 0;
    if (ok)
      atomic_init(&rp->sleeping[inited++], false);
  }
  for (*started = 0; ok && *started < rp->workers; ++*started) {
    workers[*started] = (worker_t){.rp = rp, .index = *started};
    ok = pthread_create(&workers[*started].handle, &attr, worker_main, &workers[*started]) == 0;
    if (!ok)
      break;
  }
  pthread_attr_destroy(&attr);
  if (ok && rp->count > 0) {
    atomic_store_explicit(&rp->next, 0, memory_order_release);
    wake(rp, owner(rp, 0));
  } else if (!ok) {
    atomic_store(&rp->abandon, true);
    for (size_t t = 0; t < *started; t++)
      sem_post(&rp->wake[t]);
  }
  for (size_t t = 0; t < *started; t++)
    pthread_join(workers[t].handle, NULL);
  for (size_t t = 0; t < inited; t++)
    sem_destroy(&rp->wake[t]);
  return ok;
}

/*
 * Plays the log with one worker per log thread. Where the system will not start that
 * many threads (tens of thousands of thread ids, a low ulimit -v), log threads share
 * fewer workers, halving until they start; one means the caller plays on its own thread.
 * Returns the number of workers used, 0 when out of memory.
 */
static size_t run_threads(replay_t *rp)
{
  size_t wanted = rp->thread_count < MAX_WORKERS ? rp->thread_count : MAX_WORKERS;
  worker_t *workers = calloc(wanted, sizeof *workers);
  rp->wake = calloc(wanted, sizeof *rp->wake);
  rp->sleeping = calloc(wanted, sizeof *rp->sleeping);
  rp->following = malloc(rp->count * sizeof *rp->following);
  size_t used = 0;
  for (rp->workers = wanted; used == 0 && rp->workers > 1 && workers != NULL && rp->wake != NULL && rp->sleeping != NULL;) {
    size_t started = 0;
    if (play_on_workers(rp, workers, &started)) {
      used = rp->workers;
      break;
    }
    if (rp->following == NULL || rp->first == NULL)
      break;
    size_t fewer = started / 2 > 1 ? started / 2 : 1;
    fprintf(stderr, "%s: could start only %zu of %zu threads; sharing the log's %zu threads among %zu\n", program,
            started, rp->workers, rp->thread_count, fewer);
    rp->workers = fewer;
  }
  if (used == 0 && rp->workers <= 1 && workers != NULL && rp->wake != NULL && rp->following != NULL) {
    for (size_t i = 0; i < rp->count; i++)
      run_event(rp, i);
    used = 1;
  }
  free(rp->wake);
  free((void *)rp->sleeping);
  free(rp->first);
  free(rp->following);
  free(workers);
  if (used == 0)
    fprintf(stderr, "%s: out of memory for %zu threads\n", program, rp->thread_count);
  return used;
}

/* Frees what the log never freed; returns the count and bytes. */
static void free_leftovers(replay_t *rp, size_t *count, size_t *bytes)
{
  *count = *bytes = 0;
  for (size_t i = 0; i < rp->live.capacity; i++) {
    live_t *entry = &rp->live.slots[i];
    if (entry->key == 0 || entry->failed)
      continue;
    rmm_deallocate(rp->mr, entry->ptr, entry->size, NULL);
    (*count)++;
    *bytes += entry->size;
  }
}

/* The first resource from the top whose stats know free blocks, and the bottom of the stack. */
static void find_layers(rmm_resource_t *top, rmm_resource_t **suballoc, rmm_resource_t **leaf)
{
  *suballoc = NULL;
  for (rmm_resource_t *mr = top; mr != NULL; mr = rmm_resource_upstream(mr)) {
    rmm_resource_stats_t stats = {.struct_size = sizeof stats};
    if (*suballoc == NULL && rmm_resource_get_stats(mr, &stats) == RMM_SUCCESS && (stats.flags & RMM_STATS_FREE))
      *suballoc = mr;
    *leaf = mr;
  }
}

static void report(const replay_t *rp, const char *spec, const char *simulate, rmm_resource_t *leaf,
                   const char *mode, double seconds, size_t leaked, size_t leaked_bytes)
{
  char a[32], b[32];
  printf("log:                   %s\n", rp->file);
  if (simulate != NULL)
    printf("resource:              %s (leaves simulated, %s)\n", spec, simulate);
  else
    printf("resource:              %s\n", spec);
  printf("events:                %zu\n", rp->count);
  printf("threads:               %zu in the log, replayed %s\n", rp->thread_count, mode);
  printf("allocations:           %zu\n", rp->allocations);
  printf("failures:              %zu\n", rp->failures);
  printf("logged failures:       %zu (skipped)\n", rp->skipped_failures);
  printf("frees:                 %zu\n", rp->frees);
  if (rp->unmatched_frees > 0)
    printf("unmatched frees:       %zu\n", rp->unmatched_frees);
  if (rp->replaced_streams > 0)
    printf("streams replaced:      %zu (by the default stream)\n", rp->replaced_streams);
  printf("peak bytes in use:     %zu (%s)\n", rp->peak_in_use, human(rp->peak_in_use, a));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  if (rmm_resource_get_stats(leaf, &stats) == RMM_SUCCESS && (stats.flags & RMM_STATS_IN_USE))
    printf("peak footprint:        %zu (%s, from %s)\n", stats.peak_bytes_in_use, human(stats.peak_bytes_in_use, b),
           rmm_resource_name(leaf));
  else
    printf("peak footprint:        unknown (%s does not count its bytes)\n", rmm_resource_name(leaf));
  if (rp->fragmentation_known)
    printf("fragmentation at peak: %.2f%% (%s)\n", 100.0 * rp->fragmentation, rmm_resource_name(rp->suballoc));
  else
    printf("fragmentation at peak: unknown (no sub-allocator in the stack)\n");
  printf("leaked by the log:     %zu allocations, %zu bytes (freed at the end)\n", leaked, leaked_bytes);
  printf("time:                  %.3f ms\n", seconds * 1e3);
}

static double now_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Builds the stack: under --simulate one simulated leaf stands for every leaf of the spec. */
static rmm_resource_t *build_stack(const char *spec, const char *simulate)
{
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  rmm_resource_t *sim = NULL;
  if (simulate != NULL) {
    size_t bytes = 0;
    const char *why = NULL;
    if (!parse_simulate_size(simulate, &bytes, &why)) {
      fprintf(stderr, "%s: bad --simulate size '%.32s%s': %s\n", program, simulate, strlen(simulate) > 32 ? "..." : "",
              why);
      return NULL;
    }
    if (rmm_simulated_create(bytes, &sim) != RMM_SUCCESS) {
      fprintf(stderr, "%s: %s\n", program, rmm_last_error_message());
      return NULL;
    }
    options.percent_base = bytes;
    options.leaf = sim;
  }
  rmm_resource_t *mr = NULL;
  rmm_status_t status = rmm_resource_from_spec_options(spec, &options, &mr);
  rmm_resource_release(sim);
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "%s: --resource: %s\n", program, rmm_last_error_message());
    return NULL;
  }
  return mr;
}

enum { OPTION_PLOT = 256, OPTION_SNAPSHOT };

/* Sets up --plot and --snapshot once the log is read; false when memory ran out. */
static bool prepare_pictures(replay_t *rp, const char *plot, const char *snapshot)
{
  rp->snapshot_path = snapshot;
  if (snapshot != NULL && !log_peak_event(rp, &rp->snapshot_at))
    return false;
  return plot == NULL || (rp->plot = rmm__plot_create(rp->count, 1000)) != NULL;
}

/* Writes the --plot picture; false when that failed. */
static bool finish_pictures(replay_t *rp, const char *plot, const char *spec)
{
  /* A log with no events has no peak to stop at: the snapshot shows the stack as built. */
  if (rp->snapshot_path != NULL && rp->count == 0)
    write_snapshot(rp);
  bool ok = !rp->snapshot_failed;
  if (rp->plot != NULL) {
    char title[512];
    snprintf(title, sizeof title, "rmm-replay: %s on %s", rp->file, spec);
    if (!rmm__plot_write(rp->plot, plot, title)) {
      fprintf(stderr, "%s: --plot: cannot write '%s'\n", program, plot);
      ok = false;
    }
  }
  rmm__plot_destroy(rp->plot);
  return ok;
}

int main(int argc, char **argv)
{
  static const struct option options[] = {
      {"resource", required_argument, NULL, 'r'}, {"simulate", required_argument, NULL, 's'},
      {"threads", required_argument, NULL, 't'},  {"progress", no_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},           {"plot", required_argument, NULL, OPTION_PLOT},
      {"snapshot", required_argument, NULL, OPTION_SNAPSHOT}, {NULL, 0, NULL, 0},
  };
  const char *spec = NULL, *simulate = NULL, *threads = "per-log", *plot = NULL, *snapshot = NULL;
  bool progress = isatty(STDERR_FILENO);
  int opt;
  while ((opt = getopt_long(argc, argv, "r:s:t:ph", options, NULL)) != -1) {
    switch (opt) {
    case 'r':
      spec = optarg;
      break;
    case 's':
      simulate = optarg;
      break;
    case 't':
      threads = optarg;
      break;
    case 'p':
      progress = true;
      break;
    case OPTION_PLOT:
      plot = optarg;
      break;
    case OPTION_SNAPSHOT:
      snapshot = optarg;
      break;
    case 'h':
      usage(stdout);
      return EXIT_SUCCESS;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (spec == NULL || optind != argc - 1 || (strcmp(threads, "per-log") != 0 && strcmp(threads, "1") != 0)) {
    if (spec == NULL)
      fprintf(stderr, "%s: --resource is required\n", program);
    else if (optind != argc - 1)
      fprintf(stderr, "%s: expected one log file\n", program);
    else
      fprintf(stderr, "%s: --threads is per-log or 1, not '%s'\n", program, threads);
    usage(stderr);
    return 2;
  }

  replay_t rp = {.file = argv[optind], .progress = progress, .fake_streams = simulate != NULL};
  int status = EXIT_FAILURE;
  rmm_resource_t *leaf = NULL;
  if (read_log(&rp) && (rp.mr = build_stack(spec, simulate)) != NULL) {
    find_layers(rp.mr, &rp.suballoc, &leaf);
    rp.leaf = leaf;
    if (!prepare_pictures(&rp, plot, snapshot)) {
      fprintf(stderr, "%s: out of memory for --plot or --snapshot\n", program);
      exit(EXIT_FAILURE);
    }
    bool per_log = strcmp(threads, "per-log") == 0 && rp.thread_count > 1;
    double start = now_seconds();
    size_t used = 1;
    if (per_log)
      used = run_threads(&rp);
    else
      for (size_t i = 0; i < rp.count; i++)
        run_event(&rp, i);
    size_t leaked, leaked_bytes;
    free_leftovers(&rp, &leaked, &leaked_bytes);
    double seconds = now_seconds() - start;
    if (used > 0) {
      char mode[64] = "on one thread";
      if (per_log && used == rp.thread_count)
        snprintf(mode, sizeof mode, "on one thread each");
      else if (per_log && used > 1)
        snprintf(mode, sizeof mode, "on %zu threads, shared", used);
      report(&rp, spec, simulate, leaf, mode, seconds, leaked, leaked_bytes);
      status = rp.free_errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    if (!finish_pictures(&rp, plot, spec))
      status = EXIT_FAILURE;
    rmm_resource_release(rp.mr);
  }
  free(rp.live.slots);
  free(rp.events);
  return status;
}
