/**
 * @file rmm/mr/failure_callback_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/failure_callback_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_FAILURE_CALLBACK_RESOURCE_ADAPTOR_HPP
#define RMM_MR_FAILURE_CALLBACK_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/failure_callback_resource_adaptor.hpp>

#endif
