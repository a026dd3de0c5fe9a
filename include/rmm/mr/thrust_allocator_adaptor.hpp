/**
 * @file rmm/mr/thrust_allocator_adaptor.hpp
 * @brief The newer path of rmm/mr/device/thrust_allocator_adaptor.hpp: includes it.
 */
#ifndef RMM_MR_THRUST_ALLOCATOR_ADAPTOR_HPP
#define RMM_MR_THRUST_ALLOCATOR_ADAPTOR_HPP

#include <rmm/mr/device/thrust_allocator_adaptor.hpp>

#endif
