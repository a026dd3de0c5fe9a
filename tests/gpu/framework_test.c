/*
 * The pluggable-allocator entry points on a GPU: memory from device 0's resource on a real
 * stream holds data, the statistics adaptor set as that resource sees it, the caller's
 * device stays current, and with two devices the memory lands on the device asked for.
 */
#include "config.h"

#include <stdint.h>

#include "gpu/gpu_test.h"

static rmm_resource_t *counted_cuda(void)
{
  rmm_resource_t *cuda = NULL, *stats = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_statistics_create(cuda, &stats));
  rmm_resource_release(cuda);
  return stats;
}

static int64_t current_bytes(const rmm_resource_t *mr)
{
  rmm_statistics_t c = {.struct_size = sizeof c};
  RMM_CK(rmm_statistics_get(mr, &c));
  return c.current_bytes;
}

START_TEST(test_stream_allocation_holds_data)
{
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  rmm_resource_t *mr = counted_cuda();
  RMM_CK(rmm_set_per_device_resource(0, mr));
  CUDA_CK(cudaSetDevice(0));
  const size_t sizes[] = {1, 4096, (size_t)3 << 20};
  for (size_t i = 0; i < 3; i++) {
    void *ptr = rmm_torch_allocate(sizes[i], 0, stream);
    ck_assert_msg(ptr != NULL, "%s", rmm_last_error_message());
    ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
    ck_assert_int_eq(current_bytes(mr), (int64_t)sizes[i]);
    rmm_gpu_check_memory(ptr, sizes[i], 0x30 + (int)i, stream);
    rmm_torch_deallocate(ptr, sizes[i], 0, stream);
    ck_assert_int_eq(current_bytes(mr), 0);
  }
  CUDA_CK(cudaStreamSynchronize(stream));
  RMM_CK(rmm_set_per_device_resource(0, NULL));
  rmm_resource_release(mr);
  CUDA_CK(cudaStreamDestroy(stream));
}
END_TEST

/* Without a resource set, the device's default (cudaMalloc unless RMM_RESOURCE says otherwise) serves. */
START_TEST(test_default_resource)
{
  void *ptr = rmm_torch_allocate(1 << 20, 0, NULL);
  ck_assert_msg(ptr != NULL, "%s", rmm_last_error_message());
  rmm_gpu_check_memory(ptr, 1 << 20, 0x11, NULL);
  rmm_torch_deallocate(ptr, 1 << 20, 0, NULL);
}
END_TEST

/* Far more than any device has: NULL, cudaMalloc's message, and nothing counted. */
START_TEST(test_out_of_memory)
{
  rmm_resource_t *mr = counted_cuda();
  RMM_CK(rmm_set_per_device_resource(0, mr));
  ck_assert_ptr_null(rmm_torch_allocate((size_t)1 << 50, 0, NULL));
  RMM_CK_MESSAGE_HAS("out of memory");
  RMM_CK_MESSAGE_HAS("cudaMalloc");
  rmm_statistics_t c = {.struct_size = sizeof c};
  RMM_CK(rmm_statistics_get(mr, &c));
  ck_assert_int_eq(c.total_count, 0);
  RMM_CK(rmm_set_per_device_resource(0, NULL));
  rmm_resource_release(mr);
}
END_TEST

/* With two devices: device 1's memory while device 0 is current, and device 0 current after. */
START_TEST(test_other_device)
{
  int count = 0;
  CUDA_CK(cudaGetDeviceCount(&count));
  if (count < 2)
    return;
  CUDA_CK(cudaSetDevice(0));
  cudaStream_t stream;
  CUDA_CK(cudaSetDevice(1));
  CUDA_CK(cudaStreamCreate(&stream));
  CUDA_CK(cudaSetDevice(0));
  void *ptr = rmm_torch_allocate(65536, 1, stream);
  ck_assert_msg(ptr != NULL, "%s", rmm_last_error_message());
  int device = -1;
  CUDA_CK(cudaGetDevice(&device));
  ck_assert_int_eq(device, 0);
  struct cudaPointerAttributes attributes;
  CUDA_CK(cudaPointerGetAttributes(&attributes, ptr));
  ck_assert_int_eq(attributes.device, 1);
  rmm_torch_deallocate(ptr, 65536, 1, stream);
  CUDA_CK(cudaGetDevice(&device));
  ck_assert_int_eq(device, 0);
  CUDA_CK(cudaStreamSynchronize(stream));
  CUDA_CK(cudaStreamDestroy(stream));
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("framework_gpu");
  TCase *tc = tcase_create("torch");
  tcase_add_test(tc, test_stream_allocation_holds_data);
  tcase_add_test(tc, test_default_resource);
  tcase_add_test(tc, test_out_of_memory);
  tcase_add_test(tc, test_other_device);
  suite_add_tcase(suite, tc);
  return rmm_gpu_test_run(suite);
}
