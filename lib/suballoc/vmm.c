/*
 * Reserved ranges mapped at their end (see vmm.h). Each backend supplies three
 * operations: map a step, unmap a step, free the range; the bookkeeping of steps,
 * rounding and checks is shared, so the host backend the CPU tests use behaves as the
 * device backend does.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cuda.h>

#include "core/cuda.h"
#include "core/error.h"
#include "core/log.h"
#include "suballoc/vmm.h"

/* One mapped step: its size and the physical allocation behind it (device only). */
typedef struct step {
  size_t size;
  CUmemGenericAllocationHandle handle;
} step_t;

typedef struct backend {
  const char *name;
  /* Maps [address, address + size) as one step; fills the step's handle. */
  rmm_status_t (*map)(rmm__vmm_t *vmm, uintptr_t address, step_t *step);
  /* Unmaps a step and frees its memory; failures are logged, the step is gone anyway. */
  void (*unmap)(rmm__vmm_t *vmm, uintptr_t address, const step_t *step);
  /* Frees the whole range, with nothing mapped. */
  void (*release)(rmm__vmm_t *vmm);
} backend_t;

struct rmm__vmm {
  const backend_t *backend;
  uintptr_t base;
  size_t reserved;
  size_t granularity;
  size_t mapped;
  step_t *steps; /* oldest first */
  size_t step_count;
  size_t step_capacity;
  CUdevice device; /* the device backend's device */
  int ordinal;
};

/* ---- the driver's virtual memory functions ---- */

typedef struct driver {
  CUresult (*get_error_name)(CUresult, const char **);
  CUresult (*device_get)(CUdevice *, int);
  CUresult (*device_get_attribute)(int *, CUdevice_attribute, CUdevice);
  CUresult (*device_total_mem)(size_t *, CUdevice);
  CUresult (*get_granularity)(size_t *, const CUmemAllocationProp *, CUmemAllocationGranularity_flags);
  CUresult (*address_reserve)(CUdeviceptr *, size_t, size_t, CUdeviceptr, unsigned long long);
  CUresult (*address_free)(CUdeviceptr, size_t);
  CUresult (*create)(CUmemGenericAllocationHandle *, size_t, const CUmemAllocationProp *, unsigned long long);
  CUresult (*release)(CUmemGenericAllocationHandle);
  CUresult (*map)(CUdeviceptr, size_t, size_t, CUmemGenericAllocationHandle, unsigned long long);
  CUresult (*set_access)(CUdeviceptr, size_t, const CUmemAccessDesc *, size_t);
  CUresult (*unmap)(CUdeviceptr, size_t);
} driver_t;

static driver_t driver;
static rmm_status_t driver_status;
static char driver_message[256];
static pthread_once_t driver_once = PTHREAD_ONCE_INIT;

/* Looks every function up once; the first that is missing decides the status. */
static void load_driver(void)
{
  static const struct {
    const char *symbol;
    size_t offset;
  } functions[] = {
      {"cuGetErrorName", offsetof(driver_t, get_error_name)},
      {"cuDeviceGet", offsetof(driver_t, device_get)},
      {"cuDeviceGetAttribute", offsetof(driver_t, device_get_attribute)},
      {"cuDeviceTotalMem", offsetof(driver_t, device_total_mem)},
      {"cuMemGetAllocationGranularity", offsetof(driver_t, get_granularity)},
      {"cuMemAddressReserve", offsetof(driver_t, address_reserve)},
      {"cuMemAddressFree", offsetof(driver_t, address_free)},
      {"cuMemCreate", offsetof(driver_t, create)},
      {"cuMemRelease", offsetof(driver_t, release)},
      {"cuMemMap", offsetof(driver_t, map)},
      {"cuMemSetAccess", offsetof(driver_t, set_access)},
      {"cuMemUnmap", offsetof(driver_t, unmap)},
  };
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    void *function;
    driver_status = rmm__cuda_driver_function(functions[i].symbol, &function);
    if (driver_status != RMM_SUCCESS) {
      strncpy(driver_message, rmm_last_error_message(), sizeof driver_message - 1);
      return;
    }
    memcpy((char *)&driver + functions[i].offset, &function, sizeof function);
  }
}

static rmm_status_t require_driver(void)
{
  pthread_once(&driver_once, load_driver);
  if (driver_status != RMM_SUCCESS)
    return rmm__fail(driver_status, "vmm: %s", driver_message);
  return RMM_SUCCESS;
}

