/*
 * The smallest librmm program: a cuda resource made current, one allocation through
 * it, and its statistics. Build it with nothing but pkg-config:
 *
 *   cc -std=c17 hello.c $(pkg-config --cflags --libs rmm) -o hello
 *
 * Exits 0 on success, 77 when no GPU can be used, 1 on any other failure.
 */
#include <stdio.h>

#include <rmm/rmm.h>

int main(void)
{
  rmm_resource_t *cuda;
  if (rmm_cuda_create(&cuda) != RMM_SUCCESS || rmm_set_current_device_resource(cuda) != RMM_SUCCESS) {
    fprintf(stderr, "hello: %s\n", rmm_last_error_message());
    return 1;
  }
  rmm_resource_release(cuda);

  const size_t bytes = (size_t)1 << 20;
  void *ptr;
  rmm_status_t status = rmm_allocate(NULL, &ptr, bytes, NULL);
  if (status == RMM_ERROR_CUDA) {
    printf("hello: no usable GPU: %s\n", rmm_last_error_message());
    return 77;
  }
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "hello: %s: %s\n", rmm_status_string(status), rmm_last_error_message());
    return 1;
  }
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  rmm_resource_get_stats(NULL, &stats);
  printf("hello: librmm %s allocated %zu bytes at %p from the %s resource (%zu bytes in use)\n", rmm_version(),
         bytes, ptr, rmm_resource_name(rmm_get_current_device_resource()), stats.bytes_in_use);
  status = rmm_deallocate(NULL, ptr, bytes, NULL);
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "hello: %s\n", rmm_last_error_message());
    return 1;
  }
  return 0;
}
