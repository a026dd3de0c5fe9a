/**
 * @file rmm/device_scalar.h
 * @brief One value in device memory (RMM's device_scalar).
 *
 * A device_uvector of one element (rmm/device_uvector.h), with its rules on streams,
 * devices and resources, and with ways to set the value from the host and read it
 * back. Only rmm_device_scalar_value() synchronises. A scalar is not thread-safe.
 */
#ifndef RMM_DEVICE_SCALAR_H
#define RMM_DEVICE_SCALAR_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief One value of a given size in device memory. */
typedef struct rmm_device_scalar rmm_device_scalar_t;

/**
 * @brief Creates a scalar of @p element_size bytes, optionally set to @p initial.
 * @param element_size the size of the value in bytes.
 * @param initial NULL leaves the value uninitialised; else `element_size` host bytes
 *        copied in on @p stream (not synchronised; see rmm_device_scalar_set_value_async()).
 * @param stream the stream of the allocation, the copy and later frees.
 * @param mr the resource; NULL means the current device resource. The scalar retains it.
 * @param out receives the scalar; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out or an element size of 0;
 *         RMM_ERROR_NOT_SUPPORTED for an initial value over the simulated resource;
 *         allocation and copy failures.
 */
RMM_API rmm_status_t rmm_device_scalar_create(size_t element_size, const void *initial, rmm_stream_t stream,
                                              rmm_resource_t *mr, rmm_device_scalar_t **out);

/**
 * @brief Frees the scalar's memory on its stream, with its device current, and the scalar.
 * @param scalar a scalar; NULL is a no-op.
 * @return RMM_SUCCESS, or the resource's failure to free (the scalar is gone either way).
 */
RMM_API rmm_status_t rmm_device_scalar_destroy(rmm_device_scalar_t *scalar);

/**
 * @brief Copies a value from host memory into the scalar, ordered on @p stream.
 *
 * Not synchronised. A @p value in pageable memory is staged before the call returns;
 * one in pinned memory must stay unchanged until @p stream has run the copy.
 * @param scalar the scalar.
 * @param value `element_size` bytes of host memory.
 * @param stream the stream of the copy.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments;
 *         RMM_ERROR_NOT_SUPPORTED over the simulated resource; RMM_ERROR_CUDA.
 */
RMM_API rmm_status_t rmm_device_scalar_set_value_async(rmm_device_scalar_t *scalar, const void *value,
                                                       rmm_stream_t stream);

/**
 * @brief Sets every byte of the value to 0, ordered on @p stream (cudaMemsetAsync).
 * @param scalar the scalar.
 * @param stream the stream of the memset.
 * @return as rmm_device_scalar_set_value_async().
 */
RMM_API rmm_status_t rmm_device_scalar_set_value_to_zero_async(rmm_device_scalar_t *scalar, rmm_stream_t stream);

/**
 * @brief Copies the value to host memory and synchronises @p stream.
 * @param scalar the scalar.
 * @param value receives `element_size` bytes.
 * @param stream the stream of the copy, synchronised before the call returns.
 * @return as rmm_device_scalar_set_value_async().
 */
RMM_API rmm_status_t rmm_device_scalar_value(const rmm_device_scalar_t *scalar, void *value, rmm_stream_t stream);

/**
 * @brief The address of the value in device memory.
 * @param scalar a scalar, or NULL.
 * @return the address; NULL for NULL.
 */
RMM_API void *rmm_device_scalar_data(const rmm_device_scalar_t *scalar);

/**
 * @brief The size of the value in bytes.
 * @param scalar a scalar, or NULL.
 * @return the element size given at creation; 0 for NULL.
 */
RMM_API size_t rmm_device_scalar_element_size(const rmm_device_scalar_t *scalar);

/**
 * @brief The stream on which the scalar will be freed.
 * @param scalar a scalar, or NULL.
 * @return the stream; the default stream (NULL) for NULL.
 */
RMM_API rmm_stream_t rmm_device_scalar_stream(const rmm_device_scalar_t *scalar);

/**
 * @brief Sets the stream on which the scalar will be freed.
 * @param scalar a scalar; NULL is a no-op.
 * @param stream the stream.
 */
RMM_API void rmm_device_scalar_set_stream(rmm_device_scalar_t *scalar, rmm_stream_t stream);

/**
 * @brief The resource the scalar was allocated from.
 * @param scalar a scalar, or NULL.
 * @return a borrowed pointer, valid while the scalar lives; NULL for NULL.
 */
RMM_API rmm_resource_t *rmm_device_scalar_resource(const rmm_device_scalar_t *scalar);

#ifdef __cplusplus
}
#endif

#endif
