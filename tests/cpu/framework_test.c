/*
 * The framework entry points over host resources set as device 0's resource: the symbols
 * are found by name and called through PyTorch's own function types (as its pluggable
 * allocator does after dlopen), they allocate from the per-device resource current at the
 * call, size 0 is NULL without failure, and each failure is NULL with a message.
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "common/test.h"

/* The types PyTorch's CUDAPluggableAllocator gives the functions it loads. */
typedef void *(*torch_malloc_fn)(size_t size, int device, rmm_stream_t stream);
typedef void (*torch_free_fn)(void *ptr, size_t size, int device, rmm_stream_t stream);

/* A made-up handle: host-only resources never hand it to CUDA. */
#define STREAM ((rmm_stream_t)0x1234)

static torch_malloc_fn torch_malloc;
static torch_free_fn torch_free;

/*
 * Opens librmm by its soname and looks the entry points up by name, as a framework's
 * loader does. The library is the one this program links, so the handle stays valid
 * after dlclose and the per-device table is the one the tests set.
 */
static void load_symbols(void)
{
  void *library = dlopen("librmm.so.1", RTLD_NOW);
  ck_assert_msg(library != NULL, "dlopen: %s", dlerror());
  void *allocate = dlsym(library, "rmm_torch_allocate");
  void *deallocate = dlsym(library, "rmm_torch_deallocate");
  ck_assert_ptr_eq(allocate, dlsym(RTLD_DEFAULT, "rmm_torch_allocate"));
  dlclose(library);
  ck_assert_ptr_nonnull(allocate);
  ck_assert_ptr_nonnull(deallocate);
  /* ISO C has no cast from an object pointer to a function pointer; POSIX guarantees the copy. */
  memcpy(&torch_malloc, &allocate, sizeof torch_malloc);
  memcpy(&torch_free, &deallocate, sizeof torch_free);
}

/* A statistics adaptor over a host resource (and under `limit` bytes when limit > 0). */
static rmm_resource_t *counted_host(size_t limit)
{
  rmm_resource_t *host = NULL, *limited = NULL, *stats = NULL;
  RMM_CK(rmm_host_create(&host));
  if (limit > 0) {
    RMM_CK(rmm_limiting_create(host, limit, 0, &limited));
    rmm_resource_release(host);
    host = limited;
  }
  RMM_CK(rmm_statistics_create(host, &stats));
  rmm_resource_release(host);
  return stats;
}

/* Makes `mr` device 0's resource; the table keeps its own reference. */
static void install(rmm_resource_t *mr) { RMM_CK(rmm_set_per_device_resource(0, mr)); }

static rmm_statistics_t counts(const rmm_resource_t *mr)
{
  rmm_statistics_t c = {.struct_size = sizeof c};
  RMM_CK(rmm_statistics_get(mr, &c));
  return c;
}

START_TEST(test_allocate_through_device_resource)
{
  load_symbols();
  rmm_resource_t *mr = counted_host(0);
  install(mr);
  char *ptr = torch_malloc(1000, 0, STREAM);
  ck_assert_ptr_nonnull(ptr);
  ck_assert_uint_eq((uintptr_t)ptr % RMM_ALLOCATION_ALIGNMENT, 0);
  memset(ptr, 0x5a, 1000);
  ck_assert_int_eq(counts(mr).current_bytes, 1000);
  ck_assert_int_eq(counts(mr).current_count, 1);
  torch_free(ptr, 1000, 0, STREAM);
  ck_assert_int_eq(counts(mr).current_bytes, 0);
  ck_assert_int_eq(counts(mr).total_bytes, 1000);
  ck_assert_int_eq(counts(mr).current_count, 0);
  install(NULL);
  rmm_resource_release(mr);
}
END_TEST

/* The resource is the one set when each call is made, not when the allocator was loaded. */
START_TEST(test_follows_resource_changes)
{
  load_symbols();
  rmm_resource_t *a = counted_host(0), *b = counted_host(0);
  install(a);
  void *from_a = torch_malloc(256, 0, STREAM);
  install(b);
  void *from_b = torch_malloc(512, 0, STREAM);
  ck_assert_ptr_nonnull(from_a);
  ck_assert_ptr_nonnull(from_b);
  ck_assert_int_eq(counts(a).current_bytes, 256);
  ck_assert_int_eq(counts(b).current_bytes, 512);
  torch_free(from_b, 512, 0, STREAM);
  install(a);
  torch_free(from_a, 256, 0, STREAM);
  ck_assert_int_eq(counts(a).current_bytes, 0);
  ck_assert_int_eq(counts(b).current_bytes, 0);
  install(NULL);
  rmm_resource_release(a);
  rmm_resource_release(b);
}
END_TEST

