/* The pool sub-allocator over host-only upstreams: every path runs without a GPU. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "common/suballoc_check.h"

/* Fake stream handles: any value serves as a stream over a host-only upstream. */
#define STREAM(n) ((rmm_stream_t)(uintptr_t)(0x1000 * (n)))

/* ---- helpers ---- */

static rmm_resource_t *new_host_pool(size_t initial, size_t maximum)
{
  return rmm_test_pool_over(rmm_test_host(), initial, maximum);
}

static rmm_resource_t *new_simulated_pool(size_t capacity, size_t initial, size_t maximum)
{
  rmm_resource_t *sim = NULL;
  RMM_CK(rmm_simulated_create(capacity, &sim));
  return rmm_test_pool_over(sim, initial, maximum);
}

/*
 * An upstream that hands out consecutive addresses with no memory behind them, so
 * that its chunks touch (the pool must still never merge across them), and counts
 * what is outstanding.
 */
typedef struct bump {
  uintptr_t next;
  size_t capacity, used;
  atomic_size_t outstanding, calls;
} bump_t;

static rmm_status_t bump_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)alignment, (void)stream;
  bump_t *bump = ctx;
  bump->calls++;
  if (bytes > bump->capacity - bump->used)
    return RMM_ERROR_OUT_OF_MEMORY;
  *ptr = (void *)bump->next;
  bump->next += bytes;
  bump->used += bytes;
  bump->outstanding++;
  return RMM_SUCCESS;
}

static rmm_status_t bump_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  (void)ptr, (void)bytes, (void)alignment, (void)stream;
  bump_t *bump = ctx;
  bump->outstanding--;
  return RMM_SUCCESS;
}

static rmm_resource_t *new_bump(bump_t *bump, size_t capacity)
{
  static const rmm_resource_ops_t ops = {
      .struct_size = sizeof(rmm_resource_ops_t),
      .name = "bump",
      .allocate = bump_allocate,
      .deallocate = bump_deallocate,
  };
  *bump = (bump_t){.next = (uintptr_t)1 << 40, .capacity = capacity};
  rmm_resource_t *upstream = NULL;
  RMM_CK(rmm_resource_create(&ops, bump, RMM_HOST_ACCESSIBLE, &upstream));
  return upstream;
}

/* The live blocks of a test: a reference model to check the pool against. */
typedef struct live {
  uintptr_t addr;
  size_t bytes;
  rmm_stream_t stream;
} live_t;

static int by_addr(const void *a, const void *b)
{
  uintptr_t x = ((const live_t *)a)->addr, y = ((const live_t *)b)->addr;
  return x < y ? -1 : x > y;
}

/* No two live blocks overlap (sizes rounded to 256 as the pool hands them out). */
static void check_no_overlap(live_t *blocks, size_t count)
{
  qsort(blocks, count, sizeof *blocks, by_addr);
  for (size_t i = 1; i < count; i++) {
    size_t rounded = (blocks[i - 1].bytes + 255) & ~(size_t)255;
    ck_assert_msg(blocks[i - 1].addr + rounded <= blocks[i].addr, "blocks at %#lx (%zu B) and %#lx overlap",
                  (unsigned long)blocks[i - 1].addr, blocks[i - 1].bytes, (unsigned long)blocks[i].addr);
  }
}

static size_t rounded(size_t bytes) { return (bytes + 255) & ~(size_t)255; }

static void fill(void *ptr, size_t bytes, unsigned char tag) { memset(ptr, tag, bytes); }

/* ---- creation and queries ---- */

