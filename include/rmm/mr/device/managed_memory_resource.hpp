/**
 * @file rmm/mr/device/managed_memory_resource.hpp
 * @brief rmm::mr::managed_memory_resource: cudaMallocManaged (rmm_managed_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_MANAGED_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_MANAGED_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Managed memory from cudaMallocManaged (rmm_managed_create()).
 */
class managed_memory_resource final : public detail::librmm_resource {
public:
  /**
   * @brief Creates the resource.
   * @throws rmm::cuda_error, rmm::logic_error or rmm::not_supported_error as the C constructor fails.
   */
  managed_memory_resource() : librmm_resource(make([&](rmm_resource_t **out) { return rmm_managed_create(out); })) {}
};

} // namespace mr
} // namespace rmm

#endif
