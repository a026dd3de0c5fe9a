/**
 * @file rmm/device_vector.hpp
 * @brief rmm::device_vector. Upstream RMM's header path over rmm/thrust.hpp (nvcc and the toolkit's
 *        Thrust).
 */
#ifndef RMM_DEVICE_VECTOR_HPP
#define RMM_DEVICE_VECTOR_HPP

#include <rmm/thrust.hpp>
#include <rmm/mr/device/per_device_resource.hpp>

#endif
