/*
 * rmm_expandable_pool_create(): checks the options and reserves the range; the pool
 * over it is pool.c's (rmm__pool_create_over_vmm).
 */
#include "config.h"

#include <rmm/expandable_pool.h>

#include "core/error.h"
#include "core/log.h"
#include "suballoc/pool_internal.h"
#include "suballoc/vmm.h"

static const char caller[] = "rmm_expandable_pool_create";

static rmm_status_t read_options(const rmm_expandable_pool_options_t *options,
                                 rmm_expandable_pool_options_t *settings)
{
  *settings = (rmm_expandable_pool_options_t)RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  if (options == NULL)
    return RMM_SUCCESS;
  if (options->struct_size < sizeof *settings)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "%s: options->struct_size %zu is too small; start from RMM_EXPANDABLE_POOL_OPTIONS_INIT", caller,
                     options->struct_size);
  *settings = *options;
  if (!settings->host && settings->device < -1)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: device %d is not a device (-1 is the current one)", caller,
                     settings->device);
  if (settings->reservation != 0 && settings->initial_size > settings->reservation) {
    char initial[RMM_BYTES_TEXT], reservation[RMM_BYTES_TEXT];
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the initial size %s is above the reservation %s", caller,
                     rmm__format_bytes(settings->initial_size, initial),
                     rmm__format_bytes(settings->reservation, reservation));
  }
  return RMM_SUCCESS;
}

RMM_API rmm_status_t rmm_expandable_pool_create(const rmm_expandable_pool_options_t *options, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", caller);
  *out = NULL;
  rmm_expandable_pool_options_t settings;
  rmm_status_t status = read_options(options, &settings);
  if (status != RMM_SUCCESS)
    return status;
  rmm__vmm_t *vmm = NULL;
  status = settings.host ? rmm__vmm_create_host(settings.reservation, &vmm)
                         : rmm__vmm_create_device(settings.device, settings.reservation, &vmm);
  if (status != RMM_SUCCESS)
    return status;
  /* A reservation of 0 became the device's memory: the initial size must fit in that too. */
  if (settings.initial_size > rmm__vmm_reserved(vmm)) {
    char initial[RMM_BYTES_TEXT], reserved[RMM_BYTES_TEXT];
    status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the initial size %s is above the reservation %s", caller,
                       rmm__format_bytes(settings.initial_size, initial),
                       rmm__format_bytes(rmm__vmm_reserved(vmm), reserved));
  }
  unsigned properties = settings.host ? RMM_HOST_ACCESSIBLE : RMM_DEVICE_ACCESSIBLE;
  if (status == RMM_SUCCESS)
    status = rmm__pool_create_over_vmm(vmm, settings.initial_size, properties, out);
  if (status != RMM_SUCCESS) {
    rmm__vmm_destroy(vmm);
    return status;
  }
  char reserved[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "expandable_pool: created over a %s reserved %s range", settings.host ? "host" : "device",
          rmm__format_bytes(rmm__vmm_reserved(vmm), reserved));
  return RMM_SUCCESS;
}
