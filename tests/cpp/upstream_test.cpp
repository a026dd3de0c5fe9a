// CPU tests of upstream RMM's C++ names over librmm (rmm/mr/device/*.hpp, resource_ref.hpp,
// per-device functions, error macros): every class builds over host memory, allocates, frees,
// compares equal to itself only and keeps its upstream alive; a user class derived from
// device_memory_resource sees every call made through librmm; refs compare as upstream's do.
// Classes that need a GPU to be built are checked at compile time here (tests/gpu and
// examples/cpp run them).
#include <rmm/aligned.hpp>
#include <rmm/cuda_device.hpp>
#include <rmm/cuda_stream.hpp>
#include <rmm/device_buffer.hpp>
#include <rmm/device_scalar.hpp>
#include <rmm/device_uvector.hpp>
#include <rmm/error.hpp>
#include <rmm/logger.hpp>
#include <rmm/mr/device/aligned_resource_adaptor.hpp>
#include <rmm/mr/device/arena_memory_resource.hpp>
#include <rmm/mr/device/binning_memory_resource.hpp>
#include <rmm/mr/device/callback_memory_resource.hpp>
#include <rmm/mr/device/cuda_async_managed_memory_resource.hpp>
#include <rmm/mr/device/cuda_async_memory_resource.hpp>
#include <rmm/mr/device/cuda_async_view_memory_resource.hpp>
#include <rmm/mr/device/cuda_memory_resource.hpp>
#include <rmm/mr/device/device_memory_resource.hpp>
#include <rmm/mr/device/failure_callback_resource_adaptor.hpp>
#include <rmm/mr/device/fixed_size_memory_resource.hpp>
#include <rmm/mr/device/limiting_resource_adaptor.hpp>
#include <rmm/mr/device/logging_resource_adaptor.hpp>
#include <rmm/mr/device/managed_memory_resource.hpp>
#include <rmm/mr/device/owning_wrapper.hpp>
#include <rmm/mr/device/per_device_resource.hpp>
#include <rmm/mr/device/pinned_host_memory_resource.hpp>
#include <rmm/mr/device/polymorphic_allocator.hpp>
#include <rmm/mr/device/pool_memory_resource.hpp>
#include <rmm/mr/device/prefetch_resource_adaptor.hpp>
#include <rmm/mr/device/sam_headroom_memory_resource.hpp>
#include <rmm/mr/device/statistics_resource_adaptor.hpp>
#include <rmm/mr/device/system_memory_resource.hpp>
#include <rmm/mr/device/thread_safe_resource_adaptor.hpp>
#include <rmm/mr/device/tracking_resource_adaptor.hpp>
#include <rmm/mr/host/new_delete_resource.hpp>
#include <rmm/mr/host/pinned_memory_resource.hpp>
#include <rmm/mr/pool_memory_resource.hpp>
#include <rmm/resource_ref.hpp>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/test.h"

