/*
 * The resource object as the families see it: every family fills an rmm_impl_t and
 * hands its state to rmm__resource_new(). Nothing here is exported.
 */
#ifndef RMM_CORE_RESOURCE_H
#define RMM_CORE_RESOURCE_H

#include <stdatomic.h>

#include <rmm/rmm.h>

struct rmm__snapshot; /* core/snapshot.h */

/*
 * A family's operations. allocate and deallocate never see 0 bytes, NULL pointers or
 * alignments that are not powers of two: rmm_allocate() and rmm_deallocate() answer those.
 */
typedef struct rmm_impl {
  const char *name;
  rmm_status_t (*allocate)(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream);
  rmm_status_t (*deallocate)(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream);
  /* Called only for two resources of this impl; NULL compares identity. */
  bool (*is_equal)(const void *state, const void *other_state);
  /* Optional; `out` arrives zeroed with struct_size set to the library's own size. */
  void (*get_stats)(const void *state, rmm_resource_stats_t *out);
  /* Optional; runs once at the last release, before the upstream is released. */
  void (*destroy)(void *state);
  /*
   * Optional: returns to the upstream what the resource holds wholly free and adds the
   * bytes to `*released` (which arrives at 0). Only this resource's own memory:
   * rmm_resource_trim() goes on to the upstream itself.
   */
  rmm_status_t (*trim)(void *state, size_t *released);
  /* Optional: the resource's peak figures restart from what is in use now (not the upstream's). */
  void (*reset_peak)(void *state);
  /* Optional: describes chunks and blocks (or live allocations) to a snapshot (core/snapshot.h). */
  void (*snapshot)(const void *state, struct rmm__snapshot *snap);
  /* Optional: calls `fn` on each resource held besides the upstream (binning's bins). */
  void (*visit)(const void *state, void (*fn)(rmm_resource_t *held, void *arg), void *arg);
} rmm_impl_t;

struct rmm_resource {
  const rmm_impl_t *impl;
  void *state;
  const char *name;         /* the impl's name, or a custom resource's own */
  unsigned properties;
  rmm_resource_t *upstream; /* one reference held, released after impl->destroy */
  atomic_size_t refs;
  char *oom_dump; /* rmm_resource_set_oom_dump()'s file, or NULL; under the lock in snapshot.c */
};

/*
 * Wraps `state` in a new resource with one reference. On success the resource retains
 * `upstream` (which may be NULL for a leaf) and owns `state`; on failure the caller
 * still owns both.
 */
rmm_status_t rmm__resource_new(const rmm_impl_t *impl, void *state, unsigned properties, rmm_resource_t *upstream,
                               rmm_resource_t **out);

/* `mr`'s state when it is of family `impl`, else NULL: the check behind every family query. */
void *rmm__resource_state(const rmm_resource_t *mr, const rmm_impl_t *impl);

/* NULL means the current device resource: the rule for upstreams and for the verbs. */
rmm_status_t rmm__resolve_resource(const rmm_resource_t *mr, rmm_resource_t **out);

/* Whether `alignment` is a power of two. */
static inline bool rmm__is_pow2(size_t alignment) { return alignment != 0 && (alignment & (alignment - 1)) == 0; }

/* `value` rounded up to `alignment` (a power of two); false when that overflows. */
static inline bool rmm__align_up(size_t value, size_t alignment, size_t *out)
{
  if (value > SIZE_MAX - (alignment - 1))
    return false;
  *out = (value + alignment - 1) & ~(alignment - 1);
  return true;
}

/* In-use and peak byte counters that several threads update without a lock. */
typedef struct rmm_usage {
  atomic_size_t in_use;
  atomic_size_t peak;
} rmm_usage_t;

static inline void rmm__usage_add(rmm_usage_t *usage, size_t bytes)
{
  size_t now = atomic_fetch_add_explicit(&usage->in_use, bytes, memory_order_relaxed) + bytes;
  size_t peak = atomic_load_explicit(&usage->peak, memory_order_relaxed);
  while (now > peak &&
         !atomic_compare_exchange_weak_explicit(&usage->peak, &peak, now, memory_order_relaxed, memory_order_relaxed))
    ;
}

/* Adds `bytes` unless that would pass `limit`; returns false (and the in-use figure) then. */
static inline bool rmm__usage_try_add(rmm_usage_t *usage, size_t bytes, size_t limit, size_t *in_use_seen)
{
  size_t in_use = atomic_load_explicit(&usage->in_use, memory_order_relaxed);
  do {
    if (bytes > limit || in_use > limit - bytes) {
      *in_use_seen = in_use;
      return false;
    }
  } while (!atomic_compare_exchange_weak_explicit(&usage->in_use, &in_use, in_use + bytes, memory_order_relaxed,
                                                  memory_order_relaxed));
  size_t now = in_use + bytes;
  size_t peak = atomic_load_explicit(&usage->peak, memory_order_relaxed);
  while (now > peak &&
         !atomic_compare_exchange_weak_explicit(&usage->peak, &peak, now, memory_order_relaxed, memory_order_relaxed))
    ;
  return true;
}

static inline void rmm__usage_sub(rmm_usage_t *usage, size_t bytes)
{
  atomic_fetch_sub_explicit(&usage->in_use, bytes, memory_order_relaxed);
}

/* The peak restarts from what is in use now. */
static inline void rmm__usage_reset_peak(rmm_usage_t *usage)
{
  atomic_store_explicit(&usage->peak, atomic_load_explicit(&usage->in_use, memory_order_relaxed),
                        memory_order_relaxed);
}

/*
 * What a sub-allocator did under pressure, for rmm_resource_get_stats() (RMM_STATS_RECLAIM):
 * allocations retried after a trim, allocations that failed for want of memory, and the
 * bytes trim gave back to the upstream. Updated without a lock.
 */
typedef struct rmm_reclaim {
  atomic_size_t retries;
  atomic_size_t oom_failures;
  atomic_size_t bytes_trimmed;
} rmm_reclaim_t;

static inline void rmm__reclaim_count(atomic_size_t *counter, size_t amount)
{
  atomic_fetch_add_explicit(counter, amount, memory_order_relaxed);
}

/* Fills the reclaim fields of `out` and sets RMM_STATS_RECLAIM. */
void rmm__reclaim_stats(const rmm_reclaim_t *reclaim, rmm_resource_stats_t *out);

/* Fills the in-use fields of `out` from `usage`; leaf resources reserve what they hand out. */
void rmm__usage_stats(const rmm_usage_t *usage, bool reserved_is_in_use, rmm_resource_stats_t *out);

#endif
