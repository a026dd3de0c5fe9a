// Containers, allocators and Thrust with upstream RMM's C++ names, unchanged: device_buffer,
// device_uvector filled by Thrust, device_scalar, a resource given by pointer, exec_policy,
// thrust_allocator and a stream_allocator_adaptor on an rmm::cuda_stream.
// Build: nvcc -std=c++17 upstream_containers.cu $(pkg-config --cflags --libs rmm)
#include <rmm/cuda_stream.hpp>
#include <rmm/device_buffer.hpp>
#include <rmm/device_scalar.hpp>
#include <rmm/device_uvector.hpp>
#include <rmm/device_vector.hpp>
#include <rmm/error.hpp>
#include <rmm/exec_policy.hpp>
#include <rmm/mr/device/cuda_memory_resource.hpp>
#include <rmm/mr/device/polymorphic_allocator.hpp>
#include <rmm/mr/device/statistics_resource_adaptor.hpp>

#include "example_support.hpp"

#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/uninitialized_fill.h>

#include <cstdint>
#include <cstdio>
#include <functional>

__global__ void fill_bytes(unsigned char *data, std::size_t n)
{
  for (std::size_t i = threadIdx.x; i < n; i += blockDim.x)
    data[i] = static_cast<unsigned char>(i);
}

__global__ void store_answer(std::int32_t *value) { *value = 42; }

int main()
{
  return example::run([] {
    rmm::cuda_stream stream;
    rmm::cuda_stream_view s = stream;
    rmm::mr::cuda_memory_resource cuda_mr;
    rmm::mr::statistics_resource_adaptor<rmm::mr::cuda_memory_resource> stats_mr{&cuda_mr};
    rmm::mr::device_memory_resource *mr = &stats_mr;

    // device_buffer: from the current resource, then from mr.
    rmm::device_buffer b{100, s};
    fill_bytes<<<1, 128, 0, s.value()>>>(static_cast<unsigned char *>(b.data()), b.size());
    RMM_CUDA_TRY(cudaGetLastError());
    rmm::device_buffer b2{100, s, mr};

    // device_uvector: uninitialised, then zeroed by Thrust on s; another from mr.
    rmm::device_uvector<std::int32_t> v(100, s);
    thrust::uninitialized_fill(thrust::cuda::par.on(s.value()), v.begin(), v.end(), std::int32_t{0});
    rmm::device_uvector<std::int32_t> v2{100, s, mr};

    // device_scalar: written by a kernel, read back on s.
    rmm::device_scalar<std::int32_t> a{s};
    store_answer<<<1, 1, 0, s.value()>>>(a.data());
    RMM_CUDA_TRY(cudaGetLastError());
    std::int32_t answer = a.value(s);

    // Thrust: a vector whose memory, and algorithms whose temporaries, come from mr on s.
    rmm::device_vector<int> vec(1 << 20, 0, rmm::mr::thrust_allocator<int>(s, mr));
    thrust::sequence(rmm::exec_policy(s, mr), vec.begin(), vec.end());
    thrust::sort(rmm::exec_policy(s, mr), vec.begin(), vec.end(), thrust::greater<int>());
    long long sum = thrust::reduce(rmm::exec_policy(s, rmm::mr::get_current_device_resource_ref()), vec.begin(),
                                   vec.end(), 0LL);

    // A stream-ordered allocator bound to a stream gives a standard Allocator.
    rmm::mr::polymorphic_allocator<int> stream_alloc;
    auto adapted = rmm::mr::stream_allocator_adaptor(stream_alloc, stream);
    int *p = adapted.allocate(100);
    adapted.deallocate(p, 100);
    stream.synchronize();

    auto allocations = stats_mr.get_allocations_counter();
    std::printf("device_scalar %d, v[99] %d, sum %lld; %lld allocations through mr, peak %lld bytes\n", answer,
                v.element(99, s), sum, static_cast<long long>(allocations.total),
                static_cast<long long>(stats_mr.get_bytes_counter().peak));
    long long n = 1 << 20;
    return answer == 42 && v.element(99, s) == 0 && sum == n * (n - 1) / 2 && allocations.total >= 4 ? 0 : 1;
  });
}