START_TEST(test_create_arguments)
{
  rmm_resource_t *host = rmm_test_host(), *pool = NULL;
  RMM_CK_STATUS(rmm_pool_create(host, 0, 0, NULL), RMM_ERROR_INVALID_ARGUMENT);
  pool = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_pool_create(host, 1000, 0, &pool), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(pool);
  RMM_CK_MESSAGE_HAS("initial size 1000 is not a multiple of 256");
  RMM_CK_STATUS(rmm_pool_create(host, 0, 1000, &pool), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("maximum size 1000");
  RMM_CK_STATUS(rmm_pool_create(host, 2 * MiB, MiB, &pool), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("above the maximum");
  RMM_CK(rmm_pool_create(host, MiB, MiB, &pool));
  ck_assert_str_eq(rmm_resource_name(pool), "pool");
  ck_assert_ptr_eq(rmm_resource_upstream(pool), host);
  ck_assert_uint_eq(rmm_resource_properties(pool), rmm_resource_properties(host));
  size_t size = 0;
  RMM_CK(rmm_pool_size(pool, &size));
  ck_assert_uint_eq(size, MiB);
  RMM_CK_STATUS(rmm_pool_size(pool, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_pool_size(host, &size), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("not a pool");
  RMM_CK_STATUS(rmm_pool_size(NULL, &size), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(pool);
  rmm_resource_release(host);
}
END_TEST

START_TEST(test_initial_chunk_fails)
{
  rmm_resource_t *sim = NULL, *pool = (rmm_resource_t *)0x1;
  RMM_CK(rmm_simulated_create(MiB, &sim));
  RMM_CK_STATUS(rmm_pool_create(sim, 2 * MiB, 0, &pool), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(pool);
  RMM_CK_MESSAGE_HAS("initial 2.00 MiB");
  ck_assert_uint_eq(rmm_test_stats(sim).bytes_in_use, 0);
  rmm_resource_release(sim);
}
END_TEST

START_TEST(test_zero_bytes_and_alignment)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  void *ptr = (void *)0x1;
  RMM_CK(rmm_allocate(pool, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  RMM_CK(rmm_deallocate(pool, NULL, 0, NULL));
  size_t sizes[] = {1, 100, 255, 256, 257, 1000, 4096, 70000};
  void *ptrs[8];
  for (int i = 0; i < 8; i++) {
    RMM_CK(rmm_allocate_aligned(pool, &ptrs[i], sizes[i], i % 2 ? 64 : 256, NULL));
    ck_assert_uint_eq((uintptr_t)ptrs[i] % 256, 0);
  }
  RMM_CK_STATUS(rmm_allocate_aligned(pool, &ptr, 100, 512, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("alignment 512");
  RMM_CK_STATUS(rmm_allocate_aligned(pool, &ptr, 100, 48, NULL), RMM_ERROR_INVALID_ARGUMENT);
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_deallocate_aligned(pool, ptrs[i], sizes[i], i % 2 ? 64 : 256, NULL));
  rmm_resource_release(pool);
}
END_TEST

/* ---- blocks and coalescing ---- */

START_TEST(test_best_fit_and_reuse)
{
  rmm_resource_t *pool = new_simulated_pool(GiB, MiB, 0);
  void *a, *b, *c, *d, *e;
  RMM_CK(rmm_allocate(pool, &a, 1024, NULL));
  RMM_CK(rmm_allocate(pool, &b, 4096, NULL));
  RMM_CK(rmm_allocate(pool, &c, 1024, NULL));
  RMM_CK(rmm_allocate(pool, &d, 2048, NULL));
  RMM_CK(rmm_allocate(pool, &e, 256, NULL));
  /* Blocks are carved in address order from the front of the chunk. */
  ck_assert_uint_eq((uintptr_t)b, (uintptr_t)a + 1024);
  ck_assert_uint_eq((uintptr_t)c, (uintptr_t)b + 4096);
  RMM_CK(rmm_deallocate(pool, b, 4096, NULL));
  RMM_CK(rmm_deallocate(pool, d, 2048, NULL));
  /* Best fit: 2000 bytes go to d's 2 KiB hole, not b's 4 KiB one. */
  void *x;
  RMM_CK(rmm_allocate(pool, &x, 2000, NULL));
  ck_assert_ptr_eq(x, d);
  /* Ties: the lowest address. */
  RMM_CK(rmm_deallocate(pool, a, 1024, NULL));
  RMM_CK(rmm_deallocate(pool, c, 1024, NULL));
  void *y;
  RMM_CK(rmm_allocate(pool, &y, 1024, NULL));
  ck_assert_ptr_eq(y, a);
  RMM_CK(rmm_deallocate(pool, y, 1024, NULL));
  RMM_CK(rmm_deallocate(pool, x, 2000, NULL));
  RMM_CK(rmm_deallocate(pool, e, 256, NULL));
  /* Everything free: the stream's blocks coalesced into one, beside the part of the chunk
     no stream has used yet; a request for the whole chunk joins the two. */
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.free_blocks, 2);
  ck_assert_uint_eq(stats.free_bytes, MiB);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 1024 + 4096 + 1024 + 2048 + 256);
  ck_assert_uint_eq(stats.upstream_chunks, 1);
  ck_assert_uint_eq(stats.flags, RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS | RMM_STATS_RECLAIM);
  void *whole;
  RMM_CK(rmm_allocate(pool, &whole, MiB, NULL));
  ck_assert_ptr_eq(whole, a);
  RMM_CK(rmm_deallocate(pool, whole, MiB, NULL));
  ck_assert_uint_eq(rmm_test_stats(pool).free_blocks, 1);
  ck_assert_uint_eq(rmm_test_stats(pool).upstream_chunks, 1);
  rmm_resource_release(pool);
}
END_TEST

/* rmm#397: touching upstream chunks never merge, so each can go back whole. */
START_TEST(test_no_coalescing_across_chunks)
{
  bump_t bump;
  rmm_resource_t *pool = rmm_test_pool_over(new_bump(&bump, GiB), MiB, 0);
  void *a, *b, *c;
  RMM_CK(rmm_allocate(pool, &a, MiB, NULL));
  RMM_CK(rmm_allocate(pool, &b, MiB, NULL)); /* a second chunk, right after the first */
  RMM_CK(rmm_allocate(pool, &c, MiB, NULL)); /* a third, of 2 MiB */
  ck_assert_uint_eq((uintptr_t)b, (uintptr_t)a + MiB);
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.upstream_chunks, 3);
  ck_assert_uint_eq(stats.bytes_reserved, 4 * MiB);
  RMM_CK(rmm_deallocate(pool, a, MiB, NULL));
  RMM_CK(rmm_deallocate(pool, b, MiB, NULL));
  RMM_CK(rmm_deallocate(pool, c, MiB, NULL));
  stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.free_blocks, 3);
  ck_assert_uint_eq(stats.largest_free_block, 2 * MiB);
  /* 2 MiB must not be served across the two 1 MiB chunks' boundary... but from the third. */
  void *d;
  RMM_CK(rmm_allocate(pool, &d, 2 * MiB, NULL));
  ck_assert_uint_eq((uintptr_t)d, (uintptr_t)b + MiB);
  RMM_CK(rmm_deallocate(pool, d, 2 * MiB, NULL));
  rmm_resource_release(pool);
  ck_assert_uint_eq(bump.outstanding, 0);
}
END_TEST

START_TEST(test_foreign_pointers)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  void *a;
  RMM_CK(rmm_allocate(pool, &a, 1000, NULL));
  rmm_resource_stats_t before = rmm_test_stats(pool);
  char local[512];
  RMM_CK_STATUS(rmm_deallocate(pool, local, 512, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was not allocated by this pool");
  RMM_CK_STATUS(rmm_deallocate(pool, (char *)a + 256, 256, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(pool, a, 5000, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was allocated with 1024 bytes");
  rmm_resource_stats_t after = rmm_test_stats(pool);
  ck_assert_mem_eq(&before, &after, sizeof before);
  RMM_CK(rmm_deallocate(pool, a, 1000, NULL));
  /* A double free is a foreign pointer too, and changes nothing. */
  before = rmm_test_stats(pool);
  RMM_CK_STATUS(rmm_deallocate(pool, a, 1000, NULL), RMM_ERROR_INVALID_ARGUMENT);
  after = rmm_test_stats(pool);
  ck_assert_mem_eq(&before, &after, sizeof before);
  rmm_resource_release(pool);
}
END_TEST

/* ---- growth and out of memory ---- */

START_TEST(test_growth_to_maximum)
{
  rmm_resource_t *pool = new_simulated_pool(64 * GiB, 0, 10 * MiB);
  void *ptrs[10];
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_allocate(pool, &ptrs[i], MiB, STREAM(1)));
  size_t size;
  RMM_CK(rmm_pool_size(pool, &size));
  ck_assert_uint_eq(size, 10 * MiB);
  void *more;
  RMM_CK_STATUS(rmm_allocate(pool, &more, 256, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("pool: maximum size exceeded (failed to allocate 256 B = 256 bytes; pool 10.00 MiB, "
                     "largest free block 0 B)");
  RMM_CK(rmm_deallocate(pool, ptrs[3], MiB, STREAM(1)));
  RMM_CK_STATUS(rmm_allocate(pool, &more, 2 * MiB, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("failed to allocate 2.00 MiB");
  RMM_CK_MESSAGE_HAS("largest free block 1.00 MiB");
  /* A failure changes nothing: the freed block is still there. */
  RMM_CK(rmm_allocate(pool, &more, MiB, STREAM(1)));
  ck_assert_ptr_eq(more, ptrs[3]);
  for (int i = 0; i < 10; i++)
    RMM_CK(rmm_deallocate(pool, ptrs[i], MiB, STREAM(1)));
  /* A request larger than the maximum can never fit; a huge one does not overflow. */
  RMM_CK_STATUS(rmm_allocate(pool, &more, 11 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_STATUS(rmm_allocate(pool, &more, SIZE_MAX - 10, NULL), RMM_ERROR_OUT_OF_MEMORY);
  rmm_resource_release(pool);
}
END_TEST

/* Growth is geometric: few chunks for many small requests. */
START_TEST(test_growth_is_geometric)
{
  rmm_resource_t *pool = new_simulated_pool(64 * GiB, MiB, 0);
  size_t count = 4096;
  void **ptrs = malloc(count * sizeof *ptrs);
  for (size_t i = 0; i < count; i++)
    RMM_CK(rmm_allocate(pool, &ptrs[i], 64 * KiB, NULL));
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_le(stats.upstream_chunks, 10); /* 256 MiB in 1, 1, 2, 4, ... MiB chunks */
  ck_assert_uint_le(stats.bytes_reserved, 2 * count * 64 * KiB);
  for (size_t i = 0; i < count; i++)
    RMM_CK(rmm_deallocate(pool, ptrs[i], 64 * KiB, NULL));
  stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.free_blocks, stats.upstream_chunks);
  free(ptrs);
  rmm_resource_release(pool);
}
END_TEST

/* rmm#496: growth falls back to what the request needs when the upstream is short. */
START_TEST(test_growth_fallback)
{
  size_t capacity = 64 * MiB;
  rmm_resource_t *pool = new_simulated_pool(capacity, 0, 0);
  void *ptrs[4];
  for (int i = 0; i < 4; i++)
    RMM_CK(rmm_allocate(pool, &ptrs[i], capacity / 4, NULL));
  void *more;
  RMM_CK_STATUS(rmm_allocate(pool, &more, capacity / 4, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("pool: out of memory (failed to allocate 16.00 MiB");
  RMM_CK_MESSAGE_HAS("upstream simulated");
  for (int i = 0; i < 4; i++)
    RMM_CK(rmm_deallocate(pool, ptrs[i], capacity / 4, NULL));
  rmm_resource_release(pool);
}
END_TEST

/* rmm#1664, #600: an odd initial size, a maximum, and requests larger than the initial chunk. */
START_TEST(test_odd_initial_size)
{
  rmm_resource_t *pool = new_simulated_pool(64 * GiB, 1000192, 64 * MiB);
  void *ptrs[8];
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_allocate(pool, &ptrs[i], 8 * MiB, NULL));
  /* All 64 MiB are in use: the odd first chunk, never used, went back to make room. */
  size_t size;
  RMM_CK(rmm_pool_size(pool, &size));
  ck_assert_uint_eq(size, 64 * MiB);
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.allocation_retries, 1);
  ck_assert_uint_eq(stats.oom_failures, 0);
  ck_assert_uint_eq(stats.bytes_trimmed, 1000192);
  /* A ninth cannot fit: it is retried once more, then counted as a failure. */
  void *ninth;
  RMM_CK_STATUS(rmm_allocate(pool, &ninth, 8 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.allocation_retries, 2);
  ck_assert_uint_eq(stats.oom_failures, 1);
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_deallocate(pool, ptrs[i], 8 * MiB, NULL));
  rmm_resource_release(pool);
  /* No maximum over an unlimited upstream: it grows. */
  pool = new_simulated_pool(64 * GiB, 0, 0);
  RMM_CK(rmm_allocate(pool, &ptrs[0], 8 * GiB, NULL));
  RMM_CK(rmm_deallocate(pool, ptrs[0], 8 * GiB, NULL));
  rmm_resource_release(pool);
}
END_TEST

/* rmm#35/#75: cycles of growing and freeing everything do not keep growing. */
START_TEST(test_cycles_do_not_grow)
{
  rmm_resource_t *pool = new_simulated_pool(64 * GiB, 0, 0);
  size_t reserved = 0;
  void *ptrs[32];
  for (int cycle = 0; cycle < 5; cycle++) {
    for (int i = 0; i < 32; i++)
      RMM_CK(rmm_allocate(pool, &ptrs[i], (size_t)(i + 1) * 100 * KiB, NULL));
    for (int i = 0; i < 32; i++)
      RMM_CK(rmm_deallocate(pool, ptrs[i], (size_t)(i + 1) * 100 * KiB, NULL));
    if (cycle == 0)
      reserved = rmm_test_stats(pool).bytes_reserved;
    ck_assert_uint_eq(rmm_test_stats(pool).bytes_reserved, reserved);
  }
  rmm_resource_release(pool);
}
END_TEST

/* The pool returns every chunk to its upstream when destroyed, live blocks or not. */
START_TEST(test_destroy_returns_chunks)
{
  bump_t bump;
  rmm_resource_t *pool = rmm_test_pool_over(new_bump(&bump, 64 * GiB), MiB, 0);
  void *ptr;
  for (int i = 0; i < 20; i++)
    RMM_CK(rmm_allocate(pool, &ptr, (size_t)(i + 1) * MiB, STREAM(i % 3)));
  ck_assert_uint_gt(bump.outstanding, 1);
  rmm_resource_release(pool);
  ck_assert_uint_eq(bump.outstanding, 0);
}
END_TEST

/* Trim gives back exactly the wholly free chunks, never one with a live block. */
START_TEST(test_trim_exact)
{
  bump_t bump;
  rmm_resource_t *pool = rmm_test_pool_over(new_bump(&bump, GiB), MiB, 0);
  void *a, *b, *c;
  RMM_CK(rmm_allocate(pool, &a, MiB, NULL));      /* the first chunk, 1 MiB */
  RMM_CK(rmm_allocate(pool, &b, MiB, STREAM(1))); /* a second, 1 MiB */
  RMM_CK(rmm_allocate(pool, &c, MiB, STREAM(2))); /* a third, 2 MiB, half used */
  ck_assert_uint_eq(bump.outstanding, 3);
  RMM_CK(rmm_deallocate(pool, a, MiB, STREAM(3)));
  size_t released = 0;
  RMM_CK(rmm_resource_trim(pool, &released));
  ck_assert_uint_eq(released, MiB);
  ck_assert_uint_eq(bump.outstanding, 2);
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.bytes_reserved, 3 * MiB);
  ck_assert_uint_eq(stats.bytes_trimmed, MiB);
  ck_assert(stats.flags & RMM_STATS_RECLAIM);
  /* Nothing else is wholly free: a second trim gives nothing. */
  RMM_CK(rmm_resource_trim(pool, &released));
  ck_assert_uint_eq(released, 0);
  RMM_CK(rmm_deallocate(pool, b, MiB, STREAM(1)));
  RMM_CK(rmm_deallocate(pool, c, MiB, STREAM(2)));
  RMM_CK(rmm_resource_trim(pool, &released));
  ck_assert_uint_eq(released, 3 * MiB);
  ck_assert_uint_eq(bump.outstanding, 0);
  ck_assert_uint_eq(rmm_test_stats(pool).bytes_reserved, 0);
  /* It grows again on demand. */
  RMM_CK(rmm_allocate(pool, &a, MiB, NULL));
  RMM_CK(rmm_deallocate(pool, a, MiB, NULL));
  rmm_resource_release(pool);
  ck_assert_uint_eq(bump.outstanding, 0);
}
END_TEST

/* The same for fixed_size: a chunk goes back when all its blocks are free. */
START_TEST(test_trim_fixed_size)
{
  bump_t bump;
  rmm_resource_t *mr = rmm_test_fixed_size_over(new_bump(&bump, GiB), 4 * KiB, 4);
  void *blocks[8];
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_allocate(mr, &blocks[i], 4 * KiB, STREAM(1 + i % 2)));
  ck_assert_uint_eq(bump.outstanding, 2);
  for (int i = 0; i < 4; i++) /* the whole first chunk */
    RMM_CK(rmm_deallocate(mr, blocks[i], 4 * KiB, STREAM(3)));
  RMM_CK(rmm_deallocate(mr, blocks[4], 4 * KiB, STREAM(3))); /* one block of the second */
  size_t released = 0;
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(released, 16 * KiB);
  ck_assert_uint_eq(bump.outstanding, 1);
  for (int i = 5; i < 8; i++)
    RMM_CK(rmm_deallocate(mr, blocks[i], 4 * KiB, NULL));
  RMM_CK(rmm_resource_trim(mr, &released));
  ck_assert_uint_eq(released, 16 * KiB);
  ck_assert_uint_eq(bump.outstanding, 0);
  rmm_resource_release(mr);
}
END_TEST

/* ---- random sequences against a reference model ---- */

/*
 * Random allocations and frees on a few streams, checked against the model: no overlap,
 * exact in-use figures, and at the end one free block per chunk.
 */
static size_t random_sequence(rmm_resource_t *pool, bool touch, size_t max_bytes, uint64_t seed)
{
  size_t ops = rmm_test_scaled(20000), capacity = 512, count = 0, in_use = 0;
  live_t *blocks = malloc(capacity * sizeof *blocks);
  rmm_stream_t streams[] = {NULL, RMM_STREAM_LEGACY, RMM_STREAM_PER_THREAD, STREAM(1), STREAM(2)};
  for (size_t op = 0; op < ops; op++) {
    uint64_t r = rmm_test_random(&seed);
    if (count < capacity && (count == 0 || r % 100 < 55)) {
      size_t bytes = 1 + rmm_test_random(&seed) % max_bytes;
      rmm_stream_t stream = streams[rmm_test_random(&seed) % 5];
      void *ptr;
      RMM_CK(rmm_allocate(pool, &ptr, bytes, stream));
      ck_assert_uint_eq((uintptr_t)ptr % 256, 0);
      if (touch)
        fill(ptr, bytes, (unsigned char)count);
      blocks[count++] = (live_t){(uintptr_t)ptr, bytes, stream};
      in_use += rounded(bytes);
    } else {
      size_t i = rmm_test_random(&seed) % count;
      live_t block = blocks[i];
      if (touch)
        rmm_test_check_fill((void *)block.addr, block.bytes, (unsigned char)i);
      /* Freed on its own stream or another: both are allowed. */
      rmm_stream_t stream = r % 3 == 0 ? streams[r % 5] : block.stream;
      RMM_CK(rmm_deallocate(pool, (void *)block.addr, block.bytes, stream));
      in_use -= rounded(block.bytes);
      blocks[i] = blocks[--count];
      if (touch && i < count) /* the moved block keeps its pattern: refill with its new tag */
        fill((void *)blocks[i].addr, blocks[i].bytes, (unsigned char)i);
    }
    /* B18: trims between the steps change nothing a live block depends on. */
    if (op % 1499 == 0) {
      size_t released = 0, reserved = rmm_test_stats(pool).bytes_reserved;
      RMM_CK(rmm_resource_trim(pool, &released));
      ck_assert_uint_eq(rmm_test_stats(pool).bytes_reserved, reserved - released);
    }
    if (op % 997 == 0) {
      ck_assert_uint_eq(rmm_test_stats(pool).bytes_in_use, in_use);
      check_no_overlap(blocks, count);
      if (touch)
        for (size_t i = 0; i < count; i++)
          fill((void *)blocks[i].addr, blocks[i].bytes, (unsigned char)i);
    }
  }
  check_no_overlap(blocks, count);
  for (size_t i = 0; i < count; i++)
    RMM_CK(rmm_deallocate(pool, (void *)blocks[i].addr, blocks[i].bytes, blocks[i].stream));
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, stats.bytes_reserved);
  /* Lists of different streams merge only when a request needs it: a request larger than
     any chunk merges them all (and grows); then each chunk is exactly one free block. */
  size_t big = stats.bytes_reserved + 256;
  void *all;
  RMM_CK(rmm_allocate(pool, &all, big, STREAM(9)));
  RMM_CK(rmm_deallocate(pool, all, big, STREAM(9)));
  stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.free_blocks, stats.upstream_chunks);
  ck_assert_uint_eq(stats.free_bytes, stats.bytes_reserved);
  /* Nothing is live: a trim gives every chunk back. */
  size_t released = 0;
  RMM_CK(rmm_resource_trim(pool, &released));
  ck_assert_uint_eq(released, stats.bytes_reserved);
  ck_assert_uint_eq(rmm_test_stats(pool).upstream_chunks, 0);
  free(blocks);
  return stats.upstream_chunks;
}

START_TEST(test_random_host)
{
  rmm_resource_t *pool = new_host_pool(256 * KiB, 0);
  random_sequence(pool, true, 20000, 1);
  rmm_resource_release(pool);
}
END_TEST

START_TEST(test_random_simulated)
{
  rmm_resource_t *pool = new_simulated_pool(16384 * GiB, 0, 0);
  random_sequence(pool, false, GiB, 2);
  rmm_resource_release(pool);
}
END_TEST

/* The same over touching chunks: coalescing stops at every chunk's end. */
START_TEST(test_exact_coalescing)
{
  bump_t bump;
  rmm_resource_t *pool = rmm_test_pool_over(new_bump(&bump, 1024 * GiB), 0, 0);
  ck_assert_uint_gt(random_sequence(pool, false, 64 * MiB, 3), 1);
  rmm_resource_release(pool);
  ck_assert_uint_eq(bump.outstanding, 0);
}
END_TEST

/* ---- streams ---- */

START_TEST(test_same_stream_reuse)
{
  rmm_resource_t *pool = new_simulated_pool(GiB, 4 * MiB, 0);
  void *a, *b;
  RMM_CK(rmm_allocate(pool, &a, MiB, STREAM(1)));
  RMM_CK(rmm_deallocate(pool, a, MiB, STREAM(1)));
  RMM_CK(rmm_allocate(pool, &b, MiB, STREAM(1)));
  ck_assert_ptr_eq(a, b);
  RMM_CK(rmm_deallocate(pool, b, MiB, STREAM(1)));
  /* NULL and the legacy default stream share one list. */
  RMM_CK(rmm_allocate(pool, &a, 512, NULL));
  RMM_CK(rmm_deallocate(pool, a, 512, NULL));
  RMM_CK(rmm_allocate(pool, &b, 512, RMM_STREAM_LEGACY));
  ck_assert_ptr_eq(a, b);
  RMM_CK(rmm_deallocate(pool, b, 512, RMM_STREAM_LEGACY));
  ck_assert_uint_eq(rmm_test_stats(pool).upstream_chunks, 1);
  rmm_resource_release(pool);
}
END_TEST

/* A block freed on stream A stays on A's list: B, with a list of its own, does not see it. */
START_TEST(test_lists_are_per_stream)
{
  rmm_resource_t *pool = new_simulated_pool(GiB, 4 * MiB, 0);
  void *a, *b, *x;
  RMM_CK(rmm_allocate(pool, &a, 256, STREAM(1)));
  RMM_CK(rmm_allocate(pool, &b, 256, STREAM(1)));
  RMM_CK(rmm_allocate(pool, &x, 256, STREAM(2))); /* from the clean rest of the chunk */
  ck_assert_uint_eq((uintptr_t)x, (uintptr_t)b + 256);
  RMM_CK(rmm_deallocate(pool, a, 256, STREAM(1)));
  RMM_CK(rmm_deallocate(pool, b, 256, STREAM(2)));
  RMM_CK(rmm_deallocate(pool, x, 256, STREAM(2)));
  /* A's list holds a, B's holds b and x (coalesced), the pool-wide clean bag the rest of
     the chunk: each stream gets its own block back. */
  void *again_a, *again_b;
  RMM_CK(rmm_allocate(pool, &again_a, 256, STREAM(1)));
  RMM_CK(rmm_allocate(pool, &again_b, 256, STREAM(2)));
  ck_assert_ptr_eq(again_a, a);
  ck_assert_ptr_eq(again_b, b);
  RMM_CK(rmm_deallocate(pool, again_a, 256, STREAM(1)));
  RMM_CK(rmm_deallocate(pool, again_b, 256, STREAM(2)));
  ck_assert_uint_eq(rmm_test_stats(pool).free_blocks, 3);
  rmm_resource_release(pool);
}
END_TEST

/* With A's list stocked and B's empty, B gets memory by taking A's blocks, not by growing. */
START_TEST(test_empty_stream_takes_from_others)
{
  rmm_resource_t *pool = new_simulated_pool(GiB, 8 * MiB, 8 * MiB);
  void *ptrs[8];
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_allocate(pool, &ptrs[i], MiB, STREAM(1)));
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_deallocate(pool, ptrs[i], MiB, STREAM(1 + i % 4))); /* spread over four lists */
  size_t chunks = rmm_test_stats(pool).upstream_chunks;
  /* The pool is at its maximum: 8 MiB for B can only come from merging all four lists. */
  void *big;
  RMM_CK(rmm_allocate(pool, &big, 8 * MiB, STREAM(7)));
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.upstream_chunks, chunks);
  RMM_CK(rmm_deallocate(pool, big, 8 * MiB, STREAM(7)));
  ck_assert_uint_eq(rmm_test_stats(pool).free_blocks, chunks);
  rmm_resource_release(pool);
}
END_TEST

/*
 * A stream short of memory searches the other lists starting after its own and wrapping
 * around, so that thieves do not all drain the first streams' lists.
 */
START_TEST(test_thief_starts_after_own_list)
{
  rmm_resource_t *pool = new_simulated_pool(GiB, 4 * MiB, 4 * MiB);
  void *a, *b, *c, *d;
  RMM_CK(rmm_allocate(pool, &a, MiB, STREAM(1))); /* the lists in order: 1, 2, 3 */
  RMM_CK(rmm_allocate(pool, &b, MiB, STREAM(2)));
  RMM_CK(rmm_allocate(pool, &c, MiB, STREAM(3)));
  RMM_CK(rmm_allocate(pool, &d, MiB, STREAM(2)));
  RMM_CK(rmm_deallocate(pool, a, MiB, STREAM(1)));
  RMM_CK(rmm_deallocate(pool, c, MiB, STREAM(3)));
  /* The pool is at its maximum: stream 2 must take a block, and finds stream 3's first. */
  void *taken;
  RMM_CK(rmm_allocate(pool, &taken, MiB, STREAM(2)));
  ck_assert_ptr_eq(taken, c);
  /* Stream 3, the last list, wraps around to stream 1's. */
  void *wrapped;
  RMM_CK(rmm_allocate(pool, &wrapped, MiB, STREAM(3)));
  ck_assert_ptr_eq(wrapped, a);
  RMM_CK(rmm_deallocate(pool, wrapped, MiB, STREAM(3)));
  RMM_CK(rmm_deallocate(pool, taken, MiB, STREAM(2)));
  RMM_CK(rmm_deallocate(pool, b, MiB, STREAM(2)));
  RMM_CK(rmm_deallocate(pool, d, MiB, STREAM(2)));
  ck_assert_uint_eq(rmm_test_stats(pool).upstream_chunks, 1);
  rmm_resource_release(pool);
}
END_TEST

START_TEST(test_many_streams)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  size_t count = 300;
  void **ptrs = malloc(count * sizeof *ptrs);
  for (size_t i = 0; i < count; i++) {
    RMM_CK(rmm_allocate(pool, &ptrs[i], 1000, STREAM(i + 1)));
    fill(ptrs[i], 1000, (unsigned char)i);
  }
  for (size_t i = 0; i < count; i++) {
    rmm_test_check_fill(ptrs[i], 1000, (unsigned char)i);
    RMM_CK(rmm_deallocate(pool, ptrs[i], 1000, STREAM(i + 1)));
  }
  /* Each stream finds its block again. */
  for (size_t i = 0; i < count; i++) {
    void *again;
    RMM_CK(rmm_allocate(pool, &again, 1000, STREAM(i + 1)));
    ck_assert_ptr_eq(again, ptrs[i]);
    RMM_CK(rmm_deallocate(pool, again, 1000, STREAM(i + 1)));
  }
  free(ptrs);
  rmm_resource_release(pool);
}
END_TEST

/* ---- threads ---- */

/*
 * Worker threads count their failures; the main thread asserts on the counts, since
 * check's assertions may only run there when tests do not fork (valgrind runs).
 */
typedef struct worker {
  rmm_resource_t *pool;
  rmm_stream_t stream;
  uint64_t seed;
  size_t max_bytes;
  bool touch;
  size_t failures;
  unsigned char salt; /* part of every fill pattern, so that two workers' blocks differ */
} worker_t;

/* Whether every byte of the block still holds `tag`: nobody else wrote it. */
static bool holds(const void *ptr, size_t bytes, unsigned char tag)
{
  const unsigned char *p = ptr;
  for (size_t i = 0; i < bytes; i++)
    if (p[i] != tag)
      return false;
  return true;
}

static void *work(void *arg)
{
  worker_t *w = arg;
  enum { SLOTS = 64 };
  live_t blocks[SLOTS] = {{0}};
  rmm_stream_t streams[] = {w->stream, NULL, RMM_STREAM_PER_THREAD};
  size_t ops = rmm_test_scaled(20000);
  for (size_t op = 0; op < ops; op++) {
    size_t slot = rmm_test_random(&w->seed) % SLOTS;
    live_t *b = &blocks[slot];
    if (b->addr != 0) {
      if (w->touch && !holds((void *)b->addr, b->bytes, (unsigned char)(slot + w->salt)))
        w->failures++;
      w->failures += rmm_deallocate(w->pool, (void *)b->addr, b->bytes, b->stream) != RMM_SUCCESS;
      b->addr = 0;
    } else {
      b->bytes = 1 + rmm_test_random(&w->seed) % w->max_bytes;
      b->stream = streams[rmm_test_random(&w->seed) % 3];
      void *ptr;
      if (rmm_allocate(w->pool, &ptr, b->bytes, b->stream) != RMM_SUCCESS) {
        w->failures++;
        continue;
      }
      b->addr = (uintptr_t)ptr;
      if (w->touch)
        fill(ptr, b->bytes, (unsigned char)(slot + w->salt));
    }
    if (op % 1000 == 0) {
      rmm_resource_stats_t stats = {.struct_size = sizeof stats};
      w->failures += rmm_resource_get_stats(w->pool, &stats) != RMM_SUCCESS ||
                     stats.bytes_in_use > stats.bytes_reserved;
    }
  }
  for (size_t slot = 0; slot < SLOTS; slot++)
    if (blocks[slot].addr != 0)
      w->failures += rmm_deallocate(w->pool, (void *)blocks[slot].addr, blocks[slot].bytes, blocks[slot].stream) !=
                     RMM_SUCCESS;
  return NULL;
}

static void run_workers(rmm_resource_t *pool, size_t threads, size_t max_bytes, bool touch, bool own_streams)
{
  pthread_t *ids = calloc(threads, sizeof *ids);
  worker_t *workers = calloc(threads, sizeof *workers);
  for (size_t i = 0; i < threads; i++) {
    workers[i] = (worker_t){pool, own_streams ? STREAM(i + 1) : STREAM(1), i + 11, max_bytes, touch, 0,
                            (unsigned char)(i * 67)};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, work, &workers[i]), 0);
  }
  for (size_t i = 0; i < threads; i++) {
    pthread_join(ids[i], NULL);
    ck_assert_msg(workers[i].failures == 0, "worker %zu saw %zu failures", i, workers[i].failures);
  }
  free(ids);
  free(workers);
  rmm_resource_stats_t stats = rmm_test_stats(pool);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, stats.bytes_reserved);
}

/* Threads by streams, with real memory: a block shared by two owners would lose its pattern. */
START_TEST(test_threads_and_streams)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  run_workers(pool, 8, 20000, true, true);
  rmm_resource_release(pool);
}
END_TEST

