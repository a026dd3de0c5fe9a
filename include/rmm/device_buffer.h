/**
 * @file rmm/device_buffer.h
 * @brief An untyped, uninitialised allocation owned by a buffer (RMM's device_buffer).
 *
 * A buffer holds `capacity` bytes from a resource, of which the first `size` are in
 * use. It keeps a reference on its resource and remembers the stream it was last used
 * on: memory is freed on that stream. It also remembers the device that was current
 * when it was created and makes that device current for every later allocation, copy
 * and free (restoring the caller's device afterwards), so a buffer may be destroyed
 * while another device is current.
 *
 * Copies run with cudaMemcpyAsync(cudaMemcpyDefault) on the buffer's stream when the
 * resource's memory is device accessible; nothing is synchronised. Over a host-only
 * resource (rmm_host_create()) copies use memcpy, no device is switched and any value
 * serves as a stream. Over a resource whose memory is neither host nor device
 * accessible (rmm_simulated_create()) a buffer can be created and resized within its
 * capacity, but anything that would touch its bytes fails with RMM_ERROR_NOT_SUPPORTED.
 *
 * A buffer is not thread-safe: one thread uses it at a time.
 */
#ifndef RMM_DEVICE_BUFFER_H
#define RMM_DEVICE_BUFFER_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief An untyped allocation with a size, a capacity, a stream and a resource. */
typedef struct rmm_device_buffer rmm_device_buffer_t;

/**
 * @brief Creates a buffer of @p size uninitialised bytes, allocated on @p stream.
 * @param size the size and capacity in bytes; 0 allocates nothing (data is NULL).
 * @param stream the stream on which the memory is allocated and later freed.
 * @param mr the resource; NULL means the current device resource. The buffer retains it.
 * @param out receives the buffer; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; the resource's
 *         failure (RMM_ERROR_OUT_OF_MEMORY, RMM_ERROR_BAD_ALLOC, RMM_ERROR_CUDA).
 */
RMM_API rmm_status_t rmm_device_buffer_create(size_t size, rmm_stream_t stream, rmm_resource_t *mr,
                                              rmm_device_buffer_t **out);

/**
 * @brief Creates a buffer holding a copy of @p size bytes at @p src, copied on @p stream.
 *
 * @p src may be host or device memory when the resource is device accessible, and
 * must be host memory over a host-only resource. The copy is not synchronised: @p src
 * must stay unchanged until @p stream has run it.
 * @param src the bytes to copy; may be NULL only when @p size is 0.
 * @param size the size and capacity in bytes.
 * @param stream the stream of the allocation and the copy.
 * @param mr the resource; NULL means the current device resource.
 * @param out receives the buffer; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or a NULL @p src with
 *         a non-zero @p size; RMM_ERROR_NOT_SUPPORTED over a resource that is neither host
 *         nor device accessible; RMM_ERROR_CUDA when the copy fails; allocation failures.
 */
RMM_API rmm_status_t rmm_device_buffer_create_from(const void *src, size_t size, rmm_stream_t stream,
                                                   rmm_resource_t *mr, rmm_device_buffer_t **out);

/**
 * @brief Creates a deep copy of @p other's first `size` bytes (not its capacity).
 * @param other the buffer to copy.
 * @param stream the stream of the new buffer, its allocation and the copy; pass
 *        rmm_device_buffer_stream(other) to keep @p other's.
 * @param mr the new buffer's resource; NULL means the current device resource; pass
 *        rmm_device_buffer_resource(other) to keep @p other's.
 * @param out receives the copy, whose size and capacity are @p other's size.
 * @return as rmm_device_buffer_create_from(); RMM_ERROR_INVALID_ARGUMENT for NULL @p other.
 */
RMM_API rmm_status_t rmm_device_buffer_copy(const rmm_device_buffer_t *other, rmm_stream_t stream, rmm_resource_t *mr,
                                            rmm_device_buffer_t **out);

/**
 * @brief Frees the buffer's memory on its stream, with its device current, and the buffer.
 * @param buf a buffer; NULL is a no-op.
 * @return RMM_SUCCESS, or the resource's failure to free (the buffer is gone either way).
 */
RMM_API rmm_status_t rmm_device_buffer_destroy(rmm_device_buffer_t *buf);

/**
 * @brief The address of the buffer's memory.
 * @param buf a buffer, or NULL.
 * @return the address; NULL when the capacity is 0 or @p buf is NULL.
 */
RMM_API void *rmm_device_buffer_data(const rmm_device_buffer_t *buf);

/**
 * @brief The number of bytes in use.
 * @param buf a buffer, or NULL.
 * @return the size; 0 for NULL.
 */
RMM_API size_t rmm_device_buffer_size(const rmm_device_buffer_t *buf);

/**
 * @brief The number of bytes allocated, at least the size.
 * @param buf a buffer, or NULL.
 * @return the capacity; 0 for NULL.
 */
RMM_API size_t rmm_device_buffer_capacity(const rmm_device_buffer_t *buf);

/**
 * @brief Whether the size is 0 (the buffer may still hold memory).
 * @param buf a buffer, or NULL.
 * @return true for a size of 0 and for NULL.
 */
RMM_API bool rmm_device_buffer_is_empty(const rmm_device_buffer_t *buf);

