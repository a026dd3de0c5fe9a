/*
 * Sanitizer-visible sub-allocations through the NVTX memory API: a sub-allocator
 * registers each upstream chunk (or mapped range) as a heap and each block it hands
 * out as a region of that heap, so that compute-sanitizer memcheck checks accesses
 * against the block, not against the whole chunk that cudaMalloc returned.
 *
 * Annotations are on when an NVTX tool is attached (compute-sanitizer, Nsight) and
 * RMM_NVTX is not "0"; otherwise every function here is a no-op that makes no NVTX
 * call. The decision is taken once: RMM_NVTX when the library loads, the tool at the
 * first rmm__note_heap_add() (when the CUDA runtime, which compute-sanitizer needs
 * before any NVTX call, has served the chunk). Built without the nvtx3 headers, notes
 * are always off.
 *
 * Families pass device-accessible memory only (not host-only upstreams), and call the
 * block functions outside their locks where they can: with a tool attached each call
 * reaches it.
 */
#ifndef RMM_CORE_NOTES_H
#define RMM_CORE_NOTES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* A registered heap; NULL when annotations are off (every function accepts NULL). */
typedef struct rmm__heap_note *rmm__heap_note_t;

enum { RMM__NOTES_UNDECIDED, RMM__NOTES_ON, RMM__NOTES_OFF };

/* Defined in notes.c. */
extern atomic_int rmm__notes_state;

/*
 * Whether annotations may be on: false once they are known to be off. Before the first
 * heap is registered this is true; rmm__note_heap_add() settles it and returns NULL
 * when off, and the block functions do nothing with a NULL heap.
 */
static inline bool rmm__notes_active(void)
{
  return atomic_load_explicit(&rmm__notes_state, memory_order_relaxed) != RMM__NOTES_OFF;
}

/* Registers one upstream chunk or mapped range as a heap; NULL when annotations are off. */
rmm__heap_note_t rmm__note_heap_add(void *base, size_t size);

/* Unregisters a heap and, with it, every block still registered in it (trim, destroy). */
void rmm__note_heap_remove(rmm__heap_note_t heap);

/* The calls behind the two below; only reached with a heap, that is with a tool attached. */
void rmm__note_region_add(rmm__heap_note_t heap, void *ptr, size_t size);
void rmm__note_region_remove(rmm__heap_note_t heap, void *ptr);

/*
 * A block handed out from the heap: accesses to [ptr, ptr + size) become valid. Inline,
 * so that without annotations the allocation path pays one test of a NULL heap.
 */
static inline void rmm__note_block_add(rmm__heap_note_t heap, void *ptr, size_t size)
{
  if (heap != NULL)
    rmm__note_region_add(heap, ptr, size);
}

/* The block at `ptr` was given back: accesses to it become errors again. */
static inline void rmm__note_block_remove(rmm__heap_note_t heap, void *ptr)
{
  if (heap != NULL)
    rmm__note_region_remove(heap, ptr);
}

#endif
