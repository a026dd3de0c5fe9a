/*
 * The reader of rmm-replay(1): an allocation log in RMM's CSV format (what the logging
 * adaptor writes) into an array of events. Kept apart from the playback so that the
 * fuzz driver (tests/fuzz) reads logs exactly as rmm-replay does.
 */
#ifndef RMM_TOOLS_REPLAY_LOG_H
#define RMM_TOOLS_REPLAY_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { RMM_REPLAY_ALLOCATE, RMM_REPLAY_FREE, RMM_REPLAY_FAILURE };

typedef struct rmm_replay_event {
  uint64_t pointer; /* as logged; 0 for "(nil)" */
  size_t size;
  uintptr_t stream; /* as logged */
  uint32_t thread;  /* index into the log's distinct thread ids */
  uint32_t line;
  int action;
} rmm_replay_event_t;

typedef struct rmm_replay_log {
  rmm_replay_event_t *events;
  size_t count;
  size_t thread_count; /* distinct thread ids */
} rmm_replay_log_t;

/*
 * Reads the whole of `in` (named `file` in messages). On any bad line, prints
 * "PROGRAM: FILE:LINE: ..." to `errors` and returns false; the log is then empty.
 * Reading is linear in the rows, however many thread ids the log has.
 */
bool rmm__replay_read(FILE *in, const char *file, const char *program, FILE *errors, rmm_replay_log_t *log);

/* Frees what rmm__replay_read() allocated. */
void rmm__replay_log_free(rmm_replay_log_t *log);

#endif