namespace {

const rmm::cuda_stream_view fake_stream{reinterpret_cast<rmm_stream_t>(0x1234)};

// What the user resource saw.
struct call_log {
  int allocations = 0;
  int deallocations = 0;
  long live_bytes = 0;
  std::vector<rmm_stream_t> streams;
};

// The error a user resource throws, which must reach the C++ caller unchanged.
struct user_error : std::runtime_error {
  user_error() : std::runtime_error("user resource refused") {}
};

// A user resource as upstream RMM users write them: over host memory (declared with the
// librmm constructor that takes properties), counting every call it receives.
class counting_resource : public rmm::mr::device_memory_resource {
public:
  explicit counting_resource(call_log &log) : device_memory_resource(RMM_HOST_ACCESSIBLE), log_(&log) {}
  bool refuse = false;

private:
  void *do_allocate(std::size_t bytes, rmm::cuda_stream_view stream) override
  {
    if (refuse)
      throw user_error();
    ++log_->allocations;
    log_->live_bytes += static_cast<long>(bytes);
    log_->streams.push_back(stream.value());
    return std::aligned_alloc(256, rmm::align_up(bytes, 256));
  }
  void do_deallocate(void *ptr, std::size_t bytes, rmm::cuda_stream_view stream) noexcept override
  {
    ++log_->deallocations;
    log_->live_bytes -= static_cast<long>(bytes);
    log_->streams.push_back(stream.value());
    std::free(ptr);
  }
  call_log *log_;
};

// A user resource with its own equality rule: two of them over one log are interchangeable.
class shared_log_resource final : public counting_resource {
public:
  explicit shared_log_resource(call_log &log) : counting_resource(log), log_(&log) {}

private:
  bool do_is_equal(const rmm::mr::device_memory_resource &other) const noexcept override
  {
    auto *o = dynamic_cast<const shared_log_resource *>(&other);
    return o != nullptr && o->log_ == log_;
  }
  call_log *log_;
};

// Allocates and frees through the object, checks the memory is usable and that the object
// equals itself only.
template <class R, class Other> void exercise(R &mr, Other &other)
{
  void *p = mr.allocate(1000, fake_stream);
  ck_assert_ptr_nonnull(p);
  ck_assert(rmm::is_pointer_aligned(p));
  std::memset(p, 0x5a, 1000);
  mr.deallocate(p, 1000, fake_stream);
  void *q = mr.allocate_async(300, 512, fake_stream);
  mr.deallocate_async(q, 300, 512, fake_stream);
  ck_assert(mr == mr);
  ck_assert(mr.is_equal(mr));
  ck_assert(!(mr == other));
  ck_assert(mr != other);
  ck_assert(rmm::device_async_resource_ref{mr} == rmm::device_async_resource_ref{&mr});
  ck_assert(rmm::device_async_resource_ref{mr} != rmm::device_async_resource_ref{other});
}

std::string temp_path()
{
  char path[] = "/tmp/rmm-upstream-test-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  return path;
}

} // namespace

// The classes that need a GPU to be built keep upstream's constructors and sit under the
// templates: checked at compile time.
namespace mr = rmm::mr;
static_assert(std::is_base_of_v<mr::device_memory_resource, mr::cuda_memory_resource>);
static_assert(std::is_default_constructible_v<mr::cuda_memory_resource>);
static_assert(std::is_copy_constructible_v<mr::cuda_memory_resource>);
static_assert(std::is_default_constructible_v<mr::managed_memory_resource>);
static_assert(std::is_default_constructible_v<mr::pinned_host_memory_resource>);
static_assert(std::is_default_constructible_v<mr::system_memory_resource>);
static_assert(std::is_constructible_v<mr::sam_headroom_memory_resource, std::size_t>);
static_assert(std::is_constructible_v<mr::cuda_async_memory_resource, std::size_t, std::size_t>);
static_assert(std::is_constructible_v<mr::cuda_async_memory_resource, std::optional<std::size_t>, std::optional<std::size_t>,
                                      std::optional<mr::cuda_async_memory_resource::allocation_handle_type>>);
static_assert(std::is_constructible_v<mr::cuda_async_view_memory_resource, rmm_mem_pool_t>);
static_assert(std::is_default_constructible_v<mr::cuda_async_managed_memory_resource>);
static_assert(std::is_constructible_v<mr::pool_memory_resource<mr::cuda_memory_resource>, mr::cuda_memory_resource *, std::size_t>);
static_assert(std::is_constructible_v<mr::pool_memory_resource<mr::cuda_memory_resource>, mr::cuda_memory_resource *, std::size_t, std::size_t>);
static_assert(!std::is_copy_constructible_v<mr::pool_memory_resource<mr::cuda_memory_resource>>);
static_assert(std::is_constructible_v<mr::logging_resource_adaptor<mr::cuda_memory_resource>, mr::cuda_memory_resource *, std::string>);
static_assert(std::is_constructible_v<mr::pool_memory_resource<mr::cuda_async_memory_resource>, rmm::device_async_resource_ref, std::size_t>);
static_assert(std::is_constructible_v<rmm::device_async_resource_ref, mr::managed_memory_resource &>);
static_assert(std::is_constructible_v<rmm::device_buffer, std::size_t, rmm::cuda_stream_view, mr::cuda_memory_resource *>);
static_assert(std::is_constructible_v<rmm::device_uvector<int>, std::size_t, rmm::cuda_stream_view, rmm::device_async_resource_ref>);
static_assert(std::is_constructible_v<rmm::device_scalar<int>, rmm::cuda_stream_view, mr::device_memory_resource *>);
static_assert(std::is_constructible_v<mr::polymorphic_allocator<int>, mr::device_memory_resource *>);
static_assert(std::is_same_v<rmm::mr::device_async_resource_ref, rmm::device_async_resource_ref>);
static_assert(std::is_base_of_v<mr::host_memory_resource, mr::pinned_memory_resource>);
static_assert(std::is_default_constructible_v<mr::pinned_memory_resource>);

