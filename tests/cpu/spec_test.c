/* rmm_resource_from_spec over host-only families: every CPU-buildable name, nesting,
 * units, percentages of a given base, key=value, leaf substitution, and every kind of
 * error with its column. */
#include <string.h>
#include <unistd.h>

#include "common/test.h"

/* Builds `spec`, checks the top resource's name, and returns it. */
static rmm_resource_t *build(const char *spec, const char *name)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_from_spec(spec, &mr));
  ck_assert_ptr_nonnull(mr);
  ck_assert_str_eq(rmm_resource_name(mr), name);
  return mr;
}

/* The limit of a limiting adaptor built from `spec`, to read sizes back. */
static size_t limit_of(const char *spec)
{
  rmm_resource_t *mr = build(spec, "limiting");
  size_t limit = 0;
  RMM_CK(rmm_limiting_limit(mr, &limit));
  rmm_resource_release(mr);
  return limit;
}

/* Checks that `spec` fails with `status` and a message that names `what`. */
static void expect_error(const char *spec, rmm_status_t status, const char *what)
{
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_resource_from_spec(spec, &mr), status);
  ck_assert_ptr_null(mr);
  ck_assert_msg(strstr(rmm_last_error_message(), what) != NULL, "spec \"%s\": message '%s' lacks '%s'", spec,
                rmm_last_error_message(), what);
}

START_TEST(leaves)
{
  rmm_resource_release(build("host", "host"));
  rmm_resource_release(build("  host  ", "host"));
  rmm_resource_release(build("host()", "host"));
  rmm_resource_t *sim = build("simulated(1GiB)", "simulated");
  void *p = NULL;
  RMM_CK(rmm_allocate(sim, &p, (size_t)1 << 30, NULL));
  RMM_CK_STATUS(rmm_allocate(sim, &p, 256, NULL), RMM_ERROR_OUT_OF_MEMORY);
  rmm_resource_release(sim);
  rmm_resource_release(build("simulated(capacity=64MiB)", "simulated"));
  /* cuda, managed and the others are built without touching a device. */
  rmm_resource_release(build("cuda", "cuda"));
}
END_TEST

START_TEST(every_adaptor)
{
  static const char *const specs[][2] = {
      {"aligned(host)", "aligned"},
      {"aligned(host, 4096, 0)", "aligned"},
      {"limiting(host, 1MiB)", "limiting"},
      {"statistics(host)", "statistics"},
      {"tracking(host)", "tracking"},
      {"tracking(host, true)", "tracking"},
      {"thread_safe(host)", "thread_safe"},
      {"prefetch(host)", "prefetch"},
      {"arena(simulated(64MiB), 16MiB)", "arena"},
      {"arena(simulated(64MiB), 16MiB, false)", "arena"},
  };
  for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
    rmm_resource_t *mr = build(specs[i][0], specs[i][1]);
    void *p = NULL;
    RMM_CK(rmm_allocate(mr, &p, 1000, (rmm_stream_t)0x1234));
    ck_assert_ptr_nonnull(p);
    RMM_CK(rmm_deallocate(mr, p, 1000, (rmm_stream_t)0x1234));
    rmm_resource_release(mr);
  }
}
END_TEST

