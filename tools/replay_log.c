/*
 * The log reader of rmm-replay. Every field is checked, and a bad one is named with its
 * line and at most a short, printable prefix of what was there. Thread ids go through a
 * hash map, so reading stays linear in the rows however many threads the log has.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay_log.h"

/* The log's columns, by name: RMM's parser reads them by name, so their order may vary. */
enum { COL_THREAD, COL_ACTION, COL_POINTER, COL_SIZE, COL_STREAM, COL_COUNT };
static const char *const column_names[COL_COUNT] = {"Thread", "Action", "Pointer", "Size", "Stream"};
enum { MAX_FIELDS = 16 };

/* The most characters of a bad field a message repeats. */
enum { SHOWN_PREFIX = 24 };

/* Thread id -> index + 1 (0: empty slot), open addressing with linear probing. */
typedef struct id_map {
  uint64_t *ids;
  uint32_t *indices;
  size_t capacity; /* a power of two */
} id_map_t;

typedef struct reader {
  const char *file;
  const char *program;
  FILE *errors;
  size_t line;
  size_t field_count;
  size_t column[COL_COUNT];
  id_map_t threads;
  size_t thread_count;
} reader_t;

static void complain(const reader_t *r, const char *what, const char *detail)
{
  fprintf(r->errors, "%s: %s:%zu: %s%s\n", r->program, r->file, r->line, what, detail);
}

/* At most SHOWN_PREFIX characters of `field`, quoted, non-printable bytes as '?'. */
static const char *shown(const char *field, char out[SHOWN_PREFIX + 8])
{
  size_t n = 0;
  out[n++] = ' ';
  out[n++] = '\'';
  for (size_t i = 0; field[i] != '\0' && i < SHOWN_PREFIX; i++)
    out[n++] = isprint((unsigned char)field[i]) ? field[i] : '?';
  bool cut = strlen(field) > SHOWN_PREFIX;
  if (cut) {
    memcpy(out + n, "...", 3);
    n += 3;
  }
  out[n++] = '\'';
  out[n] = '\0';
  return out;
}

static uint64_t mix(uint64_t key)
{
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdull;
  return key ^ (key >> 33);
}

static size_t id_slot(const id_map_t *map, uint64_t id)
{
  size_t mask = map->capacity - 1;
  size_t i = (size_t)mix(id) & mask;
  while (map->indices[i] != 0 && map->ids[i] != id)
    i = (i + 1) & mask;
  return i;
}

static bool id_map_grow(id_map_t *map)
{
  id_map_t grown = {.capacity = map->capacity ? 2 * map->capacity : 64};
  grown.ids = malloc(grown.capacity * sizeof *grown.ids);
  grown.indices = calloc(grown.capacity, sizeof *grown.indices);
  if (grown.ids == NULL || grown.indices == NULL) {
    free(grown.ids);
    free(grown.indices);
    return false;
  }
  for (size_t i = 0; i < map->capacity; i++) {
    if (map->indices[i] == 0)
      continue;
    size_t j = id_slot(&grown, map->ids[i]);
    grown.ids[j] = map->ids[i];
    grown.indices[j] = map->indices[i];
  }
  free(map->ids);
  free(map->indices);
  *map = grown;
  return true;
}

/* The index of a log thread id, adding it when new; false when out of memory. */
static bool thread_index(reader_t *r, uint64_t id, uint32_t *index)
{
  if (2 * (r->thread_count + 1) > r->threads.capacity && !id_map_grow(&r->threads))
    return false;
  size_t slot = id_slot(&r->threads, id);
  if (r->threads.indices[slot] == 0) {
    r->threads.ids[slot] = id;
    r->threads.indices[slot] = (uint32_t)++r->thread_count;
  }
  *index = r->threads.indices[slot] - 1;
  return true;
}

/* Splits `line` in place at commas; returns the number of fields, storing the first `max`. */
static size_t split_fields(char *line, char **fields, size_t max)
{
  size_t n = 0;
  char *cursor = line;
  for (;;) {
    char *comma = strchr(cursor, ',');
    if (n < max)
      fields[n] = cursor;
    n++;
    if (comma == NULL)
      return n;
    *comma = '\0';
    cursor = comma + 1;
  }
}

typedef enum { NUMBER_OK, NUMBER_BAD, NUMBER_TOO_LARGE } number_result_t;

/* A whole field of digits in `base` (hex may start with 0x); no sign, blank or other text. */
static number_result_t parse_u64(const char *text, int base, uint64_t *out)
{
  if (!isxdigit((unsigned char)text[0]))
    return NUMBER_BAD;
  errno = 0;
  char *end;
  unsigned long long value = strtoull(text, &end, base);
  if (*end != '\0')
    return NUMBER_BAD;
  if (errno == ERANGE)
    return NUMBER_TOO_LARGE;
  *out = value;
  return NUMBER_OK;
}

/* One numeric field, complaining about a bad one; false then. */
static bool read_number(const reader_t *r, const char *name, const char *text, int base, uint64_t *out)
{
  char quoted[SHOWN_PREFIX + 8], what[64];
  number_result_t result = parse_u64(text, base, out);
  if (result == NUMBER_OK)
    return true;
  snprintf(what, sizeof what, result == NUMBER_TOO_LARGE ? "%s too large for 64 bits" : "bad %s", name);
  complain(r, what, shown(text, quoted));
  return false;
}

