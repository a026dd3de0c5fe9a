/*
 * device_buffer: an allocation that knows its size, capacity, stream, resource and
 * device. Every path that allocates, copies or frees runs with the buffer's device
 * current. How bytes move depends on where the resource's memory can be reached from:
 * CUDA copies when it is device accessible, memcpy when it is host memory only, and
 * not at all when it is neither (the simulated resource has no memory behind it).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "container/container.h"
#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"
#include "core/resource.h"

/* The device of a buffer whose memory is not device accessible: none is ever switched. */
enum { NO_DEVICE = -1 };

struct rmm_device_buffer {
  void *data;
  size_t size;
  size_t capacity;
  rmm_stream_t stream;
  rmm_resource_t *mr;  /* one reference */
  unsigned properties; /* the resource's, read once */
  int device;          /* current at creation, or NO_DEVICE */
};

/* Where memory can be reached from, which decides how bytes move. */
typedef enum reach { REACH_NONE, REACH_HOST, REACH_DEVICE } reach_t;

static reach_t reach_of(unsigned properties)
{
  if (properties & RMM_DEVICE_ACCESSIBLE)
    return REACH_DEVICE;
  if (properties & RMM_HOST_ACCESSIBLE)
    return REACH_HOST;
  return REACH_NONE;
}

static reach_t buffer_reach(const rmm_device_buffer_t *buf) { return reach_of(buf->properties); }

static rmm_status_t enter_device(const rmm_device_buffer_t *buf, int *previous)
{
  *previous = buf->device;
  return buf->device == NO_DEVICE ? RMM_SUCCESS : rmm__cuda_device_enter(buf->device, previous);
}

static void leave_device(const rmm_device_buffer_t *buf, int previous)
{
  if (buf->device != NO_DEVICE)
    rmm__cuda_device_leave(buf->device, previous);
}

/* Refuses to move bytes in or out of memory that neither the host nor a device can reach. */
static rmm_status_t check_reachable(const rmm_device_buffer_t *buf, size_t bytes, const char *caller)
{
  char size[RMM_BYTES_TEXT];
  if (bytes == 0 || buffer_reach(buf) != REACH_NONE)
    return RMM_SUCCESS;
  return rmm__fail(RMM_ERROR_NOT_SUPPORTED,
                   "%s: cannot copy %s: the memory of the %s resource is neither host nor device accessible", caller,
                   rmm__format_bytes(bytes, size), rmm_resource_name(buf->mr));
}

/*
 * Copies between two reachable places. A device side on either end makes it a CUDA
 * copy (cudaMemcpyDefault works out the direction); two host sides make it a memcpy.
 */
static rmm_status_t move_bytes(void *dst, reach_t dst_reach, const void *src, reach_t src_reach, size_t bytes,
                               rmm_stream_t stream)
{
  if (bytes == 0)
    return RMM_SUCCESS;
  if (dst_reach == REACH_DEVICE || src_reach == REACH_DEVICE)
    return rmm__cuda_memcpy_async(dst, src, bytes, stream);
  memcpy(dst, src, bytes);
  return RMM_SUCCESS;
}

/*
 * Moves the contents to a new allocation of `capacity` bytes made on `stream`, frees
 * the old one there and sets the size to `size`; the old size is what is copied, so
 * neither may be below it. On failure to allocate or copy the buffer is unchanged; a
 * failure to free the old memory is reported with the new memory in place.
 */
static rmm_status_t reallocate(rmm_device_buffer_t *buf, size_t capacity, size_t size, rmm_stream_t stream,
                               const char *caller)
{
  rmm_status_t status = check_reachable(buf, buf->size, caller);
  int previous;
  if (status == RMM_SUCCESS)
    status = enter_device(buf, &previous);
  if (status != RMM_SUCCESS)
    return status;

  void *data = NULL;
  status = rmm_allocate(buf->mr, &data, capacity, stream);
  if (status == RMM_SUCCESS) {
    status = move_bytes(data, buffer_reach(buf), buf->data, buffer_reach(buf), buf->size, stream);
    if (status != RMM_SUCCESS)
      rmm_deallocate(buf->mr, data, capacity, stream);
  }
  if (status == RMM_SUCCESS) {
    RMM_LOG(RMM_LOG_DEBUG, "device_buffer %p: capacity %zu -> %zu bytes on stream %p", (void *)buf, buf->capacity,
            capacity, (void *)stream);
    status = rmm_deallocate(buf->mr, buf->data, buf->capacity, stream);
    buf->data = data;
    buf->size = size;
    buf->capacity = capacity;
    buf->stream = stream;
  }
  leave_device(buf, previous);
  return status;
}

