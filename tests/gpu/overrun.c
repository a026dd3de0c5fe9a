/*
 * Writes 44 bytes past the end of a 256-byte block from each sub-allocator, from a
 * kernel (the block is the first of its chunk, so the write lands in the chunk's free
 * memory, which cudaMalloc handed out). The kernel is hand-written PTX that the driver
 * compiles, so this test needs no nvcc; memcheck holds a kernel's accesses to the NVTX
 * regions. Without a tool nothing notices and every call succeeds: that
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

/* fill_bytes(pointer, count, value): thread i stores value at pointer[i], i < count. */
static const char fill_ptx[] =
    ".version 7.0\n"
    ".target sm_75\n"
    ".address_size 64\n"
    ".visible .entry fill_bytes(.param .u64 pointer, .param .u64 count, .param .u32 value)\n"
    "{\n"
    "  .reg .pred %done;\n"
    "  .reg .b16 %byte;\n"
    "  .reg .b32 %r<5>;\n"
    "  .reg .b64 %d<6>;\n"
    "  ld.param.u64 %d1, [pointer];\n"
    "  ld.param.u64 %d2, [count];\n"
    "  ld.param.u32 %r1, [value];\n"
    "  mov.u32 %r2, %ctaid.x;\n"
    "  mov.u32 %r3, %ntid.x;\n"
    "  mov.u32 %r4, %tid.x;\n"
    "  mad.lo.u32 %r2, %r2, %r3, %r4;\n"
    "  cvt.u64.u32 %d3, %r2;\n"
    "  setp.ge.u64 %done, %d3, %d2;\n"
    "  @%done bra END;\n"
    "  cvta.to.global.u64 %d4, %d1;\n"
    "  add.u64 %d5, %d4, %d3;\n"
    "  cvt.u16.u32 %byte, %r1;\n"
    "  st.global.u8 [%d5], %byte;\n"
    "END:\n"
    "  ret;\n"
    "}\n";

/* Stores value into count bytes at pointer from a kernel, and waits for it. */
static cudaError_t fill_from_kernel(void *pointer, size_t count, unsigned value)
{
  static cudaKernel_t kernel;
  if (kernel == NULL) {
    cudaLibrary_t library;
    cudaError_t error = cudaLibraryLoadData(&library, fill_ptx, NULL, NULL, 0, NULL, NULL, 0);
    if (error == cudaSuccess)
      error = cudaLibraryGetKernel(&kernel, library, "fill_bytes");
    if (error != cudaSuccess)
      return error;
  }
  unsigned long long count_arg = count;
  void *args[] = {&pointer, &count_arg, &value};
  dim3 grid = {(unsigned)((count + 127) / 128), 1, 1}, threads = {128, 1, 1};
  cudaError_t error = cudaLaunchKernel((const void *)kernel, grid, threads, args, 0, NULL);
  return error == cudaSuccess ? cudaDeviceSynchronize() : error;
}

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
    cudaError_t error = fill_from_kernel(block, BLOCK + OVERRUN, 0x5a);
    unsigned char back[BLOCK];
    if (error == cudaSuccess)
      error = cudaMemcpy(back, block, BLOCK, cudaMemcpyDeviceToHost);
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
