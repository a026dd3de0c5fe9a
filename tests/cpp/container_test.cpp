// CPU tests of rmm.hpp's containers and allocators over host-only resources, where the C
// containers copy with memcpy (fake stream handles are fine there).
#include <rmm/rmm.hpp>

#include <cstring>
#include <list>
#include <map>
#include <numeric>
#include <vector>

#include "common/test.h"

namespace {

const rmm_stream_t fake_stream = reinterpret_cast<rmm_stream_t>(0x1234);
const rmm_stream_t other_stream = reinterpret_cast<rmm_stream_t>(0x5678);

// A host resource under a statistics adaptor, so tests can see what went through librmm.
struct counted_host {
  rmm::resource stats = rmm::statistics_resource(rmm::host_resource());
  std::int64_t current_bytes() const { return rmm::statistics_get(stats).current_bytes; }
  std::int64_t total_count() const { return rmm::statistics_get(stats).total_count; }
};

struct point {
  int x;
  double y;
};

} // namespace

START_TEST(device_buffer_basics)
{
  counted_host mr;
  {
    const char text[] = "librmm from C++";
    rmm::device_buffer buf(text, sizeof text, fake_stream, mr.stats);
    ck_assert_uint_eq(buf.size(), sizeof text);
    ck_assert_str_eq(static_cast<const char *>(buf.data()), text);
    ck_assert(buf.memory_resource() == mr.stats);
    ck_assert_ptr_eq(buf.stream().value(), fake_stream);
    ck_assert_int_ge(mr.current_bytes(), static_cast<std::int64_t>(sizeof text));

    rmm::device_buffer copy(buf, other_stream, mr.stats);
    ck_assert_str_eq(static_cast<const char *>(copy.data()), text);
    ck_assert_ptr_ne(copy.data(), buf.data());

    buf.resize(4, fake_stream);
    ck_assert_uint_eq(buf.size(), 4);
    ck_assert_int_eq(std::memcmp(buf.data(), "libr", 4), 0);
    buf.reserve(1000, fake_stream);
    ck_assert_uint_ge(buf.capacity(), 1000);
    ck_assert_int_eq(std::memcmp(buf.data(), "libr", 4), 0);
    buf.shrink_to_fit(fake_stream);
    ck_assert_uint_eq(buf.capacity(), 4);
    buf.set_stream(other_stream);
    ck_assert_ptr_eq(buf.stream().value(), other_stream);

    rmm::device_buffer moved(std::move(buf));
    ck_assert(buf.is_empty());
    ck_assert_ptr_null(buf.data());
    ck_assert_uint_eq(moved.size(), 4);
    buf = std::move(copy);
    ck_assert_str_eq(static_cast<const char *>(buf.data()), text);
    // a moved-from buffer grows again from the current device resource
    rmm::resource previous = rmm::set_current_device_resource(mr.stats);
    copy.resize(8, fake_stream);
    ck_assert_uint_eq(copy.size(), 8);
    ck_assert(copy.memory_resource() == mr.stats);
    rmm::set_current_device_resource(previous);
  }
  ck_assert_int_eq(mr.current_bytes(), 0);
}
END_TEST

// The buffer holds a reference: its resource outlives every other owner.
START_TEST(device_buffer_keeps_resource)
{
  rmm::device_buffer buf;
  {
    counted_host mr;
    buf = rmm::device_buffer(64, fake_stream, mr.stats);
  }
  ck_assert_str_eq(buf.memory_resource().name(), "statistics");
  ck_assert_int_eq(rmm::statistics_get(buf.memory_resource()).current_bytes, 64);
}
END_TEST

START_TEST(device_buffer_errors)
{
  rmm::resource limited = rmm::limiting_resource(rmm::host_resource(), 100);
  bool caught = false;
  try {
    rmm::device_buffer buf(1000, fake_stream, limited);
  } catch (const rmm::out_of_memory &e) {
    caught = std::strstr(e.what(), "limiting") != nullptr;
  }
  ck_assert(caught);
}
END_TEST

START_TEST(device_uvector_round_trip)
{
  counted_host mr;
  {
    rmm::device_uvector<point> vec(10, fake_stream, mr.stats);
    ck_assert_uint_eq(vec.size(), 10);
    ck_assert(!vec.is_empty());
    ck_assert_int_eq(vec.end() - vec.begin(), 10);
    for (std::size_t i = 0; i < vec.size(); ++i) {
      point p{static_cast<int>(i), i * 0.5};
      vec.set_element_async(i, p, fake_stream);
    }
    ck_assert_int_eq(vec.element(3, fake_stream).x, 3);
    ck_assert(vec.element(3, fake_stream).y == 1.5);
    ck_assert_int_eq(vec.front_element(fake_stream).x, 0);
    ck_assert_int_eq(vec.back_element(fake_stream).x, 9);
    vec.set_element_to_zero_async(9, fake_stream);
    ck_assert_int_eq(vec.back_element(fake_stream).x, 0);
    ck_assert_ptr_eq(vec.element_ptr(2), vec.data() + 2);
    // host memory: the iterators are plain pointers
    int sum = std::accumulate(vec.begin(), vec.end(), 0, [](int acc, const point &p) { return acc + p.x; });
    ck_assert_int_eq(sum, 36);

    vec.resize(20, fake_stream);
    ck_assert_int_eq(vec.element(8, fake_stream).x, 8);
    vec.reserve(100, fake_stream);
    ck_assert_uint_ge(vec.capacity(), 100);
    vec.shrink_to_fit(fake_stream);
    ck_assert_uint_eq(vec.capacity(), 20);

    rmm::device_uvector<point> copy(vec, other_stream, mr.stats);
    ck_assert_int_eq(copy.element(5, other_stream).x, 5);
    ck_assert_ptr_eq(copy.stream().value(), other_stream);
    ck_assert(copy.memory_resource() == mr.stats);

    bool caught = false;
    try {
      (void)vec.element(20, fake_stream);
    } catch (const rmm::logic_error &e) {
      caught = std::strlen(e.what()) > 0;
    }
    ck_assert(caught);

    rmm::device_buffer raw = vec.release();
    ck_assert_uint_eq(raw.size(), 20 * sizeof(point));
    ck_assert_uint_eq(vec.size(), 0);
    rmm::device_uvector<point> moved = std::move(copy);
    ck_assert_uint_eq(moved.size(), 20);
    ck_assert_uint_eq(copy.size(), 0);
  }
  ck_assert_int_eq(mr.current_bytes(), 0);
}
END_TEST

