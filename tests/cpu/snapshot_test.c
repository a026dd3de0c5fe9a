/*
 * Snapshots, the allocation history and out-of-memory reports over host resources
 * (the arena and binning are wired; python/tests/test_snapshot.py parses a snapshot
 * with a JSON parser and checks it field by field).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/test.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* Fake stream handles: any value serves as a stream over a host-only upstream. */
#define STREAM(n) ((rmm_stream_t)(uintptr_t)(0x1000 * (n)))

static rmm_resource_t *new_arena(size_t size)
{
  rmm_resource_t *host = NULL, *arena = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_arena_create(host, size, false, &arena));
  rmm_resource_release(host);
  return arena;
}

/* The snapshot as a string (malloc'ed). */
static char *snapshot_text(const rmm_resource_t *mr, const rmm_snapshot_options_t *options)
{
  char *text = NULL;
  size_t size = 0;
  FILE *file = open_memstream(&text, &size);
  ck_assert_ptr_nonnull(file);
  RMM_CK(rmm_resource_snapshot(mr, file, options));
  fclose(file);
  return text;
}

static size_t count_of(const char *text, const char *needle)
{
  size_t count = 0;
  for (const char *at = strstr(text, needle); at != NULL; at = strstr(at + 1, needle))
    count++;
  return count;
}

/* The number after the first `"key": ` at or after `from`; -1 when absent. */
static long long number_after(const char *from, const char *key, const char **end)
{
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\": ", key);
  const char *at = strstr(from, pattern);
  if (at == NULL)
    return -1;
  at += strlen(pattern);
  char *stop;
  long long value = strtoll(at, &stop, 10);
  if (end != NULL)
    *end = stop;
  return value;
}

static char *read_file(const char *path)
{
  FILE *file = fopen(path, "r");
  if (file == NULL)
    return NULL;
  char *text = calloc(1, 1 << 20);
  size_t n = fread(text, 1, (1 << 20) - 1, file);
  text[n] = '\0';
  fclose(file);
  return text;
}

