// CPU tests of rmm.hpp: resource ownership, exceptions, streams, factories and family queries,
// all over host-only resources (fake stream handles are fine there).
#include <rmm/rmm.hpp>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "common/test.h"

namespace {

const rmm_stream_t fake_stream = reinterpret_cast<rmm_stream_t>(0x1234);

// A custom resource over malloc that counts its live references' end (destroy) and can be
// told to fail with a given status.
struct counted {
  int destroyed = 0;
  long live_allocations = 0;
  rmm_status_t fail_with = RMM_SUCCESS;
};

rmm_status_t counted_allocate(void *ctx, void **ptr, size_t bytes, size_t alignment, rmm_stream_t)
{
  auto *c = static_cast<counted *>(ctx);
  if (c->fail_with != RMM_SUCCESS)
    return c->fail_with;
  *ptr = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  ++c->live_allocations;
  return RMM_SUCCESS;
}

rmm_status_t counted_deallocate(void *ctx, void *ptr, size_t, size_t, rmm_stream_t)
{
  auto *c = static_cast<counted *>(ctx);
  std::free(ptr);
  --c->live_allocations;
  return RMM_SUCCESS;
}

void counted_destroy(void *ctx) { ++static_cast<counted *>(ctx)->destroyed; }

rmm::resource counted_resource(counted &c)
{
  static const rmm_resource_ops_t ops = {sizeof(rmm_resource_ops_t), "counted", counted_allocate,
                                         counted_deallocate, nullptr, counted_destroy, nullptr};
  return rmm::custom_resource(ops, &c, RMM_HOST_ACCESSIBLE);
}

} // namespace

START_TEST(copies_and_moves_release_once)
{
  counted c;
  {
    rmm::resource a = counted_resource(c);
    ck_assert(static_cast<bool>(a));
    rmm::resource b = a; // retain
    rmm::resource d;
    d = b; // retain through assignment
    rmm::resource e = std::move(d);
    ck_assert(!d);
    ck_assert(e == a);
    rmm::resource f;
    f = std::move(e);
    f = f; // self-assignment keeps the reference
    std::vector<rmm::resource> many(16, a);
    many.clear();
    a = rmm::resource();
    ck_assert_int_eq(c.destroyed, 0);
    ck_assert_str_eq(f.name(), "counted");
  }
  ck_assert_int_eq(c.destroyed, 1);
}
END_TEST

START_TEST(adopt_retain_release)
{
  counted c;
  rmm::resource owner = counted_resource(c);
  rmm::resource shared = rmm::resource::retain(owner.get());
  rmm_resource_t *raw = shared.release();
  ck_assert(!shared);
  ck_assert_ptr_eq(raw, owner.get());
  rmm::resource back = rmm::resource::adopt(raw);
  owner = rmm::resource();
  ck_assert_int_eq(c.destroyed, 0);
  back = rmm::resource();
  ck_assert_int_eq(c.destroyed, 1);
}
END_TEST

START_TEST(adaptor_keeps_upstream_alive)
{
  counted c;
  rmm::resource stats = rmm::statistics_resource(counted_resource(c));
  ck_assert_int_eq(c.destroyed, 0);
  void *p = stats.allocate(1000, fake_stream);
  ck_assert_int_eq(c.live_allocations, 1);
  ck_assert_int_eq(rmm::statistics_get(stats).current_bytes, 1000);
  ck_assert_str_eq(stats.upstream().name(), "counted");
  stats.deallocate(p, 1000, fake_stream);
  stats = rmm::resource();
  ck_assert_int_eq(c.destroyed, 1);
  ck_assert_int_eq(c.live_allocations, 0);
}
END_TEST

START_TEST(allocate_and_properties)
{
  rmm::resource host = rmm::host_resource();
  ck_assert_str_eq(host.name(), "host");
  ck_assert(host.is_host_accessible());
  ck_assert(!host.is_device_accessible());
  void *p = host.allocate(100, fake_stream);
  ck_assert_uint_eq(reinterpret_cast<std::uintptr_t>(p) % RMM_ALLOCATION_ALIGNMENT, 0);
  std::memset(p, 7, 100);
  rmm_resource_stats_t stats = host.stats();
  ck_assert_uint_ge(stats.bytes_in_use, 100);
  host.deallocate(p, 100, fake_stream);
  ck_assert_ptr_null(host.allocate(0));
  host.deallocate(nullptr, 0);

  rmm::resource aligned = rmm::aligned_resource(host, 4096);
  void *q = aligned.allocate(5000, 4096, fake_stream);
  ck_assert_uint_eq(reinterpret_cast<std::uintptr_t>(q) % 4096, 0);
  aligned.deallocate(q, 5000, 4096, fake_stream);
  // the cuda::mr forms
  void *r = aligned.allocate(64, std::size_t{512});
  aligned.deallocate(r, 64, std::size_t{512});
  void *s = host.allocate_async(64, 256, fake_stream);
  host.deallocate_async(s, 64, 256, fake_stream);
}
END_TEST

