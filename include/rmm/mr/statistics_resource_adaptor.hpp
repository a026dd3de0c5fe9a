/**
 * @file rmm/mr/statistics_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/statistics_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_STATISTICS_RESOURCE_ADAPTOR_HPP
#define RMM_MR_STATISTICS_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/statistics_resource_adaptor.hpp>

#endif