START_TEST(user_resource_sees_every_call)
{
  call_log log;
  counting_resource user(log);
  // Directly, through a ref, through an rmm::resource and through the C API.
  void *a = user.allocate(100, fake_stream);
  user.deallocate(a, 100, fake_stream);
  rmm::device_async_resource_ref ref{user};
  void *b = ref.allocate_async(200, fake_stream);
  ref.deallocate_async(b, 200, fake_stream);
  rmm::resource owner = &user;
  void *c = owner.allocate(300);
  owner.deallocate(c, 300);
  void *d = nullptr;
  RMM_CK(rmm_allocate(user.resource_handle(), &d, 400, nullptr));
  RMM_CK(rmm_deallocate(user.resource_handle(), d, 400, nullptr));
  ck_assert_int_eq(log.allocations, 4);
  ck_assert_int_eq(log.deallocations, 4);
  ck_assert_int_eq(log.live_bytes, 0);
  ck_assert_ptr_eq(log.streams[0], fake_stream.value());
  ck_assert_str_eq(owner.name(), "device_memory_resource");
  ck_assert(owner.is_host_accessible() && !owner.is_device_accessible());

  // Under librmm's adaptor and sub-allocator, in containers and allocators.
  {
    mr::statistics_resource_adaptor<counting_resource> stats{&user};
    mr::pool_memory_resource<mr::statistics_resource_adaptor<counting_resource>> pool{&stats, 1 << 16};
    ck_assert_int_eq(log.allocations, 5); // the pool's first chunk
    ck_assert_int_eq(stats.get_bytes_counter().value, 1 << 16);
    {
      rmm::device_buffer buf(100, fake_stream, &user);
      rmm::device_uvector<int> vec(50, fake_stream, rmm::device_async_resource_ref{stats});
      rmm::device_scalar<int> scalar(7, fake_stream, &pool);
      ck_assert_int_eq(scalar.value(fake_stream), 7);
      ck_assert(buf.memory_resource() == rmm::device_async_resource_ref{user});
      ck_assert_int_eq(stats.get_allocations_counter().value, 2);
      rmm::mr::polymorphic_allocator<double> alloc{&user};
      auto adapted = rmm::mr::stream_allocator_adaptor(alloc, fake_stream);
      double *p = adapted.allocate(10);
      adapted.deallocate(p, 10);
    }
    ck_assert_int_eq(stats.get_allocations_counter().value, 1);
    ck_assert_int_eq(stats.get_allocations_counter().total, 2);
  }
  ck_assert_int_eq(log.allocations, log.deallocations);
  ck_assert_int_eq(log.live_bytes, 0);
}
END_TEST

START_TEST(user_exceptions_cross_librmm)
{
  call_log log;
  counting_resource user(log);
  mr::statistics_resource_adaptor<counting_resource> stats{&user};
  user.refuse = true;
  bool caught = false;
  try {
    rmm::device_buffer buf(100, fake_stream, &stats);
  } catch (const user_error &) {
    caught = true;
  }
  ck_assert(caught);
  // A later failure of librmm's own carries librmm's exception, not the stale one.
  user.refuse = false;
  rmm::resource host = rmm::host_resource();
  mr::limiting_resource_adaptor<mr::device_memory_resource> limit{host, 1000};
  caught = false;
  try {
    rmm::device_buffer buf(5000, fake_stream, &limit);
  } catch (const rmm::out_of_memory &e) {
    caught = std::strstr(e.what(), "limit") != nullptr;
  }
  ck_assert(caught);
  ck_assert_int_eq(stats.get_bytes_counter().total, 0);
}
END_TEST

