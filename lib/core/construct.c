/* Construction, query, lock and counter helpers shared by the families. */
#include "config.h"

#include "core/construct.h"

rmm_status_t rmm__adaptor_begin(const char *function, rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the output pointer is NULL", function);
  *out = NULL;
  return RMM_SUCCESS;
}

rmm_status_t rmm__adaptor_finish(const rmm_impl_t *impl, void *state, rmm_resource_t *upstream,
                                 rmm_resource_t **out)
{
  return rmm__resource_new(impl, state, rmm_resource_properties(upstream), upstream, out);
}

rmm_status_t rmm__adaptor_state(const char *function, const rmm_resource_t *mr, const rmm_impl_t *impl,
                                void **state)
{
  if (mr == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the resource is NULL", function);
  *state = rmm__resource_state(mr, impl);
  if (*state == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "%s: the resource is a %s resource, not a %s adaptor", function,
                     rmm_resource_name(mr), impl->name);
  return RMM_SUCCESS;
}

rmm_status_t rmm__mutex_init(const char *function, pthread_mutex_t *lock)
{
  int error = pthread_mutex_init(lock, NULL);
  if (error != 0)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "%s: cannot initialise a lock (error %d)", function, error);
  return RMM_SUCCESS;
}

void rmm__usage_sub_saturating(rmm_usage_t *usage, size_t bytes)
{
  size_t in_use = atomic_load_explicit(&usage->in_use, memory_order_relaxed);
  size_t lowered;
  do
    lowered = in_use > bytes ? in_use - bytes : 0;
  while (!atomic_compare_exchange_weak_explicit(&usage->in_use, &in_use, lowered, memory_order_relaxed,
                                                memory_order_relaxed));
}
