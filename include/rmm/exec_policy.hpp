/**
 * @file rmm/exec_policy.hpp
 * @brief rmm::exec_policy and rmm::exec_policy_nosync. Upstream RMM's header path over
 *        rmm/thrust.hpp (nvcc and the toolkit's Thrust).
 */
#ifndef RMM_EXEC_POLICY_HPP
#define RMM_EXEC_POLICY_HPP

#include <rmm/thrust.hpp>
#include <rmm/mr/device/per_device_resource.hpp>

#endif
