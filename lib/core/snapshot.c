/*
 * Memory snapshots (rmm_resource_snapshot) and out-of-memory reports. The stack is
 * walked first (each resource once), then each resource describes itself to a writer
 * of its own, and only then is JSON written: no lock of any resource is held while
 * the file is written or symbols are looked up.
 */
#include "config.h"

#include <execinfo.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rmm/snapshot.h>
#include <rmm/version.h>

#include "core/error.h"
#include "core/history.h"
#include "core/log.h"
#include "core/per_device.h"
#include "core/resource.h"
#include "core/snapshot.h"

/* ---- what a resource describes ---- */

typedef struct chunk {
  uintptr_t base;
  size_t size;
  int device;
} chunk_t;

typedef struct block {
  uintptr_t addr;
  size_t size;
  size_t requested;
  bool allocated;
  uintptr_t stream;
} block_t;

typedef struct allocation {
  uintptr_t addr;
  size_t size;
  uintptr_t stream;
  size_t first_frame; /* into the writer's frames */
  size_t frame_count;
} allocation_t;

typedef struct vec {
  void *items;
  size_t count;
  size_t capacity;
} vec_t;

struct rmm__snapshot {
  vec_t chunks;      /* chunk_t */
  vec_t blocks;      /* block_t */
  vec_t allocations; /* allocation_t */
  vec_t frames;      /* void * */
  bool failed;       /* host memory ran out: the description is incomplete */
  bool no_blocks;    /* RMM_SNAPSHOT_NO_BLOCKS: blocks are not collected */
};

/* Appends `count` items of `size` bytes; false when host memory runs out. */
static bool vec_append(vec_t *v, const void *items, size_t count, size_t size)
{
  if (count == 0)
    return true;
  if (v->count + count > v->capacity) {
    size_t capacity = v->capacity != 0 ? v->capacity : 16;
    while (capacity < v->count + count)
      capacity *= 2;
    void *grown = realloc(v->items, capacity * size);
    if (grown == NULL)
      return false;
    v->items = grown;
    v->capacity = capacity;
  }
  memcpy((char *)v->items + v->count * size, items, count * size);
  v->count += count;
  return true;
}

static void snapshot_free(rmm__snapshot_t *s)
{
  free(s->chunks.items);
  free(s->blocks.items);
  free(s->allocations.items);
  free(s->frames.items);
}

void rmm__snapshot_chunk(rmm__snapshot_t *s, const void *base, size_t size, int device)
{
  chunk_t chunk = {.base = (uintptr_t)base, .size = size, .device = device};
  if (!vec_append(&s->chunks, &chunk, 1, sizeof chunk))
    s->failed = true;
}

void rmm__snapshot_block(rmm__snapshot_t *s, const void *addr, size_t size, size_t requested, bool allocated,
                         rmm_stream_t stream)
{
  if (s->no_blocks)
    return;
  block_t block = {.addr = (uintptr_t)addr,
                   .size = size,
                   .requested = requested,
                   .allocated = allocated,
                   .stream = (uintptr_t)stream};
  if (!vec_append(&s->blocks, &block, 1, sizeof block))
    s->failed = true;
}

void rmm__snapshot_allocation(rmm__snapshot_t *s, const void *addr, size_t size, rmm_stream_t stream,
                              void *const *frames, size_t frame_count)
{
  allocation_t allocation = {.addr = (uintptr_t)addr,
                             .size = size,
                             .stream = (uintptr_t)stream,
                             .first_frame = s->frames.count,
                             .frame_count = frame_count};
  if (!vec_append(&s->frames, frames, frame_count, sizeof *frames) ||
      !vec_append(&s->allocations, &allocation, 1, sizeof allocation))
    s->failed = true;
}

static int by_base(const void *a, const void *b)
{
  uintptr_t x = ((const chunk_t *)a)->base, y = ((const chunk_t *)b)->base;
  return (x > y) - (x < y);
}

static int by_block_addr(const void *a, const void *b)
{
  uintptr_t x = ((const block_t *)a)->addr, y = ((const block_t *)b)->addr;
  return (x > y) - (x < y);
}

/* qsort, which must not see the NULL array of an empty vector. */
static void sort(vec_t *v, size_t size, int (*compare)(const void *, const void *))
{
  if (v->count > 1)
    qsort(v->items, v->count, size, compare);
}

/* ---- the stack ---- */

