/*
 * Upstreams for the adaptor tests, built with rmm_resource_create(): a mock that records
 * what it is asked and can fail or return scripted addresses, and a LIFO pool that hands
 * a freed block straight to the next caller (the fast upstream of RMM issue 2303).
 */
#ifndef RMM_TESTS_ADAPTOR_MOCK_H
#define RMM_TESTS_ADAPTOR_MOCK_H

#include <pthread.h>
#include <stdint.h>

#include <rmm/rmm.h>

enum { MOCK_SCRIPT = 8 };

typedef struct mock {
  pthread_mutex_t lock;
  /* behaviour */
  rmm_status_t fail_status;  /* what a failing allocate returns */
  size_t fail_next;          /* this many allocations fail, then they succeed */
  bool fail_always;          /* every allocation fails */
  void *script[MOCK_SCRIPT]; /* addresses to return (no memory behind them) instead of real memory */
  size_t script_length;
  size_t script_next;
  /* what it saw */
  size_t allocations;   /* successful ones */
  size_t attempts;      /* all calls to allocate */
  size_t deallocations;
  size_t last_bytes, last_alignment;
  void *last_ptr;
  size_t last_free_bytes, last_free_alignment;
  void *last_free_ptr;
} mock_t;

/* A mock with the given properties; `mock` must outlive the resource. */
rmm_resource_t *mock_create(mock_t *mock, unsigned properties);

/* Scripts the next allocations to return `count` fake addresses in order. */
void mock_script(mock_t *mock, const uintptr_t *addresses, size_t count);

/* The LIFO pool: fixed blocks of `block` bytes, reused most-recently-freed first. */
typedef struct lifo {
  pthread_mutex_t lock;
  size_t block;
  void **free_blocks;
  size_t free_count;
  void **all_blocks;
  size_t all_count;
  size_t capacity;
} lifo_t;

/* A LIFO pool; the resource frees the blocks when destroyed. `lifo` must outlive it. */
rmm_resource_t *lifo_create(lifo_t *lifo, size_t block, size_t max_blocks);

/* Counts the lines of the debug log (RMM_DEBUG_LOG_FILE) containing `needle` past `offset`. */
size_t debug_log_count(long offset, const char *needle);

/* The debug log's current size, to pass to debug_log_count() later. */
long debug_log_size(void);

/* Points the debug log at a fresh temporary file: call first thing in main(). */
void debug_log_to_temp_file(void);

/* Removes that file: call last in main(). */
void debug_log_remove(void);

#endif
