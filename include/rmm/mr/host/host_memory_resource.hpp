/**
 * @file rmm/mr/host/host_memory_resource.hpp
 * @brief rmm::mr::host_memory_resource: upstream RMM's base class of host memory resources,
 *        the std::pmr::memory_resource interface (no streams). No CUDA header.
 *
 * Host resources are plain C++ classes, as upstream's; they are not librmm resources (for a
 * host resource under librmm's adaptors use rmm::host_resource() or pinned_host_memory_resource).
 */
#ifndef RMM_MR_HOST_HOST_MEMORY_RESOURCE_HPP
#define RMM_MR_HOST_HOST_MEMORY_RESOURCE_HPP

#include <rmm/aligned.hpp>

#include <cstddef>

namespace rmm {
namespace mr {

/** @brief The base of host memory resources: allocate and deallocate with an alignment. */
class host_memory_resource {
public:
  host_memory_resource() = default;                                 ///< Default.
  virtual ~host_memory_resource() = default;                        ///< Default.
  host_memory_resource(const host_memory_resource &) = default;     ///< Default.
  host_memory_resource(host_memory_resource &&) noexcept = default; ///< Default.
  /** @brief Default. @return *this. */
  host_memory_resource &operator=(const host_memory_resource &) = default;
  /** @brief Default. @return *this. */
  host_memory_resource &operator=(host_memory_resource &&) noexcept = default;

  /**
   * @brief Allocates at least @p bytes aligned to @p alignment.
   * @param bytes the size. @param alignment a power of two.
   * @return the memory.
   */
  void *allocate(std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT)
  {
    return do_allocate(bytes, alignment);
  }
  /**
   * @brief Frees memory from allocate().
   * @param ptr the memory. @param bytes the size. @param alignment the alignment given to allocate.
   */
  void deallocate(void *ptr, std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT)
  {
    do_deallocate(ptr, bytes, alignment);
  }
  /** @brief Whether memory of one may be freed by the other. @param other the resource. @return do_is_equal(). */
  [[nodiscard]] bool is_equal(const host_memory_resource &other) const noexcept { return do_is_equal(other); }
  /** @brief is_equal(). @param other the resource. @return the comparison. */
  [[nodiscard]] bool operator==(const host_memory_resource &other) const noexcept { return do_is_equal(other); }
  /** @brief !is_equal(). @param other the resource. @return the comparison. */
  [[nodiscard]] bool operator!=(const host_memory_resource &other) const noexcept { return !do_is_equal(other); }

private:
  /**
   * @brief Allocates. @param bytes the size. @param alignment a power of two.
   * @return the memory.
   */
  virtual void *do_allocate(std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT) = 0;
  /**
   * @brief Frees. @param ptr the memory. @param bytes the size. @param alignment the alignment.
   */
  virtual void do_deallocate(void *ptr, std::size_t bytes, std::size_t alignment = RMM_DEFAULT_HOST_ALIGNMENT) = 0;
  /**
   * @brief Compares; by default only the same object is equal.
   * @param other the resource. @return the comparison.
   */
  virtual bool do_is_equal(const host_memory_resource &other) const noexcept { return this == &other; }
};

} // namespace mr
} // namespace rmm

#endif
