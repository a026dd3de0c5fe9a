/*
 * The default per-device resource. Registered with core when the library loads, so
 * that core depends on no family. RMM_RESOURCE, when set, is a resource spec (see
 * rmm_resource_from_spec(3)); one that cannot be built leaves the cuda resource, with
 * one line naming the problem on stderr and in the debug log, since a job should not
 * die for a typo in its environment.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/per_device.h"

static rmm_status_t build_default_resource(int device, rmm_resource_t **out)
{
  const char *spec = getenv("RMM_RESOURCE");
  if (spec == NULL || spec[0] == '\0')
    return rmm_cuda_create(out);
  rmm_status_t status = rmm_resource_from_spec(spec, out);
  if (status == RMM_SUCCESS)
    return RMM_SUCCESS;
  char why[512];
  snprintf(why, sizeof why, "%s", rmm_last_error_message());
  fprintf(stderr, "librmm: RMM_RESOURCE ignored, using cuda for device %d: %s\n", device, why);
  /* Without RMM_DEBUG_LOG_FILE the debug log is stderr, which has the line already. */
  const char *log_file = getenv("RMM_DEBUG_LOG_FILE");
  if (log_file != NULL && log_file[0] != '\0')
    RMM_LOG(RMM_LOG_WARN, "RMM_RESOURCE ignored, using cuda for device %d: %s", device, why);
  return rmm_cuda_create(out);
}

__attribute__((constructor)) static void register_default_builder(void)
{
  rmm__set_default_resource_builder(build_default_resource);
}
