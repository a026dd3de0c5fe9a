/*
 * NVTX memory annotations (see notes.h). The nvtx3 headers are header-only: the first
 * NVTX call loads the tool's injection library when one is named in the environment,
 * and every call is a test of a null function pointer otherwise.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/notes.h"

#ifdef HAVE_NVTX3
#include <nvtx3/nvToolsExtMem.h>
#endif

atomic_int rmm__notes_state = RMM__NOTES_UNDECIDED;

/* RMM_NVTX=0 turns annotations off before anything is registered. */
__attribute__((constructor)) static void read_environment(void)
{
#ifdef HAVE_NVTX3
  const char *value = getenv("RMM_NVTX");
  if (value != NULL && strcmp(value, "0") == 0)
    atomic_store(&rmm__notes_state, RMM__NOTES_OFF);
#else
  atomic_store(&rmm__notes_state, RMM__NOTES_OFF);
#endif
}

#ifdef HAVE_NVTX3

struct rmm__heap_note {
  nvtxMemHeapHandle_t handle;
};

static pthread_once_t domain_once = PTHREAD_ONCE_INIT;
static nvtxDomainHandle_t domain;

/*
 * Our domain, or NULL (the default domain) where the tool keeps no domains: the memory
 * calls take either, so whether a tool is attached is read from the first heap's
 * registration instead.
 */
static void create_domain(void) { domain = nvtxDomainCreateA("librmm"); }

static nvtxMemHeapHandle_t register_heap(void *base, size_t size)
{
  nvtxMemVirtualRangeDesc_t range = {.size = size, .ptr = base};
  nvtxMemHeapDesc_t desc = {
      .extCompatID = NVTX_EXT_COMPATID_MEM,
      .structSize = sizeof desc,
      .usage = NVTX_MEM_HEAP_USAGE_TYPE_SUB_ALLOCATOR,
      .type = NVTX_MEM_TYPE_VIRTUAL_ADDRESS,
      .typeSpecificDescSize = sizeof range,
      .typeSpecificDesc = &range,
  };
  return nvtxMemHeapRegister(domain, &desc);
}

/* The first heap settles it: a tool that answers returns a handle, none returns NULL. */
static void settle_state(bool answered)
{
  int undecided = RMM__NOTES_UNDECIDED;
  if (atomic_compare_exchange_strong(&rmm__notes_state, &undecided, answered ? RMM__NOTES_ON : RMM__NOTES_OFF))
    RMM_LOG(RMM_LOG_DEBUG, "NVTX memory annotations are %s", answered ? "on (a tool is attached)" : "off");
}

rmm__heap_note_t rmm__note_heap_add(void *base, size_t size)
{
  if (!rmm__notes_active())
    return NULL;
  pthread_once(&domain_once, create_domain);
  nvtxMemHeapHandle_t handle = register_heap(base, size);
  bool answered = handle != NULL && handle != NVTX_MEM_HEAP_HANDLE_NO_TOOL;
  settle_state(answered);
  if (!answered)
    return NULL;
  rmm__heap_note_t heap = malloc(sizeof *heap);
  if (heap == NULL) {
    nvtxMemHeapUnregister(domain, handle);
    return NULL;
  }
  heap->handle = handle;
  return heap;
}

void rmm__note_heap_remove(rmm__heap_note_t heap)
{
  if (heap == NULL)
    return;
  nvtxMemHeapUnregister(domain, heap->handle);
  free(heap);
}

void rmm__note_region_add(rmm__heap_note_t heap, void *ptr, size_t size)
{
  nvtxMemVirtualRangeDesc_t range = {.size = size, .ptr = ptr};
  nvtxMemRegionsRegisterBatch_t batch = {
      .extCompatID = NVTX_EXT_COMPATID_MEM,
      .structSize = sizeof batch,
      .regionType = NVTX_MEM_TYPE_VIRTUAL_ADDRESS,
      .heap = heap->handle,
      .regionCount = 1,
      .regionDescElementSize = sizeof range,
      .regionDescElements = &range,
  };
  nvtxMemRegionsRegister(domain, &batch);
}

void rmm__note_region_remove(rmm__heap_note_t heap, void *ptr)
{
  (void)heap; /* the tool finds the region by its address */
  nvtxMemRegionRef_t ref = {.pointer = ptr};
  nvtxMemRegionsUnregisterBatch_t batch = {
      .extCompatID = NVTX_EXT_COMPATID_MEM,
      .structSize = sizeof batch,
      .refType = NVTX_MEM_REGION_REF_TYPE_POINTER,
      .refCount = 1,
      .refElementSize = sizeof ref,
      .refElements = &ref,
  };
  nvtxMemRegionsUnregister(domain, &batch);
}

#else /* no nvtx3 headers: annotations are always off */

rmm__heap_note_t rmm__note_heap_add(void *base, size_t size)
{
  (void)base;
  (void)size;
  return NULL;
}

void rmm__note_heap_remove(rmm__heap_note_t heap) { (void)heap; }

void rmm__note_region_add(rmm__heap_note_t heap, void *ptr, size_t size)
{
  (void)heap;
  (void)ptr;
  (void)size;
}

void rmm__note_region_remove(rmm__heap_note_t heap, void *ptr)
{
  (void)heap;
  (void)ptr;
}

#endif