START_TEST(user_equality_and_copies)
{
  call_log log;
  shared_log_resource a(log);
  shared_log_resource b(log);
  call_log other_log;
  shared_log_resource c(other_log);
  ck_assert(a == b);
  ck_assert(a != c);
  ck_assert(rmm::device_async_resource_ref{a} == rmm::device_async_resource_ref{b});
  ck_assert(rmm::device_async_resource_ref{a} != rmm::device_async_resource_ref{c});
  // Memory of a may be freed through b, as do_is_equal promised; a copy calls its own object.
  void *p = a.allocate(64);
  b.deallocate(p, 64);
  shared_log_resource copy = a;
  ck_assert_ptr_ne(copy.resource_handle(), a.resource_handle());
  ck_assert(copy == a);
  void *q = copy.allocate(64);
  copy.deallocate(q, 64);
  ck_assert_int_eq(log.allocations, 2);
  ck_assert_int_eq(log.deallocations, 2);
}
END_TEST

START_TEST(every_class_over_host)
{
  call_log log;
  counting_resource user(log);
  rmm::resource host = rmm::host_resource();
  {
    mr::pool_memory_resource<counting_resource> pool{&user, 1 << 20, 1 << 22};
    mr::pool_memory_resource<counting_resource> pool2{&user, 1 << 16};
    exercise(pool, pool2);
    ck_assert_uint_eq(pool.pool_size(), std::size_t{1} << 20);
    ck_assert_ptr_eq(pool.get_upstream(), &user);
    ck_assert(pool.get_upstream_resource() == rmm::device_async_resource_ref{user});
    ck_assert_str_eq(pool.name(), "pool");

    mr::arena_memory_resource<counting_resource> arena{&user, std::size_t{1} << 20};
    exercise(arena, pool);
    mr::fixed_size_memory_resource<counting_resource> fixed{&user, 4096, 4};
    ck_assert_uint_eq(fixed.get_block_size(), 4096u);
    exercise(fixed, pool);
    mr::binning_memory_resource<counting_resource> bins{&user};
    bins.add_bin(1024);
    bins.add_bin(4096, &fixed);
    exercise(bins, pool);
    mr::binning_memory_resource<counting_resource> ranged{&user, 8, 12};
    exercise(ranged, bins);

    mr::aligned_resource_adaptor<counting_resource> aligned{&user, 4096};
    void *big = aligned.allocate(5000, fake_stream);
    ck_assert(rmm::is_pointer_aligned(big, 4096));
    aligned.deallocate(big, 5000, fake_stream);
    exercise(aligned, pool);
    mr::limiting_resource_adaptor<counting_resource> limit{&user, 8192};
    exercise(limit, pool);
    ck_assert_uint_eq(limit.get_allocation_limit(), 8192u);
    void *held = limit.allocate(2000);
    ck_assert_uint_eq(limit.get_allocated_bytes(), rmm::align_up(2000, 256));
    ck_assert_msg((
                      [&] {
                        try {
                          (void)limit.allocate(8000);
                        } catch (const rmm::out_of_memory &) {
                          return true;
                        }
                        return false;
                      }()),
                  "the limit was not enforced");
    limit.deallocate(held, 2000);

    mr::thread_safe_resource_adaptor<counting_resource> safe{&user};
    exercise(safe, pool);
    mr::prefetch_resource_adaptor<counting_resource> prefetch{host};
    exercise(prefetch, pool);
    mr::tracking_resource_adaptor<counting_resource> tracking{&user};
    void *t = tracking.allocate(777, fake_stream);
    ck_assert_uint_eq(tracking.get_allocated_bytes(), 777u);
    auto outstanding = tracking.get_outstanding_allocations();
    ck_assert_uint_eq(outstanding.size(), 1u);
    ck_assert_uint_eq(outstanding.at(t).allocation_size, 777u);
    ck_assert(outstanding.at(t).stream == fake_stream);
    ck_assert(tracking.get_outstanding_allocations_str().find("777") != std::string::npos);
    tracking.deallocate(t, 777, fake_stream);
    exercise(tracking, pool);

    mr::statistics_resource_adaptor<counting_resource> stats{&user};
    exercise(stats, pool);
    void *s = stats.allocate(1000);
    auto before = stats.push_counters();
    ck_assert_int_eq(before.first.value, 1000);
    ck_assert_int_eq(before.second.value, 1);
    void *s2 = stats.allocate(500);
    auto popped = stats.pop_counters();
    ck_assert_int_eq(popped.first.value, 500);
    ck_assert_int_eq(stats.get_bytes_counter().peak, 1500);
    stats.deallocate(s2, 500);
    stats.deallocate(s, 1000);

    std::string path = temp_path();
    {
      mr::logging_resource_adaptor<counting_resource> logging{&user, path, true};
      exercise(logging, pool);
      logging.flush();
    }
    std::ifstream in(path);
    std::string line;
    int lines = 0;
    std::getline(in, line);
    const std::string header = mr::logging_resource_adaptor<counting_resource>::header();
    ck_assert_str_eq(line.c_str(), header.c_str());
    while (std::getline(in, line))
      ++lines;
    ck_assert_int_eq(lines, 4);
    std::remove(path.c_str());
  }
  ck_assert_int_eq(log.allocations, log.deallocations);
  ck_assert_int_eq(log.live_bytes, 0);
}
END_TEST

