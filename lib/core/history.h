/*
 * The allocation history: a process-wide ring buffer of the last N events (allocate,
 * free, grow, trim, out of memory) that sub-allocators record while recording is on
 * (rmm_history_enable()), and that snapshots include. Off, recording costs the caller
 * one relaxed load: rmm__history_add() tests it inline.
 */
#ifndef RMM_CORE_HISTORY_H
#define RMM_CORE_HISTORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rmm/rmm.h>

enum {
  RMM__HISTORY_ALLOC, /* a block handed out */
  RMM__HISTORY_FREE,  /* a block given back */
  RMM__HISTORY_GROW,  /* a chunk taken from the upstream (or a mapped range added) */
  RMM__HISTORY_TRIM,  /* a chunk returned to the upstream */
  RMM__HISTORY_OOM,   /* a request that failed for want of memory; addr NULL */
};

/* Whether recording is on. Defined in history.c. */
extern atomic_bool rmm__history_on;

static inline bool rmm__history_active(void) { return atomic_load_explicit(&rmm__history_on, memory_order_relaxed); }

/* rmm__history_add()'s work once recording is on. */
void rmm__history_record(int kind, const rmm_resource_t *mr, const void *addr, size_t size, rmm_stream_t stream);

/*
 * Records one event (one short critical section, no allocation, no formatting). `mr`
 * names the resource: its address and name are copied, so it need not outlive the
 * event. A no-op when recording is off.
 */
static inline void rmm__history_add(int kind, const rmm_resource_t *mr, const void *addr, size_t size,
                                    rmm_stream_t stream)
{
  if (rmm__history_active())
    rmm__history_record(kind, mr, addr, size, stream);
}

/* One recorded event, as rmm__history_copy() returns them. */
typedef struct rmm__history_event {
  uint64_t seq;     /* 0, 1, 2, ... in recording order, across all threads */
  uint64_t time_ns; /* CLOCK_REALTIME */
  int kind;
  uintptr_t resource;
  char name[24]; /* the resource's name, cut to fit */
  uintptr_t addr;
  size_t size;
  uintptr_t stream;
} rmm__history_event_t;

/*
 * The recorded events, oldest first, in a malloc'ed array the caller frees; `capacity`
 * receives the ring's size (0 when recording is off, with *events NULL). False: no
 * host memory.
 */
bool rmm__history_copy(rmm__history_event_t **events, size_t *count, size_t *capacity);

/* The action name of an event kind: "alloc", "free", "grow", "trim", "oom". */
const char *rmm__history_kind_name(int kind);

#endif
