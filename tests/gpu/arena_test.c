/* The arena sub-allocator on the device: real streams, memory written and read back. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "common/test.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

#define CUDA_CK(call)                                                                                                  \
  do {                                                                                                                 \
    cudaError_t cuda_ck_error_ = (call);                                                                               \
    ck_assert_msg(cuda_ck_error_ == cudaSuccess, "%s: %s", #call, cudaGetErrorString(cuda_ck_error_));                \
  } while (0)

static rmm_resource_t *new_arena(size_t size)
{
  rmm_resource_t *cuda = NULL, *arena = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_arena_create(cuda, size, false, &arena));
  rmm_resource_release(cuda);
  return arena;
}

static cudaStream_t new_stream(void)
{
  cudaStream_t stream;
  CUDA_CK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  return stream;
}

static void *alloc_on(rmm_resource_t *mr, size_t bytes, cudaStream_t stream)
{
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, bytes, (rmm_stream_t)stream));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  return ptr;
}

/* Reads the block back on `stream` and checks every byte. */
static void check_device(const void *ptr, size_t bytes, unsigned char value, cudaStream_t stream)
{
  unsigned char *host = malloc(bytes);
  ck_assert_ptr_nonnull(host);
  CUDA_CK(cudaMemcpyAsync(host, ptr, bytes, cudaMemcpyDeviceToHost, stream));
  CUDA_CK(cudaStreamSynchronize(stream));
  for (size_t i = 0; i < bytes; i++)
    if (host[i] != value)
      ck_abort_msg("byte %zu of %p is %u, not %u", i, ptr, host[i], value);
  free(host);
}

static size_t free_device_memory(void)
{
  size_t free_bytes = 0, total = 0;
  CUDA_CK(cudaMemGetInfo(&free_bytes, &total));
  return free_bytes;
}

START_TEST(test_default_size_small_medium_large)
{
  size_t before = free_device_memory();
  rmm_resource_t *cuda = NULL, *arena = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK(rmm_arena_create(cuda, 0, false, &arena));
  rmm_resource_release(cuda);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(arena, &stats));
  /* Half of what was free, give or take what other processes did meanwhile. */
  ck_assert_uint_le(stats.bytes_reserved, before / 2 + 64 * MiB);
  ck_assert_uint_ge(stats.bytes_reserved, before / 2 - 64 * MiB);
  size_t third = free_device_memory() / 3;
  void *small = alloc_on(arena, 256, 0);
  void *medium = alloc_on(arena, 64 * MiB, 0);
  void *large = alloc_on(arena, third, 0);
  CUDA_CK(cudaMemsetAsync(large, 0x3c, 4 * MiB, 0));
  check_device(large, 4 * MiB, 0x3c, 0);
  RMM_CK(rmm_deallocate(arena, small, 256, 0));
  RMM_CK(rmm_deallocate(arena, medium, 64 * MiB, 0));
  RMM_CK(rmm_deallocate(arena, large, third, 0));
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_ninety_percent_and_too_small)
{
  rmm_resource_t *cuda = NULL, *arena = NULL;
  RMM_CK(rmm_cuda_create(&cuda));
  RMM_CK_STATUS(rmm_arena_create(cuda, 256, false, &arena), RMM_ERROR_INVALID_ARGUMENT);
  size_t ninety = free_device_memory() / 10 * 9;
  RMM_CK(rmm_arena_create(cuda, ninety, false, &arena));
  void *ptr = alloc_on(arena, MiB, 0);
  RMM_CK(rmm_deallocate(arena, ptr, MiB, 0));
  rmm_resource_release(arena);
  rmm_resource_release(cuda);
}
END_TEST

