/*
 * device_buffer, device_uvector and device_scalar on the CPU: their whole logic over
 * the host resource (memcpy copies, fake streams), and the refusals over the
 * simulated resource, whose addresses have no memory behind them.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/test.h"

#define STREAM_A ((rmm_stream_t)0x1000)
#define STREAM_B ((rmm_stream_t)0x2000)

static rmm_resource_t *host;

static void setup_host(void) { RMM_CK(rmm_host_create(&host)); }

static void teardown_host(void)
{
  rmm_resource_release(host);
  host = NULL;
}

static size_t bytes_in_use(const rmm_resource_t *mr)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  return stats.bytes_in_use;
}

/* Byte i of a pattern that differs from one seed to another. */
static unsigned char pattern_byte(size_t i, unsigned seed) { return (unsigned char)(i * 31u + seed * 7u + 1u); }

static void fill_pattern(void *data, size_t bytes, unsigned seed)
{
  unsigned char *p = data;
  for (size_t i = 0; i < bytes; i++)
    p[i] = pattern_byte(i, seed);
}

static void check_pattern(const void *data, size_t bytes, unsigned seed)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < bytes; i++)
    ck_assert_msg(p[i] == pattern_byte(i, seed), "byte %zu is %u, expected %u", i, p[i], pattern_byte(i, seed));
}

/* A host-resource buffer of `size` bytes filled with pattern `seed`. */
static rmm_device_buffer_t *patterned_buffer(size_t size, unsigned seed)
{
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(size, STREAM_A, host, &buf));
  fill_pattern(rmm_device_buffer_data(buf), size, seed);
  return buf;
}

/* ---- device_buffer over the host resource ---- */

START_TEST(buffer_create_records_everything)
{
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(1000, STREAM_A, host, &buf));
  ck_assert_ptr_nonnull(rmm_device_buffer_data(buf));
  ck_assert_uint_eq((uintptr_t)rmm_device_buffer_data(buf) % RMM_ALLOCATION_ALIGNMENT, 0);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 1000);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 1000);
  ck_assert(!rmm_device_buffer_is_empty(buf));
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_A);
  ck_assert_ptr_eq(rmm_device_buffer_resource(buf), host);
  ck_assert_uint_eq(bytes_in_use(host), 1000);
  RMM_CK(rmm_device_buffer_destroy(buf));
  ck_assert_uint_eq(bytes_in_use(host), 0);
}
END_TEST