START_TEST(test_size_zero)
{
  load_symbols();
  rmm_resource_t *mr = counted_host(0);
  install(mr);
  ck_assert_ptr_null(torch_malloc(0, 0, STREAM));
  torch_free(NULL, 0, 0, STREAM);
  ck_assert_int_eq(counts(mr).total_count, 0);
  install(NULL);
  rmm_resource_release(mr);
}
END_TEST

/* The resource's own failure comes back as NULL with its message, and nothing is counted. */
START_TEST(test_out_of_memory_is_null_with_message)
{
  load_symbols();
  rmm_resource_t *mr = counted_host(4096);
  install(mr);
  ck_assert_ptr_null(torch_malloc(8192, 0, STREAM));
  RMM_CK_MESSAGE_HAS("limiting: out of memory");
  RMM_CK_MESSAGE_HAS("8192 bytes");
  ck_assert_int_eq(counts(mr).total_count, 0);
  void *ptr = torch_malloc(4096, 0, STREAM);
  ck_assert_ptr_nonnull(ptr);
  torch_free(ptr, 4096, 0, STREAM);
  install(NULL);
  rmm_resource_release(mr);
}
END_TEST

/* A device that does not exist (there is no GPU here, so only device 0 does) or a negative one. */
START_TEST(test_bad_device_is_null_with_message)
{
  load_symbols();
  rmm_resource_t *mr = counted_host(0);
  install(mr);
  ck_assert_ptr_null(torch_malloc(64, -1, STREAM));
  RMM_CK_MESSAGE_HAS("device -1");
  int devices = 0;
  RMM_CK(rmm_get_num_devices(&devices));
  ck_assert_ptr_null(torch_malloc(64, devices > 0 ? devices : 1, STREAM));
  ck_assert_str_ne(rmm_last_error_message(), "");
  ck_assert_int_eq(counts(mr).total_count, 0);
  install(NULL);
  rmm_resource_release(mr);
}
END_TEST

/* A free that cannot reach the resource leaves the block and a message; the right free still works. */
START_TEST(test_failed_free_leaves_message)
{
  load_symbols();
  rmm_resource_t *mr = counted_host(0);
  install(mr);
  void *ptr = torch_malloc(300, 0, STREAM);
  ck_assert_ptr_nonnull(ptr);
  torch_free(ptr, 300, -2, STREAM);
  RMM_CK_MESSAGE_HAS("device -2");
  ck_assert_int_eq(counts(mr).current_bytes, 300);
  torch_free(ptr, 300, 0, STREAM);
  ck_assert_int_eq(counts(mr).current_bytes, 0);
  install(NULL);
  rmm_resource_release(mr);
}
END_TEST

/* Many threads allocating and freeing at once, as PyTorch's workers do. */
static void *churn(void *arg)
{
  uint64_t seed = (uintptr_t)arg;
  size_t rounds = rmm_test_scaled(2000);
  for (size_t i = 0; i < rounds; i++) {
    size_t size = 1 + rmm_test_random(&seed) % 65536;
    unsigned char *ptr = torch_malloc(size, 0, STREAM);
    if (ptr == NULL)
      return (void *)1;
    ptr[0] = ptr[size - 1] = (unsigned char)i;
    torch_free(ptr, size, 0, STREAM);
  }
  return NULL;
}

START_TEST(test_threads)
{
  load_symbols();
  rmm_resource_t *mr = counted_host(0);
  install(mr);
  pthread_t threads[8];
  for (uintptr_t i = 0; i < 8; i++)
    ck_assert_int_eq(pthread_create(&threads[i], NULL, churn, (void *)(i + 1)), 0);
  for (int i = 0; i < 8; i++) {
    void *failed = (void *)1;
    ck_assert_int_eq(pthread_join(threads[i], &failed), 0);
    ck_assert_ptr_null(failed);
  }
  ck_assert_int_eq(counts(mr).current_count, 0);
  ck_assert_int_eq(counts(mr).total_count, (int64_t)(8 * rmm_test_scaled(2000)));
  install(NULL);
  rmm_resource_release(mr);
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("framework");
  TCase *tc = tcase_create("torch");
  tcase_add_test(tc, test_allocate_through_device_resource);
  tcase_add_test(tc, test_follows_resource_changes);
  tcase_add_test(tc, test_size_zero);
  tcase_add_test(tc, test_out_of_memory_is_null_with_message);
  tcase_add_test(tc, test_bad_device_is_null_with_message);
  tcase_add_test(tc, test_failed_free_leaves_message);
  tcase_add_test(tc, test_threads);
  suite_add_tcase(suite, tc);
  return rmm_test_run(suite);
}
