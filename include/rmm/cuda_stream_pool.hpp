/**
 * @file rmm/cuda_stream_pool.hpp
 * @brief rmm::cuda_stream_pool. Upstream RMM's header path; the class lives in rmm/rmm.hpp (header-
 *        only, no CUDA header).
 */
#ifndef RMM_CUDA_STREAM_POOL_HPP
#define RMM_CUDA_STREAM_POOL_HPP

#include <rmm/rmm.hpp>

#endif
