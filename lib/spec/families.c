/*
 * The families a spec can name. Parameters follow each C constructor after its upstream;
 * a build function only calls the constructor, since lib/spec/build.c has already checked
 * and converted every value.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "core/error.h"
#include "spec/families.h"

/* RMM's aligned_resource_adaptor defaults: 256-byte alignment for requests of 64 KiB or more. */
enum { ALIGNED_DEFAULT_THRESHOLD = 65536 };

static rmm_status_t build_cuda(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream, (void)v;
  return rmm_cuda_create(out);
}

static rmm_status_t build_managed(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream, (void)v;
  return rmm_managed_create(out);
}

static rmm_status_t build_pinned_host(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream, (void)v;
  return rmm_pinned_host_create(out);
}

static rmm_status_t build_host(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream, (void)v;
  return rmm_host_create(out);
}

static rmm_status_t build_system(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream, (void)v;
  return rmm_system_create(out);
}

static rmm_status_t build_sam_headroom(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream;
  return rmm_sam_headroom_create(v[0].number, out);
}

static rmm_status_t build_cuda_async(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream;
  rmm_cuda_async_options_t options = RMM_CUDA_ASYNC_OPTIONS_INIT;
  options.initial_pool_size = v[0].number;
  options.release_threshold = v[1].number;
  options.export_handle_type = (rmm_handle_type_t)v[2].number;
  return rmm_cuda_async_create(&options, out);
}

static rmm_status_t build_cuda_async_managed(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream, (void)v;
  return rmm_cuda_async_managed_create(out);
}

static rmm_status_t build_simulated(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream;
  return rmm_simulated_create(v[0].number, out);
}

static rmm_status_t build_pool(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_pool_create(upstream, v[0].number, v[1].number, out);
}

static rmm_status_t build_expandable_pool(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)upstream;
  rmm_expandable_pool_options_t options = RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.initial_size = v[0].number;
  options.reservation = v[1].number;
  options.host = v[2].number != 0;
  return rmm_expandable_pool_create(&options, out);
}

static rmm_status_t build_fixed_size(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_fixed_size_create(upstream, v[0].number, v[1].number, out);
}

/* binning(upstream) has no bins; binning(upstream, min, max) one fixed-size bin per power of two. */
static rmm_status_t build_binning(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  if (!v[0].given && !v[1].given)
    return rmm_binning_create(upstream, out);
  if (!v[0].given || !v[1].given)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "give both min_log2 and max_log2, or neither");
  if (v[0].number > INT_MAX || v[1].number > INT_MAX)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "bins from 2^%zu to 2^%zu bytes are out of range", v[0].number,
                     v[1].number);
  return rmm_binning_create_range(upstream, (int)v[0].number, (int)v[1].number, out);
}

static rmm_status_t build_arena(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_arena_create(upstream, v[0].number, v[1].number != 0, out);
}

static rmm_status_t build_aligned(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_aligned_create(upstream, v[0].number, v[1].number, out);
}

static rmm_status_t build_limiting(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_limiting_create(upstream, v[0].number, v[1].number, out);
}

static rmm_status_t build_logging(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_logging_create(upstream, v[0].text, v[1].number != 0, out);
}

static rmm_status_t build_statistics(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)v;
  return rmm_statistics_create(upstream, out);
}

static rmm_status_t build_tracking(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  return rmm_tracking_create(upstream, v[0].number != 0, out);
}

static rmm_status_t build_thread_safe(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)v;
  return rmm_thread_safe_create(upstream, out);
}

static rmm_status_t build_prefetch(rmm_resource_t *upstream, const spec_value_t *v, rmm_resource_t **out)
{
  (void)v;
  return rmm_prefetch_create(upstream, out);
}

static const spec_family_t families[] = {
    {"cuda", false, 0, {{0}}, build_cuda},
    {"managed", false, 0, {{0}}, build_managed},
    {"pinned_host", false, 0, {{0}}, build_pinned_host},
    {"host", false, 0, {{0}}, build_host},
    {"system", false, 0, {{0}}, build_system},
    {"sam_headroom", false, 1, {{"headroom", NULL, SPEC_SIZE, false, 0}}, build_sam_headroom},
    {"cuda_async",
     false,
     3,
     {{"initial_pool_size", "initial", SPEC_SIZE, false, 0},
      {"release_threshold", "release", SPEC_SIZE, false, SIZE_MAX},
      {"export_handle_type", "export", SPEC_HANDLE, false, RMM_HANDLE_TYPE_NONE}},
     build_cuda_async},
    {"cuda_async_managed", false, 0, {{0}}, build_cuda_async_managed},
    {"simulated", false, 1, {{"capacity", NULL, SPEC_SIZE, true, 0}}, build_simulated},
    {"pool",
     true,
     2,
     {{"initial_size", "initial", SPEC_SIZE, false, 0}, {"maximum_size", "maximum", SPEC_SIZE, false, 0}},
     build_pool},
    {"expandable_pool",
     false,
     3,
     {{"initial_size", "initial", SPEC_SIZE, false, 0},
      {"reservation", NULL, SPEC_SIZE, false, 0},
      {"host", NULL, SPEC_BOOL, false, 0}},
     build_expandable_pool},
    {"arena",
     true,
     2,
     {{"arena_size", "size", SPEC_SIZE, false, 0}, {"dump_log_on_failure", "dump_log", SPEC_BOOL, false, 0}},
     build_arena},
    {"fixed_size",
     true,
     2,
     {{"block_size", "block", SPEC_SIZE, false, 0}, {"blocks_to_preallocate", "blocks", SPEC_COUNT, false, 0}},
     build_fixed_size},
    {"binning",
     true,
     2,
     {{"min_log2", "min", SPEC_COUNT, false, 0}, {"max_log2", "max", SPEC_COUNT, false, 0}},
     build_binning},
    {"aligned",
     true,
     2,
     {{"alignment", NULL, SPEC_SIZE, false, RMM_ALLOCATION_ALIGNMENT},
      {"threshold", NULL, SPEC_SIZE, false, ALIGNED_DEFAULT_THRESHOLD}},
     build_aligned},
    {"limiting",
     true,
     2,
     {{"limit", NULL, SPEC_SIZE, true, 0}, {"alignment", NULL, SPEC_SIZE, false, 0}},
     build_limiting},
    {"logging",
     true,
     2,
     {{"filename", "file", SPEC_TEXT, false, 0}, {"auto_flush", "flush", SPEC_BOOL, false, 0}},
     build_logging},
    {"statistics", true, 0, {{0}}, build_statistics},
    {"tracking", true, 1, {{"capture_stacks", "stacks", SPEC_BOOL, false, 0}}, build_tracking},
    {"thread_safe", true, 0, {{0}}, build_thread_safe},
    {"prefetch", true, 0, {{0}}, build_prefetch},
};

const spec_family_t *rmm__spec_family_at(size_t index)
{
  return index < sizeof families / sizeof families[0] ? &families[index] : NULL;
}

const spec_family_t *rmm__spec_find_family(const char *name)
{
  for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
    if (strcmp(families[i].name, name) == 0)
      return &families[i];
  return NULL;
}
