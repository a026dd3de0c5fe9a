/**
 * @file rmm/device_scalar.hpp
 * @brief rmm::device_scalar. Upstream RMM's header path: the container lives in rmm/rmm.hpp; this
 *        header adds the resource
 *        refs and per-device functions its constructors' defaults use upstream.
 */
#ifndef RMM_DEVICE_SCALAR_HPP
#define RMM_DEVICE_SCALAR_HPP

#include <rmm/rmm.hpp>
#include <rmm/mr/device/per_device_resource.hpp>

#endif