/*
 * 4, 16 and 64 threads, each on its own stream and on the shared default and per-thread
 * streams, over one pool: no block reaches two owners (fill patterns) and none is lost
 * (all memory is free at the end).
 */
START_TEST(test_threads_scale)
{
  static const size_t counts[] = {4, 16, 64};
  size_t threads = counts[_i];
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  run_workers(pool, threads, 4000, true, true);
  /* At most 64 blocks of 4000 bytes live per thread: growth (geometric, so up to twice the
     need, and fragmented) follows need, not contention. */
  size_t live_at_most = threads * 64 * 4096;
  ck_assert_uint_le(rmm_test_stats(pool).bytes_reserved, 8 * live_at_most + MiB);
  rmm_resource_release(pool);
}
END_TEST

/* Trims from one thread while eight others allocate and free with fill patterns. */
static void *trim_repeatedly(void *arg)
{
  worker_t *w = arg;
  for (size_t i = 0; i < rmm_test_scaled(400); i++) {
    size_t released;
    w->failures += rmm_resource_trim(w->pool, &released) != RMM_SUCCESS;
  }
  return NULL;
}

START_TEST(test_trim_while_allocating)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  worker_t trimmer = {.pool = pool};
  pthread_t id;
  ck_assert_int_eq(pthread_create(&id, NULL, trim_repeatedly, &trimmer), 0);
  run_workers(pool, 8, 20000, true, true);
  pthread_join(id, NULL);
  ck_assert_uint_eq(trimmer.failures, 0);
  size_t released;
  RMM_CK(rmm_resource_trim(pool, &released));
  ck_assert_uint_eq(rmm_test_stats(pool).bytes_reserved, 0);
  rmm_resource_release(pool);
}
END_TEST

