/*
 * The statistics adaptor: byte and allocation counters in a stack of scopes, as RMM's
 * statistics_resource_adaptor keeps them. Only the innermost scope counts; closing it
 * merges it into the one below, so an outer scope reads as if the inner activity had
 * happened in it directly.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <rmm/statistics.h>

#include "core/construct.h"

typedef struct counter {
  int64_t value;
  int64_t peak;
  int64_t total;
} counter_t;

typedef struct scope {
  counter_t bytes;
  counter_t count;
} scope_t;

typedef struct statistics {
  rmm_resource_t *upstream;
  pthread_mutex_t lock; /* guards the stack; getters take it too, so they never read a torn set */
  scope_t *scopes;      /* scopes[0] is the outermost set, scopes[depth - 1] the counting one */
  size_t depth;
  size_t capacity;
} statistics_t;

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/*
 * a + b, held at INT64_MAX or INT64_MIN instead of overflowing: cumulative totals pass
 * 8 EiB in long simulations (and signed overflow is undefined), and a figure stuck at
 * its limit is still the truest one the counters can give.
 */
static int64_t add_saturating(int64_t a, int64_t b)
{
  int64_t sum;
  if (__builtin_add_overflow(a, b, &sum))
    return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}

static void counter_add(counter_t *counter, int64_t amount)
{
  counter->value = add_saturating(counter->value, amount);
  counter->total = add_saturating(counter->total, amount);
  counter->peak = max64(counter->peak, counter->value);
}

/*
 * Lowers the value and returns what was taken off. An inner scope goes negative when
 * memory allocated before it is freed (RMM does the same); the outermost set stops at
 * zero, since a free the adaptor never counted must not make its figures absurd.
 */
static int64_t counter_sub(counter_t *counter, int64_t amount, bool outermost)
{
  int64_t taken = outermost && counter->value < amount ? max64(counter->value, 0) : amount;
  int64_t lowered;
  if (__builtin_sub_overflow(counter->value, taken, &lowered)) {
    lowered = INT64_MIN;
    taken = counter->value - INT64_MIN;
  }
  counter->value = lowered;
  return taken;
}

static scope_t *top(statistics_t *stats) { return &stats->scopes[stats->depth - 1]; }

/* Clamps a size to the signed range of the counters; no real allocation comes near it. */
static int64_t as_count(size_t bytes) { return bytes > (size_t)INT64_MAX ? INT64_MAX : (int64_t)bytes; }

static rmm_status_t statistics_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  statistics_t *stats = state;
  rmm_status_t status = rmm_allocate_aligned(stats->upstream, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&stats->lock);
  counter_add(&top(stats)->bytes, as_count(bytes));
  counter_add(&top(stats)->count, 1);
  pthread_mutex_unlock(&stats->lock);
  return RMM_SUCCESS;
}

/*
 * Counts the free before the upstream sees it: once the upstream has the memory back it
 * may hand it to another thread, whose allocation must not be counted while this one
 * still is (that would raise the peak by a block that was never in use twice).
 */
static rmm_status_t statistics_deallocate(void *state, void *ptr, size_t bytes, size_t alignment,
                                          rmm_stream_t stream)
{
  statistics_t *stats = state;
  pthread_mutex_lock(&stats->lock);
  bool outermost = stats->depth == 1;
  int64_t bytes_taken = counter_sub(&top(stats)->bytes, as_count(bytes), outermost);
  int64_t count_taken = counter_sub(&top(stats)->count, 1, outermost);
  pthread_mutex_unlock(&stats->lock);

  rmm_status_t status = rmm_deallocate_aligned(stats->upstream, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS) {
    /* The memory is still allocated: count it again, without touching totals or peaks. */
    pthread_mutex_lock(&stats->lock);
    top(stats)->bytes.value = add_saturating(top(stats)->bytes.value, bytes_taken);
    top(stats)->count.value = add_saturating(top(stats)->count.value, count_taken);
    pthread_mutex_unlock(&stats->lock);
  }
  return status;
}

/*
 * What the outermost set would read if every scope were closed now: the whole
 * adaptor's figures, which rmm_resource_get_stats() reports. Called with the lock held.
 */
static counter_t fold_bytes(const statistics_t *stats)
{
  counter_t merged = stats->scopes[stats->depth - 1].bytes;
  for (size_t i = stats->depth - 1; i-- > 0;) {
    const counter_t *below = &stats->scopes[i].bytes;
    merged.peak = max64(below->peak, add_saturating(below->value, merged.peak));
    merged.value = add_saturating(below->value, merged.value);
  }
  return merged;
}

static void statistics_get_stats(const void *state, rmm_resource_stats_t *out)
{
  statistics_t *stats = (statistics_t *)state;
  pthread_mutex_lock(&stats->lock);
  counter_t merged = fold_bytes(stats);
  pthread_mutex_unlock(&stats->lock);
  out->bytes_in_use = (size_t)max64(merged.value, 0);
  out->peak_bytes_in_use = (size_t)max64(merged.peak, 0);
  out->flags |= RMM_STATS_IN_USE;
}

/* Every open scope's peaks restart from its current values, so the folded peak is what is in use. */
static void statistics_reset_peak(void *state)
{
  statistics_t *stats = state;
  pthread_mutex_lock(&stats->lock);
  for (size_t i = 0; i < stats->depth; i++) {
    stats->scopes[i].bytes.peak = stats->scopes[i].bytes.value;
    stats->scopes[i].count.peak = stats->scopes[i].count.value;
  }
  pthread_mutex_unlock(&stats->lock);
}

