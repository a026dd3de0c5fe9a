/**
 * @file rmm/mr/system_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/system_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_SYSTEM_MEMORY_RESOURCE_HPP
#define RMM_MR_SYSTEM_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/system_memory_resource.hpp>

#endif
