// CPU tests of rmm::expandable_pool_resource over host virtual memory.
#include <rmm/rmm.hpp>

#include "common/test.h"

namespace {

const rmm_stream_t fake_stream = reinterpret_cast<rmm_stream_t>(0x1234);
constexpr std::size_t MiB = std::size_t{1} << 20;

START_TEST(grows_and_trims)
{
  rmm::resource pool = rmm::expandable_pool_resource(MiB, 64 * MiB, true);
  ck_assert_str_eq(pool.name(), "expandable_pool");
  ck_assert(pool.is_host_accessible());
  ck_assert(!pool.is_device_accessible());
  ck_assert_uint_eq(pool.stats().bytes_reserved, MiB);
  void *kept = pool.allocate(MiB, fake_stream);
  void *grown = pool.allocate(8 * MiB, fake_stream);
  std::size_t reserved = pool.stats().bytes_reserved;
  ck_assert_uint_ge(reserved, 9 * MiB);
  pool.deallocate(grown, 8 * MiB, fake_stream);
  ck_assert_uint_eq(pool.trim(), reserved - MiB);
  ck_assert_uint_eq(pool.stats().bytes_reserved, MiB);
  pool.deallocate(kept, MiB, fake_stream);
}
END_TEST

START_TEST(exhausted_reservation_throws_out_of_memory)
{
  rmm_expandable_pool_options_t options = RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.host = true;
  options.reservation = 4 * MiB;
  rmm::resource pool = rmm::expandable_pool_resource(options);
  bool caught = false;
  try {
    (void)pool.allocate(5 * MiB, fake_stream);
  } catch (const rmm::out_of_memory &) {
    caught = true;
  }
  ck_assert(caught);
  ck_assert_uint_eq(pool.stats().oom_failures, 1);
}
END_TEST

Suite *suite()
{
  Suite *s = suite_create("cpp_expandable_pool");
  TCase *tc = tcase_create("host");
  tcase_add_test(tc, grows_and_trims);
  tcase_add_test(tc, exhausted_reservation_throws_out_of_memory);
  suite_add_tcase(s, tc);
  return s;
}

} // namespace

int main() { return rmm_test_run(suite()); }
