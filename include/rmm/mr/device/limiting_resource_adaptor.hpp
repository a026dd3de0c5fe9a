/**
 * @file rmm/mr/device/limiting_resource_adaptor.hpp
 * @brief rmm::mr::limiting_resource_adaptor: Refuses to hand out more than a limit (rmm_limiting_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_LIMITING_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_LIMITING_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Fails allocations beyond a byte limit with rmm::out_of_memory (rmm_limiting_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class limiting_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param allocation_limit bytes.
   * @param alignment the granularity sizes are counted at.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  limiting_resource_adaptor(Upstream *upstream_mr, std::size_t allocation_limit,
                            std::size_t alignment = rmm::CUDA_ALLOCATION_ALIGNMENT)
      : base(create(detail::upstream_handle(upstream_mr), allocation_limit, alignment), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param allocation_limit bytes.
   * @param alignment the granularity sizes are counted at.
   */
  limiting_resource_adaptor(device_async_resource_ref upstream_mr, std::size_t allocation_limit,
                            std::size_t alignment = rmm::CUDA_ALLOCATION_ALIGNMENT)
      : base(create(upstream_mr.resource_handle(), allocation_limit, alignment), nullptr)
  {
  }
  limiting_resource_adaptor(const limiting_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  limiting_resource_adaptor &
  operator=(const limiting_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  /** @brief Bytes handed out (rmm_limiting_allocated()). @return bytes. */
  [[nodiscard]] std::size_t get_allocated_bytes() const
  {
    std::size_t bytes = 0;
    rmm::detail::check(rmm_limiting_allocated(this->resource_handle(), &bytes));
    return bytes;
  }
  /** @brief The limit (rmm_limiting_limit()). @return bytes. */
  [[nodiscard]] std::size_t get_allocation_limit() const
  {
    std::size_t bytes = 0;
    rmm::detail::check(rmm_limiting_limit(this->resource_handle(), &bytes));
    return bytes;
  }

private:
  static rmm_resource_t *create(rmm_resource_t *up, std::size_t allocation_limit, std::size_t alignment)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_limiting_create(up, allocation_limit, alignment, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
