/**
 * @file rmm/resource_ref.hpp
 * @brief rmm::device_async_resource_ref and its kin: upstream RMM's non-owning references to
 *        a memory resource, over librmm's resource object.
 *
 * A ref names one C resource without owning it: copyable, comparable (refs are equal when
 * their resources are, rmm_resource_is_equal()), and constructible from any class of
 * rmm/mr/device/ (by reference or pointer) and from an rmm::resource. As upstream, the object
 * referred to must outlive the ref's uses; containers and adaptors given a ref hold their own
 * reference on the C resource. A ref made from an empty rmm::resource refers to the current
 * device resource at each call, as NULL does in the C API. Every rmm::resource parameter of
 * rmm.hpp takes a ref, and a ref converts to an rmm::resource.
 */
#ifndef RMM_RESOURCE_REF_HPP
#define RMM_RESOURCE_REF_HPP

#include <rmm/mr/device/device_memory_resource.hpp>

namespace rmm {

/**
 * @brief A non-owning, stream-ordered reference to a memory resource.
 */
class device_async_resource_ref {
public:
  /**
   * @brief Refers to a resource object of rmm/mr/device/ or another ref-like object.
   * @tparam R a type with resource_handle().
   * @param mr the object; it must outlive the ref's uses.
   */
  template <class R, std::enable_if_t<detail::has_resource_handle<R>::value &&
                                          !std::is_same_v<std::remove_cv_t<R>, device_async_resource_ref>,
                                      int> = 0>
  device_async_resource_ref(R &mr) noexcept : mr_(mr.resource_handle())
  {
  }
  /**
   * @brief Refers to the object @p mr points to.
   * @tparam R a type with resource_handle().
   * @param mr the object; it must outlive the ref's uses.
   * @throws rmm::logic_error for nullptr (a ref always refers to something).
   */
  template <class R, std::enable_if_t<detail::has_resource_handle<R>::value, int> = 0> device_async_resource_ref(R *mr)
      : mr_(checked(mr))
  {
  }
  /**
   * @brief Refers to the C resource of an rmm::resource.
   * @param mr the owner; the ref is valid while some owner of that resource lives. An empty
   *        resource gives a ref to the current device resource.
   */
  device_async_resource_ref(const resource &mr) noexcept : mr_(mr.get()) {}
  /**
   * @brief Refers to a C resource (a librmm extension).
   * @param mr the resource, borrowed; NULL means the current device resource.
   */
  explicit device_async_resource_ref(rmm_resource_t *mr) noexcept : mr_(mr) {}

  /**
   * @brief Allocates, ordered on @p stream.
   * @param bytes the size.
   * @param alignment a power of two.
   * @param stream the stream.
   * @return the memory.
   */
  void *allocate_async(std::size_t bytes, std::size_t alignment, cuda_stream_view stream) const
  {
    void *ptr = nullptr;
    rmm::detail::check(rmm_allocate_aligned(mr_, &ptr, bytes, alignment, stream.value()));
    return ptr;
  }
  /**
   * @brief Allocates, 256-byte aligned, ordered on @p stream.
   * @param bytes the size.
   * @param stream the stream.
   * @return the memory.
   */
  void *allocate_async(std::size_t bytes, cuda_stream_view stream) const
  {
    return allocate_async(bytes, CUDA_ALLOCATION_ALIGNMENT, stream);
  }
  /**
   * @brief Frees, ordered on @p stream.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   * @param stream the stream.
   */
  void deallocate_async(void *ptr, std::size_t bytes, std::size_t alignment, cuda_stream_view stream) const
  {
    rmm::detail::check(rmm_deallocate_aligned(mr_, ptr, bytes, alignment, stream.value()));
  }
  /** @brief Frees, ordered on @p stream. @param ptr the memory. @param bytes the size. @param stream the stream. */
  void deallocate_async(void *ptr, std::size_t bytes, cuda_stream_view stream) const
  {
    deallocate_async(ptr, bytes, CUDA_ALLOCATION_ALIGNMENT, stream);
  }
  /**
   * @brief Allocates on the default stream.
   * @param bytes the size.
   * @param alignment a power of two.
   * @return the memory.
   */
  void *allocate(std::size_t bytes, std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) const
  {
    return allocate_async(bytes, alignment, cuda_stream_view{});
  }
  /**
   * @brief Frees on the default stream.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate(void *ptr, std::size_t bytes, std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) const
  {
    deallocate_async(ptr, bytes, alignment, cuda_stream_view{});
  }
  /** @brief CCCL 3.1's synchronous form. @param bytes the size. @param alignment the alignment. @return the memory. */
  void *allocate_sync(std::size_t bytes, std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) const
  {
    return allocate(bytes, alignment);
  }
  /**
   * @brief CCCL 3.1's synchronous free.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate_sync(void *ptr, std::size_t bytes, std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) const
  {
    deallocate(ptr, bytes, alignment);
  }
  /**
   * @brief CCCL 3.1's stream-first form.
   * @param stream the stream.
   * @param bytes the size.
   * @param alignment the alignment.
   * @return the memory.
   */
  void *allocate(cuda_stream_view stream, std::size_t bytes, std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) const
  {
    return allocate_async(bytes, alignment, stream);
  }
  /**
   * @brief CCCL 3.1's stream-first free.
   * @param stream the stream.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate(cuda_stream_view stream, void *ptr, std::size_t bytes,
                  std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) const
  {
    deallocate_async(ptr, bytes, alignment, stream);
  }

  /** @brief The C resource (a librmm extension). @return the borrowed handle; NULL for the current device resource. */
  rmm_resource_t *resource_handle() const noexcept { return mr_; }

