/*
 * pool and fixed_size on the device: real streams, memory written and read back, and
 * the stream-ordering rules of rmm(7): a block freed on one stream and taken by another
 * is never written by the second before the first's work on it is done.
 *
 * The stream-ordering tests stall stream A with a sleeping host function, queue a
 * memset of 0xAA on A, free the block on A, and then get the same block on another
 * stream and memset 0xBB there. Unless the second stream waited for A, A's late memset
 * lands last and the block reads 0xAA.
 *
 * Memory that no stream has used yet is handed to any stream without a wait, so the
 * pools here hold exactly the blocks the test moves between streams: a stream with an
 * empty list must take another stream's.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common/suballoc_check.h"
#include "gpu/gpu_test.h"

#define BLOCK MiB

static rmm_resource_t *new_cuda_pool(size_t initial, size_t maximum)
{
  rmm_resource_t *cuda = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  return rmm_test_pool_over(cuda, initial, maximum);
}

/* Reads the block back after the whole device is idle and checks every byte. */
static void check_device(const void *ptr, size_t bytes, unsigned char value)
{
  CUDA_CK(cudaDeviceSynchronize());
  unsigned char *host = malloc(bytes);
  ck_assert_ptr_nonnull(host);
  CUDA_CK(cudaMemcpy(host, ptr, bytes, cudaMemcpyDefault));
  for (size_t i = 0; i < bytes; i++)
    if (host[i] != value)
      ck_abort_msg("byte %zu of %p is %#x, not %#x: a stream took the block too early", i, ptr, host[i], value);
  free(host);
}

static void sleep_a_while(void *arg)
{
  (void)arg;
  usleep(300000);
}

/* Queues, on `stream`: a stall, a memset of 0xAA over the block; then frees it there. */
static void late_write_and_free(rmm_resource_t *mr, void *ptr, size_t bytes, cudaStream_t stream)
{
  CUDA_CK(cudaLaunchHostFunc(stream, sleep_a_while, NULL));
  CUDA_CK(cudaMemsetAsync(ptr, 0xAA, bytes, stream));
  RMM_CK(rmm_deallocate(mr, ptr, bytes, (rmm_stream_t)stream));
}

/* Gets `expected` back on `other`, writes 0xBB there, and checks that 0xBB is what stays. */
static void take_and_check(rmm_resource_t *mr, void *expected, size_t bytes, cudaStream_t other)
{
  void *ptr = rmm_gpu_alloc_on(mr, bytes, other);
  ck_assert_ptr_eq(ptr, expected);
  CUDA_CK(cudaMemsetAsync(ptr, 0xBB, bytes, other));
  check_device(ptr, bytes, 0xBB);
  RMM_CK(rmm_deallocate(mr, ptr, bytes, (rmm_stream_t)other));
}

/* A block freed on A (whose work on it is late) and taken by B, whose list is empty. */
static void cross_stream(rmm_resource_t *mr, cudaStream_t a, cudaStream_t b)
{
  void *x = rmm_gpu_alloc_on(mr, BLOCK, a);
  late_write_and_free(mr, x, BLOCK, a);
  take_and_check(mr, x, BLOCK, b);
}

START_TEST(test_cross_stream_unknown)
{
  rmm_resource_t *pool = new_cuda_pool(BLOCK, BLOCK);
  cudaStream_t a = rmm_gpu_new_stream(), b = rmm_gpu_new_stream();
  cross_stream(pool, a, b);
  /* Same stream: reused at once, and still correct. */
  void *x = rmm_gpu_alloc_on(pool, BLOCK, a);
  RMM_CK(rmm_deallocate(pool, x, BLOCK, (rmm_stream_t)a));
  void *y = rmm_gpu_alloc_on(pool, BLOCK, a);
  ck_assert_ptr_eq(x, y);
  CUDA_CK(cudaMemsetAsync(y, 0x11, BLOCK, a));
  check_device(y, BLOCK, 0x11);
  RMM_CK(rmm_deallocate(pool, y, BLOCK, (rmm_stream_t)a));
  rmm_resource_release(pool);
  CUDA_CK(cudaStreamDestroy(a));
  CUDA_CK(cudaStreamDestroy(b));
}
END_TEST

