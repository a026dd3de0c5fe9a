/**
 * @file rmm/arena.h
 * @brief The arena sub-allocator: per-thread and per-stream arenas over one global arena.
 *
 * The stream model. The global arena is one upstream allocation cut into superblocks of
 * at least 1 MiB. Requests of up to 1 MiB are served by an arena that holds superblocks:
 * the calling thread's own arena for RMM_STREAM_PER_THREAD, one arena shared by NULL and
 * RMM_STREAM_LEGACY, and one per other stream handle, made on first use and kept until
 * the resource is destroyed. Larger requests take a span of the global arena directly.
 * A freed block always returns to the superblock it came from, whichever stream frees
 * it. Memory passes between arenas only through the global arena: an arena takes a
 * free superblock when it has no room, and gives its empty superblocks back only when
 * a request finds no room anywhere (or on a trim). Reuse across streams is guarded by
 * blocking synchronisation, never by events: a block freed on the stream of its own
 * arena is reused on that stream at once; before a block is freed on any other stream,
 * and before any block above 1 MiB is freed, the freeing stream is synchronised; and
 * the device is synchronised before empty superblocks return to the global arena,
 * before a free block of another arena is lent as the last resort, and before a new
 * thread adopts the arena of a thread that has exited. Hence memory in the global
 * arena is idle on every stream, and a free block of an arena can be in use only by
 * work queued on that arena's own stream. Arenas are keyed by the stream handle, as in
 * RMM: the arena of a destroyed stream keeps its superblocks (the empty ones return at
 * the next defragmentation), and a new stream that CUDA gives the same handle inherits
 * that arena, reusing what was freed on the old stream with no synchronisation; so
 * synchronise a stream before destroying it. Registering a stream changes nothing here.
 * This differs from pool and fixed_size, whose shared stream-ordered layer keeps free
 * lists per stream, lets one stream take another's blocks after waiting on an event,
 * and keys unregistered streams by their CUDA stream id (doc/concurrency.md). Over a
 * host-only upstream no CUDA call is made. doc/arena.md tells the model in depth, with
 * the functions that implement each rule.
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