START_TEST(test_streams_write_and_verify)
{
  enum { STREAMS = 4, BLOCKS = 16 };
  rmm_resource_t *arena = new_arena(256 * MiB);
  cudaStream_t streams[STREAMS];
  void *blocks[STREAMS][BLOCKS];
  size_t sizes[BLOCKS];
  for (int s = 0; s < STREAMS; s++)
    streams[s] = new_stream();
  for (int b = 0; b < BLOCKS; b++)
    sizes[b] = b % 4 == 3 ? 3 * MiB + (size_t)b * 1000 : 4 * KiB * (size_t)(b + 1) + 17;
  for (int round = 0; round < 3; round++) {
    for (int s = 0; s < STREAMS; s++)
      for (int b = 0; b < BLOCKS; b++) {
        blocks[s][b] = alloc_on(arena, sizes[b], streams[s]);
        CUDA_CK(cudaMemsetAsync(blocks[s][b], s * BLOCKS + b + round, sizes[b], streams[s]));
      }
    for (int s = 0; s < STREAMS; s++)
      for (int b = 0; b < BLOCKS; b++) {
        check_device(blocks[s][b], sizes[b], (unsigned char)(s * BLOCKS + b + round), streams[s]);
        RMM_CK(rmm_deallocate(arena, blocks[s][b], sizes[b], streams[s]));
      }
  }
  for (int s = 0; s < STREAMS; s++)
    CUDA_CK(cudaStreamDestroy(streams[s]));
  rmm_resource_release(arena);
}
END_TEST

/*
 * Memory freed on stream A with work still queued reaches stream B only through
 * defragmentation, which synchronises the device: B never sees A's late writes.
 */
START_TEST(test_reuse_across_streams_is_ordered)
{
  rmm_resource_t *arena = new_arena(2 * MiB);
  cudaStream_t a = new_stream(), b = new_stream();
  void *on_a = alloc_on(arena, MiB, a);
  for (int i = 0; i < 200; i++)
    CUDA_CK(cudaMemsetAsync(on_a, 0xaa, MiB, a));
  RMM_CK(rmm_deallocate(arena, on_a, MiB, a));
  void *first = alloc_on(arena, MiB, b);
  void *second = alloc_on(arena, MiB, b);
  ck_assert_ptr_eq(second, on_a);
  CUDA_CK(cudaMemsetAsync(second, 0x55, MiB, b));
  check_device(second, MiB, 0x55, b);
  RMM_CK(rmm_deallocate(arena, first, MiB, b));
  RMM_CK(rmm_deallocate(arena, second, MiB, b));
  CUDA_CK(cudaStreamDestroy(a));
  CUDA_CK(cudaStreamDestroy(b));
  rmm_resource_release(arena);
}
END_TEST

/* Freed on B after B waited for A's work: the block goes home to A and is reused there. */
START_TEST(test_free_on_other_stream)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  cudaStream_t a = new_stream(), b = new_stream();
  cudaEvent_t done;
  CUDA_CK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
  void *ptr = alloc_on(arena, 256 * KiB, a);
  for (int i = 0; i < 50; i++)
    CUDA_CK(cudaMemsetAsync(ptr, 0x11, 256 * KiB, a));
  CUDA_CK(cudaEventRecord(done, a));
  CUDA_CK(cudaStreamWaitEvent(b, done, 0));
  RMM_CK(rmm_deallocate(arena, ptr, 256 * KiB, b));
  void *again = alloc_on(arena, 256 * KiB, a);
  ck_assert_ptr_eq(again, ptr);
  CUDA_CK(cudaMemsetAsync(again, 0x22, 256 * KiB, a));
  check_device(again, 256 * KiB, 0x22, a);
  RMM_CK(rmm_deallocate(arena, again, 256 * KiB, a));
  CUDA_CK(cudaEventDestroy(done));
  CUDA_CK(cudaStreamDestroy(a));
  CUDA_CK(cudaStreamDestroy(b));
  rmm_resource_release(arena);
}
END_TEST

typedef struct thread_job {
  rmm_resource_t *arena;
  int id;
  size_t rounds;
  int failures;
  bool own_stream;
} thread_job_t;

