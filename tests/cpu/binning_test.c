/* The binning resource over host memory: routing, bins, errors and threads without a GPU. */
#include "config.h"

#include <stdatomic.h>
#include <string.h>

#include "common/suballoc_check.h"
#include "common/workers.h"

/* Fake stream handles: any value serves as a stream over a host-only upstream. */
#define STREAM(n) ((rmm_stream_t)(uintptr_t)(0x1000 * (n)))

/* ---- a counting resource: shows which resource a request reached ---- */

typedef struct counter {
  rmm_resource_t *host;
  atomic_size_t allocations;
  atomic_size_t frees;
  atomic_size_t last_bytes;
  atomic_size_t last_alignment;
  atomic_bool *destroyed; /* set when the resource goes, if given */
  rmm_status_t fail_with; /* RMM_SUCCESS: pass requests to host memory */
  bool fail_frees;
} counter_t;

static rmm_status_t counter_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  counter_t *counter = ctx;
  atomic_store(&counter->last_bytes, bytes);
  atomic_store(&counter->last_alignment, alignment);
  if (counter->fail_with != RMM_SUCCESS)
    return counter->fail_with;
  rmm_status_t status = rmm_allocate_aligned(counter->host, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS)
    atomic_fetch_add(&counter->allocations, 1);
  return status;
}

static rmm_status_t counter_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  counter_t *counter = ctx;
  atomic_store(&counter->last_bytes, bytes);
  if (counter->fail_frees)
    return RMM_ERROR_INVALID_ARGUMENT;
  atomic_fetch_add(&counter->frees, 1);
  return rmm_deallocate_aligned(counter->host, ptr, bytes, alignment, stream);
}

static void counter_destroy(void *ctx)
{
  counter_t *counter = ctx;
  if (counter->destroyed != NULL)
    atomic_store(counter->destroyed, true);
  rmm_resource_release(counter->host);
  free(counter);
}

/* A host-memory resource named `name` that counts what reaches it; *ctx stays valid while it lives. */
static rmm_resource_t *new_counter(const char *name, unsigned properties, counter_t **ctx)
{
  rmm_resource_ops_t ops = {
      .struct_size = sizeof ops,
      .name = name,
      .allocate = counter_allocate,
      .deallocate = counter_deallocate,
      .destroy = counter_destroy,
  };
  counter_t *counter = calloc(1, sizeof *counter);
  ck_assert_ptr_nonnull(counter);
  counter->host = rmm_test_host();
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_resource_create(&ops, counter, properties, &mr));
  *ctx = counter;
  return mr;
}

static rmm_resource_t *new_binning(rmm_resource_t *upstream)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_binning_create(upstream, &mr));
  return mr;
}

/* A binning resource over a counting upstream named `name`, which it holds alone; *up counts its traffic. */
static rmm_resource_t *new_counted_binning(const char *name, counter_t **up)
{
  rmm_resource_t *upstream = new_counter(name, RMM_HOST_ACCESSIBLE, up);
  rmm_resource_t *mr = new_binning(upstream);
  rmm_resource_release(upstream);
  return mr;
}

/* A binning resource over host memory, which it holds alone. */
static rmm_resource_t *new_host_binning(void)
{
  rmm_resource_t *host = rmm_test_host();
  rmm_resource_t *mr = new_binning(host);
  rmm_resource_release(host);
  return mr;
}

/* Adds a counting bin of `size` bytes to `mr`; the binning resource holds the only reference. */
static counter_t *add_counting_bin(rmm_resource_t *mr, size_t size, const char *name)
{
  counter_t *counter = NULL;
  rmm_resource_t *bin = new_counter(name, RMM_HOST_ACCESSIBLE, &counter);
  RMM_CK(rmm_binning_add_bin(mr, size, bin));
  rmm_resource_release(bin);
  return counter;
}

