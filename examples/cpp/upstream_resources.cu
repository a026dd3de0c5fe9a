// Resources with upstream RMM's C++ names, unchanged: a pool over cudaMalloc as the current
// device resource, one pool per device, buffers and vectors made on device 0 and destroyed
// with another device current, and an event log that rmm-replay reads.
// Build: nvcc -std=c++17 upstream_resources.cu $(pkg-config --cflags --libs rmm)
// Run:   upstream_resources [LOG.csv]   (then: rmm-replay --simulate 1GiB LOG.csv)
#include <rmm/cuda_device.hpp>
#include <rmm/device_buffer.hpp>
#include <rmm/device_vector.hpp>
#include <rmm/error.hpp>
#include <rmm/mr/device/cuda_memory_resource.hpp>
#include <rmm/mr/device/logging_resource_adaptor.hpp>
#include <rmm/mr/device/per_device_resource.hpp>
#include <rmm/mr/device/pool_memory_resource.hpp>

#include "example_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char **argv)
{
  return example::run([&] {
    // The README's default-resource example (a tenth of free memory rather than half, to
    // leave room for tests that may run alongside).
    rmm::mr::cuda_memory_resource cuda_mr;
    auto initial_size = rmm::percent_of_free_device_memory(10);
    rmm::mr::pool_memory_resource<rmm::mr::cuda_memory_resource> pool_mr{&cuda_mr, initial_size};
    rmm::mr::device_memory_resource *old_mr = rmm::mr::set_current_device_resource(&pool_mr);
    rmm::mr::device_memory_resource *mr = rmm::mr::get_current_device_resource(); // points to pool_mr
    if (mr != &pool_mr || rmm::mr::get_current_device_resource_ref() != rmm::device_async_resource_ref{pool_mr}) {
      std::fprintf(stderr, "the current resource is not the pool just set\n");
      return 1;
    }
    {
      rmm::device_buffer buf(1 << 20, rmm::cuda_stream_default); // from pool_mr
      std::printf("device_buffer of %zu bytes from the current resource, a pool of %zu bytes\n", buf.size(),
                  pool_mr.pool_size());
    }
    rmm::mr::set_current_device_resource(old_mr);

    // One pool per device, each built with its device current and kept alive by the vector.
    using pool_mr_t = rmm::mr::pool_memory_resource<rmm::mr::cuda_memory_resource>;
    int devices = rmm::get_num_cuda_devices();
    std::vector<std::unique_ptr<rmm::mr::cuda_memory_resource>> upstreams;
    std::vector<std::unique_ptr<pool_mr_t>> per_device_pools;
    for (int i = 0; i < devices; ++i) {
      RMM_CUDA_TRY(cudaSetDevice(i));
      upstreams.push_back(std::make_unique<rmm::mr::cuda_memory_resource>());
      per_device_pools.push_back(std::make_unique<pool_mr_t>(upstreams.back().get(), std::size_t{64} << 20));
      rmm::mr::set_per_device_resource(rmm::cuda_device_id{i}, per_device_pools.back().get());
    }
    RMM_CUDA_TRY(cudaSetDevice(0));
    if (rmm::mr::get_per_device_resource(rmm::cuda_device_id{0}) != per_device_pools[0].get()) {
      std::fprintf(stderr, "device 0's resource is not its pool\n");
      return 1;
    }

    // Made with device 0 current, destroyed with the last device current.
    {
      auto mr0 = rmm::mr::cuda_memory_resource{};
      rmm::device_buffer buf(16, rmm::cuda_stream_default, &mr0);
      RMM_CUDA_TRY(cudaSetDevice(devices - 1));
    }
    RMM_CUDA_TRY(cudaSetDevice(0));
    {
      auto mr0 = rmm::mr::cuda_memory_resource{};
      rmm::device_vector<int> vec(16, rmm::mr::thrust_allocator<int>(rmm::cuda_stream_default, &mr0));
      RMM_CUDA_TRY(cudaSetDevice(devices - 1));
    }
    RMM_CUDA_TRY(cudaSetDevice(0));
    for (int i = 0; i < devices; ++i)
      rmm::mr::reset_per_device_resource_ref(rmm::cuda_device_id{i});

    // The event log: RMM's CSV, which rmm-replay replays.
    std::string filename;
    if (argc > 1) {
      filename = argv[1];
    } else {
      char path[] = "/tmp/rmm-upstream-example-XXXXXX";
      int fd = mkstemp(path);
      if (fd < 0)
        return 1;
      close(fd);
      filename = path;
    }
    int events = 0;
    {
      rmm::mr::cuda_memory_resource upstream;
      rmm::mr::logging_resource_adaptor<rmm::mr::cuda_memory_resource> log_mr{&upstream, filename};
      std::vector<rmm::device_buffer> buffers;
      for (std::size_t size = 1000; size < 1000000; size *= 3)
        buffers.emplace_back(size, rmm::cuda_stream_default, &log_mr);
      events = 2 * static_cast<int>(buffers.size());
      buffers.clear();
      log_mr.flush();
    }
    std::ifstream in(filename);
    std::string line;
    std::getline(in, line);
    bool header_ok = line == rmm::mr::logging_resource_adaptor<rmm::mr::cuda_memory_resource>::header();
    int lines = 0;
    while (std::getline(in, line))
      ++lines;
    std::printf("event log: %d events in %s\n", lines, filename.c_str());
    if (argc <= 1)
      std::remove(filename.c_str());
    return header_ok && lines == events ? 0 : 1;
  });
}
