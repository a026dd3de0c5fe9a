/**
 * @file suballoc/ds/block_stack.h
 * @brief A stack of equal-sized free blocks, each with the chunk it came from.
 *
 * The fixed-size sub-allocator keeps one per stream, and one for memory that no
 * stream has used yet. Push and pop are O(1) once room is reserved; the array
 * grows by doubling, so reserving room is amortised O(1) too.
 */
#ifndef RMM_SUBALLOC_DS_BLOCK_STACK_H
#define RMM_SUBALLOC_DS_BLOCK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "suballoc/ds/free_set.h"

/** @brief The stack. Public so that it can be embedded; use only the functions below. */
typedef struct rmm__ds_block_stack {
  rmm__ds_free_block_t *blocks; /**< the array, bottom first */
  size_t count;                /**< blocks on the stack */
  size_t capacity;             /**< blocks the array holds */
} rmm__ds_block_stack_t;

/** @brief Makes `s` an empty stack; allocates nothing. */
void rmm__ds_block_stack_init(rmm__ds_block_stack_t *s);

/** @brief Frees the array; `s` must be initialised again before reuse. */
void rmm__ds_block_stack_fini(rmm__ds_block_stack_t *s);

/**
 * @brief Makes room for `extra` more blocks, so that that many pushes cannot fail.
 * @return false when host memory ran out (the stack is unchanged).
 */
bool rmm__ds_block_stack_reserve(rmm__ds_block_stack_t *s, size_t extra);

/** @brief Pushes a block; room must have been reserved. */
void rmm__ds_block_stack_push(rmm__ds_block_stack_t *s, rmm__ds_free_block_t block);

/** @brief Pops the block pushed last; false when the stack is empty. */
bool rmm__ds_block_stack_pop(rmm__ds_block_stack_t *s, rmm__ds_free_block_t *out);

/**
 * @brief Moves every block of `src` onto `dst`, keeping their order.
 * @return false when `dst` could not grow; both stacks are then unchanged.
 */
bool rmm__ds_block_stack_move_all(rmm__ds_block_stack_t *dst, rmm__ds_block_stack_t *src);

/**
 * @brief Removes the blocks of every chunk whose blocks are all on the stack, in one
 *        pass: chunk `id` has `blocks_per_chunk[id]` blocks (0: no chunk), and
 *        `removed[id]` (both `chunks` long) says whether its blocks were removed.
 * @return false when host memory ran out (nothing changed). O(n + chunks).
 */
bool rmm__ds_block_stack_remove_whole_chunks(rmm__ds_block_stack_t *s, const size_t *blocks_per_chunk, uint32_t chunks,
                                             bool *removed);

#endif
