/* The resource object, custom and callback resources, statuses and messages. */
#include <pthread.h>
#include <string.h>

#include "common/test.h"

/* A custom resource over malloc that counts what reaches it. */
typedef struct counting {
  int allocations;
  int deallocations;
  int destroyed;
  size_t last_bytes;
  size_t last_alignment;
  rmm_stream_t last_stream;
  bool fail_next;
} counting_t;

static rmm_status_t counting_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  counting_t *counting = ctx;
  counting->last_bytes = bytes;
  counting->last_alignment = alignment;
  counting->last_stream = stream;
  if (counting->fail_next) {
    counting->fail_next = false;
    return RMM_ERROR_OUT_OF_MEMORY;
  }
  counting->allocations++;
  *ptr = aligned_alloc(256, (bytes + 255) & ~(size_t)255);
  return *ptr != NULL ? RMM_SUCCESS : RMM_ERROR_OUT_OF_MEMORY;
}

static rmm_status_t counting_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  counting_t *counting = ctx;
  counting->deallocations++;
  counting->last_bytes = bytes;
  counting->last_alignment = alignment;
  counting->last_stream = stream;
  free(ptr);
  return RMM_SUCCESS;
}

static void counting_destroy(void *ctx) { ((counting_t *)ctx)->destroyed++; }

static bool same_counter_kind(const void *a, const void *b)
{
  (void)a;
  (void)b;
  return true;
}

static rmm_resource_ops_t counting_ops(void)
{
  rmm_resource_ops_t ops = {
      .struct_size = sizeof ops,
      .name = "counting",
      .allocate = counting_allocate,
      .deallocate = counting_deallocate,
      .destroy = counting_destroy,
  };
  return ops;
}

START_TEST(status_strings_name_every_code)
{
  const rmm_status_t codes[] = {RMM_SUCCESS,        RMM_ERROR_INVALID_ARGUMENT, RMM_ERROR_OUT_OF_MEMORY,
                                RMM_ERROR_BAD_ALLOC, RMM_ERROR_CUDA,             RMM_ERROR_NOT_SUPPORTED,
                                RMM_ERROR_IO};
  const size_t count = sizeof codes / sizeof codes[0];
  for (size_t i = 0; i < count; i++) {
    const char *name = rmm_status_string(codes[i]);
    ck_assert_ptr_nonnull(name);
    ck_assert_str_ne(name, "unknown status");
    for (size_t j = 0; j < i; j++)
      ck_assert_str_ne(name, rmm_status_string(codes[j]));
  }
  ck_assert_str_eq(rmm_status_string((rmm_status_t)1234), "unknown status");
  ck_assert_str_eq(rmm_status_string(RMM_ERROR_OUT_OF_MEMORY), "out of memory");
}
END_TEST

START_TEST(version_matches_headers)
{
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", RMM_VERSION_MAJOR, RMM_VERSION_MINOR, RMM_VERSION_PATCH);
  ck_assert_str_eq(rmm_version(), expected);
  ck_assert_int_eq(RMM_VERSION_NUMBER, RMM_VERSION_MAJOR * 10000 + RMM_VERSION_MINOR * 100 + RMM_VERSION_PATCH);
}
END_TEST

START_TEST(null_output_pointer_is_invalid)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  RMM_CK_STATUS(rmm_allocate(host, NULL, 64, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("output pointer is NULL");
  rmm_resource_release(host);
}
END_TEST

START_TEST(bad_alignment_is_invalid)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate_aligned(host, &ptr, 64, 48, NULL), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(ptr);
  RMM_CK_MESSAGE_HAS("alignment 48 is not a power of two");
  RMM_CK_STATUS(rmm_allocate_aligned(host, &ptr, 64, 0, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate_aligned(host, (void *)0x100, 64, 3, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(host);
}
END_TEST

START_TEST(custom_resource_sees_requests)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, &counting, RMM_HOST_ACCESSIBLE, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), "counting");
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_HOST_ACCESSIBLE);
  ck_assert_ptr_null(rmm_resource_upstream(mr));

  void *ptr;
  RMM_CK(rmm_allocate_aligned(mr, &ptr, 1000, 64, (rmm_stream_t)0x1234));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_int_eq(counting.allocations, 1);
  ck_assert_uint_eq(counting.last_bytes, 1000);
  ck_assert_uint_eq(counting.last_alignment, 64);
  ck_assert_ptr_eq(counting.last_stream, (rmm_stream_t)0x1234);

  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert(stats.flags & RMM_STATS_IN_USE);
  ck_assert_uint_eq(stats.bytes_in_use, 1000);

  RMM_CK(rmm_deallocate_aligned(mr, ptr, 1000, 64, (rmm_stream_t)0x5678));
  ck_assert_int_eq(counting.deallocations, 1);
  ck_assert_ptr_eq(counting.last_stream, (rmm_stream_t)0x5678);
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 1000);

  /* The default alignment reaches the resource when none is asked for. */
  RMM_CK(rmm_allocate(mr, &ptr, 8, NULL));
  ck_assert_uint_eq(counting.last_alignment, RMM_ALLOCATION_ALIGNMENT);
  RMM_CK(rmm_deallocate(mr, ptr, 8, NULL));
  rmm_resource_release(mr);
  ck_assert_int_eq(counting.destroyed, 1);
}
END_TEST

