/**
 * @file rmm/mr/host/new_delete_resource.hpp
 * @brief rmm::mr::new_delete_resource: host memory from the global aligned operator new
 *        (upstream RMM's class). No CUDA header.
 */
#ifndef RMM_MR_HOST_NEW_DELETE_RESOURCE_HPP
#define RMM_MR_HOST_NEW_DELETE_RESOURCE_HPP

#include <rmm/mr/host/host_memory_resource.hpp>

#include <new>
#include <stdexcept>

namespace rmm {
namespace mr {

/** @brief Host memory from the global aligned operator new; all such resources are equal. */
class new_delete_resource final : public host_memory_resource {
private:
  void *do_allocate(std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT) override
  {
    if (!rmm::is_supported_alignment(alignment))
      throw std::invalid_argument("new_delete_resource: the alignment is not a power of two");
    return ::operator new(rmm::align_up(bytes, alignment), std::align_val_t(alignment));
  }
  void do_deallocate(void *ptr, std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT) override
  {
    ::operator delete(ptr, rmm::align_up(bytes, alignment), std::align_val_t(alignment));
  }
  bool do_is_equal(const host_memory_resource &other) const noexcept override
  {
    return dynamic_cast<const new_delete_resource *>(&other) != nullptr;
  }
};

} // namespace mr
} // namespace rmm

#endif
