/*
 * device_uvector: a device_buffer seen as elements of one size. The vector checks
 * indexes and element counts; the buffer does the allocating, copying and freeing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <rmm/device_uvector.h>

#include "container/container.h"
#include "core/error.h"

struct rmm_device_uvector {
  rmm_device_buffer_t *storage; /* size and capacity are multiples of element_size */
  size_t element_size;
};

/* The bytes of `count` elements, refusing counts whose byte size overflows. */
static rmm_status_t byte_size(size_t element_size, size_t count, const char *caller, size_t *bytes)
{
  if (count > SIZE_MAX / element_size)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: %zu elements of %zu bytes overflow the storage size", caller,
                     count, element_size);
  *bytes = count * element_size;
  return RMM_SUCCESS;
}

/* The checks before touching element `index`: a vector, and an index below its size. */
static rmm_status_t check_element(const rmm_device_uvector_t *vec, size_t index, const char *caller)
{
  if (vec == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the vector is NULL", caller);
  size_t size = rmm_device_uvector_size(vec);
  if (index >= size)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: index %zu is out of range (size %zu)", caller, index, size);
  return RMM_SUCCESS;
}

/* The same, for a call that also reads or writes the value at `value`. */
static rmm_status_t check_element_value(const rmm_device_uvector_t *vec, size_t index, const void *value,
                                        const char *caller)
{
  if (value == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the value pointer is NULL", caller);
  return check_element(vec, index, caller);
}

/* Wraps `storage` in a vector, or destroys it when no host memory is left for one. */
static rmm_status_t vector_new(rmm_device_buffer_t *storage, size_t element_size, const char *caller,
                               rmm_device_uvector_t **out)
{
  rmm_device_uvector_t *vec = malloc(sizeof *vec);
  if (vec == NULL) {
    rmm_device_buffer_destroy(storage);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the vector", caller);
  }
  vec->storage = storage;
  vec->element_size = element_size;
  *out = vec;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_uvector_create(size_t element_size, size_t count, rmm_stream_t stream,
                                               rmm_resource_t *mr, rmm_device_uvector_t **out)
{
  static const char caller[] = "rmm_device_uvector_create";
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
  if (element_size == 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the element size is 0", caller);
  size_t bytes = 0;
  rmm_status_t status = byte_size(element_size, count, caller, &bytes);
  rmm_device_buffer_t *storage = NULL;
  if (status == RMM_SUCCESS)
    status = rmm_device_buffer_create(bytes, stream, mr, &storage);
  if (status == RMM_SUCCESS)
    status = vector_new(storage, element_size, caller, out);
  return status;
}

RMM_API rmm_status_t rmm_device_uvector_copy(const rmm_device_uvector_t *other, rmm_stream_t stream,
                                             rmm_resource_t *mr, rmm_device_uvector_t **out)
{
  static const char caller[] = "rmm_device_uvector_copy";
  if (out == NULL || other == NULL) {
    if (out != NULL)
      *out = NULL;
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the %s is NULL", caller,
                     out == NULL ? "output pointer" : "vector to copy");
  }
  *out = NULL;
  rmm_device_buffer_t *storage = NULL;
  rmm_status_t status = rmm_device_buffer_copy(other->storage, stream, mr, &storage);
  if (status == RMM_SUCCESS)
    status = vector_new(storage, other->element_size, caller, out);
  return status;
}

RMM_API rmm_status_t rmm_device_uvector_destroy(rmm_device_uvector_t *vec)
{
  if (vec == NULL)
    return RMM_SUCCESS;
  rmm_status_t status = rmm_device_buffer_destroy(vec->storage);
  free(vec);
  return status;
}

RMM_API size_t rmm_device_uvector_element_size(const rmm_device_uvector_t *vec)
{
  return vec != NULL ? vec->element_size : 0;
}

RMM_API size_t rmm_device_uvector_size(const rmm_device_uvector_t *vec)
{
  return vec != NULL ? rmm_device_buffer_size(vec->storage) / vec->element_size : 0;
}

RMM_API size_t rmm_device_uvector_capacity(const rmm_device_uvector_t *vec)
{
  return vec != NULL ? rmm_device_buffer_capacity(vec->storage) / vec->element_size : 0;
}

RMM_API bool rmm_device_uvector_is_empty(const rmm_device_uvector_t *vec) { return rmm_device_uvector_size(vec) == 0; }

RMM_API void *rmm_device_uvector_data(const rmm_device_uvector_t *vec)
{
  return vec != NULL ? rmm_device_buffer_data(vec->storage) : NULL;
}

RMM_API rmm_status_t rmm_device_uvector_element_ptr(const rmm_device_uvector_t *vec, size_t index, void **ptr)
{
  static const char caller[] = "rmm_device_uvector_element_ptr";
  rmm_status_t status = check_element_value(vec, index, ptr, caller);
  if (status != RMM_SUCCESS)
    return status;
  *ptr = (char *)rmm_device_buffer_data(vec->storage) + index * vec->element_size;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_uvector_set_element_async(rmm_device_uvector_t *vec, size_t index, const void *value,
                                                          rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_uvector_set_element_async";
  rmm_status_t status = check_element_value(vec, index, value, caller);
  if (status != RMM_SUCCESS)
    return status;
  return rmm__device_buffer_write(vec->storage, index * vec->element_size, value, vec->element_size, stream, caller);
}

RMM_API rmm_status_t rmm_device_uvector_set_element_to_zero_async(rmm_device_uvector_t *vec, size_t index,
                                                                  rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_uvector_set_element_to_zero_async";
  rmm_status_t status = check_element(vec, index, caller);
  if (status != RMM_SUCCESS)
    return status;
  return rmm__device_buffer_zero(vec->storage, index * vec->element_size, vec->element_size, stream, caller);
}

/* Copies element `index` to the host; shared by element, front and back. */
static rmm_status_t read_element(const rmm_device_uvector_t *vec, size_t index, void *value, rmm_stream_t stream,
                                 const char *caller)
{
  rmm_status_t status = check_element_value(vec, index, value, caller);
  if (status != RMM_SUCCESS)
    return status;
  return rmm__device_buffer_read(vec->storage, index * vec->element_size, value, vec->element_size, stream, caller);
}

RMM_API rmm_status_t rmm_device_uvector_element(const rmm_device_uvector_t *vec, size_t index, void *value,
                                                rmm_stream_t stream)
{
  return read_element(vec, index, value, stream, "rmm_device_uvector_element");
}

/* front and back of an empty vector say so, rather than name an index the caller never gave. */
static rmm_status_t check_not_empty(const rmm_device_uvector_t *vec, const char *caller)
{
  if (vec != NULL && rmm_device_uvector_is_empty(vec))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the vector is empty", caller);
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_uvector_front(const rmm_device_uvector_t *vec, void *value, rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_uvector_front";
  rmm_status_t status = check_not_empty(vec, caller);
  return status == RMM_SUCCESS ? read_element(vec, 0, value, stream, caller) : status;
}

RMM_API rmm_status_t rmm_device_uvector_back(const rmm_device_uvector_t *vec, void *value, rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_uvector_back";
  rmm_status_t status = check_not_empty(vec, caller);
  return status == RMM_SUCCESS ? read_element(vec, rmm_device_uvector_size(vec) - 1, value, stream, caller) : status;
}

RMM_API rmm_status_t rmm_device_uvector_resize(rmm_device_uvector_t *vec, size_t count, rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_uvector_resize";
  if (vec == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the vector is NULL", caller);
  size_t bytes = 0;
  rmm_status_t status = byte_size(vec->element_size, count, caller, &bytes);
  return status == RMM_SUCCESS ? rmm_device_buffer_resize(vec->storage, bytes, stream) : status;
}

RMM_API rmm_status_t rmm_device_uvector_reserve(rmm_device_uvector_t *vec, size_t count, rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_uvector_reserve";
  if (vec == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the vector is NULL", caller);
  size_t bytes = 0;
  rmm_status_t status = byte_size(vec->element_size, count, caller, &bytes);
  return status == RMM_SUCCESS ? rmm_device_buffer_reserve(vec->storage, bytes, stream) : status;
}

RMM_API rmm_status_t rmm_device_uvector_shrink_to_fit(rmm_device_uvector_t *vec, rmm_stream_t stream)
{
  if (vec == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_device_uvector_shrink_to_fit: the vector is NULL");
  return rmm_device_buffer_shrink_to_fit(vec->storage, stream);
}

RMM_API rmm_status_t rmm_device_uvector_release(rmm_device_uvector_t *vec, rmm_device_buffer_t **out)
{
  static const char caller[] = "rmm_device_uvector_release";
  if (vec == NULL || out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the %s is NULL", caller,
                     vec == NULL ? "vector" : "output pointer");
  *out = NULL;
  return rmm__device_buffer_take(vec->storage, out, caller);
}

RMM_API rmm_stream_t rmm_device_uvector_stream(const rmm_device_uvector_t *vec)
{
  return vec != NULL ? rmm_device_buffer_stream(vec->storage) : RMM_STREAM_DEFAULT;
}

RMM_API void rmm_device_uvector_set_stream(rmm_device_uvector_t *vec, rmm_stream_t stream)
{
  if (vec != NULL)
    rmm_device_buffer_set_stream(vec->storage, stream);
}

RMM_API rmm_resource_t *rmm_device_uvector_resource(const rmm_device_uvector_t *vec)
{
  return vec != NULL ? rmm_device_buffer_resource(vec->storage) : NULL;
}
