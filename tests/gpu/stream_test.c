/* The stream pool, the device helpers and prefetch on a GPU. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "common/test.h"

#define CUDA_CK(call)                                                                                                  \
  do {                                                                                                                 \
    cudaError_t cuda_ck_error_ = (call);                                                                               \
    ck_assert_msg(cuda_ck_error_ == cudaSuccess, "%s: %s", #call, cudaGetErrorString(cuda_ck_error_));                \
  } while (0)

/* ---- stream pool ---- */

START_TEST(pool_hands_out_streams_round_robin)
{
  rmm_stream_pool_t *pool;
  RMM_CK(rmm_stream_pool_create(4, &pool));
  ck_assert_uint_eq(rmm_stream_pool_size(pool), 4);
  rmm_stream_t at[4], got;
  for (size_t i = 0; i < 4; i++) {
    RMM_CK(rmm_stream_pool_get_at(pool, i, &at[i]));
    for (size_t j = 0; j < i; j++)
      ck_assert_ptr_ne(at[i], at[j]);
  }
  /* Successive gets cycle through the pool in index order. */
  for (size_t turn = 0; turn < 9; turn++) {
    RMM_CK(rmm_stream_pool_get(pool, &got));
    ck_assert_ptr_eq(got, at[turn % 4]);
  }
  /* Indexes wrap around the size. */
  RMM_CK(rmm_stream_pool_get_at(pool, 4, &got));
  ck_assert_ptr_eq(got, at[0]);
  RMM_CK(rmm_stream_pool_get_at(pool, SIZE_MAX, &got));
  ck_assert_ptr_eq(got, at[SIZE_MAX % 4]);
  rmm_stream_pool_destroy(pool);
}
END_TEST

START_TEST(pool_streams_are_non_blocking_and_not_default)
{
  rmm_stream_pool_t *pool;
  RMM_CK(rmm_stream_pool_create(3, &pool));
  for (size_t i = 0; i < 3; i++) {
    rmm_stream_t stream;
    RMM_CK(rmm_stream_pool_get_at(pool, i, &stream));
    ck_assert_ptr_ne(stream, RMM_STREAM_DEFAULT);
    ck_assert_ptr_ne(stream, RMM_STREAM_LEGACY);
    ck_assert_ptr_ne(stream, RMM_STREAM_PER_THREAD);
    unsigned flags = 0;
    CUDA_CK(cudaStreamGetFlags((cudaStream_t)stream, &flags));
    ck_assert_uint_eq(flags & cudaStreamNonBlocking, cudaStreamNonBlocking);
  }
  rmm_stream_pool_destroy(pool);
}
END_TEST

START_TEST(pool_streams_take_the_flags_given)
{
  const unsigned wanted[] = {RMM_STREAM_FLAGS_SYNC_DEFAULT, RMM_STREAM_FLAGS_NON_BLOCKING};
  for (size_t k = 0; k < 2; k++) {
    rmm_stream_pool_t *pool;
    RMM_CK(rmm_stream_pool_create_with_flags(2, wanted[k], &pool));
    for (size_t i = 0; i < 2; i++) {
      rmm_stream_t stream;
      RMM_CK(rmm_stream_pool_get_at(pool, i, &stream));
      unsigned flags = 99;
      CUDA_CK(cudaStreamGetFlags((cudaStream_t)stream, &flags));
      ck_assert_uint_eq(flags & cudaStreamNonBlocking, wanted[k] == RMM_STREAM_FLAGS_NON_BLOCKING ? cudaStreamNonBlocking : 0);
    }
    rmm_stream_pool_destroy(pool);
  }
}
END_TEST

