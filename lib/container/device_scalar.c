/* device_scalar: a device_buffer holding one value, under its own type. */
#include "config.h"

#include <stdlib.h>

#include <rmm/device_scalar.h>

#include "container/container.h"
#include "core/error.h"

struct rmm_device_scalar {
  rmm_device_buffer_t *storage; /* its size is the element size, never changed */
};

static rmm_status_t check_scalar(const rmm_device_scalar_t *scalar, const void *value, const char *caller)
{
  if (scalar == NULL || value == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the %s is NULL", caller, scalar == NULL ? "scalar" : "value");
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_scalar_create(size_t element_size, const void *initial, rmm_stream_t stream,
                                              rmm_resource_t *mr, rmm_device_scalar_t **out)
{
  static const char caller[] = "rmm_device_scalar_create";
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
  if (element_size == 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the element size is 0", caller);
  rmm_device_scalar_t *scalar = malloc(sizeof *scalar);
  if (scalar == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the scalar", caller);
  rmm_status_t status = rmm_device_buffer_create(element_size, stream, mr, &scalar->storage);
  if (status != RMM_SUCCESS) {
    free(scalar);
    return status;
  }
  if (initial != NULL)
    status = rmm__device_buffer_write(scalar->storage, 0, initial, element_size, stream, caller);
  if (status != RMM_SUCCESS) {
    rmm_device_scalar_destroy(scalar);
    return status;
  }
  *out = scalar;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_scalar_destroy(rmm_device_scalar_t *scalar)
{
  if (scalar == NULL)
    return RMM_SUCCESS;
  rmm_status_t status = rmm_device_buffer_destroy(scalar->storage);
  free(scalar);
  return status;
}

RMM_API rmm_status_t rmm_device_scalar_set_value_async(rmm_device_scalar_t *scalar, const void *value,
                                                       rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_scalar_set_value_async";
  rmm_status_t status = check_scalar(scalar, value, caller);
  if (status != RMM_SUCCESS)
    return status;
  return rmm__device_buffer_write(scalar->storage, 0, value, rmm_device_buffer_size(scalar->storage), stream, caller);
}

RMM_API rmm_status_t rmm_device_scalar_set_value_to_zero_async(rmm_device_scalar_t *scalar, rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_scalar_set_value_to_zero_async";
  if (scalar == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the scalar is NULL", caller);
  return rmm__device_buffer_zero(scalar->storage, 0, rmm_device_buffer_size(scalar->storage), stream, caller);
}

RMM_API rmm_status_t rmm_device_scalar_value(const rmm_device_scalar_t *scalar, void *value, rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_scalar_value";
  rmm_status_t status = check_scalar(scalar, value, caller);
  if (status != RMM_SUCCESS)
    return status;
  return rmm__device_buffer_read(scalar->storage, 0, value, rmm_device_buffer_size(scalar->storage), stream, caller);
}

RMM_API void *rmm_device_scalar_data(const rmm_device_scalar_t *scalar)
{
  return scalar != NULL ? rmm_device_buffer_data(scalar->storage) : NULL;
}

RMM_API size_t rmm_device_scalar_element_size(const rmm_device_scalar_t *scalar)
{
  return scalar != NULL ? rmm_device_buffer_size(scalar->storage) : 0;
}

RMM_API rmm_stream_t rmm_device_scalar_stream(const rmm_device_scalar_t *scalar)
{
  return scalar != NULL ? rmm_device_buffer_stream(scalar->storage) : RMM_STREAM_DEFAULT;
}

RMM_API void rmm_device_scalar_set_stream(rmm_device_scalar_t *scalar, rmm_stream_t stream)
{
  if (scalar != NULL)
    rmm_device_buffer_set_stream(scalar->storage, stream);
}

RMM_API rmm_resource_t *rmm_device_scalar_resource(const rmm_device_scalar_t *scalar)
{
  return scalar != NULL ? rmm_device_buffer_resource(scalar->storage) : NULL;
}