typedef struct entry {
  rmm_resource_t *mr;
  size_t upstream; /* index, SIZE_MAX for none */
  vec_t held;      /* size_t indices of the resources it holds besides the upstream */
  rmm_resource_stats_t stats;
  rmm__snapshot_t snap;
} entry_t;

typedef struct walk {
  vec_t entries; /* entry_t */
  bool failed;
} walk_t;

static entry_t *entry_at(const walk_t *w, size_t i) { return &((entry_t *)w->entries.items)[i]; }

/* The index of `mr` in the walk, added at the end if new; SIZE_MAX when memory runs out. */
static size_t find_or_add(walk_t *w, rmm_resource_t *mr)
{
  for (size_t i = 0; i < w->entries.count; i++)
    if (entry_at(w, i)->mr == mr)
      return i;
  entry_t entry = {.mr = mr, .upstream = SIZE_MAX};
  if (!vec_append(&w->entries, &entry, 1, sizeof entry)) {
    w->failed = true;
    return SIZE_MAX;
  }
  return w->entries.count - 1;
}

typedef struct visit_arg {
  walk_t *walk;
  size_t parent;
} visit_arg_t;

static void visit_held(rmm_resource_t *held, void *raw)
{
  visit_arg_t *arg = raw;
  size_t index = find_or_add(arg->walk, held);
  if (index != SIZE_MAX && !vec_append(&entry_at(arg->walk, arg->parent)->held, &index, 1, sizeof index))
    arg->walk->failed = true;
}

/* Every resource from `top` down, breadth first, each once. */
static bool walk_stack(walk_t *w, rmm_resource_t *top)
{
  find_or_add(w, top);
  for (size_t i = 0; !w->failed && i < w->entries.count; i++) {
    rmm_resource_t *mr = entry_at(w, i)->mr;
    if (mr->upstream != NULL) {
      size_t up = find_or_add(w, mr->upstream);
      entry_at(w, i)->upstream = up;
    }
    if (mr->impl->visit != NULL) {
      visit_arg_t arg = {.walk = w, .parent = i};
      mr->impl->visit(mr->state, visit_held, &arg);
    }
  }
  return !w->failed;
}

static void walk_free(walk_t *w)
{
  for (size_t i = 0; i < w->entries.count; i++) {
    free(entry_at(w, i)->held.items);
    snapshot_free(&entry_at(w, i)->snap);
  }
  free(w->entries.items);
}

/* Asks each resource for its statistics and, where it can, its chunks and blocks. */
static bool describe(walk_t *w, unsigned flags)
{
  for (size_t i = 0; i < w->entries.count; i++) {
    entry_t *e = entry_at(w, i);
    e->stats.struct_size = sizeof e->stats;
    (void)rmm_resource_get_stats(e->mr, &e->stats);
    if (e->mr->impl->snapshot == NULL)
      continue;
    e->snap.no_blocks = (flags & RMM_SNAPSHOT_NO_BLOCKS) != 0;
    e->mr->impl->snapshot(e->mr->state, &e->snap);
    if (e->snap.failed)
      return false;
    sort(&e->snap.chunks, sizeof(chunk_t), by_base);
    sort(&e->snap.blocks, sizeof(block_t), by_block_addr);
  }
  return true;
}

/* ---- tracked allocations lend their sizes and stacks to blocks ---- */

typedef struct tracked {
  uintptr_t addr;
  const allocation_t *allocation;
  void *const *frames;
} tracked_t;

static int by_tracked_addr(const void *a, const void *b)
{
  uintptr_t x = ((const tracked_t *)a)->addr, y = ((const tracked_t *)b)->addr;
  return (x > y) - (x < y);
}

static bool collect_tracked(const walk_t *w, vec_t *out)
{
  for (size_t i = 0; i < w->entries.count; i++) {
    const rmm__snapshot_t *s = &entry_at(w, i)->snap;
    const allocation_t *allocations = s->allocations.items;
    for (size_t j = 0; j < s->allocations.count; j++) {
      tracked_t t = {.addr = allocations[j].addr,
                     .allocation = &allocations[j],
                     .frames = (void *const *)s->frames.items + allocations[j].first_frame};
      if (!vec_append(out, &t, 1, sizeof t))
        return false;
    }
  }
  sort(out, sizeof(tracked_t), by_tracked_addr);
  return true;
}

static const tracked_t *find_tracked(const vec_t *tracked, uintptr_t addr)
{
  tracked_t key = {.addr = addr};
  return tracked->count != 0 ? bsearch(&key, tracked->items, tracked->count, sizeof key, by_tracked_addr) : NULL;
}

