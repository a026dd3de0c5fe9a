/*
 * Two-level segregated fit over out-of-band block descriptors. The first level is the
 * power of two of a size in granules, the second splits it into ARENA_SL_COUNT equal
 * classes; two bitmaps find the smallest non-empty class that fits in a few
 * instructions.
 */
#include "config.h"

#include <stdlib.h>

#include "suballoc/ds/arena_heap.h"

/* Descriptors come in slabs of this many; slabs are freed with the heap. */
#define SLAB_BLOCKS 64
#define FIRST_SLOTS 64

typedef struct slab {
  struct slab *next;
  arena_block_t blocks[SLAB_BLOCKS];
} slab_t;

static unsigned floor_log2(size_t n) { return (unsigned)(63 - __builtin_clzll((unsigned long long)n)); }

static unsigned lowest_bit(uint32_t bits) { return (unsigned)__builtin_ctz(bits); }

/* The class of a free block of `n` granules; false when n is beyond the largest class. */
static bool class_of(size_t n, unsigned *fl, unsigned *sl)
{
  if (n < ARENA_SL_COUNT) {
    *fl = 0;
    *sl = (unsigned)n;
    return true;
  }
  unsigned f = floor_log2(n);
  *fl = f - ARENA_SL_SHIFT + 1;
  *sl = (unsigned)(n >> (f - ARENA_SL_SHIFT)) - ARENA_SL_COUNT;
  return *fl < ARENA_FL_COUNT;
}

static void insert_free(arena_heap_t *heap, arena_block_t *block)
{
  unsigned fl, sl;
  class_of(block->size >> ARENA_GRANULE_SHIFT, &fl, &sl);
  arena_block_t *head = heap->classes[fl][sl];
  block->prev_free = NULL;
  block->next_free = head;
  if (head != NULL)
    head->prev_free = block;
  heap->classes[fl][sl] = block;
  heap->sl_map[fl] |= 1u << sl;
  heap->fl_map |= 1u << fl;
  block->free = true;
  heap->free_bytes += block->size;
  heap->free_blocks++;
}

static void remove_free(arena_heap_t *heap, arena_block_t *block)
{
  unsigned fl, sl;
  class_of(block->size >> ARENA_GRANULE_SHIFT, &fl, &sl);
  if (block->prev_free != NULL)
    block->prev_free->next_free = block->next_free;
  else
    heap->classes[fl][sl] = block->next_free;
  if (block->next_free != NULL)
    block->next_free->prev_free = block->prev_free;
  if (heap->classes[fl][sl] == NULL) {
    heap->sl_map[fl] &= ~(1u << sl);
    if (heap->sl_map[fl] == 0)
      heap->fl_map &= ~(1u << fl);
  }
  block->free = false;
  heap->free_bytes -= block->size;
  heap->free_blocks--;
}

/* First fit inside one class: the fallback when no larger class has a block. */
static arena_block_t *scan_class(const arena_heap_t *heap, size_t bytes)
{
  unsigned fl, sl;
  if (!class_of(bytes >> ARENA_GRANULE_SHIFT, &fl, &sl))
    return NULL;
  for (arena_block_t *block = heap->classes[fl][sl]; block != NULL; block = block->next_free)
    if (block->size >= bytes)
      return block;
  return NULL;
}

/*
 * A free block of at least `bytes`. The request is rounded up to the next class
 * boundary, so that any block of the class found fits; blocks of the request's own
 * class that happen to be large enough are the last resort.
 */
static arena_block_t *find_fit(const arena_heap_t *heap, size_t bytes)
{
  size_t n = bytes >> ARENA_GRANULE_SHIFT;
  if (n >= ARENA_SL_COUNT)
    n += ((size_t)1 << (floor_log2(n) - ARENA_SL_SHIFT)) - 1;
  unsigned fl, sl;
  if (!class_of(n, &fl, &sl))
    return scan_class(heap, bytes);
  uint32_t sl_bits = heap->sl_map[fl] & (~0u << sl);
  if (sl_bits == 0) {
    uint32_t fl_bits = fl + 1 < ARENA_FL_COUNT ? heap->fl_map & (~0u << (fl + 1)) : 0;
    if (fl_bits == 0)
      return scan_class(heap, bytes);
    fl = lowest_bit(fl_bits);
    sl_bits = heap->sl_map[fl];
  }
  return heap->classes[fl][lowest_bit(sl_bits)];
}

