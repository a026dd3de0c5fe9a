/*
 * Racing first users of the default resource: RMM_RESOURCE's stack is built once, so a
 * spec that cannot be built prints its one-line warning once, and every thread gets
 * the same resource. Worker threads only record what they saw; the main thread asserts.
 */
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common/test.h"

enum { RACERS = 8 };

static pthread_barrier_t start;

static void *first_use(void *arg)
{
  rmm_resource_t **seen = arg;
  pthread_barrier_wait(&start);
  *seen = rmm_get_current_device_resource();
  return NULL;
}

/* Races RACERS threads to the first use; returns what stderr received meanwhile. */
static void race(rmm_resource_t *seen[RACERS], char *text, size_t capacity)
{
  char path[] = "/tmp/rmm-default-race-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  pthread_t threads[RACERS];
  pthread_barrier_init(&start, NULL, RACERS);
  int created = 0;
  for (int i = 0; i < RACERS; i++)
    created += pthread_create(&threads[i], NULL, first_use, &seen[i]) == 0;
  for (int i = 0; i < created; i++)
    pthread_join(threads[i], NULL);
  pthread_barrier_destroy(&start);
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  ck_assert_int_eq(created, RACERS);
  ssize_t got = pread(fd, text, capacity - 1, 0);
  text[got > 0 ? got : 0] = '\0';
  close(fd);
  unlink(path);
}

static size_t count_lines(const char *text)
{
  size_t lines = 0;
  for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
    lines++;
  return lines;
}

START_TEST(bad_spec_warns_once)
{
  setenv("RMM_RESOURCE", "pool(host, initial=1QB)", 1);
  rmm_resource_t *seen[RACERS];
  char err[8192];
  race(seen, err, sizeof err);
  ck_assert_msg(count_lines(err) == 1, "expected one warning, got:\n%s", err);
  for (int i = 0; i < RACERS; i++) {
    ck_assert_ptr_nonnull(seen[i]);
    ck_assert_ptr_eq(seen[i], seen[0]);
  }
  ck_assert_str_eq(rmm_resource_name(seen[0]), "cuda");
}
END_TEST

START_TEST(good_spec_builds_once)
{
  /* Every racer sees the one resource built, and nothing is printed. */
  setenv("RMM_RESOURCE", "pool(simulated(1GiB), initial=1GiB, maximum=1GiB)", 1);
  rmm_resource_t *seen[RACERS];
  char err[8192];
  race(seen, err, sizeof err);
  ck_assert_str_eq(err, "");
  for (int i = 0; i < RACERS; i++)
    ck_assert_ptr_eq(seen[i], seen[0]);
  ck_assert_str_eq(rmm_resource_name(seen[0]), "pool");
}
END_TEST

int main(void)
{
  Suite *suite = suite_create("default_race");
  TCase *tc = tcase_create("first use");
  tcase_add_test(tc, bad_spec_warns_once);
  tcase_add_test(tc, good_spec_builds_once);
  suite_add_tcase(suite, tc);
  /* Each test must be the process's first use: one test per process, so fork. */
  SRunner *runner = srunner_create(suite);
  srunner_set_fork_status(runner, CK_FORK);
  srunner_run_all(runner, CK_NORMAL);
  int failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
