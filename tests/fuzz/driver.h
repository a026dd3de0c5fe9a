/*
 * A fuzz driver that needs no clang: each target defines LLVMFuzzerTestOneInput (so
 * libFuzzer can drive it too, built with -DRMM_LIBFUZZER -fsanitize=fuzzer), and this
 * main() runs it over every file of the corpus paths given, then over N seeded random
 * mutations of them. A crash, a sanitizer report or an abort() in a target is the
 * failure; a run prints what it did and the seed, so a failure reproduces.
 *
 *   FUZZER [-n ITERATIONS] [-s SEED] [-t SECONDS] CORPUS_DIR_OR_FILE...
 */
#ifndef RMM_TESTS_FUZZ_DRIVER_H
#define RMM_TESTS_FUZZ_DRIVER_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Under AddressSanitizer a huge request (an arena of hundreds of TiB asks for tens of
 * GiB of maps) would abort the run; let it fail as it does without the sanitizer, so
 * that the library's own out-of-memory path is what gets tested.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* Fails the run from inside a target: a broken invariant. */
#define FUZZ_CHECK(condition, ...)                                                                                     \
  do {                                                                                                                 \
    if (!(condition)) {                                                                                                \
      fprintf(stderr, "fuzz: invariant broken: %s: ", #condition);                                                    \
      fprintf(stderr, __VA_ARGS__);                                                                                    \
      fprintf(stderr, "\n");                                                                                           \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

#ifndef RMM_LIBFUZZER

/* Tokens a mutation may insert, beside random bytes: the targets' own syntax. */
extern const char *const fuzz_tokens[];

typedef struct input {
  uint8_t *data;
  size_t size;
} input_t;

typedef struct corpus {
  input_t *inputs;
  size_t count, capacity;
} corpus_t;

static uint64_t fuzz_random(uint64_t *state)
{
  uint64_t x = *state += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

static void corpus_add_file(corpus_t *corpus, const char *path)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "fuzz: cannot open %s\n", path);
    exit(2);
  }
  input_t in = {0};
  size_t capacity = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    if (in.size == capacity) {
      capacity = capacity ? 2 * capacity : 256;
      in.data = realloc(in.data, capacity);
      if (in.data == NULL)
        exit(2);
    }
    in.data[in.size++] = (uint8_t)c;
  }
  fclose(f);
  if (corpus->count == corpus->capacity) {
    corpus->capacity = corpus->capacity ? 2 * corpus->capacity : 16;
    corpus->inputs = realloc(corpus->inputs, corpus->capacity * sizeof *corpus->inputs);
    if (corpus->inputs == NULL)
      exit(2);
  }
  corpus->inputs[corpus->count++] = in;
}

static void corpus_add(corpus_t *corpus, const char *path)
{
  DIR *dir = opendir(path);
  if (dir == NULL) {
    corpus_add_file(corpus, path);
    return;
  }
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] == '.')
      continue;
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", path, entry->d_name);
    corpus_add_file(corpus, full);
  }
  closedir(dir);
}

/* One random edit of `buf` (length *size, room for `room` bytes). */
static void mutate_once(uint8_t *buf, size_t *size, size_t room, uint64_t *rng)
{
  size_t at = *size ? fuzz_random(rng) % (*size + 1) : 0;
  switch (fuzz_random(rng) % 6) {
  case 0: /* flip a byte */
    if (*size)
      buf[at % *size] ^= (uint8_t)(1u << (fuzz_random(rng) % 8));
    break;
  case 1: /* a random byte */
    if (*size)
      buf[at % *size] = (uint8_t)fuzz_random(rng);
    break;
  case 2: /* delete a run */
    if (*size) {
      size_t n = 1 + fuzz_random(rng) % 8;
      at %= *size;
      if (n > *size - at)
        n = *size - at;
      memmove(buf + at, buf + at + n, *size - at - n);
      *size -= n;
    }
    break;
  case 3: { /* insert a token */
    size_t count = 0;
    while (fuzz_tokens[count] != NULL)
      count++;
    const char *token = fuzz_tokens[fuzz_random(rng) % count];
    size_t n = strlen(token);
    if (*size + n <= room) {
      memmove(buf + at + n, buf + at, *size - at);
      memcpy(buf + at, token, n);
      *size += n;
    }
    break;
  }
  case 4: /* duplicate a run (grows nesting and lists) */
    if (*size) {
      size_t from = fuzz_random(rng) % *size;
      size_t n = 1 + fuzz_random(rng) % 32;
      if (n > *size - from)
        n = *size - from;
      uint8_t run[32];
      memcpy(run, buf + from, n);
      if (*size + n <= room) {
        memmove(buf + at + n, buf + at, *size - at);
        memcpy(buf + at, run, n);
        *size += n;
      }
    }
    break;
  default: /* a run of digits: sizes at the edges of 64 bits */
    if (*size + 24 <= room) {
      size_t n = 1 + fuzz_random(rng) % 24;
      memmove(buf + at + n, buf + at, *size - at);
      for (size_t i = 0; i < n; i++)
        buf[at + i] = (uint8_t)('0' + fuzz_random(rng) % 10);
      *size += n;
    }
  }
}

int main(int argc, char **argv)
{
  long iterations = 0, seconds = 0;
  uint64_t seed = 1;
  corpus_t corpus = {0};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
      iterations = atol(argv[++i]);
    else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
      seed = strtoull(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
      seconds = atol(argv[++i]);
    else
      corpus_add(&corpus, argv[i]);
  }
  if (corpus.count == 0) {
    fprintf(stderr, "usage: %s [-n ITERATIONS] [-s SEED] [-t SECONDS] CORPUS...\n", argv[0]);
    return 2;
  }
  for (size_t i = 0; i < corpus.count; i++)
    LLVMFuzzerTestOneInput(corpus.inputs[i].data, corpus.inputs[i].size);
  enum { ROOM = 1 << 16 };
  uint8_t *buf = malloc(ROOM);
  if (buf == NULL)
    return 2;
  uint64_t rng = seed;
  time_t end = seconds > 0 ? time(NULL) + seconds : 0;
  long done = 0;
  for (; (iterations > 0 && done < iterations) || (end != 0 && time(NULL) < end); done++) {
    const input_t *base = &corpus.inputs[fuzz_random(&rng) % corpus.count];
    size_t size = base->size < ROOM ? base->size : ROOM;
    memcpy(buf, base->data, size);
    for (int edits = 1 + (int)(fuzz_random(&rng) % 8); edits > 0; edits--)
      mutate_once(buf, &size, ROOM, &rng);
    LLVMFuzzerTestOneInput(buf, size);
  }
  printf("%s: %zu corpus inputs and %ld mutations (seed %llu): no failure\n", argv[0], corpus.count, done,
         (unsigned long long)seed);
  free(buf);
  for (size_t i = 0; i < corpus.count; i++)
    free(corpus.inputs[i].data);
  free(corpus.inputs);
  return 0;
}

#endif
#endif
