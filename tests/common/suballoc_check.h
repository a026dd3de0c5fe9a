/* Helpers shared by the sub-allocator suites (pool, fixed_size, binning), on the CPU and the GPU. */
#ifndef RMM_TESTS_SUBALLOC_CHECK_H
#define RMM_TESTS_SUBALLOC_CHECK_H

#include "common/test.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

/* A pool over `upstream`, which takes over the caller's reference to it. */
static inline rmm_resource_t *rmm_test_pool_over(rmm_resource_t *upstream, size_t initial, size_t maximum)
{
  rmm_resource_t *pool = NULL;
  RMM_CK(rmm_pool_create(upstream, initial, maximum, &pool));
  rmm_resource_release(upstream);
  return pool;
}

/* A fixed-size resource over `upstream`, which takes over the caller's reference to it. */
static inline rmm_resource_t *rmm_test_fixed_size_over(rmm_resource_t *upstream, size_t block_size, size_t batch)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_fixed_size_create(upstream, block_size, batch, &mr));
  rmm_resource_release(upstream);
  return mr;
}

/* A fresh host-memory resource. */
static inline rmm_resource_t *rmm_test_host(void)
{
  rmm_resource_t *host = NULL;
  RMM_CK(rmm_host_create(&host));
  return host;
}

/* The figures `mr` reports now. */
static inline rmm_resource_stats_t rmm_test_stats(const rmm_resource_t *mr)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(mr, &stats));
  return stats;
}

/* Every byte of the host-visible block still holds `tag`: nobody else wrote it. */
static inline void rmm_test_check_fill(const void *ptr, size_t bytes, unsigned char tag)
{
  const unsigned char *p = ptr;
  size_t i = 0;
  while (i < bytes && p[i] == tag)
    i++;
  ck_assert_msg(i == bytes, "byte %zu of a block was overwritten (%#x, expected %#x)", i, p[i], tag);
}

#endif
