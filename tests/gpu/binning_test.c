/* The binning resource on the device: over cuda and over a pool, on real streams. */
#include "config.h"

#include <string.h>

#include "common/workers.h"
#include "gpu/gpu_test.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

static rmm_resource_t *new_cuda(void)
{
  rmm_resource_t *cuda = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  return cuda;
}

/* binning(cuda, min_exponent, max_exponent), holding its upstream alone. */
static rmm_resource_t *new_range_over_cuda(int min_exponent, int max_exponent)
{
  rmm_resource_t *cuda = new_cuda(), *mr = NULL;
  RMM_CK(rmm_binning_create_range(cuda, min_exponent, max_exponent, &mr));
  rmm_resource_release(cuda);
  return mr;
}

/* binning(pool(cuda, 1 GiB, maximum), 18, 22), holding its upstreams alone. */
static rmm_resource_t *new_range_over_pool(size_t maximum)
{
  rmm_resource_t *cuda = new_cuda(), *pool = NULL, *mr = NULL;
  RMM_CK(rmm_pool_create(cuda, 1024 * MiB, maximum, &pool));
  rmm_resource_release(cuda);
  RMM_CK(rmm_binning_create_range(pool, 18, 22, &mr));
  rmm_resource_release(pool);
  return mr;
}

/* Allocates, writes and reads back `bytes` on `stream`, then frees. */
static void round_trip(rmm_resource_t *mr, size_t bytes, int value, cudaStream_t stream)
{
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, bytes, (rmm_stream_t)stream));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  rmm_gpu_check_memory(ptr, bytes, value, stream);
  RMM_CK(rmm_deallocate(mr, ptr, bytes, (rmm_stream_t)stream));
}

/* Sizes in every bin of 2^18..2^22, below the smallest and above the largest. */
static const size_t range_sizes[] = {4, KiB, 256 * KiB, 256 * KiB + 1, 700 * KiB, MiB, 3 * MiB, 4 * MiB, 4 * MiB + 1,
                                     64 * MiB};

static void check_range_sizes(rmm_resource_t *mr, cudaStream_t stream)
{
  for (size_t i = 0; i < sizeof range_sizes / sizeof range_sizes[0]; i++)
    round_trip(mr, range_sizes[i], (int)(i + 1), stream);
}

/* RMM's test suites build binning(cuda, 18, 22): every bin and the upstream on a created stream. */
START_TEST(test_range_over_cuda)
{
  rmm_resource_t *mr = new_range_over_cuda(18, 22);
  ck_assert(rmm_resource_properties(mr) & RMM_DEVICE_ACCESSIBLE);
  cudaStream_t stream = rmm_gpu_new_stream();
  check_range_sizes(mr, stream);
  check_range_sizes(mr, NULL);
  CUDA_CK(cudaStreamSynchronize(stream));
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
}
END_TEST

/* RMM's ExplicitBinMR: a cuda resource as the bin of 1 KiB. */
START_TEST(test_explicit_cuda_bin)
{
  rmm_resource_t *cuda = new_cuda(), *mr = NULL, *stats = NULL;
  RMM_CK(rmm_statistics_create(cuda, &stats));
  RMM_CK(rmm_binning_create(cuda, &mr));
  RMM_CK(rmm_binning_add_bin(mr, KiB, stats));
  round_trip(mr, 512, 7, NULL);
  round_trip(mr, 2 * KiB, 8, NULL);
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.total_count, 1);
  ck_assert_int_eq(counts.total_bytes, 512);
  /* As RMM, any bin is taken, a host-only one too (with a warning): its size is served there. */
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_binning_add_bin(mr, 2 * KiB, host));
  void *from_host = NULL;
  RMM_CK(rmm_allocate(mr, &from_host, 2 * KiB, NULL));
  struct cudaPointerAttributes where;
  ck_assert_int_eq(cudaPointerGetAttributes(&where, from_host), cudaSuccess);
  ck_assert_int_ne(where.type, cudaMemoryTypeDevice);
  RMM_CK(rmm_deallocate(mr, from_host, 2 * KiB, NULL));
  rmm_resource_release(host);
  rmm_resource_release(stats);
  rmm_resource_release(mr);
  rmm_resource_release(cuda);
}
END_TEST

