/*
 * The tracking adaptor: a record of every outstanding allocation (size, alignment,
 * stream and, optionally, the allocating call stack), for leak hunting.
 *
 * The record goes into the table before the memory is returned, and comes out before
 * the memory goes back to the upstream. The other order lets a fast upstream hand the
 * freed address to another thread before the table forgets it, which then looks like
 * a double allocation or an untracked free (RMM issue 2303).
 */
#include "config.h"

#include <execinfo.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rmm/tracking.h>

#include "core/construct.h"
#include "core/ptr_map.h"
#include "core/snapshot.h"

/* The deepest call stack recorded, as in RMM. */
enum { MAX_FRAMES = 64 };

typedef struct record {
  size_t bytes;
  size_t alignment;
  rmm_stream_t stream;
  size_t frame_count;
  void *frames[]; /* raw return addresses; symbols are looked up only for a report */
} record_t;

typedef struct tracking {
  rmm_resource_t *upstream;
  bool capture_stacks;
  pthread_mutex_t lock;  /* guards everything below */
  rmm_ptr_map_t records; /* address -> record_t * */
  size_t bytes;          /* the sum of the recorded sizes */
  size_t peak_bytes;
} tracking_t;

static record_t *new_record(const tracking_t *tr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  void *frames[MAX_FRAMES];
  int depth = tr->capture_stacks ? backtrace(frames, MAX_FRAMES) : 0;
  size_t frame_count = depth > 0 ? (size_t)depth : 0;
  record_t *rec = malloc(sizeof *rec + frame_count * sizeof rec->frames[0]);
  if (rec == NULL)
    return NULL;
  rec->bytes = bytes;
  rec->alignment = alignment;
  rec->stream = stream;
  rec->frame_count = frame_count;
  if (frame_count > 0)
    memcpy(rec->frames, frames, frame_count * sizeof frames[0]);
  return rec;
}

/* Adds a record to the table and the counters. Called with the lock held. */
static rmm_ptr_insert_t add_record(tracking_t *tr, void *ptr, record_t *rec)
{
  rmm_ptr_insert_t inserted = rmm__ptr_map_insert(&tr->records, ptr, rec);
  if (inserted == RMM_PTR_DUPLICATE) {
    /* The upstream handed out a live address: it was freed elsewhere, bypassing this adaptor. */
    void *stale;
    rmm__ptr_map_remove(&tr->records, ptr, &stale);
    RMM_LOG(RMM_LOG_ERROR,
            "tracking: %p was allocated again while still tracked (was it freed through another resource?); "
            "the old record of %zu bytes is dropped",
            ptr, ((record_t *)stale)->bytes);
    tr->bytes -= ((record_t *)stale)->bytes;
    free(stale);
    inserted = rmm__ptr_map_insert(&tr->records, ptr, rec);
  }
  if (inserted == RMM_PTR_INSERTED) {
    tr->bytes += rec->bytes;
    if (tr->bytes > tr->peak_bytes)
      tr->peak_bytes = tr->bytes;
  }
  return inserted;
}

static rmm_status_t tracking_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  tracking_t *tr = state;
  rmm_status_t status = rmm_allocate_aligned(tr->upstream, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    return status;

  record_t *rec = new_record(tr, bytes, alignment, stream);
  rmm_ptr_insert_t inserted = RMM_PTR_NO_MEMORY;
  if (rec != NULL) {
    pthread_mutex_lock(&tr->lock);
    inserted = add_record(tr, *ptr, rec);
    pthread_mutex_unlock(&tr->lock);
  }
  if (inserted != RMM_PTR_INSERTED) {
    /* Memory the adaptor cannot track must not reach the caller. */
    free(rec);
    if (rmm_deallocate_aligned(tr->upstream, *ptr, bytes, alignment, stream) != RMM_SUCCESS)
      RMM_LOG(RMM_LOG_ERROR, "tracking: could not free %p (%zu bytes) after failing to record it", *ptr, bytes);
    *ptr = NULL;
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "tracking: no host memory to record an allocation of %zu bytes", bytes);
  }
  return RMM_SUCCESS;
}

static rmm_status_t tracking_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  tracking_t *tr = state;
  void *found;
  pthread_mutex_lock(&tr->lock);
  bool tracked = rmm__ptr_map_remove(&tr->records, ptr, &found);
  if (tracked)
    tr->bytes -= ((record_t *)found)->bytes;
  size_t outstanding = tr->records.count;
  pthread_mutex_unlock(&tr->lock);

  /* RMM's behaviour: say so, change no counter, and let the upstream have the memory. */
  if (!tracked) {
    RMM_LOG(RMM_LOG_ERROR, "tracking: deallocating a pointer that was not tracked: %p (%zu bytes); %zu outstanding",
            ptr, bytes, outstanding);
    return rmm_deallocate_aligned(tr->upstream, ptr, bytes, alignment, stream);
  }

  record_t *rec = found;
  if (rec->bytes != bytes)
    RMM_LOG(RMM_LOG_ERROR, "tracking: %p was allocated with %zu bytes but freed with %zu; using %zu", ptr,
            rec->bytes, bytes, rec->bytes);
  rmm_status_t status = rmm_deallocate_aligned(tr->upstream, ptr, rec->bytes, rec->alignment, stream);
  if (status != RMM_SUCCESS) {
    /* The upstream kept the memory, so it is still outstanding. */
    pthread_mutex_lock(&tr->lock);
    if (add_record(tr, ptr, rec) != RMM_PTR_INSERTED)
      free(rec);
    pthread_mutex_unlock(&tr->lock);
    return status;
  }
  free(rec);
  return RMM_SUCCESS;
}

