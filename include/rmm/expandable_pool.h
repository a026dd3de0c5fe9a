/**
 * @file rmm/expandable_pool.h
 * @brief The expandable pool: one reserved range of virtual addresses, physical memory
 * mapped at its end as the pool grows and unmapped from its end on trim.
 */
#ifndef RMM_EXPANDABLE_POOL_H
#define RMM_EXPANDABLE_POOL_H

#include <stdbool.h>

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Options of rmm_expandable_pool_create(); start from RMM_EXPANDABLE_POOL_OPTIONS_INIT. */
typedef struct rmm_expandable_pool_options {
  size_t struct_size;  /**< sizeof(rmm_expandable_pool_options_t) */
  size_t initial_size; /**< bytes to map at creation, rounded up to the granularity; may be 0 */
  size_t reservation;  /**< bytes of addresses to reserve; 0 (or more than the device has) = the device's memory */
  int device;          /**< the device; -1 = the current device; ignored for host memory */
  bool host;           /**< host virtual memory (mmap) instead of device memory: for tests without a GPU */
} rmm_expandable_pool_options_t;

/** @brief The defaults of rmm_expandable_pool_options_t: nothing mapped, the device's memory reserved, current device. */
#define RMM_EXPANDABLE_POOL_OPTIONS_INIT {sizeof(rmm_expandable_pool_options_t), 0, 0, -1, false}

/**
 * @brief Creates an expandable pool (PyTorch's expandable segments).
 *
 * The pool reserves one range of device addresses up front (cuMemAddressReserve) and
 * maps physical memory at its end, in steps of the device's granularity (2 MiB on
 * current GPUs), as it grows (cuMemCreate, cuMemMap, cuMemSetAccess). Its free space is
 * therefore always one range that coalesces across growth steps, and no live block ever
 * moves. rmm_resource_trim() unmaps the free memory at the end of the range, in whole
 * growth steps, once the work queued on the streams that freed it has completed. It
 * needs no maximum: it fails with RMM_ERROR_OUT_OF_MEMORY when the reservation or the
 * device's memory is exhausted, after trimming and retrying. Blocks are kept per stream,
 * found best fit and coalesced as in the pool (rmm_pool_create()).
 *
 * The driver functions come from cudaGetDriverEntryPointByVersion: librmm does not link
 * libcuda. With `host` set the pool maps host memory instead (mmap), which behaves the
 * same way and needs no GPU.
 * @param options NULL for the defaults (RMM_EXPANDABLE_POOL_OPTIONS_INIT).
 * @param out receives the resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out, a too small
 *         struct_size, a device below -1 or an initial size above the reservation;
 *         RMM_ERROR_NOT_SUPPORTED when the device or driver lacks virtual memory
 *         management; RMM_ERROR_OUT_OF_MEMORY when the initial size cannot be mapped;
 *         RMM_ERROR_CUDA; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_expandable_pool_create(const rmm_expandable_pool_options_t *options, rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
