/**
 * @file rmm/memory.h
 * @brief Leaf resources: the resources that obtain memory from CUDA or the host.
 */
#ifndef RMM_MEMORY_H
#define RMM_MEMORY_H

#include <stdint.h>

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates a resource over cudaMalloc/cudaFree (RMM's cuda_memory_resource).
 *
 * Device accessible. The stream is ignored: cudaFree synchronises the device.
 * @param out receives the resource.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p out.
 */
RMM_API rmm_status_t rmm_cuda_create(rmm_resource_t **out);

/**
 * @brief Creates a resource over cudaMallocManaged (unified memory, device and host accessible).
 * @param out receives the resource.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p out.
 */
RMM_API rmm_status_t rmm_managed_create(rmm_resource_t **out);

/**
 * @brief Creates a resource over pinned (page-locked) host memory, device and host accessible.
 * @param out receives the resource.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p out.
 */
RMM_API rmm_status_t rmm_pinned_host_create(rmm_resource_t **out);

/**
 * @brief Creates a resource over aligned host heap memory, host accessible only.
 *
 * Makes no CUDA call, so it serves on machines without a GPU; sub-allocators over it
 * run their whole logic on the CPU. Honours any power-of-two alignment.
 * @param out receives the resource.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p out.
 */
RMM_API rmm_status_t rmm_host_create(rmm_resource_t **out);

/**
 * @brief Creates a resource over the system allocator for devices that access pageable
 * memory (HMM or ATS). Freeing synchronises the stream first.
 * @param out receives the resource.
 * @return RMM_SUCCESS; RMM_ERROR_NOT_SUPPORTED when the current device cannot access
 *         pageable memory; RMM_ERROR_CUDA.
 */
RMM_API rmm_status_t rmm_system_create(rmm_resource_t **out);

/**
 * @brief Creates a system-memory resource that keeps @p headroom bytes of device memory free.
 *
 * Each allocation prefers device memory for the part that fits in free device memory
 * minus the headroom, and host memory for the rest.
 * @param headroom bytes of device memory to leave free.
 * @param out receives the resource.
 * @return as rmm_system_create().
 */
RMM_API rmm_status_t rmm_sam_headroom_create(size_t headroom, rmm_resource_t **out);

/** @brief A CUDA memory pool (`cudaMemPool_t`), declared without the CUDA headers. */
typedef struct CUmemPoolHandle_st *rmm_mem_pool_t;

/** @brief Export handle types of a cuda_async pool (values of `cudaMemAllocationHandleType`). */
typedef enum rmm_handle_type {
  RMM_HANDLE_TYPE_NONE = 0x0,                  /**< no export */
  RMM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR = 0x1, /**< a file descriptor for IPC */
  RMM_HANDLE_TYPE_WIN32 = 0x2,                 /**< a Windows NT handle */
  RMM_HANDLE_TYPE_WIN32_KMT = 0x4,             /**< a Windows D3DKMT handle */
  RMM_HANDLE_TYPE_FABRIC = 0x8                 /**< a fabric handle (multi-node NVLink) */
} rmm_handle_type_t;

/** @brief Options of rmm_cuda_async_create(); start from RMM_CUDA_ASYNC_OPTIONS_INIT. */
typedef struct rmm_cuda_async_options {
  size_t struct_size;                   /**< sizeof(rmm_cuda_async_options_t) */
  size_t initial_pool_size;             /**< bytes to reserve at creation; 0 reserves nothing */
  size_t release_threshold;             /**< bytes the pool keeps at synchronisation; SIZE_MAX keeps all */
  rmm_handle_type_t export_handle_type; /**< how allocations may be exported */
} rmm_cuda_async_options_t;

/** @brief The defaults of rmm_cuda_async_options_t: no initial reservation, never trim, no export. */
#define RMM_CUDA_ASYNC_OPTIONS_INIT {sizeof(rmm_cuda_async_options_t), 0, SIZE_MAX, RMM_HANDLE_TYPE_NONE}

/**
 * @brief Creates a resource that owns a new CUDA memory pool (cudaMallocFromPoolAsync).
 * @param options NULL for the defaults (RMM_CUDA_ASYNC_OPTIONS_INIT).
 * @param out receives the resource.
 * @return RMM_SUCCESS; RMM_ERROR_NOT_SUPPORTED when the driver or device lacks memory
 *         pools or the export handle type; RMM_ERROR_INVALID_ARGUMENT; RMM_ERROR_CUDA.
 */
RMM_API rmm_status_t rmm_cuda_async_create(const rmm_cuda_async_options_t *options, rmm_resource_t **out);

/**
 * @brief The CUDA memory pool behind a cuda_async, cuda_async_view or cuda_async_managed resource.
 * @param mr the resource.
 * @param pool receives the pool handle (still owned by the resource or its creator).
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for a resource of another family.
 */
RMM_API rmm_status_t rmm_cuda_async_pool_handle(const rmm_resource_t *mr, rmm_mem_pool_t *pool);

/**
 * @brief Creates a resource that allocates from a caller's CUDA memory pool, which it never destroys.
 * @param pool a `cudaMemPool_t`; must outlive the resource.
 * @param out receives the resource.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL pool; RMM_ERROR_NOT_SUPPORTED.
 */
RMM_API rmm_status_t rmm_cuda_async_view_create(rmm_mem_pool_t pool, rmm_resource_t **out);

/**
 * @brief Creates a resource over the current device's default managed memory pool (CUDA 13).
 * @param out receives the resource.
 * @return RMM_SUCCESS; RMM_ERROR_NOT_SUPPORTED without CUDA 13 driver and runtime or
 *         concurrent managed access; RMM_ERROR_CUDA.
 */
RMM_API rmm_status_t rmm_cuda_async_managed_create(rmm_resource_t **out);

/**
 * @brief Creates a resource that hands out addresses with no memory behind them.
 *
 * For simulation and replay: the addresses are aligned and distinct, never reused,
 * and must not be dereferenced. It reports out of memory when the bytes outstanding
 * would exceed @p capacity. It has neither accessibility property and makes no CUDA call.
 * @param capacity bytes it can hand out at once.
 * @param out receives the resource.
 * @return RMM_SUCCESS, or RMM_ERROR_INVALID_ARGUMENT for NULL @p out.
 */
RMM_API rmm_status_t rmm_simulated_create(size_t capacity, rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
