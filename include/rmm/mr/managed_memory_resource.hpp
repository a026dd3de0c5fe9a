/**
 * @file rmm/mr/managed_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/managed_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_MANAGED_MEMORY_RESOURCE_HPP
#define RMM_MR_MANAGED_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/managed_memory_resource.hpp>

#endif