START_TEST(callback_classes)
{
  int calls = 0;
  mr::callback_memory_resource cb{
      [](std::size_t bytes, rmm::cuda_stream_view, void *arg) {
        ++*static_cast<int *>(arg);
        return std::aligned_alloc(256, rmm::align_up(bytes, 256));
      },
      [](void *p, std::size_t, rmm::cuda_stream_view, void *arg) {
        ++*static_cast<int *>(arg);
        std::free(p);
      },
      &calls, &calls};
  mr::callback_memory_resource other{[](std::size_t, rmm::cuda_stream_view, void *) -> void * { return nullptr; },
                                     [](void *, std::size_t, rmm::cuda_stream_view, void *) {}};
  exercise(cb, other);
  ck_assert_int_eq(calls, 4);

  // failure_callback: retries while the callback says so, then rethrows.
  rmm::resource host = rmm::host_resource();
  mr::limiting_resource_adaptor<mr::device_memory_resource> limit{host, 4096};
  struct state {
    int calls = 0;
    void *held = nullptr;
    mr::limiting_resource_adaptor<mr::device_memory_resource> *limit = nullptr;
  } st{0, nullptr, &limit};
  st.held = limit.allocate(4096);
  mr::failure_callback_resource_adaptor<mr::limiting_resource_adaptor<mr::device_memory_resource>> retry{
      &limit,
      [](std::size_t, void *arg) {
        auto *s = static_cast<state *>(arg);
        ++s->calls;
        if (s->held == nullptr)
          return false;
        s->limit->deallocate(s->held, 4096); // make room, then retry
        s->held = nullptr;
        return true;
      },
      &st};
  void *p = retry.allocate(2048);
  ck_assert_int_eq(st.calls, 1);
  bool thrown = false;
  try {
    (void)retry.allocate(4096);
  } catch (const rmm::out_of_memory &) {
    thrown = true;
  }
  ck_assert(thrown);
  ck_assert_int_eq(st.calls, 2);
  ck_assert(retry.get_upstream_resource() == rmm::device_async_resource_ref{limit});
  exercise(retry, limit);
  retry.deallocate(p, 2048);
}
END_TEST

