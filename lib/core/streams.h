/*
 * The set of registered streams and the listeners that hear when one leaves it.
 * lib/stream fills the set (rmm_stream_register, the stream pool); the sub-allocators
 * read it and listen. It lives in core because both sides must see it and core is
 * the only layer below both.
 */
#ifndef RMM_CORE_STREAMS_H
#define RMM_CORE_STREAMS_H

#include <stdbool.h>

#include <rmm/common.h>

/*
 * A resource that keeps per-stream state. `unregistered` runs, with no librmm lock
 * held by the caller, when a registered stream is unregistered for the last time,
 * while the stream is still valid.
 */
typedef struct rmm_stream_listener {
  void (*unregistered)(struct rmm_stream_listener *listener, rmm_stream_t stream);
  struct rmm_stream_listener *prev, *next; /* owned by the listener list */
} rmm_stream_listener_t;

void rmm__stream_listener_add(rmm_stream_listener_t *listener);
void rmm__stream_listener_remove(rmm_stream_listener_t *listener);

/*
 * Adds one registration of `stream` (registrations are counted); fails with
 * RMM_ERROR_BAD_ALLOC when the set cannot grow.
 */
rmm_status_t rmm__stream_registry_add(rmm_stream_t stream);

/*
 * Drops one registration; at the last one every listener hears of it.
 * RMM_ERROR_INVALID_ARGUMENT when `stream` is not registered.
 */
rmm_status_t rmm__stream_registry_remove(rmm_stream_t stream);

/* Whether `stream` is registered now. */
bool rmm__stream_is_registered(rmm_stream_t stream);

#endif
