/* Leaf resources that run without a GPU: host and simulated; cuda's behaviour with no device. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "common/test.h"

START_TEST(host_allocations_are_aligned_and_usable)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  ck_assert_str_eq(rmm_resource_name(host), "host");
  ck_assert_uint_eq(rmm_resource_properties(host), RMM_HOST_ACCESSIBLE);
  enum { COUNT = 64 };
  void *blocks[COUNT];
  size_t sizes[COUNT];
  uint64_t seed = 7;
  for (int i = 0; i < COUNT; i++) {
    sizes[i] = 1 + rmm_test_random(&seed) % 100000;
    RMM_CK(rmm_allocate(host, &blocks[i], sizes[i], NULL));
    ck_assert_uint_eq((uintptr_t)blocks[i] % RMM_ALLOCATION_ALIGNMENT, 0);
    memset(blocks[i], i, sizes[i]);
  }
  for (int i = 0; i < COUNT; i++) {
    const unsigned char *bytes = blocks[i];
    ck_assert_uint_eq(bytes[0], (unsigned char)i);
    ck_assert_uint_eq(bytes[sizes[i] - 1], (unsigned char)i);
    RMM_CK(rmm_deallocate(host, blocks[i], sizes[i], NULL));
  }
  rmm_resource_release(host);
}
END_TEST

START_TEST(host_honours_large_alignments)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  for (size_t alignment = 1; alignment <= (size_t)1 << 16; alignment <<= 1) {
    void *ptr;
    RMM_CK(rmm_allocate_aligned(host, &ptr, 100, alignment, NULL));
    size_t expected = alignment < 256 ? 256 : alignment;
    ck_assert_msg((uintptr_t)ptr % expected == 0, "alignment %zu not met by %p", alignment, ptr);
    RMM_CK(rmm_deallocate_aligned(host, ptr, 100, alignment, NULL));
  }
  rmm_resource_release(host);
}
END_TEST

START_TEST(host_zero_bytes)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  void *ptr = (void *)0x1;
  RMM_CK(rmm_allocate(host, &ptr, 0, NULL));
  ck_assert_ptr_null(ptr);
  RMM_CK(rmm_deallocate(host, ptr, 0, NULL));
  rmm_resource_release(host);
}
END_TEST

START_TEST(host_sizes_near_size_max_fail_cleanly)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 255, SIZE_MAX / 2 + 1};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    void *ptr = (void *)0x1;
    RMM_CK_STATUS(rmm_allocate(host, &ptr, sizes[i], NULL), RMM_ERROR_OUT_OF_MEMORY);
    ck_assert_ptr_null(ptr);
    RMM_CK_MESSAGE_HAS("host: out of memory");
    char figure[32];
    snprintf(figure, sizeof figure, "%zu bytes", sizes[i]);
    RMM_CK_MESSAGE_HAS(figure);
  }
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(host, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  rmm_resource_release(host);
}
END_TEST

START_TEST(host_stats_track_use)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  void *a, *b;
  RMM_CK(rmm_allocate(host, &a, 1000, NULL));
  RMM_CK(rmm_allocate(host, &b, 3000, NULL));
  RMM_CK(rmm_deallocate(host, a, 1000, NULL));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(host, &stats));
  ck_assert_uint_eq(stats.flags & (RMM_STATS_IN_USE | RMM_STATS_RESERVED), RMM_STATS_IN_USE | RMM_STATS_RESERVED);
  ck_assert_uint_eq(stats.bytes_in_use, 3000);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 4000);
  ck_assert_uint_eq(stats.bytes_reserved, 3000);
  ck_assert_uint_eq(stats.flags & RMM_STATS_FREE, 0);
  RMM_CK(rmm_deallocate(host, b, 3000, NULL));
  rmm_resource_release(host);
}
END_TEST

START_TEST(leaf_instances_of_a_kind_are_equal)
{
  rmm_resource_t *host_a, *host_b, *sim_a, *sim_b, *cuda;
  RMM_CK(rmm_host_create(&host_a));
  RMM_CK(rmm_host_create(&host_b));
  RMM_CK(rmm_simulated_create(1 << 20, &sim_a));
  RMM_CK(rmm_simulated_create(1 << 20, &sim_b));
  RMM_CK(rmm_cuda_create(&cuda));
  ck_assert(rmm_resource_is_equal(host_a, host_b));
  ck_assert(!rmm_resource_is_equal(host_a, cuda));
  /* Simulated address ranges are private to each instance. */
  ck_assert(!rmm_resource_is_equal(sim_a, sim_b));
  ck_assert(rmm_resource_is_equal(sim_a, sim_a));
  rmm_resource_release(host_a);
  rmm_resource_release(host_b);
  rmm_resource_release(sim_a);
  rmm_resource_release(sim_b);
  rmm_resource_release(cuda);
}
END_TEST

