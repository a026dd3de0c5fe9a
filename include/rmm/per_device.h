/**
 * @file rmm/per_device.h
 * @brief The current device resource: one resource per device, used wherever NULL is given.
 *
 * Each device starts with a default resource built on first use: from the spec in the
 * environment variable `RMM_RESOURCE` when set, else a cuda resource. All functions
 * here are thread-safe. With no usable GPU the current device is 0.
 */
#ifndef RMM_PER_DEVICE_H
#define RMM_PER_DEVICE_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The resource of the current device.
 * @return a borrowed pointer: retain it to keep it past a later set; NULL only when the
 *         default could not be built (see rmm_last_error_message()).
 */
RMM_API rmm_resource_t *rmm_get_current_device_resource(void);

/**
 * @brief Makes @p mr the resource of the current device.
 * @param mr retained; the previous resource is released. NULL restores the default.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT when the current device is out of range.
 */
RMM_API rmm_status_t rmm_set_current_device_resource(rmm_resource_t *mr);

/**
 * @brief The resource of device @p device.
 * @param device a device ordinal.
 * @return a borrowed pointer; NULL for a device out of range (see rmm_last_error_message()).
 */
RMM_API rmm_resource_t *rmm_get_per_device_resource(int device);

/**
 * @brief Makes @p mr the resource of device @p device.
 *
 * Create @p mr with @p device current: resources are used with their device current.
 * @param device a device ordinal.
 * @param mr retained; the previous resource is released. NULL restores the default.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for a device out of range.
 */
RMM_API rmm_status_t rmm_set_per_device_resource(int device, rmm_resource_t *mr);

#ifdef __cplusplus
}
#endif

#endif
