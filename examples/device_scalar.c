/*
 * device_scalar: one value in device memory, set and read from the host.
 * The C form of the device_scalar example in RMM's README.
 *
 *   cc device_scalar.c $(pkg-config --cflags --libs rmm) -lcudart
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

  /* Uninitialised storage for one int32_t in device memory. */
  rmm_device_scalar_t *a;
  check(rmm_device_scalar_create(sizeof(int32_t), NULL, s, NULL, &a), "rmm_device_scalar_create");

  /* Update the value in device memory to 42, ordered on s. */
  int32_t value = 42;
  check(rmm_device_scalar_set_value_async(a, &value, s), "rmm_device_scalar_set_value_async");

  /* A kernel launched on s would take rmm_device_scalar_data(a), the element's address. */
  void *element = rmm_device_scalar_data(a);

  /* Retrieve the value from the device, on s (this waits for s). */
  int32_t v = 0;
  check(rmm_device_scalar_value(a, &v, s), "rmm_device_scalar_value");
  printf("the scalar at %p holds %d\n", element, (int)v);

  check(rmm_device_scalar_destroy(a), "rmm_device_scalar_destroy");
  cudaStreamDestroy(s);
  return v == 42 ? EXIT_SUCCESS : EXIT_FAILURE;
}