static bool read_header(reader_t *r, char *line)
{
  char *fields[MAX_FIELDS];
  size_t n = split_fields(line, fields, MAX_FIELDS);
  if (n > MAX_FIELDS) {
    fprintf(r->errors, "%s: %s:%zu: the header has %zu columns, expected Thread,Time,Action,Pointer,Size,Stream\n",
            r->program, r->file, r->line, n);
    return false;
  }
  r->field_count = n;
  for (size_t c = 0; c < COL_COUNT; c++) {
    size_t i = 0;
    while (i < n && strcmp(fields[i], column_names[c]) != 0)
      i++;
    if (i == n) {
      fprintf(r->errors,
              "%s: %s:%zu: the header lacks the column '%s' (expected Thread,Time,Action,Pointer,Size,Stream)\n",
              r->program, r->file, r->line, column_names[c]);
      return false;
    }
    r->column[c] = i;
  }
  return true;
}

static bool read_action(const reader_t *r, const char *action, int *out)
{
  char quoted[SHOWN_PREFIX + 8];
  if (strcmp(action, "allocate") == 0)
    *out = RMM_REPLAY_ALLOCATE;
  else if (strcmp(action, "free") == 0)
    *out = RMM_REPLAY_FREE;
  else if (strcmp(action, "allocate failure") == 0)
    *out = RMM_REPLAY_FAILURE;
  else {
    complain(r, "bad action (allocate, free or allocate failure)", shown(action, quoted));
    return false;
  }
  return true;
}

/* Parses one data row; complains and returns false when it is not one. */
static bool parse_row(reader_t *r, char *line, rmm_replay_event_t *event)
{
  char *fields[MAX_FIELDS];
  size_t n = split_fields(line, fields, MAX_FIELDS);
  if (n != r->field_count) {
    fprintf(r->errors, "%s: %s:%zu: %zu fields, the header has %zu\n", r->program, r->file, r->line, n,
            r->field_count);
    return false;
  }
  const char *pointer = fields[r->column[COL_POINTER]];
  uint64_t thread = 0, size = 0, stream = 0;
  *event = (rmm_replay_event_t){.line = (uint32_t)r->line};
  if (!read_action(r, fields[r->column[COL_ACTION]], &event->action) ||
      !read_number(r, "thread id", fields[r->column[COL_THREAD]], 10, &thread) ||
      (strcmp(pointer, "(nil)") != 0 && !read_number(r, "pointer", pointer, 16, &event->pointer)) ||
      !read_number(r, "size", fields[r->column[COL_SIZE]], 10, &size) ||
      /* RMM writes streams in hex, with or without 0x; 0 is the default stream. */
      !read_number(r, "stream", fields[r->column[COL_STREAM]], 16, &stream))
    return false;
  if (size > SIZE_MAX || stream > UINTPTR_MAX) {
    complain(r, size > SIZE_MAX ? "the size does not fit in size_t" : "the stream does not fit in a pointer", "");
    return false;
  }
  /* A successful allocation of bytes has an address; the row cannot be replayed or freed. */
  if (event->action == RMM_REPLAY_ALLOCATE && event->pointer == 0 && size > 0) {
    complain(r, "an allocation of bytes with a null pointer", "");
    return false;
  }
  event->size = (size_t)size;
  event->stream = (uintptr_t)stream;
  if (!thread_index(r, thread, &event->thread)) {
    complain(r, "out of memory for the thread ids", "");
    return false;
  }
  return true;
}

static void chomp(char *line, size_t *length)
{
  while (*length > 0 && (line[*length - 1] == '\n' || line[*length - 1] == '\r'))
    line[--*length] = '\0';
}

/* Takes one line: the header first, then rows. False (having complained) on a bad one. */
static bool take_line(reader_t *r, char *line, size_t length, bool *header, rmm_replay_log_t *log, size_t *capacity)
{
  if (memchr(line, '\0', length) != NULL) {
    complain(r, "a NUL byte in the row", "");
    return false;
  }
  if (length == 0)
    return true;
  if (!*header)
    return *header = read_header(r, line);
  if (r->line > UINT32_MAX) {
    complain(r, "the log has more lines than rmm-replay counts (2^32)", "");
    return false;
  }
  if (log->count == *capacity) {
    size_t grown_capacity = *capacity ? 2 * *capacity : 1024;
    rmm_replay_event_t *grown = realloc(log->events, grown_capacity * sizeof *grown);
    if (grown == NULL) {
      complain(r, "out of memory for the events", "");
      return false;
    }
    log->events = grown;
    *capacity = grown_capacity;
  }
  if (!parse_row(r, line, &log->events[log->count]))
    return false;
  log->count++;
  return true;
}

bool rmm__replay_read(FILE *in, const char *file, const char *program, FILE *errors, rmm_replay_log_t *log)
{
  reader_t r = {.file = file, .program = program, .errors = errors};
  *log = (rmm_replay_log_t){0};
  char *line = NULL;
  size_t line_capacity = 0, capacity = 0;
  bool ok = true, header = false;
  ssize_t got;
  while (ok && (got = getline(&line, &line_capacity, in)) >= 0) {
    r.line++;
    size_t length = (size_t)got;
    chomp(line, &length);
    ok = take_line(&r, line, length, &header, log, &capacity);
  }
  if (ok && ferror(in)) {
    fprintf(errors, "%s: cannot read %s: %s\n", program, file, strerror(errno));
    ok = false;
  }
  if (ok && !header) {
    fprintf(errors, "%s: %s: empty file, expected the header Thread,Time,Action,Pointer,Size,Stream\n", program,
            file);
    ok = false;
  }
  free(line);
  free(r.threads.ids);
  free(r.threads.indices);
  log->thread_count = r.thread_count;
  if (!ok)
    rmm__replay_log_free(log);
  return ok;
}

void rmm__replay_log_free(rmm_replay_log_t *log)
{
  free(log->events);
  *log = (rmm_replay_log_t){0};
}
