/**
 * @file rmm/mr/owning_wrapper.hpp
 * @brief The newer path of rmm/mr/device/owning_wrapper.hpp: includes it.
 */
#ifndef RMM_MR_OWNING_WRAPPER_HPP
#define RMM_MR_OWNING_WRAPPER_HPP

#include <rmm/mr/device/owning_wrapper.hpp>

#endif
