/*
 * Recursive descent over the grammar of rmm(7) section "resource specs":
 *   spec := word [ "(" [ arg { "," arg } ] ")" ]     arg := spec | word "=" spec
 * Values are words too, so the parser needs no knowledge of sizes or families.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/parse.h"

/* Deeper nesting than any real stack; the limit keeps the recursion bounded. */
enum { MAX_DEPTH = 64 };

typedef struct parser {
  const char *text;
  size_t pos;
  int depth;
} parser_t;

rmm_status_t rmm__spec_error(const char *text, int column, const char *fmt, ...)
{
  char what[256];
  va_list args;
  va_start(args, fmt);
  vsnprintf(what, sizeof what, fmt, args);
  va_end(args);
  return rmm__fail(RMM_ERROR_INVALID_ARGUMENT, "column %d: %s (in \"%s\")", column, what, text);
}

static int column_of(const parser_t *p) { return (int)p->pos + 1; }

static void skip_blanks(parser_t *p)
{
  while (isspace((unsigned char)p->text[p->pos]))
    p->pos++;
}

static bool is_word_char(char c) { return c != '\0' && !isspace((unsigned char)c) && strchr("(),=", c) == NULL; }

void rmm__spec_node_free(spec_node_t *node)
{
  if (node == NULL)
    return;
  for (size_t i = 0; i < node->arg_count; i++) {
    free(node->args[i].key);
    rmm__spec_node_free(node->args[i].value);
  }
  free(node->args);
  free(node->word);
  free(node);
}

/* Names what stands at the cursor for a message: a character, or the end of the spec. */
static const char *describe_here(const parser_t *p, char buf[8])
{
  if (p->text[p->pos] == '\0')
    return "the end of the spec";
  snprintf(buf, 8, "'%c'", p->text[p->pos]);
  return buf;
}

static rmm_status_t parse_word(parser_t *p, char **word, int *column)
{
  skip_blanks(p);
  size_t start = p->pos;
  while (is_word_char(p->text[p->pos]))
    p->pos++;
  if (p->pos == start) {
    char buf[8];
    return rmm__spec_error(p->text, column_of(p), "expected a name or a value, found %s", describe_here(p, buf));
  }
  *column = (int)start + 1;
  *word = strndup(p->text + start, p->pos - start);
  if (*word == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "resource spec: out of host memory");
  return RMM_SUCCESS;
}

static rmm_status_t parse_node(parser_t *p, spec_node_t **out);

/*
 * Appends one argument; the node owns key and value from here on, even on failure. The
 * array doubles when full, so a spec with n arguments costs O(n), not O(n^2).
 */
static rmm_status_t append_arg(spec_node_t *node, char *key, int key_column, spec_node_t *value)
{
  if (node->arg_count == node->arg_capacity) {
    size_t capacity = node->arg_capacity != 0 ? 2 * node->arg_capacity : 4;
    spec_arg_t *grown = realloc(node->args, capacity * sizeof *grown);
    if (grown == NULL) {
      free(key);
      rmm__spec_node_free(value);
      return rmm__fail(RMM_ERROR_BAD_ALLOC, "resource spec: out of host memory");
    }
    node->args = grown;
    node->arg_capacity = capacity;
  }
  node->args[node->arg_count++] = (spec_arg_t){.key = key, .key_column = key_column, .value = value};
  return RMM_SUCCESS;
}

/* arg := spec | word "=" spec. A word followed by "=" is a key, not a value. */
static rmm_status_t parse_arg(parser_t *p, spec_node_t *node)
{
  spec_node_t *first = NULL;
  rmm_status_t status = parse_node(p, &first);
  if (status != RMM_SUCCESS)
    return status;
  skip_blanks(p);
  if (p->text[p->pos] != '=')
    return append_arg(node, NULL, 0, first);
  if (first->has_parens) {
    int column = column_of(p);
    rmm__spec_node_free(first);
    return rmm__spec_error(p->text, column, "'=' after a resource; a key is a plain word");
  }
  p->pos++;
  char *key = first->word;
  int key_column = first->column;
  first->word = NULL;
  rmm__spec_node_free(first);
  spec_node_t *value = NULL;
  status = parse_node(p, &value);
  if (status != RMM_SUCCESS) {
    free(key);
    return status;
  }
  return append_arg(node, key, key_column, value);
}

/* The arguments after "(" up to and including the matching ")". */
static rmm_status_t parse_args(parser_t *p, spec_node_t *node, int open_column)
{
  skip_blanks(p);
  if (p->text[p->pos] == ')') {
    p->pos++;
    return RMM_SUCCESS;
  }
  for (;;) {
    rmm_status_t status = parse_arg(p, node);
    if (status != RMM_SUCCESS)
      return status;
    skip_blanks(p);
    char c = p->text[p->pos];
    if (c == ')') {
      p->pos++;
      return RMM_SUCCESS;
    }
    if (c == '\0')
      return rmm__spec_error(p->text, column_of(p), "unbalanced parentheses: '(' at column %d is not closed",
                             open_column);
    if (c != ',') {
      char buf[8];
      return rmm__spec_error(p->text, column_of(p), "expected ',' or ')' after an argument of '%s', found %s",
                             node->word, describe_here(p, buf));
    }
    p->pos++;
  }
}

static rmm_status_t parse_node(parser_t *p, spec_node_t **out)
{
  *out = NULL;
  spec_node_t *node = calloc(1, sizeof *node);
  if (node == NULL)
    return rmm__fail(RMM_ERROR_BAD_ALLOC, "resource spec: out of host memory");
  rmm_status_t status = parse_word(p, &node->word, &node->column);
  skip_blanks(p);
  if (status == RMM_SUCCESS && p->text[p->pos] == '(') {
    int open_column = column_of(p);
    node->has_parens = true;
    p->pos++;
    if (++p->depth > MAX_DEPTH)
      status = rmm__spec_error(p->text, open_column, "nested deeper than %d levels", MAX_DEPTH);
    else
      status = parse_args(p, node, open_column);
    p->depth--;
  }
  if (status != RMM_SUCCESS) {
    rmm__spec_node_free(node);
    return status;
  }
  *out = node;
  return RMM_SUCCESS;
}

rmm_status_t rmm__spec_parse(const char *text, spec_node_t **out)
{
  parser_t p = {.text = text};
  *out = NULL;
  skip_blanks(&p);
  if (text[p.pos] == '\0')
    return rmm__spec_error(text, column_of(&p), "empty spec, expected a resource name");
  spec_node_t *node = NULL;
  rmm_status_t status = parse_node(&p, &node);
  if (status != RMM_SUCCESS)
    return status;
  skip_blanks(&p);
  if (text[p.pos] != '\0') {
    int column = column_of(&p);
    rmm__spec_node_free(node);
    if (text[column - 1] == ')')
      return rmm__spec_error(text, column, "unbalanced parentheses: ')' without '('");
    return rmm__spec_error(text, column, "unexpected text after the spec: '%s'", text + column - 1);
  }
  *out = node;
  return RMM_SUCCESS;
}