static void statistics_destroy(void *state)
{
  statistics_t *stats = state;
  pthread_mutex_destroy(&stats->lock);
  free(stats->scopes);
  free(stats);
}

static const rmm_impl_t statistics_impl = {
    .name = "statistics",
    .allocate = statistics_allocate,
    .deallocate = statistics_deallocate,
    .get_stats = statistics_get_stats,
    .destroy = statistics_destroy,
    .reset_peak = statistics_reset_peak,
};

RMM_API rmm_status_t rmm_statistics_create(rmm_resource_t *upstream, rmm_resource_t **out)
{
  rmm_resource_t *up = NULL;
  rmm_status_t status = rmm__adaptor_begin("rmm_statistics_create", out);
  if (status == RMM_SUCCESS)
    status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  statistics_t *stats = calloc(1, sizeof *stats);
  scope_t *scopes = calloc(4, sizeof *scopes);
  if (stats == NULL || scopes == NULL) {
    free(stats);
    free(scopes);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_statistics_create: no host memory for the adaptor");
  }
  stats->upstream = up;
  stats->scopes = scopes;
  stats->capacity = 4;
  stats->depth = 1;
  status = rmm__mutex_init("rmm_statistics_create", &stats->lock);
  if (status != RMM_SUCCESS) {
    free(scopes);
    free(stats);
    return status;
  }
  status = rmm__adaptor_finish(&statistics_impl, stats, up, out);
  if (status != RMM_SUCCESS)
    statistics_destroy(stats);
  return status;
}

/* Checks a caller's struct: it must at least hold the first figure. */
static rmm_status_t check_out(const char *function, const rmm_statistics_t *out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output is NULL", function);
  size_t minimum = offsetof(rmm_statistics_t, current_bytes) + sizeof out->current_bytes;
  if (out->struct_size < minimum)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "%s: struct_size %zu is too small; set it to sizeof(rmm_statistics_t)", function,
                     out->struct_size);
  return RMM_SUCCESS;
}

/* Copies a scope into the caller's struct, as much of it as the caller's struct_size holds. */
static void fill(const scope_t *scope, rmm_statistics_t *out)
{
  rmm_statistics_t full = {
      .struct_size = sizeof full,
      .current_bytes = scope->bytes.value,
      .peak_bytes = scope->bytes.peak,
      .total_bytes = scope->bytes.total,
      .current_count = scope->count.value,
      .peak_count = scope->count.peak,
      .total_count = scope->count.total,
  };
  size_t filled = out->struct_size < sizeof full ? out->struct_size : sizeof full;
  full.struct_size = filled;
  memcpy(out, &full, filled);
}

RMM_API rmm_status_t rmm_statistics_get(const rmm_resource_t *mr, rmm_statistics_t *out)
{
  statistics_t *stats;
  rmm_status_t status = rmm__adaptor_state("rmm_statistics_get", mr, &statistics_impl, (void **)&stats);
  if (status == RMM_SUCCESS)
    status = check_out("rmm_statistics_get", out);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&stats->lock);
  scope_t current = *top(stats);
  pthread_mutex_unlock(&stats->lock);
  fill(&current, out);
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_statistics_push_counters(rmm_resource_t *mr)
{
  statistics_t *stats;
  rmm_status_t status = rmm__adaptor_state("rmm_statistics_push_counters", mr, &statistics_impl, (void **)&stats);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&stats->lock);
  if (stats->depth == stats->capacity) {
    scope_t *grown = realloc(stats->scopes, 2 * stats->capacity * sizeof *grown);
    if (grown == NULL) {
      size_t depth = stats->depth;
      pthread_mutex_unlock(&stats->lock);
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_statistics_push_counters: no host memory for scope %zu", depth + 1);
    }
    stats->scopes = grown;
    stats->capacity *= 2;
  }
  memset(&stats->scopes[stats->depth], 0, sizeof stats->scopes[0]);
  stats->depth++;
  pthread_mutex_unlock(&stats->lock);
  return RMM_SUCCESS;
}

/* Folds a closed scope into the one below it (RMM's pop_counters arithmetic). */
static void merge(counter_t *below, const counter_t *popped, bool outermost)
{
  below->peak = max64(below->peak, add_saturating(below->value, popped->peak));
  below->value = add_saturating(below->value, popped->value);
  below->total = add_saturating(below->total, popped->total);
  if (outermost && below->value < 0)
    below->value = 0;
}

RMM_API rmm_status_t rmm_statistics_pop_counters(rmm_resource_t *mr, rmm_statistics_t *popped)
{
  statistics_t *stats;
  rmm_status_t status = rmm__adaptor_state("rmm_statistics_pop_counters", mr, &statistics_impl, (void **)&stats);
  if (status == RMM_SUCCESS && popped != NULL)
    status = check_out("rmm_statistics_pop_counters", popped);
  if (status != RMM_SUCCESS)
    return status;
  pthread_mutex_lock(&stats->lock);
  if (stats->depth == 1) {
    pthread_mutex_unlock(&stats->lock);
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_statistics_pop_counters: no scope to close (only the outermost set of counters is left)");
  }
  scope_t closed = *top(stats);
  stats->depth--;
  bool outermost = stats->depth == 1;
  merge(&top(stats)->bytes, &closed.bytes, outermost);
  merge(&top(stats)->count, &closed.count, outermost);
  pthread_mutex_unlock(&stats->lock);
  if (popped != NULL)
    fill(&closed, popped);
  return RMM_SUCCESS;
}