/* Allocates and frees `bytes` through `mr` and checks that `expected` (only) saw both. */
static void check_route(rmm_resource_t *mr, size_t bytes, counter_t *expected, counter_t **all, size_t count)
{
  size_t before[8];
  for (size_t i = 0; i < count; i++)
    before[i] = atomic_load(&all[i]->allocations) + atomic_load(&all[i]->frees);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, bytes, STREAM(1)));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  memset(ptr, 0xab, bytes);
  RMM_CK(rmm_deallocate(mr, ptr, bytes, STREAM(1)));
  for (size_t i = 0; i < count; i++) {
    size_t now = atomic_load(&all[i]->allocations) + atomic_load(&all[i]->frees);
    ck_assert_msg(now - before[i] == (all[i] == expected ? 2u : 0u), "%zu bytes: resource %zu saw %zu calls", bytes,
                  i, now - before[i]);
  }
  ck_assert_uint_eq(atomic_load(&expected->last_bytes), bytes);
}

/* ---- routing ---- */

START_TEST(test_routing_to_smallest_bin)
{
  counter_t *up = NULL;
  rmm_resource_t *upstream = new_counter("up", RMM_HOST_ACCESSIBLE, &up);
  rmm_resource_t *mr = new_binning(upstream);
  rmm_resource_release(upstream);
  /* Added out of order: the resource keeps them sorted. */
  counter_t *b4k = add_counting_bin(mr, 4 * KiB, "b4k");
  counter_t *b256 = add_counting_bin(mr, 256, "b256");
  counter_t *b1k = add_counting_bin(mr, KiB, "b1k");
  counter_t *all[] = {up, b256, b1k, b4k};
  const struct {
    size_t bytes;
    counter_t *to;
  } cases[] = {
      {1, b256},       {255, b256},      {256, b256}, {257, b1k},   {1000, b1k}, {KiB, b1k},
      {KiB + 1, b4k},  {4 * KiB, b4k},   {4 * KiB + 1, up},           {MiB, up},   {3 * MiB + 7, up},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    check_route(mr, cases[i].bytes, cases[i].to, all, 4);
  ck_assert_str_eq(rmm_resource_name(mr), "binning");
  ck_assert_ptr_eq(rmm_resource_upstream(mr), upstream);
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_HOST_ACCESSIBLE);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(test_no_bins_all_upstream)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("up", &up);
  counter_t *all[] = {up};
  check_route(mr, 1, up, all, 1);
  check_route(mr, 300 * KiB, up, all, 1);
  rmm_resource_release(mr);
}
END_TEST

/* RMM rounds a bin's size up to 256: a bin of 1000 bytes takes requests up to 1024. */
START_TEST(test_bin_size_rounded)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("up", &up);
  counter_t *bin = add_counting_bin(mr, 1000, "bin");
  counter_t *all[] = {up, bin};
  check_route(mr, 1024, bin, all, 2);
  check_route(mr, 1025, up, all, 2);
  rmm_resource_release(mr);
}
END_TEST

/* Alignment reaches the bin and the upstream as given, and frees carry it too. */
START_TEST(test_alignment_forwarded)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("up", &up);
  counter_t *bin = add_counting_bin(mr, KiB, "bin");
  void *ptr = NULL;
  RMM_CK(rmm_allocate_aligned(mr, &ptr, 100, 64, STREAM(1)));
  ck_assert_uint_eq(atomic_load(&bin->last_alignment), 64);
  RMM_CK(rmm_deallocate_aligned(mr, ptr, 100, 64, STREAM(1)));
  RMM_CK(rmm_allocate_aligned(mr, &ptr, 2 * KiB, 128, STREAM(1)));
  ck_assert_uint_eq(atomic_load(&up->last_alignment), 128);
  RMM_CK(rmm_deallocate_aligned(mr, ptr, 2 * KiB, 128, STREAM(1)));
  ck_assert_uint_eq(atomic_load(&bin->frees), 1);
  ck_assert_uint_eq(atomic_load(&up->frees), 1);
  rmm_resource_release(mr);
}
END_TEST

/* B19: a 0-byte request gives NULL and its free is a no-op: no bin sees either. */
START_TEST(test_zero_bytes)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("up", &up);
  counter_t *bin = add_counting_bin(mr, KiB, "bin");
  void *ptr = (void *)0x1;
  RMM_CK(rmm_allocate(mr, &ptr, 0, STREAM(1)));
  ck_assert_ptr_null(ptr);
  RMM_CK(rmm_deallocate(mr, ptr, 0, STREAM(1)));
  ck_assert_uint_eq(atomic_load(&bin->allocations) + atomic_load(&bin->frees), 0);
  ck_assert_uint_eq(atomic_load(&up->allocations) + atomic_load(&up->frees), 0);
  rmm_resource_release(mr);
}
END_TEST

