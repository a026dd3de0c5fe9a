/*
 * Regressions of the adversarial pass (issue 18): inputs at the edges of size_t, cycles,
 * counters past int64, exact decimal sizes, frees the resources can tell are wrong, and
 * messages that must survive the cleanup after a failure.
 */
#include <dlfcn.h>
#include <string.h>

#include "common/test.h"

/* A resource with no memory behind it: every allocation is the same fake address. */
typedef struct fake {
  uintptr_t address;
  bool fail;
  rmm_status_t status; /* what a failure returns; 0 means RMM_ERROR_OUT_OF_MEMORY */
  bool nested;         /* fail through a librmm call of its own, which leaves its message */
  int destroy_calls;
} fake_t;

static rmm_status_t fake_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)bytes, (void)alignment, (void)stream;
  fake_t *fake = ctx;
  if (fake->nested)
    return rmm_allocate_aligned(NULL, ptr, bytes, 3, stream);
  if (fake->fail)
    return fake->status != RMM_SUCCESS ? fake->status : RMM_ERROR_OUT_OF_MEMORY;
  *ptr = (void *)fake->address;
  return RMM_SUCCESS;
}

static rmm_status_t fake_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)ctx, (void)ptr, (void)bytes, (void)alignment, (void)stream;
  return RMM_SUCCESS;
}

/* Fails a call of its own while being destroyed, as a pool's synchronize can. */
static void fake_destroy(void *ctx)
{
  fake_t *fake = ctx;
  fake->destroy_calls++;
  void *ptr;
  (void)rmm_allocate_aligned(NULL, &ptr, 1, 3, NULL);
}

static rmm_resource_t *fake_create(fake_t *fake)
{
  static const rmm_resource_ops_t ops = {
      .struct_size = sizeof ops,
      .name = "fake",
      .allocate = fake_allocate,
      .deallocate = fake_deallocate,
      .destroy = fake_destroy,
  };
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_create(&ops, fake, RMM_HOST_ACCESSIBLE, &mr));
  return mr;
}

START_TEST(arena_sizes_near_size_max_fail_cleanly)
{
  fake_t fake = {.address = (uintptr_t)1 << 20};
  rmm_resource_t *up = fake_create(&fake);
  rmm_resource_t *arena = (rmm_resource_t *)0x1;
  /* Sizes whose MiB count wrapped to 0, and others past what the maps can cover. */
  const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1000, SIZE_MAX - ((size_t)1 << 20) + 1, SIZE_MAX / 2 + 1,
                          ((size_t)1 << 50) + 1};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    RMM_CK_STATUS(rmm_arena_create(up, sizes[i], false, &arena), RMM_ERROR_INVALID_ARGUMENT);
    ck_assert_ptr_null(arena);
    RMM_CK_MESSAGE_HAS("above the largest an arena manages");
  }
  rmm_resource_release(up);
  /* An upstream whose range would run past the end of the address space. */
  fake.address = UINTPTR_MAX - ((uintptr_t)1 << 20) - 255;
  fake.address &= ~(uintptr_t)255;
  up = fake_create(&fake);
  RMM_CK_STATUS(rmm_arena_create(up, (size_t)2 << 20, false, &arena), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("wraps the address space");
  rmm_resource_release(up);

  /* The same from a spec, with percentages of a device of nearly 2^64 bytes. */
  rmm_resource_t *sim = NULL;
  RMM_CK(rmm_simulated_create(SIZE_MAX, &sim));
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  options.leaf = sim;
  options.percent_base = 18446744073709550000u;
  RMM_CK_STATUS(rmm_resource_from_spec_options("arena(cuda, 100%)", &options, &arena), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("column 1: cannot build arena");
  rmm_resource_release(sim);
}
END_TEST

START_TEST(binning_refuses_cycles)
{
  rmm_resource_t *host, *bin, *stats, *outer;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_binning_create(host, &bin));
  RMM_CK_STATUS(rmm_binning_add_bin(bin, 1024, bin), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("cycle");
  /* Through an adaptor's upstream. */
  RMM_CK(rmm_statistics_create(bin, &stats));
  RMM_CK_STATUS(rmm_binning_add_bin(bin, 1024, stats), RMM_ERROR_INVALID_ARGUMENT);
  /* Through another binning resource's bins. */
  RMM_CK(rmm_binning_create(host, &outer));
  RMM_CK(rmm_binning_add_bin(outer, 4096, stats));
  RMM_CK_STATUS(rmm_binning_add_bin(bin, 2048, outer), RMM_ERROR_INVALID_ARGUMENT);
  /* A request of each size still works: no bin was added. */
  void *ptr;
  RMM_CK(rmm_allocate(bin, &ptr, 1024, NULL));
  RMM_CK(rmm_deallocate(bin, ptr, 1024, NULL));
  RMM_CK(rmm_allocate(outer, &ptr, 4000, NULL));
  RMM_CK(rmm_deallocate(outer, ptr, 4000, NULL));
  rmm_resource_release(outer);
  rmm_resource_release(stats);
  rmm_resource_release(bin);
  rmm_resource_release(host);
}
END_TEST

START_TEST(statistics_saturate_past_int64)
{
  fake_t fake = {.address = 4096};
  rmm_resource_t *up = fake_create(&fake);
  rmm_resource_t *stats;
  RMM_CK(rmm_statistics_create(up, &stats));
  const size_t four_eib = (size_t)1 << 62;
  void *a, *b;
  for (int round = 0; round < 2; round++) {
    RMM_CK(rmm_allocate(stats, &a, four_eib, NULL));
    RMM_CK(rmm_allocate(stats, &b, four_eib, NULL));
    RMM_CK(rmm_deallocate(stats, a, four_eib, NULL));
    RMM_CK(rmm_deallocate(stats, b, four_eib, NULL));
  }
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.total_bytes, INT64_MAX);
  ck_assert_int_eq(counts.peak_bytes, INT64_MAX);
  ck_assert_int_ge(counts.current_bytes, 0);
  ck_assert_int_eq(counts.total_count, 4);
  rmm_resource_release(stats);
  rmm_resource_release(up);
}
END_TEST

