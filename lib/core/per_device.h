/* The hook through which lib/device supplies the default per-device resource. */
#ifndef RMM_CORE_PER_DEVICE_H
#define RMM_CORE_PER_DEVICE_H

#include <rmm/rmm.h>

typedef rmm_status_t (*rmm_default_builder_t)(int device, rmm_resource_t **out);

/* Installs the function that builds a device's default resource on first use. */
void rmm__set_default_resource_builder(rmm_default_builder_t build);

/* rmm_get_current_device_resource() (borrowed), with the status of a failure. */
rmm_status_t rmm__get_current_device_resource(rmm_resource_t **out);

/*
 * The current device's resource with one reference taken under the table's lock, so
 * that a concurrent set cannot destroy it while a verb uses it. On failure *out is NULL
 * and the status is the one behind it (a bad device, a failed build), message set.
 */
rmm_status_t rmm__acquire_current_device_resource(rmm_resource_t **out);

#endif
