/*
 * The aligned adaptor: RMM's arithmetic (aligned_mr_tests.cpp) over a mock upstream
 * with scripted addresses, then real host memory: every returned pointer satisfies
 * its alignment (B23), blocks never overlap, larger requested alignments are honoured.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

static rmm_resource_t *aligned(rmm_resource_t *up, size_t alignment, size_t threshold)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_aligned_create(up, alignment, threshold, &mr));
  return mr;
}

START_TEST(test_alignment_must_be_power_of_two)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_aligned_create(up, 255, 0, &mr), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(mr);
  RMM_CK_MESSAGE_HAS("alignment 255 is not a power of two");
  RMM_CK_STATUS(rmm_aligned_create(up, 768, 0, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_aligned_create(up, 0, 0, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_aligned_create(up, 256, 0, &mr));
  rmm_resource_release(mr);
  RMM_CK(rmm_aligned_create(up, 32, 0, &mr));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Alignments that every resource gives anyway pass through untouched. */
START_TEST(test_default_passes_through)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 256, 0);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 5, NULL));
  ck_assert_uint_eq(mock.last_bytes, 5);
  ck_assert_ptr_eq(mock.last_ptr, ptr);
  RMM_CK(rmm_deallocate(mr, ptr, 5, NULL));
  ck_assert_uint_eq(mock.last_free_bytes, 5);
  ck_assert_ptr_eq(mock.last_free_ptr, ptr);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_below_threshold_passes_through)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 65536);
  size_t sizes[] = {3, 65528};
  for (size_t i = 0; i < 2; i++) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate(mr, &ptr, sizes[i], NULL));
    ck_assert_uint_eq(mock.last_bytes, sizes[i]);
    ck_assert_uint_eq(mock.last_alignment, 256);
    ck_assert_ptr_eq(mock.last_ptr, ptr);
    RMM_CK(rmm_deallocate(mr, ptr, sizes[i], NULL));
    ck_assert_ptr_eq(mock.last_free_ptr, ptr);
    ck_assert_uint_eq(mock.last_free_bytes, sizes[i]);
  }
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* 65536 bytes at 4096 asks the upstream for 65536 + 4096 - 256 = 69376 bytes. */
START_TEST(test_upstream_already_aligned)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 65536);
  mock_script(&mock, (const uintptr_t[]){4096}, 1);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 65536, NULL));
  ck_assert_uint_eq(mock.last_bytes, 69376);
  ck_assert_uint_eq(mock.last_alignment, 256);
  ck_assert_ptr_eq(ptr, (void *)4096);
  RMM_CK(rmm_deallocate(mr, ptr, 65536, NULL));
  ck_assert_ptr_eq(mock.last_free_ptr, (void *)4096);
  ck_assert_uint_eq(mock.last_free_bytes, 69376);
  ck_assert_uint_eq(mock.last_free_alignment, 256);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_upstream_address_is_slid)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 65536);
  mock_script(&mock, (const uintptr_t[]){256}, 1);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 65536, NULL));
  ck_assert_ptr_eq(ptr, (void *)4096);
  RMM_CK(rmm_deallocate(mr, ptr, 65536, NULL));
  ck_assert_ptr_eq(mock.last_free_ptr, (void *)256);
  ck_assert_uint_eq(mock.last_free_bytes, 69376);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_several_blocks)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 65536);
  const size_t sizes[] = {65536, 73728, 77800};
  const size_t padded[] = {69376, 77568, 81664};
  const uintptr_t upstream[] = {256, 131584, 263168};
  const uintptr_t expected[] = {4096, 135168, 266240};
  mock_script(&mock, upstream, 3);
  void *ptrs[3];
  for (int i = 0; i < 3; i++) {
    RMM_CK(rmm_allocate(mr, &ptrs[i], sizes[i], NULL));
    ck_assert_uint_eq(mock.last_bytes, padded[i]);
    ck_assert_ptr_eq(ptrs[i], (void *)expected[i]);
  }
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 65536 + 73728 + 77800);
  ck_assert_uint_eq(stats.bytes_reserved, 69376 + 77568 + 81664);
  ck_assert(stats.flags & RMM_STATS_RESERVED);
  /* Free out of order: each finds its own upstream address and padded size. */
  const int order[] = {1, 0, 2};
  for (int k = 0; k < 3; k++) {
    int i = order[k];
    RMM_CK(rmm_deallocate(mr, ptrs[i], sizes[i], NULL));
    ck_assert_ptr_eq(mock.last_free_ptr, (void *)upstream[i]);
    ck_assert_uint_eq(mock.last_free_bytes, padded[i]);
  }
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.bytes_reserved, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* B23: an adaptor alignment below 256 acts as 256: nothing is subtracted, nothing underflows. */
START_TEST(test_small_alignment_does_not_underflow)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 32, 0);
  const size_t sizes[] = {1, 31, 32, 255, 256, 257, 4097};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate(mr, &ptr, sizes[i], NULL));
    ck_assert_uint_eq(mock.last_bytes, sizes[i]);
    ck_assert_uint_eq((uintptr_t)ptr % 256, 0);
    memset(ptr, 0xcd, sizes[i]);
    RMM_CK(rmm_deallocate(mr, ptr, sizes[i], NULL));
    ck_assert_uint_eq(mock.last_free_bytes, sizes[i]);
  }
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

