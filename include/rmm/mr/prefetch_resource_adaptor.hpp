/**
 * @file rmm/mr/prefetch_resource_adaptor.hpp
 * @brief The newer path of rmm/mr/device/prefetch_resource_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_PREFETCH_RESOURCE_ADAPTOR_HPP
#define RMM_MR_PREFETCH_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/prefetch_resource_adaptor.hpp>

#endif