/* A failed driver call: its name and the driver's name for the error. */
static rmm_status_t driver_failed(CUresult result, const char *call)
{
  const char *name = NULL;
  if (driver.get_error_name == NULL || driver.get_error_name(result, &name) != CUDA_SUCCESS || name == NULL)
    name = "unknown error";
  rmm_status_t status = result == CUDA_ERROR_OUT_OF_MEMORY ? RMM_ERROR_OUT_OF_MEMORY : RMM_ERROR_CUDA;
  return rmm__fail(status, "vmm: %s failed: %s (%d)", call, name, (int)result);
}

static CUmemAllocationProp device_properties(CUdevice device)
{
  CUmemAllocationProp prop;
  memset(&prop, 0, sizeof prop);
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  return prop;
}

/* ---- the device backend ---- */

static rmm_status_t device_map(rmm__vmm_t *vmm, uintptr_t address, step_t *step)
{
  char size[RMM_BYTES_TEXT];
  CUmemAllocationProp prop = device_properties(vmm->device);
  CUresult result = driver.create(&step->handle, step->size, &prop, 0);
  if (result == CUDA_ERROR_OUT_OF_MEMORY)
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "vmm: device %d is out of memory (cuMemCreate of %s)", vmm->ordinal,
                     rmm__format_bytes(step->size, size));
  if (result != CUDA_SUCCESS)
    return driver_failed(result, "cuMemCreate");
  result = driver.map((CUdeviceptr)address, step->size, 0, step->handle, 0);
  if (result != CUDA_SUCCESS) {
    (void)driver.release(step->handle);
    return driver_failed(result, "cuMemMap");
  }
  CUmemAccessDesc access = {.location = prop.location, .flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE};
  result = driver.set_access((CUdeviceptr)address, step->size, &access, 1);
  if (result != CUDA_SUCCESS) {
    (void)driver.unmap((CUdeviceptr)address, step->size);
    (void)driver.release(step->handle);
    return driver_failed(result, "cuMemSetAccess");
  }
  return RMM_SUCCESS;
}

static void device_unmap(rmm__vmm_t *vmm, uintptr_t address, const step_t *step)
{
  (void)vmm;
  CUresult unmapped = driver.unmap((CUdeviceptr)address, step->size);
  CUresult released = driver.release(step->handle);
  if (unmapped != CUDA_SUCCESS || released != CUDA_SUCCESS)
    RMM_LOG(RMM_LOG_ERROR, "vmm: unmapping %zu bytes at %p failed (cuMemUnmap %d, cuMemRelease %d)", step->size,
            (void *)address, (int)unmapped, (int)released);
}

static void device_release(rmm__vmm_t *vmm)
{
  CUresult result = driver.address_free((CUdeviceptr)vmm->base, vmm->reserved);
  if (result != CUDA_SUCCESS)
    RMM_LOG(RMM_LOG_ERROR, "vmm: cuMemAddressFree of %p failed (%d)", (void *)vmm->base, (int)result);
}

static const backend_t device_backend = {"device", device_map, device_unmap, device_release};

/* ---- the host backend ---- */

/* A fresh mapping over the step replaces the reserved, inaccessible pages. */
static rmm_status_t host_map(rmm__vmm_t *vmm, uintptr_t address, step_t *step)
{
  char size[RMM_BYTES_TEXT];
  (void)vmm;
  void *mapped = mmap((void *)address, step->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                      -1, 0);
  if (mapped == MAP_FAILED)
    return rmm__fail(errno == ENOMEM ? RMM_ERROR_OUT_OF_MEMORY : RMM_ERROR_BAD_ALLOC,
                     "vmm: the host cannot map %s: %s", rmm__format_bytes(step->size, size), strerror(errno));
  return RMM_SUCCESS;
}

/* Mapping reserved pages back over the step drops its memory at once. */
static void host_unmap(rmm__vmm_t *vmm, uintptr_t address, const step_t *step)
{
  (void)vmm;
  if (mmap((void *)address, step->size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) ==
      MAP_FAILED)
    RMM_LOG(RMM_LOG_ERROR, "vmm: returning %zu bytes at %p to the reservation failed: %s", step->size,
            (void *)address, strerror(errno));
}

static void host_release(rmm__vmm_t *vmm) { (void)munmap((void *)vmm->base, vmm->reserved); }

