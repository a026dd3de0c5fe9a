/**
 * @file rmm/mr/thread_safe_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/thread_safe_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_THREAD_SAFE_RESOURCE_ADAPTOR_HPP
#define RMM_MR_THREAD_SAFE_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/thread_safe_resource_adaptor.hpp>

#endif
