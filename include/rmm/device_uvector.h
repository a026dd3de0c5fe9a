/**
 * @file rmm/device_uvector.h
 * @brief A vector of uninitialised elements of one size in device memory (RMM's device_uvector).
 *
 * The element size is given at creation; elements are plain bytes (trivially
 * copyable), never initialised by the vector. Sizes, capacities and indexes count
 * elements. The storage is a device_buffer (rmm/device_buffer.h), with its rules on
 * streams, devices and resources: the vector holds a reference on its resource, frees
 * on its stream with its creation device current, and over the simulated resource
 * refuses anything that would touch its bytes with RMM_ERROR_NOT_SUPPORTED.
 *
 * Only rmm_device_uvector_element(), rmm_device_uvector_front() and
 * rmm_device_uvector_back() synchronise (the stream they are given). A vector is not
 * thread-safe.
 */
#ifndef RMM_DEVICE_UVECTOR_H
#define RMM_DEVICE_UVECTOR_H

#include <rmm/device_buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief A vector of fixed-size, uninitialised elements. */
typedef struct rmm_device_uvector rmm_device_uvector_t;

/**
 * @brief Creates a vector of @p count uninitialised elements of @p element_size bytes.
 * @param element_size the size of one element in bytes (`sizeof` the element type).
 * @param count the number of elements; 0 allocates nothing.
 * @param stream the stream of the allocation and of later frees.
 * @param mr the resource; NULL means the current device resource. The vector retains it.
 * @param out receives the vector; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out, an element size of 0
 *         or a byte size that overflows `size_t`; allocation failures.
 */
RMM_API rmm_status_t rmm_device_uvector_create(size_t element_size, size_t count, rmm_stream_t stream,
                                               rmm_resource_t *mr, rmm_device_uvector_t **out);

/**
 * @brief Creates a deep copy of @p other's elements (its size, not its capacity).
 * @param other the vector to copy.
 * @param stream the stream of the new vector, its allocation and the copy.
 * @param mr the new vector's resource; NULL means the current device resource.
 * @param out receives the copy; NULL on failure.
 * @return as rmm_device_buffer_copy().
 */
RMM_API rmm_status_t rmm_device_uvector_copy(const rmm_device_uvector_t *other, rmm_stream_t stream,
                                             rmm_resource_t *mr, rmm_device_uvector_t **out);

/**
 * @brief Frees the vector's storage on its stream, with its device current, and the vector.
 * @param vec a vector; NULL is a no-op.
 * @return RMM_SUCCESS, or the resource's failure to free (the vector is gone either way).
 */
RMM_API rmm_status_t rmm_device_uvector_destroy(rmm_device_uvector_t *vec);

/**
 * @brief The size of one element in bytes.
 * @param vec a vector, or NULL.
 * @return the element size given at creation; 0 for NULL.
 */
RMM_API size_t rmm_device_uvector_element_size(const rmm_device_uvector_t *vec);

/**
 * @brief The number of elements.
 * @param vec a vector, or NULL.
 * @return the size; 0 for NULL.
 */
RMM_API size_t rmm_device_uvector_size(const rmm_device_uvector_t *vec);

/**
 * @brief The number of elements the storage holds without reallocating.
 * @param vec a vector, or NULL.
 * @return the capacity; 0 for NULL.
 */
RMM_API size_t rmm_device_uvector_capacity(const rmm_device_uvector_t *vec);

/**
 * @brief Whether the vector has no elements (it may still hold storage).
 * @param vec a vector, or NULL.
 * @return true for a size of 0 and for NULL.
 */
RMM_API bool rmm_device_uvector_is_empty(const rmm_device_uvector_t *vec);

/**
 * @brief The address of the first element.
 * @param vec a vector, or NULL.
 * @return the address; NULL when the capacity is 0 or @p vec is NULL.
 */
RMM_API void *rmm_device_uvector_data(const rmm_device_uvector_t *vec);

/**
 * @brief The address of element @p index.
 * @param vec the vector.
 * @param index an index below the size.
 * @param ptr receives the address.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or an index out of range.
 */
RMM_API rmm_status_t rmm_device_uvector_element_ptr(const rmm_device_uvector_t *vec, size_t index, void **ptr);

/**
 * @brief Copies one element from host memory into element @p index, ordered on @p stream.
 *
 * Not synchronised. A @p value in pageable memory is staged before the call returns;
 * one in pinned memory must stay unchanged until @p stream has run the copy.
 * @param vec the vector.
 * @param index an index below the size.
 * @param value `element_size` bytes of host memory.
 * @param stream the stream of the copy.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or an index out of
 *         range; RMM_ERROR_NOT_SUPPORTED over the simulated resource; RMM_ERROR_CUDA.
 */
RMM_API rmm_status_t rmm_device_uvector_set_element_async(rmm_device_uvector_t *vec, size_t index, const void *value,
                                                          rmm_stream_t stream);

