/*
 * The stream pool and the device helpers where a GPU may be missing: their argument
 * checks, and clean failures (or clean answers) without a device. The GPU suite
 * checks what they do with one.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "common/test.h"

static int device_count(void)
{
  int count = -1;
  RMM_CK(rmm_get_num_devices(&count));
  ck_assert_int_ge(count, 0);
  return count;
}

START_TEST(stream_pool_refuses_bad_arguments)
{
  rmm_stream_pool_t *pool = (rmm_stream_pool_t *)&pool;
  RMM_CK_STATUS(rmm_stream_pool_create(0, &pool), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(pool);
  RMM_CK_MESSAGE_HAS("at least 1");
  RMM_CK_STATUS(rmm_stream_pool_create(4, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_stream_pool_create(SIZE_MAX, &pool), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_stream_pool_create_with_flags(4, 0x4, &pool), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(pool);
  RMM_CK_MESSAGE_HAS("unknown stream flags 0x4");
  RMM_CK_STATUS(rmm_stream_pool_create_with_flags(0, RMM_STREAM_FLAGS_SYNC_DEFAULT, &pool),
                RMM_ERROR_INVALID_ARGUMENT);
  rmm_stream_t stream;
  RMM_CK_STATUS(rmm_stream_pool_get(NULL, &stream), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_stream_pool_get_at(NULL, 0, &stream), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(rmm_stream_pool_size(NULL), 0);
  rmm_stream_pool_destroy(NULL);
}
END_TEST

START_TEST(stream_pool_without_device_fails_cleanly)
{
  if (device_count() > 0)
    return;
  rmm_stream_pool_t *pool = (rmm_stream_pool_t *)&pool;
  RMM_CK_STATUS(rmm_stream_pool_create(4, &pool), RMM_ERROR_CUDA);
  ck_assert_ptr_null(pool);
  RMM_CK_MESSAGE_HAS("stream_pool: cannot create stream 1 of 4");
  ck_assert_int_ne(rmm_last_cuda_error(), 0);
  RMM_CK_STATUS(rmm_stream_pool_create_with_flags(2, RMM_STREAM_FLAGS_SYNC_DEFAULT, &pool), RMM_ERROR_CUDA);
  ck_assert_ptr_null(pool);
}
END_TEST

START_TEST(device_helpers_refuse_bad_arguments)
{
  size_t bytes = 1;
  RMM_CK_STATUS(rmm_get_current_device(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_get_num_devices(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_percent_of_free_device_memory(50, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_percent_of_free_device_memory(-1, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("-1% is not within 0..100");
  RMM_CK_STATUS(rmm_percent_of_free_device_memory(100.5, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_percent_of_free_device_memory(NAN, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(bytes, 1);
}
END_TEST

START_TEST(device_helpers_without_device_fail_cleanly)
{
  if (device_count() > 0)
    return;
  int device = -7;
  size_t free_bytes = 1, total_bytes = 1, bytes = 1;
  RMM_CK_STATUS(rmm_get_current_device(&device), RMM_ERROR_CUDA);
  ck_assert_str_ne(rmm_last_error_message(), "");
  RMM_CK_STATUS(rmm_available_device_memory(&free_bytes, &total_bytes), RMM_ERROR_CUDA);
  RMM_CK_MESSAGE_HAS("cudaMemGetInfo");
  RMM_CK_STATUS(rmm_percent_of_free_device_memory(50, &bytes), RMM_ERROR_CUDA);
  ck_assert_uint_eq(free_bytes, 1);
  ck_assert_uint_eq(bytes, 1);
}
END_TEST

START_TEST(device_helpers_with_device_answer)
{
  if (device_count() == 0)
    return;
  int device = -1;
  RMM_CK(rmm_get_current_device(&device));
  ck_assert_int_ge(device, 0);
  ck_assert_int_lt(device, device_count());
  size_t free_bytes = 0, total_bytes = 0, half = 0;
  RMM_CK(rmm_available_device_memory(&free_bytes, &total_bytes));
  ck_assert_uint_le(free_bytes, total_bytes);
  RMM_CK(rmm_percent_of_free_device_memory(50, &half));
  ck_assert_uint_eq(half % RMM_ALLOCATION_ALIGNMENT, 0);
}
END_TEST

START_TEST(prefetch_of_nothing_or_host_memory_succeeds)
{
  static char host_bytes[4096];
  RMM_CK(rmm_prefetch(NULL, 100, 0, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_prefetch(host_bytes, 0, 0, RMM_STREAM_DEFAULT));
  /* Static host memory cannot migrate: a no-op, with a device or without. */
  RMM_CK(rmm_prefetch(host_bytes, sizeof host_bytes, 0, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_prefetch(host_bytes, sizeof host_bytes, RMM_CPU_DEVICE, RMM_STREAM_DEFAULT));
  if (device_count() > 0) {
    RMM_CK_STATUS(rmm_prefetch(host_bytes, sizeof host_bytes, device_count(), RMM_STREAM_DEFAULT),
                  RMM_ERROR_INVALID_ARGUMENT);
    RMM_CK_MESSAGE_HAS("does not exist");
  }
}
END_TEST

