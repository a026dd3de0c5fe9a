/**
 * @file rmm/logger.hpp
 * @brief Upstream RMM's debug-logger calls over librmm's debug log (rmm/log.h):
 *        `rmm::default_logger().set_level(rapids_logger::level_enum::trace)`.
 *
 * Upstream's logger comes from rapids-logger; librmm's debug log is its own (RMM_LOG_LEVEL,
 * RMM_DEBUG_LOG_FILE), so this header gives only the level enumeration and the level and
 * flush calls programs make, with the same names. No CUDA header.
 */
#ifndef RMM_LOGGER_HPP
#define RMM_LOGGER_HPP

#include <rmm/rmm.hpp>

/** @brief rapids-logger's names, as far as RMM programs use them. */
namespace rapids_logger {

/** @brief The levels, lowest first (the values of rmm_log_level_t). */
enum class level_enum : int {
  trace = RMM_LOG_TRACE,       ///< every allocation and free
  debug = RMM_LOG_DEBUG,       ///< growth, stream merges, failures
  info = RMM_LOG_INFO,         ///< the default
  warn = RMM_LOG_WARN,         ///< misconfiguration worked around
  error = RMM_LOG_ERROR,       ///< failures the caller may not see
  critical = RMM_LOG_CRITICAL, ///< broken invariants
  off = RMM_LOG_OFF,           ///< nothing
  n_levels                     ///< the number of levels
};

} // namespace rapids_logger

namespace rmm {

/** @brief librmm's debug log, with the level and flush calls of upstream's logger. */
class logger {
public:
  /**
   * @brief Sets the lowest level logged (rmm_log_set_level()).
   * @param level the level.
   * @throws rmm::logic_error for a value outside the enumeration.
   */
  void set_level(rapids_logger::level_enum level)
  {
    detail::check(rmm_log_set_level(static_cast<rmm_log_level_t>(level)));
  }
  /** @brief The lowest level logged (rmm_log_get_level()). @return the level. */
  [[nodiscard]] rapids_logger::level_enum level() const noexcept
  {
    return static_cast<rapids_logger::level_enum>(rmm_log_get_level());
  }
  /** @brief Whether a level is logged. @param level the level. @return level() <= level. */
  [[nodiscard]] bool should_log(rapids_logger::level_enum level) const noexcept { return this->level() <= level; }
  /** @brief Writes out what is buffered (rmm_log_flush()). */
  void flush() { detail::check(rmm_log_flush()); }
};

/** @brief The process's debug logger. @return it. */
inline logger &default_logger()
{
  static logger instance;
  return instance;
}

} // namespace rmm

#endif