START_TEST(zero_bytes_and_null_frees_stay_in_the_library)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, &counting, RMM_HOST_ACCESSIBLE, &mr));
  void *ptr = (void *)0x1;
  RMM_CK(rmm_allocate(mr, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  RMM_CK(rmm_deallocate(mr, NULL, 0, NULL));
  RMM_CK(rmm_deallocate(mr, NULL, 100, NULL));
  ck_assert_int_eq(counting.allocations, 0);
  ck_assert_int_eq(counting.deallocations, 0);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(custom_failure_leaves_pointer_null)
{
  counting_t counting = {.fail_next = true};
  rmm_resource_ops_t ops = counting_ops();
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, &counting, RMM_HOST_ACCESSIBLE, &mr));
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 64, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(custom_table_is_validated)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_resource_create(NULL, &counting, 0, &mr), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(mr);
  RMM_CK_STATUS(rmm_resource_create(&ops, &counting, 0, NULL), RMM_ERROR_INVALID_ARGUMENT);

  rmm_resource_ops_t short_table = ops;
  short_table.struct_size = sizeof(size_t);
  RMM_CK_STATUS(rmm_resource_create(&short_table, &counting, 0, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("struct_size");

  rmm_resource_ops_t no_free = ops;
  no_free.deallocate = NULL;
  RMM_CK_STATUS(rmm_resource_create(&no_free, &counting, 0, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("required");

  RMM_CK_STATUS(rmm_resource_create(&ops, &counting, 0x10, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("property");
  ck_assert_int_eq(counting.destroyed, 0);
}
END_TEST

START_TEST(custom_table_from_older_header_works)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  /* A table that ends after deallocate: is_equal and destroy are unknown to its caller. */
  ops.struct_size = offsetof(rmm_resource_ops_t, is_equal);
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, &counting, RMM_HOST_ACCESSIBLE, &mr));
  void *ptr;
  RMM_CK(rmm_allocate(mr, &ptr, 64, NULL));
  RMM_CK(rmm_deallocate(mr, ptr, 64, NULL));
  rmm_resource_release(mr);
  ck_assert_int_eq(counting.destroyed, 0);
}
END_TEST

START_TEST(name_is_copied)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  char name[16] = "temporary";
  ops.name = name;
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, &counting, 0, &mr));
  strcpy(name, "changed");
  ck_assert_str_eq(rmm_resource_name(mr), "temporary");
  rmm_resource_release(mr);

  ops.name = NULL;
  RMM_CK(rmm_resource_create(&ops, &counting, 0, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), "custom");
  rmm_resource_release(mr);
}
END_TEST

START_TEST(last_release_destroys_exactly_once)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, &counting, 0, &mr));
  ck_assert_ptr_eq(rmm_resource_retain(mr), mr);
  rmm_resource_retain(mr);
  rmm_resource_release(mr);
  rmm_resource_release(mr);
  ck_assert_int_eq(counting.destroyed, 0);
  rmm_resource_release(mr);
  ck_assert_int_eq(counting.destroyed, 1);
  rmm_resource_release(NULL);
  ck_assert_ptr_null(rmm_resource_retain(NULL));
}
END_TEST

typedef struct refcount_race {
  rmm_resource_t *mr;
  size_t rounds;
} refcount_race_t;

