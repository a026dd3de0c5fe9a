/**
 * @file rmm/mr/sam_headroom_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/sam_headroom_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_SAM_HEADROOM_MEMORY_RESOURCE_HPP
#define RMM_MR_SAM_HEADROOM_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/sam_headroom_memory_resource.hpp>

#endif
