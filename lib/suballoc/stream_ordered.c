/*
 * The stream-ordered layer: per-stream lists, found by a tagged key in a small open
 * addressing table, and the event protocol of DESIGN.md section 5.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "suballoc/stream_ordered.h"

/*
 * Keys: a handle as it is (user-space pointers leave the top bits clear), or a
 * per-thread stream's thread serial, an unknown stream's id, a retired list's serial,
 * each with its own tag in the top two bits, so that no two kinds can collide.
 */
#define TAG_THREAD ((uint64_t)1 << 62)
#define TAG_ID ((uint64_t)2 << 62)
#define TAG_RETIRED ((uint64_t)3 << 62)

/* Serial numbers of threads, never reused: a new thread never inherits an old one's list. */
static atomic_uint_fast64_t next_thread = 1;
static _Thread_local uint64_t this_thread;

static uint64_t thread_serial(void)
{
  if (this_thread == 0)
    this_thread = atomic_fetch_add_explicit(&next_thread, 1, memory_order_relaxed);
  return this_thread;
}

static size_t slot_of(const rmm_so_t *so, uint64_t key)
{
  return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & (so->table_capacity - 1);
}

static rmm_so_list_t *lookup(const rmm_so_t *so, uint64_t key)
{
  if (so->table_capacity == 0)
    return NULL;
  for (size_t i = slot_of(so, key);; i = (i + 1) & (so->table_capacity - 1)) {
    rmm_so_list_t *list = so->table[i];
    if (list == NULL || list->key == key)
      return list;
  }
}

static void table_put(rmm_so_t *so, rmm_so_list_t *list)
{
  size_t i = slot_of(so, list->key);
  while (so->table[i] != NULL)
    i = (i + 1) & (so->table_capacity - 1);
  so->table[i] = list;
}

/* Rebuilds the table with `capacity` slots from the list array. */
static bool rebuild(rmm_so_t *so, size_t capacity)
{
  rmm_so_list_t **table = calloc(capacity, sizeof *table);
  if (table == NULL)
    return false;
  free(so->table);
  so->table = table;
  so->table_capacity = capacity;
  for (size_t i = 0; i < so->count; i++)
    table_put(so, so->lists[i]);
  return true;
}

/* Room for one more list in the array and the table. */
static bool make_room(rmm_so_t *so)
{
  if (so->count == so->capacity) {
    size_t capacity = so->capacity != 0 ? 2 * so->capacity : 8;
    rmm_so_list_t **lists = realloc(so->lists, capacity * sizeof *lists);
    if (lists == NULL)
      return false;
    so->lists = lists;
    so->capacity = capacity;
  }
  if (2 * (so->count + 1) > so->table_capacity)
    return rebuild(so, so->table_capacity != 0 ? 2 * so->table_capacity : 16);
  return true;
}

static void free_list(rmm_so_t *so, rmm_so_list_t *list)
{
  so->payload_fini(rmm__so_payload(list));
  if (list->event != NULL)
    rmm__cuda_event_destroy(list->event);
  free(list);
}

/* Takes `list` out of the array and the table; the table is refilled in place. */
static void remove_list(rmm_so_t *so, rmm_so_list_t *list)
{
  size_t i = 0;
  while (so->lists[i] != list)
    i++;
  memmove(&so->lists[i], &so->lists[i + 1], (so->count - i - 1) * sizeof *so->lists);
  so->count--;
  memset(so->table, 0, so->table_capacity * sizeof *so->table);
  for (size_t j = 0; j < so->count; j++)
    table_put(so, so->lists[j]);
}

/* An unregistered stream: its lists record a last event and become retired. */
static void on_unregistered(rmm_stream_listener_t *listener, rmm_stream_t stream)
{
  rmm_so_t *so = (rmm_so_t *)((char *)listener - offsetof(rmm_so_t, listener));
  pthread_mutex_lock(&so->lock);
  rmm_so_list_t *list = lookup(so, (uint64_t)(uintptr_t)stream);
  if (list != NULL && list->kind == RMM_SO_REGISTERED) {
    remove_list(so, list);
    if (so->payload_empty(rmm__so_payload(list))) {
      free_list(so, list);
    } else {
      /* The event covers every free on the stream; without one, wait here instead. */
      if ((list->event == NULL && rmm__cuda_event_create(&list->event) != RMM_SUCCESS) ||
          rmm__cuda_event_record(list->event, stream) != RMM_SUCCESS) {
        (void)rmm__cuda_stream_synchronize(stream);
        if (list->event != NULL)
          rmm__cuda_event_destroy(list->event);
        list->event = NULL;
      }
      list->kind = RMM_SO_RETIRED;
      list->key = TAG_RETIRED | so->retired++;
      list->stream = NULL;
      /* Re-adding cannot fail: the array and the table had room for it a moment ago. */
      so->lists[so->count++] = list;
      table_put(so, list);
    }
  }
  pthread_mutex_unlock(&so->lock);
}

bool rmm__so_init(rmm_so_t *so, const char *name, bool device, size_t payload_size, void (*payload_init)(void *),
                  void (*payload_fini)(void *), bool (*payload_empty)(const void *))
{
  memset(so, 0, sizeof *so);
  if (pthread_mutex_init(&so->lock, NULL) != 0)
    return false;
  so->name = name;
  so->device = device;
  so->payload_size = payload_size;
  so->payload_init = payload_init;
  so->payload_fini = payload_fini;
  so->payload_empty = payload_empty;
  so->listener.unregistered = on_unregistered;
  if (device)
    rmm__stream_listener_add(&so->listener);
  return true;
}

