/**
 * @file rmm/mr/device/cuda_async_view_memory_resource.hpp
 * @brief rmm::mr::cuda_async_view_memory_resource: CUDA's stream-ordered allocator over a caller's pool (rmm_cuda_async_view_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_CUDA_ASYNC_VIEW_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_CUDA_ASYNC_VIEW_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Device memory from a CUDA memory pool the caller owns and keeps alive
 *        (rmm_cuda_async_view_create()).
 */
class cuda_async_view_memory_resource final : public detail::librmm_resource {
public:
  /**
   * @brief Allocates from @p pool.
   * @param pool a cudaMemPool_t; the resource never destroys it.
   * @throws rmm::logic_error for a null pool; rmm::cuda_error.
   */
  explicit cuda_async_view_memory_resource(rmm_mem_pool_t pool)
      : librmm_resource(make([&](rmm_resource_t **out) { return rmm_cuda_async_view_create(pool, out); }))
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
