/**
 * @file rmm/mr/device/per_device_resource.hpp
 * @brief Upstream RMM's per-device resource functions over librmm's per-device table
 *        (rmm_get_current_device_resource() and its kin).
 *
 * The table holds C resources. Setting a resource object puts its C resource in the table
 * (which retains it); getting returns the object that was set. A C resource that no live
 * object owns (the default resource, one set from C or as an rmm::resource, one whose object
 * is gone) is returned through a wrapper object that owns a reference to it and lives until
 * the end of the program, so that the pointer or ref handed back stays valid as upstream's
 * would. The functions are thread-safe.
 */
#ifndef RMM_MR_DEVICE_PER_DEVICE_RESOURCE_HPP
#define RMM_MR_DEVICE_PER_DEVICE_RESOURCE_HPP

#include <rmm/resource_ref.hpp>

#include <memory>
#include <vector>

namespace rmm {
namespace mr {
namespace detail {

/** @brief A resource object over a C resource that no other object owns. */
class borrowed_resource final : public librmm_resource {
public:
  /** @brief Takes a new reference to @p mr. @param mr the C resource. */
  explicit borrowed_resource(rmm_resource_t *mr) : librmm_resource(rmm_resource_retain(mr)) {}
};

/** @brief The wrappers made so far, one per C resource; the registry outlives them. */
class borrowed_cache {
public:
  borrowed_cache() { (void)registry(); }
  /**
   * @brief The object to hand back for a C resource: its owner, else a wrapper.
   * @param mr the C resource; NULL gives nullptr.
   * @return the object.
   */
  device_memory_resource *object_for(rmm_resource_t *mr)
  {
    if (mr == nullptr)
      return nullptr;
    std::lock_guard<std::recursive_mutex> lock(registry().mutex());
    for (auto &wrapper : wrappers_)
      if (wrapper->resource_handle() == mr)
        return wrapper.get();
    if (device_memory_resource *owner = registry().find(mr))
      return owner;
    wrappers_.push_back(std::make_unique<borrowed_resource>(mr));
    return wrappers_.back().get();
  }

private:
  std::vector<std::unique_ptr<borrowed_resource>> wrappers_;
};

/** @brief The process's cache. @return it. */
inline borrowed_cache &borrowed()
{
  static borrowed_cache instance;
  return instance;
}

} // namespace detail

/* ---- by pointer ---- */

/**
 * @brief The resource of a device.
 * @param device_id the device.
 * @return the object that was set, or one standing for the C resource in the table.
 */
inline device_memory_resource *get_per_device_resource(cuda_device_id device_id)
{
  return detail::borrowed().object_for(rmm_get_per_device_resource(device_id.value()));
}

/**
 * @brief Sets the resource of a device.
 * @param device_id the device.
 * @param new_mr the resource (its C resource is retained by the table); nullptr restores the default.
 * @return the resource that was set before.
 * @throws rmm::logic_error for a device out of range.
 */
inline device_memory_resource *set_per_device_resource(cuda_device_id device_id, device_memory_resource *new_mr)
{
  device_memory_resource *previous = mr::get_per_device_resource(device_id);
  rmm::detail::check(rmm_set_per_device_resource(device_id.value(), detail::handle_of(new_mr)));
  return previous;
}

/** @brief The current device's resource. @return the object that was set, or one standing for it. */
inline device_memory_resource *get_current_device_resource()
{
  return detail::borrowed().object_for(rmm_get_current_device_resource());
}

/**
 * @brief Sets the current device's resource.
 * @param new_mr the resource; nullptr restores the default.
 * @return the resource that was set before.
 */
inline device_memory_resource *set_current_device_resource(device_memory_resource *new_mr)
{
  device_memory_resource *previous = mr::get_current_device_resource();
  rmm::detail::check(rmm_set_current_device_resource(detail::handle_of(new_mr)));
  return previous;
}

/**
 * @brief Sets the current device's resource from an rmm::resource (the interop form).
 * @param new_mr the resource; empty restores the default.
 * @return the resource that was set before.
 */
inline device_memory_resource *set_current_device_resource(const resource &new_mr)
{
  device_memory_resource *previous = mr::get_current_device_resource();
  rmm::detail::check(rmm_set_current_device_resource(new_mr.get()));
  return previous;
}

/** @brief Restores a device's default resource. @param device_id the device. @return the resource set before. */
inline device_memory_resource *reset_per_device_resource(cuda_device_id device_id)
{
  return mr::set_per_device_resource(device_id, nullptr);
}

/** @brief Restores the current device's default resource. @return the resource set before. */
inline device_memory_resource *reset_current_device_resource() { return mr::set_current_device_resource(nullptr); }

/* ---- by ref ---- */

/**
 * @brief The resource of a device, as a ref.
 * @param device_id the device.
 * @return a ref to the resource in the table.
 */
inline device_async_resource_ref get_per_device_resource_ref(cuda_device_id device_id)
{
  return device_async_resource_ref(detail::handle_of(mr::get_per_device_resource(device_id)));
}

/**
 * @brief Sets the resource of a device.
 * @param device_id the device.
 * @param new_resource_ref the resource; the table retains its C resource.
 * @return a ref to the resource set before (kept alive for as long as upstream's would be).
 */
inline device_async_resource_ref set_per_device_resource_ref(cuda_device_id device_id,
                                                             device_async_resource_ref new_resource_ref)
{
  device_async_resource_ref previous = mr::get_per_device_resource_ref(device_id);
  rmm::detail::check(rmm_set_per_device_resource(device_id.value(), new_resource_ref.resource_handle()));
  return previous;
}

/** @brief The current device's resource, as a ref. @return the ref. */
inline device_async_resource_ref get_current_device_resource_ref()
{
  return device_async_resource_ref(detail::handle_of(mr::get_current_device_resource()));
}

/**
 * @brief Sets the current device's resource.
 * @param new_resource_ref the resource.
 * @return a ref to the resource set before.
 */
inline device_async_resource_ref set_current_device_resource_ref(device_async_resource_ref new_resource_ref)
{
  device_async_resource_ref previous = mr::get_current_device_resource_ref();
  rmm::detail::check(rmm_set_current_device_resource(new_resource_ref.resource_handle()));
  return previous;
}

/**
 * @brief Restores a device's default resource.
 * @param device_id the device.
 * @return a ref to the resource set before.
 */
inline device_async_resource_ref reset_per_device_resource_ref(cuda_device_id device_id)
{
  device_async_resource_ref previous = mr::get_per_device_resource_ref(device_id);
  rmm::detail::check(rmm_set_per_device_resource(device_id.value(), nullptr));
  return previous;
}

/** @brief Restores the current device's default resource. @return a ref to the resource set before. */
inline device_async_resource_ref reset_current_device_resource_ref()
{
  device_async_resource_ref previous = mr::get_current_device_resource_ref();
  rmm::detail::check(rmm_set_current_device_resource(nullptr));
  return previous;
}

} // namespace mr
} // namespace rmm

#endif
