/**
 * @file suballoc/ds/block_index.c
 * @brief Open-addressing hash map with linear probing and backward-shift removal.
 */
#include "suballoc/ds/block_index.h"

#include <stdlib.h>

struct rmm__ds_block_slot {
  uintptr_t addr;
  rmm__ds_block_record_t rec;
};

typedef struct rmm__ds_block_slot slot_t;

enum { MIN_CAPACITY = 16 };

/* At most three quarters full: linear probing's probe lengths stay short there,
 * and the table costs at most 2.7x its entries' size. */
static bool over_load(size_t used, size_t capacity) {
  return used > capacity / 4 * 3;
}

/* Fibonacci hashing: addresses share their low alignment bits, and a multiply
 * carries every bit of the key into the product's top bits, which are taken. */
static size_t home(const rmm__ds_block_index_t *idx, uintptr_t addr) {
  return (size_t)(((uint64_t)addr * UINT64_C(0x9e3779b97f4a7c15)) >> idx->shift);
}

/* The slot holding `addr`, or else the empty slot where it would go. */
static size_t probe(const rmm__ds_block_index_t *idx, uintptr_t addr) {
  size_t mask = idx->capacity - 1;
  size_t i = home(idx, addr);
  while (idx->slots[i].addr != addr && idx->slots[i].addr != 0)
    i = (i + 1) & mask;
  return i;
}

static bool rehash(rmm__ds_block_index_t *idx, size_t capacity) {
  if (capacity > SIZE_MAX / sizeof(slot_t))
    return false;
  slot_t *slots = calloc(capacity, sizeof(slot_t));
  if (!slots)
    return false;
  unsigned bits = 0;
  while (((size_t)1 << bits) < capacity)
    bits++;

  rmm__ds_block_index_t old = *idx;
  idx->slots = slots;
  idx->capacity = capacity;
  idx->shift = 64 - bits;
  for (size_t i = 0; i < old.capacity; i++) {
    if (old.slots[i].addr != 0)
      idx->slots[probe(idx, old.slots[i].addr)] = old.slots[i];
  }
  free(old.slots);
  return true;
}

/* Grows the table, doubling at least, until `n` entries fit under the load limit. */
static bool fit(rmm__ds_block_index_t *idx, size_t n) {
  if (!over_load(n, idx->capacity))
    return true;
  size_t capacity = idx->capacity ? idx->capacity * 2 : MIN_CAPACITY;
  while (over_load(n, capacity)) {
    if (capacity > SIZE_MAX / 2)
      return false;
    capacity *= 2;
  }
  return rehash(idx, capacity);
}

void rmm__ds_block_index_init(rmm__ds_block_index_t *idx) {
  *idx = (rmm__ds_block_index_t){0};
}

void rmm__ds_block_index_fini(rmm__ds_block_index_t *idx) {
  free(idx->slots);
  rmm__ds_block_index_init(idx);
}

bool rmm__ds_block_index_reserve(rmm__ds_block_index_t *idx, size_t n) {
  return fit(idx, n);
}

bool rmm__ds_block_index_insert(rmm__ds_block_index_t *idx, uintptr_t addr,
                               rmm__ds_block_record_t rec) {
  if (addr == 0) {
    idx->zero = rec;
    idx->has_zero = true;
    return true;
  }
  if (idx->capacity) {
    size_t i = probe(idx, addr);
    if (idx->slots[i].addr == addr) {
      idx->slots[i].rec = rec;
      return true;
    }
  }
  if (!fit(idx, idx->used + 1))
    return false;
  idx->slots[probe(idx, addr)] = (slot_t){addr, rec};
  idx->used++;
  return true;
}

bool rmm__ds_block_index_lookup(const rmm__ds_block_index_t *idx, uintptr_t addr,
                               rmm__ds_block_record_t *out) {
  const rmm__ds_block_record_t *rec = NULL;
  if (addr == 0) {
    if (idx->has_zero)
      rec = &idx->zero;
  } else if (idx->capacity) {
    size_t i = probe(idx, addr);
    if (idx->slots[i].addr == addr)
      rec = &idx->slots[i].rec;
  }
  if (rec && out)
    *out = *rec;
  return rec != NULL;
}

/* Empties slot `hole`, then pulls back each later entry of the same run that
 * may live there (its home is not between the hole and its slot), so that no
 * lookup meets an empty slot before reaching its key. */
static void close_hole(rmm__ds_block_index_t *idx, size_t hole) {
  size_t mask = idx->capacity - 1;
  size_t j = hole;
  for (;;) {
    j = (j + 1) & mask;
    uintptr_t addr = idx->slots[j].addr;
    if (addr == 0)
      break;
    if (((j - home(idx, addr)) & mask) >= ((j - hole) & mask)) {
      idx->slots[hole] = idx->slots[j];
      hole = j;
    }
  }
  idx->slots[hole].addr = 0;
}

bool rmm__ds_block_index_remove(rmm__ds_block_index_t *idx, uintptr_t addr,
                               rmm__ds_block_record_t *out) {
  if (addr == 0) {
    if (!idx->has_zero)
      return false;
    if (out)
      *out = idx->zero;
    idx->has_zero = false;
    return true;
  }
  if (!idx->capacity)
    return false;
  size_t i = probe(idx, addr);
  if (idx->slots[i].addr != addr)
    return false;
  if (out)
    *out = idx->slots[i].rec;
  close_hole(idx, i);
  idx->used--;
  return true;
}

size_t rmm__ds_block_index_count(const rmm__ds_block_index_t *idx) {
  return idx->used + idx->has_zero;
}

bool rmm__ds_block_index_next(const rmm__ds_block_index_t *idx, size_t *cursor, uintptr_t *addr,
                             rmm__ds_block_record_t *rec) {
  /* Cursor 0 stands for address 0; cursor i + 1 for slot i. */
  if (*cursor == 0) {
    *cursor = 1;
    if (idx->has_zero) {
      *addr = 0;
      if (rec)
        *rec = idx->zero;
      return true;
    }
  }
  while (*cursor - 1 < idx->capacity) {
    const slot_t *s = &idx->slots[*cursor - 1];
    ++*cursor;
    if (s->addr != 0) {
      *addr = s->addr;
      if (rec)
        *rec = s->rec;
      return true;
    }
  }
  return false;
}