/* Explicit statistics bins over plain host memory (B20: several bins and the large path). */
START_TEST(test_explicit_statistics_bins_over_host)
{
  rmm_resource_t *host = rmm_test_host(), *mr = NULL, *small = NULL, *large = NULL;
  RMM_CK(rmm_binning_create(host, &mr));
  RMM_CK(rmm_statistics_create(host, &small));
  RMM_CK(rmm_statistics_create(host, &large));
  RMM_CK(rmm_binning_add_bin(mr, 512, small));
  RMM_CK(rmm_binning_add_bin(mr, 64 * KiB, large));
  rmm_resource_release(host);

  const size_t sizes[] = {8, 512, 513, 64 * KiB, 64 * KiB + 1, MiB};
  void *ptrs[6];
  for (size_t i = 0; i < 6; i++) {
    RMM_CK(rmm_allocate(mr, &ptrs[i], sizes[i], STREAM(1)));
    memset(ptrs[i], (int)i, sizes[i]);
  }
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(small, &counts));
  ck_assert_int_eq(counts.current_count, 2);
  ck_assert_int_eq(counts.current_bytes, 8 + 512);
  RMM_CK(rmm_statistics_get(large, &counts));
  ck_assert_int_eq(counts.current_count, 2);
  ck_assert_int_eq(counts.current_bytes, 513 + 64 * KiB);

  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert(stats.flags & RMM_STATS_IN_USE);
  ck_assert_uint_eq(stats.bytes_in_use, 8 + 512 + 513 + 64 * KiB + 64 * KiB + 1 + MiB);
  /* A statistics adaptor cannot say what it reserves, so neither can the sum. */
  ck_assert(!(stats.flags & RMM_STATS_RESERVED));

  for (size_t i = 0; i < 6; i++) {
    size_t wrong = 0;
    for (size_t j = 0; j < sizes[i]; j++)
      wrong += ((unsigned char *)ptrs[i])[j] != i;
    ck_assert_msg(wrong == 0, "block %zu has %zu overwritten bytes", i, wrong);
    RMM_CK(rmm_deallocate(mr, ptrs[i], sizes[i], STREAM(1)));
  }
  RMM_CK(rmm_statistics_get(small, &counts));
  ck_assert_int_eq(counts.current_count, 0);
  ck_assert_int_eq(counts.total_count, 2);
  stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 8 + 512 + 513 + 64 * KiB + 64 * KiB + 1 + MiB);
  rmm_resource_release(small);
  rmm_resource_release(large);
  rmm_resource_release(mr);
}
END_TEST

/* ---- bins: replacement and references ---- */

START_TEST(test_replace_bin_of_same_size)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("up", &up);
  atomic_bool first_gone = false;
  counter_t *first = add_counting_bin(mr, KiB, "first");
  first->destroyed = &first_gone;
  counter_t *other = add_counting_bin(mr, 4 * KiB, "other");
  /* 1000 rounds to 1024: the same bin, so the first is replaced and released. */
  counter_t *second = add_counting_bin(mr, 1000, "second");
  ck_assert(atomic_load(&first_gone));
  counter_t *all[] = {up, second, other};
  check_route(mr, 600, second, all, 3);
  check_route(mr, 2 * KiB, other, all, 3);
  check_route(mr, 8 * KiB, up, all, 3);
  rmm_resource_release(mr);
}
END_TEST

/* The binning resource holds its bins: they outlive the caller's references, and go with it. */
START_TEST(test_bins_held_by_reference)
{
  rmm_resource_t *mr = new_host_binning();
  atomic_bool gone = false;
  counter_t *counter = NULL;
  rmm_resource_t *bin = new_counter("bin", RMM_HOST_ACCESSIBLE, &counter);
  counter->destroyed = &gone;
  RMM_CK(rmm_binning_add_bin(mr, KiB, bin));
  rmm_resource_release(bin);
  ck_assert(!atomic_load(&gone));
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 100, STREAM(1)));
  RMM_CK(rmm_deallocate(mr, ptr, 100, STREAM(1)));
  ck_assert_uint_eq(atomic_load(&counter->allocations), 1);
  rmm_resource_release(mr);
  ck_assert(atomic_load(&gone));
}
END_TEST

