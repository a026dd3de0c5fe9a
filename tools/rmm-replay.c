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
#include <stdalign.h>
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

/* A logged pointer's allocation in the prepass that pairs every free with its allocation. */
typedef struct live {
  uint64_t key; /* 0: empty slot */
  size_t slot;  /* the allocation's result slot */
  size_t size;
} live_t;

/* Open addressing with linear probing and backward-shift deletion (no tombstones). */
typedef struct live_map {
  live_t *slots;
  size_t capacity; /* a power of two */
  size_t count;
} live_map_t;

enum { NO_SLOT = SIZE_MAX };

/*
 * What the prepass worked out for one event, so that playback looks nothing up.
 * Allocate: `slot` receives its result; `evict` is the slot of an allocation of the same
 * logged pointer that is still live (the log lost its free), or NO_SLOT. Free: `slot`
 * holds the result of the allocation it frees, or NO_SLOT when none is live.
 */
typedef struct plan {
  size_t slot;
  size_t evict;
} plan_t;

/*
 * What a replayed allocation returned; `live` until it is freed (never, when it failed).
 * `played` is set, with release order, once the other fields are: a concurrent replay's
 * free waits for it. Each log thread's slots lie together, so workers write apart.
 */
typedef struct result {
  void *ptr;
  size_t size;
  bool live;
  atomic_bool played;
} result_t;

/* What one worker counted; summed after playback. */
typedef struct tally {
  size_t allocations, failures, frees, skipped_failures, unmatched_frees, free_errors, replaced_streams;
} tally_t;

/* The log order's running bytes in use: they travel with the turn from worker to worker. */
typedef struct ledger {
  size_t in_use, peak_in_use;
} ledger_t;

/*
 * A worker's mailbox, on cache lines of its own: the turn handed to it, with the ledger
 * written just before. A handoff moves this one line between two cores, and a spinning
 * worker reads only its own.
 */
typedef struct mailbox {
  alignas(64) atomic_size_t turn; /* the event it may play; SIZE_MAX: none yet */
  ledger_t ledger;
  atomic_bool sleeping; /* it sleeps on `wake`, or is about to */
  sem_t wake;
} mailbox_t;

