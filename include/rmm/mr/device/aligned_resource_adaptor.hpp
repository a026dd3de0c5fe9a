/**
 * @file rmm/mr/device/aligned_resource_adaptor.hpp
 * @brief rmm::mr::aligned_resource_adaptor: Aligns requests beyond 256 bytes (rmm_aligned_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_ALIGNED_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_ALIGNED_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>

namespace rmm {
namespace mr {

/**
 * @brief Aligns requests to more than 256 bytes (rmm_aligned_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class aligned_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param alignment a power of two.
   * @param alignment_threshold requests of at least this many bytes are aligned; 0 aligns all.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  aligned_resource_adaptor(Upstream *upstream_mr, std::size_t alignment = rmm::CUDA_ALLOCATION_ALIGNMENT,
                           std::size_t alignment_threshold = default_alignment_threshold)
      : base(create(detail::upstream_handle(upstream_mr), alignment, alignment_threshold), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param alignment a power of two.
   * @param alignment_threshold requests of at least this many bytes are aligned; 0 aligns all.
   */
  aligned_resource_adaptor(device_async_resource_ref upstream_mr,
                           std::size_t alignment = rmm::CUDA_ALLOCATION_ALIGNMENT,
                           std::size_t alignment_threshold = default_alignment_threshold)
      : base(create(upstream_mr.resource_handle(), alignment, alignment_threshold), nullptr)
  {
  }
  aligned_resource_adaptor(const aligned_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  aligned_resource_adaptor &
  operator=(const aligned_resource_adaptor &) = delete;         ///< One owner per resource, as upstream.
  static constexpr std::size_t default_alignment_threshold = 0; ///< Align every request.

private:
  static rmm_resource_t *create(rmm_resource_t *up, std::size_t alignment, std::size_t alignment_threshold)
  {
    return base::make(
        [&](rmm_resource_t **out) { return rmm_aligned_create(up, alignment, alignment_threshold, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
