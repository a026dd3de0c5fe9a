/*
 * What every adaptor shares: construction rules, properties, identity, reference
 * counting (B25), the current device resource as upstream, alignment forwarding (B24),
 * concurrent 0-byte requests (B7), statistics and family checks of the queries.
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

static bool never_retry(size_t bytes, void *arg)
{
  (void)bytes;
  (void)arg;
  return false;
}

/* Where the logging adaptor writes: rows are not what these tests look at. */
static FILE *null_sink;

/* The aligned adaptor pads requests of 2 KiB and more: the tests below meet both paths. */
static rmm_status_t make_aligned(rmm_resource_t *up, rmm_resource_t **out)
{
  return rmm_aligned_create(up, 4096, 2048, out);
}
static rmm_status_t make_limiting(rmm_resource_t *up, rmm_resource_t **out)
{
  return rmm_limiting_create(up, (size_t)1 << 30, 0, out);
}
static rmm_status_t make_logging(rmm_resource_t *up, rmm_resource_t **out)
{
  return rmm_logging_create_from_file(up, null_sink, false, out);
}
static rmm_status_t make_statistics(rmm_resource_t *up, rmm_resource_t **out) { return rmm_statistics_create(up, out); }
static rmm_status_t make_tracking(rmm_resource_t *up, rmm_resource_t **out) { return rmm_tracking_create(up, true, out); }
static rmm_status_t make_thread_safe(rmm_resource_t *up, rmm_resource_t **out) { return rmm_thread_safe_create(up, out); }
static rmm_status_t make_failure_callback(rmm_resource_t *up, rmm_resource_t **out)
{
  return rmm_failure_callback_create(up, never_retry, NULL, out);
}
static rmm_status_t make_prefetch(rmm_resource_t *up, rmm_resource_t **out) { return rmm_prefetch_create(up, out); }

typedef struct adaptor_kind {
  const char *name;
  rmm_status_t (*make)(rmm_resource_t *upstream, rmm_resource_t **out);
  bool counts_itself; /* get_stats reports the adaptor's own figures, not the upstream's */
} adaptor_kind_t;

static const adaptor_kind_t kinds[] = {
    {"aligned", make_aligned, true},
    {"limiting", make_limiting, true},
    {"logging", make_logging, false},
    {"statistics", make_statistics, true},
    {"tracking", make_tracking, true},
    {"thread_safe", make_thread_safe, false},
    {"failure_callback", make_failure_callback, false},
    {"prefetch", make_prefetch, false},
};
enum { KINDS = sizeof kinds / sizeof kinds[0] };

static rmm_resource_t *host(void)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_host_create(&mr));
  return mr;
}

static rmm_resource_t *make(int kind, rmm_resource_t *upstream)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(kinds[kind].make(upstream, &mr));
  ck_assert_ptr_nonnull(mr);
  return mr;
}

START_TEST(test_identity_and_properties)
{
  rmm_resource_t *up = host();
  rmm_resource_t *a = make(_i, up);
  rmm_resource_t *b = make(_i, up);
  ck_assert_str_eq(rmm_resource_name(a), kinds[_i].name);
  ck_assert_ptr_eq(rmm_resource_upstream(a), up);
  ck_assert_uint_eq(rmm_resource_properties(a), RMM_HOST_ACCESSIBLE);
  ck_assert(rmm_resource_is_equal(a, a));
  /* As in RMM, two adaptors built separately are not interchangeable. */
  ck_assert(!rmm_resource_is_equal(a, b));
  ck_assert(!rmm_resource_is_equal(a, up));
  rmm_resource_release(a);
  rmm_resource_release(b);

  /* Properties are the upstream's, whatever they are. */
  mock_t mock;
  rmm_resource_t *device_up = mock_create(&mock, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  rmm_resource_t *c = make(_i, device_up);
  ck_assert_uint_eq(rmm_resource_properties(c), RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  rmm_resource_release(c);
  rmm_resource_release(device_up);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_null_output)
{
  rmm_resource_t *up = host();
  RMM_CK_STATUS(kinds[_i].make(up, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("output pointer is NULL");
  rmm_resource_release(up);
}
END_TEST

/* B25: the adaptor keeps its upstream alive after the caller lets go of it. */
START_TEST(test_upstream_released_early)
{
  rmm_resource_t *up = host();
  rmm_resource_t *mr = make(_i, up);
  rmm_resource_release(up);
  for (size_t i = 0; i < 64; i++) {
    void *ptr = NULL;
    size_t bytes = 100 + 37 * i;
    RMM_CK(rmm_allocate(mr, &ptr, bytes, NULL));
    ck_assert_ptr_nonnull(ptr);
    memset(ptr, 0x5a, bytes);
    RMM_CK(rmm_deallocate(mr, ptr, bytes, NULL));
  }
  rmm_resource_release(mr);
}
END_TEST

/* B25 with the current device resource: set it to an adaptor, drop every user reference, allocate. */
START_TEST(test_current_resource_is_adaptor)
{
  rmm_resource_t *up = host();
  rmm_resource_t *mr = make(_i, up);
  rmm_resource_release(up);
  RMM_CK(rmm_set_current_device_resource(mr));
  rmm_resource_release(mr);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(NULL, &ptr, 4096, NULL));
  memset(ptr, 1, 4096);
  RMM_CK(rmm_deallocate(NULL, ptr, 4096, NULL));
  RMM_CK(rmm_set_current_device_resource(NULL));
}
END_TEST

/* A NULL upstream is the current device resource at creation. */
START_TEST(test_null_upstream_is_current)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  RMM_CK(rmm_set_current_device_resource(up));
  rmm_resource_t *mr = make(_i, NULL);
  ck_assert_ptr_eq(rmm_resource_upstream(mr), up);
  /* Changing the current resource later does not move the adaptor. */
  RMM_CK(rmm_set_current_device_resource(NULL));
  rmm_resource_release(up);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 512, NULL));
  ck_assert_uint_eq(mock.allocations, 1);
  RMM_CK(rmm_deallocate(mr, ptr, 512, NULL));
  ck_assert_uint_eq(mock.deallocations, 1);
  rmm_resource_release(mr);
}
END_TEST