typedef struct replay {
  const char *file;
  rmm_resource_t *mr;
  rmm_resource_t *suballoc; /* the first resource from the top that knows its free blocks; may be NULL */
  bool fake_streams;        /* streams are handles only (simulated leaf): use the logged ones */
  rmm_replay_event_t *events;
  size_t count;
  size_t thread_count;
  plan_t *plans;      /* per event */
  result_t *results;  /* per allocation */
  size_t result_count;
  /* results */
  tally_t tally;
  ledger_t ledger;
  size_t log_peak; /* the log's own peak of bytes in use, from the prepass */
  bool fragmentation_known;
  double fragmentation;
  /* playback in the log's order across threads: log thread t plays on worker t % workers */
  size_t workers;
  size_t *first;        /* per worker: its first event, or count */
  size_t *following;    /* per event: the next event of its worker, or count */
  mailbox_t *mailboxes; /* per worker */
  atomic_size_t playing; /* when workers sleep: the event handed over last */
  atomic_bool abandon;  /* not every worker could start: the others leave without playing */
  bool concurrent;      /* --threads concurrent: each worker plays its events as they come */
  atomic_bool go;       /* concurrent: every worker started */
  bool spin_all;        /* a CPU for every worker: all spin, none sleeps, a handoff is one store */
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
          "usage: %s --resource SPEC [--simulate SIZE] [--threads per-log|concurrent|1] [--progress]\n"
          "       [--plot FILE] [--snapshot FILE] LOG.csv\n"
          "Replays an allocation log (Thread,Time,Action,Pointer,Size,Stream) against a resource spec.\n"
          "  -r, --resource SPEC   the resource stack, e.g. 'pool(cuda, 50%%)' (see rmm_resource_from_spec(3))\n"
          "  -s, --simulate SIZE   every leaf of the spec is one simulated resource of SIZE bytes,\n"
          "                        and percentages are of SIZE (no GPU needed)\n"
          "  -t, --threads MODE    per-log: one thread per thread id of the log, taking turns in the log's\n"
          "                        order (default); concurrent: one thread per thread id, each playing its\n"
          "                        rows as they come, a free waiting only for its allocation; 1: one thread\n"
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

/* ---- the prepass: every free paired with its allocation ---- */

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

/* Whether event `e` allocates a pointer that playback must remember. */
static bool tracked_allocation(const rmm_replay_event_t *e)
{
  return e->action == RMM_REPLAY_ALLOCATE && e->pointer != 0;
}

/*
 * Numbers the result slots: each log thread's allocations in a run of their own, so
 * that workers store their results on cache lines of their own.
 */
static bool number_slots(replay_t *rp)
{
  size_t *next = calloc(rp->thread_count + 1, sizeof *next);
  if (next == NULL)
    return false;
  for (size_t i = 0; i < rp->count; i++)
    if (tracked_allocation(&rp->events[i]))
      next[rp->events[i].thread + 1]++;
  for (size_t t = 0; t < rp->thread_count; t++)
    next[t + 1] += next[t];
  rp->result_count = next[rp->thread_count];
  for (size_t i = 0; i < rp->count; i++) {
    rp->plans[i] = (plan_t){NO_SLOT, NO_SLOT};
    if (tracked_allocation(&rp->events[i]))
      rp->plans[i].slot = next[rp->events[i].thread]++;
  }
  free(next);
  return true;
}

/*
 * Pairs every free with the allocation of its logged pointer, and finds the event
 * after which the log itself has the most bytes live (failures ignored).
 */
static bool pair_events(replay_t *rp, live_map_t *map)
{
  size_t in_use = 0, peak = 0;
  rp->snapshot_at = rp->count > 0 ? rp->count - 1 : 0;
  for (size_t i = 0; i < rp->count; i++) {
    const rmm_replay_event_t *e = &rp->events[i];
    plan_t *plan = &rp->plans[i];
    if (e->pointer == 0 || e->action == RMM_REPLAY_FAILURE)
      continue;
    if (2 * (map->count + 1) > map->capacity && !live_grow(map))
      return false;
    size_t slot = live_find(map, e->pointer);
    if (map->slots[slot].key != 0) {
      *(e->action == RMM_REPLAY_ALLOCATE ? &plan->evict : &plan->slot) = map->slots[slot].slot;
      in_use -= map->slots[slot].size;
      live_remove(map, slot);
    }
    if (e->action == RMM_REPLAY_ALLOCATE) {
      slot = live_find(map, e->pointer);
      map->slots[slot] = (live_t){.key = e->pointer, .slot = plan->slot, .size = e->size};
      map->count++;
      in_use += e->size;
    }
    if (in_use > peak) {
      peak = in_use;
      rp->snapshot_at = i;
    }
  }
  rp->log_peak = peak;
  return true;
}

/* Plans the playback; false when out of memory. */
static bool plan_events(replay_t *rp)
{
  rp->plans = malloc((rp->count ? rp->count : 1) * sizeof *rp->plans);
  if (rp->plans == NULL || !number_slots(rp))
    return false;
  rp->results = calloc(rp->result_count ? rp->result_count : 1, sizeof *rp->results);
  live_map_t map = {0};
  bool ok = rp->results != NULL && pair_events(rp, &map);
  free(map.slots);
  return ok;
}

/* ---- playback ---- */

static rmm_stream_t stream_of(replay_t *rp, uintptr_t logged, tally_t *tally)
{
  if (logged == 0 || rp->fake_streams || logged == (uintptr_t)RMM_STREAM_LEGACY ||
      logged == (uintptr_t)RMM_STREAM_PER_THREAD)
    return (rmm_stream_t)logged;
  /* The log's streams no longer exist: on a real device their work goes to the default stream. */
  tally->replaced_streams++;
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

/* Tells the CPU that this thread spins: it yields the core's resources and reads what it waits for less eagerly. */
static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Spins of a waiting worker before it yields the CPU on each further spin. */
enum { SPINS_BEFORE_YIELD = 1000 };

/* One round of a wait that has a CPU to spin on: pause, and past patience give the CPU up. */
static void spin(unsigned spins)
{
  if (spins > SPINS_BEFORE_YIELD)
    sched_yield();
  else
    relax();
}

/*
 * In a concurrent replay, waits until the allocation behind `entry` was replayed. That
 * allocation comes earlier in the log than the row waiting for it, and every worker
 * plays its rows in the log's order, so the earliest row not yet played can always go
 * on: the wait ends.
 */
static void await_played(const replay_t *rp, result_t *entry)
{
  if (!rp->concurrent)
    return;
  for (unsigned spins = 0; !atomic_load_explicit(&entry->played, memory_order_acquire); spins++)
    spin(spins);
}

/* Frees a result that the log lost the free of. `ledger` is NULL in a concurrent replay. */
static void evict(replay_t *rp, result_t *old, tally_t *tally, ledger_t *ledger)
{
  await_played(rp, old);
  if (old->live) {
    rmm_deallocate(rp->mr, old->ptr, old->size, NULL);
    if (ledger != NULL)
      ledger->in_use -= old->size;
  }
  old->live = false;
  tally->unmatched_frees++;
}

static void replay_allocate(replay_t *rp, const rmm_replay_event_t *e, const plan_t *plan, tally_t *tally,
                            ledger_t *ledger)
{
  void *ptr = NULL;
  rmm_status_t status = rmm_allocate(rp->mr, &ptr, e->size, stream_of(rp, e->stream, tally));
  if (status == RMM_SUCCESS) {
    tally->allocations++;
    if (ledger != NULL) {
      ledger->in_use += e->size;
      if (ledger->in_use > ledger->peak_in_use) {
        ledger->peak_in_use = ledger->in_use;
        sample_fragmentation(rp);
      }
    }
  } else {
    tally->failures++;
  }
  if (plan->evict != NO_SLOT)
    evict(rp, &rp->results[plan->evict], tally, ledger);
  if (plan->slot != NO_SLOT) {
    result_t *result = &rp->results[plan->slot];
    result->ptr = ptr;
    result->size = e->size;
    result->live = status == RMM_SUCCESS;
    atomic_store_explicit(&result->played, true, memory_order_release);
  }
}

static void replay_free(replay_t *rp, const rmm_replay_event_t *e, const plan_t *plan, tally_t *tally,
                        ledger_t *ledger)
{
  if (e->pointer == 0)
    return;
  if (plan->slot == NO_SLOT) {
    tally->unmatched_frees++;
    return;
  }
  result_t *entry = &rp->results[plan->slot];
  await_played(rp, entry);
  bool live = entry->live;
  entry->live = false;
  if (!live)
    return;
  rmm_status_t status = rmm_deallocate(rp->mr, entry->ptr, entry->size, stream_of(rp, e->stream, tally));
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "%s: %s:%" PRIu32 ": free failed: %s\n", program, rp->file, e->line, rmm_last_error_message());
    tally->free_errors++;
    return;
  }
  tally->frees++;
  if (ledger != NULL)
    ledger->in_use -= entry->size;
}