/* ---- JSON ---- */

typedef struct out {
  FILE *file;
  bool ok;
  unsigned flags;
  const vec_t *tracked;
} out_t;

static void put(out_t *o, const char *fmt, ...) RMM_FORMAT(2, 3);

static void put(out_t *o, const char *fmt, ...)
{
  va_list args;
  va_start(args, fmt);
  if (vfprintf(o->file, fmt, args) < 0)
    o->ok = false;
  va_end(args);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void put_string(out_t *o, const char *text)
{
  put(o, "\"");
  for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
    if (*c == '"' || *c == '\\')
      put(o, "\\%c", *c);
    else if (*c < 0x20)
      put(o, "\\u%04x", *c);
    else
      put(o, "%c", *c);
  }
  put(o, "\"");
}

/* Call stacks are symbolised here, at writing time, never when they are captured. */
static void put_frames(out_t *o, void *const *frames, size_t count)
{
  put(o, "[");
  if (count == 0 || (o->flags & RMM_SNAPSHOT_NO_FRAMES)) {
    put(o, "]");
    return;
  }
  char **symbols = backtrace_symbols(frames, (int)count);
  for (size_t i = 0; i < count; i++) {
    char fallback[32];
    snprintf(fallback, sizeof fallback, "%p", frames[i]);
    put(o, i ? ", " : "");
    put_string(o, symbols != NULL ? symbols[i] : fallback);
  }
  free(symbols);
  put(o, "]");
}

static void put_stats(out_t *o, const rmm_resource_stats_t *st)
{
  put(o,
      "{\"flags\": %u, \"bytes_in_use\": %zu, \"peak_bytes_in_use\": %zu, \"bytes_reserved\": %zu, "
      "\"free_bytes\": %zu, \"largest_free_block\": %zu, \"free_blocks\": %zu, \"upstream_chunks\": %zu}",
      st->flags, st->bytes_in_use, st->peak_bytes_in_use, st->bytes_reserved, st->free_bytes,
      st->largest_free_block, st->free_blocks, st->upstream_chunks);
}

static void put_block(out_t *o, const block_t *b)
{
  const tracked_t *t = b->allocated ? find_tracked(o->tracked, b->addr) : NULL;
  size_t requested = t != NULL ? t->allocation->size : b->requested != 0 ? b->requested : b->size;
  put(o, "{\"address\": %" PRIuPTR ", \"size\": %zu, \"requested\": %zu, \"allocated\": %s, \"stream\": %" PRIuPTR
         ", \"frames\": ",
      b->addr, b->size, requested, b->allocated ? "true" : "false", b->stream);
  put_frames(o, t != NULL ? t->frames : NULL, t != NULL ? t->allocation->frame_count : 0);
  put(o, "}");
}

/*
 * The chunks, each with the blocks inside it; blocks in no chunk go to
 * "unplaced_blocks". Both are sorted by address, so one pass places every block.
 */
static void put_chunks(out_t *o, const rmm__snapshot_t *s)
{
  const chunk_t *chunks = s->chunks.items;
  const block_t *blocks = s->blocks.items;
  bool *placed = calloc(s->blocks.count + 1, sizeof *placed);
  if (placed == NULL) {
    o->ok = false;
    return;
  }
  put(o, ",\n     \"chunks\": [");
  size_t b = 0;
  for (size_t c = 0; c < s->chunks.count; c++) {
    put(o, "%s\n      {\"address\": %" PRIuPTR ", \"size\": %zu, \"device\": %d, \"blocks\": [", c ? "," : "",
        chunks[c].base, chunks[c].size, chunks[c].device);
    while (b < s->blocks.count && blocks[b].addr < chunks[c].base)
      b++;
    for (size_t written = 0; b < s->blocks.count && blocks[b].addr - chunks[c].base < chunks[c].size; b++) {
      placed[b] = true;
      put(o, "%s\n        ", written++ ? "," : "");
      put_block(o, &blocks[b]);
    }
    put(o, "]}");
  }
  put(o, "]");
  size_t unplaced = 0;
  for (b = 0; b < s->blocks.count; b++) {
    if (placed[b])
      continue;
    put(o, "%s\n      ", unplaced++ ? "," : ",\n     \"unplaced_blocks\": [");
    put_block(o, &blocks[b]);
  }
  if (unplaced != 0)
    put(o, "]");
  free(placed);
}