START_TEST(create_rejects_null_output)
{
  RMM_CK_STATUS(rmm_host_create(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_cuda_create(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_managed_create(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_pinned_host_create(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_simulated_create(10, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_system_create(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_sam_headroom_create(0, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_cuda_async_create(NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_cuda_async_view_create(NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_cuda_async_managed_create(NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("rmm_cuda_async_managed_create");
}
END_TEST

START_TEST(async_options_and_pool_are_validated)
{
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  rmm_cuda_async_options_t options = RMM_CUDA_ASYNC_OPTIONS_INIT;
  options.struct_size = 8;
  RMM_CK_STATUS(rmm_cuda_async_create(&options, &mr), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(mr);
  RMM_CK_MESSAGE_HAS("RMM_CUDA_ASYNC_OPTIONS_INIT");
  RMM_CK_STATUS(rmm_cuda_async_view_create(NULL, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("pool handle is NULL");

  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  rmm_mem_pool_t pool;
  RMM_CK_STATUS(rmm_cuda_async_pool_handle(host, &pool), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("a host resource has no CUDA memory pool");
  rmm_resource_release(host);
}
END_TEST

/* With a GPU this allocates; without one the failure must be a clean RMM_ERROR_CUDA. */
START_TEST(cuda_without_device_fails_cleanly)
{
  rmm_resource_t *cuda;
  RMM_CK(rmm_cuda_create(&cuda));
  ck_assert_uint_eq(rmm_resource_properties(cuda), RMM_DEVICE_ACCESSIBLE);
  void *ptr = (void *)0x1;
  rmm_status_t status = rmm_allocate(cuda, &ptr, 1024, NULL);
  if (status == RMM_SUCCESS) {
    ck_assert_ptr_nonnull(ptr);
    RMM_CK(rmm_deallocate(cuda, ptr, 1024, NULL));
  } else {
    ck_assert_int_eq(status, RMM_ERROR_CUDA);
    ck_assert_ptr_null(ptr);
    ck_assert_int_ne(rmm_last_cuda_error(), 0);
    RMM_CK_MESSAGE_HAS("cudaMalloc");
  }
  rmm_resource_release(cuda);
}
END_TEST

START_TEST(simulated_hands_out_distinct_aligned_addresses)
{
  const size_t gib = (size_t)1 << 30;
  rmm_resource_t *sim;
  RMM_CK(rmm_simulated_create(64 * gib, &sim));
  ck_assert_str_eq(rmm_resource_name(sim), "simulated");
  ck_assert_uint_eq(rmm_resource_properties(sim), 0);
  enum { COUNT = 32 };
  void *blocks[COUNT];
  for (int i = 0; i < COUNT; i++) {
    RMM_CK(rmm_allocate(sim, &blocks[i], gib + (size_t)i, NULL));
    ck_assert_uint_eq((uintptr_t)blocks[i] % 256, 0);
    for (int j = 0; j < i; j++) {
      uintptr_t a = (uintptr_t)blocks[i], b = (uintptr_t)blocks[j];
      ck_assert_msg(a + gib + (size_t)i <= b || b + gib + (size_t)j <= a, "blocks %d and %d overlap", i, j);
    }
  }
  void *aligned;
  RMM_CK(rmm_allocate_aligned(sim, &aligned, 100, (size_t)1 << 20, NULL));
  ck_assert_uint_eq((uintptr_t)aligned % ((size_t)1 << 20), 0);
  RMM_CK(rmm_deallocate_aligned(sim, aligned, 100, (size_t)1 << 20, NULL));
  for (int i = 0; i < COUNT; i++)
    RMM_CK(rmm_deallocate(sim, blocks[i], gib + (size_t)i, NULL));
  rmm_resource_release(sim);
}
END_TEST

START_TEST(simulated_reports_out_of_memory_when_full)
{
  const size_t mib = (size_t)1 << 20;
  rmm_resource_t *sim;
  RMM_CK(rmm_simulated_create(10 * mib, &sim));
  void *a, *b, *c;
  RMM_CK(rmm_allocate(sim, &a, 6 * mib, NULL));
  RMM_CK(rmm_allocate(sim, &b, 4 * mib, NULL));
  c = (void *)0x1;
  RMM_CK_STATUS(rmm_allocate(sim, &c, 1, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(c);
  RMM_CK_MESSAGE_HAS("simulated: out of memory");
  RMM_CK_MESSAGE_HAS("10.00 MiB in use");
  RMM_CK_STATUS(rmm_allocate(sim, &c, SIZE_MAX, NULL), RMM_ERROR_OUT_OF_MEMORY);

  /* Freed capacity can be used again. */
  RMM_CK(rmm_deallocate(sim, a, 6 * mib, NULL));
  RMM_CK(rmm_allocate(sim, &c, 5 * mib, NULL));
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(sim, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 9 * mib);
  ck_assert_uint_eq(stats.peak_bytes_in_use, 10 * mib);
  RMM_CK(rmm_deallocate(sim, b, 4 * mib, NULL));
  RMM_CK(rmm_deallocate(sim, c, 5 * mib, NULL));
  rmm_resource_release(sim);
}
END_TEST

START_TEST(simulated_rejects_foreign_pointers)
{
  rmm_resource_t *sim;
  RMM_CK(rmm_simulated_create(1 << 20, &sim));
  int local;
  RMM_CK_STATUS(rmm_deallocate(sim, &local, sizeof local, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("was not allocated by this resource");
  void *ptr;
  RMM_CK(rmm_allocate(sim, &ptr, 512, NULL));
  /* A size larger than anything outstanding cannot be this resource's. */
  RMM_CK_STATUS(rmm_deallocate(sim, ptr, 1 << 20, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(sim, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 512);
  RMM_CK(rmm_deallocate(sim, ptr, 512, NULL));
  rmm_resource_release(sim);
}
END_TEST

typedef struct sim_race {
  rmm_resource_t *sim;
  size_t rounds;
  size_t failures;
} sim_race_t;

static void *simulated_worker(void *arg)
{
  sim_race_t *race = arg;
  for (size_t i = 0; i < race->rounds; i++) {
    void *ptr;
    if (rmm_allocate(race->sim, &ptr, 4096, NULL) != RMM_SUCCESS) {
      race->failures++;
      continue;
    }
    rmm_deallocate(race->sim, ptr, 4096, NULL);
  }
  return NULL;
}

START_TEST(simulated_capacity_holds_under_threads)
{
  /* Room for three 4 KiB blocks and four threads: the peak must never pass the capacity. */
  rmm_resource_t *sim;
  RMM_CK(rmm_simulated_create(3 * 4096, &sim));
  sim_race_t races[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    races[i] = (sim_race_t){.sim = sim, .rounds = rmm_test_scaled(20000)};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, simulated_worker, &races[i]), 0);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(threads[i], NULL);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(sim, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 0);
  ck_assert_uint_le(stats.peak_bytes_in_use, 3 * 4096);
  rmm_resource_release(sim);
}
END_TEST

static Suite *memory_suite(void)
{
  Suite *suite = suite_create("memory");
  TCase *tc = tcase_create("leaf");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, host_allocations_are_aligned_and_usable);
  tcase_add_test(tc, host_honours_large_alignments);
  tcase_add_test(tc, host_zero_bytes);
  tcase_add_test(tc, host_sizes_near_size_max_fail_cleanly);
  tcase_add_test(tc, host_stats_track_use);
  tcase_add_test(tc, leaf_instances_of_a_kind_are_equal);
  tcase_add_test(tc, create_rejects_null_output);
  tcase_add_test(tc, async_options_and_pool_are_validated);
  tcase_add_test(tc, cuda_without_device_fails_cleanly);
  tcase_add_test(tc, simulated_hands_out_distinct_aligned_addresses);
  tcase_add_test(tc, simulated_reports_out_of_memory_when_full);
  tcase_add_test(tc, simulated_rejects_foreign_pointers);
  tcase_add_test(tc, simulated_capacity_holds_under_threads);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(memory_suite()); }
