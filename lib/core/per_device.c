/*
 * The per-device resource table. Each entry holds one reference. A device's default
 * is built on first use by the builder lib/device registers, once: the first thread
 * to need it builds it outside the lock (a builder may call back into librmm), and
 * threads that need it meanwhile wait for that build rather than make their own,
 * which would build RMM_RESOURCE's stack (and print its warning) once per thread.
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
static pthread_cond_t build_done = PTHREAD_COND_INITIALIZER;
static rmm_resource_t *table[MAX_DEVICES];
static bool building[MAX_DEVICES]; /* a thread is building the device's default */
static pthread_t builder[MAX_DEVICES];
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

/*
 * Claims the build of `device`'s default, or waits for another thread's build. Called
 * with the table's lock held; true when this thread is to build. A builder that needs
 * the default it is building gets a failure rather than a deadlock.
 */
static bool claim_build(int device, rmm_status_t *status)
{
  *status = RMM_SUCCESS;
  while (table[device] == NULL && building[device]) {
    if (pthread_equal(builder[device], pthread_self())) {
      *status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                          "device %d: the default resource was needed while it was being built", device);
      return false;
    }
    pthread_cond_wait(&build_done, &table_lock);
  }
  if (table[device] != NULL)
    return false;
  building[device] = true;
  builder[device] = pthread_self();
  return true;
}

/* The device's default, built on first use; NULL (with the message and *status) on failure. */
static rmm_resource_t *build_default(int device, rmm_status_t *status)
{
  pthread_mutex_lock(&table_lock);
  bool mine = claim_build(device, status);
  rmm_resource_t *ready = table[device];
  pthread_mutex_unlock(&table_lock);
  if (!mine)
    return ready;
  rmm_resource_t *built = NULL;
  *status = default_builder != NULL ? default_builder(device, &built)
                                    : rmm__fail(RMM_ERROR_NOT_SUPPORTED, "no default resource builder");
  pthread_mutex_lock(&table_lock);
  building[device] = false;
  rmm_resource_t *winner = table[device];
  if (winner == NULL)
    table[device] = winner = built;
  pthread_cond_broadcast(&build_done);
  pthread_mutex_unlock(&table_lock);
  /* A set during the build wins over the default. */
  if (winner != built)
    rmm_resource_release(built);
  else if (built != NULL)
    RMM_LOG(RMM_LOG_DEBUG, "device %d: default resource is %s", device, rmm_resource_name(built));
  return winner;
}

/* The device's resource, its default built on first use; the status and message on failure. */
static rmm_status_t get_resource(const char *caller, int device, rmm_resource_t **out)
{
  *out = NULL;
  rmm_status_t status = check_device(caller, device);
  if (status != RMM_SUCCESS)
    return status;
  *out = lookup(device);
  if (*out == NULL)
    *out = build_default(device, &status);
  if (*out == NULL && status == RMM_SUCCESS)
    status = rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "device %d: no default resource", device);
  return status;
}

RMM_API rmm_resource_t *rmm_get_per_device_resource(int device)
{
  rmm_resource_t *mr;
  (void)get_resource("rmm_get_per_device_resource", device, &mr);
  return mr;
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

rmm_status_t rmm__acquire_current_device_resource(rmm_resource_t **out)
{
  int device = rmm__cuda_current_device();
  for (;;) {
    /* get_resource returns a table entry, which a concurrent set may replace: retain under the lock. */
    rmm_status_t status = get_resource("rmm_get_current_device_resource", device, out);
    if (status != RMM_SUCCESS)
      return status;
    pthread_mutex_lock(&table_lock);
    *out = rmm_resource_retain(table[device]);
    pthread_mutex_unlock(&table_lock);
    if (*out != NULL)
      return RMM_SUCCESS;
  }
}

rmm_status_t rmm__get_current_device_resource(rmm_resource_t **out)
{
  return get_resource("rmm_get_current_device_resource", rmm__cuda_current_device(), out);
}

RMM_API rmm_resource_t *rmm_get_current_device_resource(void)
{
  return rmm_get_per_device_resource(rmm__cuda_current_device());
}

RMM_API rmm_status_t rmm_set_current_device_resource(rmm_resource_t *mr)
{
  return rmm_set_per_device_resource(rmm__cuda_current_device(), mr);
}