/* ---- descriptors ---- */

static bool reserve_descriptor(arena_heap_t *heap)
{
  if (heap->spare != NULL)
    return true;
  slab_t *slab = malloc(sizeof *slab);
  if (slab == NULL)
    return false;
  slab->next = heap->slabs;
  heap->slabs = slab;
  for (size_t i = 0; i < SLAB_BLOCKS; i++) {
    slab->blocks[i].next_free = heap->spare;
    heap->spare = &slab->blocks[i];
  }
  return true;
}

static arena_block_t *take_descriptor(arena_heap_t *heap)
{
  arena_block_t *block = heap->spare;
  heap->spare = block->next_free;
  return block;
}

static void recycle(arena_heap_t *heap, arena_block_t *block)
{
  block->next_free = heap->spare;
  heap->spare = block;
}

/* ---- allocated blocks by address: linear probing, deletion by backward shift ---- */

static size_t home_slot(const arena_heap_t *heap, uintptr_t address)
{
  uint64_t hash = (uint64_t)(address >> ARENA_GRANULE_SHIFT) * 0x9E3779B97F4A7C15ull;
  return (size_t)(hash >> 32) & heap->slot_mask;
}

static void place(arena_slot_t *slots, size_t mask, size_t home, uintptr_t address, arena_block_t *block)
{
  size_t i = home;
  while (slots[i].address != 0)
    i = (i + 1) & mask;
  slots[i].address = address;
  slots[i].block = block;
}

/* Keeps the table at most half full, so that probes stay short. */
static bool reserve_slot(arena_heap_t *heap)
{
  size_t capacity = heap->slots != NULL ? heap->slot_mask + 1 : 0;
  if ((heap->allocated + 1) * 2 <= capacity)
    return true;
  size_t grown = capacity != 0 ? 2 * capacity : FIRST_SLOTS;
  arena_slot_t *slots = calloc(grown, sizeof *slots);
  if (slots == NULL)
    return false;
  arena_slot_t *old = heap->slots;
  heap->slots = slots;
  heap->slot_mask = grown - 1;
  for (size_t i = 0; i < capacity; i++)
    if (old[i].address != 0)
      place(slots, heap->slot_mask, home_slot(heap, old[i].address), old[i].address, old[i].block);
  free(old);
  return true;
}

/* Address 0 marks an empty slot, so it is never a block's: without the check it would match one. */
static size_t find_slot(const arena_heap_t *heap, uintptr_t address)
{
  if (heap->slots == NULL || address == 0)
    return SIZE_MAX;
  for (size_t i = home_slot(heap, address);; i = (i + 1) & heap->slot_mask) {
    if (heap->slots[i].address == address)
      return i;
    if (heap->slots[i].address == 0)
      return SIZE_MAX;
  }
}

/* Whether `home` lies in the cyclic range (from, to]. */
static bool in_cyclic_range(size_t home, size_t from, size_t to)
{
  return from <= to ? home > from && home <= to : home > from || home <= to;
}

static void remove_slot(arena_heap_t *heap, size_t hole)
{
  arena_slot_t *slots = heap->slots;
  for (size_t i = (hole + 1) & heap->slot_mask; slots[i].address != 0; i = (i + 1) & heap->slot_mask) {
    /* An entry may fill the hole unless its probe sequence starts after the hole. */
    if (!in_cyclic_range(home_slot(heap, slots[i].address), hole, i)) {
      slots[hole] = slots[i];
      hole = i;
    }
  }
  slots[hole].address = 0;
  slots[hole].block = NULL;
  heap->allocated--;
}

/* ---- the heap ---- */

void rmm__arena_heap_init(arena_heap_t *heap) { *heap = (arena_heap_t){0}; }

