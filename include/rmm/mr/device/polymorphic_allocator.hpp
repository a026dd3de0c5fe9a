/**
 * @file rmm/mr/device/polymorphic_allocator.hpp
 * @brief rmm::mr::polymorphic_allocator and stream_allocator_adaptor. Upstream RMM's header path:
 *        they live in rmm/rmm.hpp
 *        and take any resource class, ref or rmm::resource.
 */
#ifndef RMM_MR_DEVICE_POLYMORPHIC_ALLOCATOR_HPP
#define RMM_MR_DEVICE_POLYMORPHIC_ALLOCATOR_HPP

#include <rmm/rmm.hpp>
#include <rmm/mr/device/per_device_resource.hpp>

#endif
