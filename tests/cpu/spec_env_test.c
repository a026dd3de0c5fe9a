/* RMM_RESOURCE: the default current device resource comes from the spec; a spec that
 * cannot be built gives the cuda resource and one line on stderr and in the debug log. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/test.h"

static char debug_log[] = "/tmp/rmm-spec-env-log-XXXXXX";

/* Runs the default's build with stderr sent to a file; returns what was written there. */
static void rebuild_capturing_stderr(char *text, size_t capacity, const char **name)
{
  char path[] = "/tmp/rmm-spec-env-err-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  fflush(stderr);
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  RMM_CK(rmm_set_current_device_resource(NULL));
  rmm_resource_t *mr = rmm_get_current_device_resource();
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  ck_assert_ptr_nonnull(mr);
  *name = rmm_resource_name(mr);
  ssize_t got = pread(fd, text, capacity - 1, 0);
  text[got > 0 ? got : 0] = '\0';
  close(fd);
  unlink(path);
}

/* Runs first, with RMM_RESOURCE set by main() before any call into librmm. */
START_TEST(spec_at_first_use)
{
  rmm_resource_t *mr = rmm_get_current_device_resource();
  ck_assert_ptr_nonnull(mr);
  ck_assert_str_eq(rmm_resource_name(mr), "statistics");
  ck_assert_str_eq(rmm_resource_name(rmm_resource_upstream(mr)), "simulated");
  void *p = NULL;
  RMM_CK(rmm_allocate(NULL, &p, 1 << 20, NULL));
  rmm_statistics_t counts = {.struct_size = sizeof counts};
  RMM_CK(rmm_statistics_get(mr, &counts));
  ck_assert_int_eq(counts.current_bytes, 1 << 20);
  RMM_CK(rmm_deallocate(NULL, p, 1 << 20, NULL));
}
END_TEST

START_TEST(host_spec)
{
  setenv("RMM_RESOURCE", "host", 1);
  char err[1024];
  const char *name = NULL;
  rebuild_capturing_stderr(err, sizeof err, &name);
  ck_assert_str_eq(name, "host");
  ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(bad_spec_falls_back_to_cuda)
{
  setenv("RMM_RESOURCE", "statistics(hots)", 1);
  char err[1024];
  const char *name = NULL;
  rebuild_capturing_stderr(err, sizeof err, &name);
  ck_assert_str_eq(name, "cuda");
  ck_assert_msg(strstr(err, "RMM_RESOURCE ignored") != NULL && strstr(err, "column 12: unknown resource 'hots'"),
                "stderr: %s", err);
  ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);

  /* The same line is in the debug log. */
  rmm_log_flush();
  FILE *f = fopen(debug_log, "r");
  ck_assert_ptr_nonnull(f);
  char line[1024];
  bool found = false;
  while (fgets(line, sizeof line, f) != NULL)
    found = found || (strstr(line, "RMM_RESOURCE ignored") != NULL && strstr(line, "column 12") != NULL);
  fclose(f);
  ck_assert_msg(found, "the debug log lacks the RMM_RESOURCE line");
}
END_TEST

int main(void)
{
  int fd = mkstemp(debug_log);
  if (fd < 0)
    return EXIT_FAILURE;
  close(fd);
  setenv("RMM_DEBUG_LOG_FILE", debug_log, 1);
  setenv("RMM_RESOURCE", "statistics(simulated(1GiB))", 1);
  Suite *suite = suite_create("spec_env");
  TCase *tc = tcase_create("spec_env");
  tcase_add_test(tc, spec_at_first_use);
  tcase_add_test(tc, host_spec);
  tcase_add_test(tc, bad_spec_falls_back_to_cuda);
  suite_add_tcase(suite, tc);
  int status = rmm_test_run(suite);
  rmm_set_current_device_resource(NULL);
  unlink(debug_log);
  return status;
}
