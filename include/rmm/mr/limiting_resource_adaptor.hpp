/**
 * @file rmm/mr/limiting_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/limiting_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_LIMITING_RESOURCE_ADAPTOR_HPP
#define RMM_MR_LIMITING_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/limiting_resource_adaptor.hpp>

#endif
