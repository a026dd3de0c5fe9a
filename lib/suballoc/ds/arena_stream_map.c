/* The stream map: open addressing with linear probing, published with release stores. */
#include "config.h"

#include <stdlib.h>

#include "suballoc/ds/arena_stream_map.h"

#define FIRST_SLOTS 16

static size_t home_slot(const arena_stream_table_t *table, uintptr_t key)
{
  uint64_t hash = (uint64_t)key * 0x9E3779B97F4A7C15ull;
  return (size_t)(hash >> 32) & table->mask;
}

static arena_stream_table_t *new_table(size_t slots)
{
  arena_stream_table_t *table = calloc(1, sizeof *table + slots * sizeof table->slots[0]);
  if (table != NULL)
    table->mask = slots - 1;
  return table;
}

/* Writes key before value: a reader that sees the value (acquire) sees the key. */
static void put(arena_stream_table_t *table, uintptr_t key, void *value)
{
  size_t i = home_slot(table, key);
  while (atomic_load_explicit(&table->slots[i].value, memory_order_relaxed) != NULL)
    i = (i + 1) & table->mask;
  atomic_store_explicit(&table->slots[i].key, key, memory_order_relaxed);
  atomic_store_explicit(&table->slots[i].value, value, memory_order_release);
  table->count++;
}

void rmm__arena_stream_map_init(arena_stream_map_t *map) { atomic_init(&map->table, NULL); }

void rmm__arena_stream_map_fini(arena_stream_map_t *map)
{
  arena_stream_table_t *table = atomic_load_explicit(&map->table, memory_order_relaxed);
  while (table != NULL) {
    arena_stream_table_t *older = table->older;
    free(table);
    table = older;
  }
  atomic_store_explicit(&map->table, NULL, memory_order_relaxed);
}

void *rmm__arena_stream_map_find(const arena_stream_map_t *map, uintptr_t key)
{
  const arena_stream_table_t *table = atomic_load_explicit(&map->table, memory_order_acquire);
  if (table == NULL)
    return NULL;
  for (size_t i = home_slot(table, key);; i = (i + 1) & table->mask) {
    void *value = atomic_load_explicit(&table->slots[i].value, memory_order_acquire);
    if (value == NULL)
      return NULL;
    if (atomic_load_explicit(&table->slots[i].key, memory_order_relaxed) == key)
      return value;
  }
}

/* Keeps the table at most half full; the copy is published whole, the old table kept. */
static bool make_room(arena_stream_map_t *map)
{
  arena_stream_table_t *table = atomic_load_explicit(&map->table, memory_order_relaxed);
  if (table != NULL && (table->count + 1) * 2 <= table->mask + 1)
    return true;
  arena_stream_table_t *grown = new_table(table != NULL ? 2 * (table->mask + 1) : FIRST_SLOTS);
  if (grown == NULL)
    return false;
  if (table != NULL) {
    for (size_t i = 0; i <= table->mask; i++) {
      void *value = atomic_load_explicit(&table->slots[i].value, memory_order_relaxed);
      if (value != NULL)
        put(grown, atomic_load_explicit(&table->slots[i].key, memory_order_relaxed), value);
    }
  }
  grown->older = table;
  atomic_store_explicit(&map->table, grown, memory_order_release);
  return true;
}

bool rmm__arena_stream_map_insert(arena_stream_map_t *map, uintptr_t key, void *value)
{
  if (!make_room(map))
    return false;
  put(atomic_load_explicit(&map->table, memory_order_relaxed), key, value);
  return true;
}
