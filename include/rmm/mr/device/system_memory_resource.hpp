/**
 * @file rmm/mr/device/system_memory_resource.hpp
 * @brief rmm::mr::system_memory_resource: The system allocator for HMM/ATS devices (rmm_system_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_SYSTEM_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_SYSTEM_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief System allocator memory, for devices with HMM or ATS (rmm_system_create()).
 */
class system_memory_resource final : public detail::librmm_resource {
public:
  /**
   * @brief Creates the resource.
   * @throws rmm::cuda_error, rmm::logic_error or rmm::not_supported_error as the C constructor fails.
   */
  system_memory_resource() : librmm_resource(make([&](rmm_resource_t **out) { return rmm_system_create(out); })) {}
};

} // namespace mr
} // namespace rmm

#endif
