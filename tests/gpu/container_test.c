/*
 * device_buffer, device_uvector and device_scalar on a GPU, over cuda and managed
 * memory: contents survive capacity changes, copies are deep, elements round-trip,
 * streams are honoured, and containers go back to their own device to free.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "common/test.h"

#define CUDA_CK(call)                                                                                                  \
  do {                                                                                                                 \
    cudaError_t cuda_ck_error_ = (call);                                                                               \
    ck_assert_msg(cuda_ck_error_ == cudaSuccess, "%s: %s", #call, cudaGetErrorString(cuda_ck_error_));                \
  } while (0)

/* Loop tests run once per resource kind. */
enum { KIND_CUDA, KIND_MANAGED, KINDS };
static rmm_resource_t *resources[KINDS];
static rmm_resource_t *host;
static cudaStream_t stream_a, stream_b;

static void setup(void)
{
  CUDA_CK(cudaSetDevice(0));
  RMM_CK(rmm_cuda_create(&resources[KIND_CUDA]));
  RMM_CK(rmm_managed_create(&resources[KIND_MANAGED]));
  RMM_CK(rmm_host_create(&host));
  CUDA_CK(cudaStreamCreate(&stream_a));
  CUDA_CK(cudaStreamCreate(&stream_b));
}

static void teardown(void)
{
  CUDA_CK(cudaDeviceSynchronize());
  CUDA_CK(cudaStreamDestroy(stream_a));
  CUDA_CK(cudaStreamDestroy(stream_b));
  for (int k = 0; k < KINDS; k++) {
    rmm_resource_release(resources[k]);
    resources[k] = NULL;
  }
  rmm_resource_release(host);
  host = NULL;
}

static unsigned char pattern_byte(size_t i, unsigned seed) { return (unsigned char)(i * 131u + seed * 7u + 3u); }

/* Copies a pattern into device memory and waits. */
static void upload_pattern(void *device_ptr, size_t bytes, unsigned seed)
{
  unsigned char *staging = malloc(bytes);
  ck_assert_ptr_nonnull(staging);
  for (size_t i = 0; i < bytes; i++)
    staging[i] = pattern_byte(i, seed);
  CUDA_CK(cudaMemcpy(device_ptr, staging, bytes, cudaMemcpyDefault));
  free(staging);
}

/* Waits for all work, then compares device memory with the pattern. */
static void check_pattern(const void *device_ptr, size_t bytes, unsigned seed)
{
  CUDA_CK(cudaDeviceSynchronize());
  unsigned char *staging = malloc(bytes);
  ck_assert_ptr_nonnull(staging);
  CUDA_CK(cudaMemcpy(staging, device_ptr, bytes, cudaMemcpyDefault));
  for (size_t i = 0; i < bytes; i++)
    ck_assert_msg(staging[i] == pattern_byte(i, seed), "byte %zu of %zu is %u, expected %u", i, bytes, staging[i],
                  pattern_byte(i, seed));
  free(staging);
}

static void check_filled(const void *device_ptr, size_t bytes, unsigned char value)
{
  CUDA_CK(cudaDeviceSynchronize());
  unsigned char *staging = malloc(bytes);
  ck_assert_ptr_nonnull(staging);
  CUDA_CK(cudaMemcpy(staging, device_ptr, bytes, cudaMemcpyDefault));
  for (size_t i = 0; i < bytes; i++)
    ck_assert_msg(staging[i] == value, "byte %zu is %u, expected %u", i, staging[i], value);
  free(staging);
}

static rmm_device_buffer_t *patterned_buffer(rmm_resource_t *mr, size_t size, unsigned seed)
{
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(size, stream_a, mr, &buf));
  upload_pattern(rmm_device_buffer_data(buf), size, seed);
  return buf;
}

/* ---- device_buffer ---- */

