/**
 * @file rmm/mr/device/pinned_host_memory_resource.hpp
 * @brief rmm::mr::pinned_host_memory_resource: Pinned host memory (rmm_pinned_host_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_PINNED_HOST_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_PINNED_HOST_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Pinned, device-accessible host memory (rmm_pinned_host_create()).
 */
class pinned_host_memory_resource final : public detail::librmm_resource {
public:
  /**
   * @brief Creates the resource.
   * @throws rmm::cuda_error, rmm::logic_error or rmm::not_supported_error as the C constructor fails.
   */
  pinned_host_memory_resource()
      : librmm_resource(make([&](rmm_resource_t **out) { return rmm_pinned_host_create(out); }))
  {
  }
};

} // namespace mr
} // namespace rmm

#endif
