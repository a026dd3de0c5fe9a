/*
 * Memory snapshots: what rmm_resource_snapshot() writes, and the out-of-memory report.
 *
 * A family that holds memory answers the optional rmm_impl_t::snapshot operation by
 * describing its state to the opaque writer handed to it: its chunks (what it took from
 * the upstream) and the blocks in them, allocated or free, in any order. The writer
 * copies what it is given (the family may hold its locks while it calls), puts each
 * block in the chunk that contains it, sorts both by address and writes JSON once the
 * family has returned. An adaptor that knows live allocations (tracking) describes
 * them with rmm__snapshot_allocation(); the writer then lends their requested sizes
 * and call stacks to the blocks of the same address anywhere in the stack.
 *
 * Nothing here is on an allocation path: snapshots are taken on request or on a final
 * out-of-memory failure.
 *
 * Wiring a sub-allocator in (lib/suballoc/arena*.c is the worked example):
 *   - keep the resource object (`*out` after rmm__resource_new) in the state as `self`;
 *   - .snapshot: take the locks, call rmm__snapshot_chunk() per chunk and
 *     rmm__snapshot_block() per block, allocated and free, so that blocks tile chunks;
 *   - history (core/history.h), rmm__history_add(): ALLOC after a
 *     block is handed out and FREE after it is taken back (the request's size), GROW
 *     and TRIM per chunk taken from / returned to the upstream, OOM with the request;
 *   - out of memory: set the final message with rmm__fail(), then, holding no lock,
 *     rmm__oom_failed(self, requested, stream);
 *   - NVTX (core/notes.h), device-accessible upstreams only: rmm__note_heap_add() per
 *     chunk (keep the handle with the chunk), rmm__note_heap_remove() before the chunk
 *     goes back, rmm__note_block_add(heap, ptr, requested) after handing a block out,
 *     rmm__note_block_remove(heap, ptr) under the lock that frees it (once it is
 *     dropped another thread may be handed the address and register it).
 */
#ifndef RMM_CORE_SNAPSHOT_H
#define RMM_CORE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include <rmm/rmm.h>

typedef struct rmm__snapshot rmm__snapshot_t;

/*
 * One chunk taken from the upstream (or one mapped range): `device` is the CUDA device
 * of the memory, -1 for host memory.
 */
void rmm__snapshot_chunk(rmm__snapshot_t *s, const void *base, size_t size, int device);

/*
 * One block inside a chunk: `size` is what it occupies, `requested` what the caller
 * asked for (0 when the family does not know it), `allocated` false for a free block,
 * `stream` the stream it was allocated on or whose free list holds it.
 */
void rmm__snapshot_block(rmm__snapshot_t *s, const void *addr, size_t size, size_t requested, bool allocated,
                         rmm_stream_t stream);

/* A live allocation an adaptor knows, with its call stack (return addresses) if captured. */
void rmm__snapshot_allocation(rmm__snapshot_t *s, const void *addr, size_t size, rmm_stream_t stream,
                              void *const *frames, size_t frame_count);

/*
 * An out-of-memory failure of `mr`. A sub-allocator calls it, holding none of its
 * locks, right after it set its final out-of-memory message with rmm__fail(): it records
 * the history's OOM event and, when RMM_OOM_DUMP or rmm_resource_set_oom_dump() names a
 * file, writes a snapshot of mr's stack there and appends " (snapshot written to PATH)"
 * to the thread's message, or a note that writing failed. The message and the CUDA
 * error behind it are otherwise kept.
 */
void rmm__oom_failed(const rmm_resource_t *mr, size_t requested, rmm_stream_t stream);

/*
 * Whether the thread's last failure is one rmm__oom_failed() reported: a resource that
 * passes on its upstream's out of memory (binning) reports only when this is false, so
 * that one failing request gives one event and one snapshot.
 */
bool rmm__oom_reported(void);

#endif
