/**
 * @file rmm/mr/device/tracking_resource_adaptor.hpp
 * @brief rmm::mr::tracking_resource_adaptor: Tracks outstanding allocations (rmm_tracking_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_TRACKING_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_TRACKING_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <cstdio>
#include <map>
#include <string>

namespace rmm {
namespace mr {

/**
 * @brief Records every outstanding allocation, optionally with its call stack (rmm_tracking_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class tracking_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param capture_stacks record the allocating call stack of each allocation.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  tracking_resource_adaptor(Upstream *upstream_mr, bool capture_stacks = false)
      : base(create(detail::upstream_handle(upstream_mr), capture_stacks), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param capture_stacks record the allocating call stack of each allocation.
   */
  tracking_resource_adaptor(device_async_resource_ref upstream_mr, bool capture_stacks = false)
      : base(create(upstream_mr.resource_handle(), capture_stacks), nullptr)
  {
  }
  tracking_resource_adaptor(const tracking_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  tracking_resource_adaptor &
  operator=(const tracking_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  /** @brief What is known of one outstanding allocation. */
  struct allocation_info {
    std::size_t allocation_size; ///< The size asked for.
    std::size_t alignment;       ///< The alignment asked for.
    cuda_stream_view stream;     ///< The stream of the allocation.
    std::size_t frame_count;     ///< Call-stack frames recorded (0 without capture_stacks).
  };

  /** @brief The outstanding allocations by address (rmm_tracking_foreach()). @return a copy of the table. */
  [[nodiscard]] std::map<void *, allocation_info> get_outstanding_allocations() const
  {
    std::map<void *, allocation_info> out;
    rmm::tracking_foreach(rmm::resource::retain(this->resource_handle()), [&](const rmm_tracking_entry_t &e) {
      out.emplace(e.ptr, allocation_info{e.bytes, e.alignment, cuda_stream_view(e.stream), e.frame_count});
      return true;
    });
    return out;
  }
  /** @brief Bytes outstanding (rmm_tracking_allocated_bytes()). @return bytes. */
  [[nodiscard]] std::size_t get_allocated_bytes() const
  {
    return rmm::tracking_allocated_bytes(rmm::resource::retain(this->resource_handle()));
  }
  /** @brief The report of rmm_tracking_report() as a string. @return the text. */
  [[nodiscard]] std::string get_outstanding_allocations_str() const
  {
    char *text = nullptr;
    std::size_t length = 0;
    std::FILE *memory = open_memstream(&text, &length);
    if (memory == nullptr)
      throw rmm::bad_alloc("tracking_resource_adaptor: no memory for the report");
    rmm_status_t status = rmm_tracking_report(this->resource_handle(), memory);
    std::fclose(memory);
    std::string report(text != nullptr ? text : "", length);
    std::free(text);
    rmm::detail::check(status);
    return report;
  }
  /** @brief Writes the report to the debug log's stream, stderr (rmm_tracking_report()). */
  void log_outstanding_allocations() const { rmm::detail::check(rmm_tracking_report(this->resource_handle(), stderr)); }

private:
  static rmm_resource_t *create(rmm_resource_t *up, bool capture_stacks)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_tracking_create(up, capture_stacks, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
