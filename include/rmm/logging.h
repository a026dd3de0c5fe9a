/**
 * @file rmm/logging.h
 * @brief The logging adaptor: a CSV row for every allocation and free, readable by RMM's replay.
 *
 * The log starts with the header `Thread,Time,Action,Pointer,Size,Stream`; each row then
 * holds the operating-system thread id, the local wall-clock time as `HH:MM:SS.uuuuuu`,
 * the action (`allocate`, `free` or `allocate failure`), the address as `0x...` (`(nil)`
 * for a failure), the size the caller gave, and the stream (`0` for the default stream,
 * else `0x...`), as upstream RMM's logging_resource_adaptor writes them, so that logs
 * from either library replay with the other's tools.
 */
#ifndef RMM_LOGGING_H
#define RMM_LOGGING_H

#include <stdio.h>

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Creates an adaptor that logs every allocation and free to a CSV file
 * (RMM's logging_resource_adaptor).
 *
 * The file is created, or truncated if it exists, and the header is written at once.
 * An allocation's row is written after the upstream answered (`allocate` or
 * `allocate failure`), a free's row before the upstream is called. Rows are written
 * whole under one lock, so they never interleave. Properties are the upstream's.
 * Thread-safe.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 *        The adaptor holds a reference on it.
 * @param filename the log file; NULL reads the environment variable `RMM_LOG_FILE`.
 * @param auto_flush true flushes the file after every row; false leaves rows buffered until
 *        rmm_logging_flush() or the adaptor's destruction.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p out, or for a NULL @p filename
 *         with `RMM_LOG_FILE` unset or empty; RMM_ERROR_IO when the file cannot be opened or
 *         the header cannot be written; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_logging_create(rmm_resource_t *upstream, const char *filename, bool auto_flush,
                                        rmm_resource_t **out);

/**
 * @brief Creates a logging adaptor that writes to an open stream, e.g. stderr or a tmpfile().
 *
 * As rmm_logging_create(), but the caller keeps ownership of @p file: the adaptor never
 * closes it, and the caller must keep it open until the adaptor is destroyed.
 * @param upstream the resource to take memory from; NULL means the current device resource.
 * @param file an open stream to write the log to.
 * @param auto_flush true flushes @p file after every row.
 * @param out receives the adaptor, with one reference.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL @p file or @p out; RMM_ERROR_IO when
 *         the header cannot be written; RMM_ERROR_BAD_ALLOC.
 */
RMM_API rmm_status_t rmm_logging_create_from_file(rmm_resource_t *upstream, FILE *file, bool auto_flush,
                                                  rmm_resource_t **out);

/**
 * @brief Writes a logging adaptor's buffered rows to its file.
 * @param mr a logging adaptor.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for a NULL resource or one of another family;
 *         RMM_ERROR_IO when the flush, or the writing of any row since the last flush, failed.
 */
RMM_API rmm_status_t rmm_logging_flush(rmm_resource_t *mr);

/**
 * @brief The name of the file a logging adaptor writes to.
 * @param mr a logging adaptor.
 * @param name receives the name given at creation (or read from `RMM_LOG_FILE`), valid while
 *        the adaptor lives; NULL for an adaptor made by rmm_logging_create_from_file().
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a resource of another family.
 */
RMM_API rmm_status_t rmm_logging_file_name(const rmm_resource_t *mr, const char **name);

#ifdef __cplusplus
}
#endif

#endif
