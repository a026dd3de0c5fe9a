/*
 * A hash map from addresses to values: the side table of the aligned and tracking
 * adaptors and of the simulated resource. The memory behind the addresses may be device memory, so nothing is ever
 * written next to it; the table lives on the host. No locks: the caller holds its own.
 */
#ifndef RMM_CORE_PTR_MAP_H
#define RMM_CORE_PTR_MAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct rmm_ptr_slot {
  void *key; /* NULL marks an empty slot */
  void *value;
} rmm_ptr_slot_t;

/* Open addressing with linear probing; zero-initialised is an empty map. */
typedef struct rmm_ptr_map {
  rmm_ptr_slot_t *slots;
  size_t capacity; /* a power of two, or 0 before the first insert */
  size_t count;
} rmm_ptr_map_t;

typedef enum rmm_ptr_insert {
  RMM_PTR_INSERTED,
  RMM_PTR_DUPLICATE, /* the key was present; nothing changed */
  RMM_PTR_NO_MEMORY  /* the table could not grow; nothing changed */
} rmm_ptr_insert_t;

/* Frees the table (not the values). */
void rmm__ptr_map_free(rmm_ptr_map_t *map);

/* Adds `key` (not NULL) with `value`. */
rmm_ptr_insert_t rmm__ptr_map_insert(rmm_ptr_map_t *map, void *key, void *value);

/* Removes `key`; true and its value in `*value` when it was present. */
bool rmm__ptr_map_remove(rmm_ptr_map_t *map, const void *key, void **value);

/*
 * Visits the entries in no particular order: start with *cursor = 0; each call that
 * returns true gives the next entry. The map must not change during the walk.
 */
bool rmm__ptr_map_next(const rmm_ptr_map_t *map, size_t *cursor, void **key, void **value);

#endif