static void put_allocations(out_t *o, const rmm__snapshot_t *s)
{
  const allocation_t *allocations = s->allocations.items;
  put(o, ",\n     \"allocations\": [");
  for (size_t i = 0; i < s->allocations.count; i++) {
    const allocation_t *a = &allocations[i];
    put(o, "%s\n      {\"address\": %" PRIuPTR ", \"size\": %zu, \"stream\": %" PRIuPTR ", \"frames\": ",
        i ? "," : "", a->addr, a->size, a->stream);
    put_frames(o, (void *const *)s->frames.items + a->first_frame, a->frame_count);
    put(o, "}");
  }
  put(o, "]");
}

static void put_resource(out_t *o, const walk_t *w, size_t i)
{
  const entry_t *e = entry_at(w, i);
  put(o, "%s\n    {\"index\": %zu, \"name\": ", i ? "," : "", i);
  put_string(o, e->mr->name);
  put(o, ", \"address\": %" PRIuPTR ", \"upstream\": ", (uintptr_t)e->mr);
  if (e->upstream == SIZE_MAX)
    put(o, "null");
  else
    put(o, "%zu", e->upstream);
  put(o, ", \"held\": [");
  for (size_t h = 0; h < e->held.count; h++)
    put(o, "%s%zu", h ? ", " : "", ((const size_t *)e->held.items)[h]);
  put(o, "],\n     \"stats\": ");
  put_stats(o, &e->stats);
  if (e->mr->impl->snapshot != NULL && (e->snap.chunks.count != 0 || e->snap.allocations.count == 0))
    put_chunks(o, &e->snap);
  if (e->snap.allocations.count != 0)
    put_allocations(o, &e->snap);
  put(o, "}");
}

static void put_history(out_t *o, const rmm__history_event_t *events, size_t count, size_t capacity)
{
  put(o, ",\n  \"history\": ");
  if (capacity == 0) {
    put(o, "null");
    return;
  }
  put(o, "{\"capacity\": %zu, \"events\": [", capacity);
  for (size_t i = 0; i < count; i++) {
    const rmm__history_event_t *e = &events[i];
    put(o, "%s\n    {\"seq\": %" PRIu64 ", \"time_ns\": %" PRIu64 ", \"action\": \"%s\", \"resource\": ", i ? "," : "",
        e->seq, e->time_ns, rmm__history_kind_name(e->kind));
    put_string(o, e->name);
    put(o, ", \"resource_address\": %" PRIuPTR ", \"address\": %" PRIuPTR ", \"size\": %zu, \"stream\": %" PRIuPTR "}",
        e->resource, e->addr, e->size, e->stream);
  }
  put(o, "]}");
}

static void put_document(out_t *o, const walk_t *w, const rmm__history_event_t *events, size_t count,
                         size_t capacity)
{
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  put(o, "{\n  \"format\": \"librmm-snapshot\",\n  \"format_version\": 1,\n  \"librmm_version\": ");
  put_string(o, rmm_version());
  put(o, ",\n  \"pid\": %ld,\n  \"time_ns\": %" PRIu64 ",\n  \"resources\": [", (long)getpid(),
      (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec);
  for (size_t i = 0; i < w->entries.count; i++)
    put_resource(o, w, i);
  put(o, "]");
  if (!(o->flags & RMM_SNAPSHOT_NO_HISTORY))
    put_history(o, events, count, capacity);
  put(o, "\n}\n");
}

/* ---- the public functions ---- */

static rmm_status_t read_options(const char *function, const rmm_snapshot_options_t *options, unsigned *flags)
{
  *flags = 0;
  if (options == NULL)
    return RMM_SUCCESS;
  if (options->struct_size < offsetof(rmm_snapshot_options_t, flags) + sizeof options->flags)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "%s: struct_size %zu is too small; set it to sizeof(rmm_snapshot_options_t)", function,
                     options->struct_size);
  *flags = options->flags;
  return RMM_SUCCESS;
}

static rmm_status_t write_snapshot(const char *function, rmm_resource_t *mr, FILE *file, unsigned flags)
{
  walk_t w = {0};
  vec_t tracked = {0};
  rmm__history_event_t *events = NULL;
  size_t count = 0, capacity = 0;
  bool ok = walk_stack(&w, mr) && describe(&w, flags) && collect_tracked(&w, &tracked);
  if (ok && !(flags & RMM_SNAPSHOT_NO_HISTORY))
    ok = rmm__history_copy(&events, &count, &capacity);
  rmm_status_t status = RMM_SUCCESS;
  if (!ok) {
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the snapshot", function);
  } else {
    out_t o = {.file = file, .ok = true, .flags = flags, .tracked = &tracked};
    put_document(&o, &w, events, count, capacity);
    if (fflush(file) != 0 || !o.ok)
      status = rmm__fail(RMM_ERROR_IO, "%s: writing the snapshot failed", function);
  }
  free(events);
  free(tracked.items);
  walk_free(&w);
  return status;
}