START_TEST(set_device_and_synchronize_without_device_fail_cleanly)
{
  if (device_count() > 0)
    return;
  RMM_CK_STATUS(rmm_set_current_device(0), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("device 0 does not exist (0 devices)");
  RMM_CK_STATUS(rmm_stream_synchronize(RMM_STREAM_DEFAULT), RMM_ERROR_CUDA);
  RMM_CK_MESSAGE_HAS("rmm_stream_synchronize");
}
END_TEST

/* Host to host works with or without a device (a memmove without one). */
START_TEST(memory_copy_between_host_buffers)
{
  char src[32] = "librmm copies bytes", dst[32] = {0};
  RMM_CK(rmm_memory_copy(dst, src, sizeof src, RMM_STREAM_DEFAULT));
  if (device_count() > 0)
    RMM_CK(rmm_stream_synchronize(RMM_STREAM_DEFAULT));
  ck_assert_str_eq(dst, "librmm copies bytes");
  RMM_CK(rmm_memory_copy(NULL, NULL, 0, RMM_STREAM_DEFAULT));
  RMM_CK_STATUS(rmm_memory_copy(NULL, src, 1, RMM_STREAM_DEFAULT), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("the destination is NULL");
  RMM_CK_STATUS(rmm_memory_copy(dst, NULL, 1, RMM_STREAM_DEFAULT), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("the source is NULL");
}
END_TEST

START_TEST(set_device_refuses_devices_out_of_range)
{
  RMM_CK_STATUS(rmm_set_current_device(-1), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("device -1 does not exist");
  RMM_CK_STATUS(rmm_set_current_device(device_count()), RMM_ERROR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(set_device_with_device_makes_it_current)
{
  if (device_count() == 0)
    return;
  int device = -1;
  RMM_CK(rmm_set_current_device(device_count() - 1));
  RMM_CK(rmm_get_current_device(&device));
  ck_assert_int_eq(device, device_count() - 1);
  RMM_CK(rmm_set_current_device(0));
  RMM_CK(rmm_stream_synchronize(RMM_STREAM_DEFAULT));
  RMM_CK(rmm_stream_synchronize(RMM_STREAM_PER_THREAD));
}
END_TEST

static Suite *stream_suite(void)
{
  Suite *suite = suite_create("stream");
  TCase *pool = tcase_create("stream_pool");
  tcase_add_test(pool, stream_pool_refuses_bad_arguments);
  tcase_add_test(pool, stream_pool_without_device_fails_cleanly);
  suite_add_tcase(suite, pool);
  TCase *device = tcase_create("device");
  tcase_add_test(device, device_helpers_refuse_bad_arguments);
  tcase_add_test(device, device_helpers_without_device_fail_cleanly);
  tcase_add_test(device, device_helpers_with_device_answer);
  tcase_add_test(device, prefetch_of_nothing_or_host_memory_succeeds);
  tcase_add_test(device, set_device_and_synchronize_without_device_fail_cleanly);
  tcase_add_test(device, set_device_refuses_devices_out_of_range);
  tcase_add_test(device, memory_copy_between_host_buffers);
  tcase_add_test(device, set_device_with_device_makes_it_current);
  suite_add_tcase(suite, device);
  return suite;
}

int main(void) { return rmm_test_run(stream_suite()); }