START_TEST(classes_keep_upstream_alive)
{
  // An upstream given as a ref to an rmm::resource that is then dropped stays alive: the
  // class's C resource holds its own reference.
  rmm::resource host = rmm::host_resource();
  rmm_resource_t *host_handle = host.get();
  mr::pool_memory_resource<mr::device_memory_resource> pool{host, 1 << 16};
  mr::statistics_resource_adaptor<mr::device_memory_resource> stats{rmm::device_async_resource_ref{host}};
  host = rmm::resource();
  ck_assert_ptr_eq(pool.get_upstream_resource().resource_handle(), host_handle);
  ck_assert_str_eq(rmm_resource_name(stats.get_upstream_resource().resource_handle()), "host");
  void *p = stats.allocate(1 << 18);
  void *q = pool.allocate(1 << 18);
  pool.deallocate(q, 1 << 18);
  stats.deallocate(p, 1 << 18);
  ck_assert_ptr_null(pool.get_upstream());
  // A null upstream pointer is refused, as upstream does.
  bool thrown = false;
  try {
    mr::pool_memory_resource<mr::device_memory_resource> bad{static_cast<mr::device_memory_resource *>(nullptr), 0};
  } catch (const rmm::logic_error &) {
    thrown = true;
  }
  ck_assert(thrown);
  // A librmm class outlives nothing it lends: an rmm::resource made from it keeps its C resource.
  rmm::resource kept;
  {
    mr::pool_memory_resource<mr::device_memory_resource> inner{rmm::host_resource(), 1 << 16};
    kept = &inner;
  }
  void *r = kept.allocate(100);
  kept.deallocate(r, 100);
  ck_assert_str_eq(kept.name(), "pool");
}
END_TEST

START_TEST(host_memory_resources)
{
  mr::new_delete_resource a;
  mr::new_delete_resource b;
  mr::host_memory_resource &base = a;
  void *p = base.allocate(1000, 4096);
  ck_assert(rmm::is_pointer_aligned(p, 4096));
  std::memset(p, 1, 1000);
  b.deallocate(p, 1000, 4096); // all new_delete resources are interchangeable
  void *q = base.allocate(10);
  ck_assert(rmm::is_pointer_aligned(q, alignof(std::max_align_t)));
  base.deallocate(q, 10);
  ck_assert(a == b && a.is_equal(b));
  bool thrown = false;
  try {
    (void)a.allocate(10, 3);
  } catch (const std::invalid_argument &) {
    thrown = true;
  }
  ck_assert(thrown);
}
END_TEST

START_TEST(owning_wrapper_keeps_upstreams)
{
  call_log log;
  std::shared_ptr<mr::device_memory_resource> held;
  {
    auto upstream = std::make_shared<counting_resource>(log);
    auto pool = mr::make_owning_wrapper<mr::pool_memory_resource>(upstream, std::size_t{1} << 16);
    ck_assert_uint_eq(pool->wrapped().pool_size(), std::size_t{1} << 16);
    ck_assert(rmm::device_async_resource_ref{*pool} == rmm::device_async_resource_ref{pool->wrapped()});
    held = pool;
  }
  // The wrapper alone keeps the user upstream alive: its chunk came from it, and goes back.
  void *p = held->allocate(1000, fake_stream);
  held->deallocate(p, 1000, fake_stream);
  ck_assert_int_eq(log.allocations, 1);
  held.reset();
  ck_assert_int_eq(log.deallocations, 1);
  ck_assert_int_eq(log.live_bytes, 0);
}
END_TEST