START_TEST(equality)
{
  rmm::resource a = rmm::host_resource();
  rmm::resource b = rmm::host_resource();
  rmm::resource copy = a;
  ck_assert(a == copy);
  ck_assert(!(a != copy));
  ck_assert(a != rmm::resource());
  ck_assert(rmm::resource() == rmm::resource());
  rmm::resource stats = rmm::statistics_resource(a);
  ck_assert(stats != a);
  ck_assert(b.is_equal(b));
}
END_TEST

START_TEST(out_of_memory_carries_message)
{
  rmm::resource limited = rmm::limiting_resource(rmm::host_resource(), 1024);
  bool caught = false;
  try {
    (void)limited.allocate(4096, fake_stream);
  } catch (const rmm::out_of_memory &e) {
    caught = true;
    ck_assert_msg(std::strstr(e.what(), "limiting: out of memory") != nullptr, "what(): %s", e.what());
    ck_assert_msg(std::strstr(e.what(), "4096 bytes") != nullptr, "what(): %s", e.what());
    ck_assert_str_eq(e.what(), rmm_last_error_message());
  }
  ck_assert(caught);
  // out_of_memory is a rmm::bad_alloc and a std::bad_alloc
  caught = false;
  try {
    (void)limited.allocate(4096);
  } catch (const std::bad_alloc &e) {
    caught = dynamic_cast<const rmm::bad_alloc *>(&e) != nullptr;
  }
  ck_assert(caught);
  ck_assert_uint_eq(rmm::limiting_limit(limited), 1024);
  ck_assert_uint_eq(rmm::limiting_allocated(limited), 0);
}
END_TEST

START_TEST(logic_errors_carry_message)
{
  rmm::resource host = rmm::host_resource();
  try {
    (void)host.allocate(64, 3, fake_stream);
    ck_abort_msg("an alignment of 3 was accepted");
  } catch (const rmm::logic_error &e) {
    ck_assert_str_eq(e.what(), rmm_last_error_message());
    ck_assert_msg(std::strstr(e.what(), "3") != nullptr, "what(): %s", e.what());
  }
  try {
    (void)rmm::statistics_get(host);
    ck_abort_msg("statistics_get accepted a host resource");
  } catch (const std::logic_error &e) {
    ck_assert_msg(std::strstr(e.what(), "host") != nullptr || std::strstr(e.what(), "statistics") != nullptr,
                  "what(): %s", e.what());
  }
  bool caught = false;
  try {
    (void)rmm::limiting_resource(host, 100, 3);
  } catch (const rmm::logic_error &e) {
    caught = std::strstr(e.what(), "power of two") != nullptr;
  }
  ck_assert(caught);
}
END_TEST

START_TEST(status_to_exception_types)
{
  counted c;
  rmm::resource r = counted_resource(c);
  c.fail_with = RMM_ERROR_CUDA;
  ck_assert(([&] {
    try {
      (void)r.allocate(8);
    } catch (const rmm::cuda_error &) {
      return true;
    }
    return false;
  }()));
  c.fail_with = RMM_ERROR_BAD_ALLOC;
  ck_assert(([&] {
    try {
      (void)r.allocate(8);
    } catch (const rmm::out_of_memory &) {
      return false;
    } catch (const rmm::bad_alloc &) {
      return true;
    }
    return false;
  }()));
  c.fail_with = RMM_ERROR_NOT_SUPPORTED;
  ck_assert(([&] {
    try {
      (void)r.allocate(8);
    } catch (const rmm::not_supported_error &) {
      return true;
    }
    return false;
  }()));
  c.fail_with = RMM_ERROR_OUT_OF_MEMORY;
  ck_assert(([&] {
    try {
      (void)r.allocate(8);
    } catch (const rmm::out_of_memory &) {
      return true;
    }
    return false;
  }()));
}
END_TEST

START_TEST(io_error_from_logging)
{
  bool caught = false;
  try {
    (void)rmm::logging_resource(rmm::host_resource(), "/nonexistent-dir/rmm/log.csv");
  } catch (const rmm::io_error &e) {
    caught = std::strstr(e.what(), "/nonexistent-dir/rmm/log.csv") != nullptr;
    ck_assert_msg(caught, "what(): %s", e.what());
  }
  ck_assert(caught);
}
END_TEST

