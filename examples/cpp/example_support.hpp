// What every C++ example shares: it needs a GPU (without one it says so and exits 77, the
// status automake counts as a skip), and a librmm error ends it with its message and status 1.
#ifndef RMM_EXAMPLE_SUPPORT_HPP
#define RMM_EXAMPLE_SUPPORT_HPP

#include <cuda_runtime_api.h>

#include <cstdio>
#include <exception>

namespace example {

inline bool have_gpu()
{
  int count = 0;
  return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

// Runs the example's body, which returns the exit status, when there is a GPU to run it on.
template <typename Body> int run(Body body)
{
  if (!have_gpu()) {
    std::puts("SKIP: no usable GPU");
    return 77;
  }
  try {
    return body();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

} // namespace example

#endif
