/* The device backend of the reserved-range mechanism: real device memory mapped and unmapped. */
#include <string.h>

#include "gpu/gpu_test.h"
#include "suballoc/vmm.h"

#define MIB ((size_t)1 << 20)

/* The device backend, or NULL (and a note) on a device without virtual memory management. */
static rmm__vmm_t *new_device(size_t reservation)
{
  rmm__vmm_t *vmm = NULL;
  rmm_status_t status = rmm__vmm_create_device(-1, reservation, &vmm);
  if (status == RMM_ERROR_NOT_SUPPORTED) {
    RMM_CK_MESSAGE_HAS("virtual memory management");
    printf("note: %s\n", rmm_last_error_message());
    return NULL;
  }
  RMM_CK(status);
  ck_assert(rmm__vmm_is_device(vmm));
  return vmm;
}

static size_t free_device_memory(void)
{
  size_t free_bytes = 0, total = 0;
  CUDA_CK(cudaMemGetInfo(&free_bytes, &total));
  return free_bytes;
}

START_TEST(grow_write_read_shrink)
{
  rmm__vmm_t *vmm = new_device(1024 * MIB);
  if (vmm == NULL)
    return;
  size_t g = rmm__vmm_granularity(vmm);
  ck_assert_uint_gt(g, 0);
  ck_assert_uint_eq(rmm__vmm_reserved(vmm) % g, 0);
  ck_assert_uint_ge(rmm__vmm_reserved(vmm), 1024 * MIB);
  printf("device granularity %zu bytes\n", g);

  size_t before = free_device_memory(), added = 0;
  RMM_CK(rmm__vmm_grow(vmm, 64 * MIB, &added));
  ck_assert_uint_ge(added, 64 * MIB);
  ck_assert_uint_eq(added % g, 0);
  size_t grown = free_device_memory();
  ck_assert_msg(before - grown >= added, "free memory fell by %zu, mapped %zu", before - grown, added);

  void *base = (void *)rmm__vmm_base(vmm);
  rmm_gpu_check_memory(base, added, 0x3C, NULL);

  /* A second step right after the first: the first keeps its data. */
  size_t second = 0;
  RMM_CK(rmm__vmm_grow(vmm, g, &second));
  rmm_gpu_check_memory((char *)base + added, second, 0x77, NULL);
  unsigned char probe = 0;
  CUDA_CK(cudaMemcpy(&probe, (char *)base + added - 1, 1, cudaMemcpyDefault));
  ck_assert_uint_eq(probe, 0x3C);
  /* One copy across the boundary of the two steps. */
  unsigned char across[2] = {0};
  CUDA_CK(cudaMemcpy(across, (char *)base + added - 1, 2, cudaMemcpyDefault));
  ck_assert_uint_eq(across[0], 0x3C);
  ck_assert_uint_eq(across[1], 0x77);

  RMM_CK(rmm__vmm_shrink(vmm, rmm__vmm_shrinkable(vmm, added + second)));
  ck_assert_uint_eq(rmm__vmm_mapped(vmm), 0);
  size_t after = free_device_memory();
  ck_assert_msg(after >= before - g, "free memory %zu after the shrink, %zu before the growth", after, before);
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(the_reservation_bounds_the_growth)
{
  rmm__vmm_t *vmm = new_device(1);
  if (vmm == NULL)
    return;
  size_t g = rmm__vmm_granularity(vmm), added;
  ck_assert_uint_eq(rmm__vmm_reserved(vmm), g);
  RMM_CK(rmm__vmm_grow(vmm, g, &added));
  RMM_CK_STATUS(rmm__vmm_grow(vmm, 1, &added), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("exhausted");
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(reservation_is_at_most_the_device_memory)
{
  rmm__vmm_t *vmm = new_device(0);
  if (vmm == NULL)
    return;
  size_t free_bytes = 0, total = 0;
  CUDA_CK(cudaMemGetInfo(&free_bytes, &total));
  ck_assert_uint_ge(rmm__vmm_reserved(vmm), total);
  ck_assert_uint_lt(rmm__vmm_reserved(vmm), total + rmm__vmm_granularity(vmm));
  rmm__vmm_destroy(vmm);
  /* Asking for more than the device has reserves the device's memory. */
  vmm = new_device(SIZE_MAX / 2);
  ck_assert_uint_lt(rmm__vmm_reserved(vmm), total + rmm__vmm_granularity(vmm));
  rmm__vmm_destroy(vmm);
}
END_TEST

START_TEST(a_device_that_does_not_exist_fails)
{
  int count = 0;
  CUDA_CK(cudaGetDeviceCount(&count));
  rmm__vmm_t *vmm = NULL;
  ck_assert_int_ne(rmm__vmm_create_device(count, 0, &vmm), RMM_SUCCESS);
  ck_assert_ptr_null(vmm);
}
END_TEST

static Suite *vmm_suite(void)
{
  Suite *suite = suite_create("vmm_device");
  TCase *tc = tcase_create("device");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, grow_write_read_shrink);
  tcase_add_test(tc, the_reservation_bounds_the_growth);
  tcase_add_test(tc, reservation_is_at_most_the_device_memory);
  tcase_add_test(tc, a_device_that_does_not_exist_fails);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(void) { return rmm_gpu_test_run(vmm_suite()); }