/* ---- errors ---- */

START_TEST(test_errors)
{
  rmm_resource_t *host = rmm_test_host(), *mr = NULL;
  RMM_CK_STATUS(rmm_binning_create(host, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_binning_create_range(host, 10, 12, NULL), RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK_STATUS(rmm_binning_add_bin(host, KiB, host), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a binning resource");
  RMM_CK_STATUS(rmm_binning_add_bin(NULL, KiB, host), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a binning resource");

  RMM_CK(rmm_binning_create(host, &mr));
  RMM_CK_STATUS(rmm_binning_add_bin(mr, 0, host), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("0 bytes");
  RMM_CK_STATUS(rmm_binning_add_bin(mr, SIZE_MAX, host), RMM_ERROR_INVALID_ARGUMENT);

  /* A bin of another memory kind is taken, as RMM takes it (with a warning in the debug log). */
  counter_t *ctx = NULL;
  rmm_resource_t *both = new_counter("both", RMM_HOST_ACCESSIBLE | RMM_DEVICE_ACCESSIBLE, &ctx);
  rmm_resource_t *strict = new_binning(both);
  RMM_CK(rmm_binning_add_bin(strict, KiB, host));
  void *small = NULL;
  RMM_CK(rmm_allocate(strict, &small, 100, NULL));
  ck_assert_ptr_nonnull(small);
  ck_assert_uint_eq(ctx->allocations, 0);
  RMM_CK(rmm_deallocate(strict, small, 100, NULL));
  RMM_CK(rmm_binning_add_bin(strict, 4 * KiB, both));
  rmm_resource_release(strict);
  rmm_resource_release(both);

  const int ranges[][2] = {{-1, 10}, {12, 10}, {10, 63}, {63, 63}};
  for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
    rmm_resource_t *out = (rmm_resource_t *)0x1;
    RMM_CK_STATUS(rmm_binning_create_range(host, ranges[i][0], ranges[i][1], &out), RMM_ERROR_INVALID_ARGUMENT);
    ck_assert_ptr_null(out);
    RMM_CK_MESSAGE_HAS("not a range");
  }
  rmm_resource_release(mr);
  rmm_resource_release(host);
}
END_TEST

/* A failing bin's status comes back, and the message names the bin and keeps the bin's own. */
START_TEST(test_failure_names_the_bin)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("upcount", &up);
  counter_t *bin = add_counting_bin(mr, 256 * KiB, "failing");
  bin->fail_with = RMM_ERROR_OUT_OF_MEMORY;
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 100 * KiB, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("256.00 KiB bin");
  RMM_CK_MESSAGE_HAS("failing");
  RMM_CK_MESSAGE_HAS("102400 bytes");

  up->fail_with = RMM_ERROR_BAD_ALLOC;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, MiB, STREAM(1)), RMM_ERROR_BAD_ALLOC);
  RMM_CK_MESSAGE_HAS("the upstream (upcount)");

  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 0);
  rmm_resource_release(mr);
}
END_TEST

/* A free of memory the resource never handed out cannot wrap its figures. */
START_TEST(test_stray_free_keeps_figures_sane)
{
  rmm_resource_t *host = rmm_test_host();
  rmm_resource_t *mr = new_binning(host);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(host, &ptr, 4 * KiB, STREAM(1)));
  rmm_resource_release(host);
  /* The host upstream cannot tell: it frees what it is given. */
  RMM_CK(rmm_deallocate(mr, ptr, 4 * KiB, STREAM(1)));
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.bytes_reserved, 0);
  ck_assert_uint_eq(stats.upstream_chunks, 0);
  rmm_resource_release(mr);
}
END_TEST

