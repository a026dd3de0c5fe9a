/**
 * @file rmm/mr/device/binning_memory_resource.hpp
 * @brief rmm::mr::binning_memory_resource: Bins by size (rmm_binning_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_BINNING_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_BINNING_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <cstdint>
#include <optional>

namespace rmm {
namespace mr {

/**
 * @brief Sends each request to the bin of the smallest size that fits, and larger requests to
 *        the upstream (rmm_binning_create(), rmm_binning_create_range(), rmm_binning_add_bin()).
 * @tparam Upstream the upstream resource class.
 */
template <class Upstream> class binning_memory_resource final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /** @brief No bins yet: every request goes upstream until add_bin(). @param upstream_mr the upstream. */
  explicit binning_memory_resource(Upstream *upstream_mr)
      : base(create(detail::upstream_handle(upstream_mr)), upstream_mr)
  {
  }
  /** @brief As the pointer form. @param upstream_mr the upstream. */
  explicit binning_memory_resource(device_async_resource_ref upstream_mr)
      : base(create(upstream_mr.resource_handle()), nullptr)
  {
  }
  /**
   * @brief Fixed-size bins of 2^min_size_exponent ... 2^max_size_exponent bytes over the upstream.
   * @param upstream_mr the upstream. @param min_size_exponent the smallest bin's log2 size.
   * @param max_size_exponent the largest bin's log2 size.
   */
  binning_memory_resource(Upstream *upstream_mr, int8_t min_size_exponent, int8_t max_size_exponent)
      : base(create(detail::upstream_handle(upstream_mr), min_size_exponent, max_size_exponent), upstream_mr)
  {
  }
  /**
   * @brief As the pointer form. @param upstream_mr the upstream.
   * @param min_size_exponent the smallest bin's log2 size. @param max_size_exponent the largest's.
   */
  binning_memory_resource(device_async_resource_ref upstream_mr, int8_t min_size_exponent, int8_t max_size_exponent)
      : base(create(upstream_mr.resource_handle(), min_size_exponent, max_size_exponent), nullptr)
  {
  }
  binning_memory_resource(const binning_memory_resource &) = delete;            ///< One owner.
  binning_memory_resource &operator=(const binning_memory_resource &) = delete; ///< One owner.

  /**
   * @brief Adds a bin for requests up to @p allocation_size bytes.
   * @param allocation_size the largest request the bin takes.
   * @param bin_resource the bin's resource (retained); none makes a fixed_size bin over the upstream.
   */
  void add_bin(std::size_t allocation_size, std::optional<device_async_resource_ref> bin_resource = std::nullopt)
  {
    rmm_resource_t *bin = bin_resource ? bin_resource->resource_handle() : nullptr;
    rmm::detail::check(rmm_binning_add_bin(this->resource_handle(), allocation_size, bin));
  }
  /**
   * @brief As add_bin() with a ref.
   * @param allocation_size the largest request.
   * @param bin_resource the bin; nullptr for a fixed_size bin.
   */
  void add_bin(std::size_t allocation_size, device_memory_resource *bin_resource)
  {
    rmm::detail::check(rmm_binning_add_bin(this->resource_handle(), allocation_size, detail::handle_of(bin_resource)));
  }

private:
  static rmm_resource_t *create(rmm_resource_t *up)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_binning_create(up, out); });
  }
  static rmm_resource_t *create(rmm_resource_t *up, int min_log2, int max_log2)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_binning_create_range(up, min_log2, max_log2, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
