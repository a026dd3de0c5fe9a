// Containers from C++: device_buffer, device_uvector and device_scalar with kernels on a
// stream (the C++ examples of RMM's README, written for librmm).
// Build: nvcc -std=c++17 containers.cu $(pkg-config --cflags --libs rmm)
#include <rmm/thrust.hpp>

#include "example_support.hpp"

#include <thrust/uninitialized_fill.h>

#include <cstdint>
#include <cstdio>

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

    // 100 bytes on s from the current device resource, then from a chosen resource.
    rmm::device_buffer b{100, s};
    fill_bytes<<<1, 128, 0, s.value()>>>(static_cast<unsigned char *>(b.data()), b.size());
    rmm::resource mr = rmm::statistics_resource(rmm::cuda_resource());
    rmm::device_buffer b2{100, s, mr};
    std::printf("b2: %zu bytes, %lld bytes in use under the statistics adaptor\n", b2.size(),
                static_cast<long long>(rmm::statistics_get(mr).current_bytes));

    // 100 int32 elements, uninitialised, then set to 0 by Thrust on s.
    rmm::device_uvector<std::int32_t> v(100, s);
    thrust::uninitialized_fill(thrust::cuda::par.on(s.value()), v.begin(), v.end(), std::int32_t{0});
    rmm::device_uvector<std::int32_t> v2{100, s, mr};
    std::printf("v[99] = %d, v2 holds %zu elements\n", v.element(99, s), v2.size());

    // One int32 in device memory, written by a kernel and read back on s.
    rmm::device_scalar<std::int32_t> a{s};
    std::int32_t seven = 7;
    a.set_value_async(seven, s);
    store_answer<<<1, 1, 0, s.value()>>>(a.data());
    std::int32_t answer = a.value(s);
    std::printf("device_scalar: %d\n", answer);
    return answer == 42 && v.element(99, s) == 0 ? 0 : 1;
  });
}