void rmm__arena_heap_fini(arena_heap_t *heap)
{
  for (slab_t *slab = heap->slabs; slab != NULL;) {
    slab_t *next = slab->next;
    free(slab);
    slab = next;
  }
  free(heap->slots);
  *heap = (arena_heap_t){0};
}

bool rmm__arena_heap_add_span(arena_heap_t *heap, arena_span_t *span)
{
  if (!reserve_descriptor(heap))
    return false;
  arena_block_t *block = take_descriptor(heap);
  *block = (arena_block_t){.address = rmm__arena_span_base(span), .size = rmm__arena_span_size(span), .span = span};
  span->blocks = block;
  span->used = 0;
  span->prev = NULL;
  span->next = heap->spans;
  if (heap->spans != NULL)
    heap->spans->prev = span;
  heap->spans = span;
  heap->span_count++;
  insert_free(heap, block);
  return true;
}

void rmm__arena_heap_remove_span(arena_heap_t *heap, arena_span_t *span)
{
  arena_block_t *block = span->blocks;
  remove_free(heap, block);
  recycle(heap, block);
  span->blocks = NULL;
  if (span->prev != NULL)
    span->prev->next = span->next;
  else
    heap->spans = span->next;
  if (span->next != NULL)
    span->next->prev = span->prev;
  span->prev = span->next = NULL;
  heap->span_count--;
}

arena_heap_result_t rmm__arena_heap_allocate(arena_heap_t *heap, size_t bytes, uintptr_t *address)
{
  /* Everything that may need memory comes first, so that failure changes nothing. */
  if (!reserve_descriptor(heap) || !reserve_slot(heap))
    return ARENA_HEAP_NO_MEMORY;
  arena_block_t *block = find_fit(heap, bytes);
  if (block == NULL)
    return ARENA_HEAP_NO_FIT;
  remove_free(heap, block);
  if (block->size > bytes) {
    arena_block_t *rest = take_descriptor(heap);
    *rest = (arena_block_t){.address = block->address + bytes,
                            .size = block->size - bytes,
                            .prev_phys = block,
                            .next_phys = block->next_phys,
                            .span = block->span};
    if (block->next_phys != NULL)
      block->next_phys->prev_phys = rest;
    block->next_phys = rest;
    block->size = bytes;
    insert_free(heap, rest);
  }
  block->span->used += bytes;
  place(heap->slots, heap->slot_mask, home_slot(heap, block->address), block->address, block);
  heap->allocated++;
  *address = block->address;
  return ARENA_HEAP_OK;
}

arena_heap_free_t rmm__arena_heap_free(arena_heap_t *heap, uintptr_t address, size_t bytes)
{
  size_t slot = find_slot(heap, address);
  if (slot == SIZE_MAX)
    return ARENA_HEAP_NOT_FOUND;
  arena_block_t *block = heap->slots[slot].block;
  if (block->size != bytes)
    return ARENA_HEAP_WRONG_SIZE;
  remove_slot(heap, slot);
  block->span->used -= bytes;

  arena_block_t *next = block->next_phys;
  if (next != NULL && next->free) {
    remove_free(heap, next);
    block->size += next->size;
    block->next_phys = next->next_phys;
    if (next->next_phys != NULL)
      next->next_phys->prev_phys = block;
    recycle(heap, next);
  }
  arena_block_t *prev = block->prev_phys;
  if (prev != NULL && prev->free) {
    remove_free(heap, prev);
    prev->size += block->size;
    prev->next_phys = block->next_phys;
    if (block->next_phys != NULL)
      block->next_phys->prev_phys = prev;
    recycle(heap, block);
    block = prev;
  }
  insert_free(heap, block);
  return ARENA_HEAP_FREED;
}

size_t rmm__arena_heap_largest_free(const arena_heap_t *heap)
{
  if (heap->fl_map == 0)
    return 0;
  unsigned fl = 31 - (unsigned)__builtin_clz(heap->fl_map);
  unsigned sl = 31 - (unsigned)__builtin_clz(heap->sl_map[fl]);
  size_t largest = 0;
  for (const arena_block_t *block = heap->classes[fl][sl]; block != NULL; block = block->next_free)
    if (block->size > largest)
      largest = block->size;
  return largest;
}
