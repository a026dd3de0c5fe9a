/* What every GPU test program shares: the skip rule and a check on CUDA calls. */
#ifndef RMM_TESTS_GPU_TEST_H
#define RMM_TESTS_GPU_TEST_H

#include <cuda_runtime_api.h>

#include "common/test.h"

#define CUDA_CK(call)                                                                                                  \
  do {                                                                                                                 \
    cudaError_t cuda_ck_error_ = (call);                                                                               \
    ck_assert_msg(cuda_ck_error_ == cudaSuccess, "%s: %s", #call, cudaGetErrorString(cuda_ck_error_));               \
  } while (0)

/*
 * Exit status 77 (an automake skip) with the reason when no GPU can be used. The probe
 * runs in the test process itself: CUDA is not fork-safe, so suites run with CK_NOFORK.
 */
static inline int rmm_gpu_test_run(Suite *suite)
{
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess || count == 0) {
    printf("SKIP: no usable GPU (%s)\n", error != cudaSuccess ? cudaGetErrorName(error) : "0 devices");
    return 77;
  }
  SRunner *runner = srunner_create(suite);
  srunner_set_fork_status(runner, CK_NOFORK);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Fills `bytes` of device-accessible memory on the device and reads it back. */
static inline void rmm_gpu_check_memory(void *ptr, size_t bytes, int value, cudaStream_t stream)
{
  CUDA_CK(cudaMemsetAsync(ptr, value, bytes, stream));
  unsigned char probe[3] = {0};
  size_t offsets[3] = {0, bytes / 2, bytes - 1};
  CUDA_CK(cudaStreamSynchronize(stream));
  for (int i = 0; i < 3; i++)
    CUDA_CK(cudaMemcpy(&probe[i], (char *)ptr + offsets[i], 1, cudaMemcpyDefault));
  for (int i = 0; i < 3; i++)
    ck_assert_uint_eq(probe[i], (unsigned char)value);
}

/* A new non-blocking stream; the test destroys it. */
static inline cudaStream_t rmm_gpu_new_stream(void)
{
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return stream;
}

/* `bytes` from `mr` on `stream`, checked to be there and aligned. */
static inline void *rmm_gpu_alloc_on(rmm_resource_t *mr, size_t bytes, cudaStream_t stream)
{
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, bytes, (rmm_stream_t)stream));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  return ptr;
}

#endif
