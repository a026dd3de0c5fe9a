/**
 * @file rmm/mr/device/arena_memory_resource.hpp
 * @brief rmm::mr::arena_memory_resource: An arena allocator (rmm_arena_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_ARENA_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_ARENA_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <optional>

namespace rmm {
namespace mr {

/**
 * @brief Per-thread arenas over a global arena (rmm_arena_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class arena_memory_resource final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param arena_size bytes of the global arena; half the free device memory by default.
   * @param dump_log_on_failure log the arenas when a request fails.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  arena_memory_resource(Upstream *upstream_mr, std::optional<std::size_t> arena_size = std::nullopt,
                        bool dump_log_on_failure = false)
      : base(create(detail::upstream_handle(upstream_mr), arena_size, dump_log_on_failure), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param arena_size bytes of the global arena; half the free device memory by default.
   * @param dump_log_on_failure log the arenas when a request fails.
   */
  arena_memory_resource(device_async_resource_ref upstream_mr, std::optional<std::size_t> arena_size = std::nullopt,
                        bool dump_log_on_failure = false)
      : base(create(upstream_mr.resource_handle(), arena_size, dump_log_on_failure), nullptr)
  {
  }
  arena_memory_resource(const arena_memory_resource &) = delete;            ///< One owner per resource, as upstream.
  arena_memory_resource &operator=(const arena_memory_resource &) = delete; ///< One owner per resource, as upstream.

private:
  static rmm_resource_t *create(rmm_resource_t *up, std::optional<std::size_t> arena_size, bool dump_log_on_failure)
  {
    return base::make(
        [&](rmm_resource_t **out) { return rmm_arena_create(up, arena_size.value_or(0), dump_log_on_failure, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
