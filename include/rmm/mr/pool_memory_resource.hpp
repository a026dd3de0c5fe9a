/**
 * @file rmm/mr/pool_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/pool_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_POOL_MEMORY_RESOURCE_HPP
#define RMM_MR_POOL_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/pool_memory_resource.hpp>

#endif