static void tracking_get_stats(const void *state, rmm_resource_stats_t *out)
{
  tracking_t *tr = (tracking_t *)state;
  pthread_mutex_lock(&tr->lock);
  out->bytes_in_use = tr->bytes;
  out->peak_bytes_in_use = tr->peak_bytes;
  pthread_mutex_unlock(&tr->lock);
  out->flags |= RMM_STATS_IN_USE;
}

static void tracking_reset_peak(void *state)
{
  tracking_t *tr = state;
  pthread_mutex_lock(&tr->lock);
  tr->peak_bytes = tr->bytes;
  pthread_mutex_unlock(&tr->lock);
}

static void tracking_destroy(void *state)
{
  tracking_t *tr = state;
  if (tr->records.count != 0)
    RMM_LOG(RMM_LOG_DEBUG, "tracking: destroyed with %zu allocations (%zu bytes) outstanding", tr->records.count,
            tr->bytes);
  size_t cursor = 0;
  void *key, *value;
  while (rmm__ptr_map_next(&tr->records, &cursor, &key, &value))
    free(value);
  rmm__ptr_map_free(&tr->records);
  pthread_mutex_destroy(&tr->lock);
  free(tr);
}

/* Snapshots: every tracked allocation, whose sizes and call stacks the writer lends to blocks. */
static void tracking_snapshot(const void *state, rmm__snapshot_t *snap)
{
  tracking_t *tr = (tracking_t *)state;
  pthread_mutex_lock(&tr->lock);
  size_t cursor = 0;
  void *key, *value;
  while (rmm__ptr_map_next(&tr->records, &cursor, &key, &value)) {
    const record_t *rec = value;
    rmm__snapshot_allocation(snap, key, rec->bytes, rec->stream, rec->frames, rec->frame_count);
  }
  pthread_mutex_unlock(&tr->lock);
}

static const rmm_impl_t tracking_impl = {
    .name = "tracking",
    .allocate = tracking_allocate,
    .deallocate = tracking_deallocate,
    .get_stats = tracking_get_stats,
    .destroy = tracking_destroy,
    .reset_peak = tracking_reset_peak,
    .snapshot = tracking_snapshot,
};

