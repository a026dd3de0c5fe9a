/**
 * @file rmm/error.hpp
 * @brief Upstream RMM's error macros over librmm's exception types (rmm/rmm.hpp):
 *        RMM_EXPECTS, RMM_FAIL, RMM_CUDA_TRY, RMM_CUDA_TRY_ALLOC, RMM_ASSERT_CUDA_SUCCESS.
 *
 * The exception types (rmm::logic_error, rmm::cuda_error, rmm::bad_alloc, rmm::out_of_memory)
 * are those librmm maps its status codes to. The CUDA macros name CUDA runtime functions
 * where they are used, so this header includes cuda_runtime_api.h when the compiler can find
 * it (nvcc always can) and otherwise leaves it to the code that calls CUDA.
 */
#ifndef RMM_ERROR_HPP
#define RMM_ERROR_HPP

#include <rmm/rmm.hpp>

#if defined(__has_include)
#if __has_include(<cuda_runtime_api.h>)
#include <cuda_runtime_api.h>
#endif
#endif

#include <cassert>
#include <string>

namespace rmm {
namespace detail {

/**
 * @brief The message of a failed expectation.
 * @param file the source file. @param line the line. @param reason what was expected.
 * @return "RMM failure at: FILE:LINE: REASON".
 */
inline std::string failure_message(const char *file, int line, const std::string &reason)
{
  return "RMM failure at: " + std::string(file) + ":" + std::to_string(line) + ": " + reason;
}

/**
 * @brief The message of a failed CUDA call.
 * @param file the source file. @param line the line. @param name the error's name. @param text its description.
 * @return "CUDA error at: FILE:LINE: NAME TEXT".
 */
inline std::string cuda_failure_message(const char *file, int line, const char *name, const char *text)
{
  return "CUDA error at: " + std::string(file) + ":" + std::to_string(line) + ": " + name + " " + text;
}

} // namespace detail
} // namespace rmm

/** @cond */
#define RMM_DETAIL_PICK_3(_1, _2, _3, NAME, ...) NAME
#define RMM_DETAIL_PICK_2(_1, _2, NAME, ...) NAME
/** @endcond */

/**
 * @brief Throws when a condition is false: RMM_EXPECTS(cond, reason) throws rmm::logic_error,
 *        RMM_EXPECTS(cond, reason, exception_type) that type, with "RMM failure at: FILE:LINE: reason".
 */
#define RMM_EXPECTS(...) RMM_DETAIL_PICK_3(__VA_ARGS__, RMM_EXPECTS_3, RMM_EXPECTS_2, unused)(__VA_ARGS__)
/** @cond */
#define RMM_EXPECTS_3(_condition, _reason, _exception_type)                                                         \
  do {                                                                                                             \
    if (!(_condition))                                                                                             \
      throw _exception_type{rmm::detail::failure_message(__FILE__, __LINE__, _reason)};                          \
  } while (0)
#define RMM_EXPECTS_2(_condition, _reason) RMM_EXPECTS_3(_condition, _reason, rmm::logic_error)
/** @endcond */

/**
 * @brief Throws unconditionally: RMM_FAIL(reason) throws rmm::logic_error, RMM_FAIL(reason,
 *        exception_type) that type.
 */
#define RMM_FAIL(...) RMM_DETAIL_PICK_2(__VA_ARGS__, RMM_FAIL_2, RMM_FAIL_1, unused)(__VA_ARGS__)
/** @cond */
#define RMM_FAIL_2(_what, _exception_type)                                                                        \
  throw _exception_type { rmm::detail::failure_message(__FILE__, __LINE__, _what) }
#define RMM_FAIL_1(_what) RMM_FAIL_2(_what, rmm::logic_error)
/** @endcond */

/**
 * @brief Runs a CUDA runtime call and throws when it fails: RMM_CUDA_TRY(call) throws
 *        rmm::cuda_error (carrying the cudaError_t), RMM_CUDA_TRY(call, exception_type) that
 *        type. The error is cleared (cudaGetLastError) first, as upstream does.
 */
