/**
 * @file rmm/mr/tracking_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/tracking_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_TRACKING_RESOURCE_ADAPTOR_HPP
#define RMM_MR_TRACKING_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/tracking_resource_adaptor.hpp>

#endif