START_TEST(sub_allocators)
{
  size_t bytes = 0;
  rmm_resource_t *mr = build("pool(simulated(1GiB), 1MiB, 16MiB)", "pool");
  RMM_CK(rmm_pool_size(mr, &bytes));
  ck_assert_uint_eq(bytes, 1 << 20);
  void *p = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &p, 32 << 20, NULL), RMM_ERROR_OUT_OF_MEMORY);
  rmm_resource_release(mr);
  mr = build("pool(host, maximum=8MiB, initial=2MiB)", "pool");
  RMM_CK(rmm_pool_size(mr, &bytes));
  ck_assert_uint_eq(bytes, 2 << 20);
  rmm_resource_release(mr);
  mr = build("pool(upstream=host, initial_size=4MiB, maximum_size=0)", "pool");
  RMM_CK(rmm_pool_size(mr, &bytes));
  ck_assert_uint_eq(bytes, 4 << 20);
  rmm_resource_release(mr);
  rmm_resource_release(build("pool(host)", "pool"));

  mr = build("fixed_size(host, 64KiB, 4)", "fixed_size");
  RMM_CK(rmm_fixed_size_block_size(mr, &bytes));
  ck_assert_uint_eq(bytes, 65536);
  rmm_resource_release(mr);
  mr = build("fixed_size(host, block=4KiB, blocks=8)", "fixed_size");
  RMM_CK(rmm_fixed_size_block_size(mr, &bytes));
  ck_assert_uint_eq(bytes, 4096);
  RMM_CK(rmm_allocate(mr, &p, 4000, NULL));
  RMM_CK(rmm_deallocate(mr, p, 4000, NULL));
  rmm_resource_release(mr);

  static const char *const binnings[] = {"binning(host)", "binning(host, 8, 16)", "binning(pool(host), min=10, max=12)",
                                         "binning(host, max_log2=20, min_log2=18)"};
  for (size_t i = 0; i < sizeof binnings / sizeof binnings[0]; i++) {
    mr = build(binnings[i], "binning");
    RMM_CK(rmm_allocate(mr, &p, 3000, NULL));
    RMM_CK(rmm_deallocate(mr, p, 3000, NULL));
    rmm_resource_release(mr);
  }
  expect_error("binning(host, 8)", RMM_ERROR_INVALID_ARGUMENT, "column 1: cannot build binning: give both");
  expect_error("binning(host, max=8)", RMM_ERROR_INVALID_ARGUMENT, "give both");
  expect_error("binning(host, 8, 99999999999)", RMM_ERROR_INVALID_ARGUMENT, "out of range");
  expect_error("binning(host, 8, 4KiB)", RMM_ERROR_INVALID_ARGUMENT, "column 18: bad max_log2 of binning '4KiB'");
  expect_error("pool(pol)", RMM_ERROR_INVALID_ARGUMENT, "column 6: unknown resource 'pol'");
  expect_error("pool(1GiB, 2GiB)", RMM_ERROR_INVALID_ARGUMENT, "column 1: pool needs an upstream");
  expect_error("pool(host, initail=1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 12: unknown key 'initail' of pool");
  expect_error("pool(simulated(1MiB), 2MiB)", RMM_ERROR_OUT_OF_MEMORY, "column 1: cannot build pool");

  /* Percentages of a base, nested: the pool takes half of a simulated device of 1 GiB. */
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  options.percent_base = (size_t)1 << 30;
  RMM_CK(rmm_resource_from_spec_options("statistics(pool(simulated(100%), 50%, maximum=75%))", &options, &mr));
  RMM_CK(rmm_pool_size(rmm_resource_upstream(mr), &bytes));
  ck_assert_uint_eq(bytes, (size_t)1 << 29);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(logging_to_a_file)
{
  char path[] = "/tmp/rmm-spec-test-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char spec[128];
  snprintf(spec, sizeof spec, "logging(host, file=%s, flush=true)", path);
  rmm_resource_t *mr = build(spec, "logging");
  const char *name = NULL;
  RMM_CK(rmm_logging_file_name(mr, &name));
  ck_assert_str_eq(name, path);
  void *p = NULL;
  RMM_CK(rmm_allocate(mr, &p, 512, NULL));
  RMM_CK(rmm_deallocate(mr, p, 512, NULL));
  rmm_resource_release(mr);
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char line[128];
  int rows = 0;
  while (fgets(line, sizeof line, f) != NULL)
    rows++;
  fclose(f);
  ck_assert_int_eq(rows, 3);
  unlink(path);
}
END_TEST

