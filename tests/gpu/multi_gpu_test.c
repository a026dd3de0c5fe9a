/*
 * Two GPUs: per-device pools used from one thread per device, containers freed on the
 * device they came from whatever device is current, the current resource following
 * cudaSetDevice, and pools that never hand one device's memory to another.
 * Skips (77) with a reason on a machine with fewer than two GPUs.
 */
#include <pthread.h>
#include <string.h>

#include "gpu/gpu_test.h"

#define DEVICES 2

/* Per device: a statistics adaptor over a pool over cuda, made with the device current. */
static rmm_resource_t *counted[DEVICES];
static rmm_resource_t *pools[DEVICES];

static int pointer_device(const void *ptr)
{
  struct cudaPointerAttributes attributes;
  CUDA_CK(cudaPointerGetAttributes(&attributes, ptr));
  ck_assert_int_eq(attributes.type, cudaMemoryTypeDevice);
  return attributes.device;
}

static int64_t current_bytes(rmm_resource_t *mr)
{
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(mr, &counts));
  return counts.current_bytes;
}

static void setup(void)
{
  for (int device = 0; device < DEVICES; device++) {
    CUDA_CK(cudaSetDevice(device));
    rmm_resource_t *cuda = NULL;
    RMM_CK(rmm_cuda_create(&cuda));
    RMM_CK(rmm_pool_create(cuda, 64u << 20, 0, &pools[device]));
    rmm_resource_release(cuda);
    RMM_CK(rmm_statistics_create(pools[device], &counted[device]));
    RMM_CK(rmm_set_per_device_resource(device, counted[device]));
  }
  CUDA_CK(cudaSetDevice(0));
}

static void teardown(void)
{
  for (int device = 0; device < DEVICES; device++) {
    CUDA_CK(cudaSetDevice(device));
    CUDA_CK(cudaDeviceSynchronize());
    RMM_CK(rmm_set_per_device_resource(device, NULL));
    rmm_resource_release(counted[device]);
    rmm_resource_release(pools[device]);
    counted[device] = pools[device] = NULL;
  }
  CUDA_CK(cudaSetDevice(0));
}

START_TEST(current_resource_follows_the_device)
{
  for (int device = 0; device < DEVICES; device++) {
    CUDA_CK(cudaSetDevice(device));
    ck_assert_ptr_eq(rmm_get_current_device_resource(), counted[device]);
    ck_assert_ptr_eq(rmm_get_per_device_resource(device), counted[device]);
  }
  CUDA_CK(cudaSetDevice(0));
}
END_TEST

/* One thread per device: allocate, fill, check and free through its current resource. */
typedef struct device_worker {
  int device;
  size_t rounds;
  int wrong_device; /* allocations found on another device */
  int bad_bytes;    /* probes that did not read back */
} device_worker_t;

static void *run_device_worker(void *arg)
{
  device_worker_t *worker = arg;
  if (cudaSetDevice(worker->device) != cudaSuccess)
    return NULL;
  cudaStream_t stream;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess)
    return NULL;
  uint64_t seed = (uint64_t)worker->device + 1;
  for (size_t round = 0; round < worker->rounds; round++) {
    size_t bytes = 256 + rmm_test_random(&seed) % (1u << 20);
    void *ptr = NULL;
    if (rmm_allocate(NULL, &ptr, bytes, (rmm_stream_t)stream) != RMM_SUCCESS) {
      worker->bad_bytes++;
      continue;
    }
    struct cudaPointerAttributes attributes;
    if (cudaPointerGetAttributes(&attributes, ptr) != cudaSuccess || attributes.device != worker->device)
      worker->wrong_device++;
    unsigned char value = (unsigned char)(round + 1), probe = 0;
    cudaMemsetAsync(ptr, value, bytes, stream);
    cudaMemcpyAsync(&probe, (char *)ptr + bytes - 1, 1, cudaMemcpyDeviceToHost, stream);
    cudaStreamSynchronize(stream);
    if (probe != value)
      worker->bad_bytes++;
    rmm_deallocate(NULL, ptr, bytes, (rmm_stream_t)stream);
  }
  cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  return NULL;
}

