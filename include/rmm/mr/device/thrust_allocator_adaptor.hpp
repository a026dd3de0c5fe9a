/**
 * @file rmm/mr/device/thrust_allocator_adaptor.hpp
 * @brief rmm::mr::thrust_allocator. Upstream RMM's header path over rmm/thrust.hpp (nvcc and the
 *        toolkit's Thrust).
 */
#ifndef RMM_MR_DEVICE_THRUST_ALLOCATOR_ADAPTOR_HPP
#define RMM_MR_DEVICE_THRUST_ALLOCATOR_ADAPTOR_HPP

#include <rmm/thrust.hpp>
#include <rmm/mr/device/per_device_resource.hpp>

#endif
