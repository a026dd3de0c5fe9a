/*
 * Per-thread arenas. Each thread keeps a list of (resource id, arena) pairs and a
 * one-entry cache of the last one, so that finding the calling thread's arena takes
 * no lock. Resources are named by a process-unique id rather than their address, so a
 * stale entry can never be mistaken for a new resource at the same address.
 *
 * When a thread exits, its arenas are marked orphaned (for the next new thread to
 * adopt) under the registry lock, which also keeps the resource alive meanwhile:
 * destroying a resource first removes it from the registry.
 */
#include "config.h"

#include <stdlib.h>

#include "core/error.h"
#include "suballoc/arena_internal.h"

typedef struct thread_entry {
  uint64_t id;
  arena_t *arena;
  struct thread_entry *next;
} thread_entry_t;

static _Thread_local uint64_t cached_id;
static _Thread_local arena_t *cached_arena;
static _Thread_local thread_entry_t *entries;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static arena_state_t *registry;

static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static bool exit_key_made;

/* Called with registry_lock held. */
static arena_state_t *registry_find(uint64_t id)
{
  for (arena_state_t *state = registry; state != NULL; state = state->next_live)
    if (state->id == id)
      return state;
  return NULL;
}

/* The pthread key destructor: orphans the exiting thread's arenas of live resources. */
static void thread_exit(void *list)
{
  pthread_mutex_lock(&registry_lock);
  for (thread_entry_t *entry = list; entry != NULL;) {
    thread_entry_t *next = entry->next;
    arena_state_t *state = registry_find(entry->id);
    if (state != NULL)
      rmm__arena_detach_thread(state, entry->arena);
    free(entry);
    entry = next;
  }
  pthread_mutex_unlock(&registry_lock);
  entries = NULL;
  cached_id = 0;
  cached_arena = NULL;
}

static void make_exit_key(void) { exit_key_made = pthread_key_create(&exit_key, thread_exit) == 0; }

/* Drops the entries of destroyed resources, so that a thread's list stays short. */
static void prune_entries(void)
{
  pthread_mutex_lock(&registry_lock);
  thread_entry_t **link = &entries;
  while (*link != NULL) {
    thread_entry_t *entry = *link;
    if (registry_find(entry->id) == NULL) {
      *link = entry->next;
      free(entry);
    } else {
      link = &entry->next;
    }
  }
  pthread_mutex_unlock(&registry_lock);
}

void rmm__arena_registry_add(arena_state_t *state)
{
  pthread_mutex_lock(&registry_lock);
  state->next_live = registry;
  registry = state;
  pthread_mutex_unlock(&registry_lock);
}

void rmm__arena_registry_remove(arena_state_t *state)
{
  pthread_mutex_lock(&registry_lock);
  for (arena_state_t **link = &registry; *link != NULL; link = &(*link)->next_live) {
    if (*link == state) {
      *link = state->next_live;
      break;
    }
  }
  pthread_mutex_unlock(&registry_lock);
}

arena_t *rmm__arena_thread_find(const arena_state_t *state)
{
  if (cached_id == state->id)
    return cached_arena;
  for (thread_entry_t *entry = entries; entry != NULL; entry = entry->next) {
    if (entry->id == state->id) {
      cached_id = entry->id;
      cached_arena = entry->arena;
      return entry->arena;
    }
  }
  return NULL;
}

rmm_status_t rmm__arena_thread_get(arena_state_t *state, arena_t **out)
{
  *out = rmm__arena_thread_find(state);
  if (*out != NULL)
    return RMM_SUCCESS;
  pthread_once(&exit_key_once, make_exit_key);
  if (!exit_key_made)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "arena: cannot create the thread-exit key for per-thread arenas");
  prune_entries();
  thread_entry_t *entry = malloc(sizeof *entry);
  if (entry == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "arena: no host memory for a per-thread arena");
  rmm_status_t status = rmm__arena_attach_thread(state, &entry->arena);
  if (status != RMM_SUCCESS) {
    free(entry);
    return status;
  }
  entry->id = state->id;
  entry->next = entries;
  entries = entry;
  /* The key's value is the list: a non-NULL value is what makes the destructor run.
     Should it fail (no memory), the arena is merely not handed on when the thread exits. */
  (void)pthread_setspecific(exit_key, entries);
  cached_id = state->id;
  cached_arena = entry->arena;
  *out = entry->arena;
  return RMM_SUCCESS;
}
