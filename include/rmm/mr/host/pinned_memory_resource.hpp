/**
 * @file rmm/mr/host/pinned_memory_resource.hpp
 * @brief rmm::mr::pinned_memory_resource: pinned host memory as a host_memory_resource
 *        (upstream RMM's class), over librmm's pinned_host resource (rmm_pinned_host_create()).
 *        No CUDA header.
 */
#ifndef RMM_MR_HOST_PINNED_MEMORY_RESOURCE_HPP
#define RMM_MR_HOST_PINNED_MEMORY_RESOURCE_HPP

#include <rmm/mr/host/host_memory_resource.hpp>
#include <rmm/rmm.hpp>

#include <algorithm>

namespace rmm {
namespace mr {

/** @brief Pinned, device-accessible host memory; all such resources are equal. */
class pinned_memory_resource final : public host_memory_resource {
public:
  /** @brief Creates the librmm resource behind it. @throws rmm::cuda_error without a usable device. */
  pinned_memory_resource() : mr_(rmm::pinned_host_resource()) {}

private:
  void *do_allocate(std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT) override
  {
    return mr_.allocate(bytes, std::max(alignment, rmm::CUDA_ALLOCATION_ALIGNMENT), cuda_stream_default);
  }
  void do_deallocate(void *ptr, std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT) override
  {
    mr_.deallocate(ptr, bytes, std::max(alignment, rmm::CUDA_ALLOCATION_ALIGNMENT), cuda_stream_default);
  }
  bool do_is_equal(const host_memory_resource &other) const noexcept override
  {
    return dynamic_cast<const pinned_memory_resource *>(&other) != nullptr;
  }
  rmm::resource mr_;
};

} // namespace mr
} // namespace rmm

#endif
