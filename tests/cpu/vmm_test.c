/* The reserved-range mechanism under the expandable pool, over its host backend. */
#include <string.h>

#include "common/test.h"
#include "suballoc/vmm.h"

static rmm__vmm_t *new_host(size_t reservation)
{
  rmm__vmm_t *vmm = NULL;
  RMM_CK(rmm__vmm_create_host(reservation, &vmm));
  ck_assert_ptr_nonnull(vmm);
  ck_assert(!rmm__vmm_is_device(vmm));
  return vmm;
}

START_TEST(a_new_range_maps_nothing)
{
  rmm__vmm_t *vmm = new_host(1 << 20);
  size_t granularity = rmm__vmm_granularity(vmm);
  ck_assert_uint_gt(granularity, 0);
  ck_assert_uint_eq(rmm__vmm_reserved(vmm) % granularity, 0);
  ck_assert_uint_ge(rmm__vmm_reserved(vmm), 1 << 20);
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 0);
  ck_assert_uint_eq(rmm__vmm_steps(vmm), 0);
  ck_assert_uint_eq(rmm__vmm_base(vmm) % 256, 0);
  rmm__vmm_destroy(vmm);
  rmm__vmm_destroy(NULL);
}
END_TEST

START_TEST(growth_rounds_up_and_maps_at_the_end)
{
  rmm__vmm_t *vmm = new_host(64 << 20);
  size_t granularity = rmm__vmm_granularity(vmm);
  size_t added = 0;
  RMM_CK(rmm__vmm_grow(vmm, 1, &added));
  ck_assert_uint_eq(added, granularity);
  RMM_CK(rmm__vmm_grow(vmm, 3 * granularity + 1, &added));
  ck_assert_uint_eq(added, 4 * granularity);
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 5 * granularity);
  ck_assert_uint_eq(rmm__vmm_steps(vmm), 2);
  /* Every mapped byte is usable, across the two steps. */
  memset((void *)rmm__vmm_base(vmm), 0x5A, rmm__vmm_mapped(vmm));
  RMM_CK_STATUS(rmm__vmm_grow(vmm, 0, &added), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_uint_eq(added, 0);
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(data_stays_in_place_across_growth)
{
  rmm__vmm_t *vmm = new_host(64 << 20);
  size_t granularity = rmm__vmm_granularity(vmm), added;
  uintptr_t base = rmm__vmm_base(vmm);
  RMM_CK(rmm__vmm_grow(vmm, 2 * granularity, &added));
  unsigned char *bytes = (unsigned char *)base;
  for (size_t i = 0; i < 2 * granularity; i++)
    bytes[i] = (unsigned char)(i * 7 + 3);
  for (int step = 0; step < 8; step++)
    RMM_CK(rmm__vmm_grow(vmm, granularity, &added));
  ck_assert_uint_eq(rmm__vmm_base(vmm), base);
  for (size_t i = 0; i < 2 * granularity; i++)
    ck_assert_uint_eq(bytes[i], (unsigned char)(i * 7 + 3));
  /* The newest memory is fresh and writable. */
  ck_assert_uint_eq(bytes[rmm__vmm_mapped(vmm) - 1], 0);
  bytes[rmm__vmm_mapped(vmm) - 1] = 1;
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(shrink_unmaps_whole_steps_from_the_end)
{
  rmm__vmm_t *vmm = new_host(64 << 20);
  size_t g = rmm__vmm_granularity(vmm), added;
  RMM_CK(rmm__vmm_grow(vmm, g, &added));     /* [0, g) */
  RMM_CK(rmm__vmm_grow(vmm, 2 * g, &added)); /* [g, 3g) */
  RMM_CK(rmm__vmm_grow(vmm, 3 * g, &added)); /* [3g, 6g) */
  unsigned char *bytes = (unsigned char *)rmm__vmm_base(vmm);
  bytes[0] = 42;

  /* A free tail of 4g covers the last step (3g) but not the one before (2g). */
  ck_assert_uint_eq(rmm__vmm_shrinkable(vmm, 4 * g), 3 * g);
  ck_assert_uint_eq(rmm__vmm_shrinkable(vmm, 5 * g), 5 * g);
  ck_assert_uint_eq(rmm__vmm_shrinkable(vmm, 2 * g), 0);
  ck_assert_uint_eq(rmm__vmm_shrinkable(vmm, 100 * g), 6 * g);

  /* Part of a step is refused and changes nothing. */
  RMM_CK_STATUS(rmm__vmm_shrink(vmm, 4 * g), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("whole steps");
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 6 * g);
  ck_assert_uint_eq(rmm__vmm_steps(vmm), 3);

  RMM_CK(rmm__vmm_shrink(vmm, 3 * g));
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 3 * g);
  ck_assert_uint_eq(rmm__vmm_steps(vmm), 2);
  RMM_CK(rmm__vmm_shrink(vmm, 0));
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 3 * g);
  ck_assert_uint_eq(bytes[0], 42);

  /* Growing again maps fresh memory where the old step was. */
  RMM_CK(rmm__vmm_grow(vmm, g, &added));
  ck_assert_uint_eq(bytes[3 * g], 0);
  RMM_CK(rmm__vmm_shrink(vmm, 4 * g));
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 0);
  ck_assert_uint_eq(rmm__vmm_steps(vmm), 0);
  RMM_CK_STATUS(rmm__vmm_shrink(vmm, g), RMM_ERROR_INVALID_ARGUMENT);
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(an_exhausted_reservation_is_out_of_memory)
{
  rmm__vmm_t *vmm = new_host(1);
  size_t g = rmm__vmm_granularity(vmm), added;
  ck_assert_uint_eq(rmm__vmm_reserved(vmm), g);
  RMM_CK_STATUS(rmm__vmm_grow(vmm, g + 1, &added), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("reserved range is exhausted");
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 0);
  RMM_CK(rmm__vmm_grow(vmm, g, &added));
  RMM_CK_STATUS(rmm__vmm_grow(vmm, 1, &added), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), g);
  /* A size that overflows when rounded is out of memory too, not a wrap. */
  RMM_CK_STATUS(rmm__vmm_grow(vmm, SIZE_MAX, &added), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK(rmm__vmm_shrink(vmm, g));
  RMM_CK(rmm__vmm_grow(vmm, g, &added));
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(many_steps_grow_the_step_table)
{
  rmm__vmm_t *vmm = new_host(4 << 20);
  size_t g = rmm__vmm_granularity(vmm), added, count = rmm__vmm_reserved(vmm) / g;
  for (size_t i = 0; i < count; i++) {
    RMM_CK(rmm__vmm_grow(vmm, g, &added));
    ((unsigned char *)rmm__vmm_base(vmm))[i * g] = (unsigned char)i;
  }
  ck_assert_uint_eq(rmm__vmm_steps(vmm), count);
  for (size_t i = 0; i < count; i++)
    ck_assert_uint_eq(((unsigned char *)rmm__vmm_base(vmm))[i * g], (unsigned char)i);
  ck_assert_uint_eq(rmm__vmm_shrinkable(vmm, 3 * g + 1), 3 * g);
  RMM_CK(rmm__vmm_shrink(vmm, 3 * g));
  ck_assert_uint_eq(rmm__vmm_steps(vmm), count - 3);
  /* Destroy unmaps what is left. */
  rmm__vmm_destroy(vmm);
}
END_TEST

/* Random growth and shrinking against a model of the steps; the first byte of each step keeps its mark. */
START_TEST(random_steps_against_a_model)
{
  rmm__vmm_t *vmm = new_host(16 << 20);
  size_t g = rmm__vmm_granularity(vmm);
  size_t model[4096], count = 0, mapped = 0;
  uint64_t seed = 4;
  size_t steps = rmm_test_scaled(3000);
  unsigned char *base = (unsigned char *)rmm__vmm_base(vmm);
  for (size_t i = 0; i < steps; i++) {
    uint64_t r = rmm_test_random(&seed);
    if (r % 3 != 0) {
      size_t want = 1 + (r >> 8) % (8 * g), added = 0;
      rmm_status_t status = rmm__vmm_grow(vmm, want, &added);
      size_t rounded = (want + g - 1) / g * g;
      if (mapped + rounded > rmm__vmm_reserved(vmm) || count == sizeof model / sizeof model[0]) {
        ck_assert_int_ne(status, RMM_SUCCESS);
        continue;
      }
      RMM_CK(status);
      ck_assert_uint_eq(added, rounded);
      base[mapped] = (unsigned char)count;
      model[count++] = added;
      mapped += added;
    } else {
      size_t tail = (r >> 8) % (mapped + 1);
      size_t expected = 0;
      for (size_t k = count; k-- > 0 && expected + model[k] <= tail;)
        expected += model[k];
      ck_assert_uint_eq(rmm__vmm_shrinkable(vmm, tail), expected);
      RMM_CK(rmm__vmm_shrink(vmm, expected));
      while (expected > 0) {
        expected -= model[--count];
        mapped -= model[count];
      }
    }
    ck_assert_uint_eq(rmm__vmm_mapped(vmm), mapped);
    ck_assert_uint_eq(rmm__vmm_steps(vmm), count);
    for (size_t k = 0, at = 0; k < count; at += model[k++])
      ck_assert_uint_eq(base[at], (unsigned char)k);
  }
  rmm__vmm_destroy(vmm);
}
END_TEST

static Suite *vmm_suite(void)
{
  Suite *suite = suite_create("vmm");
  TCase *tc = tcase_create("host");
  tcase_add_test(tc, a_new_range_maps_nothing);
  tcase_add_test(tc, growth_rounds_up_and_maps_at_the_end);
  tcase_add_test(tc, data_stays_in_place_across_growth);
  tcase_add_test(tc, shrink_unmaps_whole_steps_from_the_end);
  tcase_add_test(tc, an_exhausted_reservation_is_out_of_memory);
  tcase_add_test(tc, many_steps_grow_the_step_table);
  tcase_add_test(tc, random_steps_against_a_model);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_test_run(vmm_suite()); }
