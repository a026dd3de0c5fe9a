/**
 * @file rmm/stream_registry.h
 * @brief Streams the caller promises to unregister before destroying them.
 *
 * The sub-allocators (pool, fixed_size, binning) keep a free list per stream. For a
 * stream they know outlives its blocks, memory freed on it is reused on it with no
 * CUDA call, and an event is recorded only when another stream needs the blocks. The
 * default streams and the streams of rmm_stream_pool_create() are known; any other
 * stream becomes known by registering it. An unknown stream costs an event record
 * at every deallocation, because it may be destroyed at any moment.
 */
#ifndef RMM_STREAM_REGISTRY_H
#define RMM_STREAM_REGISTRY_H

#include <rmm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Registers @p stream: the caller promises to call rmm_stream_unregister()
 *        before destroying it.
 *
 * Registrations are counted: a stream registered twice must be unregistered twice.
 * The default streams (NULL, RMM_STREAM_LEGACY, RMM_STREAM_PER_THREAD) are always
 * known and cannot be registered.
 * @param stream a stream created by the caller.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a default stream;
 *         RMM_ERROR_BAD_ALLOC when no host memory is left.
 */
RMM_API rmm_status_t rmm_stream_register(rmm_stream_t stream);

/**
 * @brief Drops one registration of @p stream.
 *
 * At the last one, every resource that holds free blocks of @p stream records an
 * event on it, after which those blocks may go to any stream; the stream may then
 * be destroyed.
 * @param stream a registered stream, still valid.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT when @p stream is not registered.
 */
RMM_API rmm_status_t rmm_stream_unregister(rmm_stream_t stream);

#ifdef __cplusplus
}
#endif

#endif
