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

static bool in_range(const rmm__ds_free_block_t *block, uintptr_t base, size_t size)
{
  return block->addr >= base && block->addr - base < size;
}

bool rmm__ds_block_stack_remove_range(rmm__ds_block_stack_t *s, uintptr_t base, size_t size, size_t expected)
{
  size_t found = 0;
  for (size_t i = 0; i < s->count; i++)
    found += in_range(&s->blocks[i], base, size);
  if (found != expected)
    return false;
  size_t kept = 0;
  for (size_t i = 0; i < s->count; i++)
    if (!in_range(&s->blocks[i], base, size))
      s->blocks[kept++] = s->blocks[i];
  s->count = kept;
  return true;
}
