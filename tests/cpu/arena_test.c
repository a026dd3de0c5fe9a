/* The arena sub-allocator over host memory: every path runs without a GPU. */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "common/test.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

/* Fake stream handles: any value serves as a stream over a host-only upstream. */
#define STREAM(n) ((rmm_stream_t)(uintptr_t)(0x1000 * (n)))

/* ---- helpers ---- */

static rmm_resource_t *new_host(void)
{
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  return host;
}

static rmm_resource_t *new_arena(size_t size)
{
  rmm_resource_t *host = new_host();
  rmm_resource_t *arena = NULL;
  RMM_CK(rmm_arena_create(host, size, false, &arena));
  rmm_resource_release(host);
  return arena;
}

/* An upstream that remembers where it put the global arena, so tests can predict addresses. */
typedef struct recorder {
  rmm_resource_t *host;
  char *last;
} recorder_t;

static rmm_status_t recorder_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  recorder_t *recorder = ctx;
  rmm_status_t status = rmm_allocate_aligned(recorder->host, ptr, bytes, alignment, stream);
  if (status == RMM_SUCCESS)
    recorder->last = *ptr;
  return status;
}

static rmm_status_t recorder_deallocate(void *ctx, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  recorder_t *recorder = ctx;
  return rmm_deallocate_aligned(recorder->host, ptr, bytes, alignment, stream);
}

static void recorder_destroy(void *ctx)
{
  recorder_t *recorder = ctx;
  rmm_resource_release(recorder->host);
  free(recorder);
}

/* An arena over host memory whose global arena starts at *base. */
static rmm_resource_t *new_recorded_arena(size_t size, char **base)
{
  static const rmm_resource_ops_t ops = {
      .struct_size = sizeof(rmm_resource_ops_t),
      .name = "recorder",
      .allocate = recorder_allocate,
      .deallocate = recorder_deallocate,
      .destroy = recorder_destroy,
  };
  recorder_t *recorder = calloc(1, sizeof *recorder);
  ck_assert_ptr_nonnull(recorder);
  recorder->host = new_host();
  rmm_resource_t *upstream = NULL, *arena = NULL;
  RMM_CK(rmm_resource_create(&ops, recorder, RMM_HOST_ACCESSIBLE, &upstream));
  RMM_CK(rmm_arena_create(upstream, size, false, &arena));
  *base = recorder->last;
  rmm_resource_release(upstream);
  return arena;
}

static rmm_resource_stats_t stats_of(const rmm_resource_t *mr)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  return stats;
}

static void *alloc_on(rmm_resource_t *mr, size_t bytes, rmm_stream_t stream)
{
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, bytes, stream));
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  return ptr;
}

/* A live block with the byte that fills it, to catch overlaps by content. */
typedef struct block {
  unsigned char *ptr;
  size_t bytes;
  rmm_stream_t stream;
  unsigned char fill;
} block_t;

static void fill_block(block_t *block, unsigned char fill)
{
  block->fill = fill;
  memset(block->ptr, fill, block->bytes);
}

/* Whether byte i still holds the fill; says which block was overlapped when not. */
static bool check_byte(const block_t *block, size_t i)
{
  if (block->ptr[i] == block->fill)
    return true;
  fprintf(stderr, "block %p (%zu bytes) byte %zu is %u, not %u: another block overlapped it\n", (void *)block->ptr,
          block->bytes, i, block->ptr[i], block->fill);
  return false;
}

/*
 * Blocks start on 256-byte boundaries, so a block that overlaps this one either
 * covers its first byte or starts on one of its 256-byte boundaries, and its fill
 * shows there: checking those bytes and the last finds every overlap. It asserts
 * nothing, so that worker threads can call it (they count its failures; the main
 * thread asserts, as check requires where tests share one process).
 */
static bool check_block(const block_t *block)
{
  for (size_t i = 0; i < block->bytes; i += RMM_ALLOCATION_ALIGNMENT)
    if (!check_byte(block, i))
      return false;
  return check_byte(block, block->bytes - 1);
}

static int by_address(const void *a, const void *b)
{
  const block_t *x = a, *y = b;
  return x->ptr < y->ptr ? -1 : x->ptr > y->ptr;
}

/* Sorts the live blocks by address and checks that none reaches into the next. */
static void check_disjoint(block_t *blocks, size_t count)
{
  qsort(blocks, count, sizeof *blocks, by_address);
  for (size_t i = 1; i < count; i++)
    ck_assert_msg(blocks[i - 1].ptr + blocks[i - 1].bytes <= blocks[i].ptr, "blocks %p+%zu and %p overlap",
                  (void *)blocks[i - 1].ptr, blocks[i - 1].bytes, (void *)blocks[i].ptr);
}

/* ---- creation ---- */

START_TEST(test_create_arguments)
{
  rmm_resource_t *host = new_host();
  rmm_resource_t *arena = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_arena_create(host, 4 * MiB, false, NULL), RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK_STATUS(rmm_arena_create(host, 0, false, &arena), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(arena);
  RMM_CK_MESSAGE_HAS("not device accessible");

  arena = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_arena_create(host, 256, false, &arena), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(arena);
  RMM_CK_MESSAGE_HAS("minimum superblock size");
  /* Rounded down to 256 first: one byte short of 1 MiB is too small. */
  RMM_CK_STATUS(rmm_arena_create(host, MiB - 1, false, &arena), RMM_ERROR_INVALID_ARGUMENT);

  RMM_CK(rmm_arena_create(host, MiB + 100, true, &arena));
  ck_assert_str_eq(rmm_resource_name(arena), "arena");
  ck_assert_uint_eq(rmm_resource_properties(arena), rmm_resource_properties(host));
  ck_assert_ptr_eq(rmm_resource_upstream(arena), host);
  ck_assert(rmm_resource_is_equal(arena, arena));
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.bytes_reserved, MiB);
  ck_assert_uint_eq(stats.upstream_chunks, 1);
  ck_assert_uint_eq(stats.free_bytes, MiB);
  ck_assert_uint_eq(stats.flags & (RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS),
                    RMM_STATS_IN_USE | RMM_STATS_RESERVED | RMM_STATS_FREE | RMM_STATS_CHUNKS);
  /* The global arena is taken from the upstream at once, in one piece. */
  ck_assert_uint_eq(stats_of(host).bytes_in_use, MiB);

  rmm_resource_t *other = new_arena(2 * MiB);
  ck_assert(!rmm_resource_is_equal(arena, other));
  rmm_resource_release(other);
  rmm_resource_release(arena);
  ck_assert_uint_eq(stats_of(host).bytes_in_use, 0);
  rmm_resource_release(host);
}
END_TEST

