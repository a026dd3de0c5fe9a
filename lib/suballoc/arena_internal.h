/*
 * The arena resource as its two files see it: arena.c (allocation, defragmentation,
 * statistics) and arena_threads.c (which per-thread arena belongs to the calling
 * thread, and what happens to it when the thread exits).
 */
#ifndef RMM_SUBALLOC_ARENA_INTERNAL_H
#define RMM_SUBALLOC_ARENA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdalign.h>
#include <stdint.h>

#include "core/notes.h"
#include "core/resource.h"
#include "core/snapshot.h"
#include "suballoc/ds/arena_heap.h"
#include "suballoc/ds/arena_spans.h"
#include "suballoc/ds/arena_stream_map.h"

/* A per-thread or per-stream arena: the superblocks it holds and their blocks. */
typedef struct arena {
  pthread_mutex_t lock;
  arena_heap_t heap;
  rmm_stream_t stream; /* the stream it serves; RMM_STREAM_PER_THREAD for a per-thread arena */
  bool per_thread;
  bool orphaned;       /* a per-thread arena whose thread has exited; under arenas_lock */
  struct arena *next;  /* all arenas of the resource, oldest first */
} arena_t;

typedef struct arena_state {
  uint64_t id; /* unique in the process: names the resource in threads' caches */
  rmm_resource_t *upstream;
  void *memory;
  size_t size;
  /* The global arena went back to the upstream (trim); written under global_lock. */
  atomic_bool released;
  bool device; /* the upstream is device accessible: synchronise when memory changes streams */
  bool dump_log_on_failure;
  int device_id;                /* the CUDA device of the memory; -1 for host memory */
  const rmm_resource_t *self;   /* the resource object, for the history and out-of-memory reports */
  rmm__heap_note_t note;        /* the global arena as an NVTX heap; NULL when annotations are off */

  /* Lock order: arenas_lock, then arena locks (oldest first), then global_lock. */
  pthread_mutex_t global_lock; /* spans */
  arena_spans_t spans;
  pthread_mutex_t arenas_lock; /* the arena list, new arenas, the stream map's writers */
  arena_t *arenas;
  arena_t *newest;
  arena_stream_map_t streams; /* read without a lock */

  /* A cache line of its own: every thread writes it, the fields above are read on every call. */
  alignas(64) rmm_usage_t usage;
  rmm_reclaim_t reclaim;
  struct arena_state *next_live; /* the registry of live arena resources (arena_threads.c) */
} arena_state_t;

/* The calling thread's per-thread arena, created (or adopted) on first use. */
rmm_status_t rmm__arena_thread_get(arena_state_t *state, arena_t **out);

/* The calling thread's per-thread arena, or NULL when it has none. */
arena_t *rmm__arena_thread_find(const arena_state_t *state);

/* Makes the resource known to exiting threads, and forgets it. */
void rmm__arena_registry_add(arena_state_t *state);
void rmm__arena_registry_remove(arena_state_t *state);

/* A per-thread arena for a new thread: an orphaned one if any (arena.c). */
rmm_status_t rmm__arena_attach_thread(arena_state_t *state, arena_t **out);

/* Describes the global arena, its superblocks and every block to a snapshot (arena_snapshot.c). */
void rmm__arena_snapshot(const void *state, rmm__snapshot_t *snap);

/* Marks a per-thread arena orphaned when its thread exits (arena.c). */
void rmm__arena_detach_thread(arena_state_t *state, arena_t *arena);

#endif