RMM_API rmm_status_t rmm_resource_snapshot(const rmm_resource_t *mr, FILE *file,
                                           const rmm_snapshot_options_t *options)
{
  unsigned flags;
  rmm_status_t status = read_options("rmm_resource_snapshot", options, &flags);
  if (status != RMM_SUCCESS)
    return status;
  if (file == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_snapshot: the file is NULL");
  rmm_resource_t *held = NULL;
  if (mr == NULL) {
    status = rmm__acquire_current_device_resource(&held);
    if (status != RMM_SUCCESS)
      return status;
  }
  status = write_snapshot("rmm_resource_snapshot", held != NULL ? held : (rmm_resource_t *)mr, file, flags);
  rmm_resource_release(held);
  return status;
}

RMM_API rmm_status_t rmm_resource_snapshot_path(const rmm_resource_t *mr, const char *path,
                                                const rmm_snapshot_options_t *options)
{
  if (path == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_snapshot_path: the path is NULL");
  FILE *file = fopen(path, "w");
  if (file == NULL)
    return rmm__fail(RMM_ERROR_IO, "rmm_resource_snapshot_path: cannot open '%s' for writing", path);
  rmm_status_t status = rmm_resource_snapshot(mr, file, options);
  if (fclose(file) != 0 && status == RMM_SUCCESS)
    status = rmm__fail(RMM_ERROR_IO, "rmm_resource_snapshot_path: closing '%s' failed", path);
  return status;
}

/* ---- out-of-memory reports ---- */

static pthread_mutex_t oom_lock = PTHREAD_MUTEX_INITIALIZER; /* every resource's oom_dump */

RMM_API rmm_status_t rmm_resource_set_oom_dump(rmm_resource_t *mr, const char *path)
{
  if (mr == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_set_oom_dump: the resource is NULL");
  walk_t w = {0};
  if (!walk_stack(&w, mr)) {
    walk_free(&w);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_resource_set_oom_dump: no host memory");
  }
  rmm_status_t status = RMM_SUCCESS;
  pthread_mutex_lock(&oom_lock);
  for (size_t i = 0; i < w.entries.count; i++) {
    rmm_resource_t *each = entry_at(&w, i)->mr;
    char *copy = path != NULL ? strdup(path) : NULL;
    if (path != NULL && copy == NULL) {
      status = rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_resource_set_oom_dump: no host memory");
      break;
    }
    free(each->oom_dump);
    each->oom_dump = copy;
  }
  pthread_mutex_unlock(&oom_lock);
  walk_free(&w);
  return status;
}

static void write_oom_dump(const rmm_resource_t *mr)
{
  pthread_mutex_lock(&oom_lock);
  bool named = mr->oom_dump != NULL;
  char *path = named ? strdup(mr->oom_dump) : NULL;
  pthread_mutex_unlock(&oom_lock);
  const char *env = getenv("RMM_OOM_DUMP");
  const char *target = named ? path : env != NULL && env[0] != '\0' ? env : NULL;
  if (!named && target == NULL)
    return;
  /* Writing sets messages of its own: keep the failure's. */
  rmm_saved_error_t failure;
  rmm__error_save(&failure);
  if (target == NULL)
    rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "%s (no snapshot: no host memory for its path)", failure.message);
  else if (rmm_resource_snapshot_path(mr, target, NULL) == RMM_SUCCESS)
    rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "%s (snapshot written to %s)", failure.message, target);
  else
    rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "%s (no snapshot: %s)", failure.message, rmm_last_error_message());
  rmm__set_last_cuda_error(failure.cuda_error);
  free(path);
}

/* The thread's fail count just after its last out-of-memory report (0: none yet). */
static _Thread_local unsigned long reported_failure;

void rmm__oom_failed(const rmm_resource_t *mr, size_t requested, rmm_stream_t stream)
{
  rmm__history_add(RMM__HISTORY_OOM, mr, NULL, requested, stream);
  write_oom_dump(mr);
  reported_failure = rmm__fail_count();
}

bool rmm__oom_reported(void) { return reported_failure != 0 && reported_failure == rmm__fail_count(); }
