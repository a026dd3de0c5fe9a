/**
 * @file rmm/mr/cuda_async_view_memory_resource.hpp
 * @brief The newer path of rmm/mr/device/cuda_async_view_memory_resource.hpp: includes it.
 */
#ifndef RMM_MR_CUDA_ASYNC_VIEW_MEMORY_RESOURCE_HPP
#define RMM_MR_CUDA_ASYNC_VIEW_MEMORY_RESOURCE_HPP

#include <rmm/mr/device/cuda_async_view_memory_resource.hpp>

#endif