START_TEST(test_cross_stream_registered)
{
  rmm_resource_t *pool = new_cuda_pool(BLOCK, BLOCK);
  cudaStream_t a = rmm_gpu_new_stream(), b = rmm_gpu_new_stream();
  RMM_CK(rmm_stream_register((rmm_stream_t)a));
  RMM_CK(rmm_stream_register((rmm_stream_t)b));
  cross_stream(pool, a, b);
  cross_stream(pool, b, a);
  /* Unregistering with blocks in flight: they go to any stream only after A's last work. */
  void *x = rmm_gpu_alloc_on(pool, BLOCK, a);
  late_write_and_free(pool, x, BLOCK, a);
  RMM_CK(rmm_stream_unregister((rmm_stream_t)a));
  CUDA_CK(cudaStreamDestroy(a));
  take_and_check(pool, x, BLOCK, b);
  RMM_CK(rmm_stream_unregister((rmm_stream_t)b));
  rmm_resource_release(pool);
  CUDA_CK(cudaStreamDestroy(b));
}
END_TEST

START_TEST(test_cross_stream_default)
{
  rmm_resource_t *pool = new_cuda_pool(BLOCK, BLOCK);
  cudaStream_t b = rmm_gpu_new_stream();
  cross_stream(pool, (cudaStream_t)0, b);
  cross_stream(pool, b, (cudaStream_t)0);
  rmm_resource_release(pool);
  CUDA_CK(cudaStreamDestroy(b));
}
END_TEST

START_TEST(test_stream_pool_streams)
{
  rmm_resource_t *pool = new_cuda_pool(BLOCK, BLOCK);
  rmm_stream_pool_t *streams = NULL;
  RMM_CK(rmm_stream_pool_create(2, &streams));
  rmm_stream_t a, b;
  RMM_CK(rmm_stream_pool_get_at(streams, 0, &a));
  RMM_CK(rmm_stream_pool_get_at(streams, 1, &b));
  cross_stream(pool, (cudaStream_t)a, (cudaStream_t)b);
  /* Destroying the stream pool unregisters its streams with blocks still listed. */
  void *x = rmm_gpu_alloc_on(pool, BLOCK, (cudaStream_t)a);
  late_write_and_free(pool, x, BLOCK, (cudaStream_t)a);
  rmm_stream_pool_destroy(streams);
  cudaStream_t c = rmm_gpu_new_stream();
  take_and_check(pool, x, BLOCK, c);
  rmm_resource_release(pool);
  CUDA_CK(cudaStreamDestroy(c));
}
END_TEST

/*
 * rmm#2489: B takes A's list for half of a block, and C then takes the other half from
 * B's list: C must wait for A's work too, through B.
 */
START_TEST(test_three_streams)
{
  for (int registered = 0; registered < 2; registered++) {
    rmm_resource_t *pool = new_cuda_pool(2 * BLOCK, 2 * BLOCK);
    cudaStream_t a = rmm_gpu_new_stream(), b = rmm_gpu_new_stream(), c = rmm_gpu_new_stream();
    if (registered)
      RMM_CK(rmm_stream_register((rmm_stream_t)b));
    void *x = rmm_gpu_alloc_on(pool, 2 * BLOCK, a);
    late_write_and_free(pool, x, 2 * BLOCK, a);
    void *half = rmm_gpu_alloc_on(pool, BLOCK, b);
    ck_assert_ptr_eq(half, x);
    CUDA_CK(cudaMemsetAsync(half, 0x11, BLOCK, b));
    take_and_check(pool, (char *)x + BLOCK, BLOCK, c);
    check_device(half, BLOCK, 0x11);
    RMM_CK(rmm_deallocate(pool, half, BLOCK, (rmm_stream_t)b));
    if (registered)
      RMM_CK(rmm_stream_unregister((rmm_stream_t)b));
    rmm_resource_release(pool);
    CUDA_CK(cudaStreamDestroy(a));
    CUDA_CK(cudaStreamDestroy(b));
    CUDA_CK(cudaStreamDestroy(c));
  }
}
END_TEST

