/*
 * The adaptors that add behaviour but no bookkeeping: thread_safe (one lock around an
 * upstream that is not thread-safe), failure_callback (retry counts, which failures
 * call the hook, alignment forwarded: B24) and prefetch (no failure where nothing can
 * migrate, no CUDA call over host memory).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

/* An upstream that notices when two threads are inside it at once. */
typedef struct unsafe {
  atomic_int inside;
  atomic_int overlaps;
  atomic_long calls;
} unsafe_t;

static void enter(unsafe_t *u)
{
  if (atomic_fetch_add(&u->inside, 1) != 0)
    atomic_fetch_add(&u->overlaps, 1);
  /* Stay a while, so that an unguarded second caller would arrive. */
  for (volatile int spin = 0; spin < 200; spin++)
    ;
  atomic_fetch_add(&u->calls, 1);
  atomic_fetch_sub(&u->inside, 1);
}

static rmm_status_t unsafe_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment;
  (void)stream;
  enter(ctx);
  *ptr = malloc(bytes);
  return *ptr != NULL ? RMM_SUCCESS : RMM_ERROR_OUT_OF_MEMORY;
}

static rmm_status_t unsafe_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)bytes;
  (void)alignment;
  (void)stream;
  enter(ctx);
  free(ptr);
  return RMM_SUCCESS;
}

typedef struct job {
  rmm_resource_t *mr;
  size_t rounds;
  int failures;
} job_t;

static void *churn(void *arg)
{
  job_t *job = arg;
  for (size_t i = 0; i < job->rounds; i++) {
    void *ptr = NULL;
    if (rmm_allocate(job->mr, &ptr, 64, NULL) != RMM_SUCCESS || rmm_deallocate(job->mr, ptr, 64, NULL) != RMM_SUCCESS)
      job->failures++;
  }
  return NULL;
}

START_TEST(test_thread_safe_serialises)
{
  enum { THREADS = 8 };
  unsafe_t unsafe = {0};
  rmm_resource_ops_t ops = {
      .struct_size = sizeof ops, .name = "unsafe", .allocate = unsafe_allocate, .deallocate = unsafe_deallocate};
  rmm_resource_t *up = NULL;
  RMM_CK(rmm_resource_create(&ops, &unsafe, RMM_HOST_ACCESSIBLE, &up));
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_thread_safe_create(up, &mr));
  rmm_resource_release(up);
  pthread_t threads[THREADS];
  job_t jobs[THREADS];
  size_t rounds = rmm_test_scaled(2000);
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job_t){.mr = mr, .rounds = rounds};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, churn, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
  ck_assert_int_eq(atomic_load(&unsafe.overlaps), 0);
  ck_assert_int_eq(atomic_load(&unsafe.calls), (long)(2 * THREADS * rounds));
  rmm_resource_release(mr);
}
END_TEST

/* What a failure callback saw, and how it answers. */
typedef struct hook {
  size_t calls;
  size_t last_bytes;
  size_t retries; /* answer true this many times, then false */
  rmm_resource_t *spill_from;
  void *spill;    /* a block to free when called: making room */
  size_t spill_bytes;
  bool call_librmm; /* fail a librmm call inside, overwriting the thread's message */
} hook_t;

static bool on_failure(size_t bytes, void *arg)
{
  hook_t *hook = arg;
  hook->calls++;
  hook->last_bytes = bytes;
  if (hook->call_librmm)
    rmm_allocate(NULL, NULL, 1, NULL);
  if (hook->spill != NULL) {
    rmm_deallocate(hook->spill_from, hook->spill, hook->spill_bytes, NULL);
    hook->spill = NULL;
    return true;
  }
  if (hook->retries > 0) {
    hook->retries--;
    return true;
  }
  return false;
}

static rmm_resource_t *failure_callback(rmm_resource_t *up, hook_t *hook)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_failure_callback_create(up, on_failure, hook, &mr));
  return mr;
}

START_TEST(test_callback_required)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_failure_callback_create(up, NULL, NULL, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("callback is NULL");
  ck_assert_ptr_null(mr);
  rmm_resource_release(up);
}
END_TEST

/* RMM's test: true retries once, false then returns the failure. */
START_TEST(test_retry_then_give_up)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  mock.fail_always = true;
  hook_t hook = {.retries = 1};
  rmm_resource_t *mr = failure_callback(up, &hook);
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 12345, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  ck_assert_uint_eq(hook.calls, 2);
  ck_assert_uint_eq(hook.last_bytes, 12345);
  ck_assert_uint_eq(mock.attempts, 2);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_retry_succeeds)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  mock.fail_next = 3;
  hook_t hook = {.retries = 100};
  rmm_resource_t *mr = failure_callback(up, &hook);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 1000, NULL));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq(hook.calls, 3);
  ck_assert_uint_eq(mock.attempts, 4);
  RMM_CK(rmm_deallocate(mr, ptr, 1000, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* Only out-of-memory calls the hook; other failures come back at once. */
START_TEST(test_other_failures_skip_callback)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  mock.fail_always = true;
  mock.fail_status = RMM_ERROR_BAD_ALLOC;
  hook_t hook = {.retries = 100};
  rmm_resource_t *mr = failure_callback(up, &hook);
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 1000, NULL), RMM_ERROR_BAD_ALLOC);
  ck_assert_uint_eq(hook.calls, 0);
  ck_assert_uint_eq(mock.attempts, 1);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* B24: alignment 512 and size 1024 reach the upstream unchanged, both ways. */
