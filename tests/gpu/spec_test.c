/* Specs on a real device: leaves, sub-allocators over CUDA's allocators, percentages of
 * free device memory, and RMM_RESOURCE for the default resource. Exit 77 without a GPU. */
#include <string.h>

#include "gpu/gpu_test.h"

/* Builds `spec`, checks the top resource's name, and writes and reads 1 MiB through it. */
static void build_and_use(const char *spec, const char *name)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_from_spec(spec, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), name);
  void *p = NULL;
  RMM_CK(rmm_allocate(mr, &p, 1 << 20, NULL));
  rmm_gpu_check_memory(p, 1 << 20, 0x5a, NULL);
  RMM_CK(rmm_deallocate(mr, p, 1 << 20, NULL));
  rmm_resource_release(mr);
}

START_TEST(device_leaves)
{
  build_and_use("cuda", "cuda");
  build_and_use("managed", "managed");
  build_and_use("pinned_host", "pinned_host");
  build_and_use("cuda_async", "cuda_async");
  build_and_use("cuda_async(initial=16MiB, release=0)", "cuda_async");
}
END_TEST

START_TEST(sub_allocators_over_device_memory)
{
  build_and_use("pool(cuda_async, 10%)", "pool");
  build_and_use("pool(cuda, initial=64MiB, maximum=5%)", "pool");
  build_and_use("statistics(arena(cuda, 5%))", "statistics");
  build_and_use("binning(pool(cuda, 64MiB), 10, 16)", "binning");
  build_and_use("fixed_size(cuda, 1MiB, 4)", "fixed_size");
  build_and_use("prefetch(managed)", "prefetch");
  build_and_use("thread_safe(tracking(limiting(cuda, 1GiB)))", "thread_safe");
}
END_TEST

START_TEST(percent_of_free_device_memory)
{
  size_t free_bytes = 0, total = 0;
  RMM_CK(rmm_available_device_memory(&free_bytes, &total));
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_from_spec("limiting(cuda, 10%)", &mr));
  size_t limit = 0;
  RMM_CK(rmm_limiting_limit(mr, &limit));
  rmm_resource_release(mr);
  ck_assert_uint_eq(limit % 256, 0);
  /* Free memory moves a little between the two reads; 10% of it stays within a percent. */
  ck_assert_uint_gt(limit, free_bytes / 100 * 9);
  ck_assert_uint_le(limit, free_bytes / 100 * 11);

  /* A pool of 10% reserves exactly what its percentage came to. */
  RMM_CK(rmm_resource_from_spec("pool(cuda, 10%)", &mr));
  size_t pool_bytes = 0;
  RMM_CK(rmm_pool_size(mr, &pool_bytes));
  ck_assert_uint_gt(pool_bytes, free_bytes / 100 * 9);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(rmm_resource_builds_the_default)
{
  setenv("RMM_RESOURCE", "statistics(pool(cuda, 64MiB))", 1);
  RMM_CK(rmm_set_current_device_resource(NULL));
  rmm_resource_t *mr = rmm_get_current_device_resource();
  ck_assert_ptr_nonnull(mr);
  ck_assert_str_eq(rmm_resource_name(mr), "statistics");
  void *p = NULL;
  RMM_CK(rmm_allocate(NULL, &p, 1 << 20, NULL));
  rmm_gpu_check_memory(p, 1 << 20, 0x11, NULL);
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(mr, &counts));
  ck_assert_int_eq(counts.current_bytes, 1 << 20);
  RMM_CK(rmm_deallocate(NULL, p, 1 << 20, NULL));

  unsetenv("RMM_RESOURCE");
  RMM_CK(rmm_set_current_device_resource(NULL));
  ck_assert_str_eq(rmm_resource_name(rmm_get_current_device_resource()), "cuda");
}
END_TEST

START_TEST(failures_name_the_column)
{
  rmm_resource_t *mr = NULL;
  size_t free_bytes = 0, total = 0;
  RMM_CK(rmm_available_device_memory(&free_bytes, &total));
  char spec[128];
  /* An arena larger than the device cannot be had: the constructor's status, with the column. */
  snprintf(spec, sizeof spec, "statistics(arena(cuda, %zuB))", (total + ((size_t)1 << 30)) & ~(size_t)255);
  rmm_status_t status = rmm_resource_from_spec(spec, &mr);
  ck_assert_int_ne(status, RMM_SUCCESS);
  ck_assert_ptr_null(mr);
  RMM_CK_MESSAGE_HAS("column 12: cannot build arena");
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("spec_gpu");
  TCase *tc = tcase_create("spec_gpu");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, device_leaves);
  tcase_add_test(tc, sub_allocators_over_device_memory);
  tcase_add_test(tc, percent_of_free_device_memory);
  tcase_add_test(tc, rmm_resource_builds_the_default);
  tcase_add_test(tc, failures_name_the_column);
  suite_add_tcase(suite, tc);
  return rmm_gpu_test_run(suite);
}
