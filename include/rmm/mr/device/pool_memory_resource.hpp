/**
 * @file rmm/mr/device/pool_memory_resource.hpp
 * @brief rmm::mr::pool_memory_resource: A coalescing best-fit pool (rmm_pool_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_POOL_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_POOL_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <optional>

namespace rmm {
namespace mr {

/**
 * @brief A coalescing, best-fit pool that grows from its upstream (rmm_pool_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class pool_memory_resource final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param initial_pool_size bytes taken at construction.
   * @param maximum_pool_size the most bytes the pool holds; no limit by default.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  pool_memory_resource(Upstream *upstream_mr, std::size_t initial_pool_size,
                       std::optional<std::size_t> maximum_pool_size = std::nullopt)
      : base(create(detail::upstream_handle(upstream_mr), initial_pool_size, maximum_pool_size), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param initial_pool_size bytes taken at construction.
   * @param maximum_pool_size the most bytes the pool holds; no limit by default.
   */
  pool_memory_resource(device_async_resource_ref upstream_mr, std::size_t initial_pool_size,
                       std::optional<std::size_t> maximum_pool_size = std::nullopt)
      : base(create(upstream_mr.resource_handle(), initial_pool_size, maximum_pool_size), nullptr)
  {
  }
  pool_memory_resource(const pool_memory_resource &) = delete;            ///< One owner per resource, as upstream.
  pool_memory_resource &operator=(const pool_memory_resource &) = delete; ///< One owner per resource, as upstream.
  /** @brief The bytes the pool holds from its upstream (rmm_pool_size()). @return the size. */
  [[nodiscard]] std::size_t pool_size() const
  {
    std::size_t bytes = 0;
    rmm::detail::check(rmm_pool_size(this->resource_handle(), &bytes));
    return bytes;
  }

private:
  static rmm_resource_t *create(rmm_resource_t *up, std::size_t initial_pool_size,
                                std::optional<std::size_t> maximum_pool_size)
  {
    return base::make([&](rmm_resource_t **out) {
      return rmm_pool_create(up, initial_pool_size, maximum_pool_size.value_or(0), out);
    });
  }
};

} // namespace mr
} // namespace rmm

#endif