START_TEST(buffer_contents_survive_capacity_changes)
{
  rmm_resource_t *mr = resources[_i];
  size_t n = 100000;
  rmm_device_buffer_t *buf = patterned_buffer(mr, n, 1);
  ck_assert_ptr_eq(rmm_device_buffer_resource(buf), mr);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), (rmm_stream_t)stream_a);
  ck_assert_uint_eq((uintptr_t)rmm_device_buffer_data(buf) % RMM_ALLOCATION_ALIGNMENT, 0);

  void *before = rmm_device_buffer_data(buf);
  RMM_CK(rmm_device_buffer_resize(buf, n - 1, stream_b));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), n);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), (rmm_stream_t)stream_b);

  RMM_CK(rmm_device_buffer_shrink_to_fit(buf, stream_b));
  ck_assert_ptr_ne(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), n - 1);
  check_pattern(rmm_device_buffer_data(buf), n - 1, 1);

  RMM_CK(rmm_device_buffer_reserve(buf, 4 * n, stream_a));
  ck_assert_uint_eq(rmm_device_buffer_size(buf), n - 1);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 4 * n);
  check_pattern(rmm_device_buffer_data(buf), n - 1, 1);

  RMM_CK(rmm_device_buffer_resize(buf, 5 * n, stream_a));
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 5 * n);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 5 * n);
  check_pattern(rmm_device_buffer_data(buf), n - 1, 1);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_create_from_host_and_device_memory)
{
  rmm_resource_t *mr = resources[_i];
  size_t n = 4097;
  unsigned char *source = malloc(n);
  for (size_t i = 0; i < n; i++)
    source[i] = pattern_byte(i, 2);
  rmm_device_buffer_t *from_host, *from_device;
  RMM_CK(rmm_device_buffer_create_from(source, n, stream_a, mr, &from_host));
  CUDA_CK(cudaStreamSynchronize(stream_a));
  free(source);
  ck_assert_uint_eq(rmm_device_buffer_size(from_host), n);
  ck_assert_uint_eq(rmm_device_buffer_capacity(from_host), n);
  check_pattern(rmm_device_buffer_data(from_host), n, 2);

  RMM_CK(rmm_device_buffer_create_from(rmm_device_buffer_data(from_host), n, stream_a, mr, &from_device));
  ck_assert_ptr_ne(rmm_device_buffer_data(from_device), rmm_device_buffer_data(from_host));
  check_pattern(rmm_device_buffer_data(from_device), n, 2);
  RMM_CK(rmm_device_buffer_destroy(from_device));
  RMM_CK(rmm_device_buffer_destroy(from_host));
}
END_TEST

START_TEST(buffer_copy_is_deep)
{
  rmm_resource_t *mr = resources[_i];
  rmm_device_buffer_t *buf = patterned_buffer(mr, 10000, 3);
  RMM_CK(rmm_device_buffer_resize(buf, 9000, stream_a));
  rmm_device_buffer_t *copy;
  RMM_CK(rmm_device_buffer_copy(buf, stream_b, mr, &copy));
  ck_assert_ptr_ne(rmm_device_buffer_data(copy), rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_size(copy), 9000);
  ck_assert_uint_eq(rmm_device_buffer_capacity(copy), 9000);
  ck_assert_ptr_eq(rmm_device_buffer_stream(copy), (rmm_stream_t)stream_b);
  check_pattern(rmm_device_buffer_data(copy), 9000, 3);

  CUDA_CK(cudaMemset(rmm_device_buffer_data(buf), 0, 9000));
  check_pattern(rmm_device_buffer_data(copy), 9000, 3);
  RMM_CK(rmm_device_buffer_destroy(copy));
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_copies_between_host_and_device_resources)
{
  rmm_resource_t *mr = resources[_i];
  rmm_device_buffer_t *on_host, *on_device, *back_on_host;
  RMM_CK(rmm_device_buffer_create(3000, stream_a, host, &on_host));
  for (size_t i = 0; i < 3000; i++)
    ((unsigned char *)rmm_device_buffer_data(on_host))[i] = pattern_byte(i, 4);

  RMM_CK(rmm_device_buffer_copy(on_host, stream_a, mr, &on_device));
  check_pattern(rmm_device_buffer_data(on_device), 3000, 4);

  /* Device to a host-only resource: a CUDA copy, since one side is device memory. */
  RMM_CK(rmm_device_buffer_copy(on_device, stream_a, host, &back_on_host));
  CUDA_CK(cudaStreamSynchronize(stream_a));
  for (size_t i = 0; i < 3000; i++)
    ck_assert_uint_eq(((unsigned char *)rmm_device_buffer_data(back_on_host))[i], pattern_byte(i, 4));

  RMM_CK(rmm_device_buffer_destroy(back_on_host));
  RMM_CK(rmm_device_buffer_destroy(on_device));
  RMM_CK(rmm_device_buffer_destroy(on_host));
}
END_TEST