START_TEST(buffer_of_zero_bytes_is_empty)
{
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(0, STREAM_A, host, &buf));
  ck_assert_ptr_null(rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 0);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 0);
  ck_assert(rmm_device_buffer_is_empty(buf));
  /* An empty buffer can grow. */
  RMM_CK(rmm_device_buffer_resize(buf, 100, STREAM_A));
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 100);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_bad_arguments)
{
  rmm_device_buffer_t *buf = (rmm_device_buffer_t *)&buf;
  RMM_CK_STATUS(rmm_device_buffer_create(10, STREAM_A, host, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_create_from(NULL, 1, STREAM_A, host, &buf), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(buf);
  RMM_CK_MESSAGE_HAS("from NULL");
  ck_assert_uint_eq(bytes_in_use(host), 0);
  buf = (rmm_device_buffer_t *)&buf;
  RMM_CK_STATUS(rmm_device_buffer_copy(NULL, STREAM_A, host, &buf), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(buf);
  RMM_CK_STATUS(rmm_device_buffer_resize(NULL, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_reserve(NULL, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_shrink_to_fit(NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  void *ptr;
  size_t capacity;
  RMM_CK_STATUS(rmm_device_buffer_release(NULL, &ptr, NULL, &capacity), RMM_ERROR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(buffer_null_getters)
{
  ck_assert_ptr_null(rmm_device_buffer_data(NULL));
  ck_assert_uint_eq(rmm_device_buffer_size(NULL), 0);
  ck_assert_uint_eq(rmm_device_buffer_capacity(NULL), 0);
  ck_assert(rmm_device_buffer_is_empty(NULL));
  ck_assert_ptr_eq(rmm_device_buffer_stream(NULL), RMM_STREAM_DEFAULT);
  ck_assert_ptr_null(rmm_device_buffer_resource(NULL));
  rmm_device_buffer_set_stream(NULL, STREAM_A);
  RMM_CK(rmm_device_buffer_destroy(NULL));
}
END_TEST

START_TEST(buffer_create_from_host_memory)
{
  unsigned char source[777];
  fill_pattern(source, sizeof source, 3);
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create_from(source, sizeof source, STREAM_B, host, &buf));
  ck_assert_ptr_ne(rmm_device_buffer_data(buf), source);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), sizeof source);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), sizeof source);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_B);
  check_pattern(rmm_device_buffer_data(buf), sizeof source, 3);
  RMM_CK(rmm_device_buffer_destroy(buf));

  RMM_CK(rmm_device_buffer_create_from(NULL, 0, STREAM_B, host, &buf));
  ck_assert_ptr_null(rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 0);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_copy_is_deep_and_sized_to_the_source_size)
{
  rmm_device_buffer_t *buf = patterned_buffer(500, 5);
  RMM_CK(rmm_device_buffer_resize(buf, 300, STREAM_A));
  rmm_resource_t *other;
  RMM_CK(rmm_host_create(&other));

  rmm_device_buffer_t *copy;
  RMM_CK(rmm_device_buffer_copy(buf, STREAM_B, other, &copy));
  ck_assert_ptr_ne(rmm_device_buffer_data(copy), rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_size(copy), 300);
  ck_assert_uint_eq(rmm_device_buffer_capacity(copy), 300);
  ck_assert_ptr_eq(rmm_device_buffer_stream(copy), STREAM_B);
  ck_assert_ptr_eq(rmm_device_buffer_resource(copy), other);
  ck_assert_uint_eq(bytes_in_use(other), 300);
  check_pattern(rmm_device_buffer_data(copy), 300, 5);

  /* Writing to one leaves the other alone. */
  memset(rmm_device_buffer_data(copy), 0, 300);
  check_pattern(rmm_device_buffer_data(buf), 300, 5);

  /* Keeping the source's stream and resource is asking for them. */
  rmm_device_buffer_t *same;
  RMM_CK(rmm_device_buffer_copy(buf, rmm_device_buffer_stream(buf), rmm_device_buffer_resource(buf), &same));
  ck_assert_ptr_eq(rmm_device_buffer_stream(same), STREAM_A);
  ck_assert_ptr_eq(rmm_device_buffer_resource(same), host);
  check_pattern(rmm_device_buffer_data(same), 300, 5);

  RMM_CK(rmm_device_buffer_destroy(same));
  RMM_CK(rmm_device_buffer_destroy(copy));
  RMM_CK(rmm_device_buffer_destroy(buf));
  rmm_resource_release(other);
}
END_TEST

START_TEST(buffer_copy_of_empty_buffer)
{
  rmm_device_buffer_t *buf, *copy;
  RMM_CK(rmm_device_buffer_create(0, STREAM_A, host, &buf));
  RMM_CK(rmm_device_buffer_copy(buf, STREAM_A, host, &copy));
  ck_assert_ptr_null(rmm_device_buffer_data(copy));
  ck_assert(rmm_device_buffer_is_empty(copy));
  RMM_CK(rmm_device_buffer_destroy(copy));
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_null_resource_is_the_current_device_resource)
{
  RMM_CK(rmm_set_current_device_resource(host));
  rmm_device_buffer_t *buf, *copy;
  RMM_CK(rmm_device_buffer_create(64, STREAM_A, NULL, &buf));
  ck_assert_ptr_eq(rmm_device_buffer_resource(buf), host);
  RMM_CK(rmm_device_buffer_copy(buf, STREAM_A, NULL, &copy));
  ck_assert_ptr_eq(rmm_device_buffer_resource(copy), host);
  /* The buffer holds its own reference: restoring the default leaves it working. */
  RMM_CK(rmm_set_current_device_resource(NULL));
  RMM_CK(rmm_device_buffer_resize(buf, 128, STREAM_A));
  ck_assert_uint_eq(bytes_in_use(host), 128 + 64);
  RMM_CK(rmm_device_buffer_destroy(copy));
  RMM_CK(rmm_device_buffer_destroy(buf));
  ck_assert_uint_eq(bytes_in_use(host), 0);
}
END_TEST

START_TEST(buffer_resize_smaller_keeps_memory_until_shrink)
{
  rmm_device_buffer_t *buf = patterned_buffer(1000, 7);
  void *before = rmm_device_buffer_data(buf);
  RMM_CK(rmm_device_buffer_resize(buf, 999, STREAM_B));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 999);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 1000);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_B);

  RMM_CK(rmm_device_buffer_shrink_to_fit(buf, STREAM_A));
  ck_assert_ptr_ne(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 999);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 999);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_A);
  ck_assert_uint_eq(bytes_in_use(host), 999);
  check_pattern(rmm_device_buffer_data(buf), 999, 7);

  /* Already fitting: nothing moves. */
  void *fitted = rmm_device_buffer_data(buf);
  RMM_CK(rmm_device_buffer_shrink_to_fit(buf, STREAM_A));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), fitted);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_resize_bigger_reallocates_and_keeps_contents)
{
  rmm_device_buffer_t *buf = patterned_buffer(1000, 9);
  void *before = rmm_device_buffer_data(buf);
  RMM_CK(rmm_device_buffer_resize(buf, 1001, STREAM_B));
  ck_assert_ptr_ne(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 1001);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 1001);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_B);
  ck_assert_uint_eq(bytes_in_use(host), 1001);
  check_pattern(rmm_device_buffer_data(buf), 1000, 9);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_reserve)
{
  rmm_device_buffer_t *buf = patterned_buffer(100, 11);
  void *before = rmm_device_buffer_data(buf);
  RMM_CK(rmm_device_buffer_reserve(buf, 99, STREAM_B));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 100);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_B);

  RMM_CK(rmm_device_buffer_reserve(buf, 4096, STREAM_A));
  ck_assert_ptr_ne(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 100);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 4096);
  check_pattern(rmm_device_buffer_data(buf), 100, 11);

  /* Growing within the reserved capacity moves nothing. */
  void *reserved = rmm_device_buffer_data(buf);
  RMM_CK(rmm_device_buffer_resize(buf, 4000, STREAM_A));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), reserved);
  check_pattern(rmm_device_buffer_data(buf), 100, 11);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_resize_to_zero_then_shrink_frees)
{
  rmm_device_buffer_t *buf = patterned_buffer(256, 1);
  RMM_CK(rmm_device_buffer_resize(buf, 0, STREAM_A));
  ck_assert(rmm_device_buffer_is_empty(buf));
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 256);
  RMM_CK(rmm_device_buffer_shrink_to_fit(buf, STREAM_A));
  ck_assert_ptr_null(rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 0);
  ck_assert_uint_eq(bytes_in_use(host), 0);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_set_stream)
{
  rmm_device_buffer_t *buf = patterned_buffer(10, 0);
  rmm_device_buffer_set_stream(buf, RMM_STREAM_PER_THREAD);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), RMM_STREAM_PER_THREAD);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_release_hands_over_the_memory)
{
  rmm_device_buffer_t *buf = patterned_buffer(300, 13);
  RMM_CK(rmm_device_buffer_resize(buf, 200, STREAM_A));
  void *expected = rmm_device_buffer_data(buf);
  void *ptr;
  size_t size, capacity;
  RMM_CK(rmm_device_buffer_release(buf, &ptr, &size, &capacity));
  ck_assert_ptr_eq(ptr, expected);
  ck_assert_uint_eq(size, 200);
  ck_assert_uint_eq(capacity, 300);
  ck_assert_ptr_null(rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 0);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 0);
  ck_assert_ptr_eq(rmm_device_buffer_resource(buf), host);
  check_pattern(ptr, 200, 13);

  /* Destroying the buffer frees nothing of what it handed over. */
  RMM_CK(rmm_device_buffer_destroy(buf));
  ck_assert_uint_eq(bytes_in_use(host), 300);
  RMM_CK(rmm_deallocate(host, ptr, capacity, STREAM_A));
  ck_assert_uint_eq(bytes_in_use(host), 0);

  buf = patterned_buffer(8, 0);
  RMM_CK_STATUS(rmm_device_buffer_release(buf, NULL, NULL, &capacity), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_release(buf, &ptr, NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 8);
  RMM_CK(rmm_device_buffer_release(buf, &ptr, NULL, &capacity));
  RMM_CK(rmm_deallocate(host, ptr, capacity, STREAM_A));
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_keeps_its_resource_alive)
{
  rmm_resource_t *own;
  RMM_CK(rmm_host_create(&own));
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(64, STREAM_A, own, &buf));
  rmm_resource_release(own);
  /* The buffer's reference is now the only one; the resource still serves it. */
  fill_pattern(rmm_device_buffer_data(buf), 64, 2);
  RMM_CK(rmm_device_buffer_resize(buf, 4096, STREAM_A));
  check_pattern(rmm_device_buffer_data(buf), 64, 2);
  ck_assert_uint_eq(bytes_in_use(rmm_device_buffer_resource(buf)), 4096);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

