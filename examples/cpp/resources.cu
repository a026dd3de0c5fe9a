// Resources from C++: the current device resource, per-device resources across devices, and
// an event log (the C++ examples of RMM's README, written for librmm's rmm::resource values).
// Build: nvcc -std=c++17 resources.cu $(pkg-config --cflags --libs rmm)
#include <rmm/thrust.hpp>

#include "example_support.hpp"

#include <cuda_runtime_api.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main()
{
  return example::run([] {
    // A coalescing best-fit pool over cudaMalloc as the current resource: containers that are
    // given no resource use it. (RMM's README starts it at half the free memory; a tenth here
    // leaves room for the GPU tests that may run alongside.)
    rmm::resource cuda_mr = rmm::cuda_resource();
    std::size_t initial_size = rmm::percent_of_free_device_memory(10);
    rmm::resource pool_mr = rmm::pool_resource(cuda_mr, initial_size);
    rmm::resource previous = rmm::set_current_device_resource(pool_mr);
    rmm::resource mr = rmm::get_current_device_resource();
    if (mr != pool_mr) {
      std::fprintf(stderr, "the current resource is not the one just set\n");
      return 1;
    }
    {
      rmm::device_buffer buf(1 << 20, rmm::cuda_stream_default); // from pool_mr
      std::printf("device_buffer of %zu bytes from the %s resource\n", buf.size(), buf.memory_resource().name());
    }

    // One pool per device, each built with its device current; the table keeps them alive.
    int devices = rmm::get_num_cuda_devices();
    std::vector<rmm::resource> per_device;
    for (int i = 0; i < devices; ++i) {
      cudaSetDevice(i);
      per_device.push_back(rmm::pool_resource(rmm::cuda_resource(), std::size_t{64} << 20));
      rmm::set_per_device_resource(rmm::cuda_device_id{i}, per_device.back());
    }
    cudaSetDevice(0);

    // A buffer or a device_vector made with device 0 current may be destroyed with another
    // device current: each frees its memory on the device it was made on.
    {
      rmm::device_buffer buf(16, rmm::cuda_stream_default, per_device[0]);
      cudaSetDevice(devices - 1);
    }
    cudaSetDevice(0);
    {
      rmm::device_vector<int> vec(16, 1, rmm::mr::thrust_allocator<int>(rmm::cuda_stream_default, per_device[0]));
      cudaSetDevice(devices - 1);
    }
    cudaSetDevice(0);
    for (int i = 0; i < devices; ++i)
      rmm::set_per_device_resource(rmm::cuda_device_id{i}, rmm::resource());

    // An event log of every allocation and free, as CSV.
    char path[] = "/tmp/rmm-example-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
      return 1;
    close(fd);
    {
      rmm::resource log_mr = rmm::logging_resource(cuda_mr, std::string(path));
      void *p = log_mr.allocate(1000);
      log_mr.deallocate(p, 1000);
      rmm::logging_flush(log_mr);
    }
    std::printf("event log written to %s\n", path);
    std::remove(path);
    rmm::set_current_device_resource(previous);
    return 0;
  });
}