START_TEST(device_scalar_round_trip)
{
  counted_host mr;
  {
    rmm::device_scalar<std::int64_t> a(42, fake_stream, mr.stats);
    ck_assert_int_eq(a.value(fake_stream), 42);
    std::int64_t v = -7;
    a.set_value_async(v, fake_stream);
    ck_assert_int_eq(a.value(fake_stream), -7);
    a.set_value_to_zero_async(fake_stream);
    ck_assert_int_eq(a.value(fake_stream), 0);
    ck_assert_uint_eq(a.size(), 1);
    ck_assert(a.memory_resource() == mr.stats);
    a.set_stream(other_stream);
    ck_assert_ptr_eq(a.stream().value(), other_stream);
    rmm::device_scalar<std::int64_t> b(fake_stream, mr.stats);
    b = std::move(a);
    ck_assert_int_eq(b.value(fake_stream), 0);
    ck_assert_ptr_null(a.data());
  }
  ck_assert_int_eq(mr.current_bytes(), 0);
}
END_TEST

START_TEST(polymorphic_allocator_over_host)
{
  counted_host mr;
  rmm::mr::polymorphic_allocator<double> alloc(mr.stats);
  double *p = alloc.allocate(100, fake_stream);
  ck_assert_int_eq(mr.current_bytes(), static_cast<std::int64_t>(100 * sizeof(double)));
  p[99] = 1.0;
  alloc.deallocate(p, 100, fake_stream);
  ck_assert_int_eq(mr.current_bytes(), 0);

  rmm::mr::polymorphic_allocator<int> rebound(alloc);
  ck_assert(rebound == alloc);
  ck_assert(rebound.get_upstream_resource() == mr.stats);
  rmm::mr::polymorphic_allocator<int> other(rmm::host_resource());
  ck_assert(rebound != other);
  bool caught = false;
  try {
    (void)alloc.allocate(std::numeric_limits<std::size_t>::max() / 4, fake_stream);
  } catch (const std::bad_array_new_length &) {
    caught = true;
  }
  ck_assert(caught);

  // the default takes the current device resource
  rmm::resource previous = rmm::set_current_device_resource(mr.stats);
  rmm::mr::polymorphic_allocator<char> current;
  ck_assert(current.get_upstream_resource() == mr.stats);
  rmm::set_current_device_resource(previous);
}
END_TEST

START_TEST(stream_allocator_adaptor_in_std_containers)
{
  counted_host mr;
  {
    rmm::mr::polymorphic_allocator<int> stream_alloc(mr.stats);
    auto adapted = rmm::mr::stream_allocator_adaptor(stream_alloc, fake_stream);
    static_assert(std::is_same_v<decltype(adapted),
                                 rmm::mr::stream_allocator_adaptor<rmm::mr::polymorphic_allocator<int>>>);
    ck_assert_ptr_eq(adapted.stream().value(), fake_stream);
    int *p = adapted.allocate(25);
    ck_assert_int_eq(mr.current_bytes(), 100);
    adapted.deallocate(p, 25);

    std::vector<int, decltype(adapted)> v(adapted);
    for (int i = 0; i < 1000; ++i)
      v.push_back(i);
    ck_assert_int_eq(std::accumulate(v.begin(), v.end(), 0), 499500);
    ck_assert_int_ge(mr.current_bytes(), static_cast<std::int64_t>(1000 * sizeof(int)));
    ck_assert_int_gt(mr.total_count(), 2);

    // node containers rebind the allocator
    using pair_alloc = rmm::mr::stream_allocator_adaptor<rmm::mr::polymorphic_allocator<std::pair<const int, int>>>;
    std::map<int, int, std::less<int>, pair_alloc> m{pair_alloc(adapted)};
    std::list<int, decltype(adapted)> l(adapted);
    for (int i = 0; i < 50; ++i) {
      m[i] = i * i;
      l.push_back(i);
    }
    ck_assert_int_eq(m[7], 49);
    ck_assert_uint_eq(l.size(), 50);

    auto made = rmm::mr::make_stream_allocator_adaptor(stream_alloc, other_stream);
    ck_assert(made == adapted);
    ck_assert_ptr_eq(made.stream().value(), other_stream);
  }
  ck_assert_int_eq(mr.current_bytes(), 0);
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("cpp_container");
  TCase *tc = tcase_create("container");
  tcase_add_test(tc, device_buffer_basics);
  tcase_add_test(tc, device_buffer_keeps_resource);
  tcase_add_test(tc, device_buffer_errors);
  tcase_add_test(tc, device_uvector_round_trip);
  tcase_add_test(tc, device_scalar_round_trip);
  tcase_add_test(tc, polymorphic_allocator_over_host);
  tcase_add_test(tc, stream_allocator_adaptor_in_std_containers);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return rmm_test_run(suite()); }
