/**
 * @file rmm/mr/per_device_resource.hpp
 * @brief The newer path of rmm/mr/device/per_device_resource.hpp: includes it.
 */
#ifndef RMM_MR_PER_DEVICE_RESOURCE_HPP
#define RMM_MR_PER_DEVICE_RESOURCE_HPP

#include <rmm/mr/device/per_device_resource.hpp>

#endif