/* A free the bin refuses leaves the memory counted as in use. */
START_TEST(test_failed_free_keeps_count)
{
  rmm_resource_t *mr = new_host_binning();
  counter_t *bin = add_counting_bin(mr, KiB, "stubborn");
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 512, STREAM(1)));
  bin->fail_frees = true;
  RMM_CK_STATUS(rmm_deallocate(mr, ptr, 512, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("stubborn");
  RMM_CK_MESSAGE_HAS("could not free");
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 512);
  bin->fail_frees = false;
  RMM_CK(rmm_deallocate(mr, ptr, 512, STREAM(1)));
  stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
}
END_TEST

/* ---- statistics ---- */

/* Large requests go to the upstream and are counted as reserved chunks of their own. */
START_TEST(test_large_requests_to_upstream_stats)
{
  rmm_resource_t *host = rmm_test_host(), *limited = NULL;
  RMM_CK(rmm_limiting_create(host, 4 * MiB, 0, &limited));
  rmm_resource_t *mr = new_binning(limited);
  rmm_resource_release(limited);
  rmm_resource_release(host);

  void *a = NULL, *b = NULL, *c = NULL;
  RMM_CK(rmm_allocate(mr, &a, MiB, STREAM(1)));
  RMM_CK(rmm_allocate(mr, &b, 2 * MiB, STREAM(1)));
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.flags & (RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS),
                    RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS);
  ck_assert_uint_eq(stats.bytes_in_use, 3 * MiB);
  ck_assert_uint_eq(stats.bytes_reserved, 3 * MiB);
  ck_assert_uint_eq(stats.upstream_chunks, 2);
  ck_assert_uint_eq(stats.free_bytes, 0);
  /* The upstream's limit is the binning resource's: its status and message come through. */
  RMM_CK_STATUS(rmm_allocate(mr, &c, 2 * MiB, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("the upstream (limiting)");
  RMM_CK(rmm_deallocate(mr, a, MiB, STREAM(1)));
  RMM_CK(rmm_deallocate(mr, b, 2 * MiB, STREAM(1)));
  stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 3 * MiB);
  ck_assert_uint_eq(stats.bytes_reserved, 0);
  ck_assert_uint_eq(stats.upstream_chunks, 0);
  rmm_resource_release(mr);
}
END_TEST

/* Bins that report what they hold (arenas here) are summed with the direct chunks. */
START_TEST(test_stats_sum_bins)
{
  rmm_resource_t *host = rmm_test_host(), *small = NULL, *large = NULL;
  rmm_resource_t *mr = new_binning(host);
  RMM_CK(rmm_arena_create(host, MiB, false, &small));
  RMM_CK(rmm_arena_create(host, 2 * MiB, false, &large));
  RMM_CK(rmm_binning_add_bin(mr, 4 * KiB, small));
  RMM_CK(rmm_binning_add_bin(mr, 64 * KiB, large));
  rmm_resource_release(host);

  void *a = NULL, *b = NULL, *c = NULL;
  RMM_CK(rmm_allocate(mr, &a, 4 * KiB, STREAM(1)));
  RMM_CK(rmm_allocate(mr, &b, 64 * KiB, STREAM(1)));
  RMM_CK(rmm_allocate(mr, &c, 5 * MiB, STREAM(1)));
  rmm_resource_stats_t stats = rmm_test_stats(mr), one = rmm_test_stats(small), two = rmm_test_stats(large);
  ck_assert(stats.flags & RMM_STATS_RESERVED);
  ck_assert(stats.flags & RMM_STATS_FREE);
  ck_assert(stats.flags & RMM_STATS_CHUNKS);
  ck_assert_uint_eq(stats.bytes_in_use, 4 * KiB + 64 * KiB + 5 * MiB);
  ck_assert_uint_eq(stats.bytes_reserved, 3 * MiB + 5 * MiB);
  ck_assert_uint_eq(stats.upstream_chunks, 1 + 1 + 1);
  ck_assert_uint_eq(stats.free_bytes, one.free_bytes + two.free_bytes);
  ck_assert_uint_eq(stats.free_blocks, one.free_blocks + two.free_blocks);
  /* The largest request a bin could serve: its largest free block, at most its size. */
  ck_assert_uint_ge(two.largest_free_block, 64 * KiB);
  ck_assert_uint_eq(stats.largest_free_block, 64 * KiB);
  RMM_CK(rmm_deallocate(mr, a, 4 * KiB, STREAM(1)));
  RMM_CK(rmm_deallocate(mr, b, 64 * KiB, STREAM(1)));
  RMM_CK(rmm_deallocate(mr, c, 5 * MiB, STREAM(1)));
  rmm_resource_release(small);
  rmm_resource_release(large);
  rmm_resource_release(mr);
}
END_TEST

