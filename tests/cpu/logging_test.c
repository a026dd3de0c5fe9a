/*
 * The logging adaptor: the CSV is parsed back as RMM's replay parser reads it (header,
 * thread, time, action, pointer, size, stream), for files, streams and RMM_LOG_FILE;
 * failure rows; auto_flush; write errors; and rows from 8 threads that never interleave.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/test.h"
#include "cpu/adaptor_mock.h"

static const char header[] = "Thread,Time,Action,Pointer,Size,Stream";

typedef struct row {
  long thread;
  int hours, minutes, seconds;
  long micros;
  char action[32];
  uintptr_t pointer;
  size_t size;
  uintptr_t stream;
} row_t;

/* Parses a hex field as the replay parser does: 0x... or "(nil)" for 0; "0" for the default stream. */
static bool parse_hex(const char *text, uintptr_t *value)
{
  if (strcmp(text, "(nil)") == 0 || strcmp(text, "0") == 0) {
    *value = 0;
    return true;
  }
  if (strncmp(text, "0x", 2) != 0 || text[2] == '\0')
    return false;
  char *end;
  *value = (uintptr_t)strtoull(text + 2, &end, 16);
  return *end == '\0';
}

/* Splits one data row into its six fields; false when the row is malformed. */
static bool parse_row(char *line, row_t *row)
{
  line[strcspn(line, "\n")] = '\0';
  char *fields[6];
  int count = 0;
  for (char *field = strtok(line, ","); field != NULL && count < 7; field = strtok(NULL, ","))
    if (count < 6)
      fields[count++] = field;
    else
      return false;
  if (count != 6)
    return false;
  char *end;
  row->thread = strtol(fields[0], &end, 10);
  if (*end != '\0' || row->thread <= 0)
    return false;
  if (strlen(fields[1]) != 15 ||
      sscanf(fields[1], "%2d:%2d:%2d.%6ld", &row->hours, &row->minutes, &row->seconds, &row->micros) != 4)
    return false;
  snprintf(row->action, sizeof row->action, "%s", fields[2]);
  if (strcmp(row->action, "allocate") != 0 && strcmp(row->action, "free") != 0 &&
      strcmp(row->action, "allocate failure") != 0)
    return false;
  row->size = (size_t)strtoull(fields[4], &end, 10);
  if (*end != '\0')
    return false;
  return parse_hex(fields[3], &row->pointer) && parse_hex(fields[5], &row->stream);
}

/* Reads a log from the start: checks the header and parses every row (caller frees). */
static row_t *read_log(FILE *file, size_t *count)
{
  fflush(file);
  rewind(file);
  char line[512];
  ck_assert_ptr_nonnull(fgets(line, sizeof line, file));
  line[strcspn(line, "\n")] = '\0';
  ck_assert_str_eq(line, header);
  size_t capacity = 64;
  row_t *rows = malloc(capacity * sizeof *rows);
  *count = 0;
  while (fgets(line, sizeof line, file) != NULL) {
    if (*count == capacity)
      rows = realloc(rows, (capacity *= 2) * sizeof *rows);
    char copy[512];
    snprintf(copy, sizeof copy, "%s", line);
    ck_assert_msg(parse_row(line, &rows[*count]), "malformed row: %s", copy);
    (*count)++;
  }
  return rows;
}

static row_t *read_path(const char *path, size_t *count)
{
  FILE *file = fopen(path, "r");
  ck_assert_ptr_nonnull(file);
  row_t *rows = read_log(file, count);
  fclose(file);
  return rows;
}

static rmm_resource_t *host(void)
{
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_host_create(&mr));
  return mr;
}

static void ck_row(const row_t *row, const char *action, const void *pointer, size_t size, rmm_stream_t stream)
{
  ck_assert_str_eq(row->action, action);
  ck_assert_uint_eq(row->pointer, (uintptr_t)pointer);
  ck_assert_uint_eq(row->size, size);
  ck_assert_uint_eq(row->stream, (uintptr_t)stream);
  ck_assert_int_eq(row->thread, (long)syscall(SYS_gettid));
}

