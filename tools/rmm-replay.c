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
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <rmm/rmm.h>

#include "replay_plot.h"

enum { ACTION_ALLOCATE, ACTION_FREE, ACTION_FAILURE };

/* Rows between two progress lines. */
enum { PROGRESS_EVERY = 1 << 16 };

typedef struct event {
  uint64_t pointer; /* as logged; 0 for "(nil)" */
  size_t size;
  uintptr_t stream; /* as logged */
  uint32_t thread;  /* index into the log's distinct thread ids */
  uint32_t line;
  int action;
} event_t;

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
  event_t *events;
  size_t count;
  size_t thread_count;
  live_map_t live;
  /* results */
  size_t allocations, failures, frees, skipped_failures, unmatched_frees, free_errors, replaced_streams;
  size_t in_use, peak_in_use;
  bool fragmentation_known;
  double fragmentation;
  /* playback in the log's order across threads */
  pthread_mutex_t lock;
  pthread_cond_t *turn; /* one per log thread */
  size_t *first;        /* per log thread: its first event, or count */
  size_t *following;    /* per event: the next event of its thread, or count */
  size_t next;
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
          "usage: %s --resource SPEC [--simulate SIZE] [--threads per-log|1] [--progress] LOG.csv\n"
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

/* SIZE of --simulate: a whole number with an optional unit, as in a spec. */
static bool parse_simulate_size(const char *text, size_t *bytes)
{
  static const struct {
    const char *name;
    uint64_t factor;
  } units[] = {{"", 1},       {"B", 1},          {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
               {"TiB", 1ull << 40}, {"KB", 1000ull}, {"MB", 1000000ull}, {"GB", 1000000000ull}, {"TB", 1000000000000ull}};
  char *end;
  errno = 0;
  double value = strtod(text, &end);
  if (errno != 0 || end == text || value <= 0 || text[0] == '-' || text[0] == '+')
    return false;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcasecmp(end, units[i].name) != 0)
      continue;
    double total = value * (double)units[i].factor;
    if (total >= 18446744073709551616.0)
      return false;
    *bytes = (size_t)total;
    return *bytes > 0;
  }
  return false;
}

/* ---- the log ---- */

/* Splits `line` in place at commas; returns the number of fields, storing the first `max`. */
static size_t split_fields(char *line, char **fields, size_t max)
{
  size_t n = 0;
  char *cursor = line;
  for (;;) {
    char *comma = strchr(cursor, ',');
    if (n < max)
      fields[n] = cursor;
    n++;
    if (comma == NULL)
      return n;
    *comma = '\0';
    cursor = comma + 1;
  }
}

static void chomp(char *line)
{
  size_t n = strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
}

static bool parse_u64(const char *text, int base, uint64_t *out)
{
  if (text[0] == '\0' || text[0] == '-' || text[0] == '+' || text[0] == ' ')
    return false;
  errno = 0;
  char *end;
  unsigned long long value = strtoull(text, &end, base);
  if (errno != 0 || *end != '\0')
    return false;
  *out = value;
  return true;
}

/* The log's columns, by name: RMM's parser reads them by name, so their order may vary. */
enum { COL_THREAD, COL_ACTION, COL_POINTER, COL_SIZE, COL_STREAM, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"Thread", "Action", "Pointer", "Size", "Stream"};
enum { MAX_FIELDS = 16 };

typedef struct log_reader {
  const char *file;
  size_t field_count;
  size_t column[COL_COUNT];
  uint64_t *thread_ids; /* distinct, in order of first appearance */
  size_t thread_count, thread_capacity;
} log_reader_t;