#define RMM_CUDA_TRY(...) RMM_DETAIL_PICK_2(__VA_ARGS__, RMM_CUDA_TRY_2, RMM_CUDA_TRY_1, unused)(__VA_ARGS__)
/** @cond */
#define RMM_CUDA_TRY_2(_call, _exception_type)                                                                    \
  do {                                                                                                             \
    cudaError_t const rmm_status_ = (_call);                                                                       \
    if (cudaSuccess != rmm_status_) {                                                                              \
      (void)cudaGetLastError();                                                                                    \
      throw _exception_type{rmm::detail::cuda_failure_message(__FILE__, __LINE__, cudaGetErrorName(rmm_status_), \
                                                              cudaGetErrorString(rmm_status_))};                  \
    }                                                                                                              \
  } while (0)
#define RMM_CUDA_TRY_1(_call)                                                                                      \
  do {                                                                                                             \
    cudaError_t const rmm_status_ = (_call);                                                                       \
    if (cudaSuccess != rmm_status_) {                                                                              \
      (void)cudaGetLastError();                                                                                    \
      throw rmm::cuda_error{rmm::detail::cuda_failure_message(__FILE__, __LINE__, cudaGetErrorName(rmm_status_), \
                                                              cudaGetErrorString(rmm_status_)),                   \
                            static_cast<int>(rmm_status_)};                                                       \
    }                                                                                                              \
  } while (0)
/** @endcond */

/**
 * @brief Runs a CUDA allocation call: cudaErrorMemoryAllocation becomes rmm::out_of_memory,
 *        any other failure rmm::bad_alloc. RMM_CUDA_TRY_ALLOC(call) or (call, num_bytes).
 */
#define RMM_CUDA_TRY_ALLOC(...) RMM_DETAIL_PICK_2(__VA_ARGS__, RMM_CUDA_TRY_ALLOC_2, RMM_CUDA_TRY_ALLOC_1, unused)(__VA_ARGS__)
/** @cond */
#define RMM_CUDA_TRY_ALLOC_2(_call, _num_bytes)                                                                   \
  do {                                                                                                             \
    cudaError_t const rmm_status_ = (_call);                                                                       \
    if (cudaSuccess != rmm_status_) {                                                                              \
      (void)cudaGetLastError();                                                                                    \
      std::string rmm_msg_ = rmm::detail::cuda_failure_message(__FILE__, __LINE__, cudaGetErrorName(rmm_status_), \
                                                               cudaGetErrorString(rmm_status_)) +                 \
                             " (failed to allocate " + std::to_string(_num_bytes) + " bytes)";                    \
      if (rmm_status_ == cudaErrorMemoryAllocation)                                                                \
        throw rmm::out_of_memory{rmm_msg_};                                                                        \
      throw rmm::bad_alloc{rmm_msg_};                                                                              \
    }                                                                                                              \
  } while (0)
#define RMM_CUDA_TRY_ALLOC_1(_call)                                                                                \
  do {                                                                                                             \
    cudaError_t const rmm_status_ = (_call);                                                                       \
    if (cudaSuccess != rmm_status_) {                                                                              \
      (void)cudaGetLastError();                                                                                    \
      std::string rmm_msg_ = rmm::detail::cuda_failure_message(__FILE__, __LINE__, cudaGetErrorName(rmm_status_), \
                                                               cudaGetErrorString(rmm_status_));                  \
      if (rmm_status_ == cudaErrorMemoryAllocation)                                                                \
        throw rmm::out_of_memory{rmm_msg_};                                                                        \
      throw rmm::bad_alloc{rmm_msg_};                                                                              \
    }                                                                                                              \
  } while (0)
/** @endcond */

/**
 * @brief Runs a CUDA call that must succeed where nothing may throw (destructors): asserted
 *        in debug builds, ignored with NDEBUG, as upstream does.
 */
#ifdef NDEBUG
#define RMM_ASSERT_CUDA_SUCCESS(_call) \
  do {                                 \
    (void)(_call);                     \
  } while (0)
#else
#define RMM_ASSERT_CUDA_SUCCESS(_call)          \
  do {                                          \
    cudaError_t const rmm_status_ = (_call);    \
    assert(rmm_status_ == cudaSuccess);         \
    (void)rmm_status_;                          \
  } while (0)
#endif

#endif