  /**
   * @brief Equal when the resources are (rmm_resource_is_equal()).
   * @param a a ref.
   * @param b a ref.
   * @return the comparison.
   */
  friend bool operator==(const device_async_resource_ref &a, const device_async_resource_ref &b) noexcept
  {
    return a.mr_ == b.mr_ || rmm_resource_is_equal(a.mr_, b.mr_);
  }
  /** @brief Negation of ==. @param a a ref. @param b a ref. @return the comparison. */
  friend bool operator!=(const device_async_resource_ref &a, const device_async_resource_ref &b) noexcept
  {
    return !(a == b);
  }
  /** @brief Compares with an rmm::resource. @param a a ref. @param b a resource. @return the comparison. */
  friend bool operator==(const device_async_resource_ref &a, const resource &b) noexcept
  {
    return a == device_async_resource_ref(b);
  }
  /** @brief Compares with an rmm::resource. @param a a resource. @param b a ref. @return the comparison. */
  friend bool operator==(const resource &a, const device_async_resource_ref &b) noexcept { return b == a; }
  /** @brief Negation of ==. @param a a ref. @param b a resource. @return the comparison. */
  friend bool operator!=(const device_async_resource_ref &a, const resource &b) noexcept { return !(a == b); }
  /** @brief Negation of ==. @param a a resource. @param b a ref. @return the comparison. */
  friend bool operator!=(const resource &a, const device_async_resource_ref &b) noexcept { return !(b == a); }

private:
  template <class R> static rmm_resource_t *checked(R *mr)
  {
    if (mr == nullptr)
      throw rmm::logic_error("device_async_resource_ref: a null resource pointer");
    return mr->resource_handle();
  }
  rmm_resource_t *mr_;
};

/** @brief The synchronous ref of upstream; librmm's refs all take streams, so it is the same class. */
using device_resource_ref = device_async_resource_ref;
/** @brief A ref to host-and-device accessible memory (pinned, managed): the same class. */
using host_device_async_resource_ref = device_async_resource_ref;
/** @brief A ref to host-and-device accessible memory, synchronous: the same class. */
using host_device_resource_ref = device_async_resource_ref;

/**
 * @brief Turns a pointer to a resource object into a ref (upstream's helper).
 * @tparam R a resource class. @param mr the object.
 * @return the ref.
 */
template <class R> device_async_resource_ref to_device_async_resource_ref_checked(R *mr)
{
  return device_async_resource_ref(mr);
}

namespace mr {
using rmm::device_async_resource_ref; ///< Also reachable as rmm::mr::device_async_resource_ref.
using rmm::device_resource_ref;       ///< Also reachable as rmm::mr::device_resource_ref.
} // namespace mr

} // namespace rmm

#endif
