/**
 * @file rmm/mr/aligned_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/aligned_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_ALIGNED_RESOURCE_ADAPTOR_HPP
#define RMM_MR_ALIGNED_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/aligned_resource_adaptor.hpp>

#endif
