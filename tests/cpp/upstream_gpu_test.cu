// GPU tests of upstream RMM's C++ names: the leaf classes that need a device (built, memory
// written and read back on a stream, freed, compared), the sub-allocators and adaptors over
// cuda_memory_resource, containers given a class by pointer, the per-device functions on a
// device, and RMM_CUDA_TRY / RMM_CUDA_TRY_ALLOC over real CUDA failures. Exits 77 without a
// GPU. Classes the device or driver may lack (cuda_async pools, system memory) are skipped
// when their constructor says rmm::not_supported_error.
#include <rmm/cuda_device.hpp>
#include <rmm/cuda_stream.hpp>
#include <rmm/device_buffer.hpp>
#include <rmm/device_uvector.hpp>
#include <rmm/error.hpp>
#include <rmm/mr/device/arena_memory_resource.hpp>
#include <rmm/mr/device/cuda_async_managed_memory_resource.hpp>
#include <rmm/mr/device/cuda_async_memory_resource.hpp>
#include <rmm/mr/device/cuda_async_view_memory_resource.hpp>
#include <rmm/mr/device/cuda_memory_resource.hpp>
#include <rmm/mr/device/managed_memory_resource.hpp>
#include <rmm/mr/device/per_device_resource.hpp>
#include <rmm/mr/device/pinned_host_memory_resource.hpp>
#include <rmm/mr/device/pool_memory_resource.hpp>
#include <rmm/mr/device/prefetch_resource_adaptor.hpp>
#include <rmm/mr/device/sam_headroom_memory_resource.hpp>
#include <rmm/mr/device/statistics_resource_adaptor.hpp>
#include <rmm/mr/device/system_memory_resource.hpp>
#include <rmm/mr/host/pinned_memory_resource.hpp>

#include <cstring>
#include <memory>

#include "gpu/gpu_test.h"

namespace mr = rmm::mr;

namespace {

// Allocates on a stream, writes and reads the memory back, frees; the class equals itself.
void exercise(mr::device_memory_resource &res, rmm::cuda_stream_view stream)
{
  std::size_t bytes = std::size_t{1} << 20;
  void *p = res.allocate(bytes, stream);
  ck_assert_ptr_nonnull(p);
  ck_assert(rmm::is_pointer_aligned(p));
  rmm_gpu_check_memory(p, bytes, 0x3c, stream.value());
  res.deallocate(p, bytes, stream);
  ck_assert(res == res);
  ck_assert(rmm::device_async_resource_ref{res} == rmm::device_async_resource_ref{&res});
}

// Builds a class whose constructor may report that the device lacks it; nullptr then.
template <class R, class... Args> std::unique_ptr<R> maybe(Args &&...args)
{
  try {
    return std::make_unique<R>(std::forward<Args>(args)...);
  } catch (const rmm::not_supported_error &e) {
    std::printf("skipped: %s\n", e.what());
    return nullptr;
  }
}

} // namespace

START_TEST(leaf_classes_on_the_device)
{
  rmm::cuda_stream stream;
  mr::cuda_memory_resource cuda;
  exercise(cuda, stream);
  mr::cuda_memory_resource cuda2;
  ck_assert(cuda == cuda2); // two cudaMalloc resources are interchangeable, as upstream's
  mr::managed_memory_resource managed;
  exercise(managed, stream);
  mr::pinned_host_memory_resource pinned;
  exercise(pinned, stream);
  mr::pinned_memory_resource pinned_host; // the host_memory_resource form
  void *h = pinned_host.allocate(4096, 64);
  rmm_gpu_check_memory(h, 4096, 0x11, stream.value());
  pinned_host.deallocate(h, 4096, 64);
  ck_assert(cuda != managed);

  if (auto async = maybe<mr::cuda_async_memory_resource>(std::size_t{1} << 20, std::size_t{1} << 30)) {
    exercise(*async, stream);
    ck_assert_ptr_nonnull(async->pool_handle());
    mr::cuda_async_view_memory_resource view{async->pool_handle()};
    exercise(view, stream);
    mr::cuda_async_view_memory_resource view2{async->pool_handle()};
    void *p = view.allocate(4096, stream);
    view2.deallocate(p, 4096, stream); // views of one pool are interchangeable
    ck_assert(view == view2);
  }
  if (auto async_managed = maybe<mr::cuda_async_managed_memory_resource>())
    exercise(*async_managed, stream);
  if (auto system = maybe<mr::system_memory_resource>())
    exercise(*system, stream);
  if (auto headroom = maybe<mr::sam_headroom_memory_resource>(std::size_t{1} << 30))
    exercise(*headroom, stream);
}
END_TEST

