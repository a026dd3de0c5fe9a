/**
 * @file thrust.hpp
 * @brief Thrust over librmm: rmm::mr::thrust_allocator, rmm::device_vector and
 *        rmm::exec_policy, for nvcc with the toolkit's Thrust (CCCL).
 *
 * Include it from CUDA C++ compiled by nvcc; link with `pkg-config --libs rmm` (nvcc adds the
 * CUDA runtime). With LIBCUDACXX_ENABLE_EXPERIMENTAL_MEMORY_RESOURCE defined before the
 * include, rmm::resource also satisfies cuda::mr::async_resource_with<device_accessible>.
 */
#ifndef RMM_THRUST_HPP
#define RMM_THRUST_HPP

#include <rmm/rmm.hpp>

#include <cuda_runtime_api.h>
#include <thrust/device_malloc_allocator.h>
#include <thrust/device_ptr.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/system/cuda/execution_policy.h>

#if defined(LIBCUDACXX_ENABLE_EXPERIMENTAL_MEMORY_RESOURCE)
#include <cuda/memory_resource>
#include <cuda/stream_ref>
#endif

namespace rmm {
namespace detail {

/**
 * @brief Makes a device current for a scope and restores the previous one, so that memory is
 *        (de)allocated on the device that was current when the allocator was built.
 */
class device_guard {
public:
  /** @brief Switches to @p device when another is current. @param device the device to use. */
  explicit device_guard(int device) noexcept
  {
    int current = 0;
    if (device >= 0 && cudaGetDevice(&current) == cudaSuccess && current != device &&
        cudaSetDevice(device) == cudaSuccess)
      previous_ = current;
  }
  device_guard(const device_guard &) = delete;            ///< A scope guard.
  device_guard &operator=(const device_guard &) = delete; ///< A scope guard.
  /** @brief Restores the device that was current. */
  ~device_guard()
  {
    if (previous_ >= 0)
      (void)cudaSetDevice(previous_);
  }

private:
  int previous_ = -1;
};

/** @brief The current device, or -1 when none can be asked. @return the ordinal. */
inline int current_device_or_none() noexcept
{
  int device = -1;
  return cudaGetDevice(&device) == cudaSuccess ? device : -1;
}

} // namespace detail

namespace mr {

/**
 * @brief A Thrust allocator (thrust::device_ptr pointers) that takes memory from an
 *        rmm::resource on one stream.
 *
 * It records the device current at construction and makes it current whenever it
 * allocates or frees, so containers may be destroyed with another device current.
 * @tparam T the element type.
 */
template <class T> class thrust_allocator : public thrust::device_malloc_allocator<T> {
  using base = thrust::device_malloc_allocator<T>;

public:
  using value_type = T;                           ///< The element type.
  using pointer = typename base::pointer;         ///< thrust::device_ptr<T>.
  using size_type = typename base::size_type;     ///< Sizes.

  /** @brief Rebinding to another element type. @tparam U the type. */
  template <class U> struct rebind {
    using other = thrust_allocator<U>; ///< The rebound allocator.
  };

  /** @brief The current device resource, on the default stream. */
  thrust_allocator() : mr_(rmm::get_current_device_resource()) {}
  /** @brief The current device resource on @p stream. @param stream the stream. */
  explicit thrust_allocator(cuda_stream_view stream) : stream_(stream), mr_(rmm::get_current_device_resource()) {}
  /**
   * @brief @p mr on @p stream.
   * @param stream the stream. @param mr the resource, shared; empty means the current one at each call.
   */
  thrust_allocator(cuda_stream_view stream, resource mr) : stream_(stream), mr_(std::move(mr)) {}
  /** @brief Rebinds another allocator. @tparam U its type. @param other the allocator. */
  template <class U>
  thrust_allocator(const thrust_allocator<U> &other)
      : stream_(other.stream()), mr_(other.get_upstream_resource()), device_(other.device())
  {
  }

  /**
   * @brief Allocates @p n elements.
   * @param n the count.
   * @return a device pointer.
   * @throws rmm::out_of_memory, rmm::bad_alloc, rmm::cuda_error.
   */
  pointer allocate(size_type n)
  {
    rmm::detail::device_guard guard(device_);
    return thrust::device_pointer_cast(static_cast<T *>(mr_.allocate(n * sizeof(T), stream_)));
  }
  /** @brief Frees @p n elements. @param p the memory. @param n the count. */
  void deallocate(pointer p, size_type n)
  {
    rmm::detail::device_guard guard(device_);
    mr_.deallocate(thrust::raw_pointer_cast(p), n * sizeof(T), stream_);
  }
  /** @brief The resource. @return it. */
  const resource &get_upstream_resource() const noexcept { return mr_; }
  /** @brief The stream. @return it. */
  cuda_stream_view stream() const noexcept { return stream_; }
  /** @brief The device recorded at construction. @return the ordinal, -1 when unknown. */
  int device() const noexcept { return device_; }

private:
  cuda_stream_view stream_{};
  resource mr_;
  int device_ = rmm::detail::current_device_or_none();
};

/** @brief Equal when resources are. @param a an allocator. @param b an allocator. @return the comparison. */
template <class T, class U> bool operator==(const thrust_allocator<T> &a, const thrust_allocator<U> &b) noexcept
{
  return a.get_upstream_resource() == b.get_upstream_resource();
}
/** @brief Negation of ==. @param a an allocator. @param b an allocator. @return the comparison. */
template <class T, class U> bool operator!=(const thrust_allocator<T> &a, const thrust_allocator<U> &b) noexcept
{
  return !(a == b);
}

} // namespace mr

/** @brief thrust::device_vector whose memory comes from librmm. @tparam T the element type. */
template <class T> using device_vector = thrust::device_vector<T, mr::thrust_allocator<T>>;

/** @brief The Thrust policy type rmm::exec_policy derives from. */
using thrust_exec_policy_t =
    thrust::detail::execute_with_allocator<mr::thrust_allocator<char>, thrust::cuda_cub::execute_on_stream_base>;

/** @brief The Thrust policy type rmm::exec_policy_nosync derives from. */
using thrust_exec_policy_nosync_t =
    thrust::detail::execute_with_allocator<mr::thrust_allocator<char>,
                                           thrust::cuda_cub::execute_on_stream_nosync_base>;

/**
 * @brief A Thrust CUDA execution policy that runs on @p stream and takes temporary storage
 *        from @p mr on that stream: `thrust::sort(rmm::exec_policy(stream, mr), ...)`.
 */
class exec_policy : public thrust_exec_policy_t {
public:
  /**
   * @brief Builds the policy.
   * @param stream where the algorithm runs and its temporaries are ordered.
   * @param mr the resource for temporaries; empty means the current device resource.
   */
  explicit exec_policy(cuda_stream_view stream = cuda_stream_default, const resource &mr = resource())
      : thrust_exec_policy_t(thrust::cuda::par(mr::thrust_allocator<char>(stream, mr)).on(stream.value()))
  {
  }
};

/**
 * @brief As exec_policy, but Thrust skips the stream synchronisations it may omit
 *        (thrust::cuda::par_nosync).
 */
class exec_policy_nosync : public thrust_exec_policy_nosync_t {
public:
  /**
   * @brief Builds the policy.
   * @param stream where the algorithm runs. @param mr the resource for temporaries.
   */
  explicit exec_policy_nosync(cuda_stream_view stream = cuda_stream_default, const resource &mr = resource())
      : thrust_exec_policy_nosync_t(thrust::cuda::par_nosync(mr::thrust_allocator<char>(stream, mr)).on(stream.value()))
  {
  }
};

#if defined(LIBCUDACXX_ENABLE_EXPERIMENTAL_MEMORY_RESOURCE)
/**
 * @brief Declares rmm::resource device accessible for cuda::mr (found by argument-dependent
 *        lookup). The property is static: do not hand a host-only resource (host, simulated)
 *        to code that requires device_accessible.
 */
inline void get_property(const resource &, cuda::mr::device_accessible) noexcept {}

static_assert(cuda::mr::async_resource_with<resource, cuda::mr::device_accessible>,
              "rmm::resource satisfies cuda::mr::async_resource_with<device_accessible>");
#endif

} // namespace rmm

#endif
