/* rmm_resource_trim() and rmm_resource_reset_peak() over custom resources, adaptors and binning. */
#include <string.h>

#include "common/test.h"

/* A custom resource over malloc whose trim reports a set number of bytes. */
typedef struct trimmer {
  size_t gives_back;  /* what each trim reports */
  rmm_status_t fails; /* what trim returns */
  int trims;          /* how many times trim ran */
} trimmer_t;

static rmm_status_t trimmer_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)ctx;
  (void)alignment;
  (void)stream;
  *ptr = aligned_alloc(256, (bytes + 255) & ~(size_t)255);
  return *ptr != NULL ? RMM_SUCCESS : RMM_ERROR_OUT_OF_MEMORY;
}

static rmm_status_t trimmer_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)ctx;
  (void)bytes;
  (void)alignment;
  (void)stream;
  free(ptr);
  return RMM_SUCCESS;
}

static rmm_status_t trimmer_trim(void *ctx, size_t *released)
{
  trimmer_t *trimmer = ctx;
  trimmer->trims++;
  *released += trimmer->gives_back;
  return trimmer->fails;
}

static rmm_resource_t *new_trimmer(trimmer_t *trimmer)
{
  rmm_resource_ops_t ops = {
      .struct_size = sizeof ops,
      .name = "trimmer",
      .allocate = trimmer_allocate,
      .deallocate = trimmer_deallocate,
      .trim = trimmer_trim,
  };
  rmm_resource_t *mr;
  RMM_CK(rmm_resource_create(&ops, trimmer, RMM_HOST_ACCESSIBLE, &mr));
  return mr;
}

static size_t peak_of(const rmm_resource_t *mr)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert(stats.flags & RMM_STATS_IN_USE);
  return stats.peak_bytes_in_use;
}

START_TEST(custom_trim_reaches_through_adaptors)
{
  trimmer_t trimmer = {.gives_back = 12345};
  rmm_resource_t *leaf = new_trimmer(&trimmer), *limiting, *stats, *tracking;
  RMM_CK(rmm_limiting_create(leaf, 1 << 20, 256, &limiting));
  RMM_CK(rmm_statistics_create(limiting, &stats));
  RMM_CK(rmm_tracking_create(stats, false, &tracking));

  size_t released = 99;
  RMM_CK(rmm_resource_trim(tracking, &released));
  ck_assert_uint_eq(released, 12345);
  ck_assert_int_eq(trimmer.trims, 1);

  /* The count may be left out. */
  RMM_CK(rmm_resource_trim(stats, NULL));
  ck_assert_int_eq(trimmer.trims, 2);

  rmm_resource_release(tracking);
  rmm_resource_release(stats);
  rmm_resource_release(limiting);
  rmm_resource_release(leaf);
}
END_TEST

START_TEST(resources_without_trim_give_back_nothing)
{
  rmm_resource_t *host, *stats;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_statistics_create(host, &stats));
  void *ptr;
  RMM_CK(rmm_allocate(stats, &ptr, 4096, NULL));
  size_t released = 99;
  RMM_CK(rmm_resource_trim(stats, &released));
  ck_assert_uint_eq(released, 0);
  RMM_CK(rmm_deallocate(stats, ptr, 4096, NULL));
  rmm_resource_release(stats);
  rmm_resource_release(host);

  /* A table from an older header ends before trim: its resource trims nothing. */
  trimmer_t trimmer = {.gives_back = 7};
  rmm_resource_ops_t ops = {
      .struct_size = offsetof(rmm_resource_ops_t, trim),
      .allocate = trimmer_allocate,
      .deallocate = trimmer_deallocate,
      .trim = trimmer_trim,
  };
  rmm_resource_t *old;
  RMM_CK(rmm_resource_create(&ops, &trimmer, RMM_HOST_ACCESSIBLE, &old));
  RMM_CK(rmm_resource_trim(old, &released));
  ck_assert_uint_eq(released, 0);
  ck_assert_int_eq(trimmer.trims, 0);
  rmm_resource_release(old);
}
END_TEST