static bool read_header(log_reader_t *r, char *line)
{
  char *fields[MAX_FIELDS];
  size_t n = split_fields(line, fields, MAX_FIELDS);
  if (n > MAX_FIELDS) {
    fprintf(stderr, "%s: %s:1: the header has %zu columns, expected Thread,Time,Action,Pointer,Size,Stream\n",
            program, r->file, n);
    return false;
  }
  r->field_count = n;
  for (size_t c = 0; c < COL_COUNT; c++) {
    size_t i = 0;
    while (i < n && strcmp(fields[i], column_names[c]) != 0)
      i++;
    if (i == n) {
      fprintf(stderr,
              "%s: %s:1: the header lacks the column '%s' (expected Thread,Time,Action,Pointer,Size,Stream)\n",
              program, r->file, column_names[c]);
      return false;
    }
    r->column[c] = i;
  }
  return true;
}

/* The index of a log thread id, adding it when new. */
static bool thread_index(log_reader_t *r, uint64_t id, uint32_t *index)
{
  for (size_t i = r->thread_count; i-- > 0;)
    if (r->thread_ids[i] == id)
      return *index = (uint32_t)i, true;
  if (r->thread_count == r->thread_capacity) {
    size_t capacity = r->thread_capacity ? 2 * r->thread_capacity : 16;
    uint64_t *grown = realloc(r->thread_ids, capacity * sizeof *grown);
    if (grown == NULL)
      return false;
    r->thread_ids = grown;
    r->thread_capacity = capacity;
  }
  r->thread_ids[r->thread_count] = id;
  *index = (uint32_t)r->thread_count++;
  return true;
}

/* Parses one data row; prints "FILE:LINE: ..." and returns false when it is not one. */
static bool parse_row(log_reader_t *r, char *line, size_t line_number, event_t *event)
{
  char *fields[MAX_FIELDS];
  size_t n = split_fields(line, fields, MAX_FIELDS);
  if (n != r->field_count) {
    fprintf(stderr, "%s: %s:%zu: %zu fields, the header has %zu\n", program, r->file, line_number, n,
            r->field_count);
    return false;
  }
  const char *thread = fields[r->column[COL_THREAD]];
  const char *action = fields[r->column[COL_ACTION]];
  const char *pointer = fields[r->column[COL_POINTER]];
  const char *size = fields[r->column[COL_SIZE]];
  const char *stream = fields[r->column[COL_STREAM]];
  uint64_t value = 0;
  const char *bad = NULL;

  *event = (event_t){.line = (uint32_t)line_number};
  if (strcmp(action, "allocate") == 0)
    event->action = ACTION_ALLOCATE;
  else if (strcmp(action, "free") == 0)
    event->action = ACTION_FREE;
  else if (strcmp(action, "allocate failure") == 0)
    event->action = ACTION_FAILURE;
  else
    bad = "action (allocate, free or allocate failure)";

  if (bad == NULL && !parse_u64(thread, 10, &value))
    bad = "thread id";
  if (bad == NULL && !thread_index(r, value, &event->thread)) {
    fprintf(stderr, "%s: out of memory\n", program);
    return false;
  }
  if (bad == NULL && strcmp(pointer, "(nil)") != 0 && !parse_u64(pointer, 16, &event->pointer))
    bad = "pointer";
  if (bad == NULL && !parse_u64(size, 10, &value))
    bad = "size";
  event->size = (size_t)value;
  /* RMM writes streams in hex, with or without 0x; 0 is the default stream. */
  if (bad == NULL && !parse_u64(stream, 16, &value))
    bad = "stream";
  event->stream = (uintptr_t)value;
  if (bad != NULL) {
    const char *shown = strcmp(bad, "thread id") == 0 ? thread
                        : strcmp(bad, "pointer") == 0 ? pointer
                        : strcmp(bad, "size") == 0    ? size
                        : strcmp(bad, "stream") == 0  ? stream
                                                      : action;
    fprintf(stderr, "%s: %s:%zu: bad %s '%s'\n", program, r->file, line_number, bad, shown);
    return false;
  }
  return true;
}

