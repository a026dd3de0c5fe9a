/**
 * @file rmm/resource.h
 * @brief The resource object: the one interface every allocator in librmm implements.
 *
 * Every resource and adaptor is an `rmm_resource_t *`, reference counted. Constructors
 * return it with one reference; rmm_resource_release() drops one and the last one
 * destroys it. A resource built on an upstream holds its own reference on it, so the
 * caller may release the upstream as soon as the stack is built.
 *
 * Where a function takes a resource to allocate from, NULL means the current device
 * resource (see rmm/per_device.h), taken when the call is made.
 */
#ifndef RMM_RESOURCE_H
#define RMM_RESOURCE_H

#include <rmm/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief An opaque, reference-counted memory resource. */
typedef struct rmm_resource rmm_resource_t;

/** @brief Property bit: device code can access the memory. */
#define RMM_DEVICE_ACCESSIBLE 0x1u
/** @brief Property bit: host code can access the memory. */
#define RMM_HOST_ACCESSIBLE 0x2u

/**
 * @brief Allocates at least @p bytes, aligned to RMM_ALLOCATION_ALIGNMENT, ordered on @p stream.
 * @param mr the resource; NULL means the current device resource.
 * @param ptr receives the address; a 0-byte request succeeds with `*ptr == NULL`.
 * @param bytes the size.
 * @param stream the stream on which the memory is first used.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT (NULL @p ptr), RMM_ERROR_OUT_OF_MEMORY,
 *         RMM_ERROR_BAD_ALLOC or RMM_ERROR_CUDA, with `*ptr` left NULL.
 */
RMM_API rmm_status_t rmm_allocate(rmm_resource_t *mr, void **ptr, size_t bytes, rmm_stream_t stream);

/**
 * @brief Allocates at least @p bytes aligned to @p alignment, ordered on @p stream.
 *
 * Every resource honours alignments up to 256; above that a resource that cannot
 * honour the request fails with RMM_ERROR_INVALID_ARGUMENT.
 * @param mr the resource; NULL means the current device resource.
 * @param ptr receives the address.
 * @param bytes the size.
 * @param alignment a power of two.
 * @param stream the stream on which the memory is first used.
 * @return as rmm_allocate(); RMM_ERROR_INVALID_ARGUMENT for an alignment that is not a power of two.
 */
RMM_API rmm_status_t rmm_allocate_aligned(rmm_resource_t *mr, void **ptr, size_t bytes, size_t alignment,
                                          rmm_stream_t stream);

/**
 * @brief Returns memory from rmm_allocate() to its resource, ordered on @p stream.
 * @param mr the resource that allocated @p ptr; NULL means the current device resource.
 * @param ptr the address; NULL is a no-op.
 * @param bytes the size given to rmm_allocate().
 * @param stream the stream after whose work the memory may be reused.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a pointer the resource can tell it
 *         never handed out (nothing changes); RMM_ERROR_CUDA.
 */
RMM_API rmm_status_t rmm_deallocate(rmm_resource_t *mr, void *ptr, size_t bytes, rmm_stream_t stream);

/**
 * @brief Returns memory from rmm_allocate_aligned() to its resource.
 * @param mr the resource that allocated @p ptr; NULL means the current device resource.
 * @param ptr the address; NULL is a no-op.
 * @param bytes the size given at allocation.
 * @param alignment the alignment given at allocation.
 * @param stream the stream after whose work the memory may be reused.
 * @return as rmm_deallocate().
 */
RMM_API rmm_status_t rmm_deallocate_aligned(rmm_resource_t *mr, void *ptr, size_t bytes, size_t alignment,
                                            rmm_stream_t stream);

/**
 * @brief Takes one more reference on a resource.
 * @param mr a resource, or NULL.
 * @return @p mr.
 */
RMM_API rmm_resource_t *rmm_resource_retain(rmm_resource_t *mr);

/**
 * @brief Drops one reference; the last one destroys the resource and releases its upstream.
 * @param mr a resource; NULL is a no-op.
 */
RMM_API void rmm_resource_release(rmm_resource_t *mr);

/**
 * @brief The accessibility of the resource's memory.
 * @param mr a resource; NULL means the current device resource.
 * @return a mask of RMM_DEVICE_ACCESSIBLE and RMM_HOST_ACCESSIBLE.
 */