START_TEST(pool_streams_carry_work)
{
  enum { BYTES = 1 << 20 };
  rmm_stream_pool_t *pool;
  RMM_CK(rmm_stream_pool_create(2, &pool));
  rmm_stream_t first, second;
  RMM_CK(rmm_stream_pool_get(pool, &first));
  RMM_CK(rmm_stream_pool_get(pool, &second));
  ck_assert_ptr_ne(first, second);

  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(BYTES, first, NULL, &buf));
  CUDA_CK(cudaMemsetAsync(rmm_device_buffer_data(buf), 0xcc, BYTES, (cudaStream_t)first));
  cudaEvent_t done;
  CUDA_CK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  CUDA_CK(cudaEventRecord(done, (cudaStream_t)first));
  CUDA_CK(cudaStreamWaitEvent((cudaStream_t)second, done, 0));
  static unsigned char host_copy[BYTES];
  CUDA_CK(cudaMemcpyAsync(host_copy, rmm_device_buffer_data(buf), BYTES, cudaMemcpyDefault, (cudaStream_t)second));
  CUDA_CK(cudaStreamSynchronize((cudaStream_t)second));
  for (size_t i = 0; i < BYTES; i++)
    ck_assert_uint_eq(host_copy[i], 0xcc);
  rmm_device_buffer_set_stream(buf, second);
  RMM_CK(rmm_device_buffer_destroy(buf));
  CUDA_CK(cudaEventDestroy(done));
  rmm_stream_pool_destroy(pool);
}
END_TEST

enum { THREADS = 8, GETS_PER_THREAD = 1000, POOL_SIZE = 4 };

typedef struct getter {
  rmm_stream_pool_t *pool;
  rmm_stream_t streams[POOL_SIZE];
  size_t counts[POOL_SIZE];
} getter_t;

static void *get_many(void *arg)
{
  getter_t *getter = arg;
  for (int i = 0; i < GETS_PER_THREAD; i++) {
    rmm_stream_t stream;
    if (rmm_stream_pool_get(getter->pool, &stream) != RMM_SUCCESS)
      return NULL;
    for (int k = 0; k < POOL_SIZE; k++)
      if (stream == getter->streams[k])
        getter->counts[k]++;
  }
  return NULL;
}

/* Concurrent gets share the turns out exactly: no stream is handed out twice for one turn. */
START_TEST(pool_get_is_thread_safe)
{
  rmm_stream_pool_t *pool;
  RMM_CK(rmm_stream_pool_create(POOL_SIZE, &pool));
  getter_t getters[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    memset(&getters[t], 0, sizeof getters[t]);
    getters[t].pool = pool;
    for (int k = 0; k < POOL_SIZE; k++)
      RMM_CK(rmm_stream_pool_get_at(pool, (size_t)k, &getters[t].streams[k]));
    ck_assert_int_eq(pthread_create(&threads[t], NULL, get_many, &getters[t]), 0);
  }
  size_t totals[POOL_SIZE] = {0};
  for (int t = 0; t < THREADS; t++) {
    ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    for (int k = 0; k < POOL_SIZE; k++)
      totals[k] += getters[t].counts[k];
  }
  for (int k = 0; k < POOL_SIZE; k++)
    ck_assert_uint_eq(totals[k], THREADS * GETS_PER_THREAD / POOL_SIZE);
  rmm_stream_pool_destroy(pool);
}
END_TEST

START_TEST(pool_of_one_stream)
{
  rmm_stream_pool_t *pool;
  RMM_CK(rmm_stream_pool_create(1, &pool));
  rmm_stream_t first, again;
  RMM_CK(rmm_stream_pool_get(pool, &first));
  RMM_CK(rmm_stream_pool_get(pool, &again));
  ck_assert_ptr_eq(first, again);
  RMM_CK(rmm_stream_pool_get_at(pool, 12345, &again));
  ck_assert_ptr_eq(first, again);
  rmm_stream_pool_destroy(pool);
}
END_TEST

/* ---- device helpers ---- */

