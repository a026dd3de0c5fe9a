/*
 * A map from stream handles to per-stream arenas that readers search without a lock.
 * Entries are only ever added (RMM's arena never forgets a stream), so a reader sees
 * either the table before an insertion or after it. A full table is replaced by a
 * larger copy; the old ones stay readable until the map is destroyed.
 *
 * No locks: the caller serialises rmm__arena_stream_map_insert() and _fini().
 */
#ifndef RMM_SUBALLOC_DS_ARENA_STREAM_MAP_H
#define RMM_SUBALLOC_DS_ARENA_STREAM_MAP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct arena_stream_slot {
  _Atomic uintptr_t key;
  _Atomic(void *) value; /* NULL: the slot is empty */
} arena_stream_slot_t;

typedef struct arena_stream_table {
  size_t mask;
  size_t count;
  struct arena_stream_table *older;
  arena_stream_slot_t slots[];
} arena_stream_table_t;

typedef struct arena_stream_map {
  _Atomic(arena_stream_table_t *) table;
} arena_stream_map_t;

void rmm__arena_stream_map_init(arena_stream_map_t *map);
void rmm__arena_stream_map_fini(arena_stream_map_t *map);

/* The value stored for `key`, or NULL; safe against a concurrent insertion. */
void *rmm__arena_stream_map_find(const arena_stream_map_t *map, uintptr_t key);

/* Stores a non-NULL value for a key not yet present. False: no host memory. */
bool rmm__arena_stream_map_insert(arena_stream_map_t *map, uintptr_t key, void *value);

#endif