/* A random walk of resizes, reserves and shrinks checked against a plain host copy. */
START_TEST(buffer_random_walk_keeps_contents)
{
  enum { LIMIT = 4096 };
  static unsigned char shadow[LIMIT];
  uint64_t rng = 42;
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(0, STREAM_A, host, &buf));
  size_t rounds = rmm_test_scaled(2000);
  for (size_t round = 0; round < rounds; round++) {
    size_t size = rmm_device_buffer_size(buf);
    size_t target = (size_t)(rmm_test_random(&rng) % LIMIT);
    switch (rmm_test_random(&rng) % 4) {
    case 0:
      RMM_CK(rmm_device_buffer_resize(buf, target, STREAM_A));
      /* Bytes past the old size are uninitialised: give them known values. */
      if (target > size) {
        fill_pattern(shadow + size, target - size, (unsigned)round);
        memcpy((unsigned char *)rmm_device_buffer_data(buf) + size, shadow + size, target - size);
      }
      break;
    case 1:
      RMM_CK(rmm_device_buffer_reserve(buf, target, STREAM_B));
      break;
    case 2:
      RMM_CK(rmm_device_buffer_shrink_to_fit(buf, STREAM_A));
      ck_assert_uint_eq(rmm_device_buffer_capacity(buf), size);
      break;
    default:
      if (size > 0) {
        size_t at = (size_t)(rmm_test_random(&rng) % size);
        shadow[at] ^= 0x5a;
        ((unsigned char *)rmm_device_buffer_data(buf))[at] ^= 0x5a;
      }
    }
    ck_assert_uint_ge(rmm_device_buffer_capacity(buf), rmm_device_buffer_size(buf));
    ck_assert_uint_eq(bytes_in_use(host), rmm_device_buffer_capacity(buf));
    if (rmm_device_buffer_size(buf) > 0)
      ck_assert_mem_eq(rmm_device_buffer_data(buf), shadow, rmm_device_buffer_size(buf));
  }
  RMM_CK(rmm_device_buffer_destroy(buf));
  ck_assert_uint_eq(bytes_in_use(host), 0);
}
END_TEST

