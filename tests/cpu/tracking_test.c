/*
 * The tracking adaptor: RMM's tracking_mr_tests.cpp figures, call stacks, reports and
 * iteration, untracked and mis-sized frees (B8), and 16 threads over a LIFO upstream
 * with no spurious "not tracked" errors (B6). Errors are read back from the debug log.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

#define MiB ((size_t)1 << 20)

static rmm_resource_t *simulated(void)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_simulated_create((size_t)1 << 34, &mr));
  return mr;
}

static rmm_resource_t *tracking(rmm_resource_t *up, bool stacks)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_tracking_create(up, stacks, &mr));
  return mr;
}

static size_t outstanding(const rmm_resource_t *mr)
{
  size_t count = 0;
  RMM_CK(rmm_tracking_outstanding_count(mr, &count));
  return count;
}

static size_t tracked_bytes(const rmm_resource_t *mr)
{
  size_t bytes = 0;
  RMM_CK(rmm_tracking_allocated_bytes(mr, &bytes));
  return bytes;
}

START_TEST(test_empty)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, false);
  ck_assert_uint_eq(outstanding(mr), 0);
  ck_assert_uint_eq(tracked_bytes(mr), 0);
  RMM_CK_STATUS(rmm_tracking_outstanding_count(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_tracking_allocated_bytes(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_all_freed)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, false);
  void *ptrs[10];
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], 10 * MiB, NULL));
  ck_assert_uint_eq(outstanding(mr), 10);
  ck_assert_uint_eq(tracked_bytes(mr), 100 * MiB);
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 10 * MiB, NULL));
  ck_assert_uint_eq(outstanding(mr), 0);
  ck_assert_uint_eq(tracked_bytes(mr), 0);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 100 * MiB);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

typedef struct collected {
  rmm_tracking_entry_t entries[16];
  size_t frames[16];
  size_t count;
  size_t stop_after; /* 0: never stop */
} collected_t;

static bool collect(const rmm_tracking_entry_t *entry, void *arg)
{
  collected_t *c = arg;
  c->entries[c->count] = *entry;
  c->frames[c->count] = entry->frame_count;
  /* Frames are readable during the call. */
  for (size_t i = 0; i < entry->frame_count; i++)
    ck_assert_ptr_nonnull(entry->frames[i]);
  c->count++;
  return c->stop_after == 0 || c->count < c->stop_after;
}

/* Every other of 10 freed: 5 left, in address order, with stacks only when asked for. */
static void allocations_left(bool stacks)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, stacks);
  void *ptrs[10];
  rmm_stream_t stream = (rmm_stream_t)0x5000;
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate_aligned(mr, &ptrs[i], 10 * MiB, 128, stream));
  for (int i = 0; i < 10; i += 2)
    RMM_CK(rmm_deallocate_aligned(mr, ptrs[i], 10 * MiB, 128, stream));
  ck_assert_uint_eq(outstanding(mr), 5);
  ck_assert_uint_eq(tracked_bytes(mr), 50 * MiB);

  collected_t c = {0};
  RMM_CK(rmm_tracking_foreach(mr, collect, &c));
  ck_assert_uint_eq(c.count, 5);
  for (size_t i = 0; i < 5; i++) {
    ck_assert_ptr_eq(c.entries[i].ptr, ptrs[2 * i + 1]); /* the simulated upstream's addresses ascend */
    ck_assert_uint_eq(c.entries[i].bytes, 10 * MiB);
    ck_assert_uint_eq(c.entries[i].alignment, 128);
    ck_assert_ptr_eq(c.entries[i].stream, stream);
    if (stacks)
      ck_assert_uint_gt(c.frames[i], 0);
    else
      ck_assert_uint_eq(c.frames[i], 0);
  }
  for (int i = 1; i < 10; i += 2)
    RMM_CK(rmm_deallocate_aligned(mr, ptrs[i], 10 * MiB, 128, stream));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}

START_TEST(test_allocations_left_with_stacks) { allocations_left(true); }
END_TEST

START_TEST(test_allocations_left_without_stacks) { allocations_left(false); }
END_TEST