/* Reads the whole log into rp->events; false (with a message) on any bad line. */
static bool read_log(replay_t *rp)
{
  FILE *f = fopen(rp->file, "r");
  if (f == NULL) {
    fprintf(stderr, "%s: cannot open %s: %s\n", program, rp->file, strerror(errno));
    return false;
  }
  log_reader_t r = {.file = rp->file};
  char *line = NULL;
  size_t line_capacity = 0, line_number = 0, capacity = 0;
  bool ok = true, header = false;
  while (ok && getline(&line, &line_capacity, f) >= 0) {
    line_number++;
    chomp(line);
    if (line[0] == '\0')
      continue;
    if (!header) {
      ok = header = read_header(&r, line);
      continue;
    }
    if (rp->count == capacity) {
      capacity = capacity ? 2 * capacity : 1024;
      event_t *grown = realloc(rp->events, capacity * sizeof *grown);
      if (grown == NULL) {
        fprintf(stderr, "%s: out of memory reading %s\n", program, rp->file);
        ok = false;
        break;
      }
      rp->events = grown;
    }
    ok = parse_row(&r, line, line_number, &rp->events[rp->count]);
    if (ok)
      rp->count++;
  }
  if (ok && ferror(f)) {
    fprintf(stderr, "%s: cannot read %s: %s\n", program, rp->file, strerror(errno));
    ok = false;
  }
  if (ok && !header) {
    fprintf(stderr, "%s: %s: empty file, expected the header Thread,Time,Action,Pointer,Size,Stream\n", program,
            rp->file);
    ok = false;
  }
  free(line);
  free(r.thread_ids);
  fclose(f);
  rp->thread_count = r.thread_count;
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

/* At a new peak of bytes in use, how broken up the sub-allocator's free memory is. */
static void sample_fragmentation(replay_t *rp)
{
  if (rp->suballoc == NULL)
    return;
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  if (rmm_resource_get_stats(rp->suballoc, &stats) != RMM_SUCCESS || !(stats.flags & RMM_STATS_FREE))
    return;
  rp->fragmentation_known = true;
  rp->fragmentation =
      stats.free_bytes > 0 ? 1.0 - (double)stats.largest_free_block / (double)stats.free_bytes : 0.0;
}

static void replay_allocate(replay_t *rp, const event_t *e)
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

static void replay_free(replay_t *rp, const event_t *e)
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
  rmm_resource_stats_t leaf = {.struct_size = sizeof leaf}, sub = {.struct_size = sizeof sub};
  size_t footprint = rmm_resource_get_stats(rp->leaf, &leaf) == RMM_SUCCESS ? leaf.bytes_in_use : 0;
  double fragmentation = -1;
  if (rp->suballoc != NULL && rmm_resource_get_stats(rp->suballoc, &sub) == RMM_SUCCESS &&
      (sub.flags & RMM_STATS_FREE))
    fragmentation = sub.free_bytes > 0 ? 1.0 - (double)sub.largest_free_block / (double)sub.free_bytes : 0.0;
  rmm__plot_sample(rp->plot, index, rp->in_use, footprint, fragmentation);
}

/* What --plot and --snapshot look at after each event. */
static void observe(replay_t *rp, size_t index)
{
  if (rp->plot != NULL && rmm__plot_due(rp->plot, index))
    sample_plot(rp, index);
  if (rp->snapshot_path != NULL && index == rp->snapshot_at &&
      rmm_resource_snapshot_path(rp->mr, rp->snapshot_path, NULL) != RMM_SUCCESS) {
    fprintf(stderr, "%s: --snapshot: %s\n", program, rmm_last_error_message());
    rp->snapshot_failed = true;
  }
}

