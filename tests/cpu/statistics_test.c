/*
 * The statistics adaptor: RMM's statistics_mr_tests.cpp figures, nested scopes with
 * their exact merge arithmetic, frees that cannot underflow the outermost set (B8),
 * getters that never see a torn set while others allocate (B11), and exact counters
 * over a LIFO upstream under 16 threads (B6).
 */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

#define MiB ((int64_t)1 << 20)

static rmm_resource_t *simulated(void)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_simulated_create((size_t)1 << 34, &mr));
  return mr;
}

static rmm_resource_t *statistics(rmm_resource_t *up)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_statistics_create(up, &mr));
  return mr;
}

static rmm_statistics_t get(const rmm_resource_t *mr)
{
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(mr, &counts));
  return counts;
}

#define CK_COUNTS(c, cur_b, peak_b, total_b, cur_n, peak_n, total_n)                                                  \
  do {                                                                                                                 \
    rmm_statistics_t c_ = (c);                                                                                         \
    ck_assert_int_eq(c_.current_bytes, (cur_b));                                                                       \
    ck_assert_int_eq(c_.peak_bytes, (peak_b));                                                                         \
    ck_assert_int_eq(c_.total_bytes, (total_b));                                                                       \
    ck_assert_int_eq(c_.current_count, (cur_n));                                                                       \
    ck_assert_int_eq(c_.peak_count, (peak_n));                                                                         \
    ck_assert_int_eq(c_.total_count, (total_n));                                                                       \
  } while (0)

START_TEST(test_empty)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  CK_COUNTS(get(mr), 0, 0, 0, 0, 0, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* A caller built against a shorter struct gets the prefix it knows. */
START_TEST(test_struct_size)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 1000, NULL));
  rmm_statistics_t counts;
  memset(&counts, 0xff, sizeof counts);
  counts.struct_size = offsetof(rmm_statistics_t, peak_bytes);
  RMM_CK(rmm_statistics_get(mr, &counts));
  ck_assert_uint_eq(counts.struct_size, offsetof(rmm_statistics_t, peak_bytes));
  ck_assert_int_eq(counts.current_bytes, 1000);
  ck_assert_int_eq(counts.peak_bytes, -1);
  counts.struct_size = sizeof(size_t);
  RMM_CK_STATUS(rmm_statistics_get(mr, &counts), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("struct_size");
  RMM_CK_STATUS(rmm_statistics_get(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_deallocate(mr, ptr, 1000, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_all_freed)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  void *ptrs[10];
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], 10 * MiB, NULL));
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 10 * MiB, NULL));
  CK_COUNTS(get(mr), 0, 100 * MiB, 100 * MiB, 0, 10, 10);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_peak_allocations)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  void *ptrs[20];
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], 10 * MiB, NULL));
  for (int i = 0; i < 10; i += 2)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 10 * MiB, NULL));
  CK_COUNTS(get(mr), 50 * MiB, 100 * MiB, 100 * MiB, 5, 10, 10);
  for (int i = 10; i < 20; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], 10 * MiB, NULL));
  for (int i = 1; i < 10; i += 2)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 10 * MiB, NULL));
  for (int i = 10; i < 20; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 10 * MiB, NULL));
  CK_COUNTS(get(mr), 0, 150 * MiB, 200 * MiB, 0, 15, 20);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, (size_t)(150 * MiB));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Failed allocations are not counted; 0-byte requests never reach the adaptor. */
START_TEST(test_failures_and_empty_requests)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = statistics(up);
  mock.fail_next = 1;
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 1000, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm_allocate(mr, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  CK_COUNTS(get(mr), 0, 0, 0, 0, 0, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_two_adaptors_stacked)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *outer = statistics(up);
  rmm_resource_t *inner = statistics(outer);
  void *ptrs[15];
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate(outer, &ptrs[i], 10 * MiB, NULL));
  for (int i = 10; i < 15; i++)
    RMM_CK(rmm_allocate(inner, &ptrs[i], 10 * MiB, NULL));
  CK_COUNTS(get(outer), 150 * MiB, 150 * MiB, 150 * MiB, 15, 15, 15);
  CK_COUNTS(get(inner), 50 * MiB, 50 * MiB, 50 * MiB, 5, 5, 5);
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_deallocate(i < 10 ? outer : inner, ptrs[i], 10 * MiB, NULL));
  CK_COUNTS(get(outer), 0, 150 * MiB, 150 * MiB, 0, 15, 15);
  CK_COUNTS(get(inner), 0, 50 * MiB, 50 * MiB, 0, 5, 5);
  rmm_resource_release(inner);
  rmm_resource_release(outer);
  rmm_resource_release(up);
}
END_TEST

/*
 * B8: all 15 freed through the inner adaptor, which saw only 5. RMM lets the inner
 * figures go to -100 MiB; here the outermost set stops at zero.
 */