typedef struct span {
  uintptr_t start;
  size_t bytes;
} span_t;

static int by_start(const void *a, const void *b)
{
  uintptr_t x = ((const span_t *)a)->start, y = ((const span_t *)b)->start;
  return (x > y) - (x < y);
}

/*
 * Alignments 256 .. 64 KiB, given to the adaptor or asked for per call, over real host
 * memory: every pointer is aligned, writable over its whole size (valgrind and ASan
 * watch the edges), and no two live blocks overlap.
 */
START_TEST(test_alignment_matrix)
{
  rmm_resource_t *up = NULL;
  RMM_CK(rmm_host_create(&up));
  const size_t sizes[] = {1, 255, 256, 257, 4095, 4096, 65537};
  enum { SIZES = sizeof sizes / sizeof sizes[0] };
  for (size_t alignment = 256; alignment <= 65536; alignment *= 2) {
    rmm_resource_t *by_adaptor = aligned(up, alignment, 0);
    rmm_resource_t *by_request = aligned(up, 256, 0);
    span_t spans[2 * SIZES];
    void *a[SIZES], *b[SIZES];
    for (size_t i = 0; i < SIZES; i++) {
      RMM_CK(rmm_allocate(by_adaptor, &a[i], sizes[i], NULL));
      RMM_CK(rmm_allocate_aligned(by_request, &b[i], sizes[i], alignment, NULL));
      ck_assert_msg((uintptr_t)a[i] % alignment == 0, "%p is not %zu-aligned", a[i], alignment);
      ck_assert_msg((uintptr_t)b[i] % alignment == 0, "%p is not %zu-aligned (requested)", b[i], alignment);
      memset(a[i], 0x11, sizes[i]);
      memset(b[i], 0x22, sizes[i]);
      spans[2 * i] = (span_t){(uintptr_t)a[i], sizes[i]};
      spans[2 * i + 1] = (span_t){(uintptr_t)b[i], sizes[i]};
    }
    qsort(spans, 2 * SIZES, sizeof spans[0], by_start);
    for (size_t i = 1; i < 2 * SIZES; i++)
      ck_assert_msg(spans[i - 1].start + spans[i - 1].bytes <= spans[i].start, "blocks overlap");
    for (size_t i = 0; i < SIZES; i++) {
      RMM_CK(rmm_deallocate(by_adaptor, a[i], sizes[i], NULL));
      RMM_CK(rmm_deallocate_aligned(by_request, b[i], sizes[i], alignment, NULL));
    }
    rmm_resource_release(by_adaptor);
    rmm_resource_release(by_request);
  }
  rmm_resource_release(up);
}
END_TEST

/* A requested alignment larger than the adaptor's own is honoured, even below the threshold. */
START_TEST(test_requested_alignment_wins)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, (size_t)1 << 20);
  void *ptr = NULL;
  RMM_CK(rmm_allocate_aligned(mr, &ptr, 1000, 16384, NULL));
  ck_assert_uint_eq((uintptr_t)ptr % 16384, 0);
  ck_assert_uint_eq(mock.last_bytes, 1024 + 16384 - 256);
  ck_assert_uint_eq(mock.last_alignment, 256);
  memset(ptr, 0, 1000);
  void *block = mock.last_ptr;
  RMM_CK(rmm_deallocate_aligned(mr, ptr, 1000, 16384, NULL));
  ck_assert_ptr_eq(mock.last_free_ptr, block);
  ck_assert_uint_eq(mock.last_free_bytes, 1024 + 16384 - 256);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_unknown_pointer)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 0);
  RMM_CK_STATUS(rmm_deallocate(mr, (void *)0x8000, 65536, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was not allocated by this adaptor");
  ck_assert_uint_eq(mock.deallocations, 0);
  /* Freeing twice is the same mistake: the second free changes nothing. */
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 10000, NULL));
  RMM_CK(rmm_deallocate(mr, ptr, 10000, NULL));
  RMM_CK_STATUS(rmm_deallocate(mr, ptr, 10000, NULL), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(mock.deallocations, 1);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* An upstream that breaks the 256-byte promise is caught, not trusted into an overflow. */
START_TEST(test_misaligned_upstream)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 0);
  mock_script(&mock, (const uintptr_t[]){0x1010}, 1);
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 4096, NULL), RMM_ERROR_BAD_ALLOC);
  RMM_CK_MESSAGE_HAS("not 256-byte aligned");
  ck_assert_ptr_null(ptr);
  ck_assert_ptr_eq(mock.last_free_ptr, (void *)0x1010);
  ck_assert_uint_eq(mock.deallocations, 1);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* An upstream that hands out a live block twice cannot corrupt the table. */