/* B24: size, alignment and stream reach the upstream unchanged, both ways. */
START_TEST(test_forwarding)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = make(_i, up);
  rmm_stream_t stream = (rmm_stream_t)0x1000;
  void *ptr = NULL;
  RMM_CK(rmm_allocate_aligned(mr, &ptr, 1024, 128, stream));
  ck_assert_uint_eq(mock.last_bytes, 1024);
  ck_assert_uint_eq(mock.last_alignment, 128);
  ck_assert_ptr_eq(mock.last_ptr, ptr);
  RMM_CK(rmm_deallocate_aligned(mr, ptr, 1024, 128, stream));
  ck_assert_ptr_eq(mock.last_free_ptr, ptr);
  ck_assert_uint_eq(mock.last_free_bytes, 1024);
  ck_assert_uint_eq(mock.last_free_alignment, 128);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* An upstream's failure comes back with its status, and nothing is left allocated. */
START_TEST(test_upstream_failure)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = make(_i, up);
  mock.fail_always = true;
  mock.fail_status = RMM_ERROR_BAD_ALLOC;
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 1024, NULL), RMM_ERROR_BAD_ALLOC);
  ck_assert_ptr_null(ptr);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

typedef struct zero_job {
  rmm_resource_t *mr;
  size_t rounds;
  int failures;
} zero_job_t;

static void *zero_worker(void *arg)
{
  zero_job_t *job = arg;
  for (size_t i = 0; i < job->rounds; i++) {
    void *ptr = (void *)0x1;
    if (rmm_allocate(job->mr, &ptr, 0, NULL) != RMM_SUCCESS || ptr != NULL ||
        rmm_deallocate(job->mr, ptr, 0, NULL) != RMM_SUCCESS)
      job->failures++;
    /* Interleave real blocks, so that 0-byte requests meet a busy adaptor. */
    if (rmm_allocate(job->mr, &ptr, 256, NULL) != RMM_SUCCESS || rmm_deallocate(job->mr, ptr, 256, NULL) != RMM_SUCCESS)
      job->failures++;
  }
  return NULL;
}