static void *retain_release_loop(void *arg)
{
  refcount_race_t *race = arg;
  for (size_t i = 0; i < race->rounds; i++) {
    rmm_resource_retain(race->mr);
    rmm_resource_release(race->mr);
  }
  return NULL;
}

START_TEST(reference_count_is_atomic)
{
  counting_t counting = {0};
  rmm_resource_ops_t ops = counting_ops();
  refcount_race_t race = {.rounds = rmm_test_scaled(200000)};
  RMM_CK(rmm_resource_create(&ops, &counting, 0, &race.mr));
  pthread_t threads[4];
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(pthread_create(&threads[i], NULL, retain_release_loop, &race), 0);
  for (int i = 0; i < 4; i++)
    pthread_join(threads[i], NULL);
  ck_assert_int_eq(counting.destroyed, 0);
  rmm_resource_release(race.mr);
  ck_assert_int_eq(counting.destroyed, 1);
}
END_TEST

START_TEST(equality_rules)
{
  counting_t first = {0}, second = {0};
  rmm_resource_ops_t ops = counting_ops();
  rmm_resource_t *a, *b, *c, *host;
  RMM_CK(rmm_resource_create(&ops, &first, 0, &a));
  RMM_CK(rmm_resource_create(&ops, &second, 0, &b));
  RMM_CK(rmm_host_create(&host));
  ck_assert(rmm_resource_is_equal(a, a));
  ck_assert(!rmm_resource_is_equal(a, b));
  ck_assert(!rmm_resource_is_equal(a, host));
  ck_assert(!rmm_resource_is_equal(a, NULL));
  ck_assert(!rmm_resource_is_equal(NULL, NULL));

  /* With is_equal in the table, two contexts compare through it. */
  ops.is_equal = same_counter_kind;
  rmm_resource_release(b);
  rmm_resource_release(a);
  RMM_CK(rmm_resource_create(&ops, &first, 0, &a));
  RMM_CK(rmm_resource_create(&ops, &second, 0, &b));
  ck_assert(rmm_resource_is_equal(a, b));
  /* The same context and table are one resource even without is_equal. */
  ops.is_equal = NULL;
  RMM_CK(rmm_resource_create(&ops, &first, 0, &c));
  ck_assert(!rmm_resource_is_equal(c, b));
  rmm_resource_release(a);
  RMM_CK(rmm_resource_create(&ops, &first, 0, &a));
  ck_assert(rmm_resource_is_equal(a, c));
  rmm_resource_release(a);
  rmm_resource_release(b);
  rmm_resource_release(c);
  rmm_resource_release(host);
}
END_TEST