START_TEST(refs_compare_as_upstream)
{
  rmm::resource host = rmm::host_resource();
  mr::pool_memory_resource<mr::device_memory_resource> a{host, 1 << 16};
  mr::pool_memory_resource<mr::device_memory_resource> b{host, 1 << 16};
  rmm::device_async_resource_ref ra{a};
  rmm::device_async_resource_ref ra2{&a};
  rmm::device_async_resource_ref copy = ra;
  rmm::device_resource_ref sync = ra;
  ck_assert(ra == ra2 && ra == copy && sync == ra);
  ck_assert(ra != rmm::device_async_resource_ref{b});
  // Refs and rmm::resource values of one C resource are interchangeable, both ways.
  rmm::resource owner = ra;
  ck_assert(owner == ra && ra == owner);
  ck_assert(owner != rmm::device_async_resource_ref{b});
  ck_assert(rmm::device_async_resource_ref{host} == rmm::device_async_resource_ref{host});
  // Host resources are all interchangeable (rmm_resource_is_equal), as two of upstream's
  // cuda_memory_resource are.
  rmm::resource host2 = rmm::host_resource();
  ck_assert(rmm::device_async_resource_ref{host} == rmm::device_async_resource_ref{host2});
  bool thrown = false;
  try {
    rmm::device_async_resource_ref bad{static_cast<mr::device_memory_resource *>(nullptr)};
    (void)bad;
  } catch (const rmm::logic_error &) {
    thrown = true;
  }
  ck_assert(thrown);
  void *p = ra.allocate(100);
  ra2.deallocate(p, 100);
  void *q = ra.allocate_sync(100, 256);
  ra.deallocate_sync(q, 100, 256);
}
END_TEST

START_TEST(per_device_functions)
{
  call_log log;
  counting_resource user(log);
  rmm::resource host = rmm::host_resource();
  mr::pool_memory_resource<mr::device_memory_resource> pool{host, 1 << 20};

  mr::device_memory_resource *initial = mr::get_current_device_resource();
  ck_assert_ptr_nonnull(initial);
  ck_assert_ptr_eq(mr::get_current_device_resource(), initial); // one object per C resource
  mr::device_memory_resource *previous = mr::set_current_device_resource(&pool);
  ck_assert_ptr_eq(previous, initial);
  ck_assert_ptr_eq(mr::get_current_device_resource(), &pool);
  ck_assert_ptr_eq(mr::get_per_device_resource(rmm::cuda_device_id{0}), &pool);
  ck_assert(mr::get_current_device_resource_ref() == rmm::device_async_resource_ref{pool});
  {
    rmm::device_buffer buf(1000, fake_stream); // from the current resource: the pool
    ck_assert_uint_ge(pool.stats().bytes_in_use, 1000u);
    rmm::mr::polymorphic_allocator<int> alloc;
    ck_assert(alloc.get_upstream_resource() == rmm::device_async_resource_ref{pool});
  }

  // The ref forms, and a user resource in the table seeing the calls made from C.
  rmm::device_async_resource_ref before = mr::set_current_device_resource_ref(user);
  ck_assert(before == rmm::device_async_resource_ref{pool});
  void *p = nullptr;
  RMM_CK(rmm_allocate(nullptr, &p, 64, nullptr));
  RMM_CK(rmm_deallocate(nullptr, p, 64, nullptr));
  ck_assert_int_eq(log.allocations, 1);
  ck_assert_ptr_eq(mr::get_current_device_resource(), &user);
  rmm::device_async_resource_ref was = mr::set_per_device_resource_ref(rmm::cuda_device_id{0}, pool);
  ck_assert(was == rmm::device_async_resource_ref{user});
  ck_assert_ptr_eq(mr::set_per_device_resource(rmm::cuda_device_id{0}, &user), &pool);

  // Reset restores a default resource equal to the initial one (librmm builds the default
  // afresh; leaf resources of a kind compare equal), and the initial object stays valid.
  rmm::device_async_resource_ref last = mr::reset_current_device_resource_ref();
  ck_assert(last == rmm::device_async_resource_ref{user});
  mr::device_memory_resource *fresh_default = mr::get_current_device_resource();
  ck_assert_str_eq(rmm_resource_name(fresh_default->resource_handle()), rmm_resource_name(initial->resource_handle()));
  ck_assert(mr::get_current_device_resource_ref() == rmm::device_async_resource_ref{*initial});
  ck_assert_ptr_eq(mr::set_current_device_resource(&pool), fresh_default);
  ck_assert_ptr_eq(mr::reset_per_device_resource(rmm::cuda_device_id{0}), &pool);
  mr::device_memory_resource *second_default = mr::set_current_device_resource(rmm::host_resource());
  ck_assert(*second_default == *initial);
  ck_assert_str_eq(rmm_resource_name(mr::get_current_device_resource()->resource_handle()), "host");
  mr::device_memory_resource *host_object = mr::set_current_device_resource(previous);
  ck_assert_str_eq(rmm_resource_name(host_object->resource_handle()), "host");
  ck_assert_ptr_eq(mr::get_current_device_resource(), initial);
}
END_TEST

