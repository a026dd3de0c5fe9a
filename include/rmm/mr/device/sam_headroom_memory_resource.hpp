/**
 * @file rmm/mr/device/sam_headroom_memory_resource.hpp
 * @brief rmm::mr::sam_headroom_memory_resource: System memory that leaves device headroom (rmm_sam_headroom_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_SAM_HEADROOM_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_SAM_HEADROOM_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief System memory preferring the device up to a headroom (rmm_sam_headroom_create()).
 */
class sam_headroom_memory_resource final : public detail::librmm_resource {
public:
  /**
   * @brief Creates the resource.
   * @param headroom bytes of device memory to leave free.
   * @throws rmm::cuda_error, rmm::logic_error or rmm::not_supported_error as the C constructor fails.
   */
  explicit sam_headroom_memory_resource(std::size_t headroom)
      : librmm_resource(make([&](rmm_resource_t **out) { return rmm_sam_headroom_create(headroom, out); }))
  {
  }
  sam_headroom_memory_resource(const sam_headroom_memory_resource &) = delete; ///< One owner per resource, as upstream.
  sam_headroom_memory_resource &
  operator=(const sam_headroom_memory_resource &) = delete; ///< One owner per resource, as upstream.
};

} // namespace mr
} // namespace rmm

#endif