/* The limit a spec gives a limiting adaptor over host. */
static rmm_status_t limit_of(const char *spec, size_t percent_base, size_t *limit)
{
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  options.percent_base = percent_base;
  rmm_resource_t *mr = NULL;
  rmm_status_t status = rmm_resource_from_spec_options(spec, &options, &mr);
  if (status == RMM_SUCCESS)
    status = rmm_limiting_limit(mr, limit);
  rmm_resource_release(mr);
  return status;
}

START_TEST(decimal_sizes_are_exact)
{
  static const struct {
    const char *spec;
    size_t bytes;
  } cases[] = {
      {"limiting(host, 1.001KB)", 1001},
      {"limiting(host, 4.1GB)", 4100000000u},
      {"limiting(host, 0.067GB)", 67000000},
      {"limiting(host, 1.5GiB)", (size_t)3 << 29},
      {"limiting(host, 0.0009765625KiB)", 1},
      {"limiting(host, 18446744073709551615)", SIZE_MAX},
      {"limiting(host, 16777215.99999999999999999999999TiB)", 0}, /* not whole: refused */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t limit = 0;
    rmm_status_t status = limit_of(cases[i].spec, 0, &limit);
    if (cases[i].bytes == 0) {
      ck_assert_msg(status == RMM_ERROR_INVALID_ARGUMENT, "%s accepted", cases[i].spec);
      continue;
    }
    ck_assert_msg(status == RMM_SUCCESS, "%s: %s", cases[i].spec, rmm_last_error_message());
    ck_assert_msg(limit == cases[i].bytes, "%s: %zu, expected %zu", cases[i].spec, limit, cases[i].bytes);
  }
  static const char *const refused[] = {
      "limiting(host, 1.9B)",   "limiting(host, 18446744073709551616)", "limiting(host, 16EiB)",
      "limiting(host, nan)",    "limiting(host, 0x10)",                 "limiting(host, 1e3)",
      "limiting(host, 1.2.3)",  "limiting(host, 100.5%)",               "limiting(host, 17179869184TiB)",
      "limiting(host, .5KiB)",
  };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    size_t limit;
    ck_assert_msg(limit_of(refused[i], 0, &limit) == RMM_ERROR_INVALID_ARGUMENT, "%s accepted", refused[i]);
    RMM_CK_MESSAGE_HAS("column 16");
  }
}
END_TEST