START_TEST(object_gone_while_in_use)
{
  // A user resource destroyed while librmm still holds its C resource: calls fail cleanly.
  call_log log;
  rmm::resource kept;
  {
    counting_resource user(log);
    kept = &user;
  }
  bool thrown = false;
  try {
    (void)kept.allocate(100);
  } catch (const rmm::logic_error &e) {
    thrown = std::strstr(e.what(), "destroyed") != nullptr;
  }
  ck_assert(thrown);
  ck_assert_int_eq(log.allocations, 0);
}
END_TEST

START_TEST(error_macros_and_helpers)
{
  bool logic = false;
  try {
    RMM_EXPECTS(1 + 1 == 3, "arithmetic holds");
  } catch (const rmm::logic_error &e) {
    logic = std::strstr(e.what(), "RMM failure at:") != nullptr && std::strstr(e.what(), "arithmetic holds") != nullptr &&
            std::strstr(e.what(), "upstream_test.cpp") != nullptr;
  }
  ck_assert(logic);
  bool oom = false;
  try {
    RMM_EXPECTS(false, "no room", rmm::out_of_memory);
  } catch (const rmm::out_of_memory &) {
    oom = true;
  }
  ck_assert(oom);
  RMM_EXPECTS(true, "never thrown");
  bool failed = false;
  try {
    RMM_FAIL("always");
  } catch (const rmm::logic_error &) {
    failed = true;
  }
  ck_assert(failed);
  bool bad = false;
  try {
    RMM_FAIL("always", rmm::bad_alloc);
  } catch (const rmm::bad_alloc &) {
    bad = true;
  }
  ck_assert(bad);

  rapids_logger::level_enum saved = rmm::default_logger().level();
  rmm::default_logger().set_level(rapids_logger::level_enum::trace);
  ck_assert_int_eq(rmm_log_get_level(), RMM_LOG_TRACE);
  ck_assert(rmm::default_logger().should_log(rapids_logger::level_enum::debug));
  rmm::default_logger().set_level(rapids_logger::level_enum::off);
  ck_assert(!rmm::default_logger().should_log(rapids_logger::level_enum::critical));
  rmm::default_logger().flush();
  rmm::default_logger().set_level(saved);

  static_assert(rmm::align_up(300, 256) == 512);
  static_assert(rmm::align_down(300, 256) == 256);
  static_assert(rmm::is_aligned(512, 256) && !rmm::is_aligned(300, 256));
  static_assert(rmm::is_pow2(64) && !rmm::is_pow2(65) && !rmm::is_pow2(0));
  static_assert(rmm::CUDA_ALLOCATION_ALIGNMENT == 256);
  ck_assert(rmm::cuda_device_id{1} == rmm::cuda_device_id{1});
  ck_assert(rmm::cuda_device_id{0} != rmm::cuda_device_id{1});
  ck_assert(rmm::cuda_device_id{0} < rmm::cuda_device_id{1});
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("cpp_upstream");
  TCase *tc = tcase_create("upstream");
  tcase_add_test(tc, user_resource_sees_every_call);
  tcase_add_test(tc, user_exceptions_cross_librmm);
  tcase_add_test(tc, user_equality_and_copies);
  tcase_add_test(tc, every_class_over_host);
  tcase_add_test(tc, callback_classes);
  tcase_add_test(tc, classes_keep_upstream_alive);
  tcase_add_test(tc, host_memory_resources);
  tcase_add_test(tc, owning_wrapper_keeps_upstreams);
  tcase_add_test(tc, refs_compare_as_upstream);
  tcase_add_test(tc, per_device_functions);
  tcase_add_test(tc, object_gone_while_in_use);
  tcase_add_test(tc, error_macros_and_helpers);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return rmm_test_run(suite()); }