START_TEST(test_duplicate_from_upstream)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 0);
  mock_script(&mock, (const uintptr_t[]){0x10000, 0x10000}, 2);
  void *first = NULL, *second = NULL;
  RMM_CK(rmm_allocate(mr, &first, 1000, NULL));
  RMM_CK_STATUS(rmm_allocate(mr, &second, 1000, NULL), RMM_ERROR_BAD_ALLOC);
  RMM_CK_MESSAGE_HAS("overlapping a block still in use");
  ck_assert_uint_eq(mock.deallocations, 1);
  RMM_CK(rmm_deallocate(mr, first, 1000, NULL));
  ck_assert_uint_eq(mock.deallocations, 2);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_size_overflow)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = aligned(up, 4096, 0);
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, SIZE_MAX - 100, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("too large");
  ck_assert_uint_eq(mock.attempts, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

typedef struct job {
  rmm_resource_t *mr;
  size_t rounds;
  uint64_t seed;
  int failures;
} job_t;

static void *churn(void *arg)
{
  job_t *job = arg;
  enum { LIVE = 16 };
  void *live[LIVE] = {0};
  size_t sizes[LIVE] = {0};
  for (size_t i = 0; i < job->rounds; i++) {
    size_t slot = rmm_test_random(&job->seed) % LIVE;
    if (live[slot] != NULL) {
      if (rmm_deallocate(job->mr, live[slot], sizes[slot], NULL) != RMM_SUCCESS)
        job->failures++;
      live[slot] = NULL;
      continue;
    }
    sizes[slot] = 1 + rmm_test_random(&job->seed) % 20000;
    if (rmm_allocate(job->mr, &live[slot], sizes[slot], NULL) != RMM_SUCCESS ||
        (uintptr_t)live[slot] % 4096 != 0)
      job->failures++;
    else
      memset(live[slot], (int)slot, sizes[slot]);
  }
  for (size_t slot = 0; slot < LIVE; slot++)
    if (live[slot] != NULL && rmm_deallocate(job->mr, live[slot], sizes[slot], NULL) != RMM_SUCCESS)
      job->failures++;
  return NULL;
}

START_TEST(test_threads)
{
  enum { THREADS = 8 };
  rmm_resource_t *up = NULL;
  RMM_CK(rmm_host_create(&up));
  rmm_resource_t *mr = aligned(up, 4096, 0);
  rmm_resource_release(up);
  pthread_t threads[THREADS];
  job_t jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job_t){.mr = mr, .rounds = rmm_test_scaled(2000), .seed = (uint64_t)t + 1};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, churn, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.bytes_reserved, 0);
  rmm_resource_release(mr);
}
END_TEST

static Suite *aligned_suite(void)
{
  Suite *suite = suite_create("aligned");
  TCase *arithmetic = tcase_create("arithmetic");
  tcase_add_test(arithmetic, test_alignment_must_be_power_of_two);
  tcase_add_test(arithmetic, test_default_passes_through);
  tcase_add_test(arithmetic, test_below_threshold_passes_through);
  tcase_add_test(arithmetic, test_upstream_already_aligned);
  tcase_add_test(arithmetic, test_upstream_address_is_slid);
  tcase_add_test(arithmetic, test_several_blocks);
  tcase_add_test(arithmetic, test_small_alignment_does_not_underflow);
  tcase_add_test(arithmetic, test_requested_alignment_wins);
  suite_add_tcase(suite, arithmetic);
  TCase *errors = tcase_create("errors");
  tcase_add_test(errors, test_unknown_pointer);
  tcase_add_test(errors, test_misaligned_upstream);
  tcase_add_test(errors, test_duplicate_from_upstream);
  tcase_add_test(errors, test_size_overflow);
  suite_add_tcase(suite, errors);
  TCase *memory = tcase_create("real memory");
  tcase_add_test(memory, test_alignment_matrix);
  tcase_add_test(memory, test_threads);
  tcase_set_timeout(memory, 60);
  suite_add_tcase(suite, memory);
  return suite;
}

int main(void) { return rmm_test_run(aligned_suite()); }