START_TEST(binning_trims_its_bins_then_the_upstream)
{
  trimmer_t below = {.gives_back = 7}, small = {.gives_back = 100}, large = {.gives_back = 2000};
  rmm_resource_t *upstream = new_trimmer(&below), *small_bin = new_trimmer(&small), *large_bin = new_trimmer(&large);
  rmm_resource_t *binning;
  RMM_CK(rmm_binning_create(upstream, &binning));
  RMM_CK(rmm_binning_add_bin(binning, 1024, small_bin));
  RMM_CK(rmm_binning_add_bin(binning, 65536, large_bin));

  size_t released = 0;
  RMM_CK(rmm_resource_trim(binning, &released));
  ck_assert_uint_eq(released, 2107);
  ck_assert_int_eq(small.trims, 1);
  ck_assert_int_eq(large.trims, 1);
  ck_assert_int_eq(below.trims, 1);

  rmm_resource_release(binning);
  rmm_resource_release(small_bin);
  rmm_resource_release(large_bin);
  rmm_resource_release(upstream);
}
END_TEST

START_TEST(a_failing_trim_stops_the_walk_and_keeps_the_count)
{
  trimmer_t leaf_trimmer = {.gives_back = 10}, bin_trimmer = {.gives_back = 5, .fails = RMM_ERROR_CUDA};
  rmm_resource_t *leaf = new_trimmer(&leaf_trimmer), *bin = new_trimmer(&bin_trimmer), *binning;
  RMM_CK(rmm_binning_create(leaf, &binning));
  RMM_CK(rmm_binning_add_bin(binning, 4096, bin));
  size_t released = 0;
  RMM_CK_STATUS(rmm_resource_trim(binning, &released), RMM_ERROR_CUDA);
  ck_assert_uint_eq(released, 5);
  ck_assert_int_eq(leaf_trimmer.trims, 0);
  rmm_resource_release(binning);
  rmm_resource_release(bin);
  rmm_resource_release(leaf);
}
END_TEST

START_TEST(null_means_the_current_resource)
{
  trimmer_t trimmer = {.gives_back = 4096};
  rmm_resource_t *mr = new_trimmer(&trimmer);
  RMM_CK(rmm_set_current_device_resource(mr));
  size_t released = 0;
  RMM_CK(rmm_resource_trim(NULL, &released));
  ck_assert_uint_eq(released, 4096);

  void *ptr;
  RMM_CK(rmm_allocate(NULL, &ptr, 3000, NULL));
  RMM_CK(rmm_deallocate(NULL, ptr, 3000, NULL));
  ck_assert_uint_eq(peak_of(mr), 3000);
  RMM_CK(rmm_resource_reset_peak(NULL));
  ck_assert_uint_eq(peak_of(mr), 0);

  RMM_CK(rmm_set_current_device_resource(NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(reset_peak_restarts_every_level)
{
  rmm_resource_t *host, *limiting, *aligned, *stats, *tracking;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_limiting_create(host, 1 << 24, 256, &limiting));
  RMM_CK(rmm_aligned_create(limiting, 256, 0, &aligned));
  RMM_CK(rmm_statistics_create(aligned, &stats));
  RMM_CK(rmm_tracking_create(stats, false, &tracking));
  rmm_resource_t *levels[] = {tracking, stats, aligned, limiting, host};

  void *kept, *dropped;
  RMM_CK(rmm_allocate(tracking, &kept, 4096, NULL));
  RMM_CK(rmm_allocate(tracking, &dropped, 3 * 4096, NULL));
  RMM_CK(rmm_deallocate(tracking, dropped, 3 * 4096, NULL));
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
    ck_assert_msg(peak_of(levels[i]) == 4 * 4096, "%s peak %zu before the reset", rmm_resource_name(levels[i]),
                  peak_of(levels[i]));

  RMM_CK(rmm_resource_reset_peak(tracking));
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
    ck_assert_msg(peak_of(levels[i]) == 4096, "%s peak %zu after the reset", rmm_resource_name(levels[i]),
                  peak_of(levels[i]));

  /* The peak grows again from the reset. */
  RMM_CK(rmm_allocate(tracking, &dropped, 4096, NULL));
  RMM_CK(rmm_deallocate(tracking, dropped, 4096, NULL));
  ck_assert_uint_eq(peak_of(tracking), 2 * 4096);

  RMM_CK(rmm_deallocate(tracking, kept, 4096, NULL));
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
    rmm_resource_release(levels[i]);
}
END_TEST

START_TEST(reset_peak_restarts_open_statistics_scopes)
{
  rmm_resource_t *host, *stats;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_statistics_create(host, &stats));
  void *outer, *inner;
  RMM_CK(rmm_allocate(stats, &outer, 1024, NULL));
  RMM_CK(rmm_statistics_push_counters(stats));
  RMM_CK(rmm_allocate(stats, &inner, 2048, NULL));
  RMM_CK(rmm_deallocate(stats, inner, 2048, NULL));
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.peak_bytes, 2048);
  ck_assert_uint_eq(peak_of(stats), 3072);

  RMM_CK(rmm_resource_reset_peak(stats));
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.peak_bytes, 0);
  ck_assert_uint_eq(peak_of(stats), 1024);

  rmm_statistics_t popped = {.struct_size = sizeof popped};
  RMM_CK(rmm_statistics_pop_counters(stats, &popped));
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.peak_bytes, 1024);
  RMM_CK(rmm_deallocate(stats, outer, 1024, NULL));
  rmm_resource_release(stats);
  rmm_resource_release(host);
}
END_TEST

