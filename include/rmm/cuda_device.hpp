/**
 * @file rmm/cuda_device.hpp
 * @brief Devices with upstream RMM's names: rmm::cuda_device_id, get_current_cuda_device,
 *        get_num_cuda_devices, available_device_memory, percent_of_free_device_memory (all in
 *        rmm/rmm.hpp), comparisons of device ids and rmm::cuda_set_device_raii. No CUDA header.
 */
#ifndef RMM_CUDA_DEVICE_HPP
#define RMM_CUDA_DEVICE_HPP

#include <rmm/rmm.hpp>

namespace rmm {

/** @brief Same device. @param a an id. @param b an id. @return the comparison. */
constexpr bool operator==(cuda_device_id a, cuda_device_id b) noexcept { return a.value() == b.value(); }
/** @brief Different devices. @param a an id. @param b an id. @return the comparison. */
constexpr bool operator!=(cuda_device_id a, cuda_device_id b) noexcept { return a.value() != b.value(); }
/** @brief Orders by ordinal. @param a an id. @param b an id. @return the comparison. */
constexpr bool operator<(cuda_device_id a, cuda_device_id b) noexcept { return a.value() < b.value(); }

/**
 * @brief Makes a device current for a scope and restores the previous one
 *        (rmm_set_current_device()); does nothing when the device is already current.
 */
struct cuda_set_device_raii {
  /**
   * @brief Switches to @p dev_id.
   * @param dev_id the device.
   * @throws rmm::cuda_error when the switch fails.
   */
  explicit cuda_set_device_raii(cuda_device_id dev_id)
      : old_device_(get_current_cuda_device()), needs_reset_(old_device_.value() != dev_id.value())
  {
    if (needs_reset_)
      detail::check(rmm_set_current_device(dev_id.value()));
  }
  /** @brief Restores the device that was current. */
  ~cuda_set_device_raii() noexcept
  {
    if (needs_reset_)
      (void)rmm_set_current_device(old_device_.value());
  }
  cuda_set_device_raii(const cuda_set_device_raii &) = delete;            ///< A scope guard.
  cuda_set_device_raii &operator=(const cuda_set_device_raii &) = delete; ///< A scope guard.
  cuda_set_device_raii(cuda_set_device_raii &&) = delete;                 ///< A scope guard.
  cuda_set_device_raii &operator=(cuda_set_device_raii &&) = delete;      ///< A scope guard.

private:
  cuda_device_id old_device_;
  bool needs_reset_;
};

} // namespace rmm

#endif
