/**
 * @file rmm/mr/polymorphic_allocator.hpp
 * @brief The newer path of rmm/mr/device/polymorphic_allocator.hpp: includes it.
 */
#ifndef RMM_MR_POLYMORPHIC_ALLOCATOR_HPP
#define RMM_MR_POLYMORPHIC_ALLOCATOR_HPP

#include <rmm/mr/device/polymorphic_allocator.hpp>

#endif
