/**
 * @file rmm/mr/pinned_host_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/pinned_host_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_PINNED_HOST_MEMORY_RESOURCE_HPP
#define RMM_MR_PINNED_HOST_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/pinned_host_memory_resource.hpp>

#endif
