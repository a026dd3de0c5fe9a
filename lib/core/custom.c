/* Custom resources: a caller's table of operations behind the resource object. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/construct.h"
#include "core/error.h"
#include "core/resource.h"

typedef struct custom {
  rmm_resource_ops_t ops;
  void *ctx;
  char *name;
  rmm_usage_t usage;
} custom_t;

static const char custom_name[] = "custom";

/* The smallest table a caller may pass: everything up to and including deallocate. */
#define OPS_MINIMUM_SIZE (offsetof(rmm_resource_ops_t, deallocate) + sizeof(((rmm_resource_ops_t *)0)->deallocate))

/*
 * Gives a failed callback its own message: the callback's, when it left one during the
 * call (it may call librmm itself; `failures_before` tells), else one naming the
 * resource, the call and the status, never an earlier, unrelated message. A status that
 * is no rmm_status_t becomes RMM_ERROR_BAD_ALLOC.
 */
static rmm_status_t callback_failed(const custom_t *custom, const char *verb, rmm_status_t status, size_t bytes,
                                    unsigned long failures_before)
{
  const char *name = custom->name != NULL ? custom->name : custom_name;
  bool known = rmm__is_error_status(status);
  rmm_status_t reported = known ? status : RMM_ERROR_BAD_ALLOC;
  if (rmm__fail_count() != failures_before)
    return rmm__fail(reported, "%s: %s of %zu bytes failed: %s", name, verb, bytes, rmm_last_error_message());
  if (!known)
    return rmm__fail(reported, "%s: %s of %zu bytes failed with status %d, which is no rmm_status_t", name, verb,
                     bytes, (int)status);
  return rmm__fail(reported, "%s: %s of %zu bytes failed (%s)", name, verb, bytes, rmm_status_string(status));
}

static rmm_status_t custom_allocate(void *state, void **ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  custom_t *custom = state;
  unsigned long failures = rmm__fail_count();
  rmm_status_t status = custom->ops.allocate(custom->ctx, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    return callback_failed(custom, "allocate", status, bytes, failures);
  rmm__usage_add(&custom->usage, bytes);
  return RMM_SUCCESS;
}

static rmm_status_t custom_deallocate(void *state, void *ptr, size_t bytes, size_t alignment, rmm_stream_t stream)
{
  custom_t *custom = state;
  unsigned long failures = rmm__fail_count();
  rmm_status_t status = custom->ops.deallocate(custom->ctx, ptr, bytes, alignment, stream);
  if (status != RMM_SUCCESS)
    return callback_failed(custom, "deallocate", status, bytes, failures);
  rmm__usage_sub_saturating(&custom->usage, bytes);
  return RMM_SUCCESS;
}

static bool custom_is_equal(const void *state, const void *other_state)
{
  const custom_t *a = state;
  const custom_t *b = other_state;
  if (a->ctx == b->ctx && a->ops.allocate == b->ops.allocate)
    return true;
  /* Two contexts compare through the table only when both share it. */
  if (a->ops.is_equal == NULL || a->ops.is_equal != b->ops.is_equal || a->ops.allocate != b->ops.allocate)
    return false;
  return a->ops.is_equal(a->ctx, b->ctx);
}

static void custom_get_stats(const void *state, rmm_resource_stats_t *out)
{
  const custom_t *custom = state;
  rmm__usage_stats(&custom->usage, false, out);
}

static rmm_status_t custom_trim(void *state, size_t *released)
{
  custom_t *custom = state;
  return custom->ops.trim != NULL ? custom->ops.trim(custom->ctx, released) : RMM_SUCCESS;
}

static void custom_reset_peak(void *state)
{
  custom_t *custom = state;
  rmm__usage_reset_peak(&custom->usage);
}

static void custom_destroy(void *state)
{
  custom_t *custom = state;
  if (custom->ops.destroy != NULL)
    custom->ops.destroy(custom->ctx);
  free(custom->name);
  free(custom);
}

static const rmm_impl_t custom_impl = {
    .name = custom_name,
    .allocate = custom_allocate,
    .deallocate = custom_deallocate,
    .is_equal = custom_is_equal,
    .get_stats = custom_get_stats,
    .destroy = custom_destroy,
    .trim = custom_trim,
    .reset_peak = custom_reset_peak,
};

RMM_API rmm_status_t rmm_resource_create(const rmm_resource_ops_t *ops, void *ctx, unsigned properties,
                                         rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_create: the output pointer is NULL");
  *out = NULL;
  if (ops == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_create: the operations table is NULL");
  if (ops->struct_size < OPS_MINIMUM_SIZE)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT,
                     "rmm_resource_create: ops->struct_size %zu is too small; set it to sizeof(rmm_resource_ops_t)",
                     ops->struct_size);
  if (ops->allocate == NULL || ops->deallocate == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_create: allocate and deallocate are required");
  if ((properties & ~(RMM_DEVICE_ACCESSIBLE | RMM_HOST_ACCESSIBLE)) != 0)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_create: unknown property bits 0x%x", properties);

  custom_t *custom = calloc(1, sizeof *custom);
  if (custom == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_resource_create: no host memory for the resource");
  /* A table from an older header is shorter: copy what it has, the rest stays NULL. */
  memcpy(&custom->ops, ops, ops->struct_size < sizeof custom->ops ? ops->struct_size : sizeof custom->ops);
  custom->ops.struct_size = sizeof custom->ops;
  custom->ctx = ctx;

  /* The caller's name may be a temporary string: keep a copy for the resource's life. */
  if (ops->name != NULL && (custom->name = strdup(ops->name)) == NULL) {
    free(custom);
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "rmm_resource_create: no host memory for the resource");
  }
  rmm_status_t status = rmm__resource_new(&custom_impl, custom, properties, NULL, out);
  if (status != RMM_SUCCESS) {
    free(custom->name);
    free(custom);
    return status;
  }
  if (custom->name != NULL)
    (*out)->name = custom->name;
  return RMM_SUCCESS;
}
