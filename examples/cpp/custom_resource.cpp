// A resource of your own with upstream RMM's C++ names: a class derived from
// rmm::mr::device_memory_resource that counts what it serves, under a statistics adaptor,
// with a logging adaptor on top whose CSV log rmm-replay reads back. The same source builds
// with g++ alone (no CUDA header): it allocates device memory where a GPU can be used and
// librmm's host memory elsewhere, and prints the peak the statistics adaptor saw.
// Build: c++ -std=c++17 custom_resource.cpp $(pkg-config --cflags --libs rmm)
// Run:   custom_resource [LOG.csv]   (then: rmm-replay --simulate 1GiB LOG.csv)
#include <rmm/device_buffer.hpp>
#include <rmm/device_uvector.hpp>
#include <rmm/mr/device/cuda_memory_resource.hpp>
#include <rmm/mr/device/logging_resource_adaptor.hpp>
#include <rmm/mr/device/per_device_resource.hpp>
#include <rmm/mr/device/statistics_resource_adaptor.hpp>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace {

// Forwards to an upstream and counts the calls it serves.
class counting_resource final : public rmm::mr::device_memory_resource {
public:
  counting_resource(rmm::device_async_resource_ref upstream, unsigned properties)
      : device_memory_resource(properties), upstream_(upstream)
  {
  }
  long allocations = 0;
  long deallocations = 0;

private:
  void *do_allocate(std::size_t bytes, rmm::cuda_stream_view stream) override
  {
    ++allocations;
    return upstream_.allocate_async(bytes, stream);
  }
  void do_deallocate(void *ptr, std::size_t bytes, rmm::cuda_stream_view stream) noexcept override
  {
    ++deallocations;
    upstream_.deallocate_async(ptr, bytes, stream);
  }
  rmm::device_async_resource_ref upstream_;
};

bool have_gpu()
{
  try {
    return rmm::get_num_cuda_devices() > 0;
  } catch (const std::exception &) {
    return false;
  }
}

} // namespace

int main(int argc, char **argv)
{
  try {
    // Device memory where a GPU can be used, else librmm's host resource (an rmm::resource,
    // which a ref takes as readily as an upstream class).
    std::unique_ptr<rmm::mr::cuda_memory_resource> cuda;
    rmm::resource host;
    rmm::device_async_resource_ref upstream = host;
    unsigned properties = RMM_HOST_ACCESSIBLE;
    if (have_gpu()) {
      cuda = std::make_unique<rmm::mr::cuda_memory_resource>();
      upstream = *cuda;
      properties = RMM_DEVICE_ACCESSIBLE;
    } else {
      host = rmm::host_resource();
      upstream = host;
    }

    counting_resource counting{upstream, properties};
    rmm::mr::statistics_resource_adaptor<counting_resource> stats{&counting};
    std::string log_file = argc > 1 ? argv[1] : "/dev/null";
    rmm::mr::logging_resource_adaptor<rmm::mr::statistics_resource_adaptor<counting_resource>> log_mr{&stats, log_file};
    rmm::cuda_stream_view stream = rmm::cuda_stream_default;
    {
      rmm::device_buffer a(1 << 20, stream, &log_mr);
      rmm::device_uvector<float> v(1000, stream, rmm::device_async_resource_ref{log_mr});
      {
        rmm::device_buffer b(3 << 20, stream, &log_mr);
      }
      rmm::device_buffer c(1 << 19, stream, &log_mr);
    }
    // The current device resource may be a user class too.
    rmm::mr::device_memory_resource *previous = rmm::mr::set_current_device_resource(&log_mr);
    {
      rmm::device_buffer d(4096, stream);
    }
    rmm::mr::set_current_device_resource(previous);
    log_mr.flush();

    auto bytes = stats.get_bytes_counter();
    std::printf("memory: %s\n", cuda ? "device (cudaMalloc)" : "host (no usable GPU)");
    std::printf("counting_resource served %ld allocations and %ld frees\n", counting.allocations, counting.deallocations);
    std::printf("peak bytes in use: %lld\n", static_cast<long long>(bytes.peak));
    return counting.allocations == 5 && counting.deallocations == 5 && bytes.value == 0 ? 0 : 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