/* rmm#735: four threads, sizes of 100 to 10000 bytes, one stream. */
START_TEST(test_threads_one_stream)
{
  rmm_resource_t *pool = new_host_pool(0, 0);
  run_workers(pool, 4, 10000, true, false);
  rmm_resource_release(pool);
}
END_TEST

/* DALI#3258: threads that miss together grow the pool by what they need, not each by a lot. */
static void *take_one(void *arg)
{
  worker_t *w = arg;
  void *ptr = NULL;
  w->failures = rmm_allocate(w->pool, &ptr, MiB, w->stream) != RMM_SUCCESS;
  w->seed = (uintptr_t)ptr;
  return NULL;
}

START_TEST(test_simultaneous_misses)
{
  bump_t bump;
  rmm_resource_t *pool = rmm_test_pool_over(new_bump(&bump, 64 * GiB), 0, 0);
  pthread_t ids[8];
  worker_t workers[8];
  for (int i = 0; i < 8; i++) {
    workers[i] = (worker_t){.pool = pool, .stream = STREAM(i + 1)};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, take_one, &workers[i]), 0);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(ids[i], NULL);
    ck_assert_uint_eq(workers[i].failures, 0);
  }
  ck_assert_uint_le(rmm_test_stats(pool).bytes_reserved, 16 * MiB);
  for (int i = 0; i < 8; i++)
    RMM_CK(rmm_deallocate(pool, (void *)(uintptr_t)workers[i].seed, MiB, STREAM(i + 1)));
  rmm_resource_release(pool);
}
END_TEST