START_TEST(templates_over_cuda)
{
  rmm::cuda_stream stream;
  mr::cuda_memory_resource cuda;
  mr::pool_memory_resource<mr::cuda_memory_resource> pool{&cuda, std::size_t{64} << 20};
  exercise(pool, stream);
  mr::arena_memory_resource<mr::cuda_memory_resource> arena{&cuda, std::size_t{64} << 20};
  exercise(arena, stream);
  ck_assert(pool != arena);
  mr::managed_memory_resource managed;
  mr::prefetch_resource_adaptor<mr::managed_memory_resource> prefetch{&managed};
  exercise(prefetch, stream);
  mr::statistics_resource_adaptor<mr::pool_memory_resource<mr::cuda_memory_resource>> stats{&pool};
  {
    rmm::device_buffer buf(1000, stream, &stats);
    rmm::device_uvector<int> vec(1000, stream, rmm::device_async_resource_ref{stats});
    vec.set_element_to_zero_async(999, stream);
    ck_assert_int_eq(vec.element(999, stream), 0);
    ck_assert_int_eq(stats.get_allocations_counter().value, 2);
  }
  ck_assert_int_eq(stats.get_bytes_counter().value, 0);
}
END_TEST

START_TEST(per_device_functions_on_the_device)
{
  mr::cuda_memory_resource cuda;
  mr::pool_memory_resource<mr::cuda_memory_resource> pool{&cuda, std::size_t{16} << 20};
  mr::device_memory_resource *old = mr::set_current_device_resource(&pool);
  ck_assert_ptr_eq(mr::get_current_device_resource(), &pool);
  ck_assert_ptr_eq(mr::get_per_device_resource(rmm::get_current_cuda_device()), &pool);
  {
    rmm::device_buffer buf(4096, rmm::cuda_stream_default);
    ck_assert(buf.memory_resource() == rmm::device_async_resource_ref{pool});
  }
  mr::set_current_device_resource(old);
  ck_assert_ptr_eq(mr::get_current_device_resource(), old);
  {
    rmm::cuda_set_device_raii guard{rmm::cuda_device_id{0}};
    ck_assert(rmm::get_current_cuda_device() == rmm::cuda_device_id{0});
  }
}
END_TEST

START_TEST(cuda_try_macros)
{
  bool thrown = false;
  try {
    RMM_CUDA_TRY(cudaSetDevice(-1));
  } catch (const rmm::cuda_error &e) {
    thrown = std::strstr(e.what(), "CUDA error at:") != nullptr && e.code() == cudaErrorInvalidDevice;
  }
  ck_assert(thrown);
  ck_assert_int_eq(cudaGetLastError(), cudaSuccess); // cleared by the macro
  thrown = false;
  void *p = nullptr;
  try {
    RMM_CUDA_TRY_ALLOC(cudaMalloc(&p, std::size_t{1} << 60), std::size_t{1} << 60);
  } catch (const rmm::out_of_memory &) {
    thrown = true;
  }
  ck_assert(thrown);
  RMM_CUDA_TRY(cudaSetDevice(0));
  RMM_ASSERT_CUDA_SUCCESS(cudaDeviceSynchronize());
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("cpp_upstream_gpu");
  TCase *tc = tcase_create("upstream_gpu");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, leaf_classes_on_the_device);
  tcase_add_test(tc, templates_over_cuda);
  tcase_add_test(tc, per_device_functions_on_the_device);
  tcase_add_test(tc, cuda_try_macros);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return rmm_gpu_test_run(suite()); }
