/* The fixed-size sub-allocator over host-only upstreams: every path runs without a GPU. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "common/suballoc_check.h"

/* Fake stream handles: any value serves as a stream over a host-only upstream. */
#define STREAM(n) ((rmm_stream_t)(uintptr_t)(0x1000 * (n)))

static rmm_resource_t *new_host_fixed(size_t block_size, size_t batch)
{
  return rmm_test_fixed_size_over(rmm_test_host(), block_size, batch);
}

static int by_addr(const void *a, const void *b)
{
  uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
  return x < y ? -1 : x > y;
}

/* Every block distinct and at least a block apart. */
static void check_distinct(void **ptrs, size_t count, size_t block_size)
{
  uintptr_t *sorted = malloc(count * sizeof *sorted);
  memcpy(sorted, ptrs, count * sizeof *sorted);
  qsort(sorted, count, sizeof *sorted, by_addr);
  for (size_t i = 1; i < count; i++)
    ck_assert_uint_ge(sorted[i] - sorted[i - 1], block_size);
  free(sorted);
}

START_TEST(test_create_and_defaults)
{
  rmm_resource_t *sim = NULL, *mr = NULL;
  RMM_CK(rmm_simulated_create(64 * GiB, &sim));
  RMM_CK_STATUS(rmm_fixed_size_create(sim, 0, 0, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_fixed_size_create(sim, 0, 0, &mr));
  ck_assert_str_eq(rmm_resource_name(mr), "fixed_size");
  ck_assert_ptr_eq(rmm_resource_upstream(mr), sim);
  size_t size = 0;
  RMM_CK(rmm_fixed_size_block_size(mr, &size));
  ck_assert_uint_eq(size, MiB);
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_reserved, 128 * MiB);
  ck_assert_uint_eq(stats.free_blocks, 128);
  ck_assert_uint_eq(stats.largest_free_block, MiB);
  ck_assert_uint_eq(stats.upstream_chunks, 1);
  RMM_CK_STATUS(rmm_fixed_size_block_size(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_fixed_size_block_size(sim, &size), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a fixed-size resource");
  rmm_resource_release(mr);
  ck_assert_uint_eq(rmm_test_stats(sim).bytes_in_use, 0);
  /* Rounded up to 256 bytes. */
  RMM_CK(rmm_fixed_size_create(sim, 1000, 3, &mr));
  RMM_CK(rmm_fixed_size_block_size(mr, &size));
  ck_assert_uint_eq(size, 1024);
  ck_assert_uint_eq(rmm_test_stats(mr).bytes_reserved, 3 * 1024);
  rmm_resource_release(mr);
  /* Sizes whose chunk overflows; a first chunk the upstream cannot give. */
  mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_fixed_size_create(sim, SIZE_MAX / 2, 4, &mr), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(mr);
  RMM_CK_STATUS(rmm_fixed_size_create(sim, GiB, 128, &mr), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("rmm_fixed_size_create: the upstream cannot provide the initial 128.00 GiB");
  rmm_resource_release(sim);
}
END_TEST

START_TEST(test_blocks)
{
  size_t block = 4 * KiB, batch = 16, count = 40;
  rmm_resource_t *mr = new_host_fixed(block, batch);
  void *ptrs[40];
  for (size_t i = 0; i < count; i++) {
    RMM_CK(rmm_allocate(mr, &ptrs[i], 1 + i * 100, NULL));
    ck_assert_uint_eq((uintptr_t)ptrs[i] % 256, 0);
    memset(ptrs[i], (int)i, block); /* the whole block is usable, whatever the request */
  }
  check_distinct(ptrs, count, block);
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.upstream_chunks, 3); /* grown by a batch at a time */
  ck_assert_uint_eq(stats.bytes_reserved, 3 * batch * block);
  ck_assert_uint_eq(stats.bytes_in_use, count * block);
  ck_assert_uint_eq(stats.free_blocks, 3 * batch - count);
  for (size_t i = 0; i < count; i++) {
    rmm_test_check_fill(ptrs[i], block, (unsigned char)i);
    RMM_CK(rmm_deallocate(mr, ptrs[i], 1 + i * 100, NULL));
  }
  stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, count * block);
  ck_assert_uint_eq(stats.free_bytes, stats.bytes_reserved);
  rmm_resource_release(mr);
}
END_TEST

START_TEST(test_bad_requests)
{
  rmm_resource_t *mr = new_host_fixed(4 * KiB, 4);
  void *ptr = (void *)0x1, *a;
  RMM_CK(rmm_allocate(mr, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  RMM_CK_STATUS(rmm_allocate(mr, &ptr, 4 * KiB + 1, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("4097 bytes are more than the block size, 4.00 KiB");
  RMM_CK_STATUS(rmm_allocate_aligned(mr, &ptr, 100, 4096, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_allocate(mr, &a, 4 * KiB, NULL));
  rmm_resource_stats_t before = rmm_test_stats(mr);
  char local[256];
  RMM_CK_STATUS(rmm_deallocate(mr, local, 256, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was not allocated by this resource");
  RMM_CK_STATUS(rmm_deallocate(mr, (char *)a + 256, 256, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(mr, a, 8 * KiB, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_stats_t after = rmm_test_stats(mr);
  ck_assert_mem_eq(&before, &after, sizeof before);
  RMM_CK(rmm_deallocate(mr, a, 4 * KiB, NULL));
  RMM_CK_STATUS(rmm_deallocate(mr, a, 4 * KiB, NULL), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(rmm_test_stats(mr).free_blocks, 4);
  rmm_resource_release(mr);
}
END_TEST

/* Out of upstream memory: the upstream's status, the resource unchanged. */
START_TEST(test_out_of_memory)
{
  rmm_resource_t *sim = NULL;
  RMM_CK(rmm_simulated_create(2 * MiB, &sim));
  rmm_resource_t *mr = rmm_test_fixed_size_over(sim, MiB, 1);
  void *a, *b, *c;
  RMM_CK(rmm_allocate(mr, &a, MiB, NULL));
  RMM_CK(rmm_allocate(mr, &b, MiB, NULL));
  RMM_CK_STATUS(rmm_allocate(mr, &c, MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("fixed_size: out of memory (failed to get 1 more blocks of 1.00 MiB; holding 2.00 MiB)");
  RMM_CK(rmm_deallocate(mr, b, MiB, NULL));
  RMM_CK(rmm_allocate(mr, &c, MiB, NULL));
  ck_assert_ptr_eq(c, b);
  RMM_CK(rmm_deallocate(mr, a, MiB, NULL));
  RMM_CK(rmm_deallocate(mr, c, MiB, NULL));
  rmm_resource_release(mr);
}
END_TEST

START_TEST(test_streams)
{
  rmm_resource_t *mr = new_host_fixed(KiB, 8);
  void *ptrs[8];
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_allocate(mr, &ptrs[i], KiB, STREAM(1)));
  /* Freed on A, reused on A. */
  RMM_CK(rmm_deallocate(mr, ptrs[0], KiB, STREAM(1)));
  void *again;
  RMM_CK(rmm_allocate(mr, &again, KiB, STREAM(1)));
  ck_assert_ptr_eq(again, ptrs[0]);
  /* A's list stocked, B's empty: B takes A's blocks instead of growing. */
  for (int i = 0; i < 4; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], KiB, STREAM(1)));
  RMM_CK(rmm_allocate(mr, &again, KiB, STREAM(2)));
  ck_assert_uint_eq(rmm_test_stats(mr).upstream_chunks, 1);
  RMM_CK(rmm_deallocate(mr, again, KiB, STREAM(2)));
  for (int i = 4; i < 8; i++)
    RMM_CK(rmm_deallocate(mr, ptrs[i], KiB, i % 2 ? NULL : RMM_STREAM_PER_THREAD));
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.free_blocks, 8);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(mr);
}
END_TEST

typedef struct worker {
  rmm_resource_t *mr;
  rmm_stream_t stream;
  uint64_t seed;
} worker_t;

static void *work(void *arg)
{
  worker_t *w = arg;
  enum { SLOTS = 32 };
  void *ptrs[SLOTS] = {0};
  rmm_stream_t streams[SLOTS];
  rmm_stream_t choices[] = {w->stream, NULL, RMM_STREAM_PER_THREAD};
  for (size_t op = 0; op < rmm_test_scaled(20000); op++) {
    size_t slot = rmm_test_random(&w->seed) % SLOTS;
    if (ptrs[slot] != NULL) {
      rmm_test_check_fill(ptrs[slot], KiB, (unsigned char)slot);
      RMM_CK(rmm_deallocate(w->mr, ptrs[slot], KiB, streams[slot]));
      ptrs[slot] = NULL;
    } else {
      streams[slot] = choices[rmm_test_random(&w->seed) % 3];
      RMM_CK(rmm_allocate(w->mr, &ptrs[slot], KiB, streams[slot]));
      memset(ptrs[slot], (int)slot, KiB);
    }
  }
  for (size_t slot = 0; slot < SLOTS; slot++)
    if (ptrs[slot] != NULL)
      RMM_CK(rmm_deallocate(w->mr, ptrs[slot], KiB, streams[slot]));
  return NULL;
}

/* Threads by streams with real memory: a block given to two owners would lose its pattern. */
START_TEST(test_threads)
{
  rmm_resource_t *mr = new_host_fixed(KiB, 16);
  pthread_t ids[8];
  worker_t workers[8];
  for (int i = 0; i < 8; i++) {
    workers[i] = (worker_t){mr, STREAM(i + 1), (uint64_t)i + 5};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, work, &workers[i]), 0);
  }
  for (int i = 0; i < 8; i++)
    pthread_join(ids[i], NULL);
  rmm_resource_stats_t stats = rmm_test_stats(mr);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, stats.bytes_reserved);
  ck_assert_uint_le(stats.bytes_reserved, 8 * 32 * KiB + 16 * KiB);
  rmm_resource_release(mr);
}
END_TEST

static Suite *fixed_size_suite(void)
{
  Suite *suite = suite_create("fixed_size");
  TCase *basics = tcase_create("basics");
  tcase_add_test(basics, test_create_and_defaults);
  tcase_add_test(basics, test_blocks);
  tcase_add_test(basics, test_bad_requests);
  tcase_add_test(basics, test_out_of_memory);
  tcase_add_test(basics, test_streams);
  suite_add_tcase(suite, basics);
  TCase *threads = tcase_create("threads");
  tcase_set_timeout(threads, 120);
  tcase_add_test(threads, test_threads);
  suite_add_tcase(suite, threads);
  return suite;
}

int main(void) { return rmm_test_run(fixed_size_suite()); }