/**
 * @brief Sets every byte of element @p index to 0, ordered on @p stream (cudaMemsetAsync).
 * @param vec the vector.
 * @param index an index below the size.
 * @param stream the stream of the memset.
 * @return as rmm_device_uvector_set_element_async().
 */
RMM_API rmm_status_t rmm_device_uvector_set_element_to_zero_async(rmm_device_uvector_t *vec, size_t index,
                                                                  rmm_stream_t stream);

/**
 * @brief Copies element @p index to host memory and synchronises @p stream.
 * @param vec the vector.
 * @param index an index below the size.
 * @param value receives `element_size` bytes.
 * @param stream the stream of the copy, synchronised before the call returns.
 * @return as rmm_device_uvector_set_element_async().
 */
RMM_API rmm_status_t rmm_device_uvector_element(const rmm_device_uvector_t *vec, size_t index, void *value,
                                                rmm_stream_t stream);

/**
 * @brief Copies the first element to host memory and synchronises @p stream.
 * @param vec the vector.
 * @param value receives `element_size` bytes.
 * @param stream the stream of the copy.
 * @return as rmm_device_uvector_element(); RMM_ERROR_INVALID_ARGUMENT for an empty vector.
 */
RMM_API rmm_status_t rmm_device_uvector_front(const rmm_device_uvector_t *vec, void *value, rmm_stream_t stream);

/**
 * @brief Copies the last element to host memory and synchronises @p stream.
 * @param vec the vector.
 * @param value receives `element_size` bytes.
 * @param stream the stream of the copy.
 * @return as rmm_device_uvector_element(); RMM_ERROR_INVALID_ARGUMENT for an empty vector.
 */
RMM_API rmm_status_t rmm_device_uvector_back(const rmm_device_uvector_t *vec, void *value, rmm_stream_t stream);

/**
 * @brief Sets the number of elements, keeping the first ones (see rmm_device_buffer_resize()).
 *
 * Within the capacity only the size changes; beyond it the storage is reallocated to
 * exactly @p count elements. New elements are uninitialised.
 * @param vec the vector.
 * @param count the new number of elements.
 * @param stream the stream of any reallocation; the vector's stream on success.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p vec or a byte size that
 *         overflows `size_t`; RMM_ERROR_NOT_SUPPORTED when elements would be copied over
 *         the simulated resource; allocation and copy failures. On failure nothing changes.
 */
RMM_API rmm_status_t rmm_device_uvector_resize(rmm_device_uvector_t *vec, size_t count, rmm_stream_t stream);

/**
 * @brief Makes the capacity at least @p count elements, keeping the size and contents.
 * @param vec the vector.
 * @param count the capacity wanted, in elements.
 * @param stream the stream of any reallocation; the vector's stream on success.
 * @return as rmm_device_uvector_resize().
 */
RMM_API rmm_status_t rmm_device_uvector_reserve(rmm_device_uvector_t *vec, size_t count, rmm_stream_t stream);

/**
 * @brief Reallocates so that the capacity equals the size, keeping the contents.
 * @param vec the vector.
 * @param stream the stream of the reallocation; the vector's stream on success.
 * @return as rmm_device_uvector_resize().
 */
RMM_API rmm_status_t rmm_device_uvector_shrink_to_fit(rmm_device_uvector_t *vec, rmm_stream_t stream);

/**
 * @brief Hands the vector's storage to the caller as a device_buffer; the vector becomes empty.
 *
 * The buffer has the vector's memory, `size * element_size` bytes of size, its capacity,
 * stream and resource. The vector keeps its element size, resource and stream, with no
 * storage.
 * @param vec the vector.
 * @param out receives the buffer, owned by the caller.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments; RMM_ERROR_BAD_ALLOC
 *         when no host memory is left for the vector's new, empty storage (nothing changes).
 */
RMM_API rmm_status_t rmm_device_uvector_release(rmm_device_uvector_t *vec, rmm_device_buffer_t **out);

/**
 * @brief The stream on which the vector was last used and will be freed.
 * @param vec a vector, or NULL.
 * @return the stream; the default stream (NULL) for NULL.
 */
RMM_API rmm_stream_t rmm_device_uvector_stream(const rmm_device_uvector_t *vec);

/**
 * @brief Sets the stream on which the storage will be reallocated and freed.
 * @param vec a vector; NULL is a no-op.
 * @param stream the stream.
 */
RMM_API void rmm_device_uvector_set_stream(rmm_device_uvector_t *vec, rmm_stream_t stream);

/**
 * @brief The resource the vector allocates from.
 * @param vec a vector, or NULL.
 * @return a borrowed pointer, valid while the vector lives; NULL for NULL.
 */
RMM_API rmm_resource_t *rmm_device_uvector_resource(const rmm_device_uvector_t *vec);

#ifdef __cplusplus
}
#endif

#endif
