/**
 * @file rmm/mr/device/statistics_resource_adaptor.hpp
 * @brief rmm::mr::statistics_resource_adaptor: Counts bytes and allocations (rmm_statistics_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_STATISTICS_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_STATISTICS_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <algorithm>
#include <cstdint>
#include <utility>

namespace rmm {
namespace mr {

/**
 * @brief Counts the bytes and allocations that pass through it, with a stack of counter scopes (rmm_statistics_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class statistics_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  statistics_resource_adaptor(Upstream *upstream_mr) : base(create(detail::upstream_handle(upstream_mr)), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   */
  statistics_resource_adaptor(device_async_resource_ref upstream_mr)
      : base(create(upstream_mr.resource_handle()), nullptr)
  {
  }
  statistics_resource_adaptor(const statistics_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  statistics_resource_adaptor &
  operator=(const statistics_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  /** @brief One counted figure: its current value, its peak and its running total. */
  struct counter {
    int64_t value{0}; ///< Current value.
    int64_t peak{0};  ///< The highest value so far.
    int64_t total{0}; ///< Sum of every increase.
    /** @brief Adds @p val. @param val the change (negative for frees). @return *this. */
    counter &operator+=(int64_t val)
    {
      value += val;
      total += val > 0 ? val : 0;
      peak = std::max(value, peak);
      return *this;
    }
    /** @brief Subtracts @p val. @param val the change. @return *this. */
    counter &operator-=(int64_t val) { return *this += -val; }
  };

  /** @brief The bytes counter of the innermost scope (rmm_statistics_get()). @return it. */
  [[nodiscard]] counter get_bytes_counter() const
  {
    rmm_statistics_t s = read();
    return counter{s.current_bytes, s.peak_bytes, s.total_bytes};
  }
  /** @brief The allocations counter of the innermost scope. @return it. */
  [[nodiscard]] counter get_allocations_counter() const
  {
    rmm_statistics_t s = read();
    return counter{s.current_count, s.peak_count, s.total_count};
  }
  /**
   * @brief Opens a new scope of counters (rmm_statistics_push_counters()).
   * @return the bytes and allocations counters of the scope that was innermost.
   */
  std::pair<counter, counter> push_counters()
  {
    std::pair<counter, counter> top{get_bytes_counter(), get_allocations_counter()};
    rmm::detail::check(rmm_statistics_push_counters(this->resource_handle()));
    return top;
  }
  /**
   * @brief Closes the innermost scope (rmm_statistics_pop_counters()).
   * @return its bytes and allocations counters.
   * @throws rmm::logic_error when no scope was pushed.
   */
  std::pair<counter, counter> pop_counters()
  {
    rmm_statistics_t s{};
    s.struct_size = sizeof s;
    rmm::detail::check(rmm_statistics_pop_counters(this->resource_handle(), &s));
    return {counter{s.current_bytes, s.peak_bytes, s.total_bytes},
            counter{s.current_count, s.peak_count, s.total_count}};
  }

private:
  rmm_statistics_t read() const
  {
    rmm_statistics_t s{};
    s.struct_size = sizeof s;
    rmm::detail::check(rmm_statistics_get(this->resource_handle(), &s));
    return s;
  }

private:
  static rmm_resource_t *create(rmm_resource_t *up)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_statistics_create(up, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