/* The event after which the log itself has the most bytes live (failures ignored). */
static bool log_peak_event(const replay_t *rp, size_t *peak_index)
{
  live_map_t map = {0};
  size_t in_use = 0, peak = 0;
  *peak_index = rp->count > 0 ? rp->count - 1 : 0;
  for (size_t i = 0; i < rp->count; i++) {
    const event_t *e = &rp->events[i];
    if (e->pointer == 0 || e->action == ACTION_FAILURE)
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
    if (e->action == ACTION_ALLOCATE) {
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
  const event_t *e = &rp->events[index];
  if (e->action == ACTION_ALLOCATE)
    replay_allocate(rp, e);
  else if (e->action == ACTION_FREE)
    replay_free(rp, e);
  else
    rp->skipped_failures++;
  observe(rp, index);
  show_progress(rp, index + 1);
}

typedef struct worker {
  replay_t *rp;
  uint32_t thread;
  pthread_t handle;
} worker_t;

/* A log thread: waits for each of its events' turn in the log's order, plays it, passes the turn on. */
static void *worker_main(void *arg)
{
  worker_t *w = arg;
  replay_t *rp = w->rp;
  pthread_mutex_lock(&rp->lock);
  for (size_t i = rp->first[w->thread]; i < rp->count; i = rp->following[i]) {
    while (rp->next != i)
      pthread_cond_wait(&rp->turn[w->thread], &rp->lock);
    run_event(rp, i);
    rp->next = i + 1;
    if (rp->next < rp->count)
      pthread_cond_signal(&rp->turn[rp->events[rp->next].thread]);
  }
  pthread_mutex_unlock(&rp->lock);
  return NULL;
}

/* Chains each thread's events, so that a thread walks only its own. */
static bool chain_events(replay_t *rp)
{
  rp->first = malloc(rp->thread_count * sizeof *rp->first);
  rp->following = malloc(rp->count * sizeof *rp->following);
  size_t *last = malloc(rp->thread_count * sizeof *last);
  bool ok = rp->first != NULL && rp->following != NULL && last != NULL;
  for (size_t t = 0; ok && t < rp->thread_count; t++)
    rp->first[t] = last[t] = rp->count;
  for (size_t i = 0; ok && i < rp->count; i++) {
    uint32_t t = rp->events[i].thread;
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

static bool run_threads(replay_t *rp)
{
  worker_t *workers = calloc(rp->thread_count, sizeof *workers);
  rp->turn = calloc(rp->thread_count, sizeof *rp->turn);
  bool ok = workers != NULL && rp->turn != NULL && chain_events(rp);
  size_t started = 0;
  for (size_t t = 0; ok && t < rp->thread_count; t++)
    pthread_cond_init(&rp->turn[t], NULL);
  for (size_t t = 0; ok && t < rp->thread_count; t++, started++) {
    workers[t] = (worker_t){.rp = rp, .thread = (uint32_t)t};
    ok = pthread_create(&workers[t].handle, NULL, worker_main, &workers[t]) == 0;
  }
  for (size_t t = 0; t < started; t++)
    pthread_join(workers[t].handle, NULL);
  if (!ok)
    fprintf(stderr, "%s: cannot start %zu threads\n", program, rp->thread_count);
  for (size_t t = 0; rp->turn != NULL && t < rp->thread_count; t++)
    pthread_cond_destroy(&rp->turn[t]);
  free(rp->turn);
  free(rp->first);
  free(rp->following);
  free(workers);
  return ok;
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
    if (!parse_simulate_size(simulate, &bytes)) {
      fprintf(stderr, "%s: bad --simulate size '%s' (a number with an optional unit: B, KiB, MiB, GiB, TiB, KB, "
                      "MB, GB, TB)\n",
              program, simulate);
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
  pthread_mutex_init(&rp.lock, NULL);
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
    bool ok = true;
    if (per_log)
      ok = run_threads(&rp);
    else
      for (size_t i = 0; i < rp.count; i++)
        run_event(&rp, i);
    size_t leaked, leaked_bytes;
    free_leftovers(&rp, &leaked, &leaked_bytes);
    double seconds = now_seconds() - start;
    if (ok) {
      report(&rp, spec, simulate, leaf, per_log ? "on one thread each" : "on one thread", seconds, leaked,
             leaked_bytes);
      status = rp.free_errors == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    }
    if (!finish_pictures(&rp, plot, spec))
      status = EXIT_FAILURE;
    rmm_resource_release(rp.mr);
  }
  pthread_mutex_destroy(&rp.lock);
  free(rp.live.slots);
  free(rp.events);
  return status;
}
