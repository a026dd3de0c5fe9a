/*
 * The limiting adaptor: RMM's limiting_mr_tests.cpp figures, its counting granularity,
 * errors that leave nothing allocated, and a limit that holds exactly under 4 threads.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

#define MiB ((size_t)1 << 20)

static rmm_resource_t *limiting(rmm_resource_t *up, size_t limit, size_t alignment)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_limiting_create(up, limit, alignment, &mr));
  return mr;
}

static size_t allocated(const rmm_resource_t *mr)
{
  size_t bytes = 0;
  RMM_CK(rmm_limiting_allocated(mr, &bytes));
  return bytes;
}

START_TEST(test_create_arguments)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_limiting_create(up, MiB, 3, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("alignment 3 is not a power of two");
  ck_assert_ptr_null(mr);
  mr = limiting(up, 5 * MiB, 0);
  size_t limit = 0;
  RMM_CK(rmm_limiting_limit(mr, &limit));
  ck_assert_uint_eq(limit, 5 * MiB);
  RMM_CK_STATUS(rmm_limiting_limit(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_limiting_allocated(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Sizes count rounded up to the granularity: 0 means 256. */
START_TEST(test_granularity)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *by_default = limiting(up, MiB, 0);
  rmm_resource_t *coarse = limiting(up, MiB, 4096);
  void *a = NULL, *b = NULL;
  RMM_CK(rmm_allocate(by_default, &a, 1, NULL));
  RMM_CK(rmm_allocate(coarse, &b, 1, NULL));
  ck_assert_uint_eq(allocated(by_default), 256);
  ck_assert_uint_eq(allocated(coarse), 4096);
  /* The upstream sees the caller's size, not the counted one. */
  ck_assert_uint_eq(mock.last_bytes, 1);
  RMM_CK(rmm_deallocate(by_default, a, 1, NULL));
  RMM_CK(rmm_deallocate(coarse, b, 1, NULL));
  ck_assert_uint_eq(allocated(by_default), 0);
  ck_assert_uint_eq(allocated(coarse), 0);
  rmm_resource_release(by_default);
  rmm_resource_release(coarse);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_over_limit_allocates_nothing)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = limiting(up, 5 * MiB, 0);
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 5 * MiB + 1, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  RMM_CK_MESSAGE_HAS("limiting: out of memory (failed to allocate 5.00 MiB = 5242881 bytes; 0 B of limit 5.00 MiB in use)");
  ck_assert_uint_eq(mock.attempts, 0);
  ck_assert_uint_eq(allocated(mr), 0);
  /* A size whose rounding overflows is over any limit. */
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, SIZE_MAX, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_uint_eq(allocated(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* A 5 MiB limiter over a 2 MiB one: the inner limit answers, and the outer count stays 0. */
START_TEST(test_limiter_over_limiter)
{
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  rmm_resource_t *inner = limiting(host, 2 * MiB, 0);
  rmm_resource_t *outer = limiting(inner, 5 * MiB, 0);
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(outer, &ptr, 4 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("of limit 2.00 MiB");
  ck_assert_uint_eq(allocated(outer), 0);
  ck_assert_uint_eq(allocated(inner), 0);
  rmm_resource_release(outer);
  rmm_resource_release(inner);
  rmm_resource_release(host);
}
END_TEST

/* 4 + 4 MiB of 10; free one; 6 MiB then fills the limit exactly; 3 MiB over 8 fails. */
START_TEST(test_fill_exactly)
{
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  rmm_resource_t *mr = limiting(host, 10 * MiB, 0);
  void *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  RMM_CK(rmm_allocate(mr, &a, 4 * MiB, NULL));
  RMM_CK(rmm_allocate(mr, &b, 4 * MiB, NULL));
  ck_assert_uint_eq(allocated(mr), 8 * MiB);
  RMM_CK_STATUS(rmm_allocate(mr, &c, 3 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("8.00 MiB of limit 10.00 MiB in use");
  ck_assert_uint_eq(allocated(mr), 8 * MiB);
  RMM_CK(rmm_deallocate(mr, a, 4 * MiB, NULL));
  ck_assert_uint_eq(allocated(mr), 4 * MiB);
  RMM_CK(rmm_allocate(mr, &c, 6 * MiB, NULL));
  ck_assert_uint_eq(allocated(mr), 10 * MiB);
  RMM_CK_STATUS(rmm_allocate(mr, &d, 1, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm_deallocate(mr, b, 4 * MiB, NULL));
  RMM_CK(rmm_deallocate(mr, c, 6 * MiB, NULL));
  ck_assert_uint_eq(allocated(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(host);
}
END_TEST

/* An upstream failure gives the claimed bytes back. */
START_TEST(test_upstream_failure_releases_claim)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = limiting(up, MiB, 0);
  mock.fail_next = 1;
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 1000, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_uint_eq(allocated(mr), 0);
  RMM_CK(rmm_allocate(mr, &ptr, 1000, NULL));
  ck_assert_uint_eq(allocated(mr), 1024);
  RMM_CK(rmm_deallocate(mr, ptr, 1000, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* A free of memory taken straight from the upstream cannot wrap the count. */
START_TEST(test_foreign_free_does_not_underflow)
{
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  rmm_resource_t *mr = limiting(host, MiB, 0);
  void *mine = NULL, *foreign = NULL;
  RMM_CK(rmm_allocate(mr, &mine, 256, NULL));
  RMM_CK(rmm_allocate(host, &foreign, 4096, NULL));
  RMM_CK(rmm_deallocate(mr, foreign, 4096, NULL));
  ck_assert_uint_eq(allocated(mr), 0);
  RMM_CK(rmm_deallocate(mr, mine, 256, NULL));
  ck_assert_uint_eq(allocated(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(host);
}
END_TEST

enum { THREADS = 4, BLOCK = 1024, LIMIT_BLOCKS = 64, HELD = 64 };

typedef struct job {
  rmm_resource_t *mr;
  pthread_barrier_t *barrier;
  atomic_size_t *live;
  size_t rounds;
  uint64_t seed;
  size_t held_after_fill;
  size_t over_limit; /* times more blocks were live than the limit allows */
  int failures;
} job_t;

static void *fill_then_churn(void *arg)
{
  job_t *job = arg;
  void *held[HELD];
  size_t count = 0;
  /* Phase 1: everyone takes blocks until the limit says no. */
  while (count < HELD && rmm_allocate(job->mr, &held[count], BLOCK, NULL) == RMM_SUCCESS) {
    if (atomic_fetch_add(job->live, 1) + 1 > LIMIT_BLOCKS)
      job->over_limit++;
    count++;
  }
  job->held_after_fill = count;
  pthread_barrier_wait(job->barrier);
  pthread_barrier_wait(job->barrier);
  /* Phase 2: random frees and allocations; the limit must hold at every step. */
  for (size_t i = 0; i < job->rounds; i++) {
    if (count > 0 && rmm_test_random(&job->seed) % 2 == 0) {
      count--;
      atomic_fetch_sub(job->live, 1);
      if (rmm_deallocate(job->mr, held[count], BLOCK, NULL) != RMM_SUCCESS)
        job->failures++;
    } else if (count < HELD) {
      rmm_status_t status = rmm_allocate(job->mr, &held[count], BLOCK, NULL);
      if (status == RMM_SUCCESS) {
        if (atomic_fetch_add(job->live, 1) + 1 > LIMIT_BLOCKS)
          job->over_limit++;
        count++;
      } else if (status != RMM_ERROR_OUT_OF_MEMORY) {
        job->failures++;
      }
    }
  }
  while (count > 0) {
    count--;
    atomic_fetch_sub(job->live, 1);
    if (rmm_deallocate(job->mr, held[count], BLOCK, NULL) != RMM_SUCCESS)
      job->failures++;
  }
  return NULL;
}

START_TEST(test_exact_under_threads)
{
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  rmm_resource_t *mr = limiting(host, LIMIT_BLOCKS * BLOCK, 0);
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, THREADS + 1);
  atomic_size_t live = 0;
  pthread_t threads[THREADS];
  job_t jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job_t){.mr = mr, .barrier = &barrier, .live = &live, .rounds = rmm_test_scaled(20000),
                      .seed = (uint64_t)t * 7 + 1};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, fill_then_churn, &jobs[t]), 0);
  }
  pthread_barrier_wait(&barrier);
  /* After the fill, the threads hold exactly the limit between them. */
  size_t held = 0;
  for (int t = 0; t < THREADS; t++)
    held += jobs[t].held_after_fill;
  ck_assert_uint_eq(held, LIMIT_BLOCKS);
  ck_assert_uint_eq(allocated(mr), LIMIT_BLOCKS * BLOCK);
  pthread_barrier_wait(&barrier);
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
    ck_assert_uint_eq(jobs[t].over_limit, 0);
  }
  ck_assert_uint_eq(allocated(mr), 0);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.peak_bytes_in_use, LIMIT_BLOCKS * BLOCK);
  pthread_barrier_destroy(&barrier);
  rmm_resource_release(mr);
  rmm_resource_release(host);
}
END_TEST

static Suite *limiting_suite(void)
{
  Suite *suite = suite_create("limiting");
  TCase *counting = tcase_create("counting");
  tcase_add_test(counting, test_create_arguments);
  tcase_add_test(counting, test_granularity);
  tcase_add_test(counting, test_over_limit_allocates_nothing);
  tcase_add_test(counting, test_limiter_over_limiter);
  tcase_add_test(counting, test_fill_exactly);
  tcase_add_test(counting, test_upstream_failure_releases_claim);
  tcase_add_test(counting, test_foreign_free_does_not_underflow);
  suite_add_tcase(suite, counting);
  TCase *threads = tcase_create("threads");
  tcase_add_test(threads, test_exact_under_threads);
  tcase_set_timeout(threads, 60);
  suite_add_tcase(suite, threads);
  return suite;
}

int main(void) { return rmm_test_run(limiting_suite()); }