START_TEST(buffer_read_and_write_copy_ranges)
{
  rmm_device_buffer_t *buf = patterned_buffer(1000, 3);
  unsigned char out[1000];
  RMM_CK(rmm_device_buffer_read(buf, 0, out, sizeof out, STREAM_B));
  check_pattern(out, sizeof out, 3);
  /* A range in the middle reads the bytes at that offset. */
  memset(out, 0, sizeof out);
  RMM_CK(rmm_device_buffer_read(buf, 100, out, 50, STREAM_A));
  for (size_t i = 0; i < 50; i++)
    ck_assert_uint_eq(out[i], pattern_byte(100 + i, 3));

  unsigned char in[300];
  fill_pattern(in, sizeof in, 9);
  RMM_CK(rmm_device_buffer_write(buf, 700, in, sizeof in, STREAM_A));
  const unsigned char *data = rmm_device_buffer_data(buf);
  check_pattern(data + 700, sizeof in, 9);
  /* The bytes before the range are untouched, and the size does not change. */
  check_pattern(data, 700, 3);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 1000);
  /* Empty ranges are allowed anywhere up to the size, with NULL pointers too. */
  RMM_CK(rmm_device_buffer_read(buf, 1000, NULL, 0, STREAM_A));
  RMM_CK(rmm_device_buffer_write(buf, 1000, NULL, 0, STREAM_A));
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(buffer_read_and_write_refuse_bad_ranges)
{
  rmm_device_buffer_t *buf = patterned_buffer(100, 4);
  /* Within the capacity but past the size is refused too. */
  RMM_CK(rmm_device_buffer_reserve(buf, 400, STREAM_A));
  unsigned char bytes[200] = {0};
  RMM_CK_STATUS(rmm_device_buffer_read(buf, 0, bytes, 101, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("101 bytes at offset 0 pass the buffer's size");
  RMM_CK_STATUS(rmm_device_buffer_write(buf, 60, bytes, 41, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_read(buf, 101, bytes, 0, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_write(buf, SIZE_MAX, bytes, 2, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_read(buf, 0, NULL, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("NULL pointer");
  RMM_CK_STATUS(rmm_device_buffer_write(buf, 0, NULL, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_read(NULL, 0, bytes, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_buffer_write(NULL, 0, bytes, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("the buffer is NULL");
  /* Refusals wrote nothing. */
  check_pattern(rmm_device_buffer_data(buf), 100, 4);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

/* ---- device_uvector over the host resource ---- */

static const size_t element_sizes[] = {1, 4, 8, 16};

/* Element i of a vector of elements of `size` bytes, distinct for every i below 256. */
static void element_value(size_t i, size_t size, unsigned char *out)
{
  for (size_t b = 0; b < size; b++)
    out[b] = (unsigned char)(i + b * 17 + 1);
}

static rmm_device_uvector_t *filled_vector(size_t element_size, size_t count)
{
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(element_size, count, STREAM_A, host, &vec));
  unsigned char value[16];
  for (size_t i = 0; i < count; i++) {
    element_value(i, element_size, value);
    RMM_CK(rmm_device_uvector_set_element_async(vec, i, value, STREAM_A));
  }
  return vec;
}

static void check_elements(const rmm_device_uvector_t *vec, size_t count)
{
  size_t element_size = rmm_device_uvector_element_size(vec);
  unsigned char value[16], expected[16];
  for (size_t i = 0; i < count; i++) {
    element_value(i, element_size, expected);
    RMM_CK(rmm_device_uvector_element(vec, i, value, STREAM_A));
    ck_assert_mem_eq(value, expected, element_size);
  }
}

START_TEST(uvector_create_sizes)
{
  size_t element_size = element_sizes[_i];
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(element_size, 123, STREAM_A, host, &vec));
  ck_assert_uint_eq(rmm_device_uvector_element_size(vec), element_size);
  ck_assert_uint_eq(rmm_device_uvector_size(vec), 123);
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 123);
  ck_assert(!rmm_device_uvector_is_empty(vec));
  ck_assert_ptr_nonnull(rmm_device_uvector_data(vec));
  ck_assert_ptr_eq(rmm_device_uvector_stream(vec), STREAM_A);
  ck_assert_ptr_eq(rmm_device_uvector_resource(vec), host);
  ck_assert_uint_eq(bytes_in_use(host), 123 * element_size);
  RMM_CK(rmm_device_uvector_destroy(vec));

  RMM_CK(rmm_device_uvector_create(element_size, 0, STREAM_A, host, &vec));
  ck_assert(rmm_device_uvector_is_empty(vec));
  ck_assert_ptr_null(rmm_device_uvector_data(vec));
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_element_round_trip)
{
  size_t element_size = element_sizes[_i];
  rmm_device_uvector_t *vec = filled_vector(element_size, 100);
  check_elements(vec, 100);

  unsigned char value[16], expected[16];
  RMM_CK(rmm_device_uvector_front(vec, value, STREAM_A));
  element_value(0, element_size, expected);
  ck_assert_mem_eq(value, expected, element_size);
  RMM_CK(rmm_device_uvector_back(vec, value, STREAM_A));
  element_value(99, element_size, expected);
  ck_assert_mem_eq(value, expected, element_size);

  /* element_ptr is the address the copies used. */
  for (size_t i = 0; i < 100; i++) {
    void *ptr;
    RMM_CK(rmm_device_uvector_element_ptr(vec, i, &ptr));
    ck_assert_ptr_eq(ptr, (char *)rmm_device_uvector_data(vec) + i * element_size);
    element_value(i, element_size, expected);
    ck_assert_mem_eq(ptr, expected, element_size);
  }

  RMM_CK(rmm_device_uvector_set_element_to_zero_async(vec, 42, STREAM_A));
  static const unsigned char zero[16];
  RMM_CK(rmm_device_uvector_element(vec, 42, value, STREAM_A));
  ck_assert_mem_eq(value, zero, element_size);
  /* Its neighbours are untouched. */
  RMM_CK(rmm_device_uvector_element(vec, 41, value, STREAM_A));
  element_value(41, element_size, expected);
  ck_assert_mem_eq(value, expected, element_size);
  RMM_CK(rmm_device_uvector_element(vec, 43, value, STREAM_A));
  element_value(43, element_size, expected);
  ck_assert_mem_eq(value, expected, element_size);
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_negative_zero_keeps_its_sign)
{
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(sizeof(double), 1, STREAM_A, host, &vec));
  double minus_zero = -0.0, read = 1.0;
  RMM_CK(rmm_device_uvector_set_element_async(vec, 0, &minus_zero, STREAM_A));
  RMM_CK(rmm_device_uvector_element(vec, 0, &read, STREAM_A));
  ck_assert(read == 0.0 && signbit(read));
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_out_of_range_is_refused)
{
  size_t element_size = element_sizes[_i];
  rmm_device_uvector_t *vec = filled_vector(element_size, 10);
  unsigned char value[16] = {0};
  void *ptr = NULL;
  size_t bad[] = {10, 11, SIZE_MAX};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    RMM_CK_STATUS(rmm_device_uvector_element(vec, bad[k], value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
    RMM_CK_MESSAGE_HAS("out of range (size 10)");
    RMM_CK_STATUS(rmm_device_uvector_set_element_async(vec, bad[k], value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
    RMM_CK_MESSAGE_HAS("out of range");
    RMM_CK_STATUS(rmm_device_uvector_set_element_to_zero_async(vec, bad[k], STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
    RMM_CK_STATUS(rmm_device_uvector_element_ptr(vec, bad[k], &ptr), RMM_ERROR_INVALID_ARGUMENT);
  }
  RMM_CK_STATUS(rmm_device_uvector_element(vec, 11, value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("index 11 is out of range (size 10)");
  ck_assert_ptr_null(ptr);
  /* Refused writes wrote nothing. */
  check_elements(vec, 10);

  /* Shrinking the size (not the capacity) moves the limit. */
  RMM_CK(rmm_device_uvector_resize(vec, 5, STREAM_A));
  RMM_CK_STATUS(rmm_device_uvector_element(vec, 5, value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("index 5 is out of range (size 5)");

  RMM_CK(rmm_device_uvector_resize(vec, 0, STREAM_A));
  RMM_CK_STATUS(rmm_device_uvector_front(vec, value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("empty");
  RMM_CK_STATUS(rmm_device_uvector_back(vec, value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("empty");
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_bad_arguments)
{
  rmm_device_uvector_t *vec = (rmm_device_uvector_t *)&vec;
  RMM_CK_STATUS(rmm_device_uvector_create(0, 10, STREAM_A, host, &vec), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(vec);
  RMM_CK_MESSAGE_HAS("element size is 0");
  RMM_CK_STATUS(rmm_device_uvector_create(4, 10, STREAM_A, host, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_copy(NULL, STREAM_A, host, &vec), RMM_ERROR_INVALID_ARGUMENT);

  vec = filled_vector(4, 3);
  unsigned char value[4];
  RMM_CK_STATUS(rmm_device_uvector_element(vec, 0, NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_set_element_async(vec, 0, NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_element_ptr(vec, 0, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_front(vec, NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_element(NULL, 0, value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_back(NULL, value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_set_element_to_zero_async(NULL, 0, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_resize(NULL, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_reserve(NULL, 1, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_shrink_to_fit(NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  rmm_device_buffer_t *buf;
  RMM_CK_STATUS(rmm_device_uvector_release(NULL, &buf), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_uvector_release(vec, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_device_uvector_destroy(vec));

  ck_assert_uint_eq(rmm_device_uvector_size(NULL), 0);
  ck_assert_uint_eq(rmm_device_uvector_capacity(NULL), 0);
  ck_assert_uint_eq(rmm_device_uvector_element_size(NULL), 0);
  ck_assert(rmm_device_uvector_is_empty(NULL));
  ck_assert_ptr_null(rmm_device_uvector_data(NULL));
  ck_assert_ptr_null(rmm_device_uvector_resource(NULL));
  ck_assert_ptr_eq(rmm_device_uvector_stream(NULL), RMM_STREAM_DEFAULT);
  rmm_device_uvector_set_stream(NULL, STREAM_A);
  RMM_CK(rmm_device_uvector_destroy(NULL));
}
END_TEST

START_TEST(uvector_size_overflow_is_refused)
{
  size_t too_many = SIZE_MAX / 8 + 1;
  rmm_device_uvector_t *vec;
  RMM_CK_STATUS(rmm_device_uvector_create(8, too_many, STREAM_A, host, &vec), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("overflow");
  RMM_CK(rmm_device_uvector_create(8, 4, STREAM_A, host, &vec));
  RMM_CK_STATUS(rmm_device_uvector_reserve(vec, too_many, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("overflow");
  RMM_CK_STATUS(rmm_device_uvector_resize(vec, too_many, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("overflow");
  ck_assert_uint_eq(rmm_device_uvector_size(vec), 4);
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 4);
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_capacity_changes_keep_elements)
{
  size_t element_size = element_sizes[_i];
  rmm_device_uvector_t *vec = filled_vector(element_size, 50);
  void *before = rmm_device_uvector_data(vec);

  RMM_CK(rmm_device_uvector_resize(vec, 40, STREAM_B));
  ck_assert_ptr_eq(rmm_device_uvector_data(vec), before);
  ck_assert_uint_eq(rmm_device_uvector_size(vec), 40);
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 50);
  ck_assert_ptr_eq(rmm_device_uvector_stream(vec), STREAM_B);
  RMM_CK(rmm_device_uvector_shrink_to_fit(vec, STREAM_A));
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 40);
  check_elements(vec, 40);

  RMM_CK(rmm_device_uvector_reserve(vec, 30, STREAM_A));
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 40);
  RMM_CK(rmm_device_uvector_reserve(vec, 200, STREAM_A));
  ck_assert_uint_eq(rmm_device_uvector_size(vec), 40);
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 200);
  check_elements(vec, 40);

  RMM_CK(rmm_device_uvector_resize(vec, 201, STREAM_A));
  ck_assert_uint_eq(rmm_device_uvector_size(vec), 201);
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 201);
  check_elements(vec, 40);
  ck_assert_uint_eq(bytes_in_use(host), 201 * element_size);

  RMM_CK(rmm_device_uvector_resize(vec, 0, STREAM_A));
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 201);
  RMM_CK(rmm_device_uvector_shrink_to_fit(vec, STREAM_A));
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 0);
  ck_assert_uint_eq(bytes_in_use(host), 0);
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_copy_is_deep)
{
  size_t element_size = element_sizes[_i];
  rmm_device_uvector_t *vec = filled_vector(element_size, 20);
  RMM_CK(rmm_device_uvector_reserve(vec, 64, STREAM_A));
  rmm_device_uvector_t *copy;
  RMM_CK(rmm_device_uvector_copy(vec, STREAM_B, host, &copy));
  ck_assert_ptr_ne(rmm_device_uvector_data(copy), rmm_device_uvector_data(vec));
  ck_assert_uint_eq(rmm_device_uvector_element_size(copy), element_size);
  ck_assert_uint_eq(rmm_device_uvector_size(copy), 20);
  ck_assert_uint_eq(rmm_device_uvector_capacity(copy), 20);
  ck_assert_ptr_eq(rmm_device_uvector_stream(copy), STREAM_B);
  check_elements(copy, 20);
  RMM_CK(rmm_device_uvector_set_element_to_zero_async(copy, 0, STREAM_B));
  check_elements(vec, 20);
  RMM_CK(rmm_device_uvector_destroy(copy));
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_release_gives_a_buffer)
{
  size_t element_size = element_sizes[_i];
  rmm_device_uvector_t *vec = filled_vector(element_size, 30);
  RMM_CK(rmm_device_uvector_resize(vec, 25, STREAM_B));
  void *data = rmm_device_uvector_data(vec);
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_uvector_release(vec, &buf));
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), data);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 25 * element_size);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 30 * element_size);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_B);
  ck_assert_ptr_eq(rmm_device_buffer_resource(buf), host);

  ck_assert(rmm_device_uvector_is_empty(vec));
  ck_assert_uint_eq(rmm_device_uvector_capacity(vec), 0);
  ck_assert_ptr_null(rmm_device_uvector_data(vec));
  ck_assert_uint_eq(rmm_device_uvector_element_size(vec), element_size);
  ck_assert_ptr_eq(rmm_device_uvector_resource(vec), host);

  /* The vector stays usable, and the buffer outlives it. */
  RMM_CK(rmm_device_uvector_resize(vec, 2, STREAM_A));
  unsigned char value[16], read[16];
  element_value(7, element_size, value);
  RMM_CK(rmm_device_uvector_set_element_async(vec, 1, value, STREAM_A));
  RMM_CK(rmm_device_uvector_element(vec, 1, read, STREAM_A));
  ck_assert_mem_eq(read, value, element_size);
  RMM_CK(rmm_device_uvector_destroy(vec));

  element_value(24, element_size, value);
  ck_assert_mem_eq((char *)rmm_device_buffer_data(buf) + 24 * element_size, value, element_size);
  ck_assert_uint_eq(bytes_in_use(host), 30 * element_size);
  RMM_CK(rmm_device_buffer_destroy(buf));
  ck_assert_uint_eq(bytes_in_use(host), 0);
}
END_TEST

START_TEST(uvector_keeps_its_resource_alive)
{
  rmm_resource_t *own;
  RMM_CK(rmm_host_create(&own));
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(4, 8, STREAM_A, own, &vec));
  rmm_resource_release(own);
  int32_t value = -17, read = 0;
  RMM_CK(rmm_device_uvector_resize(vec, 1000, STREAM_A));
  RMM_CK(rmm_device_uvector_set_element_async(vec, 999, &value, STREAM_A));
  RMM_CK(rmm_device_uvector_back(vec, &read, STREAM_A));
  ck_assert_int_eq(read, -17);
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

START_TEST(uvector_set_stream)
{
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(2, 2, STREAM_A, host, &vec));
  rmm_device_uvector_set_stream(vec, STREAM_B);
  ck_assert_ptr_eq(rmm_device_uvector_stream(vec), STREAM_B);
  RMM_CK(rmm_device_uvector_destroy(vec));
}
END_TEST

/* ---- device_scalar over the host resource ---- */

START_TEST(scalar_values_round_trip)
{
  size_t element_size = element_sizes[_i];
  unsigned char initial[16], value[16], read[16];
  element_value(3, element_size, initial);
  rmm_device_scalar_t *scalar;
  RMM_CK(rmm_device_scalar_create(element_size, initial, STREAM_A, host, &scalar));
  ck_assert_ptr_nonnull(rmm_device_scalar_data(scalar));
  ck_assert_uint_eq(rmm_device_scalar_element_size(scalar), element_size);
  ck_assert_ptr_eq(rmm_device_scalar_resource(scalar), host);
  ck_assert_ptr_eq(rmm_device_scalar_stream(scalar), STREAM_A);
  RMM_CK(rmm_device_scalar_value(scalar, read, STREAM_A));
  ck_assert_mem_eq(read, initial, element_size);

  element_value(200, element_size, value);
  RMM_CK(rmm_device_scalar_set_value_async(scalar, value, STREAM_B));
  RMM_CK(rmm_device_scalar_value(scalar, read, STREAM_B));
  ck_assert_mem_eq(read, value, element_size);
  ck_assert_mem_eq(rmm_device_scalar_data(scalar), value, element_size);

  static const unsigned char zero[16];
  RMM_CK(rmm_device_scalar_set_value_to_zero_async(scalar, STREAM_A));
  RMM_CK(rmm_device_scalar_value(scalar, read, STREAM_A));
  ck_assert_mem_eq(read, zero, element_size);

  rmm_device_scalar_set_stream(scalar, STREAM_B);
  ck_assert_ptr_eq(rmm_device_scalar_stream(scalar), STREAM_B);
  ck_assert_uint_eq(bytes_in_use(host), element_size);
  RMM_CK(rmm_device_scalar_destroy(scalar));
  ck_assert_uint_eq(bytes_in_use(host), 0);
}
END_TEST

START_TEST(scalar_uninitialised_and_bad_arguments)
{
  rmm_device_scalar_t *scalar = (rmm_device_scalar_t *)&scalar;
  RMM_CK_STATUS(rmm_device_scalar_create(0, NULL, STREAM_A, host, &scalar), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(scalar);
  RMM_CK_STATUS(rmm_device_scalar_create(4, NULL, STREAM_A, host, NULL), RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK(rmm_device_scalar_create(sizeof(int64_t), NULL, STREAM_A, host, &scalar));
  ck_assert_ptr_nonnull(rmm_device_scalar_data(scalar));
  int64_t value = 0;
  RMM_CK_STATUS(rmm_device_scalar_value(scalar, NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_scalar_set_value_async(scalar, NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_scalar_value(NULL, &value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_scalar_set_value_async(NULL, &value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_device_scalar_set_value_to_zero_async(NULL, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_device_scalar_destroy(scalar));

  ck_assert_ptr_null(rmm_device_scalar_data(NULL));
  ck_assert_uint_eq(rmm_device_scalar_element_size(NULL), 0);
  ck_assert_ptr_null(rmm_device_scalar_resource(NULL));
  ck_assert_ptr_eq(rmm_device_scalar_stream(NULL), RMM_STREAM_DEFAULT);
  rmm_device_scalar_set_stream(NULL, STREAM_A);
  RMM_CK(rmm_device_scalar_destroy(NULL));
}
END_TEST

START_TEST(scalar_keeps_its_resource_alive)
{
  rmm_resource_t *own;
  RMM_CK(rmm_host_create(&own));
  int16_t initial = 1234, read = 0;
  rmm_device_scalar_t *scalar;
  RMM_CK(rmm_device_scalar_create(sizeof initial, &initial, STREAM_A, own, &scalar));
  rmm_resource_release(own);
  RMM_CK(rmm_device_scalar_value(scalar, &read, STREAM_A));
  ck_assert_int_eq(read, 1234);
  RMM_CK(rmm_device_scalar_destroy(scalar));
}
END_TEST

/* ---- over the simulated resource: allocation works, touching memory does not ---- */

static rmm_resource_t *simulated;

static void setup_simulated(void) { RMM_CK(rmm_simulated_create((size_t)1 << 40, &simulated)); }

static void teardown_simulated(void)
{
  ck_assert_uint_eq(bytes_in_use(simulated), 0);
  rmm_resource_release(simulated);
  simulated = NULL;
}

START_TEST(simulated_buffer_allocates_but_never_copies)
{
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create((size_t)1 << 30, STREAM_A, simulated, &buf));
  ck_assert_ptr_nonnull(rmm_device_buffer_data(buf));
  ck_assert_uint_eq(rmm_device_buffer_size(buf), (size_t)1 << 30);

  /* Within the capacity nothing is copied, so it works. */
  RMM_CK(rmm_device_buffer_resize(buf, 100, STREAM_A));
  RMM_CK(rmm_device_buffer_reserve(buf, 50, STREAM_A));

  void *before = rmm_device_buffer_data(buf);
  RMM_CK_STATUS(rmm_device_buffer_shrink_to_fit(buf, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_MESSAGE_HAS("simulated");
  RMM_CK_STATUS(rmm_device_buffer_reserve(buf, (size_t)2 << 30, STREAM_B), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_STATUS(rmm_device_buffer_resize(buf, (size_t)2 << 30, STREAM_B), RMM_ERROR_NOT_SUPPORTED);
  /* A refusal changes nothing. */
  ck_assert_ptr_eq(rmm_device_buffer_data(buf), before);
  ck_assert_uint_eq(rmm_device_buffer_size(buf), 100);
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), (size_t)1 << 30);
  ck_assert_ptr_eq(rmm_device_buffer_stream(buf), STREAM_A);

  rmm_device_buffer_t *copy = (rmm_device_buffer_t *)&copy;
  RMM_CK_STATUS(rmm_device_buffer_copy(buf, STREAM_A, simulated, &copy), RMM_ERROR_NOT_SUPPORTED);
  ck_assert_ptr_null(copy);
  RMM_CK_STATUS(rmm_device_buffer_copy(buf, STREAM_A, host, &copy), RMM_ERROR_NOT_SUPPORTED);
  ck_assert_uint_eq(bytes_in_use(host), 0);

  /* With nothing in use, growing copies nothing. */
  RMM_CK(rmm_device_buffer_resize(buf, 0, STREAM_A));
  RMM_CK(rmm_device_buffer_shrink_to_fit(buf, STREAM_A));
  RMM_CK(rmm_device_buffer_reserve(buf, 4096, STREAM_A));
  ck_assert_uint_eq(rmm_device_buffer_capacity(buf), 4096);
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(simulated_buffer_copies_in_and_out_are_refused)
{
  unsigned char source[64] = {0};
  rmm_device_buffer_t *buf = (rmm_device_buffer_t *)&buf;
  RMM_CK_STATUS(rmm_device_buffer_create_from(source, sizeof source, STREAM_A, simulated, &buf),
                RMM_ERROR_NOT_SUPPORTED);
  ck_assert_ptr_null(buf);
  RMM_CK_MESSAGE_HAS("neither host nor device accessible");

  /* A host buffer copied into simulated memory is refused too. */
  rmm_device_buffer_t *on_host = patterned_buffer(64, 1), *copy;
  RMM_CK_STATUS(rmm_device_buffer_copy(on_host, STREAM_A, simulated, &copy), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK(rmm_device_buffer_destroy(on_host));

  RMM_CK(rmm_device_buffer_create_from(NULL, 0, STREAM_A, simulated, &buf));
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(simulated_buffer_read_and_write_are_refused)
{
  rmm_device_buffer_t *buf;
  RMM_CK(rmm_device_buffer_create(64, STREAM_A, simulated, &buf));
  unsigned char bytes[64] = {0};
  RMM_CK_STATUS(rmm_device_buffer_read(buf, 0, bytes, sizeof bytes, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_MESSAGE_HAS("rmm_device_buffer_read");
  RMM_CK_STATUS(rmm_device_buffer_write(buf, 0, bytes, sizeof bytes, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_MESSAGE_HAS("neither host nor device accessible");
  RMM_CK(rmm_device_buffer_read(buf, 0, bytes, 0, STREAM_A));
  RMM_CK(rmm_device_buffer_destroy(buf));
}
END_TEST

START_TEST(simulated_uvector_and_scalar_refuse_element_access)
{
  rmm_device_uvector_t *vec;
  RMM_CK(rmm_device_uvector_create(8, 16, STREAM_A, simulated, &vec));
  ck_assert_ptr_nonnull(rmm_device_uvector_data(vec));
  uint64_t value = 5;
  void *ptr;
  RMM_CK(rmm_device_uvector_element_ptr(vec, 3, &ptr));
  RMM_CK_STATUS(rmm_device_uvector_set_element_async(vec, 3, &value, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_MESSAGE_HAS("rmm_device_uvector_set_element_async");
  RMM_CK_STATUS(rmm_device_uvector_set_element_to_zero_async(vec, 3, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_STATUS(rmm_device_uvector_element(vec, 3, &value, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_STATUS(rmm_device_uvector_front(vec, &value, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_STATUS(rmm_device_uvector_back(vec, &value, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_STATUS(rmm_device_uvector_resize(vec, 17, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  rmm_device_uvector_t *copy;
  RMM_CK_STATUS(rmm_device_uvector_copy(vec, STREAM_A, simulated, &copy), RMM_ERROR_NOT_SUPPORTED);
  /* Out of range is still reported as such. */
  RMM_CK_STATUS(rmm_device_uvector_element(vec, 16, &value, STREAM_A), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_device_uvector_destroy(vec));

  rmm_device_scalar_t *scalar = (rmm_device_scalar_t *)&scalar;
  RMM_CK_STATUS(rmm_device_scalar_create(8, &value, STREAM_A, simulated, &scalar), RMM_ERROR_NOT_SUPPORTED);
  ck_assert_ptr_null(scalar);
  RMM_CK(rmm_device_scalar_create(8, NULL, STREAM_A, simulated, &scalar));
  RMM_CK_STATUS(rmm_device_scalar_value(scalar, &value, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_MESSAGE_HAS("rmm_device_scalar_value");
  RMM_CK_STATUS(rmm_device_scalar_set_value_async(scalar, &value, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK_STATUS(rmm_device_scalar_set_value_to_zero_async(scalar, STREAM_A), RMM_ERROR_NOT_SUPPORTED);
  RMM_CK(rmm_device_scalar_destroy(scalar));
}
END_TEST

static Suite *container_suite(void)
{
  Suite *suite = suite_create("container");
  size_t sizes = sizeof element_sizes / sizeof element_sizes[0];

  TCase *buffer = tcase_create("device_buffer");
  tcase_add_checked_fixture(buffer, setup_host, teardown_host);
  tcase_add_test(buffer, buffer_create_records_everything);
  tcase_add_test(buffer, buffer_of_zero_bytes_is_empty);
  tcase_add_test(buffer, buffer_bad_arguments);
  tcase_add_test(buffer, buffer_null_getters);
  tcase_add_test(buffer, buffer_create_from_host_memory);
  tcase_add_test(buffer, buffer_copy_is_deep_and_sized_to_the_source_size);
  tcase_add_test(buffer, buffer_copy_of_empty_buffer);
  tcase_add_test(buffer, buffer_null_resource_is_the_current_device_resource);
  tcase_add_test(buffer, buffer_resize_smaller_keeps_memory_until_shrink);
  tcase_add_test(buffer, buffer_resize_bigger_reallocates_and_keeps_contents);
  tcase_add_test(buffer, buffer_reserve);
  tcase_add_test(buffer, buffer_resize_to_zero_then_shrink_frees);
  tcase_add_test(buffer, buffer_set_stream);
  tcase_add_test(buffer, buffer_release_hands_over_the_memory);
  tcase_add_test(buffer, buffer_keeps_its_resource_alive);
  tcase_add_test(buffer, buffer_random_walk_keeps_contents);
  tcase_add_test(buffer, buffer_read_and_write_copy_ranges);
  tcase_add_test(buffer, buffer_read_and_write_refuse_bad_ranges);
  suite_add_tcase(suite, buffer);

  TCase *uvector = tcase_create("device_uvector");
  tcase_add_checked_fixture(uvector, setup_host, teardown_host);
  tcase_add_loop_test(uvector, uvector_create_sizes, 0, (int)sizes);
  tcase_add_loop_test(uvector, uvector_element_round_trip, 0, (int)sizes);
  tcase_add_test(uvector, uvector_negative_zero_keeps_its_sign);
  tcase_add_loop_test(uvector, uvector_out_of_range_is_refused, 0, (int)sizes);
  tcase_add_test(uvector, uvector_bad_arguments);
  tcase_add_test(uvector, uvector_size_overflow_is_refused);
  tcase_add_loop_test(uvector, uvector_capacity_changes_keep_elements, 0, (int)sizes);
  tcase_add_loop_test(uvector, uvector_copy_is_deep, 0, (int)sizes);
  tcase_add_loop_test(uvector, uvector_release_gives_a_buffer, 0, (int)sizes);
  tcase_add_test(uvector, uvector_keeps_its_resource_alive);
  tcase_add_test(uvector, uvector_set_stream);
  suite_add_tcase(suite, uvector);

  TCase *scalar = tcase_create("device_scalar");
  tcase_add_checked_fixture(scalar, setup_host, teardown_host);
  tcase_add_loop_test(scalar, scalar_values_round_trip, 0, (int)sizes);
  tcase_add_test(scalar, scalar_uninitialised_and_bad_arguments);
  tcase_add_test(scalar, scalar_keeps_its_resource_alive);
  suite_add_tcase(suite, scalar);

  TCase *sim = tcase_create("simulated");
  tcase_add_checked_fixture(sim, setup_host, teardown_host);
  tcase_add_checked_fixture(sim, setup_simulated, teardown_simulated);
  tcase_add_test(sim, simulated_buffer_allocates_but_never_copies);
  tcase_add_test(sim, simulated_buffer_copies_in_and_out_are_refused);
  tcase_add_test(sim, simulated_buffer_read_and_write_are_refused);
  tcase_add_test(sim, simulated_uvector_and_scalar_refuse_element_access);
  suite_add_tcase(suite, sim);
  return suite;
}

int main(void) { return rmm_test_run(container_suite()); }