RMM_API rmm_status_t rmm_tracking_create(rmm_resource_t *upstream, bool capture_stacks, rmm_resource_t **out)
{
  rmm_resource_t *up = NULL;
  rmm_status_t status = rmm__adaptor_begin("rmm_tracking_create", out);
  if (status == RMM_SUCCESS)
    status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  tracking_t *tr = calloc(1, sizeof *tr);
  if (tr == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_tracking_create: no host memory for the adaptor");
  tr->upstream = up;
  tr->capture_stacks = capture_stacks;
  status = rmm__mutex_init("rmm_tracking_create", &tr->lock);
  if (status != RMM_SUCCESS) {
    free(tr);
    return status;
  }
  status = rmm__adaptor_finish(&tracking_impl, tr, up, out);
  if (status != RMM_SUCCESS)
    tracking_destroy(tr);
  return status;
}

/* A query's state, with its output checked. */
static rmm_status_t query(const char *function, const rmm_resource_t *mr, const void *output, tracking_t **tr)
{
  rmm_status_t status = rmm__adaptor_state(function, mr, &tracking_impl, (void **)tr);
  if (status == RMM_SUCCESS && output == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output is NULL", function);
  return status;
}

RMM_API rmm_status_t rmm_tracking_allocated_bytes(const rmm_resource_t *mr, size_t *bytes)
{
  tracking_t *tr;
  rmm_status_t status = query("rmm_tracking_allocated_bytes", mr, bytes, &tr);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&tr->lock);
  *bytes = tr->bytes;
  pthread_mutex_unlock(&tr->lock);
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_tracking_outstanding_count(const rmm_resource_t *mr, size_t *count)
{
  tracking_t *tr;
  rmm_status_t status = query("rmm_tracking_outstanding_count", mr, count, &tr);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&tr->lock);
  *count = tr->records.count;
  pthread_mutex_unlock(&tr->lock);
  return RMM_SUCCESS;
}

/* A copy of the table, sorted by address, that callers may walk without the lock. */
typedef struct snapshot {
  rmm_tracking_entry_t *entries;
  void **frames; /* every entry's frames, back to back */
  size_t count;
  size_t bytes;
} snapshot_t;

static int by_address(const void *a, const void *b)
{
  uintptr_t x = (uintptr_t)((const rmm_tracking_entry_t *)a)->ptr;
  uintptr_t y = (uintptr_t)((const rmm_tracking_entry_t *)b)->ptr;
  return (x > y) - (x < y);
}

/* Copies the records under the lock. Called with the lock held. */
static bool copy_records(const tracking_t *tr, snapshot_t *snap)
{
  size_t cursor = 0, frame_total = 0;
  void *key, *value;
  while (rmm__ptr_map_next(&tr->records, &cursor, &key, &value))
    frame_total += ((const record_t *)value)->frame_count;
  snap->count = tr->records.count;
  snap->bytes = tr->bytes;
  snap->entries = calloc(snap->count > 0 ? snap->count : 1, sizeof *snap->entries);
  snap->frames = calloc(frame_total > 0 ? frame_total : 1, sizeof *snap->frames);
  if (snap->entries == NULL || snap->frames == NULL)
    return false;

  size_t i = 0, next_frame = 0;
  cursor = 0;
  while (rmm__ptr_map_next(&tr->records, &cursor, &key, &value)) {
    const record_t *rec = value;
    memcpy(&snap->frames[next_frame], rec->frames, rec->frame_count * sizeof rec->frames[0]);
    snap->entries[i++] = (rmm_tracking_entry_t){
        .ptr = key,
        .bytes = rec->bytes,
        .alignment = rec->alignment,
        .stream = rec->stream,
        .frames = &snap->frames[next_frame],
        .frame_count = rec->frame_count,
    };
    next_frame += rec->frame_count;
  }
  return true;
}

static void free_snapshot(snapshot_t *snap)
{
  free(snap->entries);
  free(snap->frames);
}

static rmm_status_t take_snapshot(const char *function, tracking_t *tr, snapshot_t *snap)
{
  memset(snap, 0, sizeof *snap);
  pthread_mutex_lock(&tr->lock);
  bool copied = copy_records(tr, snap);
  pthread_mutex_unlock(&tr->lock);
  if (!copied) {
    free_snapshot(snap);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory to copy %zu records", function, snap->count);
  }
  qsort(snap->entries, snap->count, sizeof *snap->entries, by_address);
  return RMM_SUCCESS;
}

/* Writes one entry and its call stack; false when writing failed. */
static bool write_entry(FILE *file, const rmm_tracking_entry_t *entry)
{
  bool ok = fprintf(file, "%p: %zu B, alignment %zu, stream %p\n", entry->ptr, entry->bytes, entry->alignment,
                    (void *)entry->stream) >= 0;
  if (entry->frame_count == 0)
    return ok;
  /* Symbols are looked up now, not at allocation, where it would cost every caller. */
  char **symbols = backtrace_symbols(entry->frames, (int)entry->frame_count);
  for (size_t i = 0; ok && i < entry->frame_count; i++) {
    if (symbols != NULL)
      ok = fprintf(file, "  #%zu %s\n", i, symbols[i]) >= 0;
    else
      ok = fprintf(file, "  #%zu %p\n", i, entry->frames[i]) >= 0;
  }
  free(symbols);
  return ok;
}

RMM_API rmm_status_t rmm_tracking_report(const rmm_resource_t *mr, FILE *file)
{
  tracking_t *tr;
  rmm_status_t status = query("rmm_tracking_report", mr, file, &tr);
  snapshot_t snap;
  if (status == RMM_SUCCESS)
    status = take_snapshot("rmm_tracking_report", tr, &snap);
  if (status != RMM_SUCCESS)
    return status;

  char total[RMM_BYTES_TEXT];
  bool ok = fprintf(file, "tracking: %zu outstanding allocations, %s (%zu bytes)\n", snap.count,
                    rmm__format_bytes(snap.bytes, total), snap.bytes) >= 0;
  for (size_t i = 0; ok && i < snap.count; i++)
    ok = write_entry(file, &snap.entries[i]);
  ok = fflush(file) == 0 && ok;
  free_snapshot(&snap);
  if (!ok)
    return rmm__fail(RMM_ERROR_IO, "rmm_tracking_report: writing the report failed");
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_tracking_foreach(const rmm_resource_t *mr, rmm_tracking_callback_t callback, void *arg)
{
  tracking_t *tr;
  rmm_status_t status = rmm__adaptor_state("rmm_tracking_foreach", mr, &tracking_impl, (void **)&tr);
  if (status == RMM_SUCCESS && callback == NULL)
    status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_tracking_foreach: the callback is NULL");
  snapshot_t snap;
  if (status == RMM_SUCCESS)
    status = take_snapshot("rmm_tracking_foreach", tr, &snap);
  if (status != RMM_SUCCESS)
    return status;
  for (size_t i = 0; i < snap.count && callback(&snap.entries[i], arg); i++)
    ;
  free_snapshot(&snap);
  return RMM_SUCCESS;
}