START_TEST(arena_blocks_and_chunk)
{
  rmm_resource_t *arena = new_arena(4 * MiB);
  void *a, *b, *c;
  RMM_CK(rmm_allocate(arena, &a, 1000, STREAM(1)));
  RMM_CK(rmm_allocate(arena, &b, 5000, STREAM(1)));
  RMM_CK(rmm_allocate(arena, &c, 2 * MiB, STREAM(2)));
  char *text = snapshot_text(arena, NULL);
  ck_assert_ptr_nonnull(strstr(text, "\"format\": \"librmm-snapshot\""));
  ck_assert_ptr_nonnull(strstr(text, "\"name\": \"arena\""));
  ck_assert_ptr_nonnull(strstr(text, "\"name\": \"host\""));
  /* One chunk (the global arena), 4 MiB, host memory. */
  ck_assert_uint_eq(count_of(text, "\"device\": -1"), 1);
  ck_assert_int_eq(number_after(strstr(text, "\"chunks\""), "size", NULL), (long long)(4 * MiB));
  /* a and b are allocated blocks of their rounded sizes; c is a large block. */
  char needle[128];
  snprintf(needle, sizeof needle, "\"address\": %llu, \"size\": 1024, \"requested\": 1024, \"allocated\": true",
           (unsigned long long)(uintptr_t)a);
  ck_assert_msg(strstr(text, needle) != NULL, "no block a in %s", text);
  snprintf(needle, sizeof needle, "\"address\": %llu, \"size\": 5120,", (unsigned long long)(uintptr_t)b);
  ck_assert_ptr_nonnull(strstr(text, needle));
  snprintf(needle, sizeof needle, "\"address\": %llu, \"size\": %zu,", (unsigned long long)(uintptr_t)c, 2 * MiB);
  ck_assert_ptr_nonnull(strstr(text, needle));
  ck_assert_uint_eq(count_of(text, "\"allocated\": true"), 3);
  ck_assert_uint_ge(count_of(text, "\"allocated\": false"), 1);
  ck_assert_ptr_null(strstr(text, "unplaced_blocks"));
  free(text);

  rmm_snapshot_options_t options = {.struct_size = sizeof options, .flags = RMM_SNAPSHOT_NO_BLOCKS};
  text = snapshot_text(arena, &options);
  ck_assert_uint_eq(count_of(text, "\"allocated\""), 0);
  ck_assert_uint_eq(count_of(text, "\"device\": -1"), 1);
  free(text);

  RMM_CK(rmm_deallocate(arena, a, 1000, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, b, 5000, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, c, 2 * MiB, STREAM(2)));
  text = snapshot_text(arena, NULL);
  ck_assert_uint_eq(count_of(text, "\"allocated\": true"), 0);
  free(text);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(tracking_lends_requested_size_and_stack)
{
  rmm_resource_t *arena = new_arena(2 * MiB), *tracking = NULL;
  RMM_CK(rmm_tracking_create(arena, true, &tracking));
  void *p;
  RMM_CK(rmm_allocate(tracking, &p, 1000, STREAM(1)));
  char *text = snapshot_text(tracking, NULL);
  char needle[128];
  snprintf(needle, sizeof needle, "\"address\": %llu, \"size\": 1024, \"requested\": 1000, \"allocated\": true",
           (unsigned long long)(uintptr_t)p);
  ck_assert_msg(strstr(text, needle) != NULL, "no tracked block in %s", text);
  const char *block = strstr(text, needle);
  ck_assert_ptr_nonnull(strstr(block, "\"frames\": [\""));
  /* The tracking adaptor lists the allocation itself too. */
  ck_assert_ptr_nonnull(strstr(text, "\"allocations\""));
  free(text);

  rmm_snapshot_options_t options = {.struct_size = sizeof options, .flags = RMM_SNAPSHOT_NO_FRAMES};
  text = snapshot_text(tracking, &options);
  ck_assert_ptr_null(strstr(text, "\"frames\": [\""));
  free(text);
  RMM_CK(rmm_deallocate(tracking, p, 1000, STREAM(1)));
  rmm_resource_release(tracking);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(binning_shows_its_bins)
{
  rmm_resource_t *host = NULL, *binning = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_binning_create(host, &binning));
  rmm_resource_t *arena = NULL;
  RMM_CK(rmm_arena_create(host, 2 * MiB, false, &arena));
  RMM_CK(rmm_binning_add_bin(binning, 4 * KiB, arena));
  void *p;
  RMM_CK(rmm_allocate(binning, &p, 3000, NULL));
  char *text = snapshot_text(binning, NULL);
  ck_assert_ptr_nonnull(strstr(text, "\"name\": \"binning\""));
  ck_assert_ptr_nonnull(strstr(text, "\"held\": [2]"));
  ck_assert_ptr_nonnull(strstr(text, "\"name\": \"arena\""));
  ck_assert_uint_eq(count_of(text, "\"allocated\": true"), 1);
  /* The host leaf below both appears once. */
  ck_assert_uint_eq(count_of(text, "\"name\": \"host\""), 1);
  free(text);
  RMM_CK(rmm_deallocate(binning, p, 3000, NULL));
  rmm_resource_release(arena);
  rmm_resource_release(binning);
  rmm_resource_release(host);
}
END_TEST

/* ---- history ---- */

enum { THREADS = 8, CAPACITY = 100 };

typedef struct worker {
  rmm_resource_t *mr;
  int index;
  size_t rounds;
  bool failed;
} worker_t;

static void *work(void *raw)
{
  worker_t *w = raw;
  for (size_t i = 0; i < w->rounds; i++) {
    void *p;
    if (rmm_allocate(w->mr, &p, 256 * (size_t)(w->index + 1), STREAM(w->index + 1)) != RMM_SUCCESS ||
        rmm_deallocate(w->mr, p, 256 * (size_t)(w->index + 1), STREAM(w->index + 1)) != RMM_SUCCESS)
      w->failed = true;
  }
  return NULL;
}

START_TEST(history_keeps_the_last_events_in_order)
{
  rmm_resource_t *arena = new_arena(8 * MiB);
  RMM_CK(rmm_history_enable(CAPACITY));
  size_t rounds = rmm_test_scaled(500) + CAPACITY;
  worker_t workers[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    workers[t] = (worker_t){.mr = arena, .index = t, .rounds = rounds};
    ck_assert_int_eq(pthread_create(&threads[t], NULL, work, &workers[t]), 0);
  }
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    ck_assert(!workers[t].failed);
  }
  char *text = snapshot_text(arena, NULL);
  rmm_history_disable();
  const char *history = strstr(text, "\"history\": {");
  ck_assert_ptr_nonnull(history);
  ck_assert_int_eq(number_after(history, "capacity", NULL), CAPACITY);

  /* Exactly the last CAPACITY events: consecutive seqs ending at the total. */
  long long total = (long long)(THREADS * rounds * 2), expected_seq = total - CAPACITY;
  const char *at = history;
  size_t events = 0;
  uintptr_t last_alloc[THREADS] = {0};
  for (long long seq; (seq = number_after(at, "seq", &at)) >= 0; events++, expected_seq++) {
    ck_assert_int_eq(seq, expected_seq);
    ck_assert_ptr_nonnull(strstr(at, "\"resource\": \"arena\""));
    const char *action = strstr(at, "\"action\": \"") + strlen("\"action\": \"");
    long long address = number_after(at, "address", NULL);
    long long size = number_after(at, "size", NULL);
    long long stream = number_after(at, "stream", NULL);
    int thread = (int)(stream / 0x1000) - 1;
    ck_assert(thread >= 0 && thread < THREADS);
    ck_assert_int_eq(size, 256 * (thread + 1));
    /* Each thread's events alternate: a free follows the allocation of the same block. */
    if (strncmp(action, "alloc", 5) == 0) {
      ck_assert_uint_eq(last_alloc[thread], 0);
      last_alloc[thread] = (uintptr_t)address;
    } else {
      ck_assert(strncmp(action, "free", 4) == 0);
      ck_assert(last_alloc[thread] == 0 || last_alloc[thread] == (uintptr_t)address);
      last_alloc[thread] = 0;
    }
  }
  ck_assert_uint_eq(events, CAPACITY);
  free(text);

  /* Off: snapshots say so, and nothing is recorded. */
  text = snapshot_text(arena, NULL);
  ck_assert_ptr_nonnull(strstr(text, "\"history\": null"));
  free(text);
  rmm_snapshot_options_t options = {.struct_size = sizeof options, .flags = RMM_SNAPSHOT_NO_HISTORY};
  RMM_CK(rmm_history_enable(4));
  text = snapshot_text(arena, &options);
  ck_assert_ptr_null(strstr(text, "\"history\""));
  free(text);
  rmm_history_disable();
  rmm_resource_release(arena);
}
END_TEST

