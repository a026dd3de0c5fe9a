/*
 * The expandable pool over host virtual memory (options.host): growth in place, data
 * intact, coalescing across growth steps, trim of the mapped tail, an exhausted
 * reservation, and threads growing it at once.
 */
#include <pthread.h>
#include <string.h>

#include "common/test.h"

#define MIB ((size_t)1 << 20)
#define STREAM_A ((rmm_stream_t)0x1000)
#define STREAM_B ((rmm_stream_t)0x2000)
#define STREAM_C ((rmm_stream_t)0x3000)

static rmm_resource_t *new_pool(size_t initial, size_t reservation)
{
  rmm_expandable_pool_options_t options = RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.host = true;
  options.initial_size = initial;
  options.reservation = reservation;
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_expandable_pool_create(&options, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), "expandable_pool");
  ck_assert_uint_eq(rmm_resource_properties(mr), RMM_HOST_ACCESSIBLE);
  ck_assert_ptr_null(rmm_resource_upstream(mr));
  return mr;
}

static rmm_resource_stats_t stats_of(const rmm_resource_t *mr)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  ck_assert(stats.flags & RMM_STATS_RESERVED);
  ck_assert(stats.flags & RMM_STATS_FREE);
  return stats;
}

static void fill(void *ptr, size_t bytes, unsigned seed)
{
  unsigned char *p = ptr;
  for (size_t i = 0; i < bytes; i += 4096)
    p[i] = (unsigned char)(seed + i / 4096);
  p[bytes - 1] = (unsigned char)seed;
}

static void check_fill(const void *ptr, size_t bytes, unsigned seed)
{
  const unsigned char *p = ptr;
  for (size_t i = 0; i < bytes; i += 4096)
    ck_assert_uint_eq(p[i], (unsigned char)(seed + i / 4096));
  ck_assert_uint_eq(p[bytes - 1], (unsigned char)seed);
}