START_TEST(percentages_of_bases_near_2_to_64)
{
  size_t limit = 0;
  RMM_CK(limit_of("limiting(host, 100%)", SIZE_MAX, &limit));
  ck_assert_uint_eq(limit, SIZE_MAX & ~(size_t)255);
  RMM_CK(limit_of("limiting(host, 50%)", SIZE_MAX, &limit));
  ck_assert_uint_eq(limit, (SIZE_MAX / 2) & ~(size_t)255);
  RMM_CK(limit_of("limiting(host, 33.3%)", 1000000000, &limit));
  ck_assert_uint_eq(limit, 333000000 & ~(size_t)255);
}
END_TEST

START_TEST(simulated_never_wraps)
{
  rmm_resource_t *sim;
  RMM_CK(rmm_simulated_create(SIZE_MAX, &sim));
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(sim, &ptr, SIZE_MAX, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  /* 4 EiB at a time: the address space runs out (an error) before any address repeats. */
  const size_t four_eib = (size_t)1 << 62;
  void *seen[8];
  size_t got = 0;
  for (int i = 0; i < 8; i++) {
    void *p;
    rmm_status_t status = rmm_allocate(sim, &p, four_eib, NULL);
    if (status == RMM_SUCCESS) {
      for (size_t j = 0; j < got; j++)
        ck_assert_ptr_ne(p, seen[j]);
      RMM_CK(rmm_deallocate(sim, p, four_eib, NULL));
      seen[got++] = p;
    } else {
      ck_assert_int_eq(status, RMM_ERROR_OUT_OF_MEMORY);
      RMM_CK_MESSAGE_HAS("out of addresses");
    }
  }
  ck_assert_uint_eq(got, 3);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(sim, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(sim);
}
END_TEST

START_TEST(simulated_refuses_double_and_wrong_size_frees)
{
  rmm_resource_t *sim;
  RMM_CK(rmm_simulated_create((size_t)1 << 30, &sim));
  void *a, *b;
  RMM_CK(rmm_allocate(sim, &a, 1000, NULL));
  RMM_CK(rmm_allocate(sim, &b, 5000, NULL));
  RMM_CK_STATUS(rmm_deallocate(sim, a, 999, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("allocated with 1000 bytes but freed with 999");
  RMM_CK(rmm_deallocate(sim, a, 1000, NULL));
  RMM_CK_STATUS(rmm_deallocate(sim, a, 1000, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("freed already");
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(sim, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 5120);
  RMM_CK(rmm_deallocate(sim, b, 5000, NULL));
  rmm_resource_release(sim);
}
END_TEST

START_TEST(host_wrong_size_free_keeps_figures_sane)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  void *a;
  RMM_CK(rmm_allocate(host, &a, 100, NULL));
  rmm_status_t status = rmm_deallocate(host, a, (size_t)1 << 40, NULL);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(host, &stats));
  if (status == RMM_SUCCESS) {
    /* Without a way to tell (not glibc), the figure stops at zero instead of wrapping. */
    ck_assert_uint_eq(stats.bytes_in_use, 0);
  } else {
    ck_assert_int_eq(status, RMM_ERROR_INVALID_ARGUMENT);
    ck_assert_uint_eq(stats.bytes_in_use, 100);
    RMM_CK(rmm_deallocate(host, a, 100, NULL));
  }
  rmm_resource_release(host);
}
END_TEST

START_TEST(failure_message_survives_cleanup)
{
  fake_t fake = {.address = 4096};
  rmm_resource_t *mr = fake_create(&fake);
  void *ptr;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 10, NULL), RMM_SUCCESS);
  RMM_CK_STATUS(rmm_allocate_aligned(mr, &ptr, 10, 12, NULL), RMM_ERROR_INVALID_ARGUMENT);
  char before[512];
  snprintf(before, sizeof before, "%s", rmm_last_error_message());
  /* The destroy fails a call of its own; the caller's message must be the first failure's. */
  rmm_resource_release(mr);
  ck_assert_int_eq(fake.destroy_calls, 1);
  ck_assert_str_eq(rmm_last_error_message(), before);

  /* A spec whose resource fails after its upstream was built keeps its own message and column. */
  rmm_resource_t *built = NULL;
  RMM_CK_STATUS(rmm_resource_from_spec("limiting(pool(host), 1MiB, 3)", &built), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("column 1: cannot build limiting");
  RMM_CK_MESSAGE_HAS("not a power of two");
}
END_TEST

START_TEST(custom_failure_sets_its_own_message)
{
  fake_t fake = {.address = 4096, .fail = true};
  rmm_resource_t *mr = fake_create(&fake);
  void *ptr;
  /* An unrelated earlier failure. */
  RMM_CK_STATUS(rmm_allocate_aligned(mr, &ptr, 10, 12, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 10, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(strstr(rmm_last_error_message(), "power of two"));
  RMM_CK_MESSAGE_HAS("fake: allocate of 10 bytes failed (out of memory)");
  /* A success leaves the last failure's message as it was. */
  fake.fail = false;
  RMM_CK(rmm_allocate(mr, &ptr, 10, NULL));
  RMM_CK_MESSAGE_HAS("fake: allocate of 10 bytes failed (out of memory)");
  RMM_CK(rmm_deallocate(mr, ptr, 10, NULL));
  /* A status that is no rmm_status_t is reported as such. */
  fake.fail = true;
  fake.status = (rmm_status_t)42;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 10, NULL), RMM_ERROR_BAD_ALLOC);
  RMM_CK_MESSAGE_HAS("status 42, which is no rmm_status_t");
  fake.status = (rmm_status_t)-1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 10, NULL), RMM_ERROR_BAD_ALLOC);
  RMM_CK_MESSAGE_HAS("status -1, which is no rmm_status_t");
  /* The last status there is passes through as itself. */
  fake.status = RMM_ERROR_IO;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 10, NULL), RMM_ERROR_IO);
  RMM_CK_MESSAGE_HAS("fake: allocate of 10 bytes failed (I/O error)");
  /* The callback's own message is kept, whole: the new message is formatted from the old. */
  fake.nested = true;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 10, NULL), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_str_eq(rmm_last_error_message(),
                   "fake: allocate of 10 bytes failed: rmm_allocate: alignment 3 is not a power of two");
  rmm_resource_release(mr);
}
END_TEST

