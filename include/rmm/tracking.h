/**
 * @file rmm/tracking.h
 * @brief The tracking adaptor: every outstanding allocation, with its size, stream and call stack.
 */
#ifndef RMM_TRACKING_H
#define RMM_TRACKING_H

#include <stdio.h>

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief One outstanding allocation of a tracking adaptor, as rmm_tracking_foreach() shows it. */
typedef struct rmm_tracking_entry {
  void *ptr;           /**< the address handed out */
  size_t bytes;        /**< the size asked for */
  size_t alignment;    /**< the alignment asked for */
  rmm_stream_t stream; /**< the stream of the allocation */
  void *const *frames; /**< return addresses of the allocating call stack, innermost first */
  size_t frame_count;  /**< the number of frames; 0 when stacks are not captured */
} rmm_tracking_entry_t;

/**
 * @brief Visits one entry; returns true to go on, false to stop.
 *
 * The entry and its frames are valid only during the call.
 */
typedef bool (*rmm_tracking_callback_t)(const rmm_tracking_entry_t *entry, void *arg);

/**
 * @brief Creates an adaptor that records every outstanding allocation
 * (RMM's tracking_resource_adaptor).
 *
 * An allocation is recorded before it is returned and forgotten before its memory goes
 * back to the upstream, so a fast upstream that hands the same address to another
 * thread at once is never mistaken for a double allocation. A free of an address the
 * adaptor does not know is logged at error level and still forwarded (as RMM does);
 * the counters do not change. A free whose size differs from the recorded one is
 * logged at error level and uses the recorded size. Properties are the upstream's.
 * Thread-safe.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param capture_stacks true records the call stack of each allocation (glibc backtrace(3));
 *        symbols are looked up only when a report is written.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_tracking_create(rmm_resource_t *upstream, bool capture_stacks, rmm_resource_t **out);

/**
 * @brief The bytes of a tracking adaptor's outstanding allocations.
 * @param mr a tracking adaptor.
 * @param bytes receives the sum of the recorded sizes.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a resource of another family.
 */
RMM_API rmm_status_t rmm_tracking_allocated_bytes(const rmm_resource_t *mr, size_t *bytes);

/**
 * @brief The number of a tracking adaptor's outstanding allocations.
 * @param mr a tracking adaptor.
 * @param count receives the number.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a resource of another family.
 */
RMM_API rmm_status_t rmm_tracking_outstanding_count(const rmm_resource_t *mr, size_t *count);

/**
 * @brief Writes the outstanding allocations to @p file, one per line in address order,
 * each followed by its symbolised call stack when stacks are captured.
 * @param mr a tracking adaptor.
 * @param file an open stream.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a resource of another
 *         family; RMM_ERROR_IO when writing fails; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_tracking_report(const rmm_resource_t *mr, FILE *file);

/**
 * @brief Calls @p callback for each outstanding allocation, in address order.
 *
 * The entries are copied first, so the callback may allocate from and free to the
 * adaptor; such changes do not show in the walk under way.
 * @param mr a tracking adaptor.
 * @param callback called once per entry until it returns false.
 * @param arg passed to @p callback.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL resource or callback, or a
 *         resource of another family; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_tracking_foreach(const rmm_resource_t *mr, rmm_tracking_callback_t callback, void *arg);

#ifdef __cplusplus
}
#endif

#endif