RMM_API unsigned rmm_resource_properties(const rmm_resource_t *mr);

/**
 * @brief Whether memory allocated from @p a may be freed through @p b and vice versa.
 *
 * A resource is equal to itself; resources of one family compare by their own rule
 * (leaf resources of a kind are all equal, views of one pool are equal).
 * @param a a resource, or NULL.
 * @param b a resource, or NULL.
 * @return true when they are interchangeable; false when either is NULL.
 */
RMM_API bool rmm_resource_is_equal(const rmm_resource_t *a, const rmm_resource_t *b);

/**
 * @brief The family name of a resource: "cuda", "pool", "statistics", ...
 * @param mr a resource, or NULL.
 * @return a string valid while @p mr lives (a custom resource's own name); "(null)" for NULL.
 */
RMM_API const char *rmm_resource_name(const rmm_resource_t *mr);

/**
 * @brief The resource that @p mr takes its memory from.
 * @param mr a resource, or NULL.
 * @return a borrowed pointer (valid while @p mr lives); NULL for a leaf resource.
 */
RMM_API rmm_resource_t *rmm_resource_upstream(const rmm_resource_t *mr);

/** @brief rmm_resource_stats_t::flags bit: bytes_in_use and peak_bytes_in_use are known. */
#define RMM_STATS_IN_USE 0x1u
/** @brief rmm_resource_stats_t::flags bit: bytes_reserved is known. */
#define RMM_STATS_RESERVED 0x2u
/** @brief rmm_resource_stats_t::flags bit: free_bytes, largest_free_block and free_blocks are known. */
#define RMM_STATS_FREE 0x4u
/** @brief rmm_resource_stats_t::flags bit: upstream_chunks is known. */
#define RMM_STATS_CHUNKS 0x8u
/** @brief rmm_resource_stats_t::flags bit: allocation_retries, oom_failures and bytes_trimmed are known. */
#define RMM_STATS_RECLAIM 0x10u

/**
 * @brief What a resource holds, as far as it can know.
 *
 * Set `struct_size` to `sizeof(rmm_resource_stats_t)` before the call; the library
 * fills no more than that, so programs built against older headers keep working.
 * Fields the resource cannot know are 0 and their bit in `flags` is clear.
 */
typedef struct rmm_resource_stats {
  size_t struct_size;        /**< set by the caller: sizeof(rmm_resource_stats_t) */
  unsigned flags;            /**< RMM_STATS_* bits of the fields that are known */
  size_t bytes_in_use;       /**< bytes handed out and not yet freed */
  size_t peak_bytes_in_use;  /**< the highest bytes_in_use so far */
  size_t bytes_reserved;     /**< bytes obtained from the upstream (or the device) and still held */
  size_t free_bytes;         /**< reserved bytes not handed out */
  size_t largest_free_block; /**< the largest request that can be served without growing */
  size_t free_blocks;        /**< the number of free blocks */
  size_t upstream_chunks;    /**< the number of chunks obtained from the upstream */
  size_t allocation_retries; /**< allocations retried after trimming when the resource could not grow */
  size_t oom_failures;       /**< allocations that failed with RMM_ERROR_OUT_OF_MEMORY */
  size_t bytes_trimmed;      /**< bytes given back to the upstream by trims, rmm_resource_trim() or retries */
} rmm_resource_stats_t;

/**
 * @brief Reads what a resource holds.
 * @param mr a resource; NULL means the current device resource.
 * @param out filled up to `out->struct_size` bytes.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p out or a struct_size
 *         smaller than the first two members.
 */
RMM_API rmm_status_t rmm_resource_get_stats(const rmm_resource_t *mr, rmm_resource_stats_t *out);