/* RMM's logger test: allocate 100, allocate 42, free 100, free 42, in that order. */
START_TEST(test_rows_in_order)
{
  rmm_resource_t *up = host();
  FILE *file = tmpfile();
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_logging_create_from_file(up, file, false, &mr));
  const char *name = "unset";
  RMM_CK(rmm_logging_file_name(mr, &name));
  ck_assert_ptr_null(name);
  void *a = NULL, *b = NULL;
  RMM_CK(rmm_allocate(mr, &a, 100, NULL));
  RMM_CK(rmm_allocate(mr, &b, 42, NULL));
  RMM_CK(rmm_deallocate(mr, a, 100, NULL));
  RMM_CK(rmm_deallocate(mr, b, 42, NULL));
  RMM_CK(rmm_logging_flush(mr));
  size_t count;
  row_t *rows = read_log(file, &count);
  ck_assert_uint_eq(count, 4);
  ck_row(&rows[0], "allocate", a, 100, NULL);
  ck_row(&rows[1], "allocate", b, 42, NULL);
  ck_row(&rows[2], "free", a, 100, NULL);
  ck_row(&rows[3], "free", b, 42, NULL);
  free(rows);
  rmm_resource_release(mr);
  rmm_resource_release(up);
  /* The caller's stream stays open after the adaptor is gone. */
  ck_assert_int_ge(fputs("still open\n", file), 0);
  fclose(file);
}
END_TEST

/* The exact text: pointer as 0x..., stream "0" or 0x..., as upstream RMM writes them. */
START_TEST(test_row_text)
{
  mock_t mock;
  rmm_resource_t *up = mock_create(&mock, RMM_HOST_ACCESSIBLE);
  mock_script(&mock, (const uintptr_t[]){0xab00, 0xcd00}, 2);
  FILE *file = tmpfile();
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_logging_create_from_file(up, file, false, &mr));
  void *a = NULL, *b = NULL;
  RMM_CK(rmm_allocate(mr, &a, 1024, NULL));
  RMM_CK(rmm_allocate(mr, &b, 7, (rmm_stream_t)0xbeef00));
  RMM_CK(rmm_deallocate(mr, b, 7, RMM_STREAM_PER_THREAD));
  rmm_resource_release(mr);

  rewind(file);
  char line[256];
  ck_assert_ptr_nonnull(fgets(line, sizeof line, file));
  ck_assert_str_eq(line, "Thread,Time,Action,Pointer,Size,Stream\n");
  const char *expected[] = {",allocate,0xab00,1024,0\n", ",allocate,0xcd00,7,0xbeef00\n", ",free,0xcd00,7,0x2\n"};
  for (int i = 0; i < 3; i++) {
    ck_assert_ptr_nonnull(fgets(line, sizeof line, file));
    /* Thread and time come first: "<tid>,HH:MM:SS.uuuuuu". */
    char *action = strchr(strchr(line, ',') + 1, ',');
    ck_assert_str_eq(action, expected[i]);
  }
  ck_assert_ptr_null(fgets(line, sizeof line, file));
  fclose(file);
  rmm_resource_release(up);
}
END_TEST