START_TEST(device_queries_match_the_runtime)
{
  int count = 0, runtime_count = 0, device = -1;
  RMM_CK(rmm_get_num_devices(&count));
  CUDA_CK(cudaGetDeviceCount(&runtime_count));
  ck_assert_int_eq(count, runtime_count);
  CUDA_CK(cudaSetDevice(count - 1));
  RMM_CK(rmm_get_current_device(&device));
  ck_assert_int_eq(device, count - 1);
  CUDA_CK(cudaSetDevice(0));
  RMM_CK(rmm_get_current_device(&device));
  ck_assert_int_eq(device, 0);

  size_t free_bytes = 0, total_bytes = 0, runtime_free, runtime_total;
  RMM_CK(rmm_available_device_memory(&free_bytes, &total_bytes));
  CUDA_CK(cudaMemGetInfo(&runtime_free, &runtime_total));
  ck_assert_uint_eq(total_bytes, runtime_total);
  ck_assert_uint_gt(free_bytes, 0);
  ck_assert_uint_le(free_bytes, total_bytes);
  RMM_CK(rmm_available_device_memory(NULL, &total_bytes));
  RMM_CK(rmm_available_device_memory(&free_bytes, NULL));
}
END_TEST

START_TEST(percent_of_free_memory_is_aligned_and_bounded)
{
  size_t total_bytes, none = 1, half = 0, all = 0;
  RMM_CK(rmm_available_device_memory(NULL, &total_bytes));
  RMM_CK(rmm_percent_of_free_device_memory(0, &none));
  ck_assert_uint_eq(none, 0);
  RMM_CK(rmm_percent_of_free_device_memory(50, &half));
  RMM_CK(rmm_percent_of_free_device_memory(100, &all));
  ck_assert_uint_eq(half % 256, 0);
  ck_assert_uint_eq(all % 256, 0);
  ck_assert_uint_gt(half, 0);
  ck_assert_uint_le(all, total_bytes);
  ck_assert_uint_le(half, total_bytes / 2);
  /* Fractions are allowed: a quarter percent of an 80 GiB card is 200 MiB, not 0. */
  size_t sliver = 0;
  RMM_CK(rmm_percent_of_free_device_memory(0.25, &sliver));
  ck_assert_uint_le(sliver, half);
}
END_TEST

/* ---- prefetch ---- */

static int last_prefetch_location(const void *ptr, size_t bytes)
{
  int location = -2;
  CUDA_CK(cudaMemRangeGetAttribute(&location, sizeof location, cudaMemRangeAttributeLastPrefetchLocation, ptr, bytes));
  return location;
}

/* Host to device, device to device and back, on a stream of the pool. */
START_TEST(memory_copy_round_trips_through_the_device)
{
  rmm_stream_pool_t *pool;
  RMM_CK(rmm_stream_pool_create(1, &pool));
  rmm_stream_t stream;
  RMM_CK(rmm_stream_pool_get(pool, &stream));
  char src[64] = "from the host, twice through the device", dst[64] = {0};
  void *a = NULL, *b = NULL;
  CUDA_CK(cudaMalloc(&a, sizeof src));
  CUDA_CK(cudaMalloc(&b, sizeof src));
  RMM_CK(rmm_memory_copy(a, src, sizeof src, stream));
  RMM_CK(rmm_memory_copy(b, a, sizeof src, stream));
  RMM_CK(rmm_memory_copy(dst, b, sizeof src, stream));
  RMM_CK(rmm_stream_synchronize(stream));
  ck_assert_str_eq(dst, src);
  CUDA_CK(cudaFree(a));
  CUDA_CK(cudaFree(b));
  rmm_stream_pool_destroy(pool);
}
END_TEST

START_TEST(prefetch_moves_managed_memory)
{
  enum { BYTES = 4 << 20 };
  int concurrent = 0;
  CUDA_CK(cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess, 0));
  rmm_resource_t *managed;
  RMM_CK(rmm_managed_create(&managed));
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreate(&stream));
  void *ptr;
  RMM_CK(rmm_allocate(managed, &ptr, BYTES, stream));
  ck_assert_int_eq(last_prefetch_location(ptr, BYTES), cudaInvalidDeviceId);

  RMM_CK(rmm_prefetch(ptr, BYTES, 0, stream));
  CUDA_CK(cudaStreamSynchronize(stream));
  if (concurrent) {
    ck_assert_int_eq(last_prefetch_location(ptr, BYTES), 0);
    RMM_CK(rmm_prefetch(ptr, BYTES, RMM_CPU_DEVICE, stream));
    CUDA_CK(cudaStreamSynchronize(stream));
    ck_assert_int_eq(last_prefetch_location(ptr, BYTES), cudaCpuDeviceId);
  } else {
    /* Without concurrent managed access prefetching is skipped, as RMM does. */
    ck_assert_int_eq(last_prefetch_location(ptr, BYTES), cudaInvalidDeviceId);
  }
  RMM_CK(rmm_deallocate(managed, ptr, BYTES, stream));
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(managed);
}
END_TEST

