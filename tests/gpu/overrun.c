/*
 * Writes 44 bytes past the end of a 256-byte block from each sub-allocator (the block
 * is the first of its chunk, so the write lands in the chunk's free memory, which
 * cudaMalloc handed out). Without a tool nothing notices and every call succeeds: that
 * is what this program checks, as a test. Under compute-sanitizer memcheck, where the
 * sub-allocators register their blocks through the NVTX memory API, each write is
 * reported: tests/gpu/nvtx_memcheck.sh runs it so, one family at a time.
 *
 *   overrun            every family; exit 0 when all calls succeed, 77 without a GPU
 *   overrun SPEC       one stack, e.g. 'arena(cuda, 16MiB)'
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include <rmm/rmm.h>

enum { BLOCK = 256, OVERRUN = 44 };

static const char *const families[] = {
    "arena(cuda, 16MiB)",
    "pool(cuda, 16MiB)",
    "fixed_size(cuda, 256)",
    "binning(cuda, 8, 12)",
};

/* Allocates, writes past the end, reads the block back; 0 when every call succeeded. */
static int overrun(const char *spec)
{
  rmm_resource_t *mr = NULL;
  if (rmm_resource_from_spec(spec, &mr) != RMM_SUCCESS) {
    printf("FAIL: %s: %s\n", spec, rmm_last_error_message());
    return 1;
  }
  int failed = 0;
  void *block = NULL;
  if (rmm_allocate(mr, &block, BLOCK, NULL) != RMM_SUCCESS) {
    printf("FAIL: %s: allocate: %s\n", spec, rmm_last_error_message());
    failed = 1;
  } else {
    cudaError_t error = cudaMemset(block, 0x5a, BLOCK + OVERRUN);
    unsigned char back[BLOCK];
    if (error == cudaSuccess)
      error = cudaMemcpy(back, block, BLOCK, cudaMemcpyDeviceToHost);
    if (error == cudaSuccess)
      error = cudaDeviceSynchronize();
    if (error != cudaSuccess || back[0] != 0x5a || back[BLOCK - 1] != 0x5a) {
      printf("FAIL: %s: the write or read-back failed (%s)\n", spec, cudaGetErrorString(error));
      failed = 1;
    } else {
      printf("%s: wrote %d bytes past the %d-byte block at %p\n", spec, OVERRUN, BLOCK, block);
    }
    if (rmm_deallocate(mr, block, BLOCK, NULL) != RMM_SUCCESS) {
      printf("FAIL: %s: deallocate: %s\n", spec, rmm_last_error_message());
      failed = 1;
    }
  }
  rmm_resource_release(mr);
  return failed;
}

int main(int argc, char **argv)
{
  int count = 0;
  cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess || count == 0) {
    printf("SKIP: no usable GPU (%s)\n", error != cudaSuccess ? cudaGetErrorName(error) : "0 devices");
    return 77;
  }
  if (argc > 1)
    return overrun(argv[1]);
  int failed = 0;
  for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
    failed |= overrun(families[i]);
  return failed;
}