START_TEST(test_create_upstream_too_small)
{
  rmm_resource_t *simulated = NULL, *arena = (rmm_resource_t *)0x1;
  RMM_CK(rmm_simulated_create(2 * MiB, &simulated));
  RMM_CK_STATUS(rmm_arena_create(simulated, 4 * MiB, false, &arena), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(arena);
  RMM_CK_MESSAGE_HAS("upstream cannot provide the arena");
  rmm_resource_release(simulated);
}
END_TEST

START_TEST(test_create_null_upstream_is_current)
{
  rmm_resource_t *host = new_host();
  RMM_CK(rmm_set_current_device_resource(host));
  rmm_resource_t *arena = NULL;
  RMM_CK(rmm_arena_create(NULL, 2 * MiB, false, &arena));
  ck_assert_ptr_eq(rmm_resource_upstream(arena), host);
  /* The arena holds its own reference: the current resource may change under it. */
  RMM_CK(rmm_set_current_device_resource(NULL));
  rmm_resource_release(host);
  void *ptr = alloc_on(arena, 1000, NULL);
  memset(ptr, 1, 1000);
  RMM_CK(rmm_deallocate(arena, ptr, 1000, NULL));
  rmm_resource_release(arena);
}
END_TEST

/* ---- single requests ---- */

START_TEST(test_zero_bytes_and_null)
{
  rmm_resource_t *arena = new_arena(2 * MiB);
  void *ptr = (void *)0x1;
  RMM_CK(rmm_allocate(arena, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  RMM_CK(rmm_deallocate(arena, NULL, 0, NULL));
  RMM_CK(rmm_deallocate(arena, NULL, 100, STREAM(1)));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_alignment)
{
  rmm_resource_t *arena = new_arena(2 * MiB);
  for (size_t alignment = 1; alignment <= RMM_ALLOCATION_ALIGNMENT; alignment *= 2) {
    void *ptr = NULL;
    RMM_CK(rmm_allocate_aligned(arena, &ptr, 100, alignment, NULL));
    ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
    RMM_CK(rmm_deallocate_aligned(arena, ptr, 100, alignment, NULL));
  }
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate_aligned(arena, &ptr, 100, 512, NULL), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(ptr);
  RMM_CK_MESSAGE_HAS("alignment 512");
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_sizes_near_size_max)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 255, SIZE_MAX - 256, SIZE_MAX / 2 + 1, 4 * MiB + 1, 1ull << 50};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *ptr = (void *)0x1;
    RMM_CK_STATUS(rmm_allocate(arena, &ptr, sizes[i], STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
    ck_assert_ptr_null(ptr);
    RMM_CK_MESSAGE_HAS("arena: out of memory");
  }
  /* A free of an impossible size is refused, not wrapped around. */
  void *ptr = alloc_on(arena, 256, STREAM(1));
  RMM_CK_STATUS(rmm_deallocate(arena, ptr, SIZE_MAX, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_deallocate(arena, ptr, 256, STREAM(1)));
  /* The arena is intact: the whole of it can still be had. */
  ptr = alloc_on(arena, 4 * MiB, STREAM(1));
  RMM_CK(rmm_deallocate(arena, ptr, 4 * MiB, STREAM(1)));
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_rounding_and_stats)
{
  rmm_resource_t *arena = new_arena(8 * MiB);
  void *a = alloc_on(arena, 1, STREAM(1));
  void *b = alloc_on(arena, 257, STREAM(1));
  void *c = alloc_on(arena, 3 * MiB, STREAM(1));
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.bytes_in_use, 256 + 512 + 3 * MiB);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 256 + 512 + 3 * MiB);
  ck_assert_uint_eq(stats.bytes_reserved, 8 * MiB);
  /* Nothing is lost: what is not in use is free. */
  ck_assert_uint_eq(stats.free_bytes, 8 * MiB - stats.bytes_in_use);
  ck_assert_uint_eq(stats.largest_free_block, 4 * MiB);
  RMM_CK(rmm_deallocate(arena, c, 3 * MiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, b, 257, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, a, 1, STREAM(1)));
  stats = stats_of(arena);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 256 + 512 + 3 * MiB);
  ck_assert_uint_eq(stats.free_bytes, 8 * MiB);
  /* One empty superblock in the stream's arena, the rest merged into one span. */
  ck_assert_uint_eq(stats.free_blocks, 2);
  rmm_resource_release(arena);
}
END_TEST

/* ---- where blocks go ---- */

START_TEST(test_addresses_per_stream)
{
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(8 * MiB, &base);
  /* Each stream's first request takes the lowest free superblock. */
  ck_assert_ptr_eq(alloc_on(arena, 256, STREAM(1)), base);
  ck_assert_ptr_eq(alloc_on(arena, 256, STREAM(1)), base + 256);
  ck_assert_ptr_eq(alloc_on(arena, 256, STREAM(2)), base + MiB);
  /* NULL and the legacy default stream are one stream. */
  ck_assert_ptr_eq(alloc_on(arena, 256, RMM_STREAM_DEFAULT), base + 2 * MiB);
  ck_assert_ptr_eq(alloc_on(arena, 256, RMM_STREAM_LEGACY), base + 2 * MiB + 256);
  /* Exactly 1 MiB is still a superblock request; above it, a span of the global arena. */
  ck_assert_ptr_eq(alloc_on(arena, MiB, STREAM(3)), base + 3 * MiB);
  ck_assert_ptr_eq(alloc_on(arena, MiB + 256, STREAM(3)), base + 4 * MiB);
  /* The last span is too short to cut: the large request takes all of it. */
  ck_assert_ptr_eq(alloc_on(arena, 2 * MiB + 256, STREAM(4)), base + 5 * MiB + 256);
  /* No superblock is left: a new stream borrows free space from the oldest arena. */
  ck_assert_ptr_eq(alloc_on(arena, 256, STREAM(5)), base + 512);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_coalescing_inside_superblock)
{
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(4 * MiB, &base);
  void *a = alloc_on(arena, 256 * KiB, STREAM(1));
  void *b = alloc_on(arena, 256 * KiB, STREAM(1));
  void *c = alloc_on(arena, 256 * KiB, STREAM(1));
  ck_assert_ptr_eq(a, base);
  ck_assert_ptr_eq(c, base + 512 * KiB);
  /* Freeing a, then b, merges them: a half fits where two quarters were. */
  RMM_CK(rmm_deallocate(arena, a, 256 * KiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, b, 256 * KiB, STREAM(1)));
  /* The free tail (256 KiB) is smaller, so the half must come from the merged head. */
  ck_assert_ptr_eq(alloc_on(arena, 512 * KiB, STREAM(1)), base);
  RMM_CK(rmm_deallocate(arena, base, 512 * KiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, c, 256 * KiB, STREAM(1)));
  /* Everything merged back: the whole superblock is one block again. */
  ck_assert_ptr_eq(alloc_on(arena, MiB, STREAM(1)), base);
  RMM_CK(rmm_deallocate(arena, base, MiB, STREAM(1)));
  rmm_resource_release(arena);
}
END_TEST

/* ---- foreign pointers ---- */

