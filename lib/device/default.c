/*
 * The default per-device resource. Registered with core when the library loads, so
 * that core depends on no family.
 */
#include "config.h"

#include "core/per_device.h"

static rmm_status_t build_default_resource(int device, rmm_resource_t **out)
{
  (void)device;
  return rmm_cuda_create(out);
}

__attribute__((constructor)) static void register_default_builder(void)
{
  rmm__set_default_resource_builder(build_default_resource);
}
