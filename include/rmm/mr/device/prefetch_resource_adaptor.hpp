/**
 * @file rmm/mr/device/prefetch_resource_adaptor.hpp
 * @brief rmm::mr::prefetch_resource_adaptor: Prefetches managed memory on allocation (rmm_prefetch_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_PREFETCH_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_PREFETCH_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Prefetches each allocation to the current device on its stream (rmm_prefetch_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class prefetch_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  prefetch_resource_adaptor(Upstream *upstream_mr) : base(create(detail::upstream_handle(upstream_mr)), upstream_mr) {}
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   */
  prefetch_resource_adaptor(device_async_resource_ref upstream_mr)
      : base(create(upstream_mr.resource_handle()), nullptr)
  {
  }
  prefetch_resource_adaptor(const prefetch_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  prefetch_resource_adaptor &
  operator=(const prefetch_resource_adaptor &) = delete; ///< One owner per resource, as upstream.

private:
  static rmm_resource_t *create(rmm_resource_t *up)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_prefetch_create(up, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