START_TEST(test_foreign_pointers)
{
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(4 * MiB, &base);
  char *a = alloc_on(arena, KiB, STREAM(1));
  char *large = alloc_on(arena, 2 * MiB, STREAM(1));
  memset(a, 7, KiB);
  rmm_resource_stats_t before = stats_of(arena);

  char outside[512];
  RMM_CK_STATUS(rmm_deallocate(arena, outside, sizeof outside, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was not allocated by this resource");
  /* Inside the arena but never handed out: in the free tail, inside a block, misaligned. */
  RMM_CK_STATUS(rmm_deallocate(arena, a + 4 * KiB, 256, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(arena, a + 256, 256, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(arena, a + 1, KiB, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(arena, large + MiB, MiB, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(arena, base + 3 * MiB + 512, 256, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  /* The right pointer with the wrong size frees nothing. */
  RMM_CK_STATUS(rmm_deallocate(arena, a, 512, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was not allocated with 512 bytes");
  RMM_CK_STATUS(rmm_deallocate(arena, large, MiB, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  /* Wrong alignment: the arena never honours more than 256. */
  RMM_CK_STATUS(rmm_deallocate_aligned(arena, a, KiB, 4096, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);

  rmm_resource_stats_t after = stats_of(arena);
  ck_assert_uint_eq(after.bytes_in_use, before.bytes_in_use);
  ck_assert_uint_eq(after.free_bytes, before.free_bytes);
  ck_assert_uint_eq(after.free_blocks, before.free_blocks);
  for (size_t i = 0; i < KiB; i++)
    ck_assert_uint_eq((unsigned char)a[i], 7);

  RMM_CK(rmm_deallocate(arena, a, KiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, large, 2 * MiB, STREAM(1)));
  /* A second free of either is refused. */
  RMM_CK_STATUS(rmm_deallocate(arena, a, KiB, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_deallocate(arena, large, 2 * MiB, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);

  /* A pointer of another arena is foreign too. */
  rmm_resource_t *other = new_arena(2 * MiB);
  void *theirs = alloc_on(other, 256, STREAM(1));
  RMM_CK_STATUS(rmm_deallocate(arena, theirs, 256, STREAM(1)), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK(rmm_deallocate(other, theirs, 256, STREAM(1)));
  rmm_resource_release(other);
  rmm_resource_release(arena);
}
END_TEST

/* ---- out of memory, defragmentation ---- */

START_TEST(test_out_of_memory_then_recovery)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  void *blocks[4];
  for (int i = 0; i < 4; i++)
    blocks[i] = alloc_on(arena, MiB, STREAM(1));
  void *ptr = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 256, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(ptr);
  RMM_CK_MESSAGE_HAS("arena: out of memory (failed to allocate 256 B = 256 bytes; arena 4.00 MiB, 0 B free");
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 2 * MiB, STREAM(2)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("largest free block 0 B");

  RMM_CK(rmm_deallocate(arena, blocks[2], MiB, STREAM(1)));
  blocks[2] = alloc_on(arena, 256, STREAM(1));
  RMM_CK(rmm_deallocate(arena, blocks[2], 256, STREAM(1)));
  /* The freed superblock sits empty in stream 1's arena: stream 2 gets it by defragmentation. */
  blocks[2] = alloc_on(arena, 512 * KiB, STREAM(2));
  RMM_CK(rmm_deallocate(arena, blocks[2], 512 * KiB, STREAM(2)));
  for (int i = 0; i < 4; i++)
    if (i != 2)
      RMM_CK(rmm_deallocate(arena, blocks[i], MiB, STREAM(1)));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_defragment_for_large)
{
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(4 * MiB, &base);
  /* Four streams each hold one superblock, all empty after their frees. */
  for (int s = 1; s <= 4; s++) {
    void *ptr = alloc_on(arena, 32 * KiB, STREAM(s));
    RMM_CK(rmm_deallocate(arena, ptr, 32 * KiB, STREAM(s)));
  }
  ck_assert_uint_eq(stats_of(arena).largest_free_block, MiB);
  /* RMM's Defragment test: the whole arena in one piece, from the superblocks merged back. */
  void *all = alloc_on(arena, 4 * MiB, RMM_STREAM_DEFAULT);
  ck_assert_ptr_eq(all, base);
  RMM_CK(rmm_deallocate(arena, all, 4 * MiB, RMM_STREAM_DEFAULT));
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.free_blocks, 1);
  ck_assert_uint_eq(stats.largest_free_block, 4 * MiB);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_borrow_after_defragment)
{
  /* RMM's PerThreadToStreamDealloc: a 2 MiB arena whose default-stream arena needs a
     second superblock while the per-thread arena holds one with a live block. */
  rmm_resource_t *arena = new_arena(2 * MiB);
  void *thread_ptr = alloc_on(arena, 256, RMM_STREAM_PER_THREAD);
  void *ptr = alloc_on(arena, 32 * KiB, STREAM(1));
  RMM_CK(rmm_deallocate(arena, ptr, 32 * KiB, STREAM(1)));
  void *ptr1 = alloc_on(arena, MiB, RMM_STREAM_DEFAULT);
  void *ptr2 = alloc_on(arena, 32 * KiB, RMM_STREAM_DEFAULT);
  memset(ptr2, 3, 32 * KiB);
  memset(thread_ptr, 4, 256);
  RMM_CK(rmm_deallocate(arena, thread_ptr, 256, RMM_STREAM_PER_THREAD));
  RMM_CK(rmm_deallocate(arena, ptr1, MiB, RMM_STREAM_DEFAULT));
  RMM_CK(rmm_deallocate(arena, ptr2, 32 * KiB, RMM_STREAM_DEFAULT));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

static const char *dump_path(void)
{
  static char path[64];
  if (path[0] == '\0')
    snprintf(path, sizeof path, "arena_test_dump.%ld.log", (long)getpid());
  return path;
}

START_TEST(test_dump_log_on_failure)
{
  RMM_CK(rmm_log_set_level(RMM_LOG_INFO));
  rmm_resource_t *host = new_host(), *arena = NULL;
  RMM_CK(rmm_arena_create(host, MiB, true, &arena));
  void *ptr = alloc_on(arena, 32 * KiB, STREAM(1));
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 8 * MiB, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm_log_flush());

  FILE *log = fopen(dump_path(), "r");
  ck_assert_ptr_nonnull(log);
  char line[1024];
  bool banner = false, global = false, stream = false;
  while (fgets(line, sizeof line, log) != NULL) {
    banner = banner || strstr(line, "arena: ran out of memory trying to allocate 8.00 MiB") != NULL;
    global = global || strstr(line, "arena: global arena at") != NULL;
    stream = stream || strstr(line, "per-stream arena of stream 0x1000: 1 superblocks") != NULL;
  }
  fclose(log);
  ck_assert_msg(banner && global && stream, "the dump lacks a line (banner %d, global %d, stream %d)", banner,
                global, stream);
  rmm_resource_release(arena);
  rmm_resource_release(host);
}
END_TEST

START_TEST(test_no_dump_unless_asked)
{
  RMM_CK(rmm_log_set_level(RMM_LOG_INFO));
  rmm_resource_t *arena = new_arena(MiB);
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 3 * MiB + 512, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm_log_flush());
  FILE *log = fopen(dump_path(), "r");
  if (log != NULL) {
    char line[1024];
    while (fgets(line, sizeof line, log) != NULL)
      ck_assert_ptr_null(strstr(line, "ran out of memory trying to allocate 3.00 MiB"));
    fclose(log);
  }
  rmm_resource_release(arena);
}
END_TEST

/* ---- streams ---- */

START_TEST(test_many_streams)
{
  /* More streams than superblocks: superblocks go round through defragmentation. */
  enum { STREAMS = 300, PER_STREAM = 3 };
  rmm_resource_t *arena = new_arena(64 * MiB);
  block_t blocks[PER_STREAM];
  size_t rounds = rmm_test_scaled(2);
  for (size_t round = 0; round < rounds; round++) {
    for (int s = 1; s <= STREAMS; s++) {
      for (int i = 0; i < PER_STREAM; i++) {
        blocks[i] = (block_t){.ptr = alloc_on(arena, 64 * KiB + (size_t)i * 256, STREAM(s)),
                              .bytes = 64 * KiB + (size_t)i * 256,
                              .stream = STREAM(s)};
        fill_block(&blocks[i], (unsigned char)(s + i));
      }
      for (int i = 0; i < PER_STREAM; i++) {
        ck_assert(check_block(&blocks[i]));
        RMM_CK(rmm_deallocate(arena, blocks[i].ptr, blocks[i].bytes, blocks[i].stream));
      }
    }
  }
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, 64 * MiB);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_cross_stream_free)
{
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(4 * MiB, &base);
  void *a = alloc_on(arena, 64 * KiB, STREAM(1));
  ck_assert_ptr_eq(a, base);
  /* Freed on stream 2, the block goes home to stream 1's superblock... */
  RMM_CK(rmm_deallocate(arena, a, 64 * KiB, STREAM(2)));
  ck_assert_ptr_eq(alloc_on(arena, 64 * KiB, STREAM(1)), base);
  /* ...and freed on a stream that never allocated, too. */
  RMM_CK(rmm_deallocate(arena, base, 64 * KiB, STREAM(9)));
  ck_assert_ptr_eq(alloc_on(arena, 128 * KiB, STREAM(1)), base);
  RMM_CK(rmm_deallocate(arena, base, 128 * KiB, RMM_STREAM_PER_THREAD));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

/* ---- threads ---- */

typedef struct per_thread_job {
  rmm_resource_t *arena;
  char *base;
  pthread_barrier_t *barrier;
  size_t rounds;
  unsigned char id;
  bool superblocks[64]; /* which superblocks this thread's blocks came from */
  int failures;
} per_thread_job_t;

static void *per_thread_worker(void *arg)
{
  per_thread_job_t *job = arg;
  uint64_t seed = job->id;
  block_t live[16];
  size_t count = 0;
  for (size_t i = 0; i < job->rounds; i++) {
    if (count == 16 || (count > 0 && rmm_test_random(&seed) % 3 == 0)) {
      size_t victim = rmm_test_random(&seed) % count;
      if (!check_block(&live[victim]) ||
          rmm_deallocate(job->arena, live[victim].ptr, live[victim].bytes, RMM_STREAM_PER_THREAD) != RMM_SUCCESS)
        job->failures++;
      live[victim] = live[--count];
      continue;
    }
    size_t bytes = 256 + rmm_test_random(&seed) % (16 * KiB);
    void *ptr = NULL;
    if (rmm_allocate(job->arena, &ptr, bytes, RMM_STREAM_PER_THREAD) != RMM_SUCCESS) {
      job->failures++;
      continue;
    }
    job->superblocks[((char *)ptr - job->base) / MiB] = true;
    live[count] = (block_t){.ptr = ptr, .bytes = bytes};
    fill_block(&live[count++], job->id);
  }
  for (size_t i = 0; i < count; i++) {
    if (!check_block(&live[i]) ||
        rmm_deallocate(job->arena, live[i].ptr, live[i].bytes, RMM_STREAM_PER_THREAD) != RMM_SUCCESS)
      job->failures++;
  }
  /* Stay alive until every thread is done, so that no arena is handed on meanwhile. */
  pthread_barrier_wait(job->barrier);
  return NULL;
}

START_TEST(test_per_thread_arenas_are_distinct)
{
  enum { THREADS = 6 };
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(64 * MiB, &base);
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, THREADS);
  per_thread_job_t jobs[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (per_thread_job_t){
        .arena = arena, .base = base, .barrier = &barrier, .rounds = rmm_test_scaled(3000), .id = (unsigned char)(t + 1)};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, per_thread_worker, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++)
    pthread_join(threads[t], NULL);
  pthread_barrier_destroy(&barrier);
  for (int t = 0; t < THREADS; t++) {
    ck_assert_int_eq(jobs[t].failures, 0);
    for (int u = t + 1; u < THREADS; u++)
      for (int s = 0; s < 64; s++)
        ck_assert_msg(!(jobs[t].superblocks[s] && jobs[u].superblocks[s]),
                      "threads %d and %d both allocated from superblock %d", t, u, s);
  }
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

typedef struct one_shot {
  rmm_resource_t *arena;
  void *ptr;
  size_t bytes;
  bool free_it;
} one_shot_t;

static void *one_shot_worker(void *arg)
{
  one_shot_t *job = arg;
  if (rmm_allocate(job->arena, &job->ptr, job->bytes, RMM_STREAM_PER_THREAD) != RMM_SUCCESS)
    job->ptr = NULL;
  else if (job->free_it && rmm_deallocate(job->arena, job->ptr, job->bytes, RMM_STREAM_PER_THREAD) != RMM_SUCCESS)
    job->ptr = NULL;
  return NULL;
}

static void *run_one_shot(rmm_resource_t *arena, size_t bytes, bool free_it)
{
  one_shot_t job = {.arena = arena, .bytes = bytes, .free_it = free_it};
  pthread_t thread;
  ck_assert_int_eq(pthread_create(&thread, NULL, one_shot_worker, &job), 0);
  pthread_join(thread, NULL);
  ck_assert_ptr_nonnull(job.ptr);
  return job.ptr;
}

START_TEST(test_per_thread_addresses)
{
  char *base = NULL;
  rmm_resource_t *arena = new_recorded_arena(8 * MiB, &base);
  ck_assert_ptr_eq(alloc_on(arena, 256, RMM_STREAM_PER_THREAD), base);
  ck_assert_ptr_eq(alloc_on(arena, 256, RMM_STREAM_PER_THREAD), base + 256);
  /* A thread that exits leaves its arena, with its live block, to the next new thread. */
  void *kept = run_one_shot(arena, 512, false);
  ck_assert_ptr_eq(kept, base + MiB);
  void *next = run_one_shot(arena, 512, true);
  ck_assert_ptr_eq(next, base + MiB + 512);
  /* Threads come and go without taking new superblocks. */
  for (int i = 0; i < 20; i++)
    ck_assert_ptr_eq(run_one_shot(arena, 512, true), base + MiB + 512);
  /* The exited thread's block is freed from this thread. */
  RMM_CK(rmm_deallocate(arena, kept, 512, RMM_STREAM_PER_THREAD));
  RMM_CK(rmm_deallocate(arena, base, 256, RMM_STREAM_PER_THREAD));
  RMM_CK(rmm_deallocate(arena, base + 256, 256, RMM_STREAM_PER_THREAD));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(test_thread_exit_after_destroy)
{
  /* A thread that used an arena outlives it, then uses a new one: no stale arena. */
  rmm_resource_t *first = new_arena(2 * MiB);
  void *ptr = alloc_on(first, 256, RMM_STREAM_PER_THREAD);
  RMM_CK(rmm_deallocate(first, ptr, 256, RMM_STREAM_PER_THREAD));
  rmm_resource_release(first);
  for (int i = 0; i < 5; i++) {
    rmm_resource_t *arena = new_arena(2 * MiB);
    run_one_shot(arena, 256, true);
    ptr = alloc_on(arena, 256, RMM_STREAM_PER_THREAD);
    RMM_CK(rmm_deallocate(arena, ptr, 256, RMM_STREAM_PER_THREAD));
    rmm_resource_release(arena);
  }
}
END_TEST

/* B21: one per-thread allocation plus three threads on their own streams force a defragmentation. */
typedef struct stream_job {
  rmm_resource_t *arena;
  rmm_stream_t stream;
  rmm_status_t status;
} stream_job_t;

static void *stream_worker(void *arg)
{
  stream_job_t *job = arg;
  void *ptr = NULL;
  job->status = rmm_allocate(job->arena, &ptr, 32 * KiB, job->stream);
  if (job->status == RMM_SUCCESS) {
    memset(ptr, 0x5a, 32 * KiB);
    job->status = rmm_deallocate(job->arena, ptr, 32 * KiB, job->stream);
  }
  return NULL;
}

START_TEST(test_b21_per_thread_allocation_survives_defragmentation)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  void *mine = alloc_on(arena, 256, RMM_STREAM_PER_THREAD);
  stream_job_t jobs[3];
  pthread_t threads[3];
  for (int t = 0; t < 3; t++) {
    jobs[t] = (stream_job_t){.arena = arena, .stream = STREAM(t + 1)};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, stream_worker, &jobs[t]), 0);
  }
  for (int t = 0; t < 3; t++) {
    pthread_join(threads[t], NULL);
    RMM_CK(jobs[t].status);
  }
  /* Every superblock is taken: the next ones come from defragmentation. */
  void *more = alloc_on(arena, 32 * KiB, STREAM(4));
  void *large = alloc_on(arena, 2 * MiB, STREAM(5));
  RMM_CK(rmm_deallocate(arena, mine, 256, RMM_STREAM_PER_THREAD));
  RMM_CK(rmm_deallocate(arena, more, 32 * KiB, STREAM(4)));
  RMM_CK(rmm_deallocate(arena, large, 2 * MiB, STREAM(5)));
  void *all = alloc_on(arena, 4 * MiB, STREAM(6));
  RMM_CK(rmm_deallocate(arena, all, 4 * MiB, STREAM(6)));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

/* B22: blocks allocated on one thread's stream and freed on another's go home. */
typedef struct handoff {
  rmm_resource_t *arena;
  rmm_stream_t producer_stream, consumer_stream;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  block_t queue[8];
  size_t count;
  size_t total;
  bool done;
  int failures;
} handoff_t;

static void *producer(void *arg)
{
  handoff_t *h = arg;
  uint64_t seed = 22;
  for (size_t i = 0; i < h->total; i++) {
    block_t block = {.bytes = 4 * KiB + rmm_test_random(&seed) % (60 * KiB), .stream = h->producer_stream};
    void *ptr = NULL;
    if (rmm_allocate(h->arena, &ptr, block.bytes, block.stream) != RMM_SUCCESS) {
      pthread_mutex_lock(&h->lock);
      h->failures++;
      pthread_mutex_unlock(&h->lock);
      continue;
    }
    block.ptr = ptr;
    fill_block(&block, (unsigned char)i);
    pthread_mutex_lock(&h->lock);
    while (h->count == 8)
      pthread_cond_wait(&h->changed, &h->lock);
    h->queue[h->count++] = block;
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
  }
  pthread_mutex_lock(&h->lock);
  h->done = true;
  pthread_cond_broadcast(&h->changed);
  pthread_mutex_unlock(&h->lock);
  return NULL;
}

static void *consumer(void *arg)
{
  handoff_t *h = arg;
  for (;;) {
    pthread_mutex_lock(&h->lock);
    while (h->count == 0 && !h->done)
      pthread_cond_wait(&h->changed, &h->lock);
    if (h->count == 0) {
      pthread_mutex_unlock(&h->lock);
      return NULL;
    }
    block_t block = h->queue[--h->count];
    pthread_cond_broadcast(&h->changed);
    pthread_mutex_unlock(&h->lock);
    if (!check_block(&block) || rmm_deallocate(h->arena, block.ptr, block.bytes, h->consumer_stream) != RMM_SUCCESS) {
      pthread_mutex_lock(&h->lock);
      h->failures++;
      pthread_mutex_unlock(&h->lock);
    }
  }
}

static void run_handoff(rmm_stream_t producer_stream, rmm_stream_t consumer_stream)
{
  /* 8 blocks of at most 64 KiB in flight fit one superblock: a 3 MiB arena is plenty,
     unless freed blocks pile up in the consumer's arena. */
  handoff_t h = {.arena = new_arena(3 * MiB),
                 .producer_stream = producer_stream,
                 .consumer_stream = consumer_stream,
                 .total = rmm_test_scaled(20000)};
  pthread_mutex_init(&h.lock, NULL);
  pthread_cond_init(&h.changed, NULL);
  pthread_t threads[2];
  pthread_create(&threads[0], NULL, producer, &h);
  pthread_create(&threads[1], NULL, consumer, &h);
  pthread_join(threads[0], NULL);
  pthread_join(threads[1], NULL);
  ck_assert_int_eq(h.failures, 0);
  rmm_resource_stats_t stats = stats_of(h.arena);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, 3 * MiB);
  /* The consumer never got a superblock: everything went home to the producer's arena. */
  ck_assert_uint_le(stats.free_blocks, 3);
  void *all = alloc_on(h.arena, 3 * MiB, STREAM(3));
  RMM_CK(rmm_deallocate(h.arena, all, 3 * MiB, STREAM(3)));
  pthread_cond_destroy(&h.changed);
  pthread_mutex_destroy(&h.lock);
  rmm_resource_release(h.arena);
}

START_TEST(test_b22_producer_consumer_streams)
{
  run_handoff(STREAM(1), STREAM(2));
}
END_TEST

START_TEST(test_b22_producer_consumer_per_thread)
{
  run_handoff(RMM_STREAM_PER_THREAD, RMM_STREAM_PER_THREAD);
}
END_TEST

/* Threads meet new streams at the same time: each stream gets one arena, found without a lock. */
typedef struct stream_creation {
  rmm_resource_t *arena;
  int id;
  int failures;
} stream_creation_t;

static void *stream_creator(void *arg)
{
  stream_creation_t *job = arg;
  for (int i = 0; i < 200; i++) {
    /* Every thread visits the same streams, each in its own order. */
    int s = 1 + (i * (2 * job->id + 1)) % 200;
    void *ptr = NULL;
    if (rmm_allocate(job->arena, &ptr, 4 * KiB, STREAM(s)) != RMM_SUCCESS ||
        rmm_deallocate(job->arena, ptr, 4 * KiB, STREAM(s)) != RMM_SUCCESS)
      job->failures++;
  }
  return NULL;
}

START_TEST(test_concurrent_stream_arenas)
{
  enum { THREADS = 4 };
  rmm_resource_t *arena = new_arena(256 * MiB);
  stream_creation_t jobs[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (stream_creation_t){.arena = arena, .id = t};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, stream_creator, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
  /* One superblock per stream, however many threads raced to create its arena. */
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.free_bytes, 256 * MiB);
  ck_assert_uint_eq(stats.free_blocks, 200 + 1);
  rmm_resource_release(arena);
}
END_TEST

/* Threads x streams: random sizes (large ones too), frees on other threads' streams. */
typedef struct stress {
  rmm_resource_t *arena;
  pthread_mutex_t lock; /* guards the shared pool of live blocks */
  block_t shared[64];
  size_t shared_count;
  atomic_int failures;
  atomic_int out_of_memory;
} stress_t;

typedef struct stress_job {
  stress_t *stress;
  int id;
  size_t operations;
} stress_job_t;

static void stress_free(stress_t *stress, block_t *block, rmm_stream_t stream)
{
  if (!check_block(block) || rmm_deallocate(stress->arena, block->ptr, block->bytes, stream) != RMM_SUCCESS)
    atomic_fetch_add(&stress->failures, 1);
}

static void *stress_worker(void *arg)
{
  stress_job_t *job = arg;
  stress_t *stress = job->stress;
  uint64_t seed = (uint64_t)job->id * 7919;
  block_t live[32];
  size_t count = 0;
  for (size_t i = 0; i < job->operations; i++) {
    uint64_t dice = rmm_test_random(&seed);
    rmm_stream_t stream = dice % 5 == 0 ? RMM_STREAM_PER_THREAD : STREAM(1 + dice % 7);
    if (count > 0 && (count == 32 || dice % 100 < 45)) {
      size_t victim = rmm_test_random(&seed) % count;
      stress_free(stress, &live[victim], stream);
      live[victim] = live[--count];
    } else if (count > 0 && dice % 100 < 55) {
      /* Hand a block to whichever thread comes next; take one if there is one. */
      pthread_mutex_lock(&stress->lock);
      if (stress->shared_count < 64) {
        stress->shared[stress->shared_count++] = live[--count];
      }
      pthread_mutex_unlock(&stress->lock);
    } else if (dice % 100 < 60) {
      block_t block;
      bool got = false;
      pthread_mutex_lock(&stress->lock);
      if (stress->shared_count > 0) {
        block = stress->shared[--stress->shared_count];
        got = true;
      }
      pthread_mutex_unlock(&stress->lock);
      if (got)
        stress_free(stress, &block, stream);
    } else {
      size_t bytes = dice % 50 == 0 ? MiB + rmm_test_random(&seed) % (2 * MiB)
                                    : 1 + rmm_test_random(&seed) % (dice % 4 == 0 ? 256 * KiB : 8 * KiB);
      void *ptr = NULL;
      rmm_status_t status = rmm_allocate(stress->arena, &ptr, bytes, stream);
      if (status == RMM_ERROR_OUT_OF_MEMORY) {
        atomic_fetch_add(&stress->out_of_memory, 1);
        continue;
      }
      if (status != RMM_SUCCESS) {
        atomic_fetch_add(&stress->failures, 1);
        continue;
      }
      live[count] = (block_t){.ptr = ptr, .bytes = bytes, .stream = stream};
      fill_block(&live[count++], (unsigned char)(job->id * 31 + i));
    }
  }
  while (count > 0)
    stress_free(stress, &live[--count], RMM_STREAM_PER_THREAD);
  return NULL;
}

START_TEST(test_threads_by_streams_stress)
{
  enum { THREADS = 8 };
  stress_t stress = {.arena = new_arena(96 * MiB)};
  pthread_mutex_init(&stress.lock, NULL);
  stress_job_t jobs[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (stress_job_t){.stress = &stress, .id = t + 1, .operations = rmm_test_scaled(4000)};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, stress_worker, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++)
    pthread_join(threads[t], NULL);
  for (size_t i = 0; i < stress.shared_count; i++)
    stress_free(&stress, &stress.shared[i], STREAM(1));
  ck_assert_int_eq(atomic_load(&stress.failures), 0);
  /* At most 8 x 32 blocks of at most 3 MiB live at once: 96 MiB may run short only of large spans. */
  rmm_resource_stats_t stats = stats_of(stress.arena);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, 96 * MiB);
  pthread_mutex_destroy(&stress.lock);
  rmm_resource_release(stress.arena);
}
END_TEST

/* Random requests on a few streams, checked for overlap by address and by content. */
START_TEST(test_random_no_overlap)
{
  enum { LIVE = 256 };
  rmm_resource_t *arena = new_arena(64 * MiB);
  block_t live[LIVE], sorted[LIVE];
  size_t count = 0;
  uint64_t seed = 1234;
  size_t steps = rmm_test_scaled(20000);
  for (size_t step = 0; step < steps; step++) {
    uint64_t dice = rmm_test_random(&seed);
    if (count == LIVE || (count > 0 && dice % 100 < 45)) {
      size_t victim = rmm_test_random(&seed) % count;
      ck_assert(check_block(&live[victim]));
      RMM_CK(rmm_deallocate(arena, live[victim].ptr, live[victim].bytes, live[victim].stream));
      live[victim] = live[--count];
      continue;
    }
    size_t bytes = dice % 40 == 0 ? rmm_test_random(&seed) % (3 * MiB) + 1 : rmm_test_random(&seed) % (64 * KiB) + 1;
    rmm_stream_t stream = STREAM(1 + dice % 3);
    void *ptr = NULL;
    rmm_status_t status = rmm_allocate(arena, &ptr, bytes, stream);
    if (status == RMM_ERROR_OUT_OF_MEMORY)
      continue;
    RMM_CK(status);
    live[count] = (block_t){.ptr = ptr, .bytes = bytes, .stream = stream};
    fill_block(&live[count++], (unsigned char)step);
    if (step % 1000 == 0) {
      memcpy(sorted, live, count * sizeof *live);
      check_disjoint(sorted, count);
    }
  }
  while (count > 0) {
    ck_assert(check_block(&live[--count]));
    RMM_CK(rmm_deallocate(arena, live[count].ptr, live[count].bytes, live[count].stream));
  }
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_eq(stats.free_bytes, 64 * MiB);
  rmm_resource_release(arena);
}
END_TEST

/* Large arenas over the simulated upstream: addresses only, nothing touched. */
START_TEST(test_simulated_large_arena)
{
  rmm_resource_t *simulated = NULL, *arena = NULL;
  RMM_CK(rmm_simulated_create(64 * GiB, &simulated));
  RMM_CK(rmm_arena_create(simulated, 48 * GiB + 12345, false, &arena));
  rmm_resource_release(simulated);
  ck_assert_uint_eq(stats_of(arena).bytes_reserved, 48 * GiB + 12288);
  void *big[4];
  for (int i = 0; i < 4; i++)
    RMM_CK(rmm_allocate(arena, &big[i], 10 * GiB, STREAM(1)));
  void *ptr = NULL;
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 10 * GiB, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("failed to allocate 10.00 GiB");
  RMM_CK(rmm_deallocate(arena, big[1], 10 * GiB, STREAM(2)));
  RMM_CK(rmm_deallocate(arena, big[2], 10 * GiB, STREAM(2)));
  /* The two freed neighbours merged: 20 GiB in one piece. */
  RMM_CK(rmm_allocate(arena, &ptr, 20 * GiB, STREAM(1)));
  ck_assert_ptr_eq(ptr, big[1]);
  void *small[1000];
  for (int i = 0; i < 1000; i++)
    RMM_CK(rmm_allocate(arena, &small[i], 700 * KiB, STREAM(1 + i % 10)));
  for (int i = 0; i < 1000; i++)
    RMM_CK(rmm_deallocate(arena, small[i], 700 * KiB, STREAM(1 + i % 10)));
  RMM_CK(rmm_deallocate(arena, ptr, 20 * GiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, big[0], 10 * GiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, big[3], 10 * GiB, STREAM(1)));
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

/* ---- trim ---- */

/* An arena over a statistics adaptor over host memory, to watch what the upstream holds. */
static rmm_resource_t *new_watched_arena(size_t size, rmm_resource_t **upstream)
{
  rmm_resource_t *host = new_host(), *arena = NULL;
  RMM_CK(rmm_statistics_create(host, upstream));
  rmm_resource_release(host);
  RMM_CK(rmm_arena_create(*upstream, size, false, &arena));
  return arena;
}

START_TEST(test_trim_gives_back_an_idle_arena)
{
  rmm_resource_t *upstream, *arena = new_watched_arena(4 * MiB, &upstream);
  /* Superblocks in three streams' arenas, and a large block, all freed again. */
  for (int s = 1; s <= 3; s++) {
    void *ptr = alloc_on(arena, 64 * KiB, STREAM(s));
    RMM_CK(rmm_deallocate(arena, ptr, 64 * KiB, STREAM(s)));
  }
  void *large = alloc_on(arena, 2 * MiB, STREAM(1));
  RMM_CK(rmm_deallocate(arena, large, 2 * MiB, STREAM(1)));
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 4 * MiB);

  size_t released = 0;
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, 4 * MiB);
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 0);
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.bytes_reserved, 0);
  ck_assert_uint_eq(stats.free_bytes, 0);
  ck_assert_uint_eq(stats.upstream_chunks, 0);
  ck_assert(stats.flags & RMM_STATS_RECLAIM);
  ck_assert_uint_eq(stats.bytes_trimmed, 4 * MiB);

  /* A second trim has nothing left to give. */
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, 0);

  /* The next allocation takes the arena again, small or large, on any stream. */
  block_t small = {.ptr = alloc_on(arena, 4 * KiB, STREAM(2)), .bytes = 4 * KiB};
  fill_block(&small, 0x21);
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 4 * MiB);
  ck_assert_uint_eq(stats_of(arena).bytes_reserved, 4 * MiB);
  block_t big = {.ptr = alloc_on(arena, 3 * MiB, STREAM(3)), .bytes = 3 * MiB};
  fill_block(&big, 0x43);
  for (size_t i = 0; i < small.bytes; i++)
    check_byte(&small, i);
  RMM_CK(rmm_deallocate(arena, small.ptr, small.bytes, STREAM(2)));
  RMM_CK(rmm_deallocate(arena, big.ptr, big.bytes, STREAM(3)));
  rmm_resource_release(arena);
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 0);
  rmm_resource_release(upstream);
}
END_TEST

START_TEST(test_trim_keeps_an_arena_with_live_blocks)
{
  rmm_resource_t *upstream, *arena = new_watched_arena(4 * MiB, &upstream);
  block_t live = {.ptr = alloc_on(arena, 256, STREAM(1)), .bytes = 256};
  fill_block(&live, 0x5A);
  /* Empty superblocks of other streams go back to the global arena, not to the upstream. */
  for (int s = 2; s <= 4; s++) {
    void *ptr = alloc_on(arena, 64 * KiB, STREAM(s));
    RMM_CK(rmm_deallocate(arena, ptr, 64 * KiB, STREAM(s)));
  }
  ck_assert_uint_eq(stats_of(arena).largest_free_block, MiB);
  size_t released = 99;
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, 0);
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 4 * MiB);
  ck_assert_uint_eq(stats_of(arena).bytes_reserved, 4 * MiB);
  /* The three superblocks merged with the rest of the global arena. */
  ck_assert_uint_eq(stats_of(arena).largest_free_block, 3 * MiB);
  for (size_t i = 0; i < live.bytes; i++)
    check_byte(&live, i);

  /* A live large block keeps it too. */
  void *large = alloc_on(arena, 2 * MiB, STREAM(2));
  RMM_CK(rmm_deallocate(arena, live.ptr, live.bytes, STREAM(1)));
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, 0);
  RMM_CK(rmm_deallocate(arena, large, 2 * MiB, STREAM(2)));
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, 4 * MiB);
  rmm_resource_release(arena);
  rmm_resource_release(upstream);
}
END_TEST

