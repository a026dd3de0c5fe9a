/**
 * @file rmm/mr/device/cuda_async_managed_memory_resource.hpp
 * @brief rmm::mr::cuda_async_managed_memory_resource: Stream-ordered managed memory (rmm_cuda_async_managed_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_CUDA_ASYNC_MANAGED_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_CUDA_ASYNC_MANAGED_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Managed memory from the device's default managed memory pool, stream-ordered
 *        (rmm_cuda_async_managed_create()).
 */
class cuda_async_managed_memory_resource final : public detail::librmm_resource {
public:
  /** @brief Creates the resource. @throws rmm::not_supported_error without managed pools. */
  cuda_async_managed_memory_resource()
      : librmm_resource(make([](rmm_resource_t **out) { return rmm_cuda_async_managed_create(out); }))
  {
  }
  /** @brief The CUDA memory pool (a cudaMemPool_t). @return the handle. */
  [[nodiscard]] rmm_mem_pool_t pool_handle() const
  {
    rmm_mem_pool_t pool = nullptr;
    rmm::detail::check(rmm_cuda_async_pool_handle(resource_handle(), &pool));
    return pool;
  }
};

} // namespace mr
} // namespace rmm

#endif
