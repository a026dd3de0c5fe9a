/**
 * @file rmm/stream_pool.h
 * @brief A fixed set of CUDA streams handed out in turn (RMM's cuda_stream_pool).
 *
 * All streams are created at once, on the device current at creation, and live as long
 * as the pool: non-blocking ones (they do not synchronise with the legacy default stream)
 * from rmm_stream_pool_create(), or with the flags given to
 * rmm_stream_pool_create_with_flags(). Handing streams out is thread-safe; creating and
 * destroying the pool is not.
 */
#ifndef RMM_STREAM_POOL_H
#define RMM_STREAM_POOL_H

#include <rmm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A pool of CUDA streams. */
typedef struct rmm_stream_pool rmm_stream_pool_t;

/** @brief Stream creation flags, the values of cudaStreamCreateWithFlags(). */
typedef enum rmm_stream_flags {
  RMM_STREAM_FLAGS_SYNC_DEFAULT = 0x0, /**< cudaStreamDefault: synchronises with the legacy default stream */
  RMM_STREAM_FLAGS_NON_BLOCKING = 0x1  /**< cudaStreamNonBlocking: does not */
} rmm_stream_flags_t;

/**
 * @brief Creates @p size non-blocking streams on the current device.
 * @param size the number of streams; at least 1.
 * @param out receives the pool; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or a size of 0;
 *         RMM_ERROR_BAD_ALLOC; RMM_ERROR_CUDA when a stream cannot be created (no GPU).
 */
RMM_API rmm_status_t rmm_stream_pool_create(size_t size, rmm_stream_pool_t **out);

/**
 * @brief Creates @p size streams with @p flags on the current device (RMM's
 *        cuda_stream_pool(size, flags), whose default is RMM_STREAM_FLAGS_SYNC_DEFAULT).
 * @param size the number of streams; at least 1.
 * @param flags RMM_STREAM_FLAGS_SYNC_DEFAULT or RMM_STREAM_FLAGS_NON_BLOCKING.
 * @param out receives the pool; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out, a size of 0 or unknown
 *         flag bits; RMM_ERROR_BAD_ALLOC; RMM_ERROR_CUDA when a stream cannot be created.
 */
RMM_API rmm_status_t rmm_stream_pool_create_with_flags(size_t size, unsigned flags, rmm_stream_pool_t **out);

/**
 * @brief Destroys the pool's streams and the pool.
 *
 * Work already queued on the streams still runs; the handles become invalid.
 * @param pool a pool; NULL is a no-op.
 */
RMM_API void rmm_stream_pool_destroy(rmm_stream_pool_t *pool);

/**
 * @brief The next stream, round robin: successive calls cycle through the pool.
 * @param pool the pool.
 * @param stream receives the stream, owned by the pool.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL arguments.
 */
RMM_API rmm_status_t rmm_stream_pool_get(rmm_stream_pool_t *pool, rmm_stream_t *stream);

/**
 * @brief Stream number `index % size`: a stable stream for each index.
 * @param pool the pool.
 * @param index any value; equal indexes modulo the size give the same stream.
 * @param stream receives the stream, owned by the pool.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL arguments.
 */
RMM_API rmm_status_t rmm_stream_pool_get_at(const rmm_stream_pool_t *pool, size_t index, rmm_stream_t *stream);

/**
 * @brief The number of streams in the pool.
 * @param pool a pool, or NULL.
 * @return the size given at creation; 0 for NULL.
 */
RMM_API size_t rmm_stream_pool_size(const rmm_stream_pool_t *pool);

#ifdef __cplusplus
}
#endif

#endif
