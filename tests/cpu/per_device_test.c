/* The per-device table with host resources: it must work on machines without a GPU. */
#include <pthread.h>
#include <string.h>

#include "common/test.h"

static size_t in_use(rmm_resource_t *mr)
{
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  ck_assert_int_eq(rmm_resource_get_stats(mr, &stats), RMM_SUCCESS);
  return stats.bytes_in_use;
}

START_TEST(default_is_a_cuda_resource)
{
  rmm_resource_t *current = rmm_get_current_device_resource();
  ck_assert_ptr_nonnull(current);
  ck_assert_str_eq(rmm_resource_name(current), "cuda");
  ck_assert_ptr_eq(rmm_get_current_device_resource(), current);
  ck_assert_ptr_eq(rmm_get_per_device_resource(0), current);
}
END_TEST

START_TEST(set_and_reset_current)
{
  rmm_resource_t *host;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_set_current_device_resource(host));
  ck_assert_ptr_eq(rmm_get_current_device_resource(), host);

  /* The table holds its own reference: the caller's can go. */
  rmm_resource_release(host);
  void *ptr;
  RMM_CK(rmm_allocate(NULL, &ptr, 4096, NULL));
  ck_assert_uint_eq(in_use(host), 4096);
  ck_assert_uint_eq(rmm_resource_properties(NULL), RMM_HOST_ACCESSIBLE);
  rmm_resource_stats_t stats = {.struct_size = sizeof stats};
  RMM_CK(rmm_resource_get_stats(NULL, &stats));
  ck_assert_uint_eq(stats.bytes_in_use, 4096);
  RMM_CK(rmm_deallocate(NULL, ptr, 4096, NULL));
  ck_assert_uint_eq(in_use(host), 0);

  /* NULL restores the default (lesson B26). */
  RMM_CK(rmm_set_current_device_resource(NULL));
  ck_assert_str_eq(rmm_resource_name(rmm_get_current_device_resource()), "cuda");
}
END_TEST

START_TEST(previous_resource_is_released)
{
  rmm_resource_t *first, *second;
  RMM_CK(rmm_host_create(&first));
  RMM_CK(rmm_simulated_create(1 << 20, &second));
  rmm_resource_retain(first);
  RMM_CK(rmm_set_per_device_resource(0, first));
  RMM_CK(rmm_set_per_device_resource(0, second));
  ck_assert_ptr_eq(rmm_get_per_device_resource(0), second);
  /* first is still ours: allocating through it proves it was not destroyed. */
  void *ptr;
  RMM_CK(rmm_allocate(first, &ptr, 64, NULL));
  RMM_CK(rmm_deallocate(first, ptr, 64, NULL));
  rmm_resource_release(first);
  rmm_resource_release(first);
  rmm_resource_release(second);
  RMM_CK(rmm_set_per_device_resource(0, NULL));
}
END_TEST

START_TEST(devices_out_of_range_are_refused)
{
  ck_assert_ptr_null(rmm_get_per_device_resource(-1));
  RMM_CK_MESSAGE_HAS("device -1 is out of range");
  ck_assert_ptr_null(rmm_get_per_device_resource(100000));
  RMM_CK_STATUS(rmm_set_per_device_resource(-3, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_set_per_device_resource(4096, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("device 4096 is out of range");
}
END_TEST

typedef struct table_race {
  size_t rounds;
  bool failed;
} table_race_t;

/*
 * Each round installs a fresh host resource whose only reference is the table's, so a
 * concurrent set destroys it: the verbs with NULL must hold it for their call.
 * Host resources are all equal, so any of them frees what another allocated.
 */
static void *swap_and_allocate(void *arg)
{
  table_race_t *race = arg;
  for (size_t i = 0; i < race->rounds; i++) {
    rmm_resource_t *fresh;
    if (rmm_host_create(&fresh) != RMM_SUCCESS || rmm_set_current_device_resource(fresh) != RMM_SUCCESS)
      race->failed = true;
    rmm_resource_release(fresh);
    void *ptr;
    if (rmm_allocate(NULL, &ptr, 256, NULL) != RMM_SUCCESS || rmm_deallocate(NULL, ptr, 256, NULL) != RMM_SUCCESS)
      race->failed = true;
    if (rmm_resource_properties(NULL) != RMM_HOST_ACCESSIBLE)
      race->failed = true;
  }
  return NULL;
}

START_TEST(table_is_thread_safe)
{
  table_race_t races[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    races[i] = (table_race_t){.rounds = rmm_test_scaled(5000)};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, swap_and_allocate, &races[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(threads[i], NULL);
    ck_assert(!races[i].failed);
  }
  RMM_CK(rmm_set_current_device_resource(NULL));
  ck_assert_str_eq(rmm_resource_name(rmm_get_current_device_resource()), "cuda");
}
END_TEST

static Suite *per_device_suite(void)
{
  Suite *suite = suite_create("per_device");
  TCase *tc = tcase_create("table");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, default_is_a_cuda_resource);
  tcase_add_test(tc, set_and_reset_current);
  tcase_add_test(tc, previous_resource_is_released);
  tcase_add_test(tc, devices_out_of_range_are_refused);
  tcase_add_test(tc, table_is_thread_safe);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(per_device_suite()); }
