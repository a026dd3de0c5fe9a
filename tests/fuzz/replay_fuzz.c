/*
 * Fuzz target: rmm-replay's log reader (tools/replay_log.c) over arbitrary bytes.
 * Invariants: a log that reads has events whose thread indices and lines are in range;
 * one that does not has said why (one line on the error stream) and holds nothing.
 */
#include <string.h>

#include "fuzz/driver.h"
#include "replay_log.h"

#ifndef RMM_LIBFUZZER
const char *const fuzz_tokens[] = {"Thread,Time,Action,Pointer,Size,Stream\n", ",", "\n", "\r", "allocate", "free",
                                   "allocate failure", "(nil)", "0x", "18446744073709551616", "ffffffffffffffff",
                                   "\0", NULL};
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FILE *in = fmemopen((void *)data, size, "r");
  if (size == 0 || in == NULL) {
    if (in != NULL)
      fclose(in);
    return 0;
  }
  char *said = NULL;
  size_t said_size = 0;
  FILE *errors = open_memstream(&said, &said_size);
  if (errors == NULL) {
    fclose(in);
    return 0;
  }
  rmm_replay_log_t log;
  bool ok = rmm__replay_read(in, "fuzz.csv", "fuzz", errors, &log);
  fclose(in);
  fclose(errors);
  size_t lines = 1;
  for (size_t i = 0; i < size; i++)
    lines += data[i] == '\n';
  if (ok) {
    FUZZ_CHECK(said_size == 0, "a log that read printed: %s", said);
    for (size_t i = 0; i < log.count; i++) {
      FUZZ_CHECK(log.events[i].thread < log.thread_count, "event %zu: thread %u of %zu", i, log.events[i].thread,
                 log.thread_count);
      FUZZ_CHECK(log.events[i].line >= 2 && log.events[i].line <= lines, "event %zu: line %u", i,
                 log.events[i].line);
      FUZZ_CHECK(log.events[i].action != RMM_REPLAY_ALLOCATE || log.events[i].size == 0 || log.events[i].pointer != 0,
                 "event %zu: an allocation at a null pointer", i);
    }
  } else {
    FUZZ_CHECK(said_size > 0 && said[said_size - 1] == '\n', "a log that did not read said nothing");
    FUZZ_CHECK(memchr(said, '\n', said_size) == said + said_size - 1, "more than one line: %s", said);
    FUZZ_CHECK(said_size < 400, "a message of %zu bytes: %s", said_size, said);
    FUZZ_CHECK(log.events == NULL && log.count == 0, "a failed read kept events");
  }
  free(said);
  rmm__replay_log_free(&log);
  return 0;
}