/* The bins over a pool, as perf-anchors' "binning over that pool". */
START_TEST(test_range_over_pool)
{
  rmm_resource_t *mr = new_range_over_pool(2048 * MiB);
  cudaStream_t stream = rmm_gpu_new_stream();
  check_range_sizes(mr, stream);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  /* 128 blocks of each of 256 KiB .. 4 MiB. */
  if (stats.flags & RMM_STATS_RESERVED)
    ck_assert_uint_ge(stats.bytes_reserved, 128 * (31 * 256 * KiB));
  CUDA_CK(cudaStreamSynchronize(stream));
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
}
END_TEST

/* RMM's MixedRandomAllocationFree over binning(cuda, 18, 22): sizes in [1, 5 MiB]. */
START_TEST(test_mixed_random)
{
  rmm_resource_t *mr = new_range_over_cuda(18, 22);
  cudaStream_t stream = rmm_gpu_new_stream();
  enum { LIVE = 100 };
  void *ptrs[LIVE] = {0};
  size_t sizes[LIVE] = {0};
  size_t live = 0;
  uint64_t seed = 42;
  for (size_t step = 0; step < rmm_test_scaled(400); step++) {
    bool allocate = live == 0 || (live < LIVE && rmm_test_random(&seed) % 100 < 53);
    if (allocate) {
      sizes[live] = 1 + rmm_test_random(&seed) % (5 * MiB);
      RMM_CK(rmm_allocate(mr, &ptrs[live], sizes[live], (rmm_stream_t)stream));
      ck_assert_uint_eq((uintptr_t)ptrs[live] % RMM_ALLOCATION_ALIGNMENT, 0);
      CUDA_CK(cudaMemsetAsync(ptrs[live], (int)(live & 0xff), sizes[live], stream));
      live++;
    } else {
      size_t victim = rmm_test_random(&seed) % live;
      RMM_CK(rmm_deallocate(mr, ptrs[victim], sizes[victim], (rmm_stream_t)stream));
      live--;
      ptrs[victim] = ptrs[live];
      sizes[victim] = sizes[live];
    }
  }
  while (live > 0) {
    live--;
    RMM_CK(rmm_deallocate(mr, ptrs[live], sizes[live], (rmm_stream_t)stream));
  }
  CUDA_CK(cudaStreamSynchronize(stream));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(mr);
}
END_TEST

/* One thread on its own stream: allocate, fill on the device, free, over every bin. */
static void *worker_main(void *arg)
{
  worker_t *worker = arg;
  cudaStream_t stream;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess) {
    worker->failures++;
    return NULL;
  }
  uint64_t seed = 7 + worker->index;
  for (size_t op = 0; op < worker->operations; op++) {
    size_t bytes = 1 + rmm_test_random(&seed) % (8 * MiB);
    void *ptr = NULL;
    if (rmm_allocate(worker->mr, &ptr, bytes, (rmm_stream_t)stream) != RMM_SUCCESS) {
      worker->failures++;
      continue;
    }
    if (cudaMemsetAsync(ptr, (int)worker->index, bytes, stream) != cudaSuccess)
      worker->failures++;
    if (rmm_deallocate(worker->mr, ptr, bytes, (rmm_stream_t)stream) != RMM_SUCCESS)
      worker->failures++;
  }
  if (cudaStreamSynchronize(stream) != cudaSuccess || cudaStreamDestroy(stream) != cudaSuccess)
    worker->failures++;
  return NULL;
}

START_TEST(test_threads_own_streams)
{
  rmm_resource_t *mr = new_range_over_pool(4096 * MiB);
  rmm_test_run_workers(mr, worker_main, rmm_test_scaled(2000));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
}
END_TEST

/* A request the upstream cannot meet fails with its status; the message names the upstream. */
START_TEST(test_too_large)
{
  rmm_resource_t *mr = new_range_over_cuda(18, 20);
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, (size_t)1 << 50, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("the upstream (cuda)");
  RMM_CK(rmm_allocate(mr, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  RMM_CK(rmm_deallocate(mr, ptr, 0, NULL));
  rmm_resource_release(mr);
}
END_TEST

static Suite *binning_suite(void)
{
  Suite *suite = suite_create("binning (GPU)");
  TCase *device = tcase_create("device");
  tcase_set_timeout(device, 120);
  tcase_add_test(device, test_range_over_cuda);
  tcase_add_test(device, test_explicit_cuda_bin);
  tcase_add_test(device, test_range_over_pool);
  tcase_add_test(device, test_mixed_random);
  tcase_add_test(device, test_threads_own_streams);
  tcase_add_test(device, test_too_large);
  suite_add_tcase(suite, device);
  return suite;
}

int main(void) { return rmm_gpu_test_run(binning_suite()); }