START_TEST(stream_views)
{
  rmm::cuda_stream_view def;
  ck_assert(def.is_default());
  ck_assert(def == rmm::cuda_stream_default);
  ck_assert(rmm::cuda_stream_legacy.is_default());
  ck_assert(rmm::cuda_stream_per_thread.is_per_thread_default());
  ck_assert(!rmm::cuda_stream_per_thread.is_default());
  ck_assert_ptr_eq(rmm::cuda_stream_legacy.value(), RMM_STREAM_LEGACY);
  rmm::cuda_stream_view fake = fake_stream;
  ck_assert_ptr_eq(fake.value(), fake_stream);
  rmm_stream_t back = fake;
  ck_assert_ptr_eq(back, fake_stream);
  ck_assert(fake != def);
  static_assert(!std::is_convertible_v<int, rmm::cuda_stream_view>, "0 must not be a stream");
  static_assert(!std::is_convertible_v<std::nullptr_t, rmm::cuda_stream_view>, "nullptr must not be a stream");
  // anything with get() returning a handle (cuda::stream_ref) converts
  struct ref {
    rmm_stream_t s;
    rmm_stream_t get() const { return s; }
  };
  rmm::cuda_stream_view from_ref = ref{fake_stream};
  ck_assert_ptr_eq(from_ref.value(), fake_stream);
}
END_TEST

// Without a GPU the owning stream fails with rmm::cuda_error; with one it is a real stream.
START_TEST(owning_stream)
{
  try {
    rmm::cuda_stream s;
    ck_assert(s.is_valid());
    ck_assert(!s.view().is_default());
    rmm::cuda_stream moved = std::move(s);
    ck_assert(!s.is_valid());
    ck_assert(moved.is_valid());
  } catch (const rmm::cuda_error &e) {
    ck_assert(std::strlen(e.what()) > 0);
  }
}
END_TEST

START_TEST(current_device_resource)
{
  rmm::resource host = rmm::host_resource();
  rmm::resource previous = rmm::set_current_device_resource(host);
  ck_assert(rmm::get_current_device_resource() == host);
  // an empty resource means the current one
  rmm::resource empty;
  void *p = empty.allocate(32, fake_stream);
  ck_assert_int_eq(host.stats().bytes_in_use >= 32, 1);
  empty.deallocate(p, 32, fake_stream);
  rmm::resource second = rmm::host_resource();
  rmm::resource was = rmm::set_per_device_resource(rmm::cuda_device_id(0), second);
  ck_assert(was == host);
  ck_assert(rmm::get_per_device_resource(rmm::cuda_device_id(0)) == second);
  rmm::set_current_device_resource(previous);
  ck_assert(rmm::get_current_device_resource() == previous);
  rmm::set_current_device_resource(rmm::resource());
}
END_TEST

START_TEST(factories_over_host)
{
  rmm::resource host = rmm::host_resource();
  rmm::resource tracked = rmm::tracking_resource(rmm::thread_safe_resource(host));
  rmm::resource arena = rmm::arena_resource(tracked, std::size_t{4} << 20);
  ck_assert_str_eq(arena.name(), "arena");
  void *a = arena.allocate(1000, fake_stream);
  void *b = tracked.allocate(300, fake_stream);
  ck_assert_uint_eq(rmm::tracking_outstanding_count(tracked), 2);
  std::size_t seen = 0;
  rmm::tracking_foreach(tracked, [&](const rmm_tracking_entry_t &entry) {
    seen += entry.bytes;
    return true;
  });
  ck_assert_uint_eq(seen, rmm::tracking_allocated_bytes(tracked));
  bool thrown = false;
  try {
    rmm::tracking_foreach(tracked, [](const rmm_tracking_entry_t &) -> bool { throw std::runtime_error("stop"); });
  } catch (const std::runtime_error &e) {
    thrown = std::strcmp(e.what(), "stop") == 0;
  }
  ck_assert(thrown);
  tracked.deallocate(b, 300, fake_stream);
  arena.deallocate(a, 1000, fake_stream);

  rmm::resource sim = rmm::simulated_resource(std::size_t{1} << 30);
  ck_assert_str_eq(sim.name(), "simulated");
  void *s = sim.allocate(std::size_t{1} << 20, fake_stream);
  sim.deallocate(s, std::size_t{1} << 20, fake_stream);

  rmm::resource stats = rmm::statistics_resource(host);
  rmm::statistics_push_counters(stats);
  void *t = stats.allocate(10, fake_stream);
  stats.deallocate(t, 10, fake_stream);
  rmm_statistics_t popped = rmm::statistics_pop_counters(stats);
  ck_assert_int_eq(popped.total_count, 1);

  std::FILE *log = std::tmpfile();
  ck_assert_ptr_nonnull(log);
  {
    rmm::resource logged = rmm::logging_resource(host, log);
    void *u = logged.allocate(77, fake_stream);
    logged.deallocate(u, 77, fake_stream);
    rmm::logging_flush(logged);
    ck_assert_str_eq(logged.name(), "logging");
  }
  ck_assert_int_gt(std::ftell(log), 0);
  std::fclose(log);
}
END_TEST