/* An empty buffer over `mr` (resolved and retained) that records the current device. */
static rmm_status_t buffer_new(rmm_resource_t *mr, rmm_stream_t stream, const char *caller, rmm_device_buffer_t **out)
{
  rmm_resource_t *resolved;
  rmm_status_t status = rmm__resolve_resource(mr, &resolved);
  if (status != RMM_SUCCESS)
    return status;
  rmm_device_buffer_t *buf = calloc(1, sizeof *buf);
  if (buf == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the buffer", caller);
  buf->stream = stream;
  buf->mr = rmm_resource_retain(resolved);
  buf->properties = rmm_resource_properties(resolved);
  buf->device = reach_of(buf->properties) == REACH_DEVICE ? rmm__cuda_current_device() : NO_DEVICE;
  *out = buf;
  return RMM_SUCCESS;
}

/* A new buffer of `size` bytes; `*out` stays NULL on failure. */
static rmm_status_t buffer_create(size_t size, rmm_stream_t stream, rmm_resource_t *mr, const char *caller,
                                  rmm_device_buffer_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
  rmm_device_buffer_t *buf = NULL;
  rmm_status_t status = buffer_new(mr, stream, caller, &buf);
  if (status != RMM_SUCCESS)
    return status;
  int previous;
  status = enter_device(buf, &previous);
  if (status == RMM_SUCCESS) {
    status = rmm_allocate(buf->mr, &buf->data, size, stream);
    leave_device(buf, previous);
  }
  if (status != RMM_SUCCESS) {
    rmm_device_buffer_destroy(buf);
    return status;
  }
  buf->size = buf->capacity = size;
  *out = buf;
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_buffer_create(size_t size, rmm_stream_t stream, rmm_resource_t *mr,
                                              rmm_device_buffer_t **out)
{
  return buffer_create(size, stream, mr, "rmm_device_buffer_create", out);
}

RMM_API rmm_status_t rmm_device_buffer_create_from(const void *src, size_t size, rmm_stream_t stream,
                                                   rmm_resource_t *mr, rmm_device_buffer_t **out)
{
  static const char caller[] = "rmm_device_buffer_create_from";
  if (src == NULL && size != 0) {
    if (out != NULL)
      *out = NULL;
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: cannot copy %zu bytes from NULL", caller, size);
  }
  rmm_status_t status = buffer_create(size, stream, mr, caller, out);
  if (status != RMM_SUCCESS)
    return status;
  status = rmm__device_buffer_write(*out, 0, src, size, stream, caller);
  if (status != RMM_SUCCESS) {
    rmm_device_buffer_destroy(*out);
    *out = NULL;
  }
  return status;
}

RMM_API rmm_status_t rmm_device_buffer_copy(const rmm_device_buffer_t *other, rmm_stream_t stream, rmm_resource_t *mr,
                                            rmm_device_buffer_t **out)
{
  static const char caller[] = "rmm_device_buffer_copy";
  if (out == NULL || other == NULL) {
    if (out != NULL)
      *out = NULL;
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the %s is NULL", caller,
                     out == NULL ? "output pointer" : "buffer to copy");
  }
  *out = NULL;
  rmm_status_t status = check_reachable(other, other->size, caller);
  if (status == RMM_SUCCESS)
    status = buffer_create(other->size, stream, mr, caller, out);
  if (status != RMM_SUCCESS)
    return status;

  rmm_device_buffer_t *copy = *out;
  int previous;
  status = check_reachable(copy, copy->size, caller);
  if (status == RMM_SUCCESS)
    status = enter_device(copy, &previous);
  if (status == RMM_SUCCESS) {
    status = move_bytes(copy->data, buffer_reach(copy), other->data, buffer_reach(other), other->size, stream);
    leave_device(copy, previous);
  }
  if (status != RMM_SUCCESS) {
    rmm_device_buffer_destroy(copy);
    *out = NULL;
  }
  return status;
}

RMM_API rmm_status_t rmm_device_buffer_destroy(rmm_device_buffer_t *buf)
{
  if (buf == NULL)
    return RMM_SUCCESS;
  rmm_status_t status = RMM_SUCCESS;
  if (buf->data != NULL) {
    int previous;
    status = enter_device(buf, &previous);
    if (status == RMM_SUCCESS) {
      status = rmm_deallocate(buf->mr, buf->data, buf->capacity, buf->stream);
      leave_device(buf, previous);
    }
  }
  rmm_resource_release(buf->mr);
  free(buf);
  return status;
}

RMM_API void *rmm_device_buffer_data(const rmm_device_buffer_t *buf) { return buf != NULL ? buf->data : NULL; }

RMM_API size_t rmm_device_buffer_size(const rmm_device_buffer_t *buf) { return buf != NULL ? buf->size : 0; }

RMM_API size_t rmm_device_buffer_capacity(const rmm_device_buffer_t *buf) { return buf != NULL ? buf->capacity : 0; }

RMM_API bool rmm_device_buffer_is_empty(const rmm_device_buffer_t *buf) { return buf == NULL || buf->size == 0; }

RMM_API rmm_stream_t rmm_device_buffer_stream(const rmm_device_buffer_t *buf)
{
  return buf != NULL ? buf->stream : RMM_STREAM_DEFAULT;
}

RMM_API void rmm_device_buffer_set_stream(rmm_device_buffer_t *buf, rmm_stream_t stream)
{
  if (buf != NULL)
    buf->stream = stream;
}

RMM_API rmm_resource_t *rmm_device_buffer_resource(const rmm_device_buffer_t *buf)
{
  return buf != NULL ? buf->mr : NULL;
}

RMM_API rmm_status_t rmm_device_buffer_resize(rmm_device_buffer_t *buf, size_t new_size, rmm_stream_t stream)
{
  if (buf == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_device_buffer_resize: the buffer is NULL");
  /* Within the capacity no memory moves: the size alone changes, even when shrinking. */
  if (new_size <= buf->capacity) {
    buf->size = new_size;
    buf->stream = stream;
    return RMM_SUCCESS;
  }
  return reallocate(buf, new_size, new_size, stream, "rmm_device_buffer_resize");
}

RMM_API rmm_status_t rmm_device_buffer_reserve(rmm_device_buffer_t *buf, size_t new_capacity, rmm_stream_t stream)
{
  if (buf == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_device_buffer_reserve: the buffer is NULL");
  if (new_capacity <= buf->capacity) {
    buf->stream = stream;
    return RMM_SUCCESS;
  }
  return reallocate(buf, new_capacity, buf->size, stream, "rmm_device_buffer_reserve");
}

RMM_API rmm_status_t rmm_device_buffer_shrink_to_fit(rmm_device_buffer_t *buf, rmm_stream_t stream)
{
  if (buf == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_device_buffer_shrink_to_fit: the buffer is NULL");
  if (buf->size == buf->capacity) {
    buf->stream = stream;
    return RMM_SUCCESS;
  }
  return reallocate(buf, buf->size, buf->size, stream, "rmm_device_buffer_shrink_to_fit");
}

RMM_API rmm_status_t rmm_device_buffer_release(rmm_device_buffer_t *buf, void **ptr, size_t *size, size_t *capacity)
{
  if (buf == NULL || ptr == NULL || capacity == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_device_buffer_release: the %s is NULL",
                     buf == NULL ? "buffer" : ptr == NULL ? "pointer output" : "capacity output");
  *ptr = buf->data;
  *capacity = buf->capacity;
  if (size != NULL)
    *size = buf->size;
  buf->data = NULL;
  buf->size = buf->capacity = 0;
  return RMM_SUCCESS;
}

rmm_status_t rmm__device_buffer_take(rmm_device_buffer_t *buf, rmm_device_buffer_t **out, const char *caller)
{
  rmm_device_buffer_t *taken = malloc(sizeof *taken);
  if (taken == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: no host memory for the buffer", caller);
  *taken = *buf;
  rmm_resource_retain(taken->mr);
  buf->data = NULL;
  buf->size = buf->capacity = 0;
  *out = taken;
  return RMM_SUCCESS;
}

rmm_status_t rmm__device_buffer_write(rmm_device_buffer_t *buf, size_t offset, const void *src, size_t bytes,
                                      rmm_stream_t stream, const char *caller)
{
  if (bytes == 0)
    return RMM_SUCCESS;
  rmm_status_t status = check_reachable(buf, bytes, caller);
  int previous;
  if (status == RMM_SUCCESS)
    status = enter_device(buf, &previous);
  if (status != RMM_SUCCESS)
    return status;
  status = move_bytes((char *)buf->data + offset, buffer_reach(buf), src, REACH_HOST, bytes, stream);
  leave_device(buf, previous);
  return status;
}

rmm_status_t rmm__device_buffer_zero(rmm_device_buffer_t *buf, size_t offset, size_t bytes, rmm_stream_t stream,
                                     const char *caller)
{
  if (bytes == 0)
    return RMM_SUCCESS;
  rmm_status_t status = check_reachable(buf, bytes, caller);
  int previous;
  if (status == RMM_SUCCESS)
    status = enter_device(buf, &previous);
  if (status != RMM_SUCCESS)
    return status;
  char *start = (char *)buf->data + offset;
  if (buffer_reach(buf) == REACH_DEVICE)
    status = rmm__cuda_memset_async(start, 0, bytes, stream);
  else
    memset(start, 0, bytes);
  leave_device(buf, previous);
  return status;
}

rmm_status_t rmm__device_buffer_read(const rmm_device_buffer_t *buf, size_t offset, void *dst, size_t bytes,
                                     rmm_stream_t stream, const char *caller)
{
  if (bytes == 0)
    return RMM_SUCCESS;
  rmm_status_t status = check_reachable(buf, bytes, caller);
  int previous;
  if (status == RMM_SUCCESS)
    status = enter_device(buf, &previous);
  if (status != RMM_SUCCESS)
    return status;
  status = move_bytes(dst, REACH_HOST, (const char *)buf->data + offset, buffer_reach(buf), bytes, stream);
  /* The caller reads the bytes as soon as this returns: wait for the copy. */
  if (status == RMM_SUCCESS && buffer_reach(buf) == REACH_DEVICE)
    status = rmm__cuda_stream_synchronize(stream);
  leave_device(buf, previous);
  return status;
}

/* Refuses a NULL buffer or host pointer, and a byte range that passes the buffer's size. */
static rmm_status_t check_range(const rmm_device_buffer_t *buf, size_t offset, const void *host, size_t bytes,
                                const char *caller)
{
  char size[RMM_BYTES_TEXT];
  if (buf == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the buffer is NULL", caller);
  if (host == NULL && bytes != 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: cannot copy %zu bytes with a NULL pointer", caller, bytes);
  if (offset > buf->size || bytes > buf->size - offset)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: %zu bytes at offset %zu pass the buffer's size (%s)", caller,
                     bytes, offset, rmm__format_bytes(buf->size, size));
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_device_buffer_read(const rmm_device_buffer_t *buf, size_t offset, void *dst, size_t bytes,
                                            rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_buffer_read";
  rmm_status_t status = check_range(buf, offset, dst, bytes, caller);
  if (status != RMM_SUCCESS)
    return status;
  return rmm__device_buffer_read(buf, offset, dst, bytes, stream, caller);
}

RMM_API rmm_status_t rmm_device_buffer_write(rmm_device_buffer_t *buf, size_t offset, const void *src, size_t bytes,
                                             rmm_stream_t stream)
{
  static const char caller[] = "rmm_device_buffer_write";
  rmm_status_t status = check_range(buf, offset, src, bytes, caller);
  if (status != RMM_SUCCESS || bytes == 0)
    return status;
  status = rmm__device_buffer_write(buf, offset, src, bytes, stream, caller);
  /* The caller may reuse src as soon as this returns: wait for the copy. */
  if (status == RMM_SUCCESS && buffer_reach(buf) == REACH_DEVICE) {
    int previous;
    status = enter_device(buf, &previous);
    if (status == RMM_SUCCESS) {
      status = rmm__cuda_stream_synchronize(stream);
      leave_device(buf, previous);
    }
  }
  return status;
}
