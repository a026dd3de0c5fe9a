/*
 * Exact decimal sizes. A number is kept as its decimal digits (the point dropped,
 * `scale` digits after it); multiplying by the unit and dividing by 10^scale is then
 * digit arithmetic, so any written value is either exact or refused.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spec/size.h"

static const struct {
  const char *name;
  uint64_t factor;
} units[] = {
    {"", 1},
    {"B", 1},
    {"KiB", (uint64_t)1 << 10},
    {"MiB", (uint64_t)1 << 20},
    {"GiB", (uint64_t)1 << 30},
    {"TiB", (uint64_t)1 << 40},
    {"KB", 1000},
    {"MB", 1000000},
    {"GB", 1000000000},
    {"TB", 1000000000000},
};

__extension__ typedef unsigned __int128 wide_t;

/* Room for the digits times any multiplier of up to 64 bits (20 more digits). */
enum { DIGIT_ROOM = RMM_SIZE_MAX_DIGITS + 24 };

typedef struct number {
  unsigned char digit[DIGIT_ROOM]; /* most significant first, values 0..9 */
  size_t length;
  size_t scale; /* digits after the decimal point */
} number_t;

/* Reads digits [ "." digits ] from the start of `text`; returns where the unit starts, NULL if none. */
static const char *read_number(const char *text, number_t *n, const char **why)
{
  n->length = n->scale = 0;
  const char *p = text;
  bool point = false;
  for (; (*p >= '0' && *p <= '9') || (*p == '.' && !point); p++) {
    if (*p == '.') {
      point = true;
      continue;
    }
    if (n->length == RMM_SIZE_MAX_DIGITS) {
      *why = "the number is too long";
      return NULL;
    }
    n->digit[n->length++] = (unsigned char)(*p - '0');
    n->scale += point;
  }
  if (n->length == 0 || text[0] == '.') {
    *why = "expected a number with an optional unit (B, KiB, MiB, GiB, TiB, KB, MB, GB, TB) or a percentage";
    return NULL;
  }
  return p;
}

/* n *= factor, exactly. */
static void multiply(number_t *n, uint64_t factor)
{
  wide_t carry = 0;
  for (size_t i = n->length; i-- > 0;) {
    wide_t v = (wide_t)n->digit[i] * factor + carry;
    n->digit[i] = (unsigned char)(v % 10);
    carry = v / 10;
  }
  size_t extra = 0;
  unsigned char head[DIGIT_ROOM];
  for (; carry != 0; carry /= 10)
    head[extra++] = (unsigned char)(carry % 10);
  memmove(n->digit + extra, n->digit, n->length);
  for (size_t i = 0; i < extra; i++)
    n->digit[i] = head[extra - 1 - i];
  n->length += extra;
}

/*
 * The integer part of n / 10^drop into *out; false when it passes 64 bits. `whole`
 * tells whether the dropped digits were all zero.
 */
static bool integer_part(const number_t *n, size_t drop, uint64_t *out, bool *whole)
{
  size_t keep = n->length > drop ? n->length - drop : 0;
  uint64_t value = 0;
  for (size_t i = 0; i < keep; i++)
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, n->digit[i], &value))
      return false;
  *whole = true;
  for (size_t i = keep; i < n->length; i++)
    *whole = *whole && n->digit[i] == 0;
  *out = value;
  return true;
}

bool rmm__size_parse(const char *text, rmm_size_t *out, const char **why)
{
  number_t n;
  const char *unit = read_number(text, &n, why);
  if (unit == NULL)
    return false;
  *out = (rmm_size_t){0};
  if (strcmp(unit, "%") == 0) {
    uint64_t whole_percent;
    bool exact;
    *why = "a percentage must be from 0 to 100";
    if (!integer_part(&n, n.scale, &whole_percent, &exact) || whole_percent > 100 || (whole_percent == 100 && !exact))
      return false;
    out->is_percent = true;
    out->percent = strtod(text, NULL);
    return true;
  }
  uint64_t factor = 0;
  for (size_t i = 0; i < sizeof units / sizeof units[0] && factor == 0; i++)
    if (strcasecmp(unit, units[i].name) == 0)
      factor = units[i].factor;
  if (factor == 0) {
    *why = "unknown unit (B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)";
    return false;
  }
  multiply(&n, factor);
  uint64_t bytes;
  bool whole;
  *why = "the size does not fit in 64 bits";
  if (!integer_part(&n, n.scale, &bytes, &whole) || bytes > SIZE_MAX)
    return false;
  *why = "the size is not a whole number of bytes";
  if (!whole)
    return false;
  out->bytes = (size_t)bytes;
  return true;
}

size_t rmm__size_percent_of(const char *text, size_t base)
{
  number_t n;
  const char *why;
  if (read_number(text, &n, &why) == NULL)
    return 0;
  /* base * percent / 100, rounded down: at most base, so it fits. */
  multiply(&n, base);
  uint64_t share = 0;
  bool whole;
  if (!integer_part(&n, n.scale + 2, &share, &whole))
    return base;
  return (size_t)share;
}
