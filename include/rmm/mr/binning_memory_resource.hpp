/**
 * @file rmm/mr/binning_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/binning_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_BINNING_MEMORY_RESOURCE_HPP
#define RMM_MR_BINNING_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/binning_memory_resource.hpp>

#endif