static const backend_t host_backend = {"host", host_map, host_unmap, host_release};

/* ---- shared ---- */

static rmm_status_t new_vmm(const backend_t *backend, size_t granularity, rmm__vmm_t **out)
{
  rmm__vmm_t *vmm = calloc(1, sizeof *vmm);
  if (vmm == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "vmm: no host memory for the range");
  vmm->backend = backend;
  vmm->granularity = granularity;
  *out = vmm;
  return RMM_SUCCESS;
}

/* `bytes` rounded up to the range's granularity (a power of two or not); false on overflow. */
static bool round_to_granularity(size_t bytes, size_t granularity, size_t *out)
{
  size_t steps = bytes / granularity + (bytes % granularity != 0);
  if (steps > SIZE_MAX / granularity)
    return false;
  *out = steps * granularity;
  return true;
}

rmm_status_t rmm__vmm_create_host(size_t reservation, rmm__vmm_t **out)
{
  *out = NULL;
  long page = sysconf(_SC_PAGESIZE);
  size_t granularity = page > 0 ? (size_t)page : 4096;
  if (reservation == 0) {
    long pages = sysconf(_SC_PHYS_PAGES);
    reservation = pages > 0 ? (size_t)pages * granularity : granularity;
  }
  size_t size;
  if (!round_to_granularity(reservation, granularity, &size))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "vmm: a reservation of %zu bytes cannot be made", reservation);
  void *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) {
    char text[RMM_BYTES_TEXT];
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY, "vmm: cannot reserve %s of host addresses: %s",
                     rmm__format_bytes(size, text), strerror(errno));
  }
  rmm_status_t status = new_vmm(&host_backend, granularity, out);
  if (status != RMM_SUCCESS) {
    (void)munmap(base, size);
    return status;
  }
  (*out)->base = (uintptr_t)base;
  (*out)->reserved = size;
  return RMM_SUCCESS;
}

/* The driver's device for `ordinal` (-1: the current device), if it can map virtual memory. */
static rmm_status_t vmm_device(int ordinal, int *resolved, CUdevice *device)
{
  rmm_status_t status = ordinal < 0 ? rmm__cuda_get_device(&ordinal) : RMM_SUCCESS;
  if (status != RMM_SUCCESS)
    return status;
  *resolved = ordinal;
  CUresult result = driver.device_get(device, ordinal);
  if (result != CUDA_SUCCESS)
    return driver_failed(result, "cuDeviceGet");
  int supported = 0;
  result = driver.device_get_attribute(&supported, CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, *device);
  if (result != CUDA_SUCCESS)
    return driver_failed(result, "cuDeviceGetAttribute");
  if (!supported)
    return rmm__fail(RMM_ERROR_NOT_SUPPORTED,
                     "vmm: device %d does not support virtual memory management "
                     "(CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED is 0); use a pool instead",
                     ordinal);
  return RMM_SUCCESS;
}

rmm_status_t rmm__vmm_create_device(int device, size_t reservation, rmm__vmm_t **out)
{
  *out = NULL;
  /* Initialises the runtime (and so the driver) before any driver call. */
  int count = 0;
  rmm_status_t status = rmm__cuda_get_device_count(&count);
  if (status == RMM_SUCCESS && count == 0)
    status = rmm__fail(RMM_ERROR_CUDA, "vmm: there is no CUDA device");
  if (status == RMM_SUCCESS)
    status = require_driver();
  int ordinal = device;
  CUdevice dev = 0;
  if (status == RMM_SUCCESS)
    status = vmm_device(device, &ordinal, &dev);
  if (status != RMM_SUCCESS)
    return status;

  size_t granularity = 0, total = 0;
  CUmemAllocationProp prop = device_properties(dev);
  CUresult result = driver.get_granularity(&granularity, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM);
  if (result != CUDA_SUCCESS || granularity == 0)
    return driver_failed(result, "cuMemGetAllocationGranularity");
  result = driver.device_total_mem(&total, dev);
  if (result != CUDA_SUCCESS)
    return driver_failed(result, "cuDeviceTotalMem");
  /* More addresses than the device has memory could never be mapped. */
  if (reservation == 0 || reservation > total)
    reservation = total;
  size_t size;
  if (!round_to_granularity(reservation, granularity, &size))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "vmm: a reservation of %zu bytes cannot be made", reservation);
  CUdeviceptr base = 0;
  result = driver.address_reserve(&base, size, 0, 0, 0);
  if (result != CUDA_SUCCESS)
    return driver_failed(result, "cuMemAddressReserve");
  status = new_vmm(&device_backend, granularity, out);
  if (status != RMM_SUCCESS) {
    (void)driver.address_free(base, size);
    return status;
  }
  (*out)->base = (uintptr_t)base;
  (*out)->reserved = size;
  (*out)->device = dev;
  (*out)->ordinal = ordinal;
  char text[RMM_BYTES_TEXT], step[RMM_BYTES_TEXT];
  RMM_LOG(RMM_LOG_DEBUG, "vmm: reserved %s of device %d addresses at %p (granularity %s)",
          rmm__format_bytes(size, text), ordinal, (void *)(uintptr_t)base, rmm__format_bytes(granularity, step));
  return RMM_SUCCESS;
}