START_TEST(test_trim_through_adaptors_and_reclaim_counts)
{
  rmm_resource_t *upstream, *arena = new_watched_arena(2 * MiB, &upstream), *top;
  RMM_CK(rmm_tracking_create(arena, false, &top));
  void *ptr = (void *)0x1;
  /* More than the arena: one defragmenting retry, then out of memory. */
  RMM_CK_STATUS(rmm_allocate(top, &ptr, 3 * MiB, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  rmm_resource_stats_t stats = stats_of(arena);
  ck_assert_uint_eq(stats.allocation_retries, 1);
  ck_assert_uint_eq(stats.oom_failures, 1);
  ptr = alloc_on(top, 128 * KiB, STREAM(1));
  RMM_CK(rmm_deallocate(top, ptr, 128 * KiB, STREAM(1)));
  size_t released = 0;
  RMM_CK(rmm_resource_trim(top, &released));
  ck_assert_uint_eq(released, 2 * MiB);
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 0);
  RMM_CK(rmm_resource_reset_peak(top));
  ck_assert_uint_eq(stats_of(arena).peak_bytes_in_use, 0);
  rmm_resource_release(top);
  rmm_resource_release(arena);
  rmm_resource_release(upstream);
}
END_TEST

/* B16: what a trim gives back is seen by a limit above the arena at once. */
START_TEST(test_trim_frees_room_under_a_limit)
{
  rmm_resource_t *host = new_host(), *limit, *arena, *other;
  RMM_CK(rmm_limiting_create(host, 4 * MiB, 0, &limit));
  RMM_CK(rmm_arena_create(limit, 3 * MiB, false, &arena));
  void *ptr = alloc_on(arena, 64 * KiB, STREAM(1));
  RMM_CK(rmm_deallocate(arena, ptr, 64 * KiB, STREAM(1)));
  size_t allocated = 0;
  RMM_CK(rmm_limiting_allocated(limit, &allocated));
  ck_assert_uint_eq(allocated, 3 * MiB);
  /* A second arena of 3 MiB does not fit under the limit until the first gives its memory back. */
  RMM_CK_STATUS(rmm_arena_create(limit, 3 * MiB, false, &other), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm_resource_trim(arena, NULL));
  RMM_CK(rmm_limiting_allocated(limit, &allocated));
  ck_assert_uint_eq(allocated, 0);
  RMM_CK(rmm_arena_create(limit, 3 * MiB, false, &other));
  /* Now the first one cannot take its memory again: out of memory, counted, and no change. */
  RMM_CK_STATUS(rmm_allocate(arena, &ptr, 256, STREAM(1)), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("again after a trim");
  ck_assert_uint_eq(stats_of(arena).oom_failures, 1);
  rmm_resource_release(other);
  ptr = alloc_on(arena, 256, STREAM(1));
  RMM_CK(rmm_deallocate(arena, ptr, 256, STREAM(1)));
  rmm_resource_release(arena);
  rmm_resource_release(limit);
  rmm_resource_release(host);
}
END_TEST

/* B18: random allocations, frees and trims on several streams against a model of what is live. */
START_TEST(test_trim_fuzz_against_a_model)
{
  enum { SLOTS = 48 };
  rmm_resource_t *upstream, *arena = new_watched_arena(8 * MiB, &upstream);
  block_t blocks[SLOTS] = {{0}};
  size_t live_bytes = 0, live_count = 0;
  uint64_t seed = 14;
  size_t steps = rmm_test_scaled(4000);
  for (size_t step = 0; step < steps; step++) {
    uint64_t r = rmm_test_random(&seed);
    block_t *block = &blocks[r % SLOTS];
    if (r % 17 == 0) {
      size_t held = stats_of(arena).bytes_reserved, released = 99;
      RMM_CK(rmm_resource_trim(arena, &released));
      /* The whole arena goes back exactly when nothing is live, and only then. */
      ck_assert_uint_eq(released, live_count == 0 ? held : 0);
      ck_assert_uint_eq(stats_of(upstream).bytes_in_use, live_count == 0 ? 0 : 8 * MiB);
    } else if (block->ptr != NULL) {
      for (size_t i = 0; i < block->bytes; i += 997)
        check_byte(block, i);
      check_byte(block, block->bytes - 1);
      RMM_CK(rmm_deallocate(arena, block->ptr, block->bytes, block->stream));
      live_bytes -= (block->bytes + 255) & ~(size_t)255;
      live_count--;
      block->ptr = NULL;
    } else {
      size_t bytes = (r >> 8) % 5 == 0 ? MiB + (r >> 16) % (MiB / 2) : 1 + (r >> 16) % (64 * KiB);
      block->stream = STREAM(1 + (r >> 40) % 4);
      void *ptr = NULL;
      rmm_status_t status = rmm_allocate(arena, &ptr, bytes, block->stream);
      if (status == RMM_ERROR_OUT_OF_MEMORY)
        continue;
      RMM_CK(status);
      block->ptr = ptr;
      block->bytes = bytes;
      fill_block(block, (unsigned char)(r >> 32));
      live_bytes += (bytes + 255) & ~(size_t)255;
      live_count++;
    }
    ck_assert_uint_eq(stats_of(arena).bytes_in_use, live_bytes);
  }
  for (int i = 0; i < SLOTS; i++)
    if (blocks[i].ptr != NULL)
      RMM_CK(rmm_deallocate(arena, blocks[i].ptr, blocks[i].bytes, blocks[i].stream));
  size_t released = 0;
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(stats_of(upstream).bytes_in_use, 0);
  rmm_resource_release(arena);
  rmm_resource_release(upstream);
}
END_TEST

typedef struct trim_worker {
  rmm_resource_t *arena;
  rmm_stream_t stream;
  size_t rounds;
  size_t failures;
} trim_worker_t;

/* Allocates, fills, checks and frees on its own stream while the main thread trims. */
static void *trim_worker(void *arg)
{
  trim_worker_t *worker = arg;
  unsigned char fill = (unsigned char)(uintptr_t)worker->stream;
  for (size_t round = 0; round < worker->rounds; round++) {
    size_t bytes = (round % 3 == 0) ? 1536 * KiB : 8 * KiB * (1 + round % 7);
    unsigned char *ptr = NULL;
    if (rmm_allocate(worker->arena, (void **)&ptr, bytes, worker->stream) != RMM_SUCCESS) {
      worker->failures++;
      continue;
    }
    memset(ptr, fill, bytes);
    if (ptr[0] != fill || ptr[bytes - 1] != fill)
      worker->failures++;
    if (rmm_deallocate(worker->arena, ptr, bytes, worker->stream) != RMM_SUCCESS)
      worker->failures++;
  }
  return NULL;
}

START_TEST(test_trim_races_with_allocations)
{
  rmm_resource_t *arena = new_arena(16 * MiB);
  enum { WORKERS = 3 };
  pthread_t threads[WORKERS];
  trim_worker_t workers[WORKERS];
  for (int i = 0; i < WORKERS; i++) {
    workers[i] = (trim_worker_t){.arena = arena, .stream = STREAM(i + 1), .rounds = rmm_test_scaled(2000)};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, trim_worker, &workers[i]), 0);
  }
  size_t trims = rmm_test_scaled(500), failed_trims = 0;
  for (size_t i = 0; i < trims; i++)
    if (rmm_resource_trim(arena, NULL) != RMM_SUCCESS)
      failed_trims++;
  for (int i = 0; i < WORKERS; i++) {
    pthread_join(threads[i], NULL);
    ck_assert_uint_eq(workers[i].failures, 0);
  }
  ck_assert_uint_eq(failed_trims, 0);
  ck_assert_uint_eq(stats_of(arena).bytes_in_use, 0);
  rmm_resource_release(arena);
}
END_TEST

