/**
 * @file rmm/mr/device/cuda_memory_resource.hpp
 * @brief rmm::mr::cuda_memory_resource: cudaMalloc and cudaFree (rmm_cuda_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_CUDA_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_CUDA_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Device memory from cudaMalloc, freed with cudaFree (rmm_cuda_create()). Copies share the C resource; all compare equal.
 */
class cuda_memory_resource final : public detail::librmm_resource {
public:
  /**
   * @brief Creates the resource.
   * @throws rmm::cuda_error, rmm::logic_error or rmm::not_supported_error as the C constructor fails.
   */
  cuda_memory_resource() : librmm_resource(make([&](rmm_resource_t **out) { return rmm_cuda_create(out); })) {}
};

} // namespace mr
} // namespace rmm

#endif
