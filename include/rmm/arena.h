/**
 * @file rmm/arena.h
 * @brief The arena sub-allocator: per-thread and per-stream arenas over one global arena.
 */
#ifndef RMM_ARENA_H
#define RMM_ARENA_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates an arena resource (RMM's arena_memory_resource).
 *
 * The global arena is one allocation of @p arena_size bytes from @p upstream, taken
 * now and returned when the resource is destroyed; it never grows. It is cut into
 * superblocks of at least 1 MiB. Requests of up to 1 MiB are served from superblocks
 * held by an arena of their own: one per thread for RMM_STREAM_PER_THREAD, one per
 * stream otherwise (NULL and RMM_STREAM_LEGACY share one). Larger requests are served
 * by the global arena directly. Sizes are rounded up to 256 bytes.
 *
 * Memory freed on the stream that allocated it is reused on that stream at once.
 * Memory freed on another stream, and every request above 1 MiB, first synchronises
 * the freeing stream. When nothing fits, every arena returns its empty superblocks to
 * the global arena after a device synchronisation and the request is tried again;
 * then a free block of another arena is used, before the request fails. Over a
 * host-only upstream no CUDA call is made. See rmm_arena_create(3).
 * @param upstream the resource the global arena comes from; NULL means the current
 *        device resource. The arena holds a reference on it.
 * @param arena_size bytes of the global arena, rounded down to 256; 0 means half of
 *        the free device memory (device-accessible upstreams only).
 * @param dump_log_on_failure when true, a request that fails for lack of memory
 *        writes the state of every arena to the debug log (see rmm/log.h).
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out, a size below 1 MiB,
 *         or size 0 over a host-only upstream; the upstream's status when it cannot
 *         provide the arena (RMM_ERROR_OUT_OF_MEMORY, RMM_ERROR_CUDA); RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_arena_create(rmm_resource_t *upstream, size_t arena_size, bool dump_log_on_failure,
                                      rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
