// GPU tests of thrust.hpp and of rmm.hpp's containers on a device: Thrust algorithms take
// their temporaries from librmm (a statistics adaptor shows them), rmm::device_vector over a
// sub-allocator, device_uvector and device_scalar round trips. Exits 77 without a GPU.
#define LIBCUDACXX_ENABLE_EXPERIMENTAL_MEMORY_RESOURCE
#include <rmm/thrust.hpp>

#include <thrust/fill.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

#include <cstring>

#include "gpu/gpu_test.h"

namespace {

// A scrambled, deterministic sequence: i * 2654435761 mod 2^32, as int.
struct scramble {
  __host__ __device__ int operator()(int i) const { return static_cast<int>(static_cast<unsigned>(i) * 2654435761u); }
};

__global__ void add_one(long long *value) { *value += 1; }

std::size_t test_elements() { return rmm_test_scaled(std::size_t{1} << 20); }

} // namespace

// thrust::sort and thrust::reduce with rmm::exec_policy(stream, mr): their temporary storage
// passes through the statistics adaptor under mr, and all of it is returned.
START_TEST(sort_and_reduce_take_temporaries_from_librmm)
{
  rmm::cuda_stream stream;
  rmm::resource stats = rmm::statistics_resource(rmm::cuda_resource());
  std::size_t n = test_elements();
  rmm::device_uvector<int> keys(n, stream, stats);
  thrust::transform(rmm::exec_policy(stream, stats), thrust::counting_iterator<int>(0),
                    thrust::counting_iterator<int>(static_cast<int>(n)), keys.begin(), scramble());
  rmm_statistics_t before = rmm::statistics_get(stats);

  thrust::sort(rmm::exec_policy(stream, stats), keys.begin(), keys.end());
  rmm_statistics_t after_sort = rmm::statistics_get(stats);
  ck_assert_msg(after_sort.total_count > before.total_count, "thrust::sort took no temporary storage from librmm");
  ck_assert_int_eq(after_sort.current_bytes, before.current_bytes);
  ck_assert(thrust::is_sorted(rmm::exec_policy(stream, stats), keys.begin(), keys.end()));

  rmm::device_uvector<long long> ones(n, stream, stats);
  thrust::fill(rmm::exec_policy(stream, stats), ones.begin(), ones.end(), 1LL);
  rmm_statistics_t before_reduce = rmm::statistics_get(stats);
  long long sum = thrust::reduce(rmm::exec_policy(stream, stats), ones.begin(), ones.end(), 0LL);
  rmm_statistics_t after_reduce = rmm::statistics_get(stats);
  ck_assert_int_eq(sum, static_cast<long long>(n));
  ck_assert_msg(after_reduce.total_count > before_reduce.total_count,
                "thrust::reduce took no temporary storage from librmm");
  ck_assert_int_eq(after_reduce.current_bytes, before_reduce.current_bytes);

  long long nosync = thrust::reduce(rmm::exec_policy_nosync(stream, stats), ones.begin(), ones.end(), 0LL);
  ck_assert_int_eq(nosync, static_cast<long long>(n));
}
END_TEST

// rmm::device_vector over a sub-allocator on a statistics-wrapped cuda resource: every byte
// comes back to the sub-allocator, which keeps what it took from upstream.
static void check_device_vector(const rmm::resource &sub, const rmm::resource &stats)
{
  rmm::cuda_stream stream;
  {
    rmm::mr::thrust_allocator<int> alloc(stream, sub);
    std::size_t n = test_elements();
    rmm::device_vector<int> vec(n, 0, alloc);
    thrust::sequence(rmm::exec_policy(stream, sub), vec.begin(), vec.end());
    long long sum = thrust::reduce(rmm::exec_policy(stream, sub), vec.begin(), vec.end(), 0LL);
    ck_assert_int_eq(sum, static_cast<long long>(n) * static_cast<long long>(n - 1) / 2);
    vec.resize(2 * n, 5);
    ck_assert_int_eq(vec[2 * n - 1], 5);
    ck_assert_int_eq(vec[n - 1], static_cast<int>(n - 1));
    ck_assert_uint_gt(sub.stats().bytes_in_use, 0);
    ck_assert(vec.get_allocator().get_upstream_resource() == sub);
  }
  ck_assert_uint_eq(sub.stats().bytes_in_use, 0);
  ck_assert_int_gt(rmm::statistics_get(stats).current_bytes, 0);
}

START_TEST(device_vector_over_pool)
{
  rmm::resource stats = rmm::statistics_resource(rmm::cuda_resource());
  rmm::resource pool = rmm::pool_resource(stats, std::size_t{16} << 20);
  check_device_vector(pool, stats);
  ck_assert_uint_ge(rmm::pool_size(pool), std::size_t{16} << 20);
}
END_TEST

START_TEST(device_vector_over_arena)
{
  rmm::resource stats = rmm::statistics_resource(rmm::cuda_resource());
  check_device_vector(rmm::arena_resource(stats, std::size_t{64} << 20), stats);
}
END_TEST

