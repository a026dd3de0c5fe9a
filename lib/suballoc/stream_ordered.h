/*
 * The stream-ordered layer that pool and fixed_size share (DESIGN.md, section 5): one
 * free list per stream, and the events that let another stream take a list's blocks.
 *
 * The layer owns the lists' headers and a lookup from stream to list; what a list
 * holds (a free set, a stack of blocks) is the family's payload, stored after the
 * header. One mutex, the layer's, guards the lists and everything the family keeps
 * beside them, so an allocation or a free is one critical section.
 *
 * Streams librmm knows (the default streams, registered streams, the stream pool's)
 * are keyed by handle; their lists need no CUDA call until another stream takes their
 * blocks, when an event is recorded and waited on. Any other stream is keyed by its
 * id (cudaStreamGetId) and its list records an event at every free. Over a host-only
 * upstream nothing of this calls CUDA: lists are keyed by handle alone.
 */
#ifndef RMM_SUBALLOC_STREAM_ORDERED_H
#define RMM_SUBALLOC_STREAM_ORDERED_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cuda.h"
#include "core/streams.h"

/* Why a stream's list exists, which decides how another stream may take its blocks. */
typedef enum rmm_so_kind {
  RMM_SO_HOST,       /* any stream over a host-only upstream: no events */
  RMM_SO_DEFAULT,    /* NULL and RMM_STREAM_LEGACY, one list */
  RMM_SO_PER_THREAD, /* RMM_STREAM_PER_THREAD of one thread */
  RMM_SO_REGISTERED, /* a registered or stream-pool stream: event recorded when needed */
  RMM_SO_UNKNOWN,    /* any other stream, keyed by id: event recorded at every free */
  RMM_SO_RETIRED,    /* a registered stream since unregistered: its last event is recorded */
} rmm_so_kind_t;

typedef struct rmm_so_list {
  uint64_t key;        /* the lookup key, tagged by kind (stream_ordered.c) */
  rmm_stream_t stream; /* the handle to record on, while the stream is known */
  uint64_t thread;     /* RMM_STREAM_PER_THREAD's list: the serial number of the owning thread; else 0 */
  rmm_so_kind_t kind;
  rmm_event_t event;   /* created when first needed */
  max_align_t payload[];
} rmm_so_list_t;

typedef struct rmm_so {
  pthread_mutex_t lock;
  const char *name;    /* the family's, for messages */
  bool device;         /* the upstream is device accessible: events are used */
  size_t payload_size;
  void (*payload_init)(void *payload);
  void (*payload_fini)(void *payload);
  bool (*payload_empty)(const void *payload);
  rmm_so_list_t **lists; /* every list, in creation order */
  size_t count, capacity;
  rmm_so_list_t **table; /* open addressing by key; rebuilt when a list leaves */
  size_t table_capacity; /* a power of two, at least twice count; 0 before the first list */
  uint64_t retired;      /* serial numbers of retired lists, which nothing looks up */
  rmm_stream_listener_t listener;
} rmm_so_t;

/* Sets up `so`; registers it as a stream listener. False when the mutex fails. */
bool rmm__so_init(rmm_so_t *so, const char *name, bool device, size_t payload_size, void (*payload_init)(void *),
                  void (*payload_fini)(void *), bool (*payload_empty)(const void *));

/* Stops listening and frees every list (their payloads through payload_fini) and event. */
void rmm__so_fini(rmm_so_t *so);

static inline void *rmm__so_payload(rmm_so_list_t *list) { return list->payload; }

/*
 * The list of `stream`, created on first use (the only time this allocates).
 * so->lock held. Fails with RMM_ERROR_BAD_ALLOC, or RMM_ERROR_CUDA for an unknown
 * stream whose id or event cannot be had.
 */
rmm_status_t rmm__so_list(rmm_so_t *so, rmm_stream_t stream, rmm_so_list_t **out);

/*
 * Call before putting a freed block on `list`: an unknown stream's list records its
 * event now, so that the event covers the work that used the block. so->lock held.
 */
rmm_status_t rmm__so_freed(rmm_so_t *so, rmm_so_list_t *list);

/*
 * Makes `stream` (the caller's, whose list is `into`) wait for every block freed on
 * `from` so far: records `from`'s event when it is a known stream's, and waits on it.
 * When `into` records an event at every free (an unknown stream's), it records one
 * again after the wait, so that a third stream taking the blocks from `into` later
 * waits for `from`'s work too. Over a host-only upstream nothing is done.
 * so->lock held.
 */
rmm_status_t rmm__so_wait_for(rmm_so_t *so, rmm_so_list_t *from, rmm_so_list_t *into, rmm_stream_t stream);

/*
 * Frees `list` when it is empty and its stream may be gone (an unknown or retired
 * stream's, another thread's per-thread stream's), so that lists of destroyed streams
 * and exited threads do not pile up; a live one is simply made again when needed. so->lock held;
 * `list` is invalid after it returns true.
 */
bool rmm__so_drop_if_dead(rmm_so_t *so, rmm_so_list_t *list);

#endif
