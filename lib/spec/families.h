/*
 * The table of families a spec can name: each family's parameters after its upstream,
 * in the C constructor's order, and the function that calls the constructor.
 */
#ifndef RMM_SPEC_FAMILIES_H
#define RMM_SPEC_FAMILIES_H

#include <stdbool.h>
#include <stddef.h>

#include <rmm/rmm.h>

/* The most parameters any family takes after its upstream. */
enum { SPEC_MAX_PARAMS = 3 };

typedef enum spec_kind {
  SPEC_SIZE,   /* bytes: a number with an optional unit, or a percentage */
  SPEC_COUNT,  /* a plain non-negative integer */
  SPEC_BOOL,   /* true/false, yes/no, on/off, 1/0 */
  SPEC_TEXT,   /* any word, e.g. a file name */
  SPEC_HANDLE, /* an export handle type of cuda_async */
} spec_kind_t;

typedef struct spec_param {
  const char *name;       /* the C parameter name */
  const char *short_name; /* the same, shorter; NULL when the C name is short already */
  spec_kind_t kind;
  bool required;
  size_t default_value; /* for SPEC_SIZE, SPEC_COUNT, SPEC_BOOL and SPEC_HANDLE */
} spec_param_t;

/* A parameter's value once the spec is read; `given` is false for a default. */
typedef struct spec_value {
  bool given;
  size_t number; /* sizes, counts, booleans and handle types */
  const char *text;
} spec_value_t;

typedef rmm_status_t (*spec_build_t)(rmm_resource_t *upstream, const spec_value_t *values, rmm_resource_t **out);

typedef struct spec_family {
  const char *name;
  bool has_upstream; /* adaptors and sub-allocators: the first argument is a spec */
  size_t param_count;
  spec_param_t params[SPEC_MAX_PARAMS];
  spec_build_t build;
} spec_family_t;

/* The family at `index` in the table, or NULL past its end: for suggestions. */
const spec_family_t *rmm__spec_family_at(size_t index);

/* The family called `name`, or NULL. */
const spec_family_t *rmm__spec_find_family(const char *name);

#endif
