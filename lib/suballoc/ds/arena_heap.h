/*
 * One arena's blocks: the free blocks of its spans in segregated size classes with
 * bitmaps (two-level segregated fit), so allocating and freeing take O(1) whatever
 * the number of free blocks (only a request that no larger class can serve looks
 * through the blocks of its own class). A freed block merges with its free address neighbours
 * inside its span (never across spans), so a span whose blocks are all free is one
 * free block again. Blocks are described out of band (the memory may be device
 * memory) and allocated blocks are found by address in a hash table, which is what
 * lets a pointer the heap never handed out be refused.
 *
 * No locks and no CUDA: the caller serialises every call. Memory for descriptors and
 * the table is recycled; it is only requested when the heap holds more blocks than
 * ever before.
 */
#ifndef RMM_SUBALLOC_DS_ARENA_HEAP_H
#define RMM_SUBALLOC_DS_ARENA_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "suballoc/ds/arena_spans.h"

/* Sizes are counted in granules of 256 bytes. */
#define ARENA_GRANULE_SHIFT 8
/* Each power of two is split into 2^4 classes; spans up to 2^(ARENA_FL_COUNT + 3) granules (2 TiB). */
#define ARENA_SL_SHIFT 4
#define ARENA_SL_COUNT (1u << ARENA_SL_SHIFT)
#define ARENA_FL_COUNT 30

typedef struct arena_block {
  uintptr_t address;
  size_t size;
  struct arena_block *prev_phys, *next_phys; /* address neighbours in the span; NULL at its ends */
  struct arena_block *prev_free, *next_free; /* the size-class list, while free */
  arena_span_t *span;
  bool free;
} arena_block_t;

typedef struct arena_slot {
  uintptr_t address; /* 0: empty */
  arena_block_t *block;
} arena_slot_t;

typedef struct arena_heap {
  uint32_t fl_map;
  uint32_t sl_map[ARENA_FL_COUNT];
  arena_block_t *classes[ARENA_FL_COUNT][ARENA_SL_COUNT];
  arena_slot_t *slots; /* allocated blocks by address, open addressing */
  size_t slot_mask;
  size_t allocated;
  arena_block_t *spare; /* recycled descriptors */
  void *slabs;          /* descriptor memory, freed with the heap */
  arena_span_t *spans;  /* the heap's spans, a list through span->prev/next */
  size_t span_count;
  size_t free_bytes;
  size_t free_blocks;
} arena_heap_t;

typedef enum { ARENA_HEAP_OK, ARENA_HEAP_NO_FIT, ARENA_HEAP_NO_MEMORY } arena_heap_result_t;
typedef enum { ARENA_HEAP_FREED, ARENA_HEAP_NOT_FOUND, ARENA_HEAP_WRONG_SIZE } arena_heap_free_t;

void rmm__arena_heap_init(arena_heap_t *heap);
void rmm__arena_heap_fini(arena_heap_t *heap);

/* Adds a live span as one free block. False: no host memory (the heap is unchanged). */
bool rmm__arena_heap_add_span(arena_heap_t *heap, arena_span_t *span);

/* Removes a span whose blocks are all free (span->used == 0). */
void rmm__arena_heap_remove_span(arena_heap_t *heap, arena_span_t *span);

/* Allocates `bytes` (a multiple of 256, > 0) from the smallest class that fits. */
arena_heap_result_t rmm__arena_heap_allocate(arena_heap_t *heap, size_t bytes, uintptr_t *address);

/* Frees the block at `address` if the heap handed it out with this size; else changes nothing. */
arena_heap_free_t rmm__arena_heap_free(arena_heap_t *heap, uintptr_t address, size_t bytes);

/* The size of the largest free block, 0 when none: O(blocks of the largest class). */
size_t rmm__arena_heap_largest_free(const arena_heap_t *heap);

#endif
