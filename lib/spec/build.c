/*
 * Gives a parsed spec its meaning: looks up each name in the table of families, matches
 * arguments to parameters (positional or key=value), converts values, then builds the
 * stack bottom up. Every argument of a resource is checked before its upstream is built,
 * and each resource releases its own reference on its upstream once the resource above
 * holds one, so any failure leaves nothing behind.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rmm/spec.h>

#include "core/error.h"
#include "core/log.h"
#include "spec/families.h"
#include "spec/parse.h"
#include "spec/size.h"

typedef struct builder {
  const char *text;
  size_t percent_base;
  rmm_resource_t *leaf;
} builder_t;

/* A parameter's converted value, with what it takes to resolve a percentage later. */
typedef struct slot {
  const spec_node_t *node; /* the value as written; NULL when not given */
  spec_value_t value;
  bool is_percent;
  double percent;
} slot_t;

/* A plain non-negative integer, the whole word. */
static bool parse_count(const char *word, size_t *out)
{
  if (!isdigit((unsigned char)word[0]))
    return false;
  errno = 0;
  char *end;
  unsigned long long value = strtoull(word, &end, 10);
  if (errno != 0 || *end != '\0' || value > SIZE_MAX)
    return false;
  *out = (size_t)value;
  return true;
}

/* number [unit] | number "%", read exactly by lib/spec/size.c. */
static bool parse_size(const char *word, slot_t *slot, const char **why)
{
  rmm_size_t size;
  if (!rmm__size_parse(word, &size, why))
    return false;
  slot->is_percent = size.is_percent;
  slot->percent = size.percent;
  slot->value.number = size.bytes;
  return true;
}

static bool parse_bool(const char *word, size_t *out)
{
  static const char *const truths[] = {"true", "yes", "on", "1"};
  static const char *const lies[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(word, truths[i]) == 0)
      return *out = 1, true;
    if (strcasecmp(word, lies[i]) == 0)
      return *out = 0, true;
  }
  return false;
}

static bool parse_handle(const char *word, size_t *out)
{
  static const struct {
    const char *name;
    rmm_handle_type_t type;
  } handles[] = {
      {"none", RMM_HANDLE_TYPE_NONE},           {"posix_fd", RMM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR},
      {"posix_file_descriptor", RMM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR},
      {"win32", RMM_HANDLE_TYPE_WIN32},         {"win32_kmt", RMM_HANDLE_TYPE_WIN32_KMT},
      {"fabric", RMM_HANDLE_TYPE_FABRIC},
  };
  for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
    if (strcasecmp(word, handles[i].name) == 0)
      return *out = (size_t)handles[i].type, true;
  return false;
}

/* Converts one given value by its parameter's kind. */
static rmm_status_t convert(const builder_t *b, const spec_family_t *family, const spec_param_t *param, slot_t *slot)
{
  const spec_node_t *node = slot->node;
  if (node->has_parens)
    return rmm__spec_error(b->text, node->column, "%s of %s is a value, not a resource", param->name, family->name);
  const char *why = NULL;
  bool ok = true;
  switch (param->kind) {
  case SPEC_SIZE:
    ok = parse_size(node->word, slot, &why);
    break;
  case SPEC_COUNT:
    ok = parse_count(node->word, &slot->value.number);
    why = "expected a whole number";
    break;
  case SPEC_BOOL:
    ok = parse_bool(node->word, &slot->value.number);
    why = "expected true or false";
    break;
  case SPEC_HANDLE:
    ok = parse_handle(node->word, &slot->value.number);
    why = "expected none, posix_fd, win32, win32_kmt or fabric";
    break;
  case SPEC_TEXT:
    slot->value.text = node->word;
    break;
  }
  if (!ok)
    return rmm__spec_error(b->text, node->column, "bad %s of %s '%s': %s", param->name, family->name, node->word,
                           why);
  slot->value.given = true;
  return RMM_SUCCESS;
}

/* Edit distance of two short words (insertions, deletions, substitutions), capped for long ones. */
static size_t edit_distance(const char *a, const char *b)
{
  enum { LONGEST = 32 };
  size_t n = strlen(a), m = strlen(b);
  if (n > LONGEST || m > LONGEST)
    return SIZE_MAX;
  size_t row[LONGEST + 1];
  for (size_t j = 0; j <= m; j++)
    row[j] = j;
  for (size_t i = 1; i <= n; i++) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= m; j++) {
      size_t above = row[j];
      size_t best = diagonal + (a[i - 1] != b[j - 1]);
      if (above + 1 < best)
        best = above + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diagonal = above;
    }
  }
  return row[m];
}

