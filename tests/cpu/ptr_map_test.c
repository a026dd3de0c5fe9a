/*
 * The address table behind the aligned and tracking adaptors (lib/core/ptr_map.c),
 * checked against a plain array model through random inserts and removes, growth and
 * shrinking, and full walks.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "core/ptr_map.h"
#include "common/test.h"

enum { KEYS = 3000 };

/* Keys look like allocations: 256-aligned, some dense, some far apart. */
static void *key_of(size_t i)
{
  uintptr_t base = i % 2 == 0 ? 0x7f0000000000u : 0x100000u;
  return (void *)(base + (uintptr_t)i * 256 * (i % 3 == 0 ? 4099 : 1));
}

START_TEST(test_empty_map)
{
  rmm_ptr_map_t map = {0};
  void *value = NULL;
  ck_assert(!rmm__ptr_map_remove(&map, key_of(1), &value));
  size_t cursor = 0;
  void *key;
  ck_assert(!rmm__ptr_map_next(&map, &cursor, &key, &value));
  rmm__ptr_map_free(&map);
}
END_TEST

START_TEST(test_against_model)
{
  rmm_ptr_map_t map = {0};
  static bool present[KEYS];
  static uintptr_t values[KEYS];
  memset(present, 0, sizeof present);
  size_t count = 0, mismatches = 0;
  uint64_t seed = 42;
  size_t rounds = rmm_test_scaled(200000);
  /* Plain comparisons in the loop: a check assertion per step would dominate the run time. */
  for (size_t round = 0; round < rounds; round++) {
    size_t i = rmm_test_random(&seed) % KEYS;
    void *value = NULL;
    if (rmm_test_random(&seed) % 2 == 0) {
      uintptr_t v = (uintptr_t)rmm_test_random(&seed) | 1;
      rmm_ptr_insert_t result = rmm__ptr_map_insert(&map, key_of(i), (void *)v);
      mismatches += result != (present[i] ? RMM_PTR_DUPLICATE : RMM_PTR_INSERTED);
      if (!present[i]) {
        present[i] = true;
        values[i] = v;
        count++;
      }
    } else {
      bool removed = rmm__ptr_map_remove(&map, key_of(i), &value);
      mismatches += removed != present[i];
      if (removed) {
        mismatches += (uintptr_t)value != values[i];
        present[i] = false;
        count--;
      }
    }
    mismatches += map.count != count;
  }
  ck_assert_uint_eq(mismatches, 0);
  /* A full walk sees exactly the model's entries. */
  size_t cursor = 0, seen = 0;
  void *key, *value;
  while (rmm__ptr_map_next(&map, &cursor, &key, &value)) {
    size_t i = 0;
    while (i < KEYS && key_of(i) != key)
      i++;
    ck_assert_uint_lt(i, KEYS);
    ck_assert(present[i]);
    ck_assert_uint_eq((uintptr_t)value, values[i]);
    seen++;
  }
  ck_assert_uint_eq(seen, count);
  rmm__ptr_map_free(&map);
}
END_TEST

/* The table grows with a burst and gives the memory back as it drains. */
START_TEST(test_grow_and_shrink)
{
  rmm_ptr_map_t map = {0};
  for (size_t i = 0; i < KEYS; i++)
    ck_assert_int_eq(rmm__ptr_map_insert(&map, key_of(i), key_of(i)), RMM_PTR_INSERTED);
  ck_assert_uint_ge(map.capacity, 2 * KEYS);
  for (size_t i = 0; i < KEYS; i++) {
    void *value = NULL;
    ck_assert(rmm__ptr_map_remove(&map, key_of(i), &value));
    ck_assert_ptr_eq(value, key_of(i));
  }
  ck_assert_uint_eq(map.count, 0);
  ck_assert_uint_le(map.capacity, 32);
  rmm__ptr_map_free(&map);
  ck_assert_ptr_null(map.slots);
}
END_TEST

static Suite *ptr_map_suite(void)
{
  Suite *suite = suite_create("ptr_map");
  TCase *tc = tcase_create("map");
  tcase_add_test(tc, test_empty_map);
  tcase_add_test(tc, test_against_model);
  tcase_add_test(tc, test_grow_and_shrink);
  tcase_set_timeout(tc, 60);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(ptr_map_suite()); }
