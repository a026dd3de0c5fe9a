/**
 * @file rmm/mr/device/detail/adaptor_base.hpp
 * @brief What librmm's classes with an upstream share: the upstream's C resource taken from a
 *        pointer or a ref, and get_upstream_resource().
 */
#ifndef RMM_MR_DEVICE_DETAIL_ADAPTOR_BASE_HPP
#define RMM_MR_DEVICE_DETAIL_ADAPTOR_BASE_HPP

#include <rmm/resource_ref.hpp>

namespace rmm {
namespace mr {
namespace detail {

/**
 * @brief The C resource of an upstream given by pointer.
 * @tparam Upstream a resource class.
 * @param upstream the pointer.
 * @return its C resource.
 * @throws rmm::logic_error for nullptr, as upstream RMM does.
 */
template <class Upstream> rmm_resource_t *upstream_handle(Upstream *upstream)
{
  if (upstream == nullptr)
    throw rmm::logic_error("Unexpected null upstream resource pointer.");
  return upstream->resource_handle();
}

/**
 * @brief The base of librmm's sub-allocators and adaptors: a family's C resource, which holds
 *        its own reference on the upstream's C resource, and the upstream pointer if one was given.
 * @tparam Upstream the upstream resource class of upstream RMM's template parameter.
 */
template <class Upstream> class upstream_resource_base : public librmm_resource {
public:
  /** @brief The upstream. @return a ref to the upstream's C resource. */
  [[nodiscard]] device_async_resource_ref get_upstream_resource() const noexcept
  {
    return device_async_resource_ref(rmm_resource_upstream(resource_handle()));
  }
  /** @brief The upstream object given by pointer. @return it; nullptr when a ref was given. */
  [[nodiscard]] Upstream *get_upstream() const noexcept { return upstream_; }

protected:
  /**
   * @brief Takes over @p mr, built over @p upstream.
   * @param mr the C resource, with one reference for this object.
   * @param upstream the upstream pointer, or nullptr.
   */
  upstream_resource_base(rmm_resource_t *mr, Upstream *upstream) : librmm_resource(mr), upstream_(upstream) {}

private:
  Upstream *upstream_;
};

} // namespace detail
} // namespace mr
} // namespace rmm

#endif