START_TEST(test_alignment_forwarded)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  hook_t hook = {0};
  rmm_resource_t *mr = failure_callback(up, &hook);
  void *ptr = NULL;
  RMM_CK(rmm_allocate_aligned(mr, &ptr, 1024, 512, NULL));
  ck_assert_uint_eq(mock.last_bytes, 1024);
  ck_assert_uint_eq(mock.last_alignment, 512);
  ck_assert_uint_eq((uintptr_t)ptr % 512, 0);
  RMM_CK(rmm_deallocate_aligned(mr, ptr, 1024, 512, NULL));
  ck_assert_uint_eq(mock.last_free_bytes, 1024);
  ck_assert_uint_eq(mock.last_free_alignment, 512);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/* The spilling pattern: the hook frees a block, the retry fits under the limit. */
START_TEST(test_spill_and_retry)
{
  rmm_resource_t *host = NULL, *limited = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_limiting_create(host, 1 << 20, 0, &limited));
  hook_t hook = {.spill_from = limited, .spill_bytes = 1 << 20};
  RMM_CK(rmm_allocate(limited, &hook.spill, 1 << 20, NULL));
  rmm_resource_t *mr = failure_callback(limited, &hook);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 1 << 19, NULL));
  ck_assert_uint_eq(hook.calls, 1);
  ck_assert_ptr_null(hook.spill);
  RMM_CK(rmm_deallocate(mr, ptr, 1 << 19, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(limited);
  rmm_resource_release(host);
}
END_TEST

/* The caller reads the upstream's message, even if the hook failed a librmm call of its own. */
START_TEST(test_message_survives_callback)
{
  rmm_resource_t *host = NULL, *limited = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_limiting_create(host, 1 << 20, 0, &limited));
  hook_t hook = {.call_librmm = true};
  rmm_resource_t *mr = failure_callback(limited, &hook);
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 2 << 20, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_uint_eq(hook.calls, 1);
  RMM_CK_MESSAGE_HAS("limiting: out of memory (failed to allocate 2.00 MiB");
  rmm_resource_release(mr);
  rmm_resource_release(limited);
  rmm_resource_release(host);
}
END_TEST

/* Over host memory the prefetch adaptor is a plain pass-through. */
START_TEST(test_prefetch_host_only)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_prefetch_create(up, &mr));
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 5000, (rmm_stream_t)0x1000));
  memset(ptr, 3, 5000);
  ck_assert_int_eq(rmm_last_cuda_error(), 0);
  RMM_CK(rmm_deallocate(mr, ptr, 5000, (rmm_stream_t)0x1000));
  ck_assert_uint_eq(mock.allocations, 1);
  ck_assert_uint_eq(mock.deallocations, 1);
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

/*
 * Device-accessible memory that cannot migrate (here host heap memory, named device
 * accessible): no GPU, or a GPU that answers cudaErrorInvalidValue, is no failure.
 */
START_TEST(test_prefetch_nothing_to_migrate)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE);
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_prefetch_create(up, &mr));
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 5000, NULL));
  memset(ptr, 3, 5000);
  RMM_CK(rmm_deallocate(mr, ptr, 5000, NULL));
  rmm_resource_release(mr);
  rmm_resource_release(up);
}
END_TEST

static Suite *passthrough_suite(void)
{
  Suite *suite = suite_create("passthrough");
  TCase *thread_safe = tcase_create("thread_safe");
  tcase_add_test(thread_safe, test_thread_safe_serialises);
  tcase_set_timeout(thread_safe, 60);
  suite_add_tcase(suite, thread_safe);
  TCase *callback = tcase_create("failure_callback");
  tcase_add_test(callback, test_callback_required);
  tcase_add_test(callback, test_retry_then_give_up);
  tcase_add_test(callback, test_retry_succeeds);
  tcase_add_test(callback, test_other_failures_skip_callback);
  tcase_add_test(callback, test_alignment_forwarded);
  tcase_add_test(callback, test_spill_and_retry);
  tcase_add_test(callback, test_message_survives_callback);
  suite_add_tcase(suite, callback);
  TCase *prefetch = tcase_create("prefetch");
  tcase_add_test(prefetch, test_prefetch_host_only);
  tcase_add_test(prefetch, test_prefetch_nothing_to_migrate);
  suite_add_tcase(suite, prefetch);
  return suite;
}

int main(void) { return rmm_test_run(passthrough_suite()); }