START_TEST(reset_peak_restarts_binning_and_its_bins)
{
  rmm_resource_t *host, *binning, *bin;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_binning_create(host, &binning));
  RMM_CK(rmm_host_create(&bin));
  RMM_CK(rmm_binning_add_bin(binning, 4096, bin));
  void *a, *b;
  RMM_CK(rmm_allocate(binning, &a, 4096, NULL));
  RMM_CK(rmm_allocate(binning, &b, 4096, NULL));
  RMM_CK(rmm_deallocate(binning, b, 4096, NULL));
  ck_assert_uint_eq(peak_of(binning), 8192);
  ck_assert_uint_eq(peak_of(bin), 8192);
  RMM_CK(rmm_resource_reset_peak(binning));
  ck_assert_uint_eq(peak_of(binning), 4096);
  ck_assert_uint_eq(peak_of(bin), 4096);
  RMM_CK(rmm_deallocate(binning, a, 4096, NULL));
  rmm_resource_release(binning);
  rmm_resource_release(bin);
  rmm_resource_release(host);
}
END_TEST

START_TEST(stats_keep_old_callers_working)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  /* A caller built before the reclaim fields gets the prefix it knows. */
  struct {
    rmm_resource_stats_t stats;
  } old;
  memset(&old, 0xAB, sizeof old);
  size_t known = offsetof(rmm_resource_stats_t, allocation_retries);
  old.stats.struct_size = known;
  RMM_CK(rmm_resource_get_stats(host, &old.stats));
  ck_assert_uint_eq(old.stats.struct_size, known);
  ck_assert_uint_eq(old.stats.upstream_chunks, 0);
  unsigned char untouched[sizeof old.stats - offsetof(rmm_resource_stats_t, allocation_retries)];
  memset(untouched, 0xAB, sizeof untouched);
  ck_assert(memcmp((char *)&old.stats + known, untouched, sizeof untouched) == 0);
  rmm_resource_release(host);
}
END_TEST

static Suite *trim_suite(void)
{
  Suite *suite = suite_create("trim");
  TCase *tc = tcase_create("trim");
  tcase_add_test(tc, custom_trim_reaches_through_adaptors);
  tcase_add_test(tc, resources_without_trim_give_back_nothing);
  tcase_add_test(tc, binning_trims_its_bins_then_the_upstream);
  tcase_add_test(tc, a_failing_trim_stops_the_walk_and_keeps_the_count);
  tcase_add_test(tc, null_means_the_current_resource);
  tcase_add_test(tc, reset_peak_restarts_every_level);
  tcase_add_test(tc, reset_peak_restarts_open_statistics_scopes);
  tcase_add_test(tc, reset_peak_restarts_binning_and_its_bins);
  tcase_add_test(tc, stats_keep_old_callers_working);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(trim_suite()); }