/* rmm#2303: tracking and statistics over a pool that hands the same blocks out at once (ABA). */
typedef struct adaptor_worker {
  rmm_resource_t *mr;
  size_t ops;
  atomic_size_t failures;
} adaptor_worker_t;

static void *same_sizes(void *arg)
{
  adaptor_worker_t *w = arg;
  void *ptrs[4];
  for (size_t i = 0; i < w->ops; i++) {
    for (int j = 0; j < 4; j++)
      if (rmm_allocate(w->mr, &ptrs[j], 512, NULL) != RMM_SUCCESS)
        atomic_fetch_add(&w->failures, 1);
    for (int j = 0; j < 4; j++)
      if (rmm_deallocate(w->mr, ptrs[j], 512, NULL) != RMM_SUCCESS)
        atomic_fetch_add(&w->failures, 1);
  }
  return NULL;
}

START_TEST(test_adaptors_over_pool)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0), *tracking = NULL, *stats = NULL;
  RMM_CK(rmm_tracking_create(pool, false, &tracking));
  RMM_CK(rmm_statistics_create(tracking, &stats));
  pthread_t ids[16];
  adaptor_worker_t worker = {stats, rmm_test_scaled(2000), 0};
  for (int i = 0; i < 16; i++)
    ck_assert_int_eq(pthread_create(&ids[i], NULL, same_sizes, &worker), 0);
  for (int i = 0; i < 16; i++)
    pthread_join(ids[i], NULL);
  ck_assert_uint_eq(atomic_load(&worker.failures), 0);
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(stats, &counts));
  ck_assert_int_eq(counts.current_bytes, 0);
  ck_assert_int_eq(counts.current_count, 0);
  ck_assert_int_eq(counts.total_count, (int64_t)(16 * 4 * worker.ops));
  size_t outstanding = 1;
  RMM_CK(rmm_tracking_outstanding_count(tracking, &outstanding));
  ck_assert_uint_eq(outstanding, 0);
  ck_assert_uint_eq(rmm_test_stats(pool).bytes_in_use, 0);
  rmm_resource_release(stats);
  rmm_resource_release(tracking);
  rmm_resource_release(pool);
}
END_TEST

