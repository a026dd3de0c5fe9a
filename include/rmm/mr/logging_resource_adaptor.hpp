/**
 * @file rmm/mr/logging_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/logging_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_LOGGING_RESOURCE_ADAPTOR_HPP
#define RMM_MR_LOGGING_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/logging_resource_adaptor.hpp>

#endif
