/*
 * What the families share when they build a resource: checking the output pointer,
 * wrapping a state over a resolved upstream, looking up a family's state for its
 * queries, initialising locks, and in-use counters that a stray free cannot wrap.
 */
#ifndef RMM_CORE_CONSTRUCT_H
#define RMM_CORE_CONSTRUCT_H

#include <pthread.h>

#include "core/error.h"
#include "core/log.h"
#include "core/resource.h"

/*
 * The first step of every constructor: checks `out` and clears it. The constructor
 * then checks its own arguments and resolves the upstream (NULL = the current device
 * resource) with rmm__resolve_resource(). `function` names the constructor in messages.
 */
rmm_status_t rmm__adaptor_begin(const char *function, rmm_resource_t **out);

/*
 * The last step of an adaptor: wraps `state` in a resource over `upstream` with the
 * upstream's properties. On failure the caller still owns `state`.
 */
rmm_status_t rmm__adaptor_finish(const rmm_impl_t *impl, void *state, rmm_resource_t *upstream,
                                 rmm_resource_t **out);

/*
 * The state behind a family query: `mr`'s state when it is of family `impl`; else
 * RMM_ERROR_INVALID_ARGUMENT with a message naming `function`.
 */
rmm_status_t rmm__adaptor_state(const char *function, const rmm_resource_t *mr, const rmm_impl_t *impl,
                                void **state);

/*
 * The one policy for pthread_mutex_init(): its result is always checked, and a failure
 * (the system is out of some resource) is RMM_ERROR_BAD_ALLOC naming `function`, after
 * which the constructor undoes what it built and returns that status.
 */
rmm_status_t rmm__mutex_init(const char *function, pthread_mutex_t *lock);

/*
 * Lowers the in-use figure by `bytes`, stopping at zero: a resource that does not
 * track pointers cannot tell a free of memory it never handed out, or a free given the
 * wrong size, and such a free must not wrap the counter to an absurd figure.
 */
void rmm__usage_sub_saturating(rmm_usage_t *usage, size_t bytes);

#endif
