/* The address table of ptr_map.h: linear probing, deletion by backward shift. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "core/ptr_map.h"

#define MINIMUM_CAPACITY ((size_t)16)

/* Addresses share their low bits (they are aligned): mix them so every bit counts. */
static size_t home_slot(const void *key, size_t capacity)
{
  uint64_t h = (uint64_t)(uintptr_t)key;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return (size_t)h & (capacity - 1);
}

/* The slot holding `key`, or the empty slot where it would go. */
static size_t find_slot(const rmm_ptr_map_t *map, const void *key)
{
  size_t mask = map->capacity - 1;
  size_t i = home_slot(key, map->capacity);
  while (map->slots[i].key != NULL && map->slots[i].key != key)
    i = (i + 1) & mask;
  return i;
}

static bool resize(rmm_ptr_map_t *map, size_t capacity)
{
  rmm_ptr_slot_t *slots = calloc(capacity, sizeof *slots);
  if (slots == NULL)
    return false;
  rmm_ptr_map_t grown = {.slots = slots, .capacity = capacity, .count = map->count};
  for (size_t i = 0; i < map->capacity; i++)
    if (map->slots[i].key != NULL)
      slots[find_slot(&grown, map->slots[i].key)] = map->slots[i];
  free(map->slots);
  *map = grown;
  return true;
}

void rmm__ptr_map_free(rmm_ptr_map_t *map)
{
  free(map->slots);
  map->slots = NULL;
  map->capacity = 0;
  map->count = 0;
}

rmm_ptr_insert_t rmm__ptr_map_insert(rmm_ptr_map_t *map, void *key, void *value)
{
  /* Keep the load at most one half, where linear probing stays short. */
  if ((map->count + 1) * 2 > map->capacity &&
      !resize(map, map->capacity == 0 ? MINIMUM_CAPACITY : map->capacity * 2))
    return RMM_PTR_NO_MEMORY;
  size_t i = find_slot(map, key);
  if (map->slots[i].key != NULL)
    return RMM_PTR_DUPLICATE;
  map->slots[i].key = key;
  map->slots[i].value = value;
  map->count++;
  return RMM_PTR_INSERTED;
}

/* Whether `home` lies cyclically in (hole, j]: then the entry at j may not move to hole. */
static bool stays(size_t hole, size_t j, size_t home)
{
  return hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
}

bool rmm__ptr_map_remove(rmm_ptr_map_t *map, const void *key, void **value)
{
  if (map->count == 0)
    return false;
  size_t hole = find_slot(map, key);
  if (map->slots[hole].key == NULL)
    return false;
  *value = map->slots[hole].value;

  /* Pull later entries of the probe run back into the hole, so lookups need no tombstones. */
  size_t mask = map->capacity - 1;
  for (size_t j = (hole + 1) & mask; map->slots[j].key != NULL; j = (j + 1) & mask) {
    if (!stays(hole, j, home_slot(map->slots[j].key, map->capacity))) {
      map->slots[hole] = map->slots[j];
      hole = j;
    }
  }
  map->slots[hole].key = NULL;
  map->count--;

  /* Give memory back after a burst; failing to shrink costs nothing but space. */
  if (map->capacity > MINIMUM_CAPACITY && map->count * 8 < map->capacity)
    resize(map, map->capacity / 2);
  return true;
}

bool rmm__ptr_map_next(const rmm_ptr_map_t *map, size_t *cursor, void **key, void **value)
{
  for (; *cursor < map->capacity; (*cursor)++) {
    if (map->slots[*cursor].key != NULL) {
      *key = map->slots[*cursor].key;
      *value = map->slots[*cursor].value;
      (*cursor)++;
      return true;
    }
  }
  return false;
}