START_TEST(options_are_checked)
{
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  rmm_expandable_pool_options_t options = RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  RMM_CK_STATUS(rmm_expandable_pool_create(&options, NULL), RMM_ERROR_INVALID_ARGUMENT);
  options.struct_size = sizeof(size_t);
  RMM_CK_STATUS(rmm_expandable_pool_create(&options, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("struct_size");
  ck_assert_ptr_null(mr);
  options = (rmm_expandable_pool_options_t)RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.host = true;
  options.reservation = MIB;
  options.initial_size = 2 * MIB;
  RMM_CK_STATUS(rmm_expandable_pool_create(&options, &mr), RMM_ERROR_INVALID_ARGUMENT);
  options = (rmm_expandable_pool_options_t)RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.device = -2;
  RMM_CK_STATUS(rmm_expandable_pool_create(&options, &mr), RMM_ERROR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(grows_in_place_and_keeps_data)
{
  rmm_resource_t *mr = new_pool(0, 256 * MIB);
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, 0);
  void *first;
  RMM_CK(rmm_allocate(mr, &first, MIB, NULL));
  fill(first, MIB, 11);
  size_t after_first = stats_of(mr).bytes_reserved;
  ck_assert_uint_ge(after_first, MIB);

  void *blocks[16];
  for (int i = 0; i < 16; i++) {
    RMM_CK(rmm_allocate(mr, &blocks[i], 3 * MIB, NULL));
    fill(blocks[i], 3 * MIB, (unsigned)i);
  }
  ck_assert_uint_gt(stats_of(mr).bytes_reserved, after_first);
  /* Everything lies in one range: every block is above the first, within what is mapped. */
  for (int i = 0; i < 16; i++) {
    ck_assert((uintptr_t)blocks[i] > (uintptr_t)first);
    ck_assert((uintptr_t)blocks[i] + 3 * MIB <= (uintptr_t)first + stats_of(mr).bytes_reserved);
  }
  check_fill(first, MIB, 11);
  for (int i = 0; i < 16; i++) {
    check_fill(blocks[i], 3 * MIB, (unsigned)i);
    RMM_CK(rmm_deallocate(mr, blocks[i], 3 * MIB, NULL));
  }
  RMM_CK(rmm_deallocate(mr, first, MIB, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(free_space_coalesces_across_growth_steps)
{
  rmm_resource_t *mr = new_pool(0, 256 * MIB);
  void *blocks[8];
  size_t reserved_before = 0;
  for (int i = 0; i < 8; i++) {
    RMM_CK(rmm_allocate(mr, &blocks[i], 2 * MIB, NULL));
    ck_assert_uint_ge(stats_of(mr).bytes_reserved, reserved_before);
    reserved_before = stats_of(mr).bytes_reserved;
  }
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_deallocate(mr, blocks[i], 2 * MIB, NULL));
  rmm_resource_stats_t stats = stats_of(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_blocks, 1);
  ck_assert_uint_eq(stats.largest_free_block, stats.bytes_reserved);

  /* One block over every step, served without growing. */
  void *whole;
  RMM_CK(rmm_allocate(mr, &whole, stats.bytes_reserved, NULL));
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, stats.bytes_reserved);
  fill(whole, stats.bytes_reserved, 5);
  RMM_CK(rmm_deallocate(mr, whole, stats.bytes_reserved, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(trim_unmaps_the_free_tail_only)
{
  rmm_resource_t *mr = new_pool(MIB, 256 * MIB);
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, MIB);
  /* The initial MiB holds a live block for the whole test. */
  void *kept, *grown;
  RMM_CK(rmm_allocate(mr, &kept, MIB, NULL));
  fill(kept, MIB, 77);
  RMM_CK(rmm_allocate(mr, &grown, 8 * MIB, NULL));
  size_t reserved = stats_of(mr).bytes_reserved;
  ck_assert_uint_ge(reserved, 9 * MIB);

  /* A live block at the end: nothing to give back. */
  size_t released = 99;
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(released, 0);
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, reserved);

  RMM_CK(rmm_deallocate(mr, grown, 8 * MIB, NULL));
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(released, reserved - MIB);
  rmm_resource_stats_t stats = stats_of(mr);
  ck_assert_uint_eq(stats.bytes_reserved, MIB);
  ck_assert(stats.flags & RMM_STATS_RECLAIM);
  ck_assert_uint_eq(stats.bytes_trimmed, reserved - MIB);
  check_fill(kept, MIB, 77);

  /* It grows again after a trim, and trims again. */
  RMM_CK(rmm_allocate(mr, &grown, 4 * MIB, NULL));
  fill(grown, 4 * MIB, 3);
  RMM_CK(rmm_deallocate(mr, grown, 4 * MIB, NULL));
  RMM_CK(rmm_deallocate(mr, kept, MIB, NULL));
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, 0);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(an_exhausted_reservation_is_out_of_memory)
{
  rmm_resource_t *mr = new_pool(0, 8 * MIB);
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 9 * MIB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  RMM_CK_MESSAGE_HAS("expandable_pool");
  rmm_resource_stats_t stats = stats_of(mr);
  ck_assert(stats.flags & RMM_STATS_RECLAIM);
  ck_assert_uint_eq(stats.oom_failures, 1);
  /* The whole reservation can be had, in one block. */
  RMM_CK(rmm_allocate(mr, &ptr, 8 * MIB, NULL));
  fill(ptr, 8 * MIB, 1);
  RMM_CK(rmm_deallocate(mr, ptr, 8 * MIB, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(another_streams_free_memory_is_reused_before_failing)
{
  rmm_resource_t *mr = new_pool(0, 8 * MIB);
  void *ptr;
  RMM_CK(rmm_allocate(mr, &ptr, 8 * MIB, STREAM_A));
  RMM_CK(rmm_deallocate(mr, ptr, 8 * MIB, STREAM_A));
  /* The reservation is all mapped and free on stream A: stream B must get it. */
  RMM_CK(rmm_allocate(mr, &ptr, 8 * MIB, STREAM_B));
  RMM_CK(rmm_deallocate(mr, ptr, 8 * MIB, STREAM_B));
  rmm_resource_release(mr);
}
END_TEST

/*
 * While under 1/16 of what is mapped is free, a stream short of memory maps more rather
 * than wait on another stream's blocks; once more is free, it takes them.
 */
START_TEST(little_free_memory_grows_before_stealing)
{
  rmm_resource_t *mr = new_pool(0, 1024 * MIB);
  enum { A_BLOCKS = 64 };
  void *a[A_BLOCKS], *b[3];
  for (int i = 0; i < A_BLOCKS; i++)
    RMM_CK(rmm_allocate(mr, &a[i], MIB, STREAM_A));
  size_t mapped = stats_of(mr).bytes_reserved;
  ck_assert_uint_eq(mapped, A_BLOCKS * MIB);

  /* One MiB free of 64: stream B grows the range instead of taking it. */
  RMM_CK(rmm_deallocate(mr, a[0], MIB, STREAM_A));
  RMM_CK(rmm_allocate(mr, &b[0], MIB, STREAM_B));
  ck_assert_ptr_ne(b[0], a[0]);
  ck_assert_uint_gt(stats_of(mr).bytes_reserved, mapped);
  mapped = stats_of(mr).bytes_reserved;
  /* The rest of that step (2 MiB, the least) serves B's next request. */
  ck_assert_uint_eq(mapped, (A_BLOCKS + 2) * MIB);
  RMM_CK(rmm_allocate(mr, &b[1], MIB, STREAM_B));
  ck_assert_uint_eq(stats_of(mr).free_bytes, MIB);

  /* Nine MiB free, above 1/16: B takes one of A's blocks and the range stays as it is. */
  for (int i = 1; i < 9; i++)
    RMM_CK(rmm_deallocate(mr, a[i], MIB, STREAM_A));
  RMM_CK(rmm_allocate(mr, &b[2], MIB, STREAM_B));
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, mapped);
  bool from_a = false;
  for (int i = 0; i < 9; i++)
    from_a |= b[2] == a[i];
  ck_assert(from_a);

  for (int i = 0; i < 3; i++)
    RMM_CK(rmm_deallocate(mr, b[i], MIB, STREAM_B));
  for (int i = 9; i < A_BLOCKS; i++)
    RMM_CK(rmm_deallocate(mr, a[i], MIB, STREAM_A));
  rmm_resource_release(mr);
}
END_TEST

/*
 * Blocks of two streams that lie side by side coalesce only when the streams' lists are
 * merged. While the reservation has room and little is free, a stream short of a block
 * maps a step instead of merging every list. The lists are merged once the reservation
 * is all mapped (before failing), or once a quarter of what is mapped is free.
 */
START_TEST(stream_lists_merge_under_pressure_or_with_much_free)
{
  enum { PAIRS = 4 };
  static const struct {
    int blocks;
    bool exhausted;
    bool merged;
  } cases[] = {
      {64, false, false}, /* 1/8 free */
      {64, true, true},
      {32, false, true}, /* 1/4 free */
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t blocks = (size_t)cases[c].blocks;
    rmm_resource_t *mr = new_pool(0, cases[c].exhausted ? blocks * MIB : 1024 * MIB);
    void *block[64];
    for (size_t i = 0; i < blocks; i++)
      RMM_CK(rmm_allocate(mr, &block[i], MIB, STREAM_A));
    size_t mapped = stats_of(mr).bytes_reserved;
    ck_assert_uint_eq(mapped, blocks * MIB);
    /* Pairs of neighbours, one freed on A and one on C: no list holds 2 MiB in one piece. */
    for (int k = 0; k < PAIRS; k++) {
      ck_assert_ptr_eq((char *)block[8 * k] + MIB, block[8 * k + 1]);
      RMM_CK(rmm_deallocate(mr, block[8 * k], MIB, STREAM_A));
      RMM_CK(rmm_deallocate(mr, block[8 * k + 1], MIB, STREAM_C));
    }
    void *ptr;
    RMM_CK(rmm_allocate(mr, &ptr, 2 * MIB, STREAM_B));
    rmm_resource_stats_t stats = stats_of(mr);
    bool from_pair = false;
    for (int k = 0; k < PAIRS; k++)
      from_pair |= ptr == block[8 * k];
    ck_assert_int_eq(from_pair, cases[c].merged);
    if (cases[c].merged)
      ck_assert_uint_eq(stats.bytes_reserved, mapped);
    else
      ck_assert_uint_gt(stats.bytes_reserved, mapped);
    ck_assert_uint_eq(stats.allocation_retries, cases[c].exhausted ? 1 : 0);
    RMM_CK(rmm_deallocate(mr, ptr, 2 * MIB, STREAM_B));
    for (size_t i = 0; i < blocks; i++)
      if (i % 8 > 1 || i >= 8 * PAIRS)
        RMM_CK(rmm_deallocate(mr, block[i], MIB, STREAM_A));
    rmm_resource_release(mr);
  }
}
END_TEST

START_TEST(a_trimmed_reservation_can_be_mapped_again)
{
  rmm_resource_t *mr = new_pool(0, 8 * MIB);
  void *ptr;
  RMM_CK(rmm_allocate(mr, &ptr, 6 * MIB, STREAM_A));
  RMM_CK(rmm_deallocate(mr, ptr, 6 * MIB, STREAM_A));
  size_t reserved = stats_of(mr).bytes_reserved, released = 0;
  ck_assert_uint_ge(reserved, 6 * MIB);
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(released, reserved);
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, 0);
  RMM_CK(rmm_allocate(mr, &ptr, 8 * MIB, STREAM_B));
  RMM_CK(rmm_deallocate(mr, ptr, 8 * MIB, STREAM_B));
  rmm_resource_release(mr);
}
END_TEST

/*
 * Threads that grow the range at once: each fills its blocks with its own pattern and
 * counts (for the main thread to assert) any block that another thread overwrote, which
 * two growths mapping the same addresses would cause.
 */
typedef struct grower {
  rmm_resource_t *mr;
  unsigned seed;
  size_t failures;
} grower_t;

/* One byte in every 512 and the last: enough to see a block that overlaps another. */
static void mark(unsigned char *p, size_t bytes, unsigned char tag)
{
  for (size_t i = 0; i < bytes; i += 512)
    p[i] = tag;
  p[bytes - 1] = tag;
}

static bool intact(const unsigned char *p, size_t bytes, unsigned char tag)
{
  for (size_t i = 0; i < bytes; i += 512)
    if (p[i] != tag)
      return false;
  return p[bytes - 1] == tag;
}

static void *grow_and_check(void *arg)
{
  grower_t *g = arg;
  enum { SLOTS = 32 };
  void *ptrs[SLOTS] = {0};
  size_t sizes[SLOTS] = {0};
  rmm_stream_t stream = (rmm_stream_t)(uintptr_t)(0x1000 * (g->seed + 1));
  uint64_t seed = g->seed + 1;
  unsigned char tag = (unsigned char)(g->seed * 37 + 1);
  for (size_t op = 0; op < rmm_test_scaled(4000); op++) {
    size_t slot = rmm_test_random(&seed) % SLOTS;
    if (ptrs[slot] != NULL) {
      g->failures += !intact(ptrs[slot], sizes[slot], tag);
      g->failures += rmm_deallocate(g->mr, ptrs[slot], sizes[slot], stream) != RMM_SUCCESS;
      ptrs[slot] = NULL;
    } else {
      sizes[slot] = 1 + rmm_test_random(&seed) % (256 * 1024);
      if (rmm_allocate(g->mr, &ptrs[slot], sizes[slot], stream) != RMM_SUCCESS) {
        g->failures++;
        ptrs[slot] = NULL;
        continue;
      }
      mark(ptrs[slot], sizes[slot], tag);
    }
  }
  for (size_t slot = 0; slot < SLOTS; slot++)
    if (ptrs[slot] != NULL)
      g->failures += rmm_deallocate(g->mr, ptrs[slot], sizes[slot], stream) != RMM_SUCCESS;
  return NULL;
}

START_TEST(threads_grow_it_together)
{
  rmm_resource_t *mr = new_pool(0, 4096 * MIB);
  pthread_t ids[8];
  grower_t growers[8];
  for (unsigned i = 0; i < 8; i++) {
    growers[i] = (grower_t){mr, i, 0};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, grow_and_check, &growers[i]), 0);
  }
  for (unsigned i = 0; i < 8; i++) {
    pthread_join(ids[i], NULL);
    ck_assert_msg(growers[i].failures == 0, "thread %u: %zu failures", i, growers[i].failures);
  }
  rmm_resource_stats_t stats = stats_of(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, stats.bytes_reserved);
  size_t released = 0;
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(stats_of(mr).bytes_reserved, stats.bytes_reserved - released);
  rmm_resource_release(mr);
}
END_TEST

static Suite *expandable_suite(void)
{
  Suite *suite = suite_create("expandable_pool");
  TCase *tc = tcase_create("host");
  tcase_add_test(tc, options_are_checked);
  tcase_add_test(tc, grows_in_place_and_keeps_data);
  tcase_add_test(tc, free_space_coalesces_across_growth_steps);
  tcase_add_test(tc, trim_unmaps_the_free_tail_only);
  tcase_add_test(tc, an_exhausted_reservation_is_out_of_memory);
  tcase_add_test(tc, another_streams_free_memory_is_reused_before_failing);
  tcase_add_test(tc, little_free_memory_grows_before_stealing);
  tcase_add_test(tc, stream_lists_merge_under_pressure_or_with_much_free);
  tcase_add_test(tc, a_trimmed_reservation_can_be_mapped_again);
  tcase_add_test(tc, threads_grow_it_together);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(expandable_suite()); }