START_TEST(prefetch_of_memory_that_cannot_migrate_is_a_no_op)
{
  rmm_resource_t *cuda;
  RMM_CK(rmm_cuda_create(&cuda));
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(sizeof(int), 1000, RMM_STREAM_DEFAULT, cuda, &vec));
  RMM_CK(rmm_prefetch(rmm_device_uvector_data(vec), 1000 * sizeof(int), 0, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_prefetch(rmm_device_uvector_data(vec), 500 * sizeof(int), 0, RMM_STREAM_DEFAULT));
  ck_assert_int_eq(cudaGetLastError(), cudaSuccess);
  int count;
  RMM_CK(rmm_get_num_devices(&count));
  RMM_CK_STATUS(rmm_prefetch(rmm_device_uvector_data(vec), 4, count, RMM_STREAM_DEFAULT), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_device_uvector_destroy(vec));
  rmm_resource_release(cuda);
}
END_TEST

START_TEST(prefetch_of_a_scalar_and_half_a_vector)
{
  rmm_resource_t *managed;
  RMM_CK(rmm_managed_create(&managed));
  rmm_device_uvector_t *vec;
  rmm_device_scalar_t *scalar;
  double value = 2.5, read = 0;
  RMM_CK(rmm_device_uvector_create(sizeof(double), 1 << 20, RMM_STREAM_DEFAULT, managed, &vec));
  RMM_CK(rmm_device_scalar_create(sizeof value, &value, RMM_STREAM_DEFAULT, managed, &scalar));
  RMM_CK(rmm_prefetch(rmm_device_uvector_data(vec), (1 << 19) * sizeof(double), 0, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_prefetch(rmm_device_scalar_data(scalar), sizeof value, 0, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_device_scalar_value(scalar, &read, RMM_STREAM_DEFAULT));
  ck_assert(read == 2.5);
  RMM_CK(rmm_device_scalar_destroy(scalar));
  RMM_CK(rmm_device_uvector_destroy(vec));
  rmm_resource_release(managed);
}
END_TEST

static Suite *stream_suite(void)
{
  Suite *suite = suite_create("stream (GPU)");
  TCase *pool = tcase_create("stream_pool");
  tcase_add_test(pool, pool_hands_out_streams_round_robin);
  tcase_add_test(pool, pool_streams_are_non_blocking_and_not_default);
  tcase_add_test(pool, pool_streams_take_the_flags_given);
  tcase_add_test(pool, pool_streams_carry_work);
  tcase_add_test(pool, pool_get_is_thread_safe);
  tcase_add_test(pool, pool_of_one_stream);
  suite_add_tcase(suite, pool);
  TCase *device = tcase_create("device");
  tcase_set_timeout(device, 60);
  tcase_add_test(device, device_queries_match_the_runtime);
  tcase_add_test(device, percent_of_free_memory_is_aligned_and_bounded);
  tcase_add_test(device, prefetch_moves_managed_memory);
  tcase_add_test(device, memory_copy_round_trips_through_the_device);
  tcase_add_test(device, prefetch_of_memory_that_cannot_migrate_is_a_no_op);
  tcase_add_test(device, prefetch_of_a_scalar_and_half_a_vector);
  suite_add_tcase(suite, device);
  return suite;
}

int main(void)
{
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error == cudaErrorNoDevice || error == cudaErrorInsufficientDriver || (error == cudaSuccess && count == 0)) {
    printf("skipped: no usable GPU (%s)\n", error == cudaSuccess ? "no device" : cudaGetErrorString(error));
    return 77;
  }
  SRunner *runner = srunner_create(stream_suite());
  srunner_set_fork_status(runner, CK_NOFORK);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
