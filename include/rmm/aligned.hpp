/**
 * @file rmm/aligned.hpp
 * @brief Alignment helpers with upstream RMM's names: rmm::align_up, align_down, is_aligned,
 *        is_pow2, is_pointer_aligned and the alignment constants. Header-only, no CUDA header.
 */
#ifndef RMM_ALIGNED_HPP
#define RMM_ALIGNED_HPP

#include <rmm/common.h>

#include <cstddef>
#include <cstdint>

namespace rmm {

/** @brief The alignment every device resource guarantees (RMM_ALLOCATION_ALIGNMENT, 256 bytes). */
static constexpr std::size_t CUDA_ALLOCATION_ALIGNMENT{RMM_ALLOCATION_ALIGNMENT};

/** @brief The default alignment of host allocations: that of std::max_align_t. */
static constexpr std::size_t RMM_DEFAULT_HOST_ALIGNMENT{alignof(std::max_align_t)};

/** @brief Whether @p value is a power of two. @param value the number. @return true for 1, 2, 4, ... */
[[nodiscard]] constexpr bool is_pow2(std::size_t value) noexcept { return value != 0 && (value & (value - 1)) == 0; }

/** @brief Whether @p alignment is a valid alignment. @param alignment the number. @return is_pow2(alignment). */
[[nodiscard]] constexpr bool is_supported_alignment(std::size_t alignment) noexcept { return is_pow2(alignment); }

/**
 * @brief Rounds up to a multiple of a power of two.
 * @param value the number. @param alignment a power of two.
 * @return the smallest multiple of @p alignment not below @p value.
 */
[[nodiscard]] constexpr std::size_t align_up(std::size_t value, std::size_t alignment) noexcept
{
  return (value + (alignment - 1)) & ~(alignment - 1);
}

/**
 * @brief Rounds down to a multiple of a power of two.
 * @param value the number. @param alignment a power of two.
 * @return the largest multiple of @p alignment not above @p value.
 */
[[nodiscard]] constexpr std::size_t align_down(std::size_t value, std::size_t alignment) noexcept
{
  return value & ~(alignment - 1);
}

/**
 * @brief Whether a number is a multiple of a power of two.
 * @param value the number. @param alignment a power of two. @return the test.
 */
[[nodiscard]] constexpr bool is_aligned(std::size_t value, std::size_t alignment) noexcept
{
  return value == align_down(value, alignment);
}

/**
 * @brief Whether a pointer is aligned.
 * @param ptr the address. @param alignment a power of two (256 by default).
 * @return the test.
 */
[[nodiscard]] inline bool is_pointer_aligned(void *ptr, std::size_t alignment = CUDA_ALLOCATION_ALIGNMENT) noexcept
{
  return is_aligned(reinterpret_cast<std::uintptr_t>(ptr), alignment);
}

} // namespace rmm

#endif