/* Allocates, writes and verifies on the per-thread default stream or a stream of its own. */
static void *thread_worker(void *arg)
{
  thread_job_t *job = arg;
  cudaStream_t stream = cudaStreamPerThread;
  if (job->own_stream && cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess) {
    job->failures++;
    return NULL;
  }
  uint64_t seed = (uint64_t)job->id;
  unsigned char *host = malloc(64 * KiB);
  for (size_t r = 0; r < job->rounds; r++) {
    size_t bytes = 1 + rmm_test_random(&seed) % (64 * KiB);
    unsigned char value = (unsigned char)(job->id * 16 + r);
    void *ptr = NULL;
    if (rmm_allocate(job->arena, &ptr, bytes, (rmm_stream_t)stream) != RMM_SUCCESS) {
      job->failures++;
      continue;
    }
    bool ok = cudaMemsetAsync(ptr, value, bytes, stream) == cudaSuccess &&
              cudaMemcpyAsync(host, ptr, bytes, cudaMemcpyDeviceToHost, stream) == cudaSuccess &&
              cudaStreamSynchronize(stream) == cudaSuccess;
    for (size_t i = 0; ok && i < bytes; i++)
      ok = host[i] == value;
    if (!ok || rmm_deallocate(job->arena, ptr, bytes, (rmm_stream_t)stream) != RMM_SUCCESS)
      job->failures++;
  }
  free(host);
  if (job->own_stream && cudaStreamDestroy(stream) != cudaSuccess)
    job->failures++;
  return NULL;
}

static void run_threads(rmm_resource_t *arena, int count, size_t rounds, bool own_stream)
{
  pthread_t threads[16];
  thread_job_t jobs[16];
  for (int t = 0; t < count; t++) {
    jobs[t] = (thread_job_t){.arena = arena, .id = t + 1, .rounds = rounds, .own_stream = own_stream};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, thread_worker, &jobs[t]), 0);
  }
  for (int t = 0; t < count; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
}

START_TEST(test_per_thread_streams)
{
  rmm_resource_t *arena = new_arena(64 * MiB);
  run_threads(arena, 8, rmm_test_scaled(200), false);
  /* Threads that come later adopt the arenas of those that exited. */
  run_threads(arena, 4, rmm_test_scaled(50), false);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(arena, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, 64 * MiB);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_threads_with_own_streams_stress)
{
  /* More threads than superblocks: defragmentation runs while others allocate. */
  rmm_resource_t *arena = new_arena(6 * MiB);
  run_threads(arena, 8, rmm_test_scaled(200), true);
  rmm_resource_release(arena);
}
END_TEST

/* B21 on the device: one per-thread allocation, three threads on their own streams, then defragmentation. */
START_TEST(test_b21_per_thread_allocation_survives_defragmentation)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  void *mine = alloc_on(arena, 256, cudaStreamPerThread);
  CUDA_CK(cudaMemsetAsync(mine, 0x77, 256, cudaStreamPerThread));
  run_threads(arena, 3, 1, true);
  void *large = alloc_on(arena, 2 * MiB, 0);
  check_device(mine, 256, 0x77, cudaStreamPerThread);
  RMM_CK(rmm_deallocate(arena, mine, 256, RMM_STREAM_PER_THREAD));
  RMM_CK(rmm_deallocate(arena, large, 2 * MiB, 0));
  void *all = alloc_on(arena, 4 * MiB, 0);
  RMM_CK(rmm_deallocate(arena, all, 4 * MiB, 0));
  rmm_resource_release(arena);
}
END_TEST

/* B22 on the device: allocated and written on the producer's stream, freed on the consumer's. */
typedef struct handoff {
  rmm_resource_t *arena;
  cudaStream_t producer_stream, consumer_stream;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  void *ptr;
  size_t bytes;
  cudaEvent_t written;
  bool full, done;
  size_t rounds;
  int failures;
} handoff_t;