/* ---- threads ---- */

/* Random sizes over every bin and the upstream, each thread on its own stream; checks contents. */
static void *stress_worker(void *arg)
{
  worker_t *worker = arg;
  enum { LIVE = 64 };
  void *ptrs[LIVE] = {0};
  size_t sizes[LIVE] = {0};
  uint64_t seed = 0x5eed + worker->index;
  rmm_stream_t stream = STREAM(worker->index + 1);
  for (size_t op = 0; op < worker->operations; op++) {
    size_t slot = rmm_test_random(&seed) % LIVE;
    if (ptrs[slot] != NULL) {
      unsigned char *bytes = ptrs[slot];
      if (bytes[0] != (unsigned char)slot || bytes[sizes[slot] - 1] != (unsigned char)worker->index)
        worker->failures++;
      if (rmm_deallocate(worker->mr, ptrs[slot], sizes[slot], stream) != RMM_SUCCESS)
        worker->failures++;
      ptrs[slot] = NULL;
      continue;
    }
    sizes[slot] = 2 + rmm_test_random(&seed) % (8 * KiB); /* two bytes: a mark at each end */
    if (rmm_allocate(worker->mr, &ptrs[slot], sizes[slot], stream) != RMM_SUCCESS) {
      worker->failures++;
      ptrs[slot] = NULL;
      continue;
    }
    unsigned char *bytes = ptrs[slot];
    bytes[0] = (unsigned char)slot;
    bytes[sizes[slot] - 1] = (unsigned char)worker->index;
  }
  for (size_t slot = 0; slot < LIVE; slot++)
    if (ptrs[slot] != NULL && rmm_deallocate(worker->mr, ptrs[slot], sizes[slot], stream) != RMM_SUCCESS)
      worker->failures++;
  return NULL;
}

START_TEST(test_thread_stress)
{
  counter_t *up = NULL;
  rmm_resource_t *mr = new_counted_binning("up", &up);
  counter_t *bins[] = {add_counting_bin(mr, 256, "b256"), add_counting_bin(mr, KiB, "b1k"),
                       add_counting_bin(mr, 4 * KiB, "b4k")};
  rmm_test_run_workers(mr, stress_worker, rmm_test_scaled(20000));
  /* Every resource got back what it handed out, and each saw traffic. */
  ck_assert_uint_eq(atomic_load(&up->allocations), atomic_load(&up->frees));
  ck_assert_uint_gt(atomic_load(&up->allocations), 0);
  for (size_t i = 0; i < 3; i++) {
    ck_assert_uint_eq(atomic_load(&bins[i]->allocations), atomic_load(&bins[i]->frees));
    ck_assert_uint_gt(atomic_load(&bins[i]->allocations), 0);
  }
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.upstream_chunks, 0);
  rmm_resource_release(mr);
}
END_TEST

/* The same over fixed-size bins (256 B to 4 KiB), whose per-stream lists the threads share. */
START_TEST(test_thread_stress_fixed_size_bins)
{
  rmm_resource_t *host = rmm_test_host(), *mr = NULL;
  RMM_CK(rmm_binning_create_range(host, 8, 12, &mr));
  rmm_resource_release(host);
  rmm_test_run_workers(mr, stress_worker, rmm_test_scaled(20000));
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_gt(stats.peak_bytes_in_use, 0);
  rmm_resource_release(mr);
}
END_TEST

/* ---- fixed-size bins (rmm_binning_add_bin with NULL, rmm_binning_create_range) ---- */

/* Upstream calls and bytes so far, through a statistics adaptor. */
static void upstream_counts(rmm_resource_t *stats_mr, int64_t *calls, int64_t *bytes)
{
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(stats_mr, &counts));
  *calls = counts.total_count;
  *bytes = counts.current_bytes;
}