START_TEST(nesting)
{
  rmm_resource_t *mr = build("statistics( limiting ( aligned(host, 4096, 0) , 1MiB ) )", "statistics");
  rmm_resource_t *limiting = rmm_resource_upstream(mr);
  ck_assert_str_eq(rmm_resource_name(limiting), "limiting");
  rmm_resource_t *aligned = rmm_resource_upstream(limiting);
  ck_assert_str_eq(rmm_resource_name(aligned), "aligned");
  ck_assert_str_eq(rmm_resource_name(rmm_resource_upstream(aligned)), "host");
  void *p = NULL;
  RMM_CK(rmm_allocate(mr, &p, 1000, NULL));
  ck_assert_uint_eq((uintptr_t)p % 4096, 0);
  void *q = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &q, 2 << 20, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm_deallocate(mr, p, 1000, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(units)
{
  ck_assert_uint_eq(limit_of("limiting(host, 100)"), 100);
  ck_assert_uint_eq(limit_of("limiting(host, 100B)"), 100);
  ck_assert_uint_eq(limit_of("limiting(host, 2KiB)"), 2048);
  ck_assert_uint_eq(limit_of("limiting(host, 3MiB)"), 3 << 20);
  ck_assert_uint_eq(limit_of("limiting(host, 5GiB)"), (size_t)5 << 30);
  ck_assert_uint_eq(limit_of("limiting(host, 2TiB)"), (size_t)2 << 40);
  ck_assert_uint_eq(limit_of("limiting(host, 2KB)"), 2000);
  ck_assert_uint_eq(limit_of("limiting(host, 3MB)"), 3000000);
  ck_assert_uint_eq(limit_of("limiting(host, 5GB)"), 5000000000);
  ck_assert_uint_eq(limit_of("limiting(host, 2TB)"), 2000000000000);
  ck_assert_uint_eq(limit_of("limiting(host, 1.5KiB)"), 1536);
  ck_assert_uint_eq(limit_of("limiting(host, 1gib)"), (size_t)1 << 30);
  ck_assert_uint_eq(limit_of("limiting(host, 0)"), 0);
}
END_TEST

START_TEST(percent_of_a_base)
{
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  options.percent_base = (size_t)1 << 30;
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_from_spec_options("limiting(simulated(50%), 25%)", &options, &mr));
  size_t limit = 0;
  RMM_CK(rmm_limiting_limit(mr, &limit));
  ck_assert_uint_eq(limit, (size_t)1 << 28);
  /* The simulated leaf holds 50% of the base: 512 MiB fits, one byte more does not. */
  rmm_resource_t *sim = rmm_resource_upstream(mr);
  void *p = NULL;
  RMM_CK(rmm_allocate(sim, &p, (size_t)1 << 29, NULL));
  RMM_CK_STATUS(rmm_allocate(sim, &p, 256, NULL), RMM_ERROR_OUT_OF_MEMORY);
  rmm_resource_release(mr);

  /* Fractions are rounded down to 256 bytes. */
  options.percent_base = 1000000;
  RMM_CK(rmm_resource_from_spec_options("limiting(host, 33.3%)", &options, &mr));
  RMM_CK(rmm_limiting_limit(mr, &limit));
  ck_assert_uint_eq(limit, 332800);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(leaf_substitution)
{
  rmm_resource_t *sim = NULL;
  RMM_CK(rmm_simulated_create((size_t)1 << 30, &sim));
  rmm_spec_options_t options = RMM_SPEC_OPTIONS_INIT;
  options.leaf = sim;
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_from_spec_options("statistics(cuda)", &options, &mr));
  ck_assert_ptr_eq(rmm_resource_upstream(mr), sim);
  rmm_resource_release(sim);
  void *p = NULL;
  RMM_CK(rmm_allocate(mr, &p, 4096, NULL));
  RMM_CK(rmm_deallocate(mr, p, 4096, NULL));
  rmm_resource_release(mr);

  /* The leaf's own arguments are still checked. */
  RMM_CK(rmm_simulated_create((size_t)1 << 30, &sim));
  options.leaf = sim;
  RMM_CK_STATUS(rmm_resource_from_spec_options("statistics(simulated(lots))", &options, &mr),
                RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("column 22");
  rmm_resource_release(sim);
}
END_TEST

START_TEST(keys)
{
  ck_assert_uint_eq(limit_of("limiting(host, limit=1MiB)"), 1 << 20);
  ck_assert_uint_eq(limit_of("limiting(upstream=host, limit=2MiB, alignment=512)"), 2 << 20);
  ck_assert_uint_eq(limit_of("limiting(host, alignment = 512, limit = 3MiB)"), 3 << 20);
  rmm_resource_release(build("aligned(host, alignment=4096, threshold=0)", "aligned"));
  rmm_resource_release(build("arena(simulated(64MiB), size=16MiB, dump_log=true)", "arena"));
  rmm_resource_release(build("arena(simulated(64MiB), arena_size=16MiB, dump_log_on_failure=no)", "arena"));
  rmm_resource_release(build("tracking(host, stacks=on)", "tracking"));
  rmm_resource_release(build("tracking(host, capture_stacks=0)", "tracking"));
  rmm_resource_release(build("simulated(capacity=1MiB)", "simulated"));
}
END_TEST

START_TEST(errors_with_columns)
{
  expect_error("statistics(hots)", RMM_ERROR_INVALID_ARGUMENT, "column 12: unknown resource 'hots'");
  expect_error("pol", RMM_ERROR_INVALID_ARGUMENT, "column 1: unknown resource 'pol'; did you mean 'pool'?");
  expect_error("statistcs(host)", RMM_ERROR_INVALID_ARGUMENT, "did you mean 'statistics'?");
  expect_error("limiting(host, limt=1MiB)", RMM_ERROR_INVALID_ARGUMENT, "unknown key 'limt' of limiting; did you mean 'limit'?");
  expect_error("arena(host, dump=true)", RMM_ERROR_INVALID_ARGUMENT, "unknown key 'dump' of arena (in");
  expect_error("host(size=1)", RMM_ERROR_INVALID_ARGUMENT, "column 6: unknown key 'size': host takes no arguments");
  expect_error("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", RMM_ERROR_INVALID_ARGUMENT, "unknown resource 'zzzz");
  expect_error("limiting(host, limt=1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 16: unknown key 'limt'");
  expect_error("statistics", RMM_ERROR_INVALID_ARGUMENT, "column 1: statistics needs an upstream");
  expect_error("statistics()", RMM_ERROR_INVALID_ARGUMENT, "column 1: statistics needs an upstream");
  expect_error("limiting(1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 1: limiting needs an upstream resource as its first argument, found '1MiB'");
  expect_error("limiting(limit=1MiB)", RMM_ERROR_INVALID_ARGUMENT, "limiting needs an upstream");
  expect_error("limiting(host)", RMM_ERROR_INVALID_ARGUMENT, "column 1: limiting needs its limit");
  expect_error("simulated", RMM_ERROR_INVALID_ARGUMENT, "simulated needs its capacity");
  expect_error("limiting(host, 12XB)", RMM_ERROR_INVALID_ARGUMENT, "column 16: bad limit of limiting '12XB': unknown unit");
  expect_error("limiting(host, lots)", RMM_ERROR_INVALID_ARGUMENT, "column 16: bad limit");
  expect_error("limiting(host, 101%)", RMM_ERROR_INVALID_ARGUMENT, "column 16: bad limit of limiting '101%'");
  expect_error("limiting(host, 0.3B)", RMM_ERROR_INVALID_ARGUMENT, "not a whole number");
  expect_error("limiting(host, 99999999999TiB)", RMM_ERROR_INVALID_ARGUMENT, "does not fit");
  expect_error("limiting(host, 1.2.3MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 16: bad limit");
  expect_error("limiting(host, host)", RMM_ERROR_INVALID_ARGUMENT, "column 16: bad limit");
  expect_error("limiting(host, host())", RMM_ERROR_INVALID_ARGUMENT, "column 16: limit of limiting is a value");
  expect_error("tracking(host, maybe)", RMM_ERROR_INVALID_ARGUMENT, "column 16: bad capture_stacks");
  expect_error("host junk", RMM_ERROR_INVALID_ARGUMENT, "column 6: unexpected text after the spec: 'junk'");
  expect_error("statistics(host))", RMM_ERROR_INVALID_ARGUMENT, "column 17: unbalanced parentheses: ')' without '('");
  expect_error("statistics(host", RMM_ERROR_INVALID_ARGUMENT, "column 16: unbalanced parentheses: '(' at column 11");
  expect_error("statistics(limiting(host, 1MiB)", RMM_ERROR_INVALID_ARGUMENT, "'(' at column 11 is not closed");
  expect_error("statistics(host 1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 17: expected ',' or ')'");
  expect_error("limiting(host, , 1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 16: expected a name or a value, found ','");
  expect_error("", RMM_ERROR_INVALID_ARGUMENT, "column 1: empty spec");
  expect_error("   ", RMM_ERROR_INVALID_ARGUMENT, "column 4: empty spec");
  expect_error("statistics(host, 1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 18: too many arguments: statistics takes 0");
  expect_error("host(1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 6: too many arguments: host takes 0 after its name");
  expect_error("limiting(host, 1MiB, limit=2MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 22: limit of limiting given twice");
  expect_error("limiting(host, upstream=host, 1MiB)", RMM_ERROR_INVALID_ARGUMENT, "column 16: upstream of limiting given twice");
  expect_error("statistics(host)=1", RMM_ERROR_INVALID_ARGUMENT, "column 17: unexpected text");
  expect_error("limiting(host, limit()=1)", RMM_ERROR_INVALID_ARGUMENT, "column 23: '=' after a resource");
  expect_error("limiting(host, limit=)", RMM_ERROR_INVALID_ARGUMENT, "column 22: expected a name or a value, found ')'");
  expect_error("statistics(", RMM_ERROR_INVALID_ARGUMENT, "column 12: expected a name or a value, found the end");
  expect_error("expandable_pool(host)", RMM_ERROR_INVALID_ARGUMENT, "column 17: bad initial_size of expandable_pool");
  expect_error("expandable_pool(host=maybe)", RMM_ERROR_INVALID_ARGUMENT, "bad host of expandable_pool");
  expect_error("expandable_pool(maximum=1GiB)", RMM_ERROR_INVALID_ARGUMENT, "unknown key 'maximum' of expandable_pool");
}
END_TEST

START_TEST(constructor_failures_name_the_resource)
{
  /* The arguments parse, the constructor refuses them: its status and message, with the column. */
  expect_error("statistics(aligned(host, 3000))", RMM_ERROR_INVALID_ARGUMENT, "column 12: cannot build aligned: ");
  expect_error("arena(simulated(1MiB), 64MiB)", RMM_ERROR_OUT_OF_MEMORY, "column 1: cannot build arena");
  expect_error("expandable_pool(host=true, initial=2MiB, reservation=1MiB)", RMM_ERROR_INVALID_ARGUMENT,
               "the initial size 2.00 MiB is above the reservation 1.00 MiB");
  /* No device here: a percentage of free device memory cannot be had. */
  int devices = 0;
  if (rmm_get_num_devices(&devices) != RMM_SUCCESS || devices == 0)
    ck_assert_int_ne(rmm_resource_from_spec("limiting(host, 10%)", &(rmm_resource_t *){NULL}), RMM_SUCCESS);
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
  char spec[2048] = "";
  for (int i = 0; i < 100; i++)
    strcat(spec, "statistics(");
  strcat(spec, "host");
  for (int i = 0; i < 100; i++)
    strcat(spec, ")");
  expect_error(spec, RMM_ERROR_INVALID_ARGUMENT, "nested deeper than");
}
END_TEST

START_TEST(null_arguments)
{
  rmm_resource_t *mr = NULL;
  RMM_CK_STATUS(rmm_resource_from_spec(NULL, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_resource_from_spec("host", NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_spec_options_t options = {.struct_size = 4};
  RMM_CK_STATUS(rmm_resource_from_spec_options("host", &options, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("struct_size");
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("spec");
  TCase *tc = tcase_create("spec");
  tcase_add_test(tc, leaves);
  tcase_add_test(tc, every_adaptor);
  tcase_add_test(tc, sub_allocators);
  tcase_add_test(tc, logging_to_a_file);
  tcase_add_test(tc, nesting);
  tcase_add_test(tc, units);
  tcase_add_test(tc, percent_of_a_base);
  tcase_add_test(tc, leaf_substitution);
  tcase_add_test(tc, keys);
  tcase_add_test(tc, errors_with_columns);
  tcase_add_test(tc, constructor_failures_name_the_resource);
  tcase_add_test(tc, deep_nesting_is_refused);
  tcase_add_test(tc, null_arguments);
  suite_add_tcase(suite, tc);
  return rmm_test_run(suite);
}