START_TEST(no_driver_is_named)
{
  void *driver = dlopen("libcuda.so.1", RTLD_LAZY);
  if (driver != NULL) {
    dlclose(driver);
    return; /* a driver is installed: the message is cudart's own */
  }
  rmm_resource_t *cuda;
  RMM_CK(rmm_cuda_create(&cuda));
  void *ptr;
  rmm_status_t status = rmm_allocate(cuda, &ptr, 1 << 20, NULL);
  ck_assert_int_ne(status, RMM_SUCCESS);
  if (rmm_last_cuda_error() == 35) /* cudaErrorInsufficientDriver */
    RMM_CK_MESSAGE_HAS("no CUDA driver was found (libcuda.so.1");
  ck_assert_ptr_null(strstr(rmm_last_error_message(), "version is insufficient"));
  rmm_resource_release(cuda);
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("harden");
  TCase *tc = tcase_create("edges");
  tcase_add_test(tc, arena_sizes_near_size_max_fail_cleanly);
  tcase_add_test(tc, binning_refuses_cycles);
  tcase_add_test(tc, statistics_saturate_past_int64);
  tcase_add_test(tc, decimal_sizes_are_exact);
  tcase_add_test(tc, percentages_of_bases_near_2_to_64);
  tcase_add_test(tc, simulated_never_wraps);
  tcase_add_test(tc, simulated_refuses_double_and_wrong_size_frees);
  tcase_add_test(tc, host_wrong_size_free_keeps_figures_sane);
  tcase_add_test(tc, failure_message_survives_cleanup);
  tcase_add_test(tc, custom_failure_sets_its_own_message);
  tcase_add_test(tc, no_driver_is_named);
  suite_add_tcase(suite, tc);
  return rmm_test_run(suite);
}
