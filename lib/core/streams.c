/*
 * The registered streams: a small array under a mutex (registration is rare and
 * lookups happen only when a resource meets a stream for the first time), and a
 * list of listeners under a second mutex. The registry lock is never held while a
 * listener runs, so a listener may take its resource's lock, and a resource may
 * ask the registry while holding its own.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/streams.h"

typedef struct registration {
  rmm_stream_t stream;
  size_t count;
} registration_t;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static registration_t *registered;
static size_t registered_count, registered_capacity;

static pthread_mutex_t listeners_lock = PTHREAD_MUTEX_INITIALIZER;
static rmm_stream_listener_t *listeners;

/* The index of `stream` in the set, or registered_count; registry_lock held. */
static size_t find(rmm_stream_t stream)
{
  size_t i = 0;
  while (i < registered_count && registered[i].stream != stream)
    i++;
  return i;
}

/* Room for one more registration; registry_lock held. */
static bool grow(void)
{
  if (registered_count < registered_capacity)
    return true;
  size_t capacity = registered_capacity != 0 ? 2 * registered_capacity : 16;
  registration_t *more = realloc(registered, capacity * sizeof *more);
  if (more == NULL)
    return false;
  registered = more;
  registered_capacity = capacity;
  return true;
}

rmm_status_t rmm__stream_registry_add(rmm_stream_t stream)
{
  rmm_status_t status = RMM_SUCCESS;
  pthread_mutex_lock(&registry_lock);
  size_t i = find(stream);
  if (i < registered_count)
    registered[i].count++;
  else if (grow())
    registered[registered_count++] = (registration_t){stream, 1};
  else
    status = rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_stream_register: no host memory to register stream %p",
                       (void *)stream);
  pthread_mutex_unlock(&registry_lock);
  return status;
}

/* Tells every listener that `stream` left the set. */
static void notify(rmm_stream_t stream)
{
  pthread_mutex_lock(&listeners_lock);
  for (rmm_stream_listener_t *listener = listeners; listener != NULL; listener = listener->next)
    listener->unregistered(listener, stream);
  pthread_mutex_unlock(&listeners_lock);
}

rmm_status_t rmm__stream_registry_remove(rmm_stream_t stream)
{
  pthread_mutex_lock(&registry_lock);
  size_t i = find(stream);
  bool found = i < registered_count, last = found && --registered[i].count == 0;
  if (last)
    registered[i] = registered[--registered_count];
  if (registered_count == 0) {
    free(registered);
    registered = NULL;
    registered_capacity = 0;
  }
  pthread_mutex_unlock(&registry_lock);
  if (!found)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_stream_unregister: stream %p is not registered",
                     (void *)stream);
  if (last)
    notify(stream);
  return RMM_SUCCESS;
}

bool rmm__stream_is_registered(rmm_stream_t stream)
{
  pthread_mutex_lock(&registry_lock);
  bool found = find(stream) < registered_count;
  pthread_mutex_unlock(&registry_lock);
  return found;
}

void rmm__stream_listener_add(rmm_stream_listener_t *listener)
{
  pthread_mutex_lock(&listeners_lock);
  listener->prev = NULL;
  listener->next = listeners;
  if (listeners != NULL)
    listeners->prev = listener;
  listeners = listener;
  pthread_mutex_unlock(&listeners_lock);
}

void rmm__stream_listener_remove(rmm_stream_listener_t *listener)
{
  pthread_mutex_lock(&listeners_lock);
  if (listener->prev != NULL)
    listener->prev->next = listener->next;
  else
    listeners = listener->next;
  if (listener->next != NULL)
    listener->next->prev = listener->prev;
  pthread_mutex_unlock(&listeners_lock);
}