START_TEST(buffer_release_and_free_by_hand)
{
  rmm_resource_t *mr = resources[_i];
  rmm_device_buffer_t *buf = patterned_buffer(mr, 2048, 5);
  void *ptr;
  size_t size, capacity;
  RMM_CK(rmm_device_buffer_release(buf, &ptr, &size, &capacity));
  ck_assert_uint_eq(size, 2048);
  ck_assert_uint_eq(capacity, 2048);
  ck_assert(rmm_device_buffer_is_empty(buf));
  RMM_CK(rmm_device_buffer_destroy(buf));
  check_pattern(ptr, 2048, 5);
  RMM_CK(rmm_deallocate(mr, ptr, capacity, stream_a));
}
END_TEST

/* Made on one stream, used on another once an event says the first is done with it. */
START_TEST(buffer_used_on_another_stream_after_an_event)
{
  rmm_resource_t *mr = resources[_i];
  size_t n = (size_t)8 << 20;
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(n, stream_a, mr, &buf));
  CUDA_CK(cudaMemsetAsync(rmm_device_buffer_data(buf), 0xab, n, stream_a));
  cudaEvent_t ready;
  CUDA_CK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
  CUDA_CK(cudaEventRecord(ready, stream_a));
  CUDA_CK(cudaStreamWaitEvent(stream_b, ready, 0));

  rmm_device_buffer_t *copy;
  RMM_CK(rmm_device_buffer_copy(buf, stream_b, mr, &copy));
  rmm_device_buffer_set_stream(buf, stream_b);
  RMM_CK(rmm_device_buffer_resize(buf, 2 * n, stream_b));
  unsigned char last;
  CUDA_CK(cudaMemcpyAsync(&last, (char *)rmm_device_buffer_data(copy) + n - 1, 1, cudaMemcpyDefault, stream_b));
  CUDA_CK(cudaStreamSynchronize(stream_b));
  ck_assert_uint_eq(last, 0xab);
  check_filled(rmm_device_buffer_data(copy), n, 0xab);
  check_filled(rmm_device_buffer_data(buf), n, 0xab);
  RMM_CK(rmm_device_buffer_destroy(copy));
  RMM_CK(rmm_device_buffer_destroy(buf));
  CUDA_CK(cudaEventDestroy(ready));
}
END_TEST

static int device_count(void)
{
  int count = 0;
  CUDA_CK(cudaGetDeviceCount(&count));
  return count;
}

static int current_device(void)
{
  int device = -1;
  CUDA_CK(cudaGetDevice(&device));
  return device;
}

static int device_of(const void *ptr)
{
  struct cudaPointerAttributes attributes;
  CUDA_CK(cudaPointerGetAttributes(&attributes, ptr));
  return attributes.device;
}

/*
 * Containers made on device 0 and destroyed (and grown) with another device current
 * (lesson B30). With one GPU "another" is device 0 made current again; with two the
 * memory must stay on device 0 and device 1 must stay current.
 */