/*
 * The same safety with many threads at once: each thread frees a block late on its own
 * stream A, all wait at a barrier (so every block sits on an A list and nothing else is
 * free), then each takes a block on its own stream B, whichever thread's it is, writes
 * 0xBB and checks that 0xBB stays.
 */
typedef struct crossing {
  rmm_resource_t *pool;
  pthread_barrier_t *barrier;
  bool registered;
  size_t failures;
} crossing_t;

static void *cross_on_own_streams(void *arg)
{
  crossing_t *c = arg;
  cudaStream_t a = NULL, b = NULL;
  c->failures += cudaStreamCreateWithFlags(&a, cudaStreamNonBlocking) != cudaSuccess;
  c->failures += cudaStreamCreateWithFlags(&b, cudaStreamNonBlocking) != cudaSuccess;
  if (c->registered) {
    c->failures += rmm_stream_register((rmm_stream_t)a) != RMM_SUCCESS;
    c->failures += rmm_stream_register((rmm_stream_t)b) != RMM_SUCCESS;
  }
  void *x = NULL, *y = NULL;
  c->failures += rmm_allocate(c->pool, &x, BLOCK, (rmm_stream_t)a) != RMM_SUCCESS;
  c->failures += cudaLaunchHostFunc(a, sleep_a_while, NULL) != cudaSuccess;
  c->failures += cudaMemsetAsync(x, 0xAA, BLOCK, a) != cudaSuccess;
  c->failures += rmm_deallocate(c->pool, x, BLOCK, (rmm_stream_t)a) != RMM_SUCCESS;
  pthread_barrier_wait(c->barrier);
  c->failures += rmm_allocate(c->pool, &y, BLOCK, (rmm_stream_t)b) != RMM_SUCCESS;
  c->failures += cudaMemsetAsync(y, 0xBB, BLOCK, b) != cudaSuccess;
  pthread_barrier_wait(c->barrier);
  /* Every stream's work is queued: once the device is idle, every block must read 0xBB. */
  c->failures += cudaDeviceSynchronize() != cudaSuccess;
  unsigned char *host = malloc(BLOCK);
  c->failures += host == NULL || cudaMemcpy(host, y, BLOCK, cudaMemcpyDefault) != cudaSuccess;
  for (size_t i = 0; host != NULL && i < BLOCK; i++)
    if (host[i] != 0xBB) {
      c->failures++;
      break;
    }
  free(host);
  c->failures += rmm_deallocate(c->pool, y, BLOCK, (rmm_stream_t)b) != RMM_SUCCESS;
  if (c->registered) {
    c->failures += rmm_stream_unregister((rmm_stream_t)a) != RMM_SUCCESS;
    c->failures += rmm_stream_unregister((rmm_stream_t)b) != RMM_SUCCESS;
  }
  c->failures += cudaStreamSynchronize(b) != cudaSuccess;
  c->failures += cudaStreamDestroy(a) != cudaSuccess || cudaStreamDestroy(b) != cudaSuccess;
  return NULL;
}

START_TEST(test_cross_stream_threads)
{
  static const unsigned counts[] = {4, 16};
  unsigned threads = counts[_i / 2];
  bool registered = _i % 2;
  rmm_resource_t *pool = new_cuda_pool(threads * BLOCK, threads * BLOCK);
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, threads);
  pthread_t ids[16];
  crossing_t crossings[16];
  for (unsigned i = 0; i < threads; i++) {
    crossings[i] = (crossing_t){pool, &barrier, registered, 0};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, cross_on_own_streams, &crossings[i]), 0);
  }
  for (unsigned i = 0; i < threads; i++) {
    pthread_join(ids[i], NULL);
    ck_assert_msg(crossings[i].failures == 0, "thread %u: %zu failures (a block read other than 0xBB?)", i,
                  crossings[i].failures);
  }
  pthread_barrier_destroy(&barrier);
  ck_assert_uint_eq(rmm_test_stats(pool).bytes_in_use, 0);
  rmm_resource_release(pool);
}
END_TEST

