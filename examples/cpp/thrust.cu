// Thrust and allocators from C++: rmm::exec_policy for algorithm temporaries, rmm::device_vector,
// and a stream-bound polymorphic_allocator (the C++ examples of RMM's README, for librmm).
// Build: nvcc -std=c++17 thrust.cu $(pkg-config --cflags --libs rmm)
#include <rmm/thrust.hpp>

#include "example_support.hpp"

#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <cstdio>
#include <functional>

int main()
{
  return example::run([] {
    rmm::cuda_stream stream;
    rmm::resource mr = rmm::statistics_resource(rmm::pool_resource(rmm::cuda_resource(), std::size_t{256} << 20));

    // A device_vector whose memory, and a sort whose temporaries, come from mr on stream.
    rmm::device_vector<int> vec(1 << 20, 0, rmm::mr::thrust_allocator<int>(stream, mr));
    thrust::sequence(rmm::exec_policy(stream, mr), vec.begin(), vec.end());
    thrust::sort(rmm::exec_policy(stream, mr), vec.begin(), vec.end(), thrust::greater<int>());
    long long sum = thrust::reduce(rmm::exec_policy(stream, mr), vec.begin(), vec.end(), 0LL);
    rmm_statistics_t stats = rmm::statistics_get(mr);
    std::printf("sum %lld; %lld allocations through librmm, peak %lld bytes\n", sum,
                static_cast<long long>(stats.total_count), static_cast<long long>(stats.peak_bytes));

    // A stream-ordered allocator with its stream bound gives a standard Allocator.
    rmm::mr::polymorphic_allocator<int> stream_alloc(mr);
    auto adapted = rmm::mr::stream_allocator_adaptor(stream_alloc, stream);
    int *p = adapted.allocate(100);
    adapted.deallocate(p, 100);
    long long n = 1 << 20;
    return sum == n * (n - 1) / 2 && stats.total_count > 1 ? 0 : 1;
  });
}
