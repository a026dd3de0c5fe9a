/*
 * device_uvector: a vector of uninitialised elements in device memory.
 * The C form of the device_uvector example in RMM's README.
 *
 *   cc device_uvector.c $(pkg-config --cflags --libs rmm) -lcudart
 */
#include <stdint.h>
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

  /* Uninitialised storage for 100 int32_t elements on stream s, from the current device resource. */
  rmm_device_uvector_t *v;
  check(rmm_device_uvector_create(sizeof(int32_t), 100, s, NULL, &v), "rmm_device_uvector_create");
  /* Initialise the elements to 0 (RMM's example uses thrust::uninitialized_fill). */
  cudaMemsetAsync(rmm_device_uvector_data(v), 0, rmm_device_uvector_size(v) * sizeof(int32_t), s);

  /* The same from another resource, which the vector keeps alive. */
  rmm_resource_t *mr;
  check(rmm_managed_create(&mr), "rmm_managed_create");
  rmm_device_uvector_t *v2;
  check(rmm_device_uvector_create(sizeof(int32_t), 100, s, mr, &v2), "rmm_device_uvector_create");
  rmm_resource_release(mr);

  /* Single elements from the host: set without waiting, read back after the stream catches up. */
  int32_t answer = 42, last = 7, read_first = -1, read_last = -1;
  check(rmm_device_uvector_set_element_async(v, 0, &answer, s), "rmm_device_uvector_set_element_async");
  check(rmm_device_uvector_set_element_async(v, 99, &last, s), "rmm_device_uvector_set_element_async");
  check(rmm_device_uvector_front(v, &read_first, s), "rmm_device_uvector_front");
  check(rmm_device_uvector_back(v, &read_last, s), "rmm_device_uvector_back");

  /* Indexes are checked: this fails instead of writing past the end. */
  rmm_status_t status = rmm_device_uvector_set_element_async(v, 100, &answer, s);
  printf("v[0] = %d, v[99] = %d; v[100]: %s\n", (int)read_first, (int)read_last, rmm_last_error_message());

  check(rmm_device_uvector_destroy(v2), "rmm_device_uvector_destroy");
  check(rmm_device_uvector_destroy(v), "rmm_device_uvector_destroy");
  cudaStreamDestroy(s);
  return read_first == 42 && read_last == 7 && status == RMM_ERROR_INVALID_ARGUMENT ? EXIT_SUCCESS : EXIT_FAILURE;
}
