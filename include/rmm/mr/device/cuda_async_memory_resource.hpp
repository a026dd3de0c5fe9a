/**
 * @file rmm/mr/device/cuda_async_memory_resource.hpp
 * @brief rmm::mr::cuda_async_memory_resource: CUDA's stream-ordered allocator over a pool of its own (rmm_cuda_async_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_CUDA_ASYNC_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_CUDA_ASYNC_MEMORY_RESOURCE_HPP

#include <rmm/resource_ref.hpp>
#include <optional>

namespace rmm {
namespace mr {

/**
 * @brief Device memory from cudaMallocFromPoolAsync over a CUDA memory pool the resource
 *        creates and owns (rmm_cuda_async_create()).
 */
class cuda_async_memory_resource final : public detail::librmm_resource {
public:
  /** @brief How allocations may be exported (values of cudaMemAllocationHandleType). */
  enum class allocation_handle_type : int {
    none = RMM_HANDLE_TYPE_NONE,                                   ///< no export
    posix_file_descriptor = RMM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR, ///< a file descriptor
    win32 = RMM_HANDLE_TYPE_WIN32,                                 ///< a Windows NT handle
    win32_kmt = RMM_HANDLE_TYPE_WIN32_KMT,                         ///< a Windows D3DKMT handle
    fabric = RMM_HANDLE_TYPE_FABRIC                                ///< a fabric handle
  };

  /**
   * @brief Creates the pool.
   * @param initial_pool_size bytes to reserve now; none by default.
   * @param release_threshold bytes the pool keeps at synchronisation; all by default.
   * @param export_handle_type how allocations may be exported; none by default.
   * @throws rmm::not_supported_error without memory pools; rmm::cuda_error.
   */
  cuda_async_memory_resource(std::optional<std::size_t> initial_pool_size = {},
                             std::optional<std::size_t> release_threshold = {},
                             std::optional<allocation_handle_type> export_handle_type = {})
      : librmm_resource(make([&](rmm_resource_t **out) {
          rmm_cuda_async_options_t options = RMM_CUDA_ASYNC_OPTIONS_INIT;
          options.initial_pool_size = initial_pool_size.value_or(0);
          options.release_threshold = release_threshold.value_or(SIZE_MAX);
          options.export_handle_type =
              static_cast<rmm_handle_type_t>(export_handle_type.value_or(allocation_handle_type::none));
          return rmm_cuda_async_create(&options, out);
        }))
  {
  }
  cuda_async_memory_resource(const cuda_async_memory_resource &) = delete;            ///< One owner.
  cuda_async_memory_resource &operator=(const cuda_async_memory_resource &) = delete; ///< One owner.
  /** @brief The CUDA memory pool (a cudaMemPool_t). @return the handle. */
  [[nodiscard]] rmm_mem_pool_t pool_handle() const
  {
    rmm_mem_pool_t pool = nullptr;
    rmm::detail::check(rmm_cuda_async_pool_handle(resource_handle(), &pool));
    return pool;
  }
};

} // namespace mr
} // namespace rmm

#endif