/**
 * @brief Gives back to the upstreams whatever a resource stack holds wholly free.
 *
 * The resource's own trim runs first, then its upstream's, down to the leaf, so an
 * adaptor passes the call on with no code of its own. Sub-allocators (pool,
 * fixed_size, arena, binning and the expandable pool) return every chunk, superblock
 * or mapped range that holds no live block, once the work queued on the streams that
 * freed into it has completed; leaf resources hold nothing to give back. A resource
 * stays usable after a trim and grows again on demand (PyTorch's empty_cache()).
 * @param mr the top of the stack; NULL means the current device resource.
 * @param bytes_released receives the bytes given back, summed over the stack; may be NULL.
 * @return RMM_SUCCESS; RMM_ERROR_CUDA when waiting for the streams fails (what was
 *         released before the failure is still counted).
 */
RMM_API rmm_status_t rmm_resource_trim(rmm_resource_t *mr, size_t *bytes_released);

/**
 * @brief Restarts the peak figures of a resource stack from what is in use now.
 *
 * Every resource of the stack, from @p mr down to the leaf (and a binning resource's
 * bins), sets its peak_bytes_in_use to its bytes_in_use; the statistics adaptor
 * restarts the peaks of every open scope, and the tracking adaptor its peak.
 * @param mr the top of the stack; NULL means the current device resource.
 * @return RMM_SUCCESS, or RMM_ERROR_CUDA when there is no current device resource.
 */
RMM_API rmm_status_t rmm_resource_reset_peak(rmm_resource_t *mr);

/**
 * @brief The operations of a custom resource (see rmm_resource_create()).
 *
 * `allocate` and `deallocate` are required. They receive the resource's @p ctx, and
 * the alignment the caller asked for (RMM_ALLOCATION_ALIGNMENT by default). librmm
 * answers 0-byte requests and NULL frees itself and never passes them on.
 */
typedef struct rmm_resource_ops {
  size_t struct_size; /**< sizeof(rmm_resource_ops_t): the table may grow in later versions */
  const char *name;   /**< the name rmm_resource_name() returns; NULL gives "custom" */
  /** Allocates; returns a status and writes the address to `*ptr`. */
  rmm_status_t (*allocate)(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream);
  /** Frees what allocate returned. */
  rmm_status_t (*deallocate)(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream);
  /** Optional: whether two contexts of this table are interchangeable; NULL compares identity. */
  bool (*is_equal)(const void *ctx, const void *other_ctx);
  /** Optional: called once, when the last reference is released. */
  void (*destroy)(void *ctx);
  /** Optional: gives back what the resource holds free and adds the bytes to `*released` (see rmm_resource_trim()). */
  rmm_status_t (*trim)(void *ctx, size_t *released);
} rmm_resource_ops_t;

/**
 * @brief Creates a resource from a table of operations: librmm's extension point.
 *
 * The table is copied, so it need not outlive the call. @p ctx belongs to the caller
 * until the resource is destroyed, when `ops->destroy(ctx)` runs if given.
 * @param ops the operations; `allocate` and `deallocate` are required.
 * @param ctx passed to every operation.
 * @param properties RMM_DEVICE_ACCESSIBLE and/or RMM_HOST_ACCESSIBLE.
 * @param out receives the resource, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL table, a missing operation,
 *         a too small struct_size or unknown property bits; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_resource_create(const rmm_resource_ops_t *ops, void *ctx, unsigned properties,
                                         rmm_resource_t **out);

/** @brief Allocation callback of rmm_callback_create(): returns NULL on failure. */
typedef void *(*rmm_allocate_callback_t)(size_t bytes, rmm_stream_t stream, void *arg);
/** @brief Deallocation callback of rmm_callback_create(). */
typedef void (*rmm_deallocate_callback_t)(void *ptr, size_t bytes, rmm_stream_t stream, void *arg);

/**
 * @brief Creates a resource that forwards to two plain functions (RMM's callback resource).
 *
 * The memory is taken to be device accessible. Alignment is not passed on: the
 * callbacks must return memory aligned to RMM_ALLOCATION_ALIGNMENT, and requests for
 * more fail with RMM_ERROR_INVALID_ARGUMENT.
 * @param allocate called for every non-empty allocation; NULL from it is RMM_ERROR_BAD_ALLOC.
 * @param deallocate called for every non-NULL free.
 * @param arg passed to both.
 * @param out receives the resource.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL callback or @p out.
 */
RMM_API rmm_status_t rmm_callback_create(rmm_allocate_callback_t allocate, rmm_deallocate_callback_t deallocate,
                                         void *arg, rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
