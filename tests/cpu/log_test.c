/*
 * The debug log. The level is read from the environment once per process, so tests
 * that set RMM_LOG_LEVEL or RMM_DEBUG_LOG_FILE run their check in a child process.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/test.h"

/*
 * Runs the named body in a fresh process (this program re-executed) with the given
 * environment, so that it reads RMM_LOG_LEVEL anew; returns its exit status.
 */
/* This program's path, to re-execute it (not /proc/self/exe, which is valgrind under valgrind). */
static const char *self_path;

static int in_child(const char *level, const char *file, const char *body)
{
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    if (level != NULL)
      setenv("RMM_LOG_LEVEL", level, 1);
    else
      unsetenv("RMM_LOG_LEVEL");
    if (file != NULL)
      setenv("RMM_DEBUG_LOG_FILE", file, 1);
    else
      unsetenv("RMM_DEBUG_LOG_FILE");
    execl(self_path, self_path, "--child", body, (char *)NULL);
    _exit(101);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static int print_level(void) { return (int)rmm_log_get_level(); }

START_TEST(level_comes_from_environment)
{
  ck_assert_int_eq(in_child(NULL, NULL, "print_level"), RMM_LOG_INFO);
  ck_assert_int_eq(in_child("trace", NULL, "print_level"), RMM_LOG_TRACE);
  ck_assert_int_eq(in_child("DEBUG", NULL, "print_level"), RMM_LOG_DEBUG);
  ck_assert_int_eq(in_child("warn", NULL, "print_level"), RMM_LOG_WARN);
  ck_assert_int_eq(in_child("critical", NULL, "print_level"), RMM_LOG_CRITICAL);
  ck_assert_int_eq(in_child("off", NULL, "print_level"), RMM_LOG_OFF);
  ck_assert_int_eq(in_child("4", NULL, "print_level"), RMM_LOG_ERROR);
  /* A word it does not know falls back to info (with a line on stderr). */
  ck_assert_int_eq(in_child("loud", NULL, "print_level"), RMM_LOG_INFO);
}
END_TEST

START_TEST(set_level_round_trips_and_validates)
{
  for (int level = RMM_LOG_TRACE; level <= RMM_LOG_OFF; level++) {
    RMM_CK(rmm_log_set_level((rmm_log_level_t)level));
    ck_assert_int_eq(rmm_log_get_level(), level);
  }
  RMM_CK_STATUS(rmm_log_set_level((rmm_log_level_t)7), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("7 is not a log level");
  RMM_CK_STATUS(rmm_log_set_level((rmm_log_level_t)-1), RMM_ERROR_INVALID_ARGUMENT);
  ck_assert_int_eq(rmm_log_get_level(), RMM_LOG_OFF);
  RMM_CK(rmm_log_set_level(RMM_LOG_INFO));
}
END_TEST

static char log_path[256];

static void make_log_path(void)
{
  snprintf(log_path, sizeof log_path, "%s/rmm-log-test-%ld.log", P_tmpdir, (long)getpid());
  unlink(log_path);
}

/* A failure is logged at debug level: the message lands in the file. */
static int fail_once(void)
{
  rmm_resource_t *host;
  if (rmm_host_create(&host) != RMM_SUCCESS)
    return 2;
  void *ptr;
  rmm_status_t status = rmm_allocate_aligned(host, &ptr, 8, 12, NULL);
  rmm_resource_release(host);
  return status == RMM_ERROR_INVALID_ARGUMENT ? 0 : 3;
}

static char *read_file(const char *path)
{
  FILE *file = fopen(path, "r");
  if (file == NULL)
    return NULL;
  static char text[8192];
  size_t length = fread(text, 1, sizeof text - 1, file);
  text[length] = '\0';
  fclose(file);
  return text;
}

START_TEST(failures_reach_the_log_file_at_debug)
{
  make_log_path();
  ck_assert_int_eq(in_child("debug", log_path, "fail_once"), 0);
  const char *text = read_file(log_path);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(strstr(text, "[debug") != NULL, "no debug line in: %s", text);
  ck_assert_msg(strstr(text, "alignment 12 is not a power of two") != NULL, "no message in: %s", text);
  ck_assert_msg(strstr(text, "invalid argument") != NULL, "no status in: %s", text);
  unlink(log_path);
}
END_TEST

START_TEST(no_file_when_nothing_is_logged)
{
  make_log_path();
  ck_assert_int_eq(in_child("info", log_path, "fail_once"), 0);
  struct stat info;
  ck_assert_int_ne(stat(log_path, &info), 0);
  ck_assert_int_eq(in_child("off", log_path, "fail_once"), 0);
  ck_assert_int_ne(stat(log_path, &info), 0);
}
END_TEST

static int trace_host_lifecycle(void)
{
  rmm_resource_t *host;
  if (rmm_host_create(&host) != RMM_SUCCESS)
    return 2;
  rmm_resource_release(host);
  return rmm_log_flush() == RMM_SUCCESS ? 0 : 3;
}

START_TEST(resource_lifecycle_is_logged)
{
  make_log_path();
  ck_assert_int_eq(in_child("trace", log_path, "trace_host_lifecycle"), 0);
  const char *text = read_file(log_path);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(strstr(text, "host resource") != NULL && strstr(text, "destroyed") != NULL, "log: %s", text);
  unlink(log_path);
}
END_TEST

static int unwritable_file(void)
{
  /* A log that cannot be opened turns the log off; the library keeps working. */
  return fail_once();
}

START_TEST(unopenable_log_file_is_not_fatal)
{
  ck_assert_int_eq(in_child("debug", "/nonexistent-dir/rmm.log", "unwritable_file"), 0);
}
END_TEST

START_TEST(flush_level_round_trips_and_validates)
{
  ck_assert_int_eq(rmm_log_get_flush_level(), RMM_LOG_TRACE);
  for (int level = RMM_LOG_TRACE; level <= RMM_LOG_OFF; level++) {
    RMM_CK(rmm_log_set_flush_level((rmm_log_level_t)level));
    ck_assert_int_eq(rmm_log_get_flush_level(), level);
  }
  RMM_CK_STATUS(rmm_log_set_flush_level((rmm_log_level_t)9), RMM_ERROR_INVALID_ARGUMENT);
  RMM_CK_MESSAGE_HAS("9 is not a log level");
  ck_assert_int_eq(rmm_log_get_flush_level(), RMM_LOG_OFF);
  RMM_CK(rmm_log_set_flush_level(RMM_LOG_TRACE));
}
END_TEST

static long file_size(const char *path)
{
  struct stat info;
  return stat(path, &info) == 0 ? (long)info.st_size : -1;
}

/*
 * A debug line below the flush level stays in the stream's buffer until rmm_log_flush();
 * at or above it, the line is in the file as soon as the call that logged it returns.
 */
static int flush_follows_level(void)
{
  if (rmm_log_set_flush_level(RMM_LOG_WARN) != RMM_SUCCESS || fail_once() != 0)
    return 2;
  if (file_size(log_path) != 0)
    return 3;
  if (rmm_log_flush() != RMM_SUCCESS || file_size(log_path) <= 0)
    return 4;
  long before = file_size(log_path);
  if (rmm_log_set_flush_level(RMM_LOG_DEBUG) != RMM_SUCCESS || fail_once() != 0)
    return 5;
  return file_size(log_path) > before ? 0 : 6;
}

START_TEST(lines_below_the_flush_level_wait_for_a_flush)
{
  make_log_path();
  setenv("RMM_LOG_TEST_PATH", log_path, 1);
  ck_assert_int_eq(in_child("debug", log_path, "flush_follows_level"), 0);
  unlink(log_path);
}
END_TEST

START_TEST(flush_without_sink_succeeds)
{
  RMM_CK(rmm_log_flush());
}
END_TEST

static Suite *log_suite(void)
{
  Suite *suite = suite_create("log");
  TCase *tc = tcase_create("debug log");
  tcase_add_test(tc, level_comes_from_environment);
  tcase_add_test(tc, set_level_round_trips_and_validates);
  tcase_add_test(tc, failures_reach_the_log_file_at_debug);
  tcase_add_test(tc, no_file_when_nothing_is_logged);
  tcase_add_test(tc, resource_lifecycle_is_logged);
  tcase_add_test(tc, unopenable_log_file_is_not_fatal);
  tcase_add_test(tc, flush_without_sink_succeeds);
  tcase_add_test(tc, flush_level_round_trips_and_validates);
  tcase_add_test(tc, lines_below_the_flush_level_wait_for_a_flush);
  suite_add_tcase(suite, tc);
  return suite;
}

typedef struct child_body {
  const char *name;
  int (*run)(void);
} child_body_t;

int main(int argc, char **argv)
{
  static const child_body_t bodies[] = {
      {"print_level", print_level},
      {"fail_once", fail_once},
      {"trace_host_lifecycle", trace_host_lifecycle},
      {"unwritable_file", unwritable_file},
      {"flush_follows_level", flush_follows_level},
  };
  self_path = argv[0];
  if (getenv("RMM_LOG_TEST_PATH") != NULL)
    snprintf(log_path, sizeof log_path, "%s", getenv("RMM_LOG_TEST_PATH"));
  if (argc == 3 && strcmp(argv[1], "--child") == 0) {
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
      if (strcmp(argv[2], bodies[i].name) == 0)
        return bodies[i].run();
    return 102;
  }
  return rmm_test_run(log_suite());
}