// A stream the caller creates and registers serves the pool until it is unregistered.
START_TEST(registered_stream)
{
  cudaStream_t raw = nullptr;
  CUDA_CK(cudaStreamCreateWithFlags(&raw, cudaStreamNonBlocking));
  rmm::cuda_stream_view stream = raw;
  rmm::register_stream(stream);
  {
    rmm::resource pool = rmm::pool_resource(rmm::cuda_resource(), std::size_t{4} << 20);
    rmm::device_uvector<int> vec(1000, stream, pool);
    thrust::sequence(rmm::exec_policy(stream, pool), vec.begin(), vec.end());
    ck_assert_int_eq(vec.back_element(stream), 999);
  }
  rmm::unregister_stream(stream);
  CUDA_CK(cudaStreamDestroy(raw));
}
END_TEST

START_TEST(device_uvector_round_trip)
{
  rmm::cuda_stream stream;
  rmm::resource mr = rmm::cuda_resource();
  rmm::device_uvector<int> vec(1000, stream, mr);
  thrust::sequence(rmm::exec_policy(stream, mr), vec.begin(), vec.end(), 10);
  ck_assert_int_eq(vec.element(0, stream), 10);
  ck_assert_int_eq(vec.back_element(stream), 1009);
  int value = -3;
  vec.set_element_async(500, value, stream);
  ck_assert_int_eq(vec.element(500, stream), -3);
  vec.set_element_to_zero_async(1, stream);
  ck_assert_int_eq(vec.element(1, stream), 0);
  vec.resize(2000, stream);
  ck_assert_int_eq(vec.element(999, stream), 1009);
  rmm::device_uvector<int> copy(vec, stream);
  ck_assert_int_eq(copy.element(500, stream), -3);
  rmm::device_buffer raw = copy.release();
  ck_assert_uint_eq(raw.size(), 2000 * sizeof(int));
}
END_TEST

START_TEST(device_scalar_round_trip)
{
  rmm::cuda_stream stream;
  rmm::device_scalar<long long> scalar(41, stream, rmm::cuda_resource());
  add_one<<<1, 1, 0, stream.value()>>>(scalar.data());
  CUDA_CK(cudaGetLastError());
  ck_assert_int_eq(scalar.value(stream), 42);
  long long v = 1000;
  scalar.set_value_async(v, stream);
  ck_assert_int_eq(scalar.value(stream), 1000);
  scalar.set_value_to_zero_async(stream);
  ck_assert_int_eq(scalar.value(stream), 0);
}
END_TEST

// rmm::resource is a cuda::mr async resource with device_accessible (experimental in CCCL 3.0).
START_TEST(cuda_mr_resource_ref)
{
  rmm::cuda_stream stream;
  rmm::resource stats = rmm::statistics_resource(rmm::cuda_resource());
  cuda::mr::async_resource_ref<cuda::mr::device_accessible> ref{stats};
  void *p = ref.allocate_async(4096, 256, cuda::stream_ref{stream.value()});
  ck_assert_int_eq(rmm::statistics_get(stats).current_bytes, 4096);
  CUDA_CK(cudaMemsetAsync(p, 0, 4096, stream.value()));
  ref.deallocate_async(p, 4096, 256, cuda::stream_ref{stream.value()});
  ck_assert_int_eq(rmm::statistics_get(stats).current_bytes, 0);
}
END_TEST

// The allocator makes the recorded device current: a vector built on device 0 may be destroyed
// with another device current (checked where there are two devices).
START_TEST(thrust_allocator_records_device)
{
  int count = 0;
  CUDA_CK(cudaGetDeviceCount(&count));
  CUDA_CK(cudaSetDevice(0));
  rmm::resource mr = rmm::cuda_resource();
  {
    rmm::device_vector<int> vec(16, 1, rmm::mr::thrust_allocator<int>(rmm::cuda_stream_default, mr));
    ck_assert_int_eq(vec.get_allocator().device(), 0);
    if (count > 1)
      CUDA_CK(cudaSetDevice(1));
  }
  int device = -1;
  CUDA_CK(cudaGetDevice(&device));
  ck_assert_int_eq(device, count > 1 ? 1 : 0);
  CUDA_CK(cudaSetDevice(0));
}
END_TEST

static Suite *suite(void)
{
  Suite *s = suite_create("cpp_thrust");
  TCase *tc = tcase_create("thrust");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, sort_and_reduce_take_temporaries_from_librmm);
  tcase_add_test(tc, device_vector_over_pool);
  tcase_add_test(tc, device_vector_over_arena);
  tcase_add_test(tc, registered_stream);
  tcase_add_test(tc, device_uvector_round_trip);
  tcase_add_test(tc, device_scalar_round_trip);
  tcase_add_test(tc, cuda_mr_resource_ref);
  tcase_add_test(tc, thrust_allocator_records_device);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return rmm_gpu_test_run(suite()); }
