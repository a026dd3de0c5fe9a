/* Every leaf resource on a real device: allocate, write, read back, free; errors and options. */
#include <stdint.h>
#include <string.h>

#include "gpu/gpu_test.h"

static const size_t MiB = (size_t)1 << 20;

static void exercise(rmm_resource_t *mr, cudaStream_t stream)
{
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 3 * MiB + 17, (rmm_stream_t)stream));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  rmm_gpu_check_memory(ptr, 3 * MiB + 17, 0x5A, stream);
  RMM_CK(rmm_deallocate(mr, ptr, 3 * MiB + 17, (rmm_stream_t)stream));
  CUDA_CK(cudaStreamSynchronize(stream));
}

START_TEST(cuda_allocates_on_the_device)
{
  rmm_resource_t *mr;
  RMM_CK(rmm_cuda_create(&mr));
  exercise(mr, 0);
  void *ptr;
  RMM_CK(rmm_allocate(mr, &ptr, 4096, NULL));
  struct cudaPointerAttributes attributes;
  CUDA_CK(cudaPointerGetAttributes(&attributes, ptr));
  ck_assert_int_eq(attributes.type, cudaMemoryTypeDevice);
  RMM_CK(rmm_deallocate(mr, ptr, 4096, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(cuda_out_of_memory_names_the_size)
{
  rmm_resource_t *mr;
  RMM_CK(rmm_cuda_create(&mr));
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, (size_t)1 << 50, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  RMM_CK_MESSAGE_HAS("out of memory");
  RMM_CK_MESSAGE_HAS("1.00 PiB");
  ck_assert_int_eq(rmm_last_cuda_error(), cudaErrorMemoryAllocation);
  /* The failure does not stick: the next allocation works. */
  exercise(mr, 0);
  RMM_CK_STATUS(rmm_allocate_aligned(mr, &ptr, 64, 4096, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(managed_is_host_readable)
{
  rmm_resource_t *mr;
  RMM_CK(rmm_managed_create(&mr));
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  exercise(mr, 0);
  unsigned char *ptr;
  RMM_CK(rmm_allocate(mr, (void **)&ptr, MiB, NULL));
  CUDA_CK(cudaMemset(ptr, 0x3C, MiB));
  CUDA_CK(cudaDeviceSynchronize());
  ck_assert_uint_eq(ptr[0], 0x3C);
  ck_assert_uint_eq(ptr[MiB - 1], 0x3C);
  ptr[7] = 0x11;
  struct cudaPointerAttributes attributes;
  CUDA_CK(cudaPointerGetAttributes(&attributes, ptr));
  ck_assert_int_eq(attributes.type, cudaMemoryTypeManaged);
  RMM_CK(rmm_deallocate(mr, ptr, MiB, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(pinned_host_is_pinned_and_host_readable)
{
  rmm_resource_t *mr;
  RMM_CK(rmm_pinned_host_create(&mr));
  exercise(mr, 0);
  for (size_t alignment = 16; alignment <= 4096; alignment <<= 1) {
    unsigned char *ptr;
    RMM_CK(rmm_allocate_aligned(mr, (void **)&ptr, 100, alignment, NULL));
    ck_assert_uint_eq((uintptr_t)ptr % alignment, 0);
    struct cudaPointerAttributes attributes;
    CUDA_CK(cudaPointerGetAttributes(&attributes, ptr));
    ck_assert_int_eq(attributes.type, cudaMemoryTypeHost);
    memset(ptr, 1, 100);
    RMM_CK(rmm_deallocate_aligned(mr, ptr, 100, alignment, NULL));
  }
  void *ptr;
  RMM_CK_STATUS(rmm_allocate_aligned(mr, &ptr, 100, 8192, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(async_allocates_on_streams)
{
  rmm_resource_t *mr;
  RMM_CK(rmm_cuda_async_create(NULL, &mr));
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  exercise(mr, stream);
  exercise(mr, 0);
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, (size_t)1 << 50, (rmm_stream_t)stream), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("1.00 PiB");
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
}
END_TEST

static uint64_t pool_attribute(rmm_resource_t *mr, enum cudaMemPoolAttr attribute)
{
  rmm_mem_pool_t pool;
  RMM_CK(rmm_cuda_async_pool_handle(mr, &pool));
  uint64_t value = 0;
  CUDA_CK(cudaMemPoolGetAttribute((cudaMemPool_t)pool, attribute, &value));
  return value;
}

START_TEST(async_release_threshold)
{
  /* The default keeps everything: the pool never trims at synchronisation. */
  rmm_resource_t *keeps, *trims;
  RMM_CK(rmm_cuda_async_create(NULL, &keeps));
  ck_assert_uint_eq(pool_attribute(keeps, cudaMemPoolAttrReleaseThreshold), UINT64_MAX);
  rmm_cuda_async_options_t options = RMM_CUDA_ASYNC_OPTIONS_INIT;
  options.release_threshold = 0;
  RMM_CK(rmm_cuda_async_create(&options, &trims));
  ck_assert_uint_eq(pool_attribute(trims, cudaMemPoolAttrReleaseThreshold), 0);

  rmm_resource_t *both[2] = {keeps, trims};
  for (int i = 0; i < 2; i++) {
    void *ptr;
    RMM_CK(rmm_allocate(both[i], &ptr, 64 * MiB, NULL));
    RMM_CK(rmm_deallocate(both[i], ptr, 64 * MiB, NULL));
  }
  CUDA_CK(cudaDeviceSynchronize());
  ck_assert_uint_ge(pool_attribute(keeps, cudaMemPoolAttrReservedMemCurrent), 64 * MiB);
  ck_assert_uint_eq(pool_attribute(trims, cudaMemPoolAttrReservedMemCurrent), 0);

  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(keeps, &stats));
  ck_assert(stats.flags & RMM_STATS_RESERVED);
  ck_assert_uint_ge(stats.bytes_reserved, 64 * MiB);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 64 * MiB);
  ck_assert(!rmm_resource_is_equal(keeps, trims));
  rmm_resource_release(keeps);
  rmm_resource_release(trims);
}
END_TEST

START_TEST(async_initial_pool_size)
{
  rmm_cuda_async_options_t options = RMM_CUDA_ASYNC_OPTIONS_INIT;
  options.initial_pool_size = 32 * MiB;
  options.release_threshold = 1000;
  rmm_resource_t *mr;
  RMM_CK(rmm_cuda_async_create(&options, &mr));
  ck_assert_uint_eq(pool_attribute(mr, cudaMemPoolAttrReleaseThreshold), 1000);
  CUDA_CK(cudaStreamSynchronize(0));
  exercise(mr, 0);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(async_view_borrows_a_pool)
{
  cudaMemPool_t pool;
  struct cudaMemPoolProps props = {0};
  props.allocType = cudaMemAllocationTypePinned;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = 0;
  CUDA_CK(cudaMemPoolCreate(&pool, &props));
  rmm_resource_t *view, *second;
  RMM_CK(rmm_cuda_async_view_create((rmm_mem_pool_t)pool, &view));
  RMM_CK(rmm_cuda_async_view_create((rmm_mem_pool_t)pool, &second));
  ck_assert_str_eq(rmm_resource_name(view), "cuda_async_view");
  ck_assert(rmm_resource_is_equal(view, second));
  exercise(view, 0);
  rmm_mem_pool_t handle;
  RMM_CK(rmm_cuda_async_pool_handle(view, &handle));
  ck_assert_ptr_eq((void *)handle, (void *)pool);
  rmm_resource_release(view);
  rmm_resource_release(second);
  /* The view did not destroy the pool: its owner still can. */
  CUDA_CK(cudaMemPoolDestroy(pool));
}
END_TEST

START_TEST(async_managed_when_supported)
{
  rmm_resource_t *a, *b;
  rmm_status_t status = rmm_cuda_async_managed_create(&a);
  if (status == RMM_ERROR_NOT_SUPPORTED) {
    printf("cuda_async_managed not supported here: %s\n", rmm_last_error_message());
    return;
  }
  RMM_CK(status);
  RMM_CK(rmm_cuda_async_managed_create(&b));
  ck_assert(rmm_resource_is_equal(a, b));
  ck_assert_uint_eq(rmm_resource_properties(a), RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  int *values;
  RMM_CK(rmm_allocate(a, (void **)&values, 100 * sizeof(int), NULL));
  CUDA_CK(cudaDeviceSynchronize());
  for (int i = 0; i < 100; i++)
    values[i] = i;
  long sum = 0;
  for (int i = 0; i < 100; i++)
    sum += values[i];
  ck_assert_int_eq(sum, 4950);
  struct cudaPointerAttributes attributes;
  CUDA_CK(cudaPointerGetAttributes(&attributes, values));
  ck_assert_int_eq(attributes.type, cudaMemoryTypeManaged);
  RMM_CK(rmm_deallocate(a, values, 100 * sizeof(int), NULL));
  CUDA_CK(cudaDeviceSynchronize());
  rmm_resource_release(a);
  rmm_resource_release(b);
}
END_TEST

START_TEST(system_and_sam_follow_the_device)
{
  int device = 0, pageable = 0;
  CUDA_CK(cudaGetDevice(&device));
  CUDA_CK(cudaDeviceGetAttribute(&pageable, cudaDevAttrPageableMemoryAccess, device));
  rmm_resource_t *system, *sam;
  rmm_status_t status = rmm_system_create(&system);
  if (!pageable) {
    RMM_CK_STATUS(status, RMM_ERROR_NOT_SUPPORTED);
    RMM_CK_MESSAGE_HAS("cannot access pageable memory");
    RMM_CK_STATUS(rmm_sam_headroom_create(MiB, &sam), RMM_ERROR_NOT_SUPPORTED);
    return;
  }
  RMM_CK(status);
  exercise(system, 0);
  rmm_resource_release(system);
  size_t free_bytes, total;
  CUDA_CK(cudaMemGetInfo(&free_bytes, &total));
  RMM_CK(rmm_sam_headroom_create(free_bytes + ((size_t)1 << 30), &sam));
  unsigned char *ptr;
  RMM_CK(rmm_allocate(sam, (void **)&ptr, MiB, NULL));
  memset(ptr, 7, MiB);
  ck_assert_uint_eq(ptr[MiB - 1], 7);
  RMM_CK(rmm_deallocate(sam, ptr, MiB, NULL));
  rmm_resource_release(sam);
}
END_TEST

START_TEST(current_resource_allocates_on_the_device)
{
  rmm_resource_t *current = rmm_get_current_device_resource();
  ck_assert_ptr_nonnull(current);
  ck_assert_str_eq(rmm_resource_name(current), "cuda");
  exercise(NULL, 0);
  rmm_resource_t *async;
  RMM_CK(rmm_cuda_async_create(NULL, &async));
  RMM_CK(rmm_set_current_device_resource(async));
  rmm_resource_release(async);
  ck_assert_str_eq(rmm_resource_name(rmm_get_current_device_resource()), "cuda_async");
  exercise(NULL, 0);
  RMM_CK(rmm_set_current_device_resource(NULL));
  ck_assert_str_eq(rmm_resource_name(rmm_get_current_device_resource()), "cuda");
}
END_TEST

START_TEST(handle_type_is_checked)
{
  rmm_cuda_async_options_t options = RMM_CUDA_ASYNC_OPTIONS_INIT;
  options.export_handle_type = RMM_HANDLE_TYPE_WIN32;
  rmm_resource_t *mr;
  RMM_CK_STATUS(rmm_cuda_async_create(&options, &mr), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_MESSAGE_HAS("export handle type");
  options.export_handle_type = RMM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
  rmm_status_t status = rmm_cuda_async_create(&options, &mr);
  ck_assert(status == RMM_SUCCESS || status == RMM_ERROR_NOT_SUPPORTED);
  if (status == RMM_SUCCESS) {
    exercise(mr, 0);
    rmm_resource_release(mr);
  }
}
END_TEST

static Suite *leaf_suite(void)
{
  Suite *suite = suite_create("gpu leaf resources");
  TCase *tc = tcase_create("leaf");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, cuda_allocates_on_the_device);
  tcase_add_test(tc, cuda_out_of_memory_names_the_size);
  tcase_add_test(tc, managed_is_host_readable);
  tcase_add_test(tc, pinned_host_is_pinned_and_host_readable);
  tcase_add_test(tc, async_allocates_on_streams);
  tcase_add_test(tc, async_release_threshold);
  tcase_add_test(tc, async_initial_pool_size);
  tcase_add_test(tc, async_view_borrows_a_pool);
  tcase_add_test(tc, async_managed_when_supported);
  tcase_add_test(tc, system_and_sam_follow_the_device);
  tcase_add_test(tc, current_resource_allocates_on_the_device);
  tcase_add_test(tc, handle_type_is_checked);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_gpu_test_run(leaf_suite()); }