START_TEST(test_foreign_frees_do_not_underflow)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *outer = statistics(up);
  rmm_resource_t *inner = statistics(outer);
  void *ptrs[15];
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_allocate(i < 10 ? outer : inner, &ptrs[i], 10 * MiB, NULL));
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_deallocate(inner, ptrs[i], 10 * MiB, NULL));
  CK_COUNTS(get(outer), 0, 150 * MiB, 150 * MiB, 0, 15, 15);
  CK_COUNTS(get(inner), 0, 50 * MiB, 50 * MiB, 0, 5, 5);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(inner, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(inner);
  rmm_resource_release(outer);
  rmm_resource_release(up);
}
END_TEST

/* RMM's Nested test, figure for figure, then the outermost set after everything closed. */
START_TEST(test_nested_scopes)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  void *a0 = NULL, *a1 = NULL, *a2 = NULL;
  RMM_CK(rmm_allocate(mr, &a0, 10 * MiB, NULL));
  CK_COUNTS(get(mr), 10 * MiB, 10 * MiB, 10 * MiB, 1, 1, 1);
  RMM_CK(rmm_statistics_push_counters(mr));
  CK_COUNTS(get(mr), 0, 0, 0, 0, 0, 0);
  RMM_CK(rmm_allocate(mr, &a1, 10 * MiB, NULL));
  RMM_CK(rmm_statistics_push_counters(mr));
  CK_COUNTS(get(mr), 0, 0, 0, 0, 0, 0);
  RMM_CK(rmm_allocate(mr, &a2, 10 * MiB, NULL));
  RMM_CK(rmm_deallocate(mr, a2, 10 * MiB, NULL));
  CK_COUNTS(get(mr), 0, 10 * MiB, 10 * MiB, 0, 1, 1);

  /* While scopes are open, get_stats reports the whole adaptor: a0 and a1. */
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, (size_t)(20 * MiB));
  ck_assert_uint_eq(stats.peak_bytes_in_use, (size_t)(30 * MiB));

  rmm_statistics_t popped = {.struct_size = sizeof popped};
  RMM_CK(rmm_statistics_pop_counters(mr, &popped));
  CK_COUNTS(popped, 0, 10 * MiB, 10 * MiB, 0, 1, 1);
  CK_COUNTS(get(mr), 10 * MiB, 20 * MiB, 20 * MiB, 1, 2, 2);
  RMM_CK(rmm_deallocate(mr, a0, 10 * MiB, NULL));
  RMM_CK(rmm_statistics_pop_counters(mr, &popped));
  CK_COUNTS(popped, 0, 20 * MiB, 20 * MiB, 0, 2, 2);
  RMM_CK(rmm_deallocate(mr, a1, 10 * MiB, NULL));
  CK_COUNTS(get(mr), 0, 30 * MiB, 30 * MiB, 0, 3, 3);
  RMM_CK_STATUS(rmm_statistics_pop_counters(mr, &popped), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("only the outermost set");
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Inside a scope, freeing memory from before it reads as negative, and merges back to zero. */
START_TEST(test_scope_sees_earlier_frees_as_negative)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  void *early = NULL;
  RMM_CK(rmm_allocate(mr, &early, 4 * MiB, NULL));
  RMM_CK(rmm_statistics_push_counters(mr));
  RMM_CK(rmm_deallocate(mr, early, 4 * MiB, NULL));
  CK_COUNTS(get(mr), -4 * MiB, 0, 0, -1, 0, 0);
  RMM_CK(rmm_statistics_pop_counters(mr, NULL));
  CK_COUNTS(get(mr), 0, 4 * MiB, 4 * MiB, 0, 1, 1);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_deep_scopes)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  enum { DEPTH = 100 };
  void *ptrs[DEPTH];
  for (int i = 0; i < DEPTH; i++) {
    RMM_CK(rmm_statistics_push_counters(mr));
    RMM_CK(rmm_allocate(mr, &ptrs[i], 1000, NULL));
  }
  for (int i = DEPTH - 1; i >= 0; i--) {
    RMM_CK(rmm_deallocate(mr, ptrs[i], 1000, NULL));
    rmm_statistics_t popped = {.struct_size = sizeof popped};
    RMM_CK(rmm_statistics_pop_counters(mr, &popped));
    /* Each scope peaked with everything allocated inside it still live. */
    ck_assert_int_eq(popped.peak_bytes, (int64_t)(DEPTH - i) * 1000);
    ck_assert_int_eq(popped.total_count, DEPTH - i);
  }
  CK_COUNTS(get(mr), 0, DEPTH * 1000, DEPTH * 1000, 0, DEPTH, DEPTH);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_pop_checks_output)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = statistics(up);
  RMM_CK(rmm_statistics_push_counters(mr));
  rmm_statistics_t popped = {.struct_size = 4};
  RMM_CK_STATUS(rmm_statistics_pop_counters(mr, &popped), RMM_ERROR_INVALID_ARGUMENT);
  /* Nothing was popped by the refused call. */
  RMM_CK(rmm_statistics_pop_counters(mr, NULL));
  RMM_CK_STATUS(rmm_statistics_pop_counters(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

enum { BLOCK = 512 };

typedef struct job {
  rmm_resource_t *mr;
  size_t rounds;
  atomic_bool *stop;
  size_t torn; /* reads where the set did not hold together */
  size_t reads;
  int failures;
} job_t;

static void *allocator(void *arg)
{
  job_t *job = arg;
  void *held[4];
  for (size_t i = 0; i < job->rounds; i++) {
    for (int k = 0; k < 4; k++)
      if (rmm_allocate(job->mr, &held[k], BLOCK, NULL) != RMM_SUCCESS)
        job->failures++;
    for (int k = 0; k < 4; k++)
      if (rmm_deallocate(job->mr, held[k], BLOCK, NULL) != RMM_SUCCESS)
        job->failures++;
  }
  return NULL;
}

/* Every set read while others allocate must hold together: bytes = count x BLOCK. */
static void *reader(void *arg)
{
  job_t *job = arg;
  while (!atomic_load(job->stop)) {
    rmm_statistics_t c = {.struct_size = sizeof c};
    if (rmm_statistics_get(job->mr, &c) != RMM_SUCCESS)
      job->failures++;
    if (c.current_bytes != c.current_count * BLOCK || c.total_bytes != c.total_count * BLOCK ||
        c.peak_bytes != c.peak_count * BLOCK || c.current_bytes < 0 || c.current_bytes > c.peak_bytes ||
        c.peak_bytes > c.total_bytes)
      job->torn++;
    job->reads++;
    /* Let the writers run: under valgrind one thread runs at a time. */
    sched_yield();
  }
  return NULL;
}

/* B11 and B6: readers during 16 allocating threads over a LIFO upstream; exact totals after. */
START_TEST(test_threads_over_lifo)
{
  enum { WRITERS = 16, READERS = 2 };
  lifo_t lifo;
  rmm_resource_t *up = lifo_create(&lifo, BLOCK, WRITERS * 4);
  rmm_resource_t *mr = statistics(up);
  atomic_bool stop = false;
  pthread_t threads[WRITERS + READERS];
  job_t jobs[WRITERS + READERS];
  size_t rounds = rmm_test_scaled(2000);
  for (int t = 0; t < WRITERS + READERS; t++) {
    jobs[t] = (job_t){.mr = mr, .rounds = rounds, .stop = &stop};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, t < WRITERS ? allocator : reader, &jobs[t]), 0);
  }
  for (int t = 0; t < WRITERS; t++)
    pthread_join(threads[t], NULL);
  atomic_store(&stop, true);
  for (int t = WRITERS; t < WRITERS + READERS; t++)
    pthread_join(threads[t], NULL);
  for (int t = 0; t < WRITERS + READERS; t++) {
    ck_assert_int_eq(jobs[t].failures, 0);
    ck_assert_uint_eq(jobs[t].torn, 0);
  }
  rmm_statistics_t c = get(mr);
  ck_assert_int_eq(c.current_bytes, 0);
  ck_assert_int_eq(c.current_count, 0);
  ck_assert_int_eq(c.total_count, (int64_t)(WRITERS * 4 * rounds));
  ck_assert_int_eq(c.total_bytes, (int64_t)(WRITERS * 4 * rounds * BLOCK));
  ck_assert_int_le(c.peak_count, WRITERS * 4);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

static Suite *statistics_suite(void)
{
  Suite *suite = suite_create("statistics");
  TCase *counting = tcase_create("counting");
  tcase_add_test(counting, test_empty);
  tcase_add_test(counting, test_struct_size);
  tcase_add_test(counting, test_all_freed);
  tcase_add_test(counting, test_peak_allocations);
  tcase_add_test(counting, test_failures_and_empty_requests);
  tcase_add_test(counting, test_two_adaptors_stacked);
  tcase_add_test(counting, test_foreign_frees_do_not_underflow);
  suite_add_tcase(suite, counting);
  TCase *scopes = tcase_create("scopes");
  tcase_add_test(scopes, test_nested_scopes);
  tcase_add_test(scopes, test_scope_sees_earlier_frees_as_negative);
  tcase_add_test(scopes, test_deep_scopes);
  tcase_add_test(scopes, test_pop_checks_output);
  suite_add_tcase(suite, scopes);
  TCase *threads = tcase_create("threads");
  tcase_add_test(threads, test_threads_over_lifo);
  tcase_set_timeout(threads, 60);
  suite_add_tcase(suite, threads);
  return suite;
}

int main(void) { return rmm_test_run(statistics_suite()); }
