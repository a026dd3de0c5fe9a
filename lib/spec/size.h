/*
 * Sizes as the spec grammar writes them (rmm(7)): number [unit] or number "%". The
 * number is decimal with an optional fraction, read exactly (integer arithmetic on its
 * digits, never a double), so "4.1GB" is 4100000000 bytes and "1.9B" is refused. Pure
 * functions with no other part of librmm behind them: rmm-replay and the fuzz drivers
 * compile this file in for their own size options.
 */
#ifndef RMM_SPEC_SIZE_H
#define RMM_SPEC_SIZE_H

#include <stdbool.h>
#include <stddef.h>

/* The longest number read, in characters; longer ones are refused as too long. */
enum { RMM_SIZE_MAX_DIGITS = 96 };

typedef struct rmm_size {
  bool is_percent;
  size_t bytes;    /* when not a percentage */
  double percent;  /* when a percentage: 0 .. 100, for callers that need a double */
} rmm_size_t;

/*
 * Reads `text` whole. Units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB, in any case. False
 * with `*why` (a static phrase) when it is not a size: not a number, unknown unit, too
 * long, more than 64 bits, a fraction of a byte, a percentage above 100.
 */
bool rmm__size_parse(const char *text, rmm_size_t *out, const char **why);

/*
 * The share of `base` a percentage from rmm__size_parse() stands for, rounded down,
 * exact for any base (no double): `text` must be one that parsed as a percentage.
 */
size_t rmm__size_percent_of(const char *text, size_t base);

#endif