START_TEST(containers_return_to_their_device)
{
  int other = device_count() > 1 ? 1 : 0;
  rmm_resource_t *mr;
  CUDA_CK(cudaSetDevice(0));
  RMM_CK(rmm_cuda_create(&mr));
  rmm_device_buffer_t *buf;
  rmm_device_uvector_t *vec;
  rmm_device_scalar_t *scalar;
  int32_t value = 77, read = 0;
  RMM_CK(rmm_device_buffer_create(1024, RMM_STREAM_DEFAULT, mr, &buf));
  RMM_CK(rmm_device_uvector_create(sizeof value, 16, RMM_STREAM_DEFAULT, mr, &vec));
  RMM_CK(rmm_device_scalar_create(sizeof value, &value, RMM_STREAM_DEFAULT, mr, &scalar));

  CUDA_CK(cudaSetDevice(other));
  RMM_CK(rmm_device_buffer_resize(buf, 1 << 20, RMM_STREAM_DEFAULT));
  ck_assert_int_eq(device_of(rmm_device_buffer_data(buf)), 0);
  ck_assert_int_eq(current_device(), other);
  RMM_CK(rmm_device_uvector_resize(vec, 64, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_device_uvector_shrink_to_fit(vec, RMM_STREAM_DEFAULT));
  ck_assert_int_eq(device_of(rmm_device_uvector_data(vec)), 0);
  RMM_CK(rmm_device_scalar_value(scalar, &read, RMM_STREAM_DEFAULT));
  ck_assert_int_eq(read, 77);
  ck_assert_int_eq(current_device(), other);

  RMM_CK(rmm_device_buffer_destroy(buf));
  RMM_CK(rmm_device_uvector_destroy(vec));
  RMM_CK(rmm_device_scalar_destroy(scalar));
  ck_assert_int_eq(current_device(), other);
  CUDA_CK(cudaSetDevice(0));
  rmm_resource_release(mr);
}
END_TEST

/* ---- device_uvector and device_scalar ---- */

static const size_t element_sizes[] = {1, 4, 8, 16};
enum { SIZES = sizeof element_sizes / sizeof element_sizes[0] };

static void element_value(size_t i, size_t size, unsigned char *out)
{
  for (size_t b = 0; b < size; b++)
    out[b] = (unsigned char)(i * 3 + b * 29 + 1);
}

/* Loop index -> (resource kind, element size). */
static rmm_resource_t *case_resource(int i) { return resources[i / SIZES]; }
static size_t case_element_size(int i) { return element_sizes[i % SIZES]; }

START_TEST(uvector_elements_round_trip)
{
  rmm_resource_t *mr = case_resource(_i);
  size_t element_size = case_element_size(_i), count = 100;
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(element_size, count, stream_a, mr, &vec));
  unsigned char value[16], read[16], expected[16];
  for (size_t i = 0; i < count; i++) {
    element_value(i, element_size, value);
    RMM_CK(rmm_device_uvector_set_element_async(vec, i, value, stream_a));
  }
  for (size_t i = 0; i < count; i++) {
    RMM_CK(rmm_device_uvector_element(vec, i, read, stream_a));
    element_value(i, element_size, expected);
    ck_assert_mem_eq(read, expected, element_size);
    void *ptr;
    RMM_CK(rmm_device_uvector_element_ptr(vec, i, &ptr));
    ck_assert_ptr_eq(ptr, (char *)rmm_device_uvector_data(vec) + i * element_size);
  }
  RMM_CK(rmm_device_uvector_front(vec, read, stream_a));
  element_value(0, element_size, expected);
  ck_assert_mem_eq(read, expected, element_size);
  RMM_CK(rmm_device_uvector_back(vec, read, stream_a));
  element_value(count - 1, element_size, expected);
  ck_assert_mem_eq(read, expected, element_size);

  static const unsigned char zero[16];
  RMM_CK(rmm_device_uvector_set_element_to_zero_async(vec, 50, stream_a));
  RMM_CK(rmm_device_uvector_element(vec, 50, read, stream_a));
  ck_assert_mem_eq(read, zero, element_size);
  RMM_CK(rmm_device_uvector_element(vec, 51, read, stream_a));
  element_value(51, element_size, expected);
  ck_assert_mem_eq(read, expected, element_size);

  /* Growing keeps the elements; reading on another stream after a sync sees them. */
  RMM_CK(rmm_device_uvector_reserve(vec, 1000, stream_a));
  RMM_CK(rmm_device_uvector_resize(vec, 2000, stream_a));
  CUDA_CK(cudaStreamSynchronize(stream_a));
  RMM_CK(rmm_device_uvector_element(vec, 99, read, stream_b));
  element_value(99, element_size, expected);
  ck_assert_mem_eq(read, expected, element_size);
  RMM_CK(rmm_device_uvector_resize(vec, 10, stream_a));
  RMM_CK(rmm_device_uvector_shrink_to_fit(vec, stream_a));
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 10);
  RMM_CK(rmm_device_uvector_element(vec, 9, read, stream_a));
  element_value(9, element_size, expected);
  ck_assert_mem_eq(read, expected, element_size);

  unsigned char bad[16];
  RMM_CK_STATUS(rmm_device_uvector_element(vec, 10, bad, stream_a), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("index 10 is out of range (size 10)");
  RMM_CK_STATUS(rmm_device_uvector_set_element_async(vec, 11, bad, stream_a), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_set_element_to_zero_async(vec, 10, stream_a), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_negative_zero_keeps_its_sign)
{
  rmm_resource_t *mr = resources[_i];
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(sizeof(float), 2, stream_a, mr, &vec));
  float minus_zero = -0.0f, read = 1.0f;
  RMM_CK(rmm_device_uvector_set_element_async(vec, 1, &minus_zero, stream_a));
  RMM_CK(rmm_device_uvector_element(vec, 1, &read, stream_a));
  ck_assert(read == 0.0f && signbit(read));
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_copy_and_release)
{
  rmm_resource_t *mr = resources[_i];
  rmm_device_uvector_t *vec, *copy;
  RMM_CK(rmm_device_uvector_create(sizeof(int64_t), 1000, stream_a, mr, &vec));
  upload_pattern(rmm_device_uvector_data(vec), 1000 * sizeof(int64_t), 6);
  RMM_CK(rmm_device_uvector_copy(vec, stream_b, mr, &copy));
  ck_assert_ptr_ne(rmm_device_uvector_data(copy), rmm_device_uvector_data(vec));
  ck_assert_uint_eq(rmm_device_uvector_size(copy), 1000);
  int64_t zero = 0;
  RMM_CK(rmm_device_uvector_set_element_async(vec, 0, &zero, stream_a));
  check_pattern(rmm_device_uvector_data(copy), 1000 * sizeof(int64_t), 6);

  void *data = rmm_device_uvector_data(copy);
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_uvector_release(copy, &buf));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), data);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 1000 * sizeof(int64_t));
  ck_assert(rmm_device_uvector_is_empty(copy));
  RMM_CK(rmm_device_uvector_destroy(copy));
  check_pattern(rmm_device_buffer_data(buf), 1000 * sizeof(int64_t), 6);
  RMM_CK(rmm_device_buffer_destroy(buf));
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(scalar_values_round_trip)
{
  rmm_resource_t *mr = case_resource(_i);
  size_t element_size = case_element_size(_i);
  unsigned char initial[16], value[16], read[16];
  static const unsigned char zero[16];
  element_value(5, element_size, initial);
  rmm_device_scalar_t *scalar;
  RMM_CK(rmm_device_scalar_create(element_size, initial, stream_a, mr, &scalar));
  ck_assert_ptr_nonnull(rmm_device_scalar_data(scalar));
  RMM_CK(rmm_device_scalar_value(scalar, read, stream_a));
  ck_assert_mem_eq(read, initial, element_size);

  element_value(9, element_size, value);
  RMM_CK(rmm_device_scalar_set_value_async(scalar, value, stream_a));
  RMM_CK(rmm_device_scalar_value(scalar, read, stream_a));
  ck_assert_mem_eq(read, value, element_size);
  RMM_CK(rmm_device_scalar_set_value_to_zero_async(scalar, stream_a));
  RMM_CK(rmm_device_scalar_value(scalar, read, stream_a));
  ck_assert_mem_eq(read, zero, element_size);

  rmm_device_scalar_set_stream(scalar, stream_b);
  ck_assert_ptr_eq(rmm_device_scalar_stream(scalar), (rmm_stream_t)stream_b);
  ck_assert_ptr_eq(rmm_device_scalar_resource(scalar), mr);
  RMM_CK(rmm_device_scalar_destroy(scalar));

  /* Uninitialised: the memory is there and can be set. */
  RMM_CK(rmm_device_scalar_create(element_size, NULL, stream_a, mr, &scalar));
  RMM_CK(rmm_device_scalar_set_value_async(scalar, value, stream_a));
  RMM_CK(rmm_device_scalar_value(scalar, read, stream_a));
  ck_assert_mem_eq(read, value, element_size);
  RMM_CK(rmm_device_scalar_destroy(scalar));
}
END_TEST

