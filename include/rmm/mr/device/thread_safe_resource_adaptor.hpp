/**
 * @file rmm/mr/device/thread_safe_resource_adaptor.hpp
 * @brief rmm::mr::thread_safe_resource_adaptor: Serialises calls (rmm_thread_safe_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_THREAD_SAFE_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_THREAD_SAFE_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Serialises every call to its upstream with a lock (rmm_thread_safe_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class thread_safe_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  thread_safe_resource_adaptor(Upstream *upstream_mr) : base(create(detail::upstream_handle(upstream_mr)), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   */
  thread_safe_resource_adaptor(device_async_resource_ref upstream_mr)
      : base(create(upstream_mr.resource_handle()), nullptr)
  {
  }
  thread_safe_resource_adaptor(const thread_safe_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  thread_safe_resource_adaptor &
  operator=(const thread_safe_resource_adaptor &) = delete; ///< One owner per resource, as upstream.

private:
  static rmm_resource_t *create(rmm_resource_t *up)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_thread_safe_create(up, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
