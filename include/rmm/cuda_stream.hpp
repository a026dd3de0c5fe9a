/**
 * @file rmm/cuda_stream.hpp
 * @brief rmm::cuda_stream, an owning CUDA stream. Upstream RMM's header path; the class lives in
 *        rmm/rmm.hpp (header-only, no CUDA header).
 */
#ifndef RMM_CUDA_STREAM_HPP
#define RMM_CUDA_STREAM_HPP

#include <rmm/rmm.hpp>

#endif
