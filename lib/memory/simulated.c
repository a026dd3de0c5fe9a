/*
 * Addresses with no memory behind them, for replaying allocation logs and simulating
 * large pools on any machine. Addresses come from a bump pointer in a range no real
 * allocation uses and are never reused; capacity bounds the bytes outstanding. Every
 * live address is kept in a table, so that a double free, a foreign pointer or a wrong
 * size is refused however many other blocks are live.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/construct.h"
#include "core/ptr_map.h"

#define SIMULATED_BASE ((uintptr_t)1 << 44)

typedef struct simulated {
  size_t capacity;
  pthread_mutex_t lock; /* guards next and live */
  uintptr_t next;       /* the lowest address never handed out */
  rmm_ptr_map_t live;   /* address -> the bytes asked for */
  rmm_usage_t usage;    /* requests rounded up to 256 bytes */
} simulated_t;

/* What a request counts against the capacity: its bytes rounded up to 256; SIZE_MAX when that overflows. */
static size_t counted(size_t bytes)
{
  size_t padded;
  return rmm__align_up(bytes, RMM_ALLOCATION_ALIGNMENT, &padded) ? padded : SIZE_MAX;
}

/* The next `alignment`-aligned range of `padded` bytes, or false when the address space is used up. */
static bool take_range(simulated_t *sim, size_t padded, size_t alignment, uintptr_t *start)
{
  size_t aligned;
  if (!rmm__align_up(sim->next, alignment, &aligned) || padded > UINTPTR_MAX - aligned)
    return false;
  *start = aligned;
  sim->next = aligned + padded;
  return true;
}

static rmm_status_t simulated_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  simulated_t *sim = state;
  char size[RMM_BYTES_TEXT], used[RMM_BYTES_TEXT], capacity[RMM_BYTES_TEXT];
  if (alignment < RMM_ALLOCATION_ALIGNMENT)
    alignment = RMM_ALLOCATION_ALIGNMENT;
  size_t padded = counted(bytes);
  pthread_mutex_lock(&sim->lock);
  size_t in_use;
  if (!rmm__usage_try_add(&sim->usage, padded, sim->capacity, &in_use)) {
    pthread_mutex_unlock(&sim->lock);
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
                     "simulated: out of memory (failed to allocate %s = %zu bytes; %s of %s in use)",
                     rmm__format_bytes(bytes, size), bytes, rmm__format_bytes(in_use, used),
                     rmm__format_bytes(sim->capacity, capacity));
  }
  uintptr_t start;
  rmm_ptr_insert_t inserted = RMM_PTR_NO_MEMORY;
  bool ranged = take_range(sim, padded, alignment, &start);
  if (ranged)
    inserted = rmm__ptr_map_insert(&sim->live, (void *)start, (void *)(uintptr_t)bytes);
  if (inserted != RMM_PTR_INSERTED)
    rmm__usage_sub(&sim->usage, padded);
  pthread_mutex_unlock(&sim->lock);
  if (!ranged)
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
                     "simulated: out of addresses (failed to allocate %s = %zu bytes: addresses are never reused, and "
                     "too few are left)",
                     rmm__format_bytes(bytes, size), bytes);
  if (inserted != RMM_PTR_INSERTED)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "simulated: no host memory to record the allocation of %zu bytes", bytes);
  *ptr = (void *)start;
  return RMM_SUCCESS;
}

static rmm_status_t simulated_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream, (void)alignment;
  simulated_t *sim = state;
  void *recorded;
  pthread_mutex_lock(&sim->lock);
  bool found = rmm__ptr_map_remove(&sim->live, ptr, &recorded);
  size_t given = found ? (size_t)(uintptr_t)recorded : 0;
  if (found && given != bytes)
    (void)rmm__ptr_map_insert(&sim->live, ptr, recorded);
  else if (found)
    rmm__usage_sub(&sim->usage, counted(bytes));
  pthread_mutex_unlock(&sim->lock);
  if (!found)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "simulated: %p (%zu bytes) was not allocated by this resource, or was freed already", ptr, bytes);
  if (given != bytes)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "simulated: %p was allocated with %zu bytes but freed with %zu", ptr,
                     given, bytes);
  return RMM_SUCCESS;
}

static void simulated_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const simulated_t *sim = state;
  rmm__usage_stats(&sim->usage, true, out);
}

static void simulated_reset_peak(void *state)
{
  simulated_t *sim = state;
  rmm__usage_reset_peak(&sim->usage);
}

static void simulated_destroy(void *state)
{
  simulated_t *sim = state;
  rmm__ptr_map_free(&sim->live);
  pthread_mutex_destroy(&sim->lock);
  free(sim);
}

static const rmm_impl_t simulated_impl = {
    .name = "simulated",
    .allocate = simulated_allocate,
    .deallocate = simulated_deallocate,
    .get_stats = simulated_get_stats,
    .destroy = simulated_destroy,
    .reset_peak = simulated_reset_peak,
};

RMM_API rmm_status_t rmm_simulated_create(size_t capacity, rmm_resource_t **out)
{
  rmm_status_t status = rmm__adaptor_begin("rmm_simulated_create", out);
  if (status != RMM_SUCCESS)
    return status;
  simulated_t *sim = calloc(1, sizeof *sim);
  if (sim == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_simulated_create: no host memory for the resource");
  status = rmm__mutex_init("rmm_simulated_create", &sim->lock);
  if (status != RMM_SUCCESS) {
    free(sim);
    return status;
  }
  sim->capacity = capacity;
  sim->next = SIMULATED_BASE;
  status = rmm__resource_new(&simulated_impl, sim, 0, NULL, out);
  if (status != RMM_SUCCESS)
    simulated_destroy(sim);
  return status;
}