static Suite *container_suite(void)
{
  Suite *suite = suite_create("container (GPU)");
  TCase *buffer = tcase_create("device_buffer");
  tcase_add_checked_fixture(buffer, setup, teardown);
  tcase_set_timeout(buffer, 60);
  tcase_add_loop_test(buffer, buffer_contents_survive_capacity_changes, 0, KINDS);
  tcase_add_loop_test(buffer, buffer_create_from_host_and_device_memory, 0, KINDS);
  tcase_add_loop_test(buffer, buffer_copy_is_deep, 0, KINDS);
  tcase_add_loop_test(buffer, buffer_copies_between_host_and_device_resources, 0, KINDS);
  tcase_add_loop_test(buffer, buffer_release_and_free_by_hand, 0, KINDS);
  tcase_add_loop_test(buffer, buffer_used_on_another_stream_after_an_event, 0, KINDS);
  tcase_add_test(buffer, containers_return_to_their_device);
  suite_add_tcase(suite, buffer);

  TCase *elements = tcase_create("device_uvector and device_scalar");
  tcase_add_checked_fixture(elements, setup, teardown);
  tcase_set_timeout(elements, 60);
  tcase_add_loop_test(elements, uvector_elements_round_trip, 0, KINDS * SIZES);
  tcase_add_loop_test(elements, uvector_negative_zero_keeps_its_sign, 0, KINDS);
  tcase_add_loop_test(elements, uvector_copy_and_release, 0, KINDS);
  tcase_add_loop_test(elements, scalar_values_round_trip, 0, KINDS * SIZES);
  suite_add_tcase(suite, elements);
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
  SRunner *runner = srunner_create(container_suite());
  srunner_set_fork_status(runner, CK_NOFORK);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
