/* The hook through which lib/device supplies the default per-device resource. */
#ifndef RMM_CORE_PER_DEVICE_H
#define RMM_CORE_PER_DEVICE_H

#include <rmm/rmm.h>

typedef rmm_status_t (*rmm_default_builder_t)(int device, rmm_resource_t **out);

/* Installs the function that builds a device's default resource on first use. */
void rmm__set_default_resource_builder(rmm_default_builder_t build);

#endif