/* Keeps `candidate` as the suggestion when it is the nearest so far, within two edits. */
static void consider(const char *word, const char *candidate, const char **best, size_t *best_distance)
{
  size_t distance = edit_distance(word, candidate);
  if (distance <= 2 && distance < *best_distance) {
    *best = candidate;
    *best_distance = distance;
  }
}

/* "; did you mean 'pool'?" for a near miss, else "". */
static void suggestion(const char *best, char text[64])
{
  if (best != NULL)
    snprintf(text, 64, "; did you mean '%s'?", best);
  else
    text[0] = '\0';
}

static rmm_status_t unknown_resource(const builder_t *b, const spec_node_t *node)
{
  const char *best = NULL;
  size_t best_distance = SIZE_MAX;
  const spec_family_t *family;
  for (size_t i = 0; (family = rmm__spec_family_at(i)) != NULL; i++)
    consider(node->word, family->name, &best, &best_distance);
  char hint[64];
  suggestion(best, hint);
  return rmm__spec_error(b->text, node->column, "unknown resource '%s'%s", node->word, hint);
}

static rmm_status_t unknown_key(const builder_t *b, const spec_family_t *family, const spec_arg_t *arg)
{
  const char *best = NULL;
  size_t best_distance = SIZE_MAX;
  if (family->has_upstream)
    consider(arg->key, "upstream", &best, &best_distance);
  for (size_t i = 0; i < family->param_count; i++) {
    consider(arg->key, family->params[i].name, &best, &best_distance);
    if (family->params[i].short_name != NULL)
      consider(arg->key, family->params[i].short_name, &best, &best_distance);
  }
  char hint[64];
  suggestion(best, hint);
  if (family->param_count == 0 && !family->has_upstream)
    return rmm__spec_error(b->text, arg->key_column, "unknown key '%s': %s takes no arguments", arg->key,
                           family->name);
  return rmm__spec_error(b->text, arg->key_column, "unknown key '%s' of %s%s", arg->key, family->name, hint);
}

/* The parameter of `family` called `key` by its C name or its short name, or -1. */
static int find_param(const spec_family_t *family, const char *key)
{
  for (size_t i = 0; i < family->param_count; i++) {
    const spec_param_t *param = &family->params[i];
    if (strcmp(param->name, key) == 0 || (param->short_name != NULL && strcmp(param->short_name, key) == 0))
      return (int)i;
  }
  return -1;
}

/* Whether a positional argument looks like a value rather than a resource. */
static bool looks_like_value(const spec_node_t *node)
{
  return !node->has_parens && !isalpha((unsigned char)node->word[0]) && node->word[0] != '_';
}

static rmm_status_t missing_upstream(const builder_t *b, const spec_node_t *node, const char *found)
{
  if (found != NULL)
    return rmm__spec_error(b->text, node->column, "%s needs an upstream resource as its first argument, found '%s'",
                           node->word, found);
  return rmm__spec_error(b->text, node->column, "%s needs an upstream resource as its first argument", node->word);
}

/* Matches the arguments of `node` to the upstream and the parameters of `family`. */
static rmm_status_t match_args(const builder_t *b, const spec_family_t *family, const spec_node_t *node,
                               const spec_node_t **upstream, slot_t slots[SPEC_MAX_PARAMS])
{
  size_t next = 0;
  for (size_t i = 0; i < node->arg_count; i++) {
    const spec_arg_t *arg = &node->args[i];
    if (arg->key != NULL && family->has_upstream && strcmp(arg->key, "upstream") == 0) {
      if (*upstream != NULL)
        return rmm__spec_error(b->text, arg->key_column, "upstream of %s given twice", family->name);
      *upstream = arg->value;
      continue;
    }
    if (arg->key == NULL && family->has_upstream && *upstream == NULL && i == 0) {
      if (looks_like_value(arg->value))
        return missing_upstream(b, node, arg->value->word);
      *upstream = arg->value;
      continue;
    }
    int index;
    int column = arg->key != NULL ? arg->key_column : arg->value->column;
    if (arg->key != NULL) {
      index = find_param(family, arg->key);
      if (index < 0)
        return unknown_key(b, family, arg);
    } else {
      if (next >= family->param_count)
        return rmm__spec_error(b->text, column, "too many arguments: %s takes %zu after %s", family->name,
                               family->param_count, family->has_upstream ? "its upstream" : "its name");
      index = (int)next++;
    }
    if (slots[index].node != NULL)
      return rmm__spec_error(b->text, column, "%s of %s given twice", family->params[index].name, family->name);
    slots[index].node = arg->value;
  }
  if (family->has_upstream && *upstream == NULL)
    return missing_upstream(b, node, NULL);
  return RMM_SUCCESS;
}