static Suite *arena_suite(void)
{
  Suite *suite = suite_create("arena");
  TCase *basics = tcase_create("basics");
  tcase_add_test(basics, test_create_arguments);
  tcase_add_test(basics, test_create_upstream_too_small);
  tcase_add_test(basics, test_create_null_upstream_is_current);
  tcase_add_test(basics, test_zero_bytes_and_null);
  tcase_add_test(basics, test_alignment);
  tcase_add_test(basics, test_sizes_near_size_max);
  tcase_add_test(basics, test_rounding_and_stats);
  tcase_add_test(basics, test_addresses_per_stream);
  tcase_add_test(basics, test_coalescing_inside_superblock);
  tcase_add_test(basics, test_foreign_pointers);
  suite_add_tcase(suite, basics);

  TCase *memory = tcase_create("out of memory");
  tcase_add_test(memory, test_out_of_memory_then_recovery);
  tcase_add_test(memory, test_defragment_for_large);
  tcase_add_test(memory, test_borrow_after_defragment);
  tcase_add_test(memory, test_dump_log_on_failure);
  tcase_add_test(memory, test_no_dump_unless_asked);
  tcase_add_test(memory, test_simulated_large_arena);
  suite_add_tcase(suite, memory);

  TCase *streams = tcase_create("streams and threads");
  tcase_set_timeout(streams, 60);
  tcase_add_test(streams, test_many_streams);
  tcase_add_test(streams, test_cross_stream_free);
  tcase_add_test(streams, test_per_thread_addresses);
  tcase_add_test(streams, test_per_thread_arenas_are_distinct);
  tcase_add_test(streams, test_thread_exit_after_destroy);
  tcase_add_test(streams, test_b21_per_thread_allocation_survives_defragmentation);
  tcase_add_test(streams, test_b22_producer_consumer_streams);
  tcase_add_test(streams, test_b22_producer_consumer_per_thread);
  tcase_add_test(streams, test_concurrent_stream_arenas);
  tcase_add_test(streams, test_random_no_overlap);
  tcase_add_test(streams, test_threads_by_streams_stress);
  suite_add_tcase(suite, streams);

  TCase *trim = tcase_create("trim");
  tcase_set_timeout(trim, 60);
  tcase_add_test(trim, test_trim_gives_back_an_idle_arena);
  tcase_add_test(trim, test_trim_keeps_an_arena_with_live_blocks);
  tcase_add_test(trim, test_trim_through_adaptors_and_reclaim_counts);
  tcase_add_test(trim, test_trim_races_with_allocations);
  tcase_add_test(trim, test_trim_frees_room_under_a_limit);
  tcase_add_test(trim, test_trim_fuzz_against_a_model);
  suite_add_tcase(suite, trim);
  return suite;
}

int main(void)
{
  /* The dump test reads the debug log back: send it to a file of this run. */
  setenv("RMM_DEBUG_LOG_FILE", dump_path(), 1);
  int result = rmm_test_run(arena_suite());
  unlink(dump_path());
  return result;
}