START_TEST(test_null_bin_is_fixed_size)
{
  rmm_resource_t *host = rmm_test_host(), *counted = NULL;
  RMM_CK(rmm_statistics_create(host, &counted));
  rmm_resource_release(host);
  rmm_resource_t *mr = new_binning(counted);
  RMM_CK(rmm_binning_add_bin(mr, 4 * KiB, NULL));
  int64_t calls_before, bytes_before, calls, bytes;
  upstream_counts(counted, &calls_before, &bytes_before);
  /* The bin took its first blocks at creation (128 blocks by default). */
  ck_assert_int_ge(bytes_before, 128 * 4 * KiB);

  void *ptrs[16];
  for (size_t i = 0; i < 16; i++) {
    RMM_CK(rmm_allocate(mr, &ptrs[i], 100 + i * 200, STREAM(1)));
    memset(ptrs[i], (int)i, 100 + i * 200);
  }
  upstream_counts(counted, &calls, &bytes);
  ck_assert_int_eq(calls, calls_before);
  void *big = NULL;
  RMM_CK(rmm_allocate(mr, &big, 4 * KiB + 1, STREAM(1)));
  upstream_counts(counted, &calls, &bytes);
  ck_assert_int_eq(calls, calls_before + 1);
  ck_assert_int_eq(bytes, bytes_before + (int64_t)(4 * KiB + 1));
  RMM_CK(rmm_deallocate(mr, big, 4 * KiB + 1, STREAM(1)));
  for (size_t i = 0; i < 16; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], 100 + i * 200, STREAM(1)));

  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
  /* Releasing the binning resource released its bin, which gave its blocks back. */
  upstream_counts(counted, &calls, &bytes);
  ck_assert_int_eq(bytes, 0);
  rmm_resource_release(counted);
}
END_TEST

START_TEST(test_create_range)
{
  rmm_resource_t *host = rmm_test_host(), *counted = NULL, *mr = NULL;
  RMM_CK(rmm_statistics_create(host, &counted));
  rmm_resource_release(host);
  RMM_CK(rmm_binning_create_range(counted, 10, 12, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), "binning");
  int64_t calls_before, bytes_before, calls, bytes;
  upstream_counts(counted, &calls_before, &bytes_before);
  ck_assert_int_ge(bytes_before, 128 * (1 + 2 + 4) * KiB);

  /* Everything up to 4 KiB comes from the bins' blocks; above it, from the upstream. */
  const size_t small[] = {1, 1000, KiB, KiB + 1, 2 * KiB, 3 * KiB, 4 * KiB};
  void *ptrs[7];
  for (size_t i = 0; i < 7; i++) {
    RMM_CK(rmm_allocate(mr, &ptrs[i], small[i], STREAM(1)));
    ck_assert_uint_eq((uintptr_t)ptrs[i] % RMM_ALLOCATION_ALIGNMENT, 0);
    memset(ptrs[i], 0x5a, small[i]);
  }
  upstream_counts(counted, &calls, &bytes);
  ck_assert_int_eq(calls, calls_before);
  void *big = NULL;
  RMM_CK(rmm_allocate(mr, &big, 4 * KiB + 1, STREAM(1)));
  upstream_counts(counted, &calls, &bytes);
  ck_assert_int_eq(calls, calls_before + 1);
  RMM_CK(rmm_deallocate(mr, big, 4 * KiB + 1, STREAM(1)));
  for (size_t i = 0; i < 7; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], small[i], STREAM(1)));
  rmm_resource_release(mr);
  upstream_counts(counted, &calls, &bytes);
  ck_assert_int_eq(bytes, 0);
  rmm_resource_release(counted);
}
END_TEST

