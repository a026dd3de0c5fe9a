/**
 * @file rmm/mr/callback_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/callback_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_CALLBACK_MEMORY_RESOURCE_HPP
#define RMM_MR_CALLBACK_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/callback_memory_resource.hpp>

#endif
