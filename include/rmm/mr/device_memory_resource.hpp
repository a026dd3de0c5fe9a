/**
 * @file rmm/mr/device_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/device_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_DEVICE_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/device_memory_resource.hpp>

#endif