static void *producer(void *arg)
{
  handoff_t *h = arg;
  uint64_t seed = 22;
  for (size_t r = 0; r < h->rounds; r++) {
    size_t bytes = 4 * KiB + rmm_test_random(&seed) % (256 * KiB);
    void *ptr = NULL;
    if (rmm_allocate(h->arena, &ptr, bytes, (rmm_stream_t)h->producer_stream) != RMM_SUCCESS ||
        cudaMemsetAsync(ptr, 1, bytes, h->producer_stream) != cudaSuccess) {
      h->failures++;
      break;
    }
    pthread_mutex_lock(&h->lock);
    while (h->full)
      pthread_cond_wait(&h->changed, &h->lock);
    cudaEventRecord(h->written, h->producer_stream);
    h->ptr = ptr;
    h->bytes = bytes;
    h->full = true;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
  }
  pthread_mutex_lock(&h->lock);
  h->done = true;
  pthread_cond_broadcast(&h->changed);
  pthread_mutex_unlock(&h->lock);
  return NULL;
}

static void *consumer(void *arg)
{
  handoff_t *h = arg;
  for (;;) {
    pthread_mutex_lock(&h->lock);
    while (!h->full && !h->done)
      pthread_cond_wait(&h->changed, &h->lock);
    if (!h->full) {
      pthread_mutex_unlock(&h->lock);
      return NULL;
    }
    cudaStreamWaitEvent(h->consumer_stream, h->written, 0);
    void *ptr = h->ptr;
    size_t bytes = h->bytes;
    h->full = false;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    if (rmm_deallocate(h->arena, ptr, bytes, (rmm_stream_t)h->consumer_stream) != RMM_SUCCESS)
      h->failures++;
  }
}

