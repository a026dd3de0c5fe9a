/**
 * @file rmm/mr/device/logging_resource_adaptor.hpp
 * @brief rmm::mr::logging_resource_adaptor: Logs every event as CSV (rmm_logging_create()).
 *
 * Upstream RMM's class name and constructors over librmm's C resource (see
 * rmm/mr/device/device_memory_resource.hpp). Header-only; no CUDA header.
 */
#ifndef RMM_MR_DEVICE_LOGGING_RESOURCE_ADAPTOR_HPP
#define RMM_MR_DEVICE_LOGGING_RESOURCE_ADAPTOR_HPP

#include <rmm/mr/device/detail/adaptor_base.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace rmm {
namespace mr {

/**
 * @brief Writes every allocation and free as a CSV line in RMM's format, which rmm-replay reads (rmm_logging_create()).
 * @tparam Upstream the upstream resource class (upstream RMM's template parameter).
 */
template <class Upstream> class logging_resource_adaptor final : public detail::upstream_resource_base<Upstream> {
  using base = detail::upstream_resource_base<Upstream>;

public:
  /**
   * @brief Builds it over @p upstream_mr, which must outlive it (its C resource is retained).
   * @param upstream_mr the upstream.
   * @param filename the log file; by default RMM_LOG_FILE (get_default_filename()).
   * @param auto_flush flush after every line.
   * @throws rmm::logic_error for a null upstream or a bad argument; what the upstream throws.
   */
  logging_resource_adaptor(Upstream *upstream_mr, const std::string &filename = get_default_filename(),
                           bool auto_flush = false)
      : base(create(detail::upstream_handle(upstream_mr), filename, auto_flush), upstream_mr)
  {
  }
  /**
   * @brief Builds it over the resource @p upstream_mr refers to.
   * @param upstream_mr the upstream.
   * @param filename the log file; by default RMM_LOG_FILE (get_default_filename()).
   * @param auto_flush flush after every line.
   */
  logging_resource_adaptor(device_async_resource_ref upstream_mr, const std::string &filename = get_default_filename(),
                           bool auto_flush = false)
      : base(create(upstream_mr.resource_handle(), filename, auto_flush), nullptr)
  {
  }
  logging_resource_adaptor(const logging_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  logging_resource_adaptor &
  operator=(const logging_resource_adaptor &) = delete; ///< One owner per resource, as upstream.
  /**
   * @brief Logs to an open stream instead of a file (a librmm extension: RMM's ostream form).
   * @param upstream_mr the upstream. @param file the stream, kept open by the caller. @param auto_flush flush every line.
   */
  logging_resource_adaptor(Upstream *upstream_mr, std::FILE *file, bool auto_flush = false)
      : base(base::make([&](rmm_resource_t **out) {
               return rmm_logging_create_from_file(detail::upstream_handle(upstream_mr), file, auto_flush, out);
             }),
             upstream_mr)
  {
  }
  /** @brief Writes buffered lines out (rmm_logging_flush()). */
  void flush() { rmm::detail::check(rmm_logging_flush(this->resource_handle())); }
  /** @brief The CSV header line. @return "Thread,Time,Action,Pointer,Size,Stream". */
  [[nodiscard]] static std::string header() { return "Thread,Time,Action,Pointer,Size,Stream"; }
  /**
   * @brief The file named by RMM_LOG_FILE.
   * @return the name.
   * @throws rmm::logic_error when RMM_LOG_FILE is not set.
   */
  static std::string get_default_filename()
  {
    const char *name = std::getenv("RMM_LOG_FILE");
    if (name == nullptr)
      throw rmm::logic_error("RMM logging requested without an explicit file name, but RMM_LOG_FILE is unset");
    return name;
  }

private:
  static rmm_resource_t *create(rmm_resource_t *up, const std::string &filename, bool auto_flush)
  {
    return base::make([&](rmm_resource_t **out) { return rmm_logging_create(up, filename.c_str(), auto_flush, out); });
  }
};

} // namespace mr
} // namespace rmm

#endif