static void show_progress(const replay_t *rp, size_t done)
{
  if (rp->progress && (done % PROGRESS_EVERY == 0 || done == rp->count))
    fprintf(stderr, "\r%s: %zu/%zu events (%.0f%%)%s", program, done, rp->count,
            rp->count ? 100.0 * (double)done / (double)rp->count : 100.0, done == rp->count ? "\n" : "");
}

/* A point of the --plot picture after event `index`. */
static void sample_plot(replay_t *rp, size_t index, size_t in_use)
{
  rmm_resource_stats_t leaf = {.struct_size = sizeof leaf};
  size_t footprint = rmm_resource_get_stats(rp->leaf, &leaf) == RMM_SUCCESS ? leaf.bytes_in_use : 0;
  double fragmentation;
  if (!fragmentation_of(rp, &fragmentation))
    fragmentation = -1;
  rmm__plot_sample(rp->plot, index, in_use, footprint, fragmentation);
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
static void observe(replay_t *rp, size_t index, size_t in_use)
{
  if (rp->plot != NULL && rmm__plot_due(rp->plot, index))
    sample_plot(rp, index, in_use);
  if (rp->snapshot_path != NULL && index == rp->snapshot_at)
    write_snapshot(rp);
}

/* Plays one row of the log. `ledger` is NULL in a concurrent replay, where rows have no single order. */
static void play_event(replay_t *rp, size_t index, tally_t *tally, ledger_t *ledger)
{
  const rmm_replay_event_t *e = &rp->events[index];
  const plan_t *plan = &rp->plans[index];
  if (e->action == RMM_REPLAY_ALLOCATE)
    replay_allocate(rp, e, plan, tally, ledger);
  else if (e->action == RMM_REPLAY_FREE)
    replay_free(rp, e, plan, tally, ledger);
  else
    tally->skipped_failures++;
}

/* Plays one row in the log's order, and what --plot, --snapshot and --progress look at after it. */
static void run_event(replay_t *rp, size_t index, tally_t *tally, ledger_t *ledger)
{
  play_event(rp, index, tally, ledger);
  observe(rp, index, ledger->in_use);
  show_progress(rp, index + 1);
}

static void add_tally(tally_t *sum, const tally_t *part)
{
  sum->allocations += part->allocations;
  sum->failures += part->failures;
  sum->frees += part->frees;
  sum->skipped_failures += part->skipped_failures;
  sum->unmatched_frees += part->unmatched_frees;
  sum->free_errors += part->free_errors;
  sum->replaced_streams += part->replaced_streams;
}

typedef struct worker {
  alignas(64) tally_t tally; /* written at every event: a cache line of its own */
  replay_t *rp;
  size_t index;
  pthread_t handle;
} worker_t;

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

/* Wakes the worker of `box` when it sleeps; a system call only then. */
static void wake(mailbox_t *box)
{
  if (atomic_exchange(&box->sleeping, false))
    sem_post(&box->wake);
}

/*
 * Waits until `event` is handed to `box`; false when the replay is abandoned. With a
 * CPU for every worker, all of them spin. Otherwise only the worker whose event is
 * next after the one playing spins (it was woken ahead, see worker_main) and any other
 * sleeps, so that the spinning never takes the CPU from the thread that plays.
 */
static bool wait_turn(replay_t *rp, mailbox_t *box, size_t event)
{
  for (unsigned spins = 0;; spins++) {
    if (atomic_load_explicit(&box->turn, memory_order_acquire) == event)
      return true;
    if (atomic_load_explicit(&rp->abandon, memory_order_relaxed))
      return false;
    if (rp->spin_all || atomic_load_explicit(&rp->playing, memory_order_relaxed) + 1 == event) {
      /* Pausing helps only a spinner with a CPU of its own; the other must give the CPU back soon. */
      if (spins > SPINS_BEFORE_YIELD)
        sched_yield();
      else if (rp->spin_all)
        relax();
      continue;
    }
    atomic_store(&box->sleeping, true);
    size_t playing = atomic_load(&rp->playing);
    bool near = playing == event || playing + 1 == event;
    /* Near: take the flag back; if a waker took it first, its post must be consumed. */
    if (!near || !atomic_exchange(&box->sleeping, false))
      while (sem_wait(&box->wake) != 0 && errno == EINTR)
        ;
    spins = 0;
  }
}

/*
 * Hands event `event` to its worker with the ledger. When workers sleep, the event is
 * published in rp->playing first, for the sleepers' near test (wait_turn): whoever sees
 * the turn then sees it there too, so a wake-ahead cannot miss a worker going to sleep.
 */
static void hand_over(replay_t *rp, size_t event, const ledger_t *ledger)
{
  mailbox_t *box = &rp->mailboxes[owner(rp, event)];
  box->ledger = *ledger;
  if (!rp->spin_all)
    atomic_store(&rp->playing, event); /* seq_cst: ordered against the sleeping flags */
  atomic_store_explicit(&box->turn, event, memory_order_release);
}

/*
 * A worker: waits for each of its events' turn in the log's order, plays it, and hands
 * the turn to the worker of the next event through that worker's mailbox. Before
 * playing it wakes that worker when workers sleep, so that the wake-up overlaps the
 * play. Only the workers of adjacent events meet: no lock or line that every thread
 * queues on.
 */
static void *worker_main(void *arg)
{
  worker_t *w = arg;
  replay_t *rp = w->rp;
  mailbox_t *box = &rp->mailboxes[w->index];
  for (size_t i = rp->first[w->index]; i < rp->count; i = rp->following[i]) {
    if (!wait_turn(rp, box, i))
      return NULL;
    ledger_t ledger = box->ledger;
    if (!rp->spin_all && i + 1 < rp->count && owner(rp, i + 1) != w->index)
      wake(&rp->mailboxes[owner(rp, i + 1)]);
    run_event(rp, i, &w->tally, &ledger);
    if (i + 1 < rp->count)
      hand_over(rp, i + 1, &ledger);
    else
      rp->ledger = ledger;
  }
  return NULL;
}

/*
 * A worker of a concurrent replay: once every worker has started, plays its events in
 * the log's order as fast as it can; only a free waits, for the allocation it frees.
 */
static void *concurrent_worker_main(void *arg)
{
  worker_t *w = arg;
  replay_t *rp = w->rp;
  for (unsigned spins = 0; !atomic_load_explicit(&rp->go, memory_order_acquire); spins++) {
    if (atomic_load_explicit(&rp->abandon, memory_order_relaxed))
      return NULL;
    spin(spins);
  }
  for (size_t i = rp->first[w->index]; i < rp->count; i = rp->following[i])
    play_event(rp, i, &w->tally, NULL);
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
  rp->spin_all = rp->workers <= usable_cpus();
  atomic_store(&rp->playing, SIZE_MAX);
  atomic_store(&rp->abandon, false);
  atomic_store(&rp->go, false);
  size_t inited = 0;
  bool ok = chain_events(rp);
  while (ok && inited < rp->workers) {
    mailbox_t *box = &rp->mailboxes[inited];
    ok = sem_init(&box->wake, 0, 0) == 0;
    if (ok) {
      atomic_init(&box->turn, SIZE_MAX);
      atomic_init(&box->sleeping, false);
      inited++;
    }
  }
  for (*started = 0; ok && *started < rp->workers; ++*started) {
    workers[*started] = (worker_t){.rp = rp, .index = *started};
    ok = pthread_create(&workers[*started].handle, &attr, rp->concurrent ? concurrent_worker_main : worker_main,
                        &workers[*started]) == 0;
    if (!ok)
      break;
  }
  pthread_attr_destroy(&attr);
  if (ok && rp->concurrent) {
    atomic_store_explicit(&rp->go, true, memory_order_release);
  } else if (ok && rp->count > 0) {
    ledger_t start = {0, 0};
    hand_over(rp, 0, &start);
    wake(&rp->mailboxes[owner(rp, 0)]);
  } else if (!ok) {
    atomic_store(&rp->abandon, true);
    for (size_t t = 0; t < *started; t++)
      sem_post(&rp->mailboxes[t].wake);
  }
  for (size_t t = 0; t < *started; t++) {
    pthread_join(workers[t].handle, NULL);
    if (ok)
      add_tally(&rp->tally, &workers[t].tally);
  }
  for (size_t t = 0; t < inited; t++)
    sem_destroy(&rp->mailboxes[t].wake);
  return ok;
}

/* Plays the whole log on the calling thread. */
static void play_alone(replay_t *rp)
{
  for (size_t i = 0; i < rp->count; i++)
    run_event(rp, i, &rp->tally, &rp->ledger);
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
  worker_t *workers = aligned_alloc(alignof(worker_t), wanted * sizeof *workers);
  rp->mailboxes = aligned_alloc(alignof(mailbox_t), wanted * sizeof *rp->mailboxes);
  rp->following = malloc(rp->count * sizeof *rp->following);
  size_t used = 0;
  for (rp->workers = wanted; used == 0 && rp->workers > 1 && workers != NULL && rp->mailboxes != NULL;) {
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
  if (used == 0 && rp->workers <= 1 && workers != NULL && rp->mailboxes != NULL && rp->following != NULL) {
    play_alone(rp);
    used = 1;
  }
  free(rp->mailboxes);
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
  for (size_t i = 0; i < rp->result_count; i++) {
    result_t *entry = &rp->results[i];
    if (!entry->live)
      continue;
    rmm_deallocate(rp->mr, entry->ptr, entry->size, NULL);
    entry->live = false;
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
  printf("allocations:           %zu\n", rp->tally.allocations);
  printf("failures:              %zu\n", rp->tally.failures);
  printf("logged failures:       %zu (skipped)\n", rp->tally.skipped_failures);
  printf("frees:                 %zu\n", rp->tally.frees);
  if (rp->tally.unmatched_frees > 0)
    printf("unmatched frees:       %zu\n", rp->tally.unmatched_frees);
  if (rp->tally.replaced_streams > 0)
    printf("streams replaced:      %zu (by the default stream)\n", rp->tally.replaced_streams);
  /* Rows replayed concurrently have no single order to count in: the log's own peak stands. */
  if (rp->concurrent)
    printf("peak bytes in use:     %zu (%s, the log's: rows were replayed concurrently)\n", rp->log_peak,
           human(rp->log_peak, a));
  else
    printf("peak bytes in use:     %zu (%s)\n", rp->ledger.peak_in_use, human(rp->ledger.peak_in_use, a));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  if (rmm_resource_get_stats(leaf, &stats) == RMM_SUCCESS && (stats.flags & RMM_STATS_IN_USE))
    printf("peak footprint:        %zu (%s, from %s)\n", stats.peak_bytes_in_use, human(stats.peak_bytes_in_use, b),
           rmm_resource_name(leaf));
  else
    printf("peak footprint:        unknown (%s does not count its bytes)\n", rmm_resource_name(leaf));
  if (rp->fragmentation_known)
    printf("fragmentation at peak: %.2f%% (%s)\n", 100.0 * rp->fragmentation, rmm_resource_name(rp->suballoc));
  else if (rp->concurrent && rp->suballoc != NULL)
    printf("fragmentation at peak: not sampled (rows were replayed concurrently)\n");
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
  bool concurrent = strcmp(threads, "concurrent") == 0;
  bool known_mode = concurrent || strcmp(threads, "per-log") == 0 || strcmp(threads, "1") == 0;
  bool ordered_pictures = !concurrent || (plot == NULL && snapshot == NULL);
  if (spec == NULL || optind != argc - 1 || !known_mode || !ordered_pictures) {
    if (spec == NULL)
      fprintf(stderr, "%s: --resource is required\n", program);
    else if (optind != argc - 1)
      fprintf(stderr, "%s: expected one log file\n", program);
    else if (!known_mode)
      fprintf(stderr, "%s: --threads is per-log, concurrent or 1, not '%.32s'\n", program, threads);
    else
      fprintf(stderr, "%s: --plot and --snapshot follow the log's order: use --threads per-log or 1\n", program);
    usage(stderr);
    return 2;
  }

  replay_t rp = {.file = argv[optind], .progress = progress, .fake_streams = simulate != NULL};
  int status = EXIT_FAILURE;
  rmm_resource_t *leaf = NULL;
  if (read_log(&rp) && (rp.mr = build_stack(spec, simulate)) != NULL) {
    find_layers(rp.mr, &rp.suballoc, &leaf);
    rp.leaf = leaf;
    if (!plan_events(&rp)) {
      fprintf(stderr, "%s: out of memory to pair the log's frees with its allocations\n", program);
      exit(EXIT_FAILURE);
    }
    if (!prepare_pictures(&rp, plot, snapshot)) {
      fprintf(stderr, "%s: out of memory for --plot or --snapshot\n", program);
      exit(EXIT_FAILURE);
    }
    bool threaded = strcmp(threads, "1") != 0 && rp.thread_count > 1;
    rp.concurrent = concurrent && threaded;
    double start = now_seconds();
    size_t used = 1;
    if (threaded)
      used = run_threads(&rp);
    else
      play_alone(&rp);
    /* Concurrent workers count no progress (a shared counter would be a line they all write): the last line only. */
    if (rp.concurrent && used > 0)
      show_progress(&rp, rp.count);
    size_t leaked, leaked_bytes;
    free_leftovers(&rp, &leaked, &leaked_bytes);
    double seconds = now_seconds() - start;
    if (used > 0) {
      char mode[64] = "on one thread";
      const char *how = rp.concurrent ? "concurrently, " : "";
      if (threaded && used == rp.thread_count)
        snprintf(mode, sizeof mode, "%son one thread each", how);
      else if (threaded && used > 1)
        snprintf(mode, sizeof mode, "%son %zu threads, shared", how, used);
      report(&rp, spec, simulate, leaf, mode, seconds, leaked, leaked_bytes);
      status = rp.tally.free_errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    if (!finish_pictures(&rp, plot, spec))
      status = EXIT_FAILURE;
    rmm_resource_release(rp.mr);
  }
  free(rp.plans);
  free(rp.results);
  free(rp.events);
  return status;
}
