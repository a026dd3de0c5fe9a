/**
 * @file suballoc/ds/free_set.h
 * @brief A best-fit set of free blocks that coalesces neighbours of one chunk.
 *
 * The pool sub-allocator keeps its free memory here. Each block belongs to one
 * upstream chunk; touching blocks merge only when their chunk ids are equal, so
 * a chunk can always be handed back to upstream as one whole block.
 *
 * Blocks are kept in two balanced trees (by size then address, and by address),
 * so every operation costs O(log n). Nodes come from slabs owned by the set and
 * are recycled: once the set has grown, no operation allocates.
 *
 * Caller preconditions, not checked: blocks in a set never overlap, have a
 * non-zero size, and do not wrap around the end of the address space.
 */
#ifndef RMM_SUBALLOC_DS_FREE_SET_H
#define RMM_SUBALLOC_DS_FREE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** @brief A free block: `size` bytes at `addr`, carved from upstream chunk `chunk`. */
typedef struct rmm__ds_free_block {
  uintptr_t addr;
  size_t size;
  uint32_t chunk;
} rmm__ds_free_block_t;

struct rmm__ds_avl_link;
struct rmm__ds_free_node;
struct rmm__ds_free_slab;

/**
 * @brief The set. Public so that it can be embedded; use only the functions below.
 */
typedef struct rmm__ds_free_set {
  struct rmm__ds_avl_link *by_size;    /**< root of the (size, addr) tree */
  struct rmm__ds_avl_link *by_addr;    /**< root of the addr tree */
  struct rmm__ds_free_node *spare;     /**< recycled nodes */
  struct rmm__ds_free_slab *slabs;     /**< every slab, newest first */
  size_t count;                       /**< blocks in the set */
  size_t total_bytes;                 /**< sum of their sizes */
  size_t capacity;                    /**< nodes owned, in use or spare */
} rmm__ds_free_set_t;

/** @brief Makes `s` an empty set; allocates nothing. */
void rmm__ds_free_set_init(rmm__ds_free_set_t *s);

/** @brief Frees all node storage; `s` must be initialised again before reuse. */
void rmm__ds_free_set_fini(rmm__ds_free_set_t *s);

/**
 * @brief Makes room for `n` blocks in all, so that inserts up to that count
 *        cannot fail.
 * @return false when host memory ran out (the set is unchanged).
 */
bool rmm__ds_free_set_reserve(rmm__ds_free_set_t *s, size_t n);

/**
 * @brief Adds a free block, merging it with the blocks that end where it starts
 *        and start where it ends, when those belong to the same chunk.
 *
 * A block of size 0 is ignored.
 * @return false only when node storage could not be allocated (the set is unchanged).
 */
bool rmm__ds_free_set_insert(rmm__ds_free_set_t *s, uintptr_t addr, size_t size, uint32_t chunk);

/**
 * @brief Takes `size` bytes from the smallest block that holds them, the lowest
 *        addressed one among equals.
 *
 * The front of that block is taken; the rest stays in the set.
 * @param out receives the taken block: its address, `size`, and its chunk.
 * @return false when no block is large enough, or `size` is 0 (`out` is untouched).
 */
bool rmm__ds_free_set_take(rmm__ds_free_set_t *s, size_t size, rmm__ds_free_block_t *out);

/**
 * @brief Finds the block that starts exactly at `addr`.
 * @param out receives it; may be NULL.
 * @return false when no block starts there.
 */
bool rmm__ds_free_set_find(const rmm__ds_free_set_t *s, uintptr_t addr, rmm__ds_free_block_t *out);

/**
 * @brief Removes the block that starts exactly at `addr`.
 * @param out receives it; may be NULL.
 * @return false when no block starts there (the set is unchanged).
 */
bool rmm__ds_free_set_remove(rmm__ds_free_set_t *s, uintptr_t addr, rmm__ds_free_block_t *out);

/**
 * @brief Removes the lowest addressed block.
 * @param out receives it; may be NULL.
 * @return false when the set is empty.
 */
bool rmm__ds_free_set_pop(rmm__ds_free_set_t *s, rmm__ds_free_block_t *out);

/**
 * @brief Finds the highest addressed block (an expandable pool's tail).
 * @return false when the set is empty.
 */
bool rmm__ds_free_set_last(const rmm__ds_free_set_t *s, rmm__ds_free_block_t *out);

/**
 * @brief Finds the lowest addressed block that starts at or above `addr`; walks
 *        the set in address order when called again with `out->addr + 1`.
 * @return false when there is none.
 */
bool rmm__ds_free_set_next(const rmm__ds_free_set_t *s, uintptr_t addr, rmm__ds_free_block_t *out);

/**
 * @brief Moves every block of `src` into `dst`, merging as insert does.
 *
 * `dst` and `src` must be different sets.
 * @return false when `dst` ran out of node storage; the blocks not yet moved
 *         then stay in `src`, and no block is lost.
 */
bool rmm__ds_free_set_move_all(rmm__ds_free_set_t *dst, rmm__ds_free_set_t *src);

/** @brief The number of blocks in the set. O(1). */
size_t rmm__ds_free_set_count(const rmm__ds_free_set_t *s);

/** @brief The sum of the block sizes. O(1). */
size_t rmm__ds_free_set_total_bytes(const rmm__ds_free_set_t *s);

/** @brief The size of the largest block, 0 when the set is empty. O(log n). */
size_t rmm__ds_free_set_largest(const rmm__ds_free_set_t *s);

#endif