void rmm__vmm_destroy(rmm__vmm_t *vmm)
{
  if (vmm == NULL)
    return;
  while (vmm->step_count > 0) {
    step_t *last = &vmm->steps[--vmm->step_count];
    vmm->mapped -= last->size;
    vmm->backend->unmap(vmm, vmm->base + vmm->mapped, last);
  }
  vmm->backend->release(vmm);
  free(vmm->steps);
  free(vmm);
}

uintptr_t rmm__vmm_base(const rmm__vmm_t *vmm) { return vmm->base; }
size_t rmm__vmm_granularity(const rmm__vmm_t *vmm) { return vmm->granularity; }
size_t rmm__vmm_mapped(const rmm__vmm_t *vmm) { return vmm->mapped; }
size_t rmm__vmm_reserved(const rmm__vmm_t *vmm) { return vmm->reserved; }
size_t rmm__vmm_steps(const rmm__vmm_t *vmm) { return vmm->step_count; }
bool rmm__vmm_is_device(const rmm__vmm_t *vmm) { return vmm->backend == &device_backend; }

rmm_status_t rmm__vmm_grow(rmm__vmm_t *vmm, size_t min_bytes, size_t *added)
{
  *added = 0;
  char want[RMM_BYTES_TEXT], mapped[RMM_BYTES_TEXT], reserved[RMM_BYTES_TEXT];
  if (min_bytes == 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "vmm: growing by 0 bytes");
  size_t size;
  if (!round_to_granularity(min_bytes, vmm->granularity, &size) || size > vmm->reserved - vmm->mapped)
    return rmm__fail(RMM_ERROR_OUT_OF_MEMORY,
                     "vmm: the reserved range is exhausted (growing by %s; %s of %s mapped)",
                     rmm__format_bytes(min_bytes, want), rmm__format_bytes(vmm->mapped, mapped),
                     rmm__format_bytes(vmm->reserved, reserved));
  if (vmm->step_count == vmm->step_capacity) {
    size_t capacity = vmm->step_capacity == 0 ? 16 : vmm->step_capacity * 2;
    step_t *steps = realloc(vmm->steps, capacity * sizeof *steps);
    if (steps == NULL)
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "vmm: no host memory for %zu steps", capacity);
    vmm->steps = steps;
    vmm->step_capacity = capacity;
  }
  step_t step = {.size = size};
  rmm_status_t status = vmm->backend->map(vmm, vmm->base + vmm->mapped, &step);
  if (status != RMM_SUCCESS)
    return status;
  vmm->steps[vmm->step_count++] = step;
  vmm->mapped += size;
  *added = size;
  return RMM_SUCCESS;
}

size_t rmm__vmm_shrinkable(const rmm__vmm_t *vmm, size_t free_tail)
{
  size_t total = 0;
  for (size_t i = vmm->step_count; i-- > 0 && vmm->steps[i].size <= free_tail - total;)
    total += vmm->steps[i].size;
  return total;
}

rmm_status_t rmm__vmm_shrink(rmm__vmm_t *vmm, size_t bytes)
{
  size_t count = 0, total = 0;
  while (total < bytes && count < vmm->step_count)
    total += vmm->steps[vmm->step_count - ++count].size;
  if (total != bytes)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "vmm: %zu bytes are not a run of whole steps at the end of the mapped memory", bytes);
  for (; count > 0; count--) {
    step_t *last = &vmm->steps[--vmm->step_count];
    vmm->mapped -= last->size;
    vmm->backend->unmap(vmm, vmm->base + vmm->mapped, last);
  }
  return RMM_SUCCESS;
}