START_TEST(test_foreach_stops)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, false);
  void *ptrs[6];
  for (int i = 0; i < 6; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], 1000, NULL));
  collected_t c = {.stop_after = 2};
  RMM_CK(rmm_tracking_foreach(mr, collect, &c));
  ck_assert_uint_eq(c.count, 2);
  RMM_CK_STATUS(rmm_tracking_foreach(mr, NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("callback is NULL");
  for (int i = 0; i < 6; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 1000, NULL));
  c = (collected_t){0};
  RMM_CK(rmm_tracking_foreach(mr, collect, &c));
  ck_assert_uint_eq(c.count, 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* The walk works on a copy: the callback may free through the adaptor it walks. */
static bool free_each(const rmm_tracking_entry_t *entry, void *arg)
{
  rmm_resource_t *mr = arg;
  return rmm_deallocate_aligned(mr, entry->ptr, entry->bytes, entry->alignment, entry->stream) == RMM_SUCCESS;
}

START_TEST(test_foreach_callback_frees)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, true);
  for (int i = 0; i < 8; i++) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate(mr, &ptr, 4096, NULL));
  }
  RMM_CK(rmm_tracking_foreach(mr, free_each, mr));
  ck_assert_uint_eq(outstanding(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_two_adaptors_stacked)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *outer = tracking(up, true);
  rmm_resource_t *inner = tracking(outer, false);
  void *ptrs[15];
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_allocate(i < 10 ? outer : inner, &ptrs[i], 10 * MiB, NULL));
  ck_assert_uint_eq(outstanding(outer), 15);
  ck_assert_uint_eq(tracked_bytes(outer), 150 * MiB);
  ck_assert_uint_eq(outstanding(inner), 5);
  ck_assert_uint_eq(tracked_bytes(inner), 50 * MiB);
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_deallocate(i < 10 ? outer : inner, ptrs[i], 10 * MiB, NULL));
  ck_assert_uint_eq(outstanding(outer), 0);
  ck_assert_uint_eq(outstanding(inner), 0);
  rmm_resource_release(inner);
  rmm_resource_release(outer);
  rmm_resource_release(up);
}
END_TEST

/* B8 and RMM's NegativeInnerTracking: frees the inner adaptor never saw are logged, forwarded, not counted. */
START_TEST(test_untracked_frees)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *outer = tracking(up, false);
  rmm_resource_t *inner = tracking(outer, false);
  void *ptrs[15];
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_allocate(i < 10 ? outer : inner, &ptrs[i], 10 * MiB, NULL));
  long mark = debug_log_size();
  for (int i = 0; i < 15; i++)
    RMM_CK(rmm_deallocate(inner, ptrs[i], 10 * MiB, NULL));
  ck_assert_uint_eq(debug_log_count(mark, "not tracked"), 10);
  ck_assert_uint_eq(outstanding(outer), 0);
  ck_assert_uint_eq(tracked_bytes(outer), 0);
  ck_assert_uint_eq(outstanding(inner), 0);
  ck_assert_uint_eq(tracked_bytes(inner), 0);
  rmm_resource_release(inner);
  rmm_resource_release(outer);
  rmm_resource_release(up);
}
END_TEST

