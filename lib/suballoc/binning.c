/*
 * The binning resource (RMM's binning_memory_resource). A request goes to the smallest
 * bin whose size is at least the request, and to the upstream when no bin is that
 * large. Deallocation routes by the same rule, so it must be given the size that
 * allocation was given, as every verb requires.
 *
 * The bins are a short array sorted by size, written only by rmm_binning_add_bin()
 * (which callers must not run alongside allocations, as in RMM) and only read on the
 * allocation paths, which therefore take no lock.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <rmm/binning.h>
#include <rmm/fixed_size.h>

#include "core/error.h"
#include "core/history.h"
#include "core/log.h"
#include "core/resource.h"
#include "core/snapshot.h"

typedef struct bin {
  size_t size;        /* the largest request the bin serves, a multiple of 256 */
  rmm_resource_t *mr; /* one reference held */
} bin_t;

typedef struct binning {
  rmm_resource_t *upstream; /* borrowed: the resource object holds the reference */
  const rmm_resource_t *self; /* the resource object, for the history and out-of-memory reports */
  bin_t *bins;              /* sorted by size, no two of one size */
  size_t bin_count;
  size_t bin_capacity;
  rmm_usage_t usage;          /* everything handed out, by request size */
  atomic_size_t direct_bytes; /* what went straight to the upstream and is still out */
  atomic_size_t direct_count;
} binning_t;

/* The bin that serves `bytes`: the first whose size is at least `bytes`; NULL for the upstream. */
static const bin_t *find_bin(const binning_t *state, size_t bytes)
{
  size_t low = 0, high = state->bin_count;
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    if (state->bins[middle].size < bytes)
      low = middle + 1;
    else
      high = middle;
  }
  return low < state->bin_count ? &state->bins[low] : NULL;
}

/* Describes where a request went, for messages: "the 256.00 KiB bin (fixed_size)". */
static void describe_target(const binning_t *state, const bin_t *bin, char *text, size_t size)
{
  char bytes[RMM_BYTES_TEXT];
  if (bin != NULL)
    snprintf(text, size, "the %s bin (%s)", rmm__format_bytes(bin->size, bytes), rmm_resource_name(bin->mr));
  else
    snprintf(text, size, "the upstream (%s)", rmm_resource_name(state->upstream));
}

/* Restates a failure of a bin or of the upstream, naming it, with its own message after. */
static rmm_status_t target_failed(const binning_t *state, const bin_t *bin, rmm_status_t status, const char *verb,
                                  void *ptr, size_t bytes)
{
  char reason[512], target[128], size[RMM_BYTES_TEXT], pointer[32] = "";
  snprintf(reason, sizeof reason, "%s", rmm_last_error_message());
  describe_target(state, bin, target, sizeof target);
  if (ptr != NULL)
    snprintf(pointer, sizeof pointer, "%p ", ptr);
  return rmm__fail(status, "binning: %s could not %s %s%s (%zu bytes): %s", target, verb, pointer,
                   rmm__format_bytes(bytes, size), bytes, reason);
}

/*
 * Lowers a counter by `amount`, stopping at zero, and returns what it took off: a free
 * of memory this resource never handed out, which a bin may not be able to tell, must
 * not wrap the figures.
 */
static size_t sub_saturating(atomic_size_t *counter, size_t amount)
{
  size_t value = atomic_load_explicit(counter, memory_order_relaxed);
  size_t taken;
  do {
    taken = value < amount ? value : amount;
  } while (!atomic_compare_exchange_weak_explicit(counter, &value, value - taken, memory_order_relaxed,
                                                  memory_order_relaxed));
  return taken;
}

/*
 * A failed allocation. When the upstream had no room for a request that no bin serves
 * and did not report that itself (a leaf, not a pool), the binning resource is the
 * sub-allocator that failed and reports it (a bin reports its own failures).
 */
static rmm_status_t allocate_failed(const binning_t *state, const bin_t *bin, rmm_status_t status, size_t bytes,
                                  rmm_stream_t stream)
{
  bool reported = rmm__oom_reported();
  status = target_failed(state, bin, status, "allocate", NULL, bytes);
  if (bin == NULL && status == RMM_ERROR_OUT_OF_MEMORY && !reported)
    rmm__oom_failed(state->self, bytes, stream);
  return status;
}

