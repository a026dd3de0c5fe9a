/*
 * A stream pool: streams created once and handed out in turn, here to spread
 * independent pieces of work over several streams.
 *
 *   cc stream_pool.c $(pkg-config --cflags --libs rmm) -lcudart
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cuda_runtime_api.h>
#include <rmm/rmm.h>

enum { STREAMS = 4, PIECES = 8, ELEMENTS = 1 << 16 };

static void check(rmm_status_t status, const char *what)
{
  if (status != RMM_SUCCESS) {
    fprintf(stderr, "%s: %s\n", what, rmm_last_error_message());
    exit(EXIT_FAILURE);
  }
}

int main(void)
{
  int devices = 0;
  if (rmm_get_num_devices(&devices) != RMM_SUCCESS || devices == 0) {
    fprintf(stderr, "no usable GPU: skipped\n");
    return 77;
  }
  rmm_stream_pool_t *pool;
  check(rmm_stream_pool_create(STREAMS, &pool), "rmm_stream_pool_create");

  /* Each piece gets the next stream, round robin, and lives on it: allocated, filled, freed. */
  rmm_device_uvector_t *pieces[PIECES];
  for (int i = 0; i < PIECES; i++) {
    rmm_stream_t stream;
    check(rmm_stream_pool_get(pool, &stream), "rmm_stream_pool_get");
    check(rmm_device_uvector_create(sizeof(int32_t), ELEMENTS, stream, NULL, &pieces[i]), "rmm_device_uvector_create");
    cudaMemsetAsync(rmm_device_uvector_data(pieces[i]), i, ELEMENTS * sizeof(int32_t), (cudaStream_t)stream);
  }

  /* Reading an element waits for that piece's stream only. */
  int failures = 0;
  for (int i = 0; i < PIECES; i++) {
    int32_t value = 0;
    check(rmm_device_uvector_back(pieces[i], &value, rmm_device_uvector_stream(pieces[i])), "rmm_device_uvector_back");
    int32_t expected = i * 0x01010101;
    failures += value != expected;
    printf("piece %d on stream %p: last element 0x%08x\n", i, (void *)rmm_device_uvector_stream(pieces[i]),
           (unsigned)value);
    check(rmm_device_uvector_destroy(pieces[i]), "rmm_device_uvector_destroy");
  }

  /* Stream i % size for index i: the same index always names the same stream. */
  rmm_stream_t first, again;
  check(rmm_stream_pool_get_at(pool, 1, &first), "rmm_stream_pool_get_at");
  check(rmm_stream_pool_get_at(pool, 1 + rmm_stream_pool_size(pool), &again), "rmm_stream_pool_get_at");
  failures += first != again;

  rmm_stream_pool_destroy(pool);
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