/* B7: concurrent 0-byte requests all get NULL and never disturb the adaptor. */
START_TEST(test_concurrent_zero_bytes)
{
  enum { THREADS = 8 };
  rmm_resource_t *up = host();
  rmm_resource_t *mr = make(_i, up);
  pthread_t threads[THREADS];
  zero_job_t jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (zero_job_t){.mr = mr, .rounds = rmm_test_scaled(500)};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, zero_worker, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_get_stats)
{
  rmm_resource_t *up = host();
  rmm_resource_t *mr = make(_i, up);
  void *a = NULL, *b = NULL;
  RMM_CK(rmm_allocate(mr, &a, 1000, NULL));
  RMM_CK(rmm_allocate(mr, &b, 3000, NULL));
  RMM_CK(rmm_deallocate(mr, b, 3000, NULL));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert(stats.flags & RMM_STATS_IN_USE);
  if (strcmp(kinds[_i].name, "limiting") == 0) {
    /* The limiting adaptor counts sizes rounded to its 256-byte granularity. */
    ck_assert_uint_eq(stats.bytes_in_use, 1024);
    ck_assert_uint_eq(stats.peak_bytes_in_use, 1024 + 3072);
  } else {
    ck_assert_uint_eq(stats.bytes_in_use, 1000);
    ck_assert_uint_eq(stats.peak_bytes_in_use, 4000);
  }
  if (!kinds[_i].counts_itself) {
    rmm_resource_stats_t upstream = {.struct_size = sizeof upstream};
    RMM_CK(rmm_resource_get_stats(up, &upstream));
    ck_assert_mem_eq(&stats, &upstream, sizeof stats);
  }
  RMM_CK(rmm_deallocate(mr, a, 1000, NULL));
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Each family query refuses a resource of another family and a NULL one. */
START_TEST(test_queries_check_family)
{
  rmm_resource_t *up = host();
  size_t bytes;
  const char *name;
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK_STATUS(rmm_limiting_allocated(up, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a limiting adaptor");
  RMM_CK_STATUS(rmm_limiting_limit(up, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_logging_flush(up), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a logging adaptor");
  RMM_CK_STATUS(rmm_logging_file_name(up, &name), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_statistics_get(up, &counts), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a statistics adaptor");
  RMM_CK_STATUS(rmm_statistics_push_counters(up), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_statistics_pop_counters(up, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_tracking_allocated_bytes(up, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a tracking adaptor");
  RMM_CK_STATUS(rmm_tracking_outstanding_count(up, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_tracking_report(up, stderr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_tracking_foreach(up, NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK_STATUS(rmm_limiting_allocated(NULL, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("resource is NULL");
  RMM_CK_STATUS(rmm_statistics_get(NULL, &counts), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_tracking_outstanding_count(NULL, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_logging_flush(NULL), RMM_ERROR_INVALID_ARGUMENT);

  /* An adaptor of one family is not another. */
  rmm_resource_t *stats = NULL;
  RMM_CK(rmm_statistics_create(up, &stats));
  RMM_CK_STATUS(rmm_tracking_allocated_bytes(stats, &bytes), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("is a statistics resource");
  rmm_resource_release(stats);
  rmm_resource_release(up);
}
END_TEST

/* Adaptors stack in any order, each over the last, and the stack unwinds cleanly. */
START_TEST(test_deep_stack)
{
  rmm_resource_t *mr = host();
  for (int k = 0; k < KINDS; k++) {
    rmm_resource_t *next = make(k, mr);
    rmm_resource_release(mr);
    mr = next;
  }
  void *ptrs[16];
  for (int i = 0; i < 16; i++) {
    RMM_CK(rmm_allocate(mr, &ptrs[i], 100 * (size_t)(i + 1), NULL));
    memset(ptrs[i], i, 100 * (size_t)(i + 1));
  }
  for (int i = 0; i < 16; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 100 * (size_t)(i + 1), NULL));
  rmm_resource_release(mr);
}
END_TEST

static Suite *adaptor_suite(void)
{
  Suite *suite = suite_create("adaptor");
  TCase *each = tcase_create("each adaptor");
  tcase_add_loop_test(each, test_identity_and_properties, 0, KINDS);
  tcase_add_loop_test(each, test_null_output, 0, KINDS);
  tcase_add_loop_test(each, test_upstream_released_early, 0, KINDS);
  tcase_add_loop_test(each, test_current_resource_is_adaptor, 0, KINDS);
  tcase_add_loop_test(each, test_null_upstream_is_current, 0, KINDS);
  tcase_add_loop_test(each, test_forwarding, 0, KINDS);
  tcase_add_loop_test(each, test_upstream_failure, 0, KINDS);
  tcase_add_loop_test(each, test_concurrent_zero_bytes, 0, KINDS);
  tcase_add_loop_test(each, test_get_stats, 0, KINDS);
  tcase_set_timeout(each, 60);
  suite_add_tcase(suite, each);
  TCase *all = tcase_create("all adaptors");
  tcase_add_test(all, test_queries_check_family);
  tcase_add_test(all, test_deep_stack);
  suite_add_tcase(suite, all);
  return suite;
}

int main(void)
{
  null_sink = fopen("/dev/null", "w");
  if (null_sink == NULL)
    return EXIT_FAILURE;
  int result = rmm_test_run(adaptor_suite());
  fclose(null_sink);
  return result;
}