/* A free with the wrong size uses the recorded size, for the count and for the upstream. */
START_TEST(test_wrong_size_on_free)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = tracking(up, false);
  void *ptrs[10];
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], 10000, NULL));
  long mark = debug_log_size();
  for (int i = 0; i < 10; i++) {
    RMM_CK(rmm_deallocate(mr, ptrs[i], 5000, NULL));
    ck_assert_uint_eq(mock.last_free_bytes, 10000);
  }
  ck_assert_uint_eq(debug_log_count(mark, "allocated with 10000 bytes but freed with 5000"), 10);
  ck_assert_uint_eq(outstanding(mr), 0);
  ck_assert_uint_eq(tracked_bytes(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* An upstream that hands out a tracked address again replaces the stale record. */
START_TEST(test_address_reused_behind_the_adaptor)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = tracking(up, false);
  mock_script(&mock, (const uintptr_t[]){0x40000, 0x40000}, 2);
  void *first = NULL, *second = NULL;
  RMM_CK(rmm_allocate(mr, &first, 1000, NULL));
  long mark = debug_log_size();
  RMM_CK(rmm_allocate(mr, &second, 3000, NULL));
  ck_assert_ptr_eq(first, second);
  ck_assert_uint_eq(debug_log_count(mark, "allocated again while still tracked"), 1);
  ck_assert_uint_eq(outstanding(mr), 1);
  ck_assert_uint_eq(tracked_bytes(mr), 3000);
  RMM_CK(rmm_deallocate(mr, second, 3000, NULL));
  ck_assert_uint_eq(tracked_bytes(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_failed_allocation_is_not_recorded)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = tracking(up, true);
  mock.fail_next = 1;
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 1000, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_uint_eq(outstanding(mr), 0);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Reads a whole stream back into a string (caller frees). */
static char *read_back(FILE *file)
{
  long size = ftell(file);
  char *text = calloc((size_t)size + 1, 1);
  rewind(file);
  ck_assert_uint_eq(fread(text, 1, (size_t)size, file), (size_t)size);
  return text;
}

START_TEST(test_report)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, true);
  void *a = NULL, *b = NULL;
  RMM_CK(rmm_allocate(mr, &a, 1536, (rmm_stream_t)0x7000));
  RMM_CK(rmm_allocate(mr, &b, 3 * MiB, NULL));
  FILE *file = tmpfile();
  ck_assert_ptr_nonnull(file);
  RMM_CK(rmm_tracking_report(mr, file));
  char *text = read_back(file);
  ck_assert_msg(strstr(text, "tracking: 2 outstanding allocations, 3.00 MiB (3147264 bytes)") != NULL, "%s", text);
  char line[128];
  snprintf(line, sizeof line, "%p: 1536 B, alignment 256, stream 0x7000\n", a);
  ck_assert_msg(strstr(text, line) != NULL, "no '%s' in:\n%s", line, text);
  snprintf(line, sizeof line, "%p: 3145728 B, alignment 256", b);
  ck_assert_msg(strstr(text, line) != NULL, "no '%s' in:\n%s", line, text);
  /* Address order: a was handed out first by the ascending simulated upstream. */
  ck_assert(strstr(text, "1536 B") < strstr(text, "3145728 B"));
  ck_assert_msg(strstr(text, "  #0 ") != NULL, "no call stack in:\n%s", text);
  free(text);
  fclose(file);
  RMM_CK(rmm_deallocate(mr, a, 1536, (rmm_stream_t)0x7000));
  RMM_CK(rmm_deallocate(mr, b, 3 * MiB, NULL));

  file = tmpfile();
  RMM_CK(rmm_tracking_report(mr, file));
  text = read_back(file);
  ck_assert_str_eq(text, "tracking: 0 outstanding allocations, 0 B (0 bytes)\n");
  free(text);
  fclose(file);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_report_write_failure)
{
  rmm_resource_t *up = simulated();
  rmm_resource_t *mr = tracking(up, false);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 1000, NULL));
  FILE *read_only = fopen("/dev/null", "r");
  ck_assert_ptr_nonnull(read_only);
  RMM_CK_STATUS(rmm_tracking_report(mr, read_only), RMM_ERROR_IO);
  RMM_CK_MESSAGE_HAS("writing the report failed");
  fclose(read_only);
  RMM_CK_STATUS(rmm_tracking_report(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_deallocate(mr, ptr, 1000, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

enum { THREADS = 16, BLOCK = 256 };

typedef struct job {
  rmm_resource_t *mr;
  size_t rounds;
  uint64_t seed;
  int failures;
} job_t;

static void *churn(void *arg)
{
  job_t *job = arg;
  void *held[3];
  for (size_t i = 0; i < job->rounds; i++) {
    size_t n = 1 + rmm_test_random(&job->seed) % 3;
    for (size_t k = 0; k < n; k++)
      if (rmm_allocate(job->mr, &held[k], BLOCK, NULL) != RMM_SUCCESS)
        job->failures++;
    for (size_t k = n; k-- > 0;)
      if (rmm_deallocate(job->mr, held[k], BLOCK, NULL) != RMM_SUCCESS)
        job->failures++;
  }
  return NULL;
}

/* B6: a freed block goes straight to the next thread; the table must never be behind. */
START_TEST(test_threads_over_lifo)
{
  lifo_t lifo;
  rmm_resource_t *up = lifo_create(&lifo, BLOCK, THREADS * 3);
  rmm_resource_t *mr = tracking(up, false);
  rmm_resource_release(up);
  long mark = debug_log_size();
  pthread_t threads[THREADS];
  job_t jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job_t){.mr = mr, .rounds = rmm_test_scaled(3000), .seed = (uint64_t)t + 11};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, churn, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
  ck_assert_uint_eq(debug_log_count(mark, "tracking:"), 0);
  ck_assert_uint_eq(outstanding(mr), 0);
  ck_assert_uint_eq(tracked_bytes(mr), 0);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_le(stats.peak_bytes_in_use, THREADS * 3 * BLOCK);
  rmm_resource_release(mr);
}
END_TEST

static Suite *tracking_suite(void)
{
  Suite *suite = suite_create("tracking");
  TCase *records = tcase_create("records");
  tcase_add_test(records, test_empty);
  tcase_add_test(records, test_all_freed);
  tcase_add_test(records, test_allocations_left_with_stacks);
  tcase_add_test(records, test_allocations_left_without_stacks);
  tcase_add_test(records, test_foreach_stops);
  tcase_add_test(records, test_foreach_callback_frees);
  tcase_add_test(records, test_two_adaptors_stacked);
  tcase_add_test(records, test_failed_allocation_is_not_recorded);
  suite_add_tcase(suite, records);
  TCase *mistakes = tcase_create("mistakes");
  tcase_add_test(mistakes, test_untracked_frees);
  tcase_add_test(mistakes, test_wrong_size_on_free);
  tcase_add_test(mistakes, test_address_reused_behind_the_adaptor);
  suite_add_tcase(suite, mistakes);
  TCase *reports = tcase_create("reports");
  tcase_add_test(reports, test_report);
  tcase_add_test(reports, test_report_write_failure);
  suite_add_tcase(suite, reports);
  TCase *threads = tcase_create("threads");
  tcase_add_test(threads, test_threads_over_lifo);
  tcase_set_timeout(threads, 60);
  suite_add_tcase(suite, threads);
  return suite;
}

int main(void)
{
  debug_log_to_temp_file();
  int result = rmm_test_run(tracking_suite());
  debug_log_remove();
  return result;
}
