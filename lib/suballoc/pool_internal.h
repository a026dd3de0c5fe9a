/*
 * What the pool offers the other files of lib/suballoc: the pool over a reserved range
 * of virtual memory, which rmm_expandable_pool_create() (expandable.c) builds.
 */
#ifndef RMM_SUBALLOC_POOL_INTERNAL_H
#define RMM_SUBALLOC_POOL_INTERNAL_H

#include "core/resource.h"
#include "suballoc/vmm.h"

/*
 * A pool whose memory is `vmm`'s mapped range: it maps `initial_size` (rounded up to
 * the granularity) now, grows by mapping at the end of the range, and trims by
 * unmapping whole steps from it. On success the resource owns `vmm` (destroying it
 * with the pool); on failure the caller still owns it. `properties` are the memory's
 * (RMM_DEVICE_ACCESSIBLE for device memory, RMM_HOST_ACCESSIBLE for host memory).
 */
rmm_status_t rmm__pool_create_over_vmm(rmm__vmm_t *vmm, size_t initial_size, unsigned properties,
                                       rmm_resource_t **out);

#endif