/* An unregistered stream destroyed with blocks in flight: a new stream, perhaps with its handle, waits. */
START_TEST(test_destroyed_stream)
{
  rmm_resource_t *pool = new_cuda_pool(BLOCK, BLOCK);
  for (int round = 0; round < 3; round++) {
    cudaStream_t a = rmm_gpu_new_stream();
    void *x = rmm_gpu_alloc_on(pool, BLOCK, a);
    late_write_and_free(pool, x, BLOCK, a);
    CUDA_CK(cudaStreamDestroy(a));
    cudaStream_t again = rmm_gpu_new_stream();
    take_and_check(pool, x, BLOCK, again);
    CUDA_CK(cudaStreamDestroy(again));
  }
  /* Many streams come and go; the default stream then gets all of it back, merged. */
  for (int i = 0; i < 16; i++) {
    cudaStream_t s = rmm_gpu_new_stream();
    void *x = rmm_gpu_alloc_on(pool, 64 * KiB, s);
    RMM_CK(rmm_deallocate(pool, x, 64 * KiB, (rmm_stream_t)s));
    CUDA_CK(cudaStreamDestroy(s));
  }
  void *y = rmm_gpu_alloc_on(pool, BLOCK, 0);
  RMM_CK(rmm_deallocate(pool, y, BLOCK, 0));
  rmm_resource_release(pool);
}
END_TEST

/* What a worker thread did: it asserts nothing (check asserts only in the test's own thread). */
typedef struct ptds_job {
  rmm_resource_t *pool;
  void *ptr;
  const char *failed; /* the step that failed, or NULL */
} ptds_job_t;

/* The per-thread default stream of a thread that exits: another thread's stream waits for it. */
static void *use_ptds(void *arg)
{
  ptds_job_t *job = arg;
  cudaStream_t s = cudaStreamPerThread;
  if (rmm_allocate(job->pool, &job->ptr, BLOCK, (rmm_stream_t)s) != RMM_SUCCESS || job->ptr == NULL)
    job->failed = "allocate";
  else if (cudaLaunchHostFunc(s, sleep_a_while, NULL) != cudaSuccess ||
           cudaMemsetAsync(job->ptr, 0xAA, BLOCK, s) != cudaSuccess)
    job->failed = "late write";
  else if (rmm_deallocate(job->pool, job->ptr, BLOCK, (rmm_stream_t)s) != RMM_SUCCESS)
    job->failed = "free";
  return NULL;
}

START_TEST(test_per_thread_stream)
{
  rmm_resource_t *pool = new_cuda_pool(BLOCK, BLOCK);
  ptds_job_t job = {.pool = pool};
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, use_ptds, &job), 0);
  pthread_join(thread, NULL);
  ck_assert_msg(job.failed == NULL, "the thread's %s failed: %s", job.failed, rmm_last_error_message());
  /* This thread's list is empty: it takes the exited thread's, after waiting for the device. */
  take_and_check(pool, job.ptr, BLOCK, cudaStreamPerThread);
  rmm_resource_release(pool);
}
END_TEST

/* Several threads on their own streams, blocks written on the device and checked. */
typedef struct stream_job {
  rmm_resource_t *pool;
  size_t failures; /* counted here, asserted by the test's own thread */
} stream_job_t;

static void *stream_worker(void *arg)
{
  stream_job_t *job = arg;
  cudaStream_t s;
  if (cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) != cudaSuccess) {
    job->failures++;
    return NULL;
  }
  uint64_t seed = (uintptr_t)s;
  for (size_t i = 0; i < rmm_test_scaled(200); i++) {
    size_t bytes = 256 + rmm_test_random(&seed) % (256 * KiB);
    unsigned char value = (unsigned char)(rmm_test_random(&seed) | 1);
    void *ptr = NULL;
    if (rmm_allocate(job->pool, &ptr, bytes, (rmm_stream_t)s) != RMM_SUCCESS ||
        (uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT != 0) {
      job->failures++;
      continue;
    }
    unsigned char probe = 0;
    if (cudaMemsetAsync(ptr, value, bytes, s) != cudaSuccess ||
        cudaMemcpyAsync(&probe, (char *)ptr + bytes - 1, 1, cudaMemcpyDeviceToHost, s) != cudaSuccess ||
        cudaStreamSynchronize(s) != cudaSuccess || probe != value)
      job->failures++;
    if (rmm_deallocate(job->pool, ptr, bytes, (rmm_stream_t)s) != RMM_SUCCESS)
      job->failures++;
  }
  if (cudaStreamSynchronize(s) != cudaSuccess || cudaStreamDestroy(s) != cudaSuccess)
    job->failures++;
  return NULL;
}

