/**
 * @file rmm/mr/fixed_size_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/fixed_size_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_FIXED_SIZE_MEMORY_RESOURCE_HPP
#define RMM_MR_FIXED_SIZE_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/fixed_size_memory_resource.hpp>

#endif