START_TEST(stats_respect_struct_size)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  void *ptr;
  RMM_CK(rmm_allocate(host, &ptr, 4096, NULL));

  /* A caller that knows only the first fields gets those and nothing past them. */
  struct {
    rmm_resource_stats_t stats;
    unsigned char canary[16];
  } old = {0};
  size_t known = offsetof(rmm_resource_stats_t, peak_bytes_in_use);
  old.stats.struct_size = known;
  memset(old.canary, 0xAB, sizeof old.canary);
  memset((char *)&old.stats + known, 0xAB, sizeof old.stats - known);
  RMM_CK(rmm_resource_get_stats(host, &old.stats));
  ck_assert_uint_eq(old.stats.struct_size, known);
  ck_assert_uint_eq(old.stats.bytes_in_use, 4096);
  ck_assert_uint_eq(((unsigned char *)&old.stats)[known], 0xAB);
  ck_assert_uint_eq(old.canary[0], 0xAB);

  rmm_resource_stats_t tiny = {.struct_size = 4};
  RMM_CK_STATUS(rmm_resource_get_stats(host, &tiny), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("struct_size 4 is too small");
  RMM_CK_STATUS(rmm_resource_get_stats(host, NULL), RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK(rmm_deallocate(host, ptr, 4096, NULL));
  rmm_resource_release(host);
}
END_TEST

typedef struct callback_log {
  int allocations;
  int deallocations;
  size_t bytes;
  bool fail;
} callback_log_t;

static void *log_allocate(size_t bytes, rmm_stream_t stream, void *arg)
{
  (void)stream;
  callback_log_t *log = arg;
  log->allocations++;
  log->bytes = bytes;
  return log->fail ? NULL : aligned_alloc(256, (bytes + 255) & ~(size_t)255);
}

static void log_deallocate(void *ptr, size_t bytes, rmm_stream_t stream, void *arg)
{
  (void)stream;
  callback_log_t *log = arg;
  log->deallocations++;
  log->bytes = bytes;
  free(ptr);
}

START_TEST(callback_resource_forwards_once)
{
  callback_log_t log = {0};
  rmm_resource_t *mr;
  RMM_CK(rmm_callback_create(log_allocate, log_deallocate, &log, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), "callback");
  ck_assert(rmm_resource_properties(mr) & RMM_DEVICE_ACCESSIBLE);
  void *ptr;
  RMM_CK(rmm_allocate(mr, &ptr, 10 << 20, NULL));
  ck_assert_int_eq(log.allocations, 1);
  ck_assert_uint_eq(log.bytes, 10 << 20);
  RMM_CK(rmm_deallocate(mr, ptr, 10 << 20, NULL));
  ck_assert_int_eq(log.deallocations, 1);

  /* The callbacks promise 256 bytes and no more: larger alignments never reach them. */
  RMM_CK_STATUS(rmm_allocate_aligned(mr, &ptr, 64, 4096, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("alignment 4096");
  ck_assert_int_eq(log.allocations, 1);

  log.fail = true;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 77, NULL), RMM_ERROR_BAD_ALLOC);
  RMM_CK_MESSAGE_HAS("returned NULL for 77 bytes");
  rmm_resource_release(mr);

  RMM_CK_STATUS(rmm_callback_create(NULL, log_deallocate, &log, &mr), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(mr);
  RMM_CK_STATUS(rmm_callback_create(log_allocate, NULL, &log, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_callback_create(log_allocate, log_deallocate, &log, NULL), RMM_ERROR_INVALID_ARGUMENT);
}
END_TEST

static void *fail_in_thread(void *arg)
{
  (void)arg;
  static char seen[256];
  snprintf(seen, sizeof seen, "%s", rmm_last_error_message());
  rmm_allocate_aligned(NULL, NULL, 1, 1, NULL);
  return seen;
}

START_TEST(messages_are_per_thread)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  void *ptr;
  RMM_CK_STATUS(rmm_allocate_aligned(host, &ptr, 1, 3, NULL), RMM_ERROR_INVALID_ARGUMENT);
  char mine[256];
  snprintf(mine, sizeof mine, "%s", rmm_last_error_message());
  ck_assert(strstr(mine, "alignment 3") != NULL);

  pthread_t thread;
  void *seen;
  ck_assert_int_eq(pthread_create(&thread, NULL, fail_in_thread, NULL), 0);
  pthread_join(thread, &seen);
  ck_assert_str_eq((const char *)seen, "");
  ck_assert_str_eq(rmm_last_error_message(), mine);
  ck_assert_int_eq(rmm_last_cuda_error(), 0);
  rmm_resource_release(host);
}
END_TEST

START_TEST(names_of_null)
{
  ck_assert_str_eq(rmm_resource_name(NULL), "(null)");
  ck_assert_ptr_null(rmm_resource_upstream(NULL));
}
END_TEST

static Suite *core_suite(void)
{
  Suite *suite = suite_create("core");
  TCase *tc = tcase_create("resource");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, status_strings_name_every_code);
  tcase_add_test(tc, version_matches_headers);
  tcase_add_test(tc, null_output_pointer_is_invalid);
  tcase_add_test(tc, bad_alignment_is_invalid);
  tcase_add_test(tc, custom_resource_sees_requests);
  tcase_add_test(tc, zero_bytes_and_null_frees_stay_in_the_library);
  tcase_add_test(tc, custom_failure_leaves_pointer_null);
  tcase_add_test(tc, custom_table_is_validated);
  tcase_add_test(tc, custom_table_from_older_header_works);
  tcase_add_test(tc, name_is_copied);
  tcase_add_test(tc, last_release_destroys_exactly_once);
  tcase_add_test(tc, reference_count_is_atomic);
  tcase_add_test(tc, equality_rules);
  tcase_add_test(tc, stats_respect_struct_size);
  tcase_add_test(tc, callback_resource_forwards_once);
  tcase_add_test(tc, messages_are_per_thread);
  tcase_add_test(tc, names_of_null);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(core_suite()); }