START_TEST(test_threads_and_streams)
{
  rmm_resource_t *pool = new_cuda_pool(0, 0);
  pthread_t ids[4];
  stream_job_t jobs[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (stream_job_t){.pool = pool};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, stream_worker, &jobs[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(ids[i], NULL);
    ck_assert_uint_eq(jobs[i].failures, 0);
  }
  ck_assert_uint_eq(rmm_test_stats(pool).bytes_in_use, 0);
  rmm_resource_release(pool);
}
END_TEST

START_TEST(test_over_cuda_async_and_managed)
{
  rmm_resource_t *async = NULL, *managed = NULL;
  RMM_CK(rmm_cuda_async_create(NULL, &async));
  rmm_resource_t *pool = rmm_test_pool_over(async, 0, 0);
  cudaStream_t a = rmm_gpu_new_stream(), b = rmm_gpu_new_stream();
  cross_stream(pool, a, b);
  rmm_resource_release(pool);
  RMM_CK(rmm_managed_create(&managed));
  pool = rmm_test_pool_over(managed, BLOCK, BLOCK);
  cross_stream(pool, a, b);
  void *x = rmm_gpu_alloc_on(pool, 64 * KiB, 0);
  memset(x, 0x5a, 64 * KiB); /* managed memory: the host may touch it */
  check_device(x, 64 * KiB, 0x5a);
  RMM_CK(rmm_deallocate(pool, x, 64 * KiB, 0));
  rmm_resource_release(pool);
  CUDA_CK(cudaStreamDestroy(a));
  CUDA_CK(cudaStreamDestroy(b));
}
END_TEST

START_TEST(test_fixed_size)
{
  rmm_resource_t *cuda = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  rmm_resource_t *mr = rmm_test_fixed_size_over(cuda, BLOCK, 1);
  cudaStream_t a = rmm_gpu_new_stream(), b = rmm_gpu_new_stream();
  /* B's list is empty: it takes A's, the freed block on top. */
  void *x = rmm_gpu_alloc_on(mr, BLOCK, a);
  late_write_and_free(mr, x, BLOCK, a);
  take_and_check(mr, x, BLOCK, b);
  void *ptrs[10];
  for (int i = 0; i < 10; i++) {
    ptrs[i] = rmm_gpu_alloc_on(mr, 1000, i % 2 ? a : b);
    CUDA_CK(cudaMemsetAsync(ptrs[i], i, BLOCK, i % 2 ? a : b));
  }
  for (int i = 0; i < 10; i++) {
    check_device(ptrs[i], BLOCK, (unsigned char)i);
    RMM_CK(rmm_deallocate(mr, ptrs[i], 1000, (rmm_stream_t)(i % 2 ? a : b)));
  }
  rmm_resource_release(mr);
  CUDA_CK(cudaStreamDestroy(a));
  CUDA_CK(cudaStreamDestroy(b));
}
END_TEST

static Suite *pool_suite(void)
{
  Suite *suite = suite_create("pool (GPU)");
  TCase *tc = tcase_create("streams");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_cross_stream_unknown);
  tcase_add_test(tc, test_cross_stream_registered);
  tcase_add_test(tc, test_cross_stream_default);
  tcase_add_test(tc, test_stream_pool_streams);
  tcase_add_test(tc, test_three_streams);
  tcase_add_loop_test(tc, test_cross_stream_threads, 0, 4);
  tcase_add_test(tc, test_destroyed_stream);
  tcase_add_test(tc, test_per_thread_stream);
  tcase_add_test(tc, test_threads_and_streams);
  tcase_add_test(tc, test_over_cuda_async_and_managed);
  tcase_add_test(tc, test_fixed_size);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_gpu_test_run(pool_suite()); }
