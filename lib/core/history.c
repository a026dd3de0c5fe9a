/*
 * The allocation history ring. One lock guards the ring: recording is a debugging aid
 * that callers turn on, and a lock keeps the events in one order that every thread
 * agrees on, which is what a reader of the history needs.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/history.h"
#include "core/resource.h"

atomic_bool rmm__history_on;

static pthread_mutex_t ring_lock = PTHREAD_MUTEX_INITIALIZER;
static rmm__history_event_t *ring; /* under ring_lock, as the two below */
static size_t ring_capacity;
static uint64_t ring_next; /* the seq of the next event; the ring holds the last min(next, capacity) */

void rmm__history_record(int kind, const rmm_resource_t *mr, const void *addr, size_t size, rmm_stream_t stream)
{
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  rmm__history_event_t event = {
      .time_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec,
      .kind = kind,
      .resource = (uintptr_t)mr,
      .addr = (uintptr_t)addr,
      .size = size,
      .stream = (uintptr_t)stream,
  };
  const char *name = mr != NULL ? mr->name : "";
  size_t length = strnlen(name, sizeof event.name - 1);
  memcpy(event.name, name, length);
  pthread_mutex_lock(&ring_lock);
  /* Recording may have been turned off since the caller looked. */
  if (ring != NULL) {
    event.seq = ring_next++;
    ring[event.seq % ring_capacity] = event;
  }
  pthread_mutex_unlock(&ring_lock);
}

bool rmm__history_copy(rmm__history_event_t **events, size_t *count, size_t *capacity)
{
  *events = NULL;
  *count = *capacity = 0;
  bool ok = true;
  pthread_mutex_lock(&ring_lock);
  if (ring != NULL) {
    size_t held = ring_next < ring_capacity ? (size_t)ring_next : ring_capacity;
    *events = malloc((held > 0 ? held : 1) * sizeof **events);
    ok = *events != NULL;
    for (size_t i = 0; ok && i < held; i++)
      (*events)[i] = ring[(ring_next - held + i) % ring_capacity];
    if (ok) {
      *count = held;
      *capacity = ring_capacity;
    }
  }
  pthread_mutex_unlock(&ring_lock);
  return ok;
}

const char *rmm__history_kind_name(int kind)
{
  switch (kind) {
  case RMM__HISTORY_ALLOC:
    return "alloc";
  case RMM__HISTORY_FREE:
    return "free";
  case RMM__HISTORY_GROW:
    return "grow";
  case RMM__HISTORY_TRIM:
    return "trim";
  case RMM__HISTORY_OOM:
    return "oom";
  }
  return "unknown";
}

RMM_API rmm_status_t rmm_history_enable(size_t capacity)
{
  if (capacity == 0 || capacity > SIZE_MAX / sizeof(rmm__history_event_t))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_history_enable: capacity %zu is not between 1 and %zu", capacity,
                     SIZE_MAX / sizeof(rmm__history_event_t));
  rmm__history_event_t *fresh = calloc(capacity, sizeof *fresh);
  if (fresh == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_history_enable: no host memory for %zu events", capacity);
  pthread_mutex_lock(&ring_lock);
  rmm__history_event_t *old = ring;
  ring = fresh;
  ring_capacity = capacity;
  ring_next = 0;
  atomic_store_explicit(&rmm__history_on, true, memory_order_relaxed);
  pthread_mutex_unlock(&ring_lock);
  free(old);
  return RMM_SUCCESS;
}

RMM_API void rmm_history_disable(void)
{
  pthread_mutex_lock(&ring_lock);
  atomic_store_explicit(&rmm__history_on, false, memory_order_relaxed);
  rmm__history_event_t *old = ring;
  ring = NULL;
  ring_capacity = 0;
  ring_next = 0;
  pthread_mutex_unlock(&ring_lock);
  free(old);
}
