/**
 * @file suballoc/ds/block_index.h
 * @brief A hash map from the address of an allocated block to its record.
 *
 * The pool sub-allocator records every block it hands out here, so that a
 * deallocation can find the block's size and chunk, and reject a pointer it
 * never handed out. Open addressing with linear probing; removal shifts later
 * entries back instead of leaving tombstones, so the table never degrades.
 * Every operation is amortised O(1) and allocates only when the table grows.
 */
#ifndef RMM_SUBALLOC_DS_BLOCK_INDEX_H
#define RMM_SUBALLOC_DS_BLOCK_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** @brief What the pool knows about an allocated block. */
typedef struct rmm__ds_block_record {
  size_t size;      /**< bytes in the block */
  size_t requested; /**< bytes the caller asked for (size is their rounding) */
  uintptr_t stream; /**< the stream it was allocated on, for snapshots */
  uint32_t chunk;   /**< the upstream chunk it was carved from */
  uint32_t tag;     /**< free for the caller */
} rmm__ds_block_record_t;

struct rmm__ds_block_slot;

/**
 * @brief The map. Public so that it can be embedded; use only the functions below.
 */
typedef struct rmm__ds_block_index {
  struct rmm__ds_block_slot *slots; /**< the table; address 0 marks an empty slot */
  size_t capacity;                 /**< slots in the table: 0 or a power of two */
  unsigned shift;                  /**< 64 - log2(capacity), to take a hash's top bits */
  size_t used;                     /**< occupied slots */
  bool has_zero;                   /**< whether address 0 is in the map */
  rmm__ds_block_record_t zero;      /**< its record, kept outside the table */
} rmm__ds_block_index_t;

/** @brief Makes `idx` an empty map; allocates nothing. */
void rmm__ds_block_index_init(rmm__ds_block_index_t *idx);

/** @brief Frees the table and leaves `idx` empty, as init does. */
void rmm__ds_block_index_fini(rmm__ds_block_index_t *idx);

/**
 * @brief Makes room for `n` entries in all, so that inserts up to that count
 *        cannot fail.
 * @return false when host memory ran out (the map is unchanged).
 */
bool rmm__ds_block_index_reserve(rmm__ds_block_index_t *idx, size_t n);

/**
 * @brief Maps `addr` to `rec`, replacing the record of an address already there.
 * @return false when host memory ran out (the map is unchanged).
 */
bool rmm__ds_block_index_insert(rmm__ds_block_index_t *idx, uintptr_t addr,
                               rmm__ds_block_record_t rec);

/**
 * @brief Finds the record of `addr`.
 * @param out receives it; may be NULL.
 * @return false when `addr` is not in the map.
 */
bool rmm__ds_block_index_lookup(const rmm__ds_block_index_t *idx, uintptr_t addr,
                               rmm__ds_block_record_t *out);

/**
 * @brief Removes `addr` from the map.
 * @param out receives its record; may be NULL.
 * @return false when `addr` is not in the map (the map is unchanged).
 */
bool rmm__ds_block_index_remove(rmm__ds_block_index_t *idx, uintptr_t addr,
                               rmm__ds_block_record_t *out);

/** @brief The number of entries. O(1). */
size_t rmm__ds_block_index_count(const rmm__ds_block_index_t *idx);

/**
 * @brief Walks the entries in no particular order.
 *
 * Set `*cursor` to 0 before the first call; each call reports one entry and
 * advances it. The map must not change during the walk.
 * @param addr receives the entry's address.
 * @param rec receives its record; may be NULL.
 * @return false when every entry has been reported.
 */
bool rmm__ds_block_index_next(const rmm__ds_block_index_t *idx, size_t *cursor, uintptr_t *addr,
                             rmm__ds_block_record_t *rec);

#endif