/* A failed allocation logs "allocate failure" with (nil), and the upstream's message survives. */
START_TEST(test_failure_row)
{
  rmm_resource_t *base = host();
  rmm_resource_t *up = NULL;
  RMM_CK(rmm_limiting_create(base, (size_t)1 << 20, 0, &up));
  FILE *file = tmpfile();
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_logging_create_from_file(up, file, false, &mr));
  void *ok = NULL, *failed = NULL;
  RMM_CK(rmm_allocate(mr, &ok, 1000, NULL));
  RMM_CK_STATUS(rmm_allocate(mr, &failed, (size_t)1 << 40, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("limiting: out of memory");
  RMM_CK(rmm_deallocate(mr, ok, 1000, NULL));
  size_t count;
  row_t *rows = read_log(file, &count);
  ck_assert_uint_eq(count, 3);
  ck_row(&rows[0], "allocate", ok, 1000, NULL);
  ck_row(&rows[1], "allocate failure", NULL, (size_t)1 << 40, NULL);
  ck_row(&rows[2], "free", ok, 1000, NULL);
  free(rows);

  /* The text of the failure row, as RMM's %p writes a null pointer. */
  rewind(file);
  char text[4096] = {0};
  ck_assert_uint_gt(fread(text, 1, sizeof text - 1, file), 0);
  ck_assert_ptr_nonnull(strstr(text, ",allocate failure,(nil),1099511627776,0\n"));
  rmm_resource_release(mr);
  fclose(file);
  rmm_resource_release(up);
  rmm_resource_release(base);
}
END_TEST

static char *temp_path(void)
{
  static char path[64];
  snprintf(path, sizeof path, "/tmp/rmm-logging-test-XXXXXX");
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  /* Something to truncate: the adaptor starts the file afresh. */
  ck_assert_int_eq(write(fd, "old content\n", 12), 12);
  close(fd);
  return path;
}

START_TEST(test_named_file)
{
  rmm_resource_t *up = host();
  const char *path = temp_path();
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_logging_create(up, path, false, &mr));
  const char *name = NULL;
  RMM_CK(rmm_logging_file_name(mr, &name));
  ck_assert_str_eq(name, path);
  ck_assert_ptr_ne(name, path);
  RMM_CK_STATUS(rmm_logging_file_name(mr, NULL), RMM_ERROR_INVALID_ARGUMENT);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 4096, NULL));
  RMM_CK(rmm_deallocate(mr, ptr, 4096, NULL));
  rmm_resource_release(mr); /* closes and flushes the file */
  size_t count;
  row_t *rows = read_path(path, &count);
  ck_assert_uint_eq(count, 2);
  ck_row(&rows[0], "allocate", ptr, 4096, NULL);
  ck_row(&rows[1], "free", ptr, 4096, NULL);
  free(rows);
  unlink(path);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_environment_file)
{
  rmm_resource_t *up = host();
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  char *saved = getenv("RMM_LOG_FILE") != NULL ? strdup(getenv("RMM_LOG_FILE")) : NULL;
  unsetenv("RMM_LOG_FILE");
  RMM_CK_STATUS(rmm_logging_create(up, NULL, false, &mr), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_null(mr);
  RMM_CK_MESSAGE_HAS("RMM_LOG_FILE is unset");
  setenv("RMM_LOG_FILE", "", 1);
  RMM_CK_STATUS(rmm_logging_create(up, NULL, false, &mr), RMM_ERROR_INVALID_ARGUMENT);

  const char *path = temp_path();
  setenv("RMM_LOG_FILE", path, 1);
  RMM_CK(rmm_logging_create(up, NULL, true, &mr));
  const char *name = NULL;
  RMM_CK(rmm_logging_file_name(mr, &name));
  ck_assert_str_eq(name, path);
  void *ptr = NULL;
  RMM_CK(rmm_allocate(mr, &ptr, 300, NULL));
  size_t count;
  row_t *rows = read_path(path, &count); /* auto_flush: readable at once */
  ck_assert_uint_eq(count, 1);
  ck_row(&rows[0], "allocate", ptr, 300, NULL);
  free(rows);
  RMM_CK(rmm_deallocate(mr, ptr, 300, NULL));
  rmm_resource_release(mr);
  unlink(path);
  if (saved != NULL)
    setenv("RMM_LOG_FILE", saved, 1);
  else
    unsetenv("RMM_LOG_FILE");
  free(saved);
  rmm_resource_release(up);
}
END_TEST

START_TEST(test_unopenable_file)
{
  rmm_resource_t *up = host();
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  RMM_CK_STATUS(rmm_logging_create(up, "/nonexistent-directory/log.csv", false, &mr), RMM_ERROR_IO);
  ck_assert_ptr_null(mr);
  RMM_CK_MESSAGE_HAS("cannot open '/nonexistent-directory/log.csv' for writing");
  RMM_CK_STATUS(rmm_logging_create_from_file(up, NULL, false, &mr), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("the file is NULL");
  rmm_resource_release(up);
}
END_TEST

/* The bytes of the file as another reader sees them, past the stdio buffer. */
static ssize_t bytes_on_disk(FILE *file)
{
  char buffer[4096];
  return pread(fileno(file), buffer, sizeof buffer, 0);
}

START_TEST(test_auto_flush)
{
  rmm_resource_t *up = host();
  FILE *buffered = tmpfile();
  FILE *flushed = tmpfile();
  rmm_resource_t *lazy = NULL, *eager = NULL;
  RMM_CK(rmm_logging_create_from_file(up, buffered, false, &lazy));
  RMM_CK(rmm_logging_create_from_file(up, flushed, true, &eager));
  ck_assert_int_eq(bytes_on_disk(buffered), 0);
  ck_assert_int_eq(bytes_on_disk(flushed), (ssize_t)strlen(header) + 1);
  void *a = NULL, *b = NULL;
  RMM_CK(rmm_allocate(lazy, &a, 64, NULL));
  RMM_CK(rmm_allocate(eager, &b, 64, NULL));
  ck_assert_int_eq(bytes_on_disk(buffered), 0);
  ssize_t after_row = bytes_on_disk(flushed);
  ck_assert_int_gt(after_row, (ssize_t)strlen(header) + 1);
  RMM_CK(rmm_logging_flush(lazy));
  ck_assert_int_eq(bytes_on_disk(buffered), after_row);
  RMM_CK(rmm_deallocate(lazy, a, 64, NULL));
  RMM_CK(rmm_deallocate(eager, b, 64, NULL));
  rmm_resource_release(lazy);
  rmm_resource_release(eager);
  fclose(buffered);
  fclose(flushed);
  rmm_resource_release(up);
}
END_TEST

/* Writes that fail: the header at creation, or rows reported by the next flush. */
START_TEST(test_write_errors)
{
  rmm_resource_t *up = host();
  rmm_resource_t *mr = (rmm_resource_t *)0x1;
  FILE *read_only = fopen("/dev/null", "r");
  RMM_CK_STATUS(rmm_logging_create_from_file(up, read_only, false, &mr), RMM_ERROR_IO);
  RMM_CK_MESSAGE_HAS("cannot write the log header");
  ck_assert_ptr_null(mr);
  fclose(read_only);

  FILE *full = fopen("/dev/full", "w");
  if (full != NULL) {
    RMM_CK_STATUS(rmm_logging_create_from_file(up, full, true, &mr), RMM_ERROR_IO);
    clearerr(full);
    RMM_CK(rmm_logging_create_from_file(up, full, false, &mr));
    void *ptr = NULL;
    RMM_CK(rmm_allocate(mr, &ptr, 128, NULL)); /* the allocation itself never fails for the log */
    RMM_CK(rmm_deallocate(mr, ptr, 128, NULL));
    RMM_CK_STATUS(rmm_logging_flush(mr), RMM_ERROR_IO);
    RMM_CK_MESSAGE_HAS("writing the log to the stream failed");
    rmm_resource_release(mr);
    fclose(full);
  }
  rmm_resource_release(up);
}
END_TEST

enum { THREADS = 8 };

typedef struct job {
  rmm_resource_t *mr;
  size_t rounds;
  int failures;
} job_t;

static void *churn(void *arg)
{
  job_t *job = arg;
  for (size_t i = 0; i < job->rounds; i++) {
    void *ptr = NULL;
    size_t bytes = 256 * (1 + i % 4);
    if (rmm_allocate(job->mr, &ptr, bytes, NULL) != RMM_SUCCESS || rmm_deallocate(job->mr, ptr, bytes, NULL) != RMM_SUCCESS)
      job->failures++;
  }
  return NULL;
}

static int by_pointer_then_order(const void *a, const void *b)
{
  const row_t *x = *(const row_t *const *)a, *y = *(const row_t *const *)b;
  if (x->pointer != y->pointer)
    return (x->pointer > y->pointer) - (x->pointer < y->pointer);
  return (x > y) - (x < y);
}

/*
 * 8 threads over a LIFO upstream that reuses addresses at once: every row parses (no
 * interleaving), and for every address the file alternates allocate, free, allocate...
 * (an allocation's row follows the upstream, a free's row precedes it).
 */
START_TEST(test_threads)
{
  lifo_t lifo;
  rmm_resource_t *up = lifo_create(&lifo, 1024, THREADS);
  FILE *file = tmpfile();
  rmm_resource_t *mr = NULL;
  RMM_CK(rmm_logging_create_from_file(up, file, false, &mr));
  rmm_resource_release(up);
  pthread_t threads[THREADS];
  job_t jobs[THREADS];
  size_t rounds = rmm_test_scaled(1000);
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (job_t){.mr = mr, .rounds = rounds};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, churn, &jobs[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert_int_eq(jobs[t].failures, 0);
  }
  RMM_CK(rmm_logging_flush(mr));
  size_t count;
  row_t *rows = read_log(file, &count);
  ck_assert_uint_eq(count, 2 * THREADS * rounds);

  row_t **order = malloc(count * sizeof *order);
  for (size_t i = 0; i < count; i++)
    order[i] = &rows[i];
  qsort(order, count, sizeof *order, by_pointer_then_order);
  for (size_t i = 0; i < count; i++) {
    bool first_of_address = i == 0 || order[i - 1]->pointer != order[i]->pointer;
    const char *expected = first_of_address || strcmp(order[i - 1]->action, "free") == 0 ? "allocate" : "free";
    ck_assert_msg(strcmp(order[i]->action, expected) == 0, "row %td for %#" PRIxPTR " is %s, expected %s",
                  order[i] - rows, order[i]->pointer, order[i]->action, expected);
  }
  free(order);
  free(rows);
  rmm_resource_release(mr);
  fclose(file);
}
END_TEST

static Suite *logging_suite(void)
{
  Suite *suite = suite_create("logging");
  TCase *rows = tcase_create("rows");
  tcase_add_test(rows, test_rows_in_order);
  tcase_add_test(rows, test_row_text);
  tcase_add_test(rows, test_failure_row);
  suite_add_tcase(suite, rows);
  TCase *files = tcase_create("files");
  tcase_add_test(files, test_named_file);
  tcase_add_test(files, test_environment_file);
  tcase_add_test(files, test_unopenable_file);
  tcase_add_test(files, test_auto_flush);
  tcase_add_test(files, test_write_errors);
  suite_add_tcase(suite, files);
  TCase *threads = tcase_create("threads");
  tcase_add_test(threads, test_threads);
  tcase_set_timeout(threads, 60);
  suite_add_tcase(suite, threads);
  return suite;
}

int main(void) { return rmm_test_run(logging_suite()); }
