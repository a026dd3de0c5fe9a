/**
 * @file rmm/mr/device/failure_callback_resource_adaptor.hpp
 * @brief rmm::mr::failure_callback_resource_adaptor: Calls back on failure and retries (RMM's failure_callback_resource_adaptor).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_FAILURE_CALLBACK_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_FAILURE_CALLBACK_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <functional>

namespace rmm {
namespace mr {

/**
 * @brief The callback of failure_callback_resource_adaptor: given the bytes of the failed
 *        request and the argument, it returns true to retry and false to give up.
 */
using failure_callback_t = std::function<bool(std::size_t, void *)>;

/**
 * @brief Calls a function when an allocation fails with ExceptionType, and retries while the
 *        function returns true.
 *
 * The callback may be any std::function, so the adaptor is a C++ resource bridged into
 * librmm (rmm_resource_create()) rather than rmm_failure_callback_create(), whose callback is
 * a plain function pointer; it holds a reference on its upstream's C resource.
 * @tparam Upstream the upstream resource class.
 * @tparam ExceptionType the exception that triggers the callback (rmm::out_of_memory).
 */
template <class Upstream, class ExceptionType = rmm::out_of_memory> class failure_callback_resource_adaptor final
    : public device_memory_resource {
public:
  /**
   * @brief Builds it over @p upstream_mr.
   * @param upstream_mr the upstream. @param callback the callback. @param callback_arg passed to it.
   */
  failure_callback_resource_adaptor(Upstream *upstream_mr, failure_callback_t callback, void *callback_arg)
      : failure_callback_resource_adaptor(rmm::resource::retain(detail::upstream_handle(upstream_mr)), upstream_mr,
                                          std::move(callback), callback_arg)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream. @param callback the callback. @param callback_arg passed to it.
   */
  failure_callback_resource_adaptor(device_async_resource_ref upstream_mr, failure_callback_t callback,
                                    void *callback_arg)
      : failure_callback_resource_adaptor(rmm::resource::retain(upstream_mr.resource_handle()), nullptr,
                                          std::move(callback), callback_arg)
  {
  }
  failure_callback_resource_adaptor(const failure_callback_resource_adaptor &) = delete;            ///< One owner.
  failure_callback_resource_adaptor &operator=(const failure_callback_resource_adaptor &) = delete; ///< One owner.

  /** @brief The upstream. @return a ref to it. */
  [[nodiscard]] device_async_resource_ref get_upstream_resource() const noexcept { return upstream_; }
  /** @brief The upstream given by pointer. @return it, or nullptr when a ref was given. */
  [[nodiscard]] Upstream *get_upstream() const noexcept { return upstream_ptr_; }

private:
  failure_callback_resource_adaptor(rmm::resource upstream, Upstream *upstream_ptr, failure_callback_t callback,
                                    void *callback_arg)
      : device_memory_resource(upstream.properties()), upstream_(std::move(upstream)), upstream_ptr_(upstream_ptr),
        callback_(std::move(callback)), callback_arg_(callback_arg)
  {
  }
  void *do_allocate(std::size_t bytes, cuda_stream_view stream) override
  {
    for (;;) {
      try {
        return upstream_.allocate(bytes, stream);
      } catch (const ExceptionType &) {
        if (!callback_(bytes, callback_arg_))
          throw;
      }
    }
  }
  void do_deallocate(void *ptr, std::size_t bytes, cuda_stream_view stream) override
  {
    upstream_.deallocate(ptr, bytes, stream);
  }

  rmm::resource upstream_;
  Upstream *upstream_ptr_;
  failure_callback_t callback_;
  void *callback_arg_;
};

} // namespace mr
} // namespace rmm

#endif
