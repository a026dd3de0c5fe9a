/**
 * @file rmm/spec.h
 * @brief Resource specs: a stack of resources written as text, e.g. `pool(cuda, initial=1GiB)`.
 *
 * The grammar, also read from the environment variable `RMM_RESOURCE` and by rmm-replay(1):
 * @code
 * spec  := name [ "(" arg { "," arg } ")" ]
 * arg   := spec | size | key "=" value
 * size  := number [ unit ] | number "%"
 * unit  := B | KiB | MiB | GiB | TiB | KB | MB | GB | TB
 * @endcode
 * Names are the family names (cuda, managed, pinned_host, host, system, sam_headroom,
 * cuda_async, cuda_async_managed, simulated, pool, arena, fixed_size, binning, aligned,
 * limiting, logging, statistics, tracking, thread_safe, prefetch). An adaptor's or
 * sub-allocator's first argument is its upstream, which must be given; the others follow
 * the C constructor's order, or are given as key=value with the C parameter name or its
 * short form. A percentage is of the free device memory when the resource is built.
 * See rmm_resource_from_spec(3) for every name and its parameters.
 */
#ifndef RMM_SPEC_H
#define RMM_SPEC_H

#include <rmm/resource.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Options of rmm_resource_from_spec_options(); start from RMM_SPEC_OPTIONS_INIT. */
typedef struct rmm_spec_options {
  size_t struct_size;    /**< sizeof(rmm_spec_options_t) */
  size_t percent_base;   /**< the bytes that 100% means; 0 means the free device memory at creation */
  rmm_resource_t *leaf;  /**< when not NULL, every leaf named in the spec is this resource instead */
} rmm_spec_options_t;

/** @brief The defaults of rmm_spec_options_t: percentages of free device memory, leaves as named. */
#define RMM_SPEC_OPTIONS_INIT {sizeof(rmm_spec_options_t), 0, NULL}

/**
 * @brief Builds the stack of resources that @p spec describes.
 *
 * Resources are built bottom up; each upstream is held by the resource above it, so
 * releasing the returned resource releases the whole stack.
 * @param spec the text, e.g. `"statistics(pool(cuda_async, 50%, maximum=90%))"`; blanks
 *        around names, values and punctuation are ignored.
 * @param out receives the top resource, with one reference; NULL on failure.
 * @return RMM_SUCCESS; RMM_ERROR_INVALID_ARGUMENT for NULL arguments or a spec that does not
 *         parse (an unknown name or key, a missing upstream, a bad size or value, too many
 *         arguments, unbalanced parentheses, trailing text), with a message naming the
 *         column (counted from 1); the constructor's status when a resource cannot be built
 *         (its message then starts with the column of that resource's name).
 */
RMM_API rmm_status_t rmm_resource_from_spec(const char *spec, rmm_resource_t **out);

/**
 * @brief As rmm_resource_from_spec(), with options: the bytes a percentage is of, and a
 *        resource to stand for every leaf (what `rmm-replay --simulate` does).
 * @param spec the text of the stack.
 * @param options NULL for the defaults; else a struct whose struct_size is set. A leaf
 *        resource given here is retained by the resources built over it; the leaf names
 *        of the spec and their arguments are still checked.
 * @param out receives the top resource, with one reference; NULL on failure.
 * @return as rmm_resource_from_spec(); RMM_ERROR_INVALID_ARGUMENT also for a struct_size
 *         smaller than the first version of the struct.
 */
RMM_API rmm_status_t rmm_resource_from_spec_options(const char *spec, const rmm_spec_options_t *options,
                                                    rmm_resource_t **out);

#ifdef __cplusplus
}
#endif

#endif