/* Checks and converts every parameter, given or default. */
static rmm_status_t convert_all(const builder_t *b, const spec_family_t *family, const spec_node_t *node,
                                slot_t slots[SPEC_MAX_PARAMS])
{
  for (size_t i = 0; i < family->param_count; i++) {
    const spec_param_t *param = &family->params[i];
    if (slots[i].node != NULL) {
      rmm_status_t status = convert(b, family, param, &slots[i]);
      if (status != RMM_SUCCESS)
        return status;
    } else if (param->required) {
      return rmm__spec_error(b->text, node->column, "%s needs its %s", family->name, param->name);
    } else {
      slots[i].value.number = param->default_value;
    }
  }
  return RMM_SUCCESS;
}

/* Prefixes the constructor's own message with the column of the resource it was building. */
static rmm_status_t wrap_failure(const builder_t *b, const spec_node_t *node, rmm_status_t status)
{
  char why[512];
  snprintf(why, sizeof why, "%s", rmm_last_error_message());
  return rmm__fail(status, "column %d: cannot build %s: %s (in \"%s\")", node->column, node->word, why, b->text);
}

/* Turns percentages into bytes, now that the upstream (which may take memory) exists. */
static rmm_status_t resolve_percentages(const builder_t *b, const spec_node_t *node, slot_t slots[SPEC_MAX_PARAMS],
                                        size_t count)
{
  for (size_t i = 0; i < count; i++) {
    if (!slots[i].is_percent)
      continue;
    if (b->percent_base != 0) {
      size_t bytes = rmm__size_percent_of(slots[i].node->word, b->percent_base);
      slots[i].value.number = bytes & ~(size_t)(RMM_ALLOCATION_ALIGNMENT - 1);
      continue;
    }
    rmm_status_t status = rmm_percent_of_free_device_memory(slots[i].percent, &slots[i].value.number);
    if (status != RMM_SUCCESS)
      return wrap_failure(b, node, status);
  }
  return RMM_SUCCESS;
}

static rmm_status_t build_node(const builder_t *b, const spec_node_t *node, rmm_resource_t **out)
{
  *out = NULL;
  const spec_family_t *family = rmm__spec_find_family(node->word);
  if (family == NULL)
    return unknown_resource(b, node);

  const spec_node_t *upstream_node = NULL;
  slot_t slots[SPEC_MAX_PARAMS] = {{0}};
  rmm_status_t status = match_args(b, family, node, &upstream_node, slots);
  if (status == RMM_SUCCESS)
    status = convert_all(b, family, node, slots);
  if (status != RMM_SUCCESS)
    return status;

  /* A leaf stands in for every leaf name once that name's arguments are known to be good. */
  if (!family->has_upstream && b->leaf != NULL) {
    *out = rmm_resource_retain(b->leaf);
    return RMM_SUCCESS;
  }

  rmm_resource_t *upstream = NULL;
  if (upstream_node != NULL) {
    status = build_node(b, upstream_node, &upstream);
    if (status != RMM_SUCCESS)
      return status;
  }
  spec_value_t values[SPEC_MAX_PARAMS];
  status = resolve_percentages(b, node, slots, family->param_count);
  if (status == RMM_SUCCESS) {
    for (size_t i = 0; i < SPEC_MAX_PARAMS; i++)
      values[i] = slots[i].value;
    status = family->build(upstream, values, out);
    if (status != RMM_SUCCESS) {
      *out = NULL;
      status = wrap_failure(b, node, status);
    }
  }
  rmm_resource_release(upstream);
  return status;
}

RMM_API rmm_status_t rmm_resource_from_spec_options(const char *spec, const rmm_spec_options_t *options,
                                                    rmm_resource_t **out)
{
  if (out == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_from_spec: out is NULL");
  *out = NULL;
  if (spec == NULL)
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_from_spec: spec is NULL");
  if (options != NULL && options->struct_size < sizeof(rmm_spec_options_t))
    return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "rmm_resource_from_spec: options struct_size %zu is below %zu",
                     options->struct_size, sizeof(rmm_spec_options_t));
  builder_t b = {.text = spec};
  if (options != NULL) {
    b.percent_base = options->percent_base;
    b.leaf = options->leaf;
  }
  spec_node_t *tree = NULL;
  rmm_status_t status = rmm__spec_parse(spec, &tree);
  if (status == RMM_SUCCESS)
    status = build_node(&b, tree, out);
  rmm__spec_node_free(tree);
  if (status == RMM_SUCCESS)
    RMM_LOG(RMM_LOG_DEBUG, "built %s from spec \"%s\"", rmm_resource_name(*out), spec);
  return status;
}

RMM_API rmm_status_t rmm_resource_from_spec(const char *spec, rmm_resource_t **out)
{
  return rmm_resource_from_spec_options(spec, NULL, out);
}
