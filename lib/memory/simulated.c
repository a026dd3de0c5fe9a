/*
 * Addresses with no memory behind them, for replaying allocation logs and simulating
 * large pools on any machine. Addresses come from a bump pointer in a range no real
 * allocation uses and are never reused; capacity bounds the bytes outstanding.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/resource.h"

#define SIMULATED_BASE ((uintptr_t)1 << 44)

typedef struct simulated {
  size_t capacity;
  atomic_uintptr_t next;
  rmm_usage_t usage;
} simulated_t;

static rmm_status_t simulated_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  simulated_t *sim = state;
  char size[RMM_BYTES_TEXT], used[RMM_BYTES_TEXT], capacity[RMM_BYTES_TEXT];
  if (alignment < RMM_ALLOCATION_ALIGNMENT)
    alignment = RMM_ALLOCATION_ALIGNMENT;
  size_t padded;
  if (!rmm__align_up(bytes, alignment, &padded))
    padded = SIZE_MAX;

  /* Claim the bytes first, so that concurrent callers never exceed the capacity together. */
  size_t in_use;
  if (!rmm__usage_try_add(&sim->usage, padded, sim->capacity, &in_use))
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
                     "simulated: out of memory (failed to allocate %s = %zu bytes; %s of %s in use)",
                     rmm__format_bytes(bytes, size), bytes, rmm__format_bytes(in_use, used),
                     rmm__format_bytes(sim->capacity, capacity));

  /* Over-reserve by the alignment so that any alignment can be met inside the range. */
  uintptr_t start = atomic_fetch_add_explicit(&sim->next, padded + alignment, memory_order_relaxed);
  *ptr = (void *)((start + alignment - 1) & ~(uintptr_t)(alignment - 1));
  return RMM_SUCCESS;
}

static rmm_status_t simulated_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)stream;
  simulated_t *sim = state;
  uintptr_t address = (uintptr_t)ptr;
  if (alignment < RMM_ALLOCATION_ALIGNMENT)
    alignment = RMM_ALLOCATION_ALIGNMENT;
  size_t padded;
  if (address < SIMULATED_BASE || address >= atomic_load(&sim->next) || !rmm__align_up(bytes, alignment, &padded) ||
      padded > atomic_load_explicit(&sim->usage.in_use, memory_order_relaxed))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "simulated: %p (%zu bytes) was not allocated by this resource", ptr, bytes);
  rmm__usage_sub(&sim->usage, padded);
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

static const rmm_impl_t simulated_impl = {
    .name = "simulated",
    .allocate = simulated_allocate,
    .deallocate = simulated_deallocate,
    .get_stats = simulated_get_stats,
    .destroy = free,
    .reset_peak = simulated_reset_peak,
};

RMM_API rmm_status_t rmm_simulated_create(size_t capacity, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_simulated_create: the output pointer is NULL");
  *out = NULL;
  simulated_t *sim = calloc(1, sizeof *sim);
  if (sim == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_simulated_create: no host memory for the resource");
  sim->capacity = capacity;
  atomic_init(&sim->next, SIMULATED_BASE);
  rmm_status_t status = rmm__resource_new(&simulated_impl, sim, 0, NULL, out);
  if (status != RMM_SUCCESS)
    free(sim);
  return status;
}