/* A bin that cannot take its first blocks fails the call, naming the bin, and adds nothing. */
START_TEST(test_null_bin_out_of_memory)
{
  rmm_resource_t *host = rmm_test_host(), *limited = NULL, *mr = NULL;
  RMM_CK(rmm_limiting_create(host, MiB, 0, &limited));
  rmm_resource_release(host);
  mr = new_binning(limited);
  RMM_CK_STATUS(rmm_binning_add_bin(mr, 64 * KiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("64.00 KiB bin");
  /* No bin was added: the request goes to the upstream. */
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 1000, STREAM(1)));
  size_t allocated = 0;
  RMM_CK(rmm_limiting_allocated(limited, &allocated));
  ck_assert_uint_eq(allocated, 1024);
  RMM_CK(rmm_deallocate(mr, ptr, 1000, STREAM(1)));
  rmm_resource_release(mr);

  RMM_CK_STATUS(rmm_binning_create_range(limited, 16, 18, &mr), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(mr);
  RMM_CK_MESSAGE_HAS("64.00 KiB bin");
  RMM_CK(rmm_limiting_allocated(limited, &allocated));
  ck_assert_uint_eq(allocated, 0);
  rmm_resource_release(limited);
}
END_TEST

/* Trim reaches the bins: an arena bin with nothing allocated gives its whole arena back. */
START_TEST(test_trim_reaches_arena_bins)
{
  rmm_resource_t *host, *watched, *arena, *binning;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_statistics_create(host, &watched));
  RMM_CK(rmm_arena_create(watched, 2 << 20, false, &arena));
  RMM_CK(rmm_binning_create(host, &binning));
  RMM_CK(rmm_binning_add_bin(binning, 64 << 10, arena));
  void *small, *large;
  RMM_CK(rmm_allocate(binning, &small, 4096, NULL));
  RMM_CK(rmm_allocate(binning, &large, 1 << 20, NULL));
  size_t released = 99;
  RMM_CK(rmm_resource_trim(binning, &released));
  ck_assert_uint_eq(released, 0);
  RMM_CK(rmm_deallocate(binning, small, 4096, NULL));
  RMM_CK(rmm_resource_trim(binning, &released));
  ck_assert_uint_eq(released, 2 << 20);
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(watched, &counts));
  ck_assert_int_eq(counts.current_bytes, 0);
  /* The bin serves again after the trim. */
  RMM_CK(rmm_allocate(binning, &small, 4096, NULL));
  RMM_CK(rmm_deallocate(binning, small, 4096, NULL));
  RMM_CK(rmm_deallocate(binning, large, 1 << 20, NULL));
  rmm_resource_release(binning);
  rmm_resource_release(arena);
  rmm_resource_release(watched);
  rmm_resource_release(host);
}
END_TEST

static Suite *binning_suite(void)
{
  Suite *suite = suite_create("binning");
  TCase *routing = tcase_create("routing");
  tcase_add_test(routing, test_routing_to_smallest_bin);
  tcase_add_test(routing, test_no_bins_all_upstream);
  tcase_add_test(routing, test_bin_size_rounded);
  tcase_add_test(routing, test_alignment_forwarded);
  tcase_add_test(routing, test_zero_bytes);
  tcase_add_test(routing, test_explicit_statistics_bins_over_host);
  suite_add_tcase(suite, routing);

  TCase *bins = tcase_create("bins");
  tcase_add_test(bins, test_replace_bin_of_same_size);
  tcase_add_test(bins, test_bins_held_by_reference);
  tcase_add_test(bins, test_trim_reaches_arena_bins);
  tcase_add_test(bins, test_errors);
  tcase_add_test(bins, test_failure_names_the_bin);
  tcase_add_test(bins, test_failed_free_keeps_count);
  tcase_add_test(bins, test_stray_free_keeps_figures_sane);
  tcase_add_test(bins, test_large_requests_to_upstream_stats);
  tcase_add_test(bins, test_stats_sum_bins);
  suite_add_tcase(suite, bins);

  TCase *threads = tcase_create("threads");
  tcase_set_timeout(threads, 60);
  tcase_add_test(threads, test_thread_stress);
  suite_add_tcase(suite, threads);

  TCase *fixed = tcase_create("fixed-size bins");
  tcase_set_timeout(fixed, 60);
  tcase_add_test(fixed, test_null_bin_is_fixed_size);
  tcase_add_test(fixed, test_create_range);
  tcase_add_test(fixed, test_null_bin_out_of_memory);
  tcase_add_test(fixed, test_thread_stress_fixed_size_bins);
  suite_add_tcase(suite, fixed);
  return suite;
}

int main(void) { return rmm_test_run(binning_suite()); }
