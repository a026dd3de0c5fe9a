/**
 * @file rmm/cuda_stream_view.hpp
 * @brief rmm::cuda_stream_view, cuda_stream_default, cuda_stream_legacy, cuda_stream_per_thread.
 *        Upstream RMM's header path; the class lives in rmm/rmm.hpp (header-only, no CUDA header).
 */
#ifndef RMM_CUDA_STREAM_VIEW_HPP
#define RMM_CUDA_STREAM_VIEW_HPP

#include <rmm/rmm.hpp>

#endif