START_TEST(suballocators_over_host)
{
  rmm::resource host = rmm::host_resource();
  rmm::resource pool = rmm::pool_resource(host, std::size_t{1} << 20, std::size_t{4} << 20);
  ck_assert_str_eq(pool.name(), "pool");
  ck_assert_uint_eq(rmm::pool_size(pool), std::size_t{1} << 20);
  void *p = pool.allocate(std::size_t{2} << 20, fake_stream);
  ck_assert_uint_ge(rmm::pool_size(pool), std::size_t{2} << 20);
  bool caught = false;
  try {
    (void)pool.allocate(std::size_t{8} << 20, fake_stream);
  } catch (const rmm::out_of_memory &e) {
    caught = std::strstr(e.what(), "pool") != nullptr;
    ck_assert_str_eq(e.what(), rmm_last_error_message());
  }
  ck_assert(caught);
  pool.deallocate(p, std::size_t{2} << 20, fake_stream);
  caught = false;
  try {
    (void)rmm::pool_size(host);
  } catch (const rmm::logic_error &) {
    caught = true;
  }
  ck_assert(caught);

  rmm::resource fixed = rmm::fixed_size_resource(host, 4096, 4);
  ck_assert_uint_eq(rmm::fixed_size_block_size(fixed), 4096);
  void *f = fixed.allocate(100, fake_stream);
  fixed.deallocate(f, 100, fake_stream);

  rmm::resource bins = rmm::binning_resource(pool);
  rmm::binning_add_bin(bins, 1024);
  rmm::binning_add_bin(bins, 65536, rmm::fixed_size_resource(host, 65536));
  void *small = bins.allocate(512, fake_stream);
  void *large = bins.allocate(std::size_t{1} << 20, fake_stream);
  ck_assert_uint_ge(pool.stats().bytes_in_use, std::size_t{1} << 20);
  bins.deallocate(large, std::size_t{1} << 20, fake_stream);
  bins.deallocate(small, 512, fake_stream);
  rmm::resource ranged = rmm::binning_resource(host, 10, 16);
  void *r = ranged.allocate(3000, fake_stream);
  ranged.deallocate(r, 3000, fake_stream);
}
END_TEST

START_TEST(trim_and_reset_peak)
{
  rmm::resource host = rmm::host_resource();
  rmm::resource arena = rmm::arena_resource(host, std::size_t{2} << 20);
  rmm::resource top = rmm::statistics_resource(arena);
  void *p = top.allocate(std::size_t{64} << 10, fake_stream);
  ck_assert_uint_eq(top.trim(), 0);
  top.deallocate(p, std::size_t{64} << 10, fake_stream);
  ck_assert_uint_eq(top.stats().peak_bytes_in_use, std::size_t{64} << 10);
  top.reset_peak();
  ck_assert_uint_eq(top.stats().peak_bytes_in_use, 0);
  ck_assert_uint_eq(arena.stats().peak_bytes_in_use, 0);
  // Nothing allocated: the arena gives its whole memory back.
  ck_assert_uint_eq(top.trim(), std::size_t{2} << 20);
  ck_assert_uint_eq(arena.stats().bytes_reserved, 0);
  ck_assert_uint_eq(arena.stats().bytes_trimmed, std::size_t{2} << 20);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("cpp_resource");
  TCase *tc = tcase_create("resource");
  tcase_add_test(tc, copies_and_moves_release_once);
  tcase_add_test(tc, adopt_retain_release);
  tcase_add_test(tc, adaptor_keeps_upstream_alive);
  tcase_add_test(tc, allocate_and_properties);
  tcase_add_test(tc, equality);
  tcase_add_test(tc, out_of_memory_carries_message);
  tcase_add_test(tc, logic_errors_carry_message);
  tcase_add_test(tc, status_to_exception_types);
  tcase_add_test(tc, io_error_from_logging);
  tcase_add_test(tc, stream_views);
  tcase_add_test(tc, owning_stream);
  tcase_add_test(tc, current_device_resource);
  tcase_add_test(tc, factories_over_host);
  tcase_add_test(tc, suballocators_over_host);
  tcase_add_test(tc, trim_and_reset_peak);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return rmm_test_run(suite()); }