void rmm__so_fini(rmm_so_t *so)
{
  if (so->device)
    rmm__stream_listener_remove(&so->listener);
  for (size_t i = 0; i < so->count; i++)
    free_list(so, so->lists[i]);
  free(so->lists);
  free(so->table);
  pthread_mutex_destroy(&so->lock);
}

/* The key and kind under which `stream` is looked up, before any CUDA call. */
static rmm_so_kind_t classify(const rmm_so_t *so, rmm_stream_t stream, uint64_t *key)
{
  if (stream == RMM_STREAM_PER_THREAD) {
    *key = TAG_THREAD | thread_serial();
    return so->device ? RMM_SO_PER_THREAD : RMM_SO_HOST;
  }
  if (stream == RMM_STREAM_LEGACY)
    stream = RMM_STREAM_DEFAULT;
  *key = (uint64_t)(uintptr_t)stream;
  if (!so->device)
    return RMM_SO_HOST;
  return stream == RMM_STREAM_DEFAULT ? RMM_SO_DEFAULT : RMM_SO_REGISTERED;
}

static rmm_status_t new_list(rmm_so_t *so, rmm_stream_t stream, uint64_t key, rmm_so_kind_t kind,
                             rmm_so_list_t **out)
{
  rmm_so_list_t *list = calloc(1, sizeof *list + so->payload_size);
  if (list == NULL || !make_room(so)) {
    free(list);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the free list of stream %p", so->name,
                     (void *)stream);
  }
  if (kind == RMM_SO_UNKNOWN) {
    rmm_status_t status = rmm__cuda_event_create(&list->event);
    if (status != RMM_SUCCESS) {
      free(list);
      return status;
    }
  }
  list->key = key;
  list->stream = stream == RMM_STREAM_LEGACY ? RMM_STREAM_DEFAULT : stream;
  list->kind = kind;
  if (stream == RMM_STREAM_PER_THREAD)
    list->thread = thread_serial();
  so->payload_init(rmm__so_payload(list));
  so->lists[so->count++] = list;
  table_put(so, list);
  *out = list;
  return RMM_SUCCESS;
}

rmm_status_t rmm__so_list(rmm_so_t *so, rmm_stream_t stream, rmm_so_list_t **out)
{
  uint64_t key;
  rmm_so_kind_t kind = classify(so, stream, &key);
  /* A handle found in the table was known when its list was made, and is until unregistered. */
  *out = lookup(so, key);
  if (*out != NULL)
    return RMM_SUCCESS;
  if (kind == RMM_SO_REGISTERED && !rmm__stream_is_registered(stream)) {
    uint64_t id;
    rmm_status_t status = rmm__cuda_stream_id(stream, &id);
    if (status != RMM_SUCCESS)
      return status;
    kind = RMM_SO_UNKNOWN;
    key = TAG_ID | (id & ~TAG_RETIRED);
    *out = lookup(so, key);
    if (*out != NULL)
      return RMM_SUCCESS;
  }
  return new_list(so, stream, key, kind, out);
}

rmm_status_t rmm__so_freed(rmm_so_t *so, rmm_so_list_t *list)
{
  (void)so;
  if (list->kind != RMM_SO_UNKNOWN)
    return RMM_SUCCESS;
  return rmm__cuda_event_record(list->event, list->stream);
}

/* Records `list`'s event on its stream now, creating the event on first use. */
static rmm_status_t record(rmm_so_list_t *list, rmm_stream_t stream)
{
  if (list->event == NULL) {
    rmm_status_t status = rmm__cuda_event_create(&list->event);
    if (status != RMM_SUCCESS)
      return status;
  }
  return rmm__cuda_event_record(list->event, stream);
}

rmm_status_t rmm__so_wait_for(rmm_so_t *so, rmm_so_list_t *from, rmm_so_list_t *into, rmm_stream_t stream)
{
  rmm_status_t status = RMM_SUCCESS;
  switch (from->kind) {
  case RMM_SO_HOST:
    return RMM_SUCCESS;
  case RMM_SO_PER_THREAD:
    /* Another thread's per-thread stream cannot be named from here: wait for the device. */
    if (from->thread != thread_serial())
      return rmm__cuda_device_synchronize();
    status = record(from, RMM_STREAM_PER_THREAD);
    break;
  case RMM_SO_DEFAULT:
  case RMM_SO_REGISTERED:
    status = record(from, from->stream);
    break;
  case RMM_SO_UNKNOWN:
  case RMM_SO_RETIRED:
    /* Recorded at every free, or at unregistering; a retired list without one was synchronised. */
    if (from->event == NULL)
      return RMM_SUCCESS;
    break;
  }
  if (status == RMM_SUCCESS)
    status = rmm__cuda_stream_wait_event(stream, from->event);
  if (status == RMM_SUCCESS)
    status = rmm__so_freed(so, into);
  return status;
}

/* Lists that may never be used again: another thread's per-thread list (it may have exited), and lists of streams that may be gone. */
static bool maybe_dead(const rmm_so_list_t *list)
{
  return list->kind == RMM_SO_UNKNOWN || list->kind == RMM_SO_RETIRED ||
         (list->thread != 0 && list->thread != thread_serial());
}

bool rmm__so_drop_if_dead(rmm_so_t *so, rmm_so_list_t *list)
{
  if (!maybe_dead(list) || !so->payload_empty(rmm__so_payload(list)))
    return false;
  remove_list(so, list);
  free_list(so, list);
  return true;
}
