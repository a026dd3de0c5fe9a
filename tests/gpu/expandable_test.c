/*
 * The expandable pool over device memory: growth, data, trim giving memory back to the
 * device. Needs the pool body (rmm__pool_create_over_vmm in pool.c); skips on devices
 * without virtual memory management.
 */
#include "config.h"

#include <string.h>

#include "gpu/gpu_test.h"

#define MIB ((size_t)1 << 20)

static size_t free_device_memory(void)
{
  size_t free_bytes = 0, total = 0;
  CUDA_CK(cudaMemGetInfo(&free_bytes, &total));
  return free_bytes;
}

START_TEST(grows_and_trims_device_memory)
{
  rmm_resource_t *mr = NULL;
  rmm_status_t status = rmm_expandable_pool_create(NULL, &mr);
  if (status == RMM_ERROR_NOT_SUPPORTED) {
    RMM_CK_MESSAGE_HAS("virtual memory management");
    printf("note: %s\n", rmm_last_error_message());
    return;
  }
  RMM_CK(status);
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_DEVICE_ACCESSIBLE);
  size_t before = free_device_memory();
  cudaStream_t stream = rmm_gpu_new_stream();
  void *small = rmm_gpu_alloc_on(mr, MIB, stream);
  rmm_gpu_check_memory(small, MIB, 0x11, stream);
  void *large = rmm_gpu_alloc_on(mr, 256 * MIB, stream);
  rmm_gpu_check_memory(large, 256 * MIB, 0x22, stream);
  ck_assert_uint_le(free_device_memory() + 256 * MIB, before);
  RMM_CK(rmm_deallocate(mr, large, 256 * MIB, (rmm_stream_t)stream));
  size_t released = 0;
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_ge(released, 256 * MIB);
  ck_assert_uint_ge(free_device_memory() + 64 * MIB, before);
  /* The small block survived the trim. */
  unsigned char probe = 0;
  CUDA_CK(cudaMemcpy(&probe, (char *)small + MIB - 1, 1, cudaMemcpyDefault));
  ck_assert_uint_eq(probe, 0x11);
  RMM_CK(rmm_deallocate(mr, small, MIB, (rmm_stream_t)stream));
  CUDA_CK(cudaStreamSynchronize(stream));
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(spec_builds_it)
{
  rmm_resource_t *mr = NULL;
  rmm_status_t status = rmm_resource_from_spec("expandable_pool(initial=64MiB, reservation=1GiB)", &mr);
  if (status == RMM_ERROR_NOT_SUPPORTED)
    return;
  RMM_CK(status);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_ge(stats.bytes_reserved, 64 * MIB);
  rmm_resource_release(mr);
}
END_TEST

static Suite *expandable_suite(void)
{
  Suite *suite = suite_create("expandable_pool_device");
  TCase *tc = tcase_create("device");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, grows_and_trims_device_memory);
  tcase_add_test(tc, spec_builds_it);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_gpu_test_run(expandable_suite()); }
