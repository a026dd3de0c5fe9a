/**
 * @file rmm/mr/arena_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/arena_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_ARENA_MEMORY_RESOURCE_HPP
#define RMM_MR_ARENA_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/arena_memory_resource.hpp>

#endif
