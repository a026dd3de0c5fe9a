/**
 * @file rmm/mr/device/fixed_size_memory_resource.hpp
 * @brief rmm::mr::fixed_size_memory_resource: Blocks of one size (rmm_fixed_size_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_FIXED_SIZE_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_FIXED_SIZE_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Hands out blocks of one size from per-stream free lists (rmm_fixed_size_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class fixed_size_memory_resource final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param block_size bytes per block (1 MiB by default).
   * @param blocks_to_preallocate blocks taken at construction and at each growth (128).
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  fixed_size_memory_resource(Upstream *upstream_mr, std::size_t block_size = default_block_size,
                             std::size_t blocks_to_preallocate = default_blocks_to_preallocate)
      : base(create(detail::upstream_handle(upstream_mr), block_size, blocks_to_preallocate), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param block_size bytes per block (1 MiB by default).
   * @param blocks_to_preallocate blocks taken at construction and at each growth (128).
   */
  fixed_size_memory_resource(device_async_resource_ref upstream_mr, std::size_t block_size = default_block_size,
                             std::size_t blocks_to_preallocate = default_blocks_to_preallocate)
      : base(create(upstream_mr.resource_handle(), block_size, blocks_to_preallocate), nullptr)
  {
  }
  fixed_size_memory_resource(const fixed_size_memory_resource &) = delete; ///< One owner per resource, as upstream.
  fixed_size_memory_resource &
  operator=(const fixed_size_memory_resource &) = delete;                 ///< One owner per resource, as upstream.
  static constexpr std::size_t default_block_size = std::size_t{1} << 20; ///< 1 MiB.
  static constexpr std::size_t default_blocks_to_preallocate = 128;       ///< Blocks per growth.
  /** @brief The size of every block (rmm_fixed_size_block_size()). @return bytes. */
  [[nodiscard]] std::size_t get_block_size() const
  {
    std::size_t bytes = 0;
    rmm::detail::check(rmm_fixed_size_block_size(this->resource_handle(), &bytes));
    return bytes;
  }

private:
  static rmm_resource_t *create(rmm_resource_t *up, std::size_t block_size, std::size_t blocks_to_preallocate)
  {
    return base::make(
        [&](rmm_resource_t **out) { return rmm_fixed_size_create(up, block_size, blocks_to_preallocate, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
