/**
 * @file rmm/mr/device/callback_memory_resource.hpp
 * @brief rmm::mr::callback_memory_resource: Allocates through two callbacks (RMM's callback_memory_resource).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_CALLBACK_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_CALLBACK_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>
#include <functional>

namespace rmm {
namespace mr {

/** @brief The allocation callback: (bytes, stream, argument) to memory. */
using allocate_callback_t = std::function<void *(std::size_t, cuda_stream_view, void *)>;
/** @brief The deallocation callback: (memory, bytes, stream, argument). */
using deallocate_callback_t = std::function<void(void *, std::size_t, cuda_stream_view, void *)>;

/**
 * @brief A resource whose allocations and frees are two callbacks.
 *
 * The callbacks may be any std::function, so this is a C++ resource bridged into librmm
 * (rmm_resource_create()); rmm_callback_create() is its C form for plain functions. The
 * memory is taken to be device accessible, as upstream's.
 */
class callback_memory_resource final : public device_memory_resource {
public:
  /**
   * @brief Builds it.
   * @param allocate_callback returns the memory (nullptr is rmm::bad_alloc) or throws.
   * @param deallocate_callback frees it.
   * @param allocate_callback_arg passed to the first. @param deallocate_callback_arg passed to the second.
   */
  callback_memory_resource(allocate_callback_t allocate_callback, deallocate_callback_t deallocate_callback,
                           void *allocate_callback_arg = nullptr, void *deallocate_callback_arg = nullptr)
      : allocate_(std::move(allocate_callback)), deallocate_(std::move(deallocate_callback)),
        allocate_arg_(allocate_callback_arg), deallocate_arg_(deallocate_callback_arg)
  {
  }
  callback_memory_resource(const callback_memory_resource &) = delete;            ///< One owner.
  callback_memory_resource &operator=(const callback_memory_resource &) = delete; ///< One owner.

private:
  void *do_allocate(std::size_t bytes, cuda_stream_view stream) override
  {
    void *ptr = allocate_(bytes, stream, allocate_arg_);
    if (ptr == nullptr && bytes != 0)
      throw rmm::bad_alloc("callback_memory_resource: the allocate callback returned nullptr");
    return ptr;
  }
  void do_deallocate(void *ptr, std::size_t bytes, cuda_stream_view stream) override
  {
    deallocate_(ptr, bytes, stream, deallocate_arg_);
  }

  allocate_callback_t allocate_;
  deallocate_callback_t deallocate_;
  void *allocate_arg_;
  void *deallocate_arg_;
};

} // namespace mr
} // namespace rmm

#endif
