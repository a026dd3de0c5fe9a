/*
 * Every adaptor over real device memory: allocate through it on the default stream and
 * on a stream of our own, cudaMemset the block, read it back, free. Then what only a
 * GPU shows: aligned device pointers, limits over cudaMalloc, a retry after spilling,
 * and the prefetch adaptor migrating managed memory to the device.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "common/test.h"

#define CUDA_CK(call)                                                                                                  \
  do {                                                                                                                 \
    cudaError_t cuda_ck_error_ = (call);                                                                               \
    ck_assert_msg(cuda_ck_error_ == cudaSuccess, "%s: %s", #call, cudaGetErrorString(cuda_ck_error_));               \
  } while (0)

#define MiB ((size_t)1 << 20)

/* Writes a pattern over the whole block on `stream` and reads back its first, middle and last bytes. */
static void check_memory(void *ptr, size_t bytes, int value, cudaStream_t stream)
{
  CUDA_CK(cudaMemsetAsync(ptr, value, bytes, stream));
  CUDA_CK(cudaStreamSynchronize(stream));
  const size_t offsets[3] = {0, bytes / 2, bytes - 1};
  for (int i = 0; i < 3; i++) {
    unsigned char probe = 0;
    CUDA_CK(cudaMemcpy(&probe, (char *)ptr + offsets[i], 1, cudaMemcpyDefault));
    ck_assert_uint_eq(probe, (unsigned char)value);
  }
}

/* Allocates, fills and frees a few blocks on `stream` through `mr`. */
static void exercise(rmm_resource_t *mr, cudaStream_t stream)
{
  const size_t sizes[] = {1, 4096, MiB + 17, 8 * MiB};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate(mr, &ptr, sizes[i], (rmm_stream_t)stream));
    ck_assert_ptr_nonnull(ptr);
    ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
    check_memory(ptr, sizes[i], 0x40 + (int)i, stream);
    RMM_CK(rmm_deallocate(mr, ptr, sizes[i], (rmm_stream_t)stream));
  }
  CUDA_CK(cudaStreamSynchronize(stream));
}

static bool never_retry(size_t bytes, void *arg)
{
  (void)bytes;
  (void)arg;
  return false;
}

/* Where the logging adaptor writes: the rows are checked by the CPU tests. */
static FILE *null_sink;

static rmm_status_t make(int kind, rmm_resource_t *up, rmm_resource_t **out)
{
  switch (kind) {
  case 0:
    return rmm_aligned_create(up, 4096, 0, out);
  case 1:
    return rmm_limiting_create(up, 64 * MiB, 0, out);
  case 2:
    return rmm_logging_create_from_file(up, null_sink, false, out);
  case 3:
    return rmm_statistics_create(up, out);
  case 4:
    return rmm_tracking_create(up, true, out);
  case 5:
    return rmm_thread_safe_create(up, out);
  case 6:
    return rmm_failure_callback_create(up, never_retry, NULL, out);
  default:
    return rmm_prefetch_create(up, out);
  }
}
enum { KINDS = 8 };

START_TEST(test_each_adaptor_over_cuda)
{
  rmm_resource_t *cuda = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  rmm_resource_t *mr = NULL;
  RMM_CK(make(_i, cuda, &mr));
  rmm_resource_release(cuda); /* the adaptor keeps it alive */
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_DEVICE_ACCESSIBLE);
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreate(&stream));
  exercise(mr, 0);
  exercise(mr, stream);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
}
END_TEST

/* Each adaptor over the current device resource (NULL upstream). */
START_TEST(test_each_adaptor_over_current)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(make(_i, NULL, &mr));
  ck_assert_ptr_eq(rmm_resource_upstream(mr), rmm_get_current_device_resource());
  exercise(mr, 0);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(test_aligned_device_pointers)
{
  rmm_resource_t *cuda = NULL, *mr = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_aligned_create(cuda, 65536, 4096, &mr));
  for (size_t bytes = 4096; bytes <= 4 * MiB; bytes = bytes * 4 + 256) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate(mr, &ptr, bytes, NULL));
    ck_assert_uint_eq((uintptr_t)ptr % 65536, 0);
    check_memory(ptr, bytes, 0x7e, 0);
    RMM_CK(rmm_deallocate(mr, ptr, bytes, NULL));
  }
  /* Alignments of 32 .. 128 asked for per call are raised to what cudaMalloc gives. */
  for (size_t alignment = 32; alignment <= 128; alignment *= 2) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate_aligned(mr, &ptr, 100, alignment, NULL));
    ck_assert_uint_eq((uintptr_t)ptr % 256, 0);
    RMM_CK(rmm_deallocate_aligned(mr, ptr, 100, alignment, NULL));
  }
  rmm_resource_release(mr);
  rmm_resource_release(cuda);
}
END_TEST