static rmm_status_t binning_allocate(void *raw, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  binning_t *state = raw;
  const bin_t *bin = find_bin(state, bytes);
  rmm_resource_t *target = bin != NULL ? bin->mr : state->upstream;
  rmm_status_t status = rmm_allocate_aligned(target, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    return allocate_failed(state, bin, status, bytes, stream);
  if (bin == NULL) {
    atomic_fetch_add_explicit(&state->direct_bytes, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&state->direct_count, 1, memory_order_relaxed);
    /* The bins record their own blocks; what goes straight to the upstream is recorded here. */
    rmm__history_add(RMM__HISTORY_ALLOC, state->self, *ptr, bytes, stream);
  }
  rmm__usage_add(&state->usage, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t binning_deallocate(void *raw, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  binning_t *state = raw;
  const bin_t *bin = find_bin(state, bytes);
  rmm_resource_t *target = bin != NULL ? bin->mr : state->upstream;
  /* Counted down before the memory goes back, where another thread may take it at once. */
  size_t in_use = sub_saturating(&state->usage.in_use, bytes);
  size_t direct_bytes = bin == NULL ? sub_saturating(&state->direct_bytes, bytes) : 0;
  size_t direct_count = bin == NULL ? sub_saturating(&state->direct_count, 1) : 0;
  rmm_status_t status = rmm_deallocate_aligned(target, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS && bin == NULL)
    rmm__history_add(RMM__HISTORY_FREE, state->self, ptr, bytes, stream);
  if (status != RMM_SUCCESS) {
    /* The memory is still out: count it again, leaving the peak as it was. */
    atomic_fetch_add_explicit(&state->usage.in_use, in_use, memory_order_relaxed);
    atomic_fetch_add_explicit(&state->direct_bytes, direct_bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&state->direct_count, direct_count, memory_order_relaxed);
    return target_failed(state, bin, status, "free", ptr, bytes);
  }
  return RMM_SUCCESS;
}

/*
 * In-use figures are the binning resource's own. The others add up what the bins
 * report and what went straight to the upstream; the largest free block is the largest
 * request a bin could serve now. A figure that any bin cannot give stays unknown,
 * since a sum with a part missing would mislead.
 */
static void binning_get_stats(const void *raw, rmm_resource_stats_t *out)
{
  const binning_t *state = raw;
  rmm__usage_stats(&state->usage, false, out);
  size_t direct_bytes = atomic_load_explicit(&state->direct_bytes, memory_order_relaxed);
  rmm_resource_stats_t sum = {
      .flags = RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS,
      .bytes_reserved = direct_bytes,
      .upstream_chunks = atomic_load_explicit(&state->direct_count, memory_order_relaxed),
  };
  for (size_t i = 0; i < state->bin_count; i++) {
    rmm_resource_stats_t bin = {.struct_size = sizeof bin};
    if (rmm_resource_get_stats(state->bins[i].mr, &bin) != RMM_SUCCESS) {
      sum.flags = 0;
      break;
    }
    sum.flags &= bin.flags;
    sum.bytes_reserved += bin.bytes_reserved;
    sum.free_bytes += bin.free_bytes;
    sum.free_blocks += bin.free_blocks;
    sum.upstream_chunks += bin.upstream_chunks;
    /* A bin serves no request above its size, whatever it holds free. */
    size_t largest = bin.largest_free_block < state->bins[i].size ? bin.largest_free_block : state->bins[i].size;
    if (largest > sum.largest_free_block)
      sum.largest_free_block = largest;
  }
  if (sum.flags & RMM_STATS_RESERVED)
    out->bytes_reserved = sum.bytes_reserved;
  if (sum.flags & RMM_STATS_FREE) {
    out->free_bytes = sum.free_bytes;
    out->free_blocks = sum.free_blocks;
    out->largest_free_block = sum.largest_free_block;
  }
  if (sum.flags & RMM_STATS_CHUNKS)
    out->upstream_chunks = sum.upstream_chunks;
  out->flags |= sum.flags;
}

/*
 * The bins are resources of their own, often over the same upstream: each one's stack
 * is trimmed here, and rmm_resource_trim() then goes on with the binning resource's
 * upstream (trimming a level twice gives back nothing more).
 */
static rmm_status_t binning_trim(void *raw, size_t *released)
{
  binning_t *state = raw;
  rmm_status_t status = RMM_SUCCESS;
  for (size_t i = 0; i < state->bin_count && status == RMM_SUCCESS; i++) {
    size_t bin_released = 0;
    status = rmm_resource_trim(state->bins[i].mr, &bin_released);
    *released += bin_released;
  }
  return status;
}

static void binning_reset_peak(void *raw)
{
  binning_t *state = raw;
  rmm__usage_reset_peak(&state->usage);
  for (size_t i = 0; i < state->bin_count; i++)
    (void)rmm_resource_reset_peak(state->bins[i].mr);
}

static void binning_destroy(void *raw)
{
  binning_t *state = raw;
  for (size_t i = 0; i < state->bin_count; i++)
    rmm_resource_release(state->bins[i].mr);
  free(state->bins);
  free(state);
}

/* Snapshots and rmm_resource_set_oom_dump() reach the bins through this. */
static void binning_visit(const void *raw, void (*fn)(rmm_resource_t *held, void *arg), void *arg)
{
  const binning_t *state = raw;
  for (size_t i = 0; i < state->bin_count; i++)
    fn(state->bins[i].mr, arg);
}

static const rmm_impl_t binning_impl = {
    .name = "binning",
    .allocate = binning_allocate,
    .deallocate = binning_deallocate,
    .get_stats = binning_get_stats,
    .destroy = binning_destroy,
    .trim = binning_trim,
    .reset_peak = binning_reset_peak,
    .visit = binning_visit,
};

RMM_API rmm_status_t rmm_binning_create(rmm_resource_t *upstream, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_binning_create: the output pointer is NULL");
  *out = NULL;
  rmm_resource_t *up;
  rmm_status_t status = rmm__resolve_resource(upstream, &up);
  if (status != RMM_SUCCESS)
    return status;
  binning_t *state = calloc(1, sizeof *state);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_binning_create: no host memory for the resource");
  state->upstream = up;
  status = rmm__resource_new(&binning_impl, state, rmm_resource_properties(up), up, out);
  if (status != RMM_SUCCESS) {
    free(state);
    return status;
  }
  state->self = *out;
  RMM_LOG(RMM_LOG_DEBUG, "binning: created over %s", rmm_resource_name(up));
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_binning_create_range(rmm_resource_t *upstream, int min_log2, int max_log2,
                                              rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_binning_create_range: the output pointer is NULL");
  *out = NULL;
  if (min_log2 < 0 || max_log2 > 62 || min_log2 > max_log2)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_binning_create_range: bins from 2^%d to 2^%d bytes are not a range; give 0 <= min_log2 "
                     "<= max_log2 <= 62",
                     min_log2, max_log2);
  rmm_resource_t *mr = NULL;
  rmm_status_t status = rmm_binning_create(upstream, &mr);
  for (int i = min_log2; status == RMM_SUCCESS && i <= max_log2; i++)
    status = rmm_binning_add_bin(mr, (size_t)1 << i, NULL);
  if (status != RMM_SUCCESS) {
    rmm_resource_release(mr);
    return status;
  }
  *out = mr;
  return RMM_SUCCESS;
}

/* Makes the default bin: a fixed-size resource of `size` blocks over the upstream. */
static rmm_status_t new_fixed_size_bin(binning_t *state, size_t size, rmm_resource_t **out)
{
  rmm_status_t status = rmm_fixed_size_create(state->upstream, size, 0, out);
  if (status != RMM_SUCCESS) {
    char reason[512], text[RMM_BYTES_TEXT];
    snprintf(reason, sizeof reason, "%s", rmm_last_error_message());
    return rmm__fail(status, "rmm_binning_add_bin: cannot create the %s bin over %s: %s",
                     rmm__format_bytes(size, text), rmm_resource_name(state->upstream), reason);
  }
  return RMM_SUCCESS;
}

/* Puts `bin_mr` (a reference the caller gives away) at `size`, replacing a bin of that size. */
static rmm_status_t insert_bin(binning_t *state, size_t size, rmm_resource_t *bin_mr)
{
  size_t at = 0;
  while (at < state->bin_count && state->bins[at].size < size)
    at++;
  if (at < state->bin_count && state->bins[at].size == size) {
    rmm_resource_t *old = state->bins[at].mr;
    state->bins[at].mr = bin_mr;
    rmm_resource_release(old);
    return RMM_SUCCESS;
  }
  if (state->bin_count == state->bin_capacity) {
    size_t capacity = state->bin_capacity == 0 ? 8 : state->bin_capacity * 2;
    bin_t *bins = realloc(state->bins, capacity * sizeof *bins);
    if (bins == NULL) {
      rmm_resource_release(bin_mr);
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_binning_add_bin: no host memory for %zu bins", capacity);
    }
    state->bins = bins;
    state->bin_capacity = capacity;
  }
  for (size_t i = state->bin_count; i > at; i--)
    state->bins[i] = state->bins[i - 1];
  state->bins[at] = (bin_t){.size = size, .mr = bin_mr};
  state->bin_count++;
  return RMM_SUCCESS;
}

/*
 * Whether a request to `from` can come back to `target`: through upstreams, and
 * through the resources each one holds besides (the .visit hook: a binning resource's
 * bins), the only links that change after creation. A bin that reaches its own binning
 * resource would recurse until the stack overflows.
 */
static bool reaches(const rmm_resource_t *from, const rmm_resource_t *target);

typedef struct reach {
  const rmm_resource_t *target;
  bool found;
} reach_t;

static void visit_reaches(rmm_resource_t *held, void *raw)
{
  reach_t *reach = raw;
  reach->found = reach->found || reaches(held, reach->target);
}

static bool reaches(const rmm_resource_t *from, const rmm_resource_t *target)
{
  for (const rmm_resource_t *mr = from; mr != NULL; mr = rmm_resource_upstream(mr)) {
    if (mr == target)
      return true;
    reach_t reach = {target, false};
    if (mr->impl->visit != NULL)
      mr->impl->visit(mr->state, visit_reaches, &reach);
    if (reach.found)
      return true;
  }
  return false;
}

RMM_API rmm_status_t rmm_binning_add_bin(rmm_resource_t *mr, size_t allocation_size, rmm_resource_t *bin_mr)
{
  binning_t *state = rmm__resource_state(mr, &binning_impl);
  if (state == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_binning_add_bin: %s is not a binning resource",
                     mr == NULL ? "NULL" : rmm_resource_name(mr));
  size_t size;
  if (allocation_size == 0 || !rmm__align_up(allocation_size, RMM_ALLOCATION_ALIGNMENT, &size))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_binning_add_bin: a bin of %zu bytes cannot be made",
                     allocation_size);
  if (bin_mr != NULL && reaches(bin_mr, mr))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_binning_add_bin: the bin resource (%s) leads back to this binning resource, a cycle",
                     rmm_resource_name(bin_mr));
  /*
   * RMM takes any bin, e.g. a cuda bin under a managed upstream; so does librmm, but a
   * bin whose memory lacks the upstream's properties is worth a warning.
   */
  unsigned needed = rmm_resource_properties(mr);
  if (bin_mr != NULL && (rmm_resource_properties(bin_mr) & needed) != needed)
    RMM_LOG(RMM_LOG_WARN, "binning: the bin resource (%s) lacks the memory properties of the upstream (%s)",
            rmm_resource_name(bin_mr), rmm_resource_name(state->upstream));
  rmm_resource_t *held = NULL;
  if (bin_mr != NULL) {
    held = rmm_resource_retain(bin_mr);
  } else {
    rmm_status_t created = new_fixed_size_bin(state, size, &held);
    if (created != RMM_SUCCESS)
      return created;
  }
  rmm_status_t status = insert_bin(state, size, held);
  if (status == RMM_SUCCESS) {
    char text[RMM_BYTES_TEXT];
    RMM_LOG(RMM_LOG_DEBUG, "binning: the %s bin is %s", rmm__format_bytes(size, text), rmm_resource_name(held));
  }
  return status;
}
