/*
 * The per-device resource table. Each entry holds one reference. A device's default
 * is built on first use by the builder lib/device registers; it is built outside the
 * lock, since a builder may call back into librmm, and the first one installed wins.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"
#include "core/per_device.h"
#include "core/resource.h"

enum { MAX_DEVICES = 256 };

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static rmm_resource_t *table[MAX_DEVICES];
static rmm_default_builder_t default_builder;

void rmm__set_default_resource_builder(rmm_default_builder_t build) { default_builder = build; }

/* Devices 0 .. count-1 are valid; with no GPU device 0 still is, for host resources. */
static rmm_status_t check_device(const char *caller, int device)
{
  int count = rmm__cuda_device_count();
  int limit = count > 0 ? count : 1;
  if (device < 0 || device >= limit || device >= MAX_DEVICES)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: device %d is out of range (this machine has %d usable device%s)",
                     caller, device, count, count == 1 ? "" : "s");
  return RMM_SUCCESS;
}

static rmm_resource_t *lookup(int device)
{
  pthread_mutex_lock(&table_lock);
  rmm_resource_t *mr = table[device];
  pthread_mutex_unlock(&table_lock);
  return mr;
}

static rmm_resource_t *build_default(int device)
{
  rmm_resource_t *built = NULL;
  rmm_status_t status = default_builder != NULL ? default_builder(device, &built)
                                                : rmm__fail(RMM_ERROR_NOT_SUPPORTED, "no default resource builder");
  if (status != RMM_SUCCESS)
    return NULL;
  pthread_mutex_lock(&table_lock);
  rmm_resource_t *winner = table[device];
  if (winner == NULL)
    table[device] = winner = built;
  pthread_mutex_unlock(&table_lock);
  if (winner != built)
    rmm_resource_release(built);
  else
    RMM_LOG(RMM_LOG_DEBUG, "device %d: default resource is %s", device, rmm_resource_name(built));
  return winner;
}

RMM_API rmm_resource_t *rmm_get_per_device_resource(int device)
{
  if (check_device("rmm_get_per_device_resource", device) != RMM_SUCCESS)
    return NULL;
  rmm_resource_t *mr = lookup(device);
  return mr != NULL ? mr : build_default(device);
}

RMM_API rmm_status_t rmm_set_per_device_resource(int device, rmm_resource_t *mr)
{
  rmm_status_t status = check_device("rmm_set_per_device_resource", device);
  if (status != RMM_SUCCESS)
    return status;
  rmm_resource_retain(mr);
  pthread_mutex_lock(&table_lock);
  rmm_resource_t *previous = table[device];
  table[device] = mr;
  pthread_mutex_unlock(&table_lock);
  rmm_resource_release(previous);
  return RMM_SUCCESS;
}

rmm_resource_t *rmm__acquire_current_device_resource(void)
{
  int device = rmm__cuda_current_device();
  if (check_device("rmm_get_current_device_resource", device) != RMM_SUCCESS)
    return NULL;
  pthread_mutex_lock(&table_lock);
  rmm_resource_t *mr = rmm_resource_retain(table[device]);
  pthread_mutex_unlock(&table_lock);
  if (mr != NULL)
    return mr;
  /* build_default returns a table entry, which a concurrent set may replace: retain under the lock. */
  if (build_default(device) == NULL)
    return NULL;
  pthread_mutex_lock(&table_lock);
  mr = rmm_resource_retain(table[device]);
  pthread_mutex_unlock(&table_lock);
  return mr != NULL ? mr : rmm__acquire_current_device_resource();
}

RMM_API rmm_resource_t *rmm_get_current_device_resource(void)
{
  return rmm_get_per_device_resource(rmm__cuda_current_device());
}

RMM_API rmm_status_t rmm_set_current_device_resource(rmm_resource_t *mr)
{
  return rmm_set_per_device_resource(rmm__cuda_current_device(), mr);
}
