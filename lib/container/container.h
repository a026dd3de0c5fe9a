/*
 * What device_uvector and device_scalar need of device_buffer beyond its public face:
 * moving bytes between the host and part of a buffer, by the rules of its resource.
 * Nothing here is exported. `caller` names the public function in messages.
 */
#ifndef RMM_CONTAINER_CONTAINER_H
#define RMM_CONTAINER_CONTAINER_H

#include <rmm/device_buffer.h>

/* Copies `bytes` host bytes to the buffer at `offset`, ordered on `stream`; not synchronised. */
rmm_status_t rmm__device_buffer_write(rmm_device_buffer_t *buf, size_t offset, const void *src, size_t bytes,
                                      rmm_stream_t stream, const char *caller);

/* Sets `bytes` bytes of the buffer at `offset` to 0, ordered on `stream`; not synchronised. */
rmm_status_t rmm__device_buffer_zero(rmm_device_buffer_t *buf, size_t offset, size_t bytes, rmm_stream_t stream,
                                     const char *caller);

/* Copies `bytes` bytes at `offset` to host memory and waits for `stream` to finish the copy. */
rmm_status_t rmm__device_buffer_read(const rmm_device_buffer_t *buf, size_t offset, void *dst, size_t bytes,
                                     rmm_stream_t stream, const char *caller);

/*
 * Moves the memory, size and capacity of `buf` into a new buffer with the same
 * resource, stream and device (RMM's move constructor); `buf` is left empty.
 */
rmm_status_t rmm__device_buffer_take(rmm_device_buffer_t *buf, rmm_device_buffer_t **out, const char *caller);

#endif