START_TEST(test_b22_producer_consumer)
{
  handoff_t h = {.arena = new_arena(3 * MiB), .rounds = rmm_test_scaled(2000)};
  h.producer_stream = new_stream();
  h.consumer_stream = new_stream();
  CUDA_CK(cudaEventCreateWithFlags(&h.written, cudaEventDisableTiming));
  pthread_mutex_init(&h.lock, NULL);
  pthread_cond_init(&h.changed, NULL);
  pthread_t threads[2];
  pthread_create(&threads[0], NULL, producer, &h);
  pthread_create(&threads[1], NULL, consumer, &h);
  pthread_join(threads[0], NULL);
  pthread_join(threads[1], NULL);
  ck_assert_int_eq(h.failures, 0);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(h.arena, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_le(stats.free_blocks, 3);
  CUDA_CK(cudaEventDestroy(h.written));
  CUDA_CK(cudaStreamDestroy(h.producer_stream));
  CUDA_CK(cudaStreamDestroy(h.consumer_stream));
  pthread_cond_destroy(&h.changed);
  pthread_mutex_destroy(&h.lock);
  rmm_resource_release(h.arena);
}
END_TEST

START_TEST(test_out_of_memory_and_foreign_pointers)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  cudaStream_t stream = new_stream();
  void *blocks[4];
  for (int i = 0; i < 4; i++)
    blocks[i] = alloc_on(arena, MiB, stream);
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 4 * KiB, (rmm_stream_t)stream), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("arena: out of memory");
  RMM_CK(rmm_deallocate(arena, blocks[1], MiB, (rmm_stream_t)stream));
  blocks[1] = alloc_on(arena, 4 * KiB, stream);

  void *foreign = NULL;
  CUDA_CK(cudaMalloc(&foreign, MiB));
  RMM_CK_STATUS(rmm_deallocate(arena, foreign, MiB, (rmm_stream_t)stream), RMM_ERROR_INVALID_ARGUMENT);
  CUDA_CK(cudaFree(foreign));
  RMM_CK_STATUS(rmm_deallocate(arena, (char *)blocks[0] + 256, 256, (rmm_stream_t)stream),
                RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK(rmm_deallocate(arena, blocks[1], 4 * KiB, (rmm_stream_t)stream));
  for (int i = 0; i < 4; i++)
    if (i != 1)
      RMM_CK(rmm_deallocate(arena, blocks[i], MiB, (rmm_stream_t)stream));
  CUDA_CK(cudaStreamDestroy(stream));
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_over_managed)
{
  rmm_resource_t *managed = NULL, *arena = NULL;
  RMM_CK(rmm_managed_create(&managed));
  RMM_CK(rmm_arena_create(managed, 16 * MiB, false, &arena));
  rmm_resource_release(managed);
  ck_assert_uint_eq(rmm_resource_properties(arena), RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  unsigned char *ptr = alloc_on(arena, 100 * KiB, 0);
  CUDA_CK(cudaMemsetAsync(ptr, 9, 100 * KiB, 0));
  CUDA_CK(cudaStreamSynchronize(0));
  for (size_t i = 0; i < 100 * KiB; i++)
    ck_assert_uint_eq(ptr[i], 9);
  RMM_CK(rmm_deallocate(arena, ptr, 100 * KiB, 0));
  rmm_resource_release(arena);
}
END_TEST

/* Trim over device memory: work queued on the streams finishes first, then the arena goes back to cudaFree. */
START_TEST(test_trim_gives_device_memory_back)
{
  size_t size = (size_t)512 << 20;
  size_t before = free_device_memory();
  rmm_resource_t *arena = new_arena(size);
  ck_assert_uint_le(free_device_memory() + size, before + ((size_t)64 << 20));
  cudaStream_t streams[3];
  for (int i = 0; i < 3; i++) {
    streams[i] = new_stream();
    void *small = alloc_on(arena, (size_t)256 << 10, streams[i]);
    CUDA_CK(cudaMemsetAsync(small, i, (size_t)256 << 10, streams[i]));
    RMM_CK(rmm_deallocate(arena, small, (size_t)256 << 10, (rmm_stream_t)streams[i]));
  }
  void *live = alloc_on(arena, 4096, streams[0]);
  size_t released = 99;
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, 0);
  RMM_CK(rmm_deallocate(arena, live, 4096, (rmm_stream_t)streams[0]));
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, size);
  ck_assert_uint_ge(free_device_memory() + ((size_t)64 << 20), before);
  /* It takes the memory again and works on every stream. */
  for (int i = 0; i < 3; i++) {
    void *ptr = alloc_on(arena, (size_t)1 << 20, streams[i]);
    CUDA_CK(cudaMemsetAsync(ptr, 0x40 + i, (size_t)1 << 20, streams[i]));
    check_device(ptr, (size_t)1 << 20, (unsigned char)(0x40 + i), streams[i]);
    RMM_CK(rmm_deallocate(arena, ptr, (size_t)1 << 20, (rmm_stream_t)streams[i]));
  }
  for (int i = 0; i < 3; i++)
    CUDA_CK(cudaStreamDestroy(streams[i]));
  rmm_resource_release(arena);
}
END_TEST

static Suite *arena_suite(void)
{
  Suite *suite = suite_create("arena (GPU)");
  TCase *device = tcase_create("device");
  tcase_set_timeout(device, 120);
  tcase_add_test(device, test_default_size_small_medium_large);
  tcase_add_test(device, test_ninety_percent_and_too_small);
  tcase_add_test(device, test_streams_write_and_verify);
  tcase_add_test(device, test_reuse_across_streams_is_ordered);
  tcase_add_test(device, test_free_on_other_stream);
  tcase_add_test(device, test_per_thread_streams);
  tcase_add_test(device, test_threads_with_own_streams_stress);
  tcase_add_test(device, test_b21_per_thread_allocation_survives_defragmentation);
  tcase_add_test(device, test_b22_producer_consumer);
  tcase_add_test(device, test_out_of_memory_and_foreign_pointers);
  tcase_add_test(device, test_over_managed);
  tcase_add_test(device, test_trim_gives_device_memory_back);
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
  if (error != cudaSuccess) {
    printf("cudaGetDeviceCount failed: %s\n", cudaGetErrorString(error));
    return EXIT_FAILURE;
  }
  SRunner *runner = srunner_create(arena_suite());
  srunner_set_fork_status(runner, CK_NOFORK);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
