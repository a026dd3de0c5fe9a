/* Stress threads shared by the CPU and GPU suites: each worker runs on its own thread over one resource. */
#ifndef RMM_TESTS_WORKERS_H
#define RMM_TESTS_WORKERS_H

#include <pthread.h>

#include "common/test.h"

/* What a worker thread is given, and what it counts. */
typedef struct worker {
  rmm_resource_t *mr;
  unsigned index;
  size_t operations;
  size_t failures;
} worker_t;

enum { RMM_TEST_WORKERS = 4 };

/* Runs `body` on RMM_TEST_WORKERS threads over `mr`, each for `operations` steps, and checks that none failed. */
static inline void rmm_test_run_workers(rmm_resource_t *mr, void *(*body)(void *), size_t operations)
{
  pthread_t threads[RMM_TEST_WORKERS];
  worker_t workers[RMM_TEST_WORKERS];
  for (unsigned i = 0; i < RMM_TEST_WORKERS; i++) {
    workers[i] = (worker_t){.mr = mr, .index = i, .operations = operations};
    ck_assert_int_eq(pthread_create(&threads[i], NULL, body, &workers[i]), 0);
  }
  for (unsigned i = 0; i < RMM_TEST_WORKERS; i++) {
    pthread_join(threads[i], NULL);
    ck_assert_uint_eq(workers[i].failures, 0);
  }
}

#endif