START_TEST(test_limiting_over_cuda)
{
  rmm_resource_t *cuda = NULL, *mr = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_limiting_create(cuda, 8 * MiB, 0, &mr));
  void *a = NULL, *b = NULL, *c = NULL;
  RMM_CK(rmm_allocate(mr, &a, 4 * MiB, NULL));
  RMM_CK(rmm_allocate(mr, &b, 4 * MiB, NULL));
  RMM_CK_STATUS(rmm_allocate(mr, &c, 1, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("limiting: out of memory");
  check_memory(a, 4 * MiB, 1, 0);
  check_memory(b, 4 * MiB, 2, 0);
  RMM_CK(rmm_deallocate(mr, a, 4 * MiB, NULL));
  RMM_CK(rmm_deallocate(mr, b, 4 * MiB, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(cuda);
}
END_TEST

typedef struct spill {
  rmm_resource_t *from;
  void *block;
  size_t calls;
} spill_t;

static bool spill_once(size_t bytes, void *arg)
{
  (void)bytes;
  spill_t *spill = arg;
  spill->calls++;
  if (spill->block == NULL)
    return false;
  rmm_deallocate(spill->from, spill->block, 8 * MiB, NULL);
  spill->block = NULL;
  return true;
}

/* A limit reached on the device, room made by the hook, the retry served by cudaMalloc. */
START_TEST(test_failure_callback_spills)
{
  rmm_resource_t *cuda = NULL, *limited = NULL, *mr = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_limiting_create(cuda, 8 * MiB, 0, &limited));
  spill_t spill = {.from = limited};
  RMM_CK(rmm_allocate(limited, &spill.block, 8 * MiB, NULL));
  RMM_CK(rmm_failure_callback_create(limited, spill_once, &spill, &mr));
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 6 * MiB, NULL));
  ck_assert_uint_eq(spill.calls, 1);
  check_memory(ptr, 6 * MiB, 9, 0);
  RMM_CK(rmm_deallocate(mr, ptr, 6 * MiB, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(limited);
  rmm_resource_release(cuda);
}
END_TEST

static int last_prefetch_location(const void *ptr, size_t bytes)
{
  int location = 0;
  CUDA_CK(cudaMemRangeGetAttribute(&location, sizeof location, cudaMemRangeAttributeLastPrefetchLocation, ptr, bytes));
  return location;
}

/* Managed memory through the adaptor lands on the current device; without it, nowhere yet. */
START_TEST(test_prefetch_managed)
{
  int device = 0, concurrent = 0;
  CUDA_CK(cudaGetDevice(&device));
  CUDA_CK(cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess, device));
  rmm_resource_t *managed = NULL, *mr = NULL;
  RMM_CK(rmm_managed_create(&managed));
  RMM_CK(rmm_prefetch_create(managed, &mr));
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreate(&stream));
  const size_t bytes = 3 * MiB + 1000;
  void *prefetched = NULL, *plain = NULL;
  RMM_CK(rmm_allocate(mr, &prefetched, bytes, (rmm_stream_t)stream));
  RMM_CK(rmm_allocate(managed, &plain, bytes, (rmm_stream_t)stream));
  CUDA_CK(cudaStreamSynchronize(stream));
  if (concurrent) {
    ck_assert_int_eq(last_prefetch_location(prefetched, bytes), device);
    ck_assert_int_eq(last_prefetch_location(plain, bytes), cudaInvalidDeviceId);
  }
  check_memory(prefetched, bytes, 0x33, stream);
  RMM_CK(rmm_deallocate(mr, prefetched, bytes, (rmm_stream_t)stream));
  RMM_CK(rmm_deallocate(managed, plain, bytes, (rmm_stream_t)stream));
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
  rmm_resource_release(managed);
}
END_TEST

/* Device memory cannot migrate: the prefetch is skipped without error. */
START_TEST(test_prefetch_device_memory)
{
  rmm_resource_t *cuda = NULL, *mr = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_prefetch_create(cuda, &mr));
  exercise(mr, 0);
  ck_assert_int_eq(cudaGetLastError(), cudaSuccess);
  rmm_resource_release(mr);
  rmm_resource_release(cuda);
}
END_TEST

/* The tracking report and counters over device memory, freed on another stream. */
START_TEST(test_tracking_and_statistics_on_streams)
{
  rmm_resource_t *cuda = NULL, *tracking = NULL, *stats = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_tracking_create(cuda, false, &tracking));
  RMM_CK(rmm_statistics_create(tracking, &stats));
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreate(&stream));
  void *ptrs[4];
  for (int i = 0; i < 4; i++) {
    RMM_CK(rmm_allocate(stats, &ptrs[i], MiB, (rmm_stream_t)stream));
    check_memory(ptrs[i], MiB, i, stream);
  }
  size_t count = 0;
  RMM_CK(rmm_tracking_outstanding_count(tracking, &count));
  ck_assert_uint_eq(count, 4);
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.current_bytes, (int64_t)(4 * MiB));
  for (int i = 0; i < 4; i++)
    RMM_CK(rmm_deallocate(stats, ptrs[i], MiB, (rmm_stream_t)stream));
  RMM_CK(rmm_tracking_outstanding_count(tracking, &count));
  ck_assert_uint_eq(count, 0);
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(stats);
  rmm_resource_release(tracking);
  rmm_resource_release(cuda);
}
END_TEST

static Suite *gpu_adaptor_suite(void)
{
  Suite *suite = suite_create("gpu adaptors");
  TCase *tc = tcase_create("adaptors");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_each_adaptor_over_cuda, 0, KINDS);
  tcase_add_loop_test(tc, test_each_adaptor_over_current, 0, KINDS);
  tcase_add_test(tc, test_aligned_device_pointers);
  tcase_add_test(tc, test_limiting_over_cuda);
  tcase_add_test(tc, test_failure_callback_spills);
  tcase_add_test(tc, test_prefetch_managed);
  tcase_add_test(tc, test_prefetch_device_memory);
  tcase_add_test(tc, test_tracking_and_statistics_on_streams);
  suite_add_tcase(suite, tc);
  return suite;
}

/* Exit status 77 (an automake skip) with the reason when no GPU can be used; CUDA is not fork-safe. */
int main(void)
{
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess || count == 0) {
    printf("SKIP: no usable GPU (%s)\n", error != cudaSuccess ? cudaGetErrorName(error) : "0 devices");
    return 77;
  }
  null_sink = fopen("/dev/null", "w");
  if (null_sink == NULL)
    return EXIT_FAILURE;
  SRunner *runner = srunner_create(gpu_adaptor_suite());
  srunner_set_fork_status(runner, CK_NOFORK);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  fclose(null_sink);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
