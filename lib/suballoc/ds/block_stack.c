/**
 * @file suballoc/ds/block_stack.c
 * @brief The fixed-size sub-allocator's stack of free blocks.
 */
#include "suballoc/ds/block_stack.h"

#include <stdlib.h>

void rmm__ds_block_stack_init(rmm__ds_block_stack_t *s) { *s = (rmm__ds_block_stack_t){0}; }

void rmm__ds_block_stack_fini(rmm__ds_block_stack_t *s) { free(s->blocks); }

bool rmm__ds_block_stack_reserve(rmm__ds_block_stack_t *s, size_t extra)
{
  if (extra > SIZE_MAX / sizeof *s->blocks - s->count)
    return false;
  size_t need = s->count + extra;
  if (need <= s->capacity)
    return true;
  size_t capacity = s->capacity != 0 ? s->capacity : 16;
  while (capacity < need)
    capacity = capacity > SIZE_MAX / 2 / sizeof *s->blocks ? need : 2 * capacity;
  rmm__ds_free_block_t *blocks = realloc(s->blocks, capacity * sizeof *blocks);
  if (blocks == NULL)
    return false;
  s->blocks = blocks;
  s->capacity = capacity;
  return true;
}

void rmm__ds_block_stack_push(rmm__ds_block_stack_t *s, rmm__ds_free_block_t block) { s->blocks[s->count++] = block; }

bool rmm__ds_block_stack_pop(rmm__ds_block_stack_t *s, rmm__ds_free_block_t *out)
{
  if (s->count == 0)
    return false;
  *out = s->blocks[--s->count];
  return true;
}

bool rmm__ds_block_stack_move_all(rmm__ds_block_stack_t *dst, rmm__ds_block_stack_t *src)
{
  if (!rmm__ds_block_stack_reserve(dst, src->count))
    return false;
  for (size_t i = 0; i < src->count; i++)
    dst->blocks[dst->count++] = src->blocks[i];
  src->count = 0;
  return true;
}

bool rmm__ds_block_stack_remove_whole_chunks(rmm__ds_block_stack_t *s, const size_t *blocks_per_chunk, uint32_t chunks,
                                             bool *removed)
{
  size_t *found = calloc(chunks != 0 ? chunks : 1, sizeof *found);
  if (found == NULL)
    return false;
  for (size_t i = 0; i < s->count; i++)
    if (s->blocks[i].chunk < chunks)
      found[s->blocks[i].chunk]++;
  for (uint32_t id = 0; id < chunks; id++)
    removed[id] = blocks_per_chunk[id] != 0 && found[id] == blocks_per_chunk[id];
  free(found);
  size_t kept = 0;
  for (size_t i = 0; i < s->count; i++) {
    uint32_t id = s->blocks[i].chunk;
    if (id >= chunks || !removed[id])
      s->blocks[kept++] = s->blocks[i];
  }
  s->count = kept;
  return true;
}
