/**
 * @file rmm/mr/device/owning_wrapper.hpp
 * @brief rmm::mr::owning_wrapper and make_owning_wrapper: a resource that owns its upstreams
 *        (upstream RMM's names), e.g.
 *        `make_owning_wrapper<pool_memory_resource>(std::make_shared<cuda_memory_resource>(), size)`.
 *
 * The wrapper shares the wrapped resource's C resource, so allocations through it, through a
 * ref to it or through librmm's C API reach the wrapped resource directly. No CUDA header.
 */
#ifndef RMM_MR_DEVICE_OWNING_WRAPPER_HPP
#define RMM_MR_DEVICE_OWNING_WRAPPER_HPP

#include <rmm/resource_ref.hpp>

#include <memory>
#include <tuple>
#include <utility>

namespace rmm {
namespace mr {
namespace detail {

/**
 * @brief The members of owning_wrapper, in a base built before librmm_resource, which
 *        needs the wrapped resource's C resource.
 * @tparam Resource the wrapped class. @tparam Upstreams its upstream classes.
 */
template <class Resource, class... Upstreams> struct owning_wrapper_members {
  std::tuple<std::shared_ptr<Upstreams>...> upstreams; ///< Kept alive as long as the wrapper.
  std::unique_ptr<Resource> wrapped;                   ///< Built over the upstreams.
};

} // namespace detail

/**
 * @brief A resource that owns its upstreams and the resource built over them.
 * @tparam Resource the wrapped class, constructed from the upstream pointers and more arguments.
 * @tparam Upstreams its upstream classes, in constructor order.
 */
template <class Resource, class... Upstreams>
class owning_wrapper final : private detail::owning_wrapper_members<Resource, Upstreams...>,
                             public detail::librmm_resource {
  using members = detail::owning_wrapper_members<Resource, Upstreams...>;

public:
  using upstream_tuple = std::tuple<std::shared_ptr<Upstreams>...>; ///< The owned upstreams.

  /**
   * @brief Builds Resource(upstream pointers..., args...) and keeps the upstreams alive.
   * @tparam Args the further constructor arguments.
   * @param upstreams the upstreams. @param args the further arguments.
   */
  template <class... Args>
  owning_wrapper(upstream_tuple upstreams, Args &&...args)
      : owning_wrapper(build(upstreams, std::forward<Args>(args)...), std::move(upstreams))
  {
  }

  /** @brief The wrapped resource. @return it. */
  [[nodiscard]] Resource &wrapped() noexcept { return *this->members::wrapped; }
  /** @brief The wrapped resource. @return it. */
  [[nodiscard]] const Resource &wrapped() const noexcept { return *this->members::wrapped; }
  /** @brief The owned upstreams. @return them. */
  [[nodiscard]] const upstream_tuple &upstreams() const noexcept { return this->members::upstreams; }

private:
  /* The constructors below touch no member of *this before it is built: the wrapped
     resource and its C resource travel as arguments (references, so nothing moves early). */
  owning_wrapper(std::unique_ptr<Resource> &&wrapped, upstream_tuple &&upstreams)
      : owning_wrapper(wrapped->resource_handle(), std::move(wrapped), std::move(upstreams))
  {
  }
  owning_wrapper(rmm_resource_t *handle, std::unique_ptr<Resource> &&wrapped, upstream_tuple &&upstreams)
      : members{std::move(upstreams), std::move(wrapped)}, librmm_resource(rmm_resource_retain(handle))
  {
  }
  template <class... Args> static std::unique_ptr<Resource> build(const upstream_tuple &upstreams, Args &&...args)
  {
    return std::apply(
        [&](const auto &...upstream) { return std::make_unique<Resource>(upstream.get()..., std::forward<Args>(args)...); },
        upstreams);
  }
};

/**
 * @brief Makes a shared owning_wrapper of Resource<Upstreams...> over several upstreams.
 * @tparam Resource the resource template. @tparam Upstreams the upstream classes. @tparam Args more arguments.
 * @param upstreams the upstreams. @param args the further constructor arguments.
 * @return the wrapper.
 */
template <template <class...> class Resource, class... Upstreams, class... Args>
auto make_owning_wrapper(std::tuple<std::shared_ptr<Upstreams>...> upstreams, Args &&...args)
{
  return std::make_shared<owning_wrapper<Resource<Upstreams...>, Upstreams...>>(std::move(upstreams),
                                                                               std::forward<Args>(args)...);
}

/**
 * @brief Makes a shared owning_wrapper of Resource<Upstream> over one upstream.
 * @tparam Resource the resource template. @tparam Upstream the upstream class. @tparam Args more arguments.
 * @param upstream the upstream. @param args the further constructor arguments.
 * @return the wrapper.
 */
template <template <class> class Resource, class Upstream, class... Args>
auto make_owning_wrapper(std::shared_ptr<Upstream> upstream, Args &&...args)
{
  return make_owning_wrapper<Resource>(std::make_tuple(std::move(upstream)), std::forward<Args>(args)...);
}

} // namespace mr
} // namespace rmm

#endif