/**
 * @brief Sets the size to @p new_size, keeping the first bytes.
 *
 * Within the capacity only the size changes. Beyond it the buffer allocates exactly
 * @p new_size bytes on @p stream, copies its old contents, and frees the old memory on
 * @p stream. New bytes are uninitialised. On success @p stream becomes the buffer's
 * stream; on failure nothing changes.
 * @param buf the buffer.
 * @param new_size the new size in bytes.
 * @param stream the stream of the allocation, the copy and the free.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p buf; RMM_ERROR_NOT_SUPPORTED
 *         when bytes would be copied over a simulated resource; allocation and copy failures.
 */
RMM_API rmm_status_t rmm_device_buffer_resize(rmm_device_buffer_t *buf, size_t new_size, rmm_stream_t stream);

/**
 * @brief Makes the capacity at least @p new_capacity, keeping the size and contents.
 *
 * A capacity already as large changes nothing but the stream.
 * @param buf the buffer.
 * @param new_capacity the capacity wanted, in bytes.
 * @param stream the stream of the allocation, the copy and the free; the buffer's stream
 *        on success.
 * @return as rmm_device_buffer_resize().
 */
RMM_API rmm_status_t rmm_device_buffer_reserve(rmm_device_buffer_t *buf, size_t new_capacity, rmm_stream_t stream);

/**
 * @brief Reallocates so that the capacity equals the size, keeping the contents.
 * @param buf the buffer.
 * @param stream the stream of the allocation, the copy and the free; the buffer's stream
 *        on success.
 * @return as rmm_device_buffer_resize().
 */
RMM_API rmm_status_t rmm_device_buffer_shrink_to_fit(rmm_device_buffer_t *buf, rmm_stream_t stream);

/**
 * @brief The stream on which the buffer was last used and will be freed.
 * @param buf a buffer, or NULL.
 * @return the stream; the default stream (NULL) for NULL.
 */
RMM_API rmm_stream_t rmm_device_buffer_stream(const rmm_device_buffer_t *buf);

/**
 * @brief Sets the stream on which the buffer's memory will be reallocated and freed.
 * @param buf a buffer; NULL is a no-op.
 * @param stream the stream; the memory must be safe to reuse once this stream's work
 *        so far has run.
 */
RMM_API void rmm_device_buffer_set_stream(rmm_device_buffer_t *buf, rmm_stream_t stream);

/**
 * @brief The resource the buffer allocates from.
 * @param buf a buffer, or NULL.
 * @return a borrowed pointer, valid while the buffer lives; NULL for NULL.
 */
RMM_API rmm_resource_t *rmm_device_buffer_resource(const rmm_device_buffer_t *buf);

/**
 * @brief Hands the buffer's memory to the caller and leaves the buffer empty.
 *
 * The caller then owns the memory and frees it with
 * `rmm_deallocate(rmm_device_buffer_resource(buf), ptr, capacity, stream)` while the
 * buffer (or another reference on the resource) is alive. The buffer keeps its
 * resource and stream, with size and capacity 0.
 * @param buf the buffer.
 * @param ptr receives the address (NULL when the capacity was 0).
 * @param size receives the size; may be NULL.
 * @param capacity receives the capacity, the byte count to free with.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p buf, @p ptr or @p capacity.
 */
RMM_API rmm_status_t rmm_device_buffer_release(rmm_device_buffer_t *buf, void **ptr, size_t *size, size_t *capacity);

/**
 * @brief Copies @p bytes of the buffer, from @p offset, to @p dst and waits for the copy.
 * When the resource is device accessible the copy runs on @p stream
 * (cudaMemcpyDefault, so @p dst may be host or device memory) and the call returns
 * after @p stream has finished it; over a host-only resource it is a memcpy and
 * @p dst must be host memory.
 * @param buf the buffer.
 * @param offset the first byte to copy, within the size.
 * @param dst where the bytes go; may be NULL only when @p bytes is 0.
 * @param bytes the number of bytes; @p offset + @p bytes must not pass the size.
 * @param stream the stream of the copy.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p buf or @p dst, or a range
 *         past the size; RMM_ERROR_NOT_SUPPORTED over a resource that is neither host nor
 *         device accessible; RMM_ERROR_CUDA when the copy fails.
 */
RMM_API rmm_status_t rmm_device_buffer_read(const rmm_device_buffer_t *buf, size_t offset, void *dst, size_t bytes,
                                            rmm_stream_t stream);

/**
 * @brief Copies @p bytes from @p src into the buffer at @p offset and waits for the copy.
 * When the resource is device accessible the copy runs on @p stream
 * (cudaMemcpyDefault, so @p src may be host or device memory) and the call returns
 * after @p stream has finished it, so @p src may be reused at once; over a host-only
 * resource it is a memcpy and @p src must be host memory. The size does not change.
 * @param buf the buffer.
 * @param offset the first byte to write, within the size.
 * @param src the bytes to copy; may be NULL only when @p bytes is 0.
 * @param bytes the number of bytes; @p offset + @p bytes must not pass the size.
 * @param stream the stream of the copy.
 * @return as rmm_device_buffer_read().
 */
RMM_API rmm_status_t rmm_device_buffer_write(rmm_device_buffer_t *buf, size_t offset, const void *src, size_t bytes,
                                             rmm_stream_t stream);

#ifdef __cplusplus
}
#endif

#endif
