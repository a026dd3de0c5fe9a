/*
 * A reserved range of virtual addresses whose memory is mapped and unmapped at its
 * end: the mechanism under the expandable pool. Memory is mapped in steps, one per
 * rmm__vmm_grow() call, each rounded up to the granularity; a step is unmapped only
 * whole, newest first, so what rmm__vmm_shrink() can give back is a run of whole
 * steps at the end (rmm__vmm_shrinkable() says how much). Mapped memory never moves.
 *
 * Two backends with one behaviour: device memory through the CUDA driver's virtual
 * memory calls (cuMemAddressReserve, cuMemCreate, cuMemMap, cuMemSetAccess, found
 * through cudaGetDriverEntryPointByVersion: no -lcuda), and host memory through mmap,
 * which the CPU tests use.
 *
 * No locks: the caller serialises every call on one range.
 */
#ifndef RMM_SUBALLOC_VMM_H
#define RMM_SUBALLOC_VMM_H

#include <stddef.h>
#include <stdint.h>

#include <rmm/common.h>

typedef struct rmm__vmm rmm__vmm_t;

/*
 * Reserves `reservation` bytes of device addresses on `device` (-1: the current
 * device); 0, or more than the device's memory, reserves the device's memory.
 * RMM_ERROR_NOT_SUPPORTED for a device or driver without virtual memory management.
 */
rmm_status_t rmm__vmm_create_device(int device, size_t reservation, rmm__vmm_t **out);

/*
 * Reserves `reservation` bytes of host addresses (0: the host's physical memory);
 * mapped steps are ordinary readable and writable memory. The granularity is the page
 * size.
 */
rmm_status_t rmm__vmm_create_host(size_t reservation, rmm__vmm_t **out);

/* Unmaps everything and frees the range. NULL is a no-op. */
void rmm__vmm_destroy(rmm__vmm_t *vmm);

uintptr_t rmm__vmm_base(const rmm__vmm_t *vmm);
size_t rmm__vmm_granularity(const rmm__vmm_t *vmm);
/* The bytes mapped, from the base: [base, base + mapped) is usable memory. */
size_t rmm__vmm_mapped(const rmm__vmm_t *vmm);
/* The size of the range, a multiple of the granularity. */
size_t rmm__vmm_reserved(const rmm__vmm_t *vmm);
/* The number of mapped steps. */
size_t rmm__vmm_steps(const rmm__vmm_t *vmm);
/* Whether the memory is device memory (else host memory). */
bool rmm__vmm_is_device(const rmm__vmm_t *vmm);

/*
 * Maps one step of at least `min_bytes` (> 0), rounded up to the granularity, at the
 * end of the mapped memory; `*added` receives its size. RMM_ERROR_OUT_OF_MEMORY when
 * the range or the device has no room for it (the message gives the figures); nothing
 * changes on failure.
 */
rmm_status_t rmm__vmm_grow(rmm__vmm_t *vmm, size_t min_bytes, size_t *added);

/* The most that rmm__vmm_shrink() can unmap without going past `free_tail` bytes: whole steps from the end. */
size_t rmm__vmm_shrinkable(const rmm__vmm_t *vmm, size_t free_tail);

/*
 * Unmaps the last `bytes` of the mapped memory, which must be a run of whole steps (a
 * value rmm__vmm_shrinkable() gave), else RMM_ERROR_INVALID_ARGUMENT and nothing
 * changes. The caller makes sure no work still uses that memory.
 */
rmm_status_t rmm__vmm_shrink(rmm__vmm_t *vmm, size_t bytes);

#endif
