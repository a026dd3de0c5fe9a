/* The hook through which lib/device supplies the default per-device resource. */
#ifndef RMM_CORE_PER_DEVICE_H
#define RMM_CORE_PER_DEVICE_H

#include <rmm/rmm.h>

typedef rmm_status_t (*rmm_default_builder_t)(int device, rmm_resource_t **out);

/* Installs the function that builds a device's default resource on first use. */
void rmm__set_default_resource_builder(rmm_default_builder_t build);

/*
 * The current device's resource with one reference taken under the table's lock, so
 * that a concurrent set cannot destroy it while a verb uses it. NULL on failure.
 */
rmm_resource_t *rmm__acquire_current_device_resource(void);

#endif
