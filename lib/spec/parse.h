/*
 * The spec parser: text to a tree of names, values and key=value pairs, with the column
 * of each. It knows nothing of the families; lib/spec/build.c gives the tree meaning.
 */
#ifndef RMM_SPEC_PARSE_H
#define RMM_SPEC_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <rmm/common.h>

#include "core/error.h"

typedef struct spec_node spec_node_t;

/* One argument in parentheses: positional (key NULL) or key=value. */
typedef struct spec_arg {
  char *key;
  int key_column;
  spec_node_t *value;
} spec_arg_t;

/*
 * A word, with arguments when parentheses follow it. A word is a run of characters
 * other than blanks and "(),=": a family name, a size, a boolean, a file name.
 */
struct spec_node {
  char *word;
  int column; /* of the word's first character, counted from 1 */
  bool has_parens;
  size_t arg_count;
  size_t arg_capacity;
  spec_arg_t *args;
};

/* Parses the whole of `text`; on failure sets the message (with the column) and *out is NULL. */
rmm_status_t rmm__spec_parse(const char *text, spec_node_t **out);

/* Frees a tree; NULL is a no-op. */
void rmm__spec_node_free(spec_node_t *node);

/* Fails with RMM_ERROR_INVALID_ARGUMENT: "column C: <what> (in "text")". */
rmm_status_t rmm__spec_error(const char *text, int column, const char *fmt, ...) RMM_FORMAT(3, 4);

#endif