START_TEST(history_records_growth_and_failure)
{
  RMM_CK(rmm_history_enable(16));
  rmm_resource_t *arena = new_arena(MiB);
  void *p;
  RMM_CK_STATUS(rmm_allocate(arena, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  char *text = snapshot_text(arena, NULL);
  const char *grow = strstr(text, "\"action\": \"grow\"");
  ck_assert_ptr_nonnull(grow);
  ck_assert_int_eq(number_after(grow, "size", NULL), (long long)MiB);
  const char *oom = strstr(text, "\"action\": \"oom\"");
  ck_assert_ptr_nonnull(oom);
  ck_assert_int_eq(number_after(oom, "size", NULL), (long long)(2 * MiB));
  ck_assert(grow < oom);
  free(text);
  rmm_resource_release(arena);
  rmm_history_disable();
}
END_TEST

/* An arena trimmed whole gives its chunk back: the snapshot shows none, the history a trim and a grow. */
START_TEST(arena_trim_and_take_again)
{
  RMM_CK(rmm_history_enable(16));
  rmm_resource_t *arena = new_arena(MiB);
  void *p;
  RMM_CK(rmm_allocate(arena, &p, 4 * KiB, STREAM(1)));
  RMM_CK(rmm_deallocate(arena, p, 4 * KiB, STREAM(1)));
  size_t released = 0;
  RMM_CK(rmm_resource_trim(arena, &released));
  ck_assert_uint_eq(released, MiB);
  char *text = snapshot_text(arena, NULL);
  ck_assert_uint_eq(count_of(text, "\"device\": "), 0);
  ck_assert_uint_eq(count_of(text, "\"action\": \"trim\""), 1);
  free(text);
  RMM_CK(rmm_allocate(arena, &p, 4 * KiB, STREAM(1)));
  text = snapshot_text(arena, NULL);
  ck_assert_uint_eq(count_of(text, "\"device\": "), 1);
  ck_assert_uint_eq(count_of(text, "\"action\": \"grow\""), 2);
  free(text);
  RMM_CK(rmm_deallocate(arena, p, 4 * KiB, STREAM(1)));
  rmm_resource_release(arena);
  rmm_history_disable();
}
END_TEST

/* ---- out-of-memory reports ---- */

static void temp_path(char *path, size_t size, const char *name)
{
  snprintf(path, size, "%s/rmm-snapshot-test-%ld-%s.json", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
           (long)getpid(), name);
  unlink(path);
}

START_TEST(oom_dump_from_the_environment)
{
  char path[256];
  temp_path(path, sizeof path, "env");
  setenv("RMM_OOM_DUMP", path, 1);
  rmm_resource_t *arena = new_arena(MiB);
  void *p;
  RMM_CK_STATUS(rmm_allocate(arena, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  unsetenv("RMM_OOM_DUMP");
  /* The failure's own message is kept, the file named after it. */
  RMM_CK_MESSAGE_HAS("arena: out of memory (failed to allocate 2.00 MiB");
  char needle[300];
  snprintf(needle, sizeof needle, "(snapshot written to %s)", path);
  RMM_CK_MESSAGE_HAS(needle);
  char *text = read_file(path);
  ck_assert_ptr_nonnull(text);
  ck_assert_ptr_nonnull(strstr(text, "\"name\": \"arena\""));
  ck_assert_ptr_nonnull(strstr(text, "\"chunks\""));
  free(text);
  unlink(path);

  /* Off by default: no file, no note. */
  RMM_CK_STATUS(rmm_allocate(arena, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(strstr(rmm_last_error_message(), "snapshot"));
  ck_assert_int_ne(access(path, F_OK), 0);
  rmm_resource_release(arena);
}
END_TEST

START_TEST(oom_dump_per_resource)
{
  char path[256];
  temp_path(path, sizeof path, "option");
  rmm_resource_t *arena = new_arena(MiB), *stats = NULL;
  RMM_CK(rmm_statistics_create(arena, &stats));
  /* Set on the top of the stack, it reaches the arena below. */
  RMM_CK(rmm_resource_set_oom_dump(stats, path));
  void *p;
  RMM_CK_STATUS(rmm_allocate(stats, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("(snapshot written to ");
  ck_assert_int_eq(access(path, F_OK), 0);
  unlink(path);

  /* A file that cannot be written: the message says so and keeps the failure. */
  RMM_CK(rmm_resource_set_oom_dump(stats, "/nonexistent-directory/snapshot.json"));
  RMM_CK_STATUS(rmm_allocate(stats, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("arena: out of memory");
  RMM_CK_MESSAGE_HAS("(no snapshot: ");

  RMM_CK(rmm_resource_set_oom_dump(stats, NULL));
  RMM_CK_STATUS(rmm_allocate(stats, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  ck_assert_ptr_null(strstr(rmm_last_error_message(), "snapshot"));
  rmm_resource_release(stats);
  rmm_resource_release(arena);
}
END_TEST

/* Binning over a pool: the pool reports its out of memory, and binning does not again. */
START_TEST(binning_over_a_pool_reports_once)
{
  char path[256];
  temp_path(path, sizeof path, "once");
  rmm_resource_t *host = NULL, *pool = NULL, *binning = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_pool_create(host, MiB, MiB, &pool));
  RMM_CK(rmm_binning_create(pool, &binning));
  RMM_CK(rmm_history_enable(8));
  RMM_CK(rmm_resource_set_oom_dump(binning, path));
  void *p;
  RMM_CK_STATUS(rmm_allocate(binning, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  const char *message = rmm_last_error_message();
  const char *note = strstr(message, "(snapshot written to ");
  ck_assert_ptr_nonnull(note);
  ck_assert_ptr_null(strstr(note + 1, "(snapshot written to "));
  char *text = read_file(path);
  ck_assert_ptr_nonnull(text);
  const char *oom = strstr(text, "\"action\": \"oom\"");
  ck_assert_ptr_nonnull(oom);
  ck_assert_ptr_null(strstr(oom + 1, "\"action\": \"oom\""));
  free(text);
  unlink(path);
  rmm_history_disable();
  rmm_resource_release(binning);
  rmm_resource_release(pool);
  rmm_resource_release(host);
}
END_TEST

/* Binning is the sub-allocator that fails when a request no bin serves finds no room upstream. */
START_TEST(binning_direct_history_and_oom_dump)
{
  char path[256];
  temp_path(path, sizeof path, "binning");
  rmm_resource_t *host = NULL, *limited = NULL, *binning = NULL;
  RMM_CK(rmm_host_create(&host));
  RMM_CK(rmm_limiting_create(host, MiB, 0, &limited));
  RMM_CK(rmm_binning_create(limited, &binning));
  RMM_CK(rmm_history_enable(8));
  void *p;
  RMM_CK(rmm_allocate(binning, &p, 4 * KiB, STREAM(3)));
  RMM_CK(rmm_deallocate(binning, p, 4 * KiB, STREAM(3)));
  RMM_CK(rmm_resource_set_oom_dump(binning, path));
  RMM_CK_STATUS(rmm_allocate(binning, &p, 2 * MiB, NULL), RMM_ERROR_OUT_OF_MEMORY);
  RMM_CK_MESSAGE_HAS("binning: the upstream (limiting) could not allocate");
  RMM_CK_MESSAGE_HAS("(snapshot written to ");
  char *text = read_file(path);
  ck_assert_ptr_nonnull(text);
  const char *alloc = strstr(text, "\"action\": \"alloc\", \"resource\": \"binning\"");
  const char *freed = strstr(text, "\"action\": \"free\", \"resource\": \"binning\"");
  ck_assert_ptr_nonnull(alloc);
  ck_assert_ptr_nonnull(freed);
  ck_assert_int_eq(number_after(alloc, "size", NULL), (long long)(4 * KiB));
  ck_assert_int_eq(number_after(alloc, "stream", NULL), (long long)(uintptr_t)STREAM(3));
  /* The failure is recorded before the report is written, so the file holds it too. */
  ck_assert_ptr_nonnull(strstr(text, "\"action\": \"oom\""));
  free(text);
  unlink(path);
  rmm_history_disable();
  rmm_resource_release(binning);
  rmm_resource_release(limited);
  rmm_resource_release(host);
}
END_TEST

START_TEST(bad_arguments)
{
  rmm_resource_t *arena = new_arena(MiB);
  RMM_CK_STATUS(rmm_resource_snapshot(arena, NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);
  rmm_snapshot_options_t small = {.struct_size = 1};
  RMM_CK_STATUS(rmm_resource_snapshot(arena, stdout, &small), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_resource_snapshot_path(arena, NULL, NULL), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_resource_snapshot_path(arena, "/nonexistent-directory/x.json", NULL), RMM_ERROR_IO);
  RMM_CK_STATUS(rmm_resource_set_oom_dump(NULL, "x"), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_STATUS(rmm_history_enable(0), RMM_ERROR_INVALID_ARGUMENT);
  rmm_resource_release(arena);
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("snapshot");
  TCase *tc = tcase_create("snapshot");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, arena_blocks_and_chunk);
  tcase_add_test(tc, tracking_lends_requested_size_and_stack);
  tcase_add_test(tc, binning_shows_its_bins);
  tcase_add_test(tc, history_keeps_the_last_events_in_order);
  tcase_add_test(tc, history_records_growth_and_failure);
  tcase_add_test(tc, oom_dump_from_the_environment);
  tcase_add_test(tc, oom_dump_per_resource);
  tcase_add_test(tc, binning_direct_history_and_oom_dump);
  tcase_add_test(tc, binning_over_a_pool_reports_once);
  tcase_add_test(tc, arena_trim_and_take_again);
  tcase_add_test(tc, bad_arguments);
  suite_add_tcase(suite, tc);
  return rmm_test_run(suite);
}
