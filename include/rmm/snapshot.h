/**
 * @file rmm/snapshot.h
 * @brief Memory snapshots, the allocation history and out-of-memory reports.
 *
 * A snapshot is one JSON document describing a resource stack: for each resource its
 * name and statistics, and for each sub-allocator the chunks it took from its upstream
 * and every block in them, allocated or free. Where a tracking adaptor in the stack
 * captured call stacks, blocks carry them. When the history is on
 * (rmm_history_enable()), the last events of the process (allocate, free, grow, trim,
 * out of memory) follow. doc/snapshots.md describes the format; Python's
 * rmm.mr.memory_snapshot() turns it into the layout of PyTorch's memory snapshots.
 */
#ifndef RMM_SNAPSHOT_H
#define RMM_SNAPSHOT_H

#include <stdio.h>

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief rmm_snapshot_options_t::flags bit: chunks only, no blocks. */
#define RMM_SNAPSHOT_NO_BLOCKS 0x1u
/** @brief rmm_snapshot_options_t::flags bit: leave the history out. */
#define RMM_SNAPSHOT_NO_HISTORY 0x2u
/** @brief rmm_snapshot_options_t::flags bit: leave call stacks out (no symbol look-ups). */
#define RMM_SNAPSHOT_NO_FRAMES 0x4u

/** @brief What a snapshot includes; NULL options mean everything. */
typedef struct rmm_snapshot_options {
  size_t struct_size; /**< set by the caller: sizeof(rmm_snapshot_options_t) */
  unsigned flags;     /**< RMM_SNAPSHOT_* bits */
} rmm_snapshot_options_t;

/**
 * @brief Writes a snapshot of @p mr and everything below it as JSON.
 *
 * The resources are visited from @p mr down through their upstreams (and a binning
 * resource's bins), each once. Each sub-allocator's state is read under its own locks,
 * one resource at a time, so the document is consistent per resource.
 * @param mr the top of the stack; NULL means the current device resource.
 * @param file where to write; it is flushed, not closed.
 * @param options NULL for everything.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL @p file or a too small
 *         struct_size; RMM_ERROR_BAD_ALLOC; RMM_ERROR_IO when writing fails.
 */
RMM_API rmm_status_t rmm_resource_snapshot(const rmm_resource_t *mr, FILE *file,
                                           const rmm_snapshot_options_t *options);

/**
 * @brief Writes a snapshot of @p mr to the file at @p path (created or truncated).
 * @param mr the top of the stack; NULL means the current device resource.
 * @param path the file.
 * @param options NULL for everything.
 * @return as rmm_resource_snapshot(); RMM_ERROR_IO when the file cannot be opened.
 */
RMM_API rmm_status_t rmm_resource_snapshot_path(const rmm_resource_t *mr, const char *path,
                                                const rmm_snapshot_options_t *options);

/**
 * @brief Names a file for an out-of-memory snapshot of @p mr and every resource below it.
 *
 * When a sub-allocator in the stack finally fails for want of memory it writes a
 * snapshot of its own stack to the file and says so in the thread's message. Without a
 * per-resource file the environment variable `RMM_OOM_DUMP` names one for every resource.
 * @param mr a resource; not NULL.
 * @param path the file, copied; NULL turns the per-resource dump off.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL @p mr; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_resource_set_oom_dump(rmm_resource_t *mr, const char *path);

/**
 * @brief Starts recording the last @p capacity allocation events of the process.
 *
 * Sub-allocators record allocations, frees, growth, trims and out-of-memory failures in
 * a ring buffer that snapshots include. Enabling again starts a new, empty ring.
 * @param capacity the number of events kept, at least 1.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for 0; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_history_enable(size_t capacity);

/** @brief Stops recording and drops the recorded events. */
RMM_API void rmm_history_disable(void);

#ifdef __cplusplus
}
#endif

#endif