/* ---- the stream registry ---- */

START_TEST(test_registry)
{
  rmm_resource_t *pool = new_host_pool(MiB, 0);
  RMM_CK(rmm_stream_register(STREAM(5)));
  RMM_CK(rmm_stream_register(STREAM(5)));
  void *a, *b;
  RMM_CK(rmm_allocate(pool, &a, 1000, STREAM(5)));
  RMM_CK(rmm_deallocate(pool, a, 1000, STREAM(5)));
  RMM_CK(rmm_stream_unregister(STREAM(5)));
  RMM_CK(rmm_stream_unregister(STREAM(5)));
  RMM_CK_STATUS(rmm_stream_unregister(STREAM(5)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("is not registered");
  /* The blocks stay usable after unregistering. */
  RMM_CK(rmm_allocate(pool, &b, 1000, STREAM(6)));
  RMM_CK(rmm_deallocate(pool, b, 1000, STREAM(6)));
  RMM_CK_STATUS(rmm_stream_register(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_stream_register(RMM_STREAM_LEGACY), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_stream_register(RMM_STREAM_PER_THREAD), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("default stream");
  RMM_CK_STATUS(rmm_stream_unregister(NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(pool);
}
END_TEST

/* Host memory that claims to be device accessible, so that the pool takes its device paths. */
static rmm_status_t claim_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  return rmm_allocate_aligned(ctx, ptr, bytes, alignment, stream);
}

static rmm_status_t claim_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  return rmm_deallocate_aligned(ctx, ptr, bytes, alignment, stream);
}

static void claim_destroy(void *ctx) { rmm_resource_release(ctx); }

/*
 * Without a GPU every CUDA call fails, so this shows that the same-stream path of a
 * registered stream makes none, and that unregistering retires the stream's list (its
 * blocks go to another stream, the handle is forgotten). With a GPU, fake handles must
 * not reach CUDA: the test has nothing to show there and returns.
 */
START_TEST(test_registered_streams_make_no_cuda_call)
{
  int devices = 0;
  if (rmm_get_num_devices(&devices) == RMM_SUCCESS && devices > 0)
    return;
  static const rmm_resource_ops_t ops = {
      .struct_size = sizeof(rmm_resource_ops_t),
      .name = "claims_device",
      .allocate = claim_allocate,
      .deallocate = claim_deallocate,
      .destroy = claim_destroy,
  };
  rmm_resource_t *host = rmm_test_host(), *upstream = NULL, *pool = NULL;
  RMM_CK(rmm_resource_create(&ops, host, RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE, &upstream));
  RMM_CK(rmm_pool_create(upstream, 0, 0, &pool));
  rmm_resource_release(upstream);
  rmm_stream_t a = STREAM(21), b = STREAM(22);
  RMM_CK(rmm_stream_register(a));
  RMM_CK(rmm_stream_register(b));
  void *x, *y;
  RMM_CK(rmm_allocate(pool, &x, MiB, a)); /* grows into A's list: no event needed */
  for (int i = 0; i < 100; i++) {
    RMM_CK(rmm_deallocate(pool, x, MiB, a));
    RMM_CK(rmm_allocate(pool, &y, MiB, a));
    ck_assert_ptr_eq(x, y);
  }
  RMM_CK(rmm_deallocate(pool, x, MiB, a));
  /* An unknown stream needs its id: that is a CUDA call, which fails here. */
  RMM_CK_STATUS(rmm_allocate(pool, &y, MiB, STREAM(23)), RMM_ERROR_CUDA);
  /* Unregistered, A's list is retired (its last event cannot be recorded here: the stream
     was waited for instead); B takes its blocks without a wait. */
  RMM_CK(rmm_stream_unregister(a));
  RMM_CK(rmm_allocate(pool, &y, MiB, b));
  ck_assert_ptr_eq(x, y);
  RMM_CK(rmm_deallocate(pool, y, MiB, b));
  ck_assert_uint_eq(rmm_test_stats(pool).upstream_chunks, 1);
  RMM_CK(rmm_stream_unregister(b));
  rmm_resource_release(pool);
}
END_TEST

typedef struct registrar {
  uintptr_t base;
  size_t failures;
} registrar_t;

static void *register_many(void *arg)
{
  registrar_t *r = arg;
  for (size_t i = 0; i < rmm_test_scaled(2000); i++) {
    rmm_stream_t s = (rmm_stream_t)(r->base + 0x100 * (i % 50 + 1));
    r->failures += rmm_stream_register(s) != RMM_SUCCESS;
    r->failures += rmm_stream_unregister(s) != RMM_SUCCESS;
  }
  return NULL;
}

START_TEST(test_registry_threads)
{
  pthread_t ids[4];
  registrar_t registrars[4];
  for (uintptr_t i = 0; i < 4; i++) {
    registrars[i] = (registrar_t){0x100000 * (i + 1), 0};
    ck_assert_int_eq(pthread_create(&ids[i], NULL, register_many, &registrars[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(ids[i], NULL);
    ck_assert_uint_eq(registrars[i].failures, 0);
  }
  RMM_CK_STATUS(rmm_stream_unregister((rmm_stream_t)0x100100), RMM_ERROR_INVALID_ARGUMENT);
}
END_TEST

static Suite *pool_suite(void)
{
  Suite *suite = suite_create("pool");
  TCase *basics = tcase_create("basics");
  tcase_add_test(basics, test_create_arguments);
  tcase_add_test(basics, test_initial_chunk_fails);
  tcase_add_test(basics, test_zero_bytes_and_alignment);
  tcase_add_test(basics, test_best_fit_and_reuse);
  tcase_add_test(basics, test_no_coalescing_across_chunks);
  tcase_add_test(basics, test_foreign_pointers);
  suite_add_tcase(suite, basics);
  TCase *growth = tcase_create("growth");
  tcase_add_test(growth, test_growth_to_maximum);
  tcase_add_test(growth, test_growth_is_geometric);
  tcase_add_test(growth, test_growth_fallback);
  tcase_add_test(growth, test_odd_initial_size);
  tcase_add_test(growth, test_cycles_do_not_grow);
  tcase_add_test(growth, test_destroy_returns_chunks);
  tcase_add_test(growth, test_trim_exact);
  tcase_add_test(growth, test_trim_fixed_size);
  suite_add_tcase(suite, growth);
  TCase *model = tcase_create("model");
  tcase_set_timeout(model, 120);
  tcase_add_test(model, test_random_host);
  tcase_add_test(model, test_random_simulated);
  tcase_add_test(model, test_exact_coalescing);
  suite_add_tcase(suite, model);
  TCase *streams = tcase_create("streams");
  tcase_set_timeout(streams, 120);
  tcase_add_test(streams, test_same_stream_reuse);
  tcase_add_test(streams, test_lists_are_per_stream);
  tcase_add_test(streams, test_empty_stream_takes_from_others);
  tcase_add_test(streams, test_thief_starts_after_own_list);
  tcase_add_test(streams, test_many_streams);
  tcase_add_test(streams, test_threads_and_streams);
  tcase_add_loop_test(streams, test_threads_scale, 0, 3);
  tcase_add_test(streams, test_trim_while_allocating);
  tcase_add_test(streams, test_threads_one_stream);
  tcase_add_test(streams, test_simultaneous_misses);
  tcase_add_test(streams, test_adaptors_over_pool);
  tcase_add_test(streams, test_registry);
  tcase_add_test(streams, test_registry_threads);
  tcase_add_test(streams, test_registered_streams_make_no_cuda_call);
  suite_add_tcase(suite, streams);
  return suite;
}

int main(void) { return rmm_test_run(pool_suite()); }