START_TEST(pools_used_concurrently_from_a_thread_per_device)
{
  pthread_t threads[DEVICES];
  device_worker_t workers[DEVICES];
  for (int device = 0; device < DEVICES; device++) {
    workers[device] = (device_worker_t){.device = device, .rounds = rmm_test_scaled(2000)};
    ck_assert_int_eq(pthread_create(&threads[device], NULL, run_device_worker, &workers[device]), 0);
  }
  for (int device = 0; device < DEVICES; device++) {
    ck_assert_int_eq(pthread_join(threads[device], NULL), 0);
    ck_assert_int_eq(workers[device].wrong_device, 0);
    ck_assert_int_eq(workers[device].bad_bytes, 0);
    ck_assert_int_eq(current_bytes(counted[device]), 0);
  }
}
END_TEST

START_TEST(device_buffer_freed_on_its_own_device)
{
  CUDA_CK(cudaSetDevice(0));
  rmm_device_buffer_t *buf = NULL;
  RMM_CK(rmm_device_buffer_create(1u << 20, RMM_STREAM_DEFAULT, NULL, &buf));
  ck_assert_int_eq(pointer_device(rmm_device_buffer_data(buf)), 0);
  ck_assert_int_eq(current_bytes(counted[0]), 1 << 20);

  CUDA_CK(cudaSetDevice(1));
  RMM_CK(rmm_device_buffer_destroy(buf));
  ck_assert_int_eq(current_bytes(counted[0]), 0);
  ck_assert_int_eq(current_bytes(counted[1]), 0);
  int device = -1;
  CUDA_CK(cudaGetDevice(&device));
  ck_assert_int_eq(device, 1);
  CUDA_CK(cudaSetDevice(0));
}
END_TEST

START_TEST(device_uvector_freed_on_its_own_device)
{
  CUDA_CK(cudaSetDevice(0));
  rmm_device_uvector_t *vec = NULL;
  RMM_CK(rmm_device_uvector_create(sizeof(double), 1000, RMM_STREAM_DEFAULT, NULL, &vec));
  ck_assert_int_eq(current_bytes(counted[0]), 1000 * sizeof(double));

  CUDA_CK(cudaSetDevice(1));
  RMM_CK(rmm_device_uvector_destroy(vec));
  ck_assert_int_eq(current_bytes(counted[0]), 0);
  ck_assert_int_eq(current_bytes(counted[1]), 0);
  CUDA_CK(cudaSetDevice(0));
}
END_TEST

/* Blocks freed into device 0's pool are never what device 1's pool hands out. */
START_TEST(pools_never_mix_devices)
{
  enum { COUNT = 64 };
  void *blocks[COUNT];
  CUDA_CK(cudaSetDevice(0));
  for (int i = 0; i < COUNT; i++)
    RMM_CK(rmm_allocate(pools[0], &blocks[i], 4096, RMM_STREAM_DEFAULT));
  for (int i = 0; i < COUNT; i++)
    RMM_CK(rmm_deallocate(pools[0], blocks[i], 4096, RMM_STREAM_DEFAULT));

  CUDA_CK(cudaSetDevice(1));
  for (int i = 0; i < COUNT; i++) {
    RMM_CK(rmm_allocate(pools[1], &blocks[i], 4096, RMM_STREAM_DEFAULT));
    ck_assert_int_eq(pointer_device(blocks[i]), 1);
  }
  for (int i = 0; i < COUNT; i++)
    RMM_CK(rmm_deallocate(pools[1], blocks[i], 4096, RMM_STREAM_DEFAULT));
  CUDA_CK(cudaSetDevice(0));
}
END_TEST

int main(void)
{
  int count = 0;
  if (cudaGetDeviceCount(&count) == cudaSuccess && count < DEVICES) {
    printf("SKIP: this test needs %d GPUs; %d found\n", DEVICES, count);
    return 77;
  }
  Suite *suite = suite_create("multi_gpu");
  TCase *tc = tcase_create("two devices");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, current_resource_follows_the_device);
  tcase_add_test(tc, pools_used_concurrently_from_a_thread_per_device);
  tcase_add_test(tc, device_buffer_freed_on_its_own_device);
  tcase_add_test(tc, device_uvector_freed_on_its_own_device);
  tcase_add_test(tc, pools_never_mix_devices);
  suite_add_tcase(suite, tc);
  return rmm_gpu_test_run(suite);
}
