/*
 * device_buffer: untyped, uninitialised memory that frees itself on its stream.
 * The C form of the device_buffer example in RMM's README.
 *
 *   cc device_buffer.c $(pkg-config --cflags --libs rmm) -lcudart
 */
#include <stdio.h>
#include <stdlib.h>

#include <cuda_runtime_api.h>
#include <rmm/rmm.h>

static void check(rmm_status_t status, const char *what)
{
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "%s: %s\n", what, rmm_last_error_message());
    exit(EXIT_FAILURE);
  }
}

int main(void)
{
  int devices = 0;
  if (rmm_get_num_devices(&devices) != RMM_SUCCESS || devices == 0) {
    fprintf(stderr, "no usable GPU: skipped\n");
    return 77;
  }
  cudaStream_t s;
  if (cudaStreamCreate(&s) != cudaSuccess)
    return EXIT_FAILURE;

  /* At least 100 bytes, allocated on stream s from the current device resource (NULL). */
  rmm_device_buffer_t *b;
  check(rmm_device_buffer_create(100, s, NULL, &b), "rmm_device_buffer_create");
  void *p = rmm_device_buffer_data(b); /* a raw, untyped pointer to device memory */

  /* b is only safe to use on s: work on it goes there (here a memset stands for a kernel). */
  cudaMemsetAsync(p, 0x2a, rmm_device_buffer_size(b), s);

  /* Another resource for the second buffer; the buffer keeps its own reference on it. */
  rmm_resource_t *mr;
  check(rmm_managed_create(&mr), "rmm_managed_create");
  rmm_device_buffer_t *b2;
  check(rmm_device_buffer_create(100, s, mr, &b2), "rmm_device_buffer_create");
  rmm_resource_release(mr);

  /* Growing keeps the contents; the new bytes are uninitialised. */
  check(rmm_device_buffer_resize(b, 1000, s), "rmm_device_buffer_resize");
  unsigned char first;
  cudaMemcpyAsync(&first, rmm_device_buffer_data(b), 1, cudaMemcpyDefault, s);
  cudaStreamSynchronize(s);
  printf("b: %zu bytes (capacity %zu), first byte %d; b2: %zu bytes from %s memory\n", rmm_device_buffer_size(b),
         rmm_device_buffer_capacity(b), first, rmm_device_buffer_size(b2),
         rmm_resource_name(rmm_device_buffer_resource(b2)));

  /* Both are freed on s, the stream they were last used on. */
  check(rmm_device_buffer_destroy(b2), "rmm_device_buffer_destroy");
  check(rmm_device_buffer_destroy(b), "rmm_device_buffer_destroy");
  cudaStreamDestroy(s);
  return first == 0x2a ? EXIT_SUCCESS : EXIT_FAILURE;
}
