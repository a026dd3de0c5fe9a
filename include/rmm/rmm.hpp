/**
 * @file rmm.hpp
 * @brief The C++17 face of librmm: header-only wrappers over the C API.
 *
 * Resources are values of one type, rmm::resource, that own one reference of an
 * rmm_resource_t; errors become exceptions that carry the library's message; streams,
 * containers and allocators keep the names of upstream RMM (cuda_stream_view, cuda_stream,
 * device_buffer, device_uvector, device_scalar, polymorphic_allocator,
 * stream_allocator_adaptor). The header needs neither a CUDA compiler nor the CUDA headers;
 * the C ABI of librmm.so.1 stays the only binary interface. Thrust support lives in
 * rmm/thrust.hpp.
 */
#ifndef RMM_RMM_HPP
#define RMM_RMM_HPP

#include <rmm/rmm.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

/** @brief The C++ API of librmm. */
namespace rmm {

/* ---- errors -------------------------------------------------------------------------------- */

/** @brief A bad argument or a resource of the wrong family (RMM_ERROR_INVALID_ARGUMENT). */
class logic_error : public std::logic_error {
public:
  /** @brief Builds the error. @param message what the library said. */
  explicit logic_error(const std::string &message) : std::logic_error(message) {}
};

/** @brief An allocation failed for a reason other than lack of room (RMM_ERROR_BAD_ALLOC). */
class bad_alloc : public std::bad_alloc {
public:
  /** @brief Builds the error. @param message what the library said. */
  explicit bad_alloc(std::string message) : message_(std::move(message)) {}
  /** @brief The library's message. @return a NUL-terminated string owned by the exception. */
  const char *what() const noexcept override { return message_.c_str(); }

private:
  std::string message_;
};

/** @brief The resource or its upstream has no room (RMM_ERROR_OUT_OF_MEMORY). */
class out_of_memory : public bad_alloc {
public:
  /** @brief Builds the error. @param message what the library said. */
  explicit out_of_memory(std::string message) : bad_alloc(std::move(message)) {}
};

/** @brief A CUDA runtime call failed (RMM_ERROR_CUDA). */
class cuda_error : public std::runtime_error {
public:
  /**
   * @brief Builds the error.
   * @param message what the library said.
   * @param code the cudaError_t value behind it (rmm_last_cuda_error()).
   */
  cuda_error(const std::string &message, int code = 0) : std::runtime_error(message), code_(code) {}
  /** @brief The cudaError_t value. @return the CUDA error code, 0 when unknown. */
  int code() const noexcept { return code_; }

private:
  int code_;
};

/** @brief The device, the driver or the build lacks a feature (RMM_ERROR_NOT_SUPPORTED). */
class not_supported_error : public std::runtime_error {
public:
  /** @brief Builds the error. @param message what the library said. */
  explicit not_supported_error(const std::string &message) : std::runtime_error(message) {}
};

/** @brief A log or report file could not be opened or written (RMM_ERROR_IO). */
class io_error : public std::runtime_error {
public:
  /** @brief Builds the error. @param message what the library said. */
  explicit io_error(const std::string &message) : std::runtime_error(message) {}
};

/** @brief Helpers of the header; not part of the API. */
namespace detail {

/**
 * @brief An exception that a C++ resource bridged into librmm (rmm::mr::device_memory_resource)
 *        threw inside a C call, kept for the C++ caller of that call. It is that caller's when
 *        the library's message is still the one of that moment, or names the resource (librmm
 *        reports a failed custom resource by its name); a later, unrelated failure is not.
 */
struct pending_exception {
  std::exception_ptr error;  ///< What the resource threw.
  std::string message_then;  ///< rmm_last_error_message() when it was thrown.
  std::string source;        ///< The resource's name, as librmm's messages give it ("name:").
};

/** @brief The calling thread's pending exception. @return it; error is null when none. */
inline pending_exception &pending() noexcept
{
  thread_local pending_exception p;
  return p;
}

/**
 * @brief Throws the exception that matches a failed status, with the thread's message; or,
 *        when a bridged C++ resource threw during the failed call, that very exception.
 * @param status a status other than RMM_SUCCESS.
 */
[[noreturn]] inline void throw_status(rmm_status_t status)
{
  const char *text = rmm_last_error_message();
  if (pending().error) {
    std::exception_ptr error = std::exchange(pending().error, nullptr);
    std::string now = text != nullptr ? text : "";
    if (now == pending().message_then || now.find(pending().source + ":") != std::string::npos)
      std::rethrow_exception(error);
  }
  std::string message = (text != nullptr && *text != '\0') ? text : rmm_status_string(status);
  switch (status) {
  case RMM_ERROR_INVALID_ARGUMENT:
    throw logic_error(message);
  case RMM_ERROR_OUT_OF_MEMORY:
    throw out_of_memory(message);
  case RMM_ERROR_BAD_ALLOC:
    throw bad_alloc(message);
  case RMM_ERROR_CUDA:
    throw cuda_error(message, rmm_last_cuda_error());
  case RMM_ERROR_NOT_SUPPORTED:
    throw not_supported_error(message);
  case RMM_ERROR_IO:
    throw io_error(message);
  default:
    throw std::runtime_error(message);
  }
}

/**
 * @brief Throws for any status but RMM_SUCCESS.
 * @param status what a C call returned.
 */
inline void check(rmm_status_t status)
{
  if (status != RMM_SUCCESS)
    throw_status(status);
}

/**
 * @brief Detects stream types with get() returning a stream handle (cuda::stream_ref).
 * @tparam S the candidate type.
 */
template <class S, class = void> struct has_stream_get : std::false_type {};

/** @brief The specialisation for types whose get() converts to rmm_stream_t. @tparam S the type. */
template <class S>
struct has_stream_get<S, std::enable_if_t<std::is_convertible_v<decltype(std::declval<const S &>().get()), rmm_stream_t>>>
    : std::true_type {};

/**
 * @brief Detects the classes of upstream RMM's names (rmm::mr::device_memory_resource and its
 *        family, resource refs): they expose their C resource through resource_handle().
 * @tparam R the candidate type.
 */
template <class R, class = void> struct has_resource_handle : std::false_type {};

/** @brief The specialisation for types with resource_handle() returning an rmm_resource_t *. @tparam R the type. */
template <class R>
struct has_resource_handle<R, std::enable_if_t<std::is_same_v<decltype(std::declval<const R &>().resource_handle()),
                                                                  rmm_resource_t *>>> : std::true_type {};

} // namespace detail

/* ---- streams --------------------------------------------------------------------------------- */

/**
 * @brief A non-owning, strongly typed CUDA stream handle.
 *
 * Converts implicitly from rmm_stream_t and so from cudaStream_t (the same type), and from
 * types such as cuda::stream_ref whose get() returns one. Construction from 0 or nullptr is
 * refused so that a literal is never taken for a stream by mistake; the default constructor
 * gives the default stream.
 */
class cuda_stream_view {
public:
  /** @brief The default stream. */
  constexpr cuda_stream_view() noexcept = default;
  /** @brief Views a stream. @param stream a CUDA stream handle. */
  constexpr cuda_stream_view(rmm_stream_t stream) noexcept : stream_(stream) {}
  /**
   * @brief Views the stream of a stream reference such as cuda::stream_ref.
   * @tparam S a type whose get() returns a stream handle.
   * @param stream the reference.
   */
  template <class S, std::enable_if_t<detail::has_stream_get<S>::value, int> = 0>
  constexpr cuda_stream_view(const S &stream) noexcept : stream_(stream.get())
  {
  }
  cuda_stream_view(int) = delete;            ///< A literal is not a stream.
  cuda_stream_view(std::nullptr_t) = delete; ///< nullptr is not a stream: use cuda_stream_default.

  /** @brief The handle. @return the viewed stream. */
  constexpr rmm_stream_t value() const noexcept { return stream_; }
  /** @brief The handle. @return the viewed stream. */
  constexpr operator rmm_stream_t() const noexcept { return stream_; }
  /** @brief Whether this is the per-thread default stream. @return true for RMM_STREAM_PER_THREAD. */
  bool is_per_thread_default() const noexcept { return stream_ == RMM_STREAM_PER_THREAD; }
  /** @brief Whether this is the default stream. @return true for the NULL and legacy handles. */
  bool is_default() const noexcept { return stream_ == RMM_STREAM_DEFAULT || stream_ == RMM_STREAM_LEGACY; }
  /** @brief Waits for the stream's work (rmm_stream_synchronize()). @throws rmm::cuda_error on failure. */
  void synchronize() const
  {
    rmm_status_t status = rmm_stream_synchronize(stream_);
    if (status != RMM_SUCCESS)
      detail::throw_status(status);
  }
  /** @brief Waits for the stream's work, ignoring a failure (for destructors). */
  void synchronize_no_throw() const noexcept { (void)rmm_stream_synchronize(stream_); }

private:
  rmm_stream_t stream_{RMM_STREAM_DEFAULT};
};

/** @brief Compares handles. @param a a view. @param b a view. @return true for the same handle. */
inline bool operator==(cuda_stream_view a, cuda_stream_view b) noexcept { return a.value() == b.value(); }
/** @brief Compares handles. @param a a view. @param b a view. @return true for different handles. */
inline bool operator!=(cuda_stream_view a, cuda_stream_view b) noexcept { return !(a == b); }

/** @brief The default stream (NULL). */
inline const cuda_stream_view cuda_stream_default{};
/** @brief The legacy default stream (cudaStreamLegacy). */
inline const cuda_stream_view cuda_stream_legacy{RMM_STREAM_LEGACY};
/** @brief The per-thread default stream (cudaStreamPerThread). */
inline const cuda_stream_view cuda_stream_per_thread{RMM_STREAM_PER_THREAD};

/**
 * @brief Tells librmm that @p stream outlives its blocks until unregister_stream() is called
 *        (rmm_stream_register()): sub-allocators then skip the per-free event on it.
 * @param stream a stream the caller created.
 */
inline void register_stream(cuda_stream_view stream) { detail::check(rmm_stream_register(stream.value())); }
/**
 * @brief Withdraws a registration before the stream is destroyed (rmm_stream_unregister()).
 * @param stream a registered stream.
 */
inline void unregister_stream(cuda_stream_view stream) { detail::check(rmm_stream_unregister(stream.value())); }

/** @brief How new streams relate to the legacy default stream (rmm::cuda_stream::flags). */
enum class cuda_stream_flags : unsigned {
  sync_default = RMM_STREAM_FLAGS_SYNC_DEFAULT, ///< synchronises with the legacy default stream (cudaStreamDefault)
  non_blocking = RMM_STREAM_FLAGS_NON_BLOCKING, ///< does not (cudaStreamNonBlocking)
};

/**
 * @brief A pool of CUDA streams owned together (rmm_stream_pool_*): the streams live as long
 *        as the pool, and librmm knows they outlive their blocks.
 */
class cuda_stream_pool {
public:
  /** @brief The number of streams a default pool has. */
  static constexpr std::size_t default_size = 16;

  /**
   * @brief Creates the streams.
   * @param size how many; at least 1.
   * @param flags how they relate to the legacy default stream; upstream's default.
   * @throws rmm::logic_error for size 0; rmm::cuda_error without a usable device.
   */
  explicit cuda_stream_pool(std::size_t size = default_size, cuda_stream_flags flags = cuda_stream_flags::sync_default)
  {
    detail::check(rmm_stream_pool_create_with_flags(size, static_cast<unsigned>(flags), &pool_));
  }
  cuda_stream_pool(const cuda_stream_pool &) = delete;            ///< Streams have one owner.
  cuda_stream_pool &operator=(const cuda_stream_pool &) = delete; ///< Streams have one owner.
  /** @brief Destroys the streams. */
  ~cuda_stream_pool() { rmm_stream_pool_destroy(pool_); }

  /** @brief The next stream, round robin. @return a view of a stream of the pool. */
  cuda_stream_view get_stream()
  {
    rmm_stream_t stream = nullptr;
    detail::check(rmm_stream_pool_get(pool_, &stream));
    return stream;
  }
  /**
   * @brief A stream by index.
   * @param index any number: it is taken modulo the pool size.
   * @return a view of that stream.
   */
  cuda_stream_view get_stream(std::size_t index) const
  {
    rmm_stream_t stream = nullptr;
    detail::check(rmm_stream_pool_get_at(pool_, index % get_pool_size(), &stream));
    return stream;
  }
  /** @brief The number of streams. @return the size given at creation. */
  std::size_t get_pool_size() const noexcept { return rmm_stream_pool_size(pool_); }

private:
  rmm_stream_pool_t *pool_ = nullptr;
};

/**
 * @brief An owning CUDA stream: never a default stream; movable, not copyable.
 *
 * The stream comes from a librmm stream pool of one stream, so the header needs no CUDA
 * runtime and librmm knows the stream outlives its blocks. A moved-from cuda_stream holds no
 * stream (is_valid() is false).
 */
class cuda_stream {
public:
  /** @brief How the stream relates to the legacy default stream (upstream's cuda_stream::flags). */
  using flags = cuda_stream_flags;

  /**
   * @brief Creates a stream.
   * @param stream_flags upstream's default synchronises with the legacy default stream.
   * @throws rmm::cuda_error without a usable device.
   */
  explicit cuda_stream(flags stream_flags = flags::sync_default)
      : pool_(std::make_unique<cuda_stream_pool>(1, stream_flags))
  {
  }

  /** @brief Whether a stream is held. @return false after a move. */
  bool is_valid() const noexcept { return pool_ != nullptr; }
  /** @brief The handle. @return the stream, or the default stream when none is held. */
  rmm_stream_t value() const { return view().value(); }
  /** @brief The handle. @return value(). */
  operator rmm_stream_t() const { return value(); }
  /** @brief A view. @return a view of the stream. */
  cuda_stream_view view() const { return pool_ ? pool_->get_stream(0) : cuda_stream_default; }
  /** @brief A view. @return view(). */
  operator cuda_stream_view() const { return view(); }
  /** @brief Waits for the stream's work. @throws rmm::cuda_error on failure. */
  void synchronize() const { view().synchronize(); }
  /** @brief Waits for the stream's work, ignoring a failure. */
  void synchronize_no_throw() const noexcept { view().synchronize_no_throw(); }

private:
  std::unique_ptr<cuda_stream_pool> pool_;
};

/* ---- resources ------------------------------------------------------------------------------- */

/**
 * @brief A memory resource: one counted reference to an rmm_resource_t.
 *
 * Copying retains, destruction releases, moving transfers the reference. An empty resource
 * (default-constructed or moved-from) stands for the current device resource, as NULL does in
 * the C API, wherever a resource is passed to librmm. Any family is an rmm::resource; the
 * factories below build them.
 */
class resource {
public:
  /** @brief An empty resource: the current device resource when passed to librmm. */
  resource() noexcept = default;
  /**
   * @brief Takes over a reference the caller holds (from an rmm_*_create call).
   * @param mr the resource; NULL gives an empty resource.
   * @return the owner of that reference.
   */
  static resource adopt(rmm_resource_t *mr) noexcept { return resource(mr); }
  /**
   * @brief Takes a new reference to a resource the caller only borrows.
   * @param mr the resource; NULL gives an empty resource.
   * @return an owner of a new reference.
   */
  static resource retain(rmm_resource_t *mr) noexcept { return resource(mr ? rmm_resource_retain(mr) : nullptr); }
  /**
   * @brief Shares the C resource of an object of upstream RMM's names (a memory resource
   *        class or a resource ref, rmm/mr/device/ and rmm/resource_ref.hpp), so that every
   *        function taking an rmm::resource takes those too.
   * @tparam R a type with resource_handle().
   * @param mr the object; its C resource is retained.
   */
  template <class R, std::enable_if_t<detail::has_resource_handle<R>::value, int> = 0>
  resource(const R &mr) noexcept : resource(retain(mr.resource_handle()))
  {
  }
  /**
   * @brief As the constructor from a reference, for a pointer (upstream RMM passes resources
   *        by pointer: `rmm::device_buffer buf(n, stream, &pool_mr)`).
   * @tparam R a type with resource_handle().
   * @param mr the object; nullptr gives an empty resource (the current device resource).
   */
  template <class R, std::enable_if_t<detail::has_resource_handle<R>::value, int> = 0>
  resource(R *mr) noexcept : resource(mr ? retain(mr->resource_handle()) : resource())
  {
  }

  /** @brief Retains the other's resource. @param other the resource to share. */
  resource(const resource &other) noexcept : mr_(other.mr_ ? rmm_resource_retain(other.mr_) : nullptr) {}
  /** @brief Takes the other's reference. @param other left empty. */
  resource(resource &&other) noexcept : mr_(std::exchange(other.mr_, nullptr)) {}
  /** @brief Shares the other's resource. @param other the resource to share. @return *this. */
  resource &operator=(const resource &other) noexcept
  {
    resource copy(other);
    swap(copy);
    return *this;
  }
  /** @brief Takes the other's reference. @param other left empty. @return *this. */
  resource &operator=(resource &&other) noexcept
  {
    resource moved(std::move(other));
    swap(moved);
    return *this;
  }
  /** @brief Releases the reference held. */
  ~resource() { rmm_resource_release(mr_); }
  /** @brief Exchanges references. @param other the other resource. */
  void swap(resource &other) noexcept { std::swap(mr_, other.mr_); }

  /** @brief The C handle, still owned by this object. @return the handle, NULL when empty. */
  rmm_resource_t *get() const noexcept { return mr_; }
  /** @brief Gives up the reference without releasing it. @return the handle the caller now owns. */
  rmm_resource_t *release() noexcept { return std::exchange(mr_, nullptr); }
  /** @brief Whether a resource is held. @return false when empty. */
  explicit operator bool() const noexcept { return mr_ != nullptr; }

  /**
   * @brief Allocates, 256-byte aligned, ordered on a stream.
   * @param bytes the size; 0 gives nullptr.
   * @param stream where the memory is first used.
   * @return the memory.
   * @throws rmm::out_of_memory, rmm::bad_alloc, rmm::cuda_error, rmm::logic_error.
   */
  void *allocate(std::size_t bytes, cuda_stream_view stream = cuda_stream_view{}) const
  {
    void *ptr = nullptr;
    detail::check(rmm_allocate(mr_, &ptr, bytes, stream.value()));
    return ptr;
  }
  /**
   * @brief Allocates with an explicit alignment, ordered on a stream.
   * @param bytes the size.
   * @param alignment a power of two.
   * @param stream where the memory is first used.
   * @return the memory.
   * @throws as allocate(); rmm::logic_error for an alignment the resource cannot honour.
   */
  void *allocate(std::size_t bytes, std::size_t alignment, cuda_stream_view stream) const
  {
    void *ptr = nullptr;
    detail::check(rmm_allocate_aligned(mr_, &ptr, bytes, alignment, stream.value()));
    return ptr;
  }
  /**
   * @brief Allocates with an explicit alignment on the default stream (cuda::mr's synchronous
   *        form; note that an integer second argument is an alignment, not a stream).
   * @param bytes the size.
   * @param alignment a power of two.
   * @return the memory.
   */
  void *allocate(std::size_t bytes, std::size_t alignment) const
  {
    return allocate(bytes, alignment, cuda_stream_default);
  }
  /**
   * @brief Frees memory from allocate(bytes, stream).
   * @param ptr the memory; nullptr does nothing.
   * @param bytes the size given to allocate.
   * @param stream where the memory was last used.
   * @throws rmm::logic_error for a pointer the resource can tell it never handed out.
   */
  void deallocate(void *ptr, std::size_t bytes, cuda_stream_view stream = cuda_stream_view{}) const
  {
    detail::check(rmm_deallocate(mr_, ptr, bytes, stream.value()));
  }
  /**
   * @brief Frees memory from an aligned allocate.
   * @param ptr the memory.
   * @param bytes the size given to allocate.
   * @param alignment the alignment given to allocate.
   * @param stream where the memory was last used.
   */
  void deallocate(void *ptr, std::size_t bytes, std::size_t alignment, cuda_stream_view stream) const
  {
    detail::check(rmm_deallocate_aligned(mr_, ptr, bytes, alignment, stream.value()));
  }
  /**
   * @brief Frees memory from allocate(bytes, alignment).
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate(void *ptr, std::size_t bytes, std::size_t alignment) const
  {
    deallocate(ptr, bytes, alignment, cuda_stream_default);
  }
  /**
   * @brief Stream-ordered allocation with an alignment (cuda::mr's async form).
   * @param bytes the size. @param alignment a power of two. @param stream the stream.
   * @return the memory.
   */
  void *allocate_async(std::size_t bytes, std::size_t alignment, cuda_stream_view stream) const
  {
    return allocate(bytes, alignment, stream);
  }
  /** @brief Stream-ordered allocation. @param bytes the size. @param stream the stream. @return the memory. */
  void *allocate_async(std::size_t bytes, cuda_stream_view stream) const { return allocate(bytes, stream); }
  /**
   * @brief Stream-ordered free with an alignment (cuda::mr's async form).
   * @param ptr the memory. @param bytes the size. @param alignment the alignment. @param stream the stream.
   */
  void deallocate_async(void *ptr, std::size_t bytes, std::size_t alignment, cuda_stream_view stream) const
  {
    deallocate(ptr, bytes, alignment, stream);
  }
  /** @brief Stream-ordered free. @param ptr the memory. @param bytes the size. @param stream the stream. */
  void deallocate_async(void *ptr, std::size_t bytes, cuda_stream_view stream) const
  {
    deallocate(ptr, bytes, stream);
  }

  /** @brief The family name ("pool", "cuda", ...). @return a static string; "" when empty. */
  const char *name() const noexcept { return mr_ ? rmm_resource_name(mr_) : ""; }
  /** @brief RMM_DEVICE_ACCESSIBLE and RMM_HOST_ACCESSIBLE bits. @return the properties; 0 when empty. */
  unsigned properties() const noexcept { return mr_ ? rmm_resource_properties(mr_) : 0u; }
  /** @brief Whether devices can use the memory. @return the RMM_DEVICE_ACCESSIBLE bit. */
  bool is_device_accessible() const noexcept { return (properties() & RMM_DEVICE_ACCESSIBLE) != 0; }
  /** @brief Whether the host can use the memory. @return the RMM_HOST_ACCESSIBLE bit. */
  bool is_host_accessible() const noexcept { return (properties() & RMM_HOST_ACCESSIBLE) != 0; }
  /** @brief The resource this one takes memory from. @return a new owner; empty for leaves. */
  resource upstream() const noexcept { return mr_ ? retain(rmm_resource_upstream(mr_)) : resource(); }
  /** @brief Usage figures every resource answers (rmm_resource_get_stats()). @return the figures. */
  rmm_resource_stats_t stats() const
  {
    rmm_resource_stats_t out{};
    out.struct_size = sizeof out;
    detail::check(rmm_resource_get_stats(mr_, &out));
    return out;
  }
  /**
   * @brief Gives back what the whole stack holds wholly free (rmm_resource_trim(); PyTorch's empty_cache()).
   * @return the bytes given back, summed over the stack.
   */
  std::size_t trim() const
  {
    std::size_t released = 0;
    detail::check(rmm_resource_trim(mr_, &released));
    return released;
  }
  /** @brief Restarts the stack's peak figures from what is in use now (rmm_resource_reset_peak()). */
  void reset_peak() const { detail::check(rmm_resource_reset_peak(mr_)); }
  /**
   * @brief Whether memory of one can be freed by the other (rmm_resource_is_equal()).
   * @param other the other resource.
   * @return true for the same object or equal resources; two empty resources are equal.
   */
  bool is_equal(const resource &other) const noexcept
  {
    if (mr_ == nullptr || other.mr_ == nullptr)
      return mr_ == other.mr_;
    return rmm_resource_is_equal(mr_, other.mr_);
  }

private:
  explicit resource(rmm_resource_t *mr) noexcept : mr_(mr) {}
  rmm_resource_t *mr_ = nullptr;
};

/** @brief is_equal(). @param a a resource. @param b a resource. @return a.is_equal(b). */
inline bool operator==(const resource &a, const resource &b) noexcept { return a.is_equal(b); }
/** @brief !is_equal(). @param a a resource. @param b a resource. @return !a.is_equal(b). */
inline bool operator!=(const resource &a, const resource &b) noexcept { return !a.is_equal(b); }

namespace detail {
/**
 * @brief Runs a create call with an out-parameter and adopts its result.
 * @tparam F a callable taking rmm_resource_t **.
 * @param create the call.
 * @return the new resource.
 */
template <class F> resource make(F &&create)
{
  rmm_resource_t *out = nullptr;
  check(std::forward<F>(create)(&out));
  return resource::adopt(out);
}
} // namespace detail

/* ---- leaf resources ---- */

/** @brief cudaMalloc and cudaFree (rmm_cuda_create()). @return the resource. */
inline resource cuda_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_cuda_create(out); });
}
/** @brief cudaMallocManaged (rmm_managed_create()). @return the resource. */
inline resource managed_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_managed_create(out); });
}
/** @brief Pinned, device-accessible host memory (rmm_pinned_host_create()). @return the resource. */
inline resource pinned_host_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_pinned_host_create(out); });
}
/** @brief Aligned host heap memory, host only (rmm_host_create()). @return the resource. */
inline resource host_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_host_create(out); });
}
/** @brief The system allocator, for HMM/ATS devices (rmm_system_create()). @return the resource. */
inline resource system_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_system_create(out); });
}
/**
 * @brief System memory that leaves device headroom (rmm_sam_headroom_create()).
 * @param headroom bytes of device memory to leave free.
 * @return the resource.
 */
inline resource sam_headroom_resource(std::size_t headroom)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_sam_headroom_create(headroom, out); });
}
/** @brief A new CUDA memory pool with default options (rmm_cuda_async_create()). @return the resource. */
inline resource cuda_async_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_cuda_async_create(nullptr, out); });
}
/**
 * @brief A new CUDA memory pool (rmm_cuda_async_create()).
 * @param options start from RMM_CUDA_ASYNC_OPTIONS_INIT.
 * @return the resource.
 */
inline resource cuda_async_resource(const rmm_cuda_async_options_t &options)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_cuda_async_create(&options, out); });
}
/**
 * @brief Allocates from an existing CUDA memory pool (rmm_cuda_async_view_create()).
 * @param pool a cudaMemPool_t the caller keeps alive.
 * @return the resource.
 */
inline resource cuda_async_view_resource(rmm_mem_pool_t pool)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_cuda_async_view_create(pool, out); });
}
/** @brief Stream-ordered managed memory (rmm_cuda_async_managed_create()). @return the resource. */
inline resource cuda_async_managed_resource()
{
  return detail::make([](rmm_resource_t **out) { return rmm_cuda_async_managed_create(out); });
}
/**
 * @brief Addresses with no memory behind them (rmm_simulated_create()).
 * @param capacity the bytes it pretends to have.
 * @return the resource.
 */
inline resource simulated_resource(std::size_t capacity)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_simulated_create(capacity, out); });
}
/**
 * @brief RMM's callback resource (rmm_callback_create()).
 * @param allocate returns the memory or NULL. @param deallocate frees it. @param arg passed to both.
 * @return the resource.
 */
inline resource callback_resource(rmm_allocate_callback_t allocate, rmm_deallocate_callback_t deallocate,
                                  void *arg)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_callback_create(allocate, deallocate, arg, out); });
}
/**
 * @brief A resource from a table of operations (rmm_resource_create()).
 * @param ops the operations. @param ctx passed to them. @param properties RMM_*_ACCESSIBLE bits.
 * @return the resource.
 */
inline resource custom_resource(const rmm_resource_ops_t &ops, void *ctx, unsigned properties)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_resource_create(&ops, ctx, properties, out); });
}

/* ---- sub-allocators ---- */

/**
 * @brief A coalescing best-fit pool (rmm_pool_create()).
 * @param upstream where the pool grows from; empty means the current device resource.
 * @param initial_size bytes taken at creation.
 * @param maximum_size the most bytes the pool holds; 0 means no limit.
 * @return the resource.
 */
inline resource pool_resource(const resource &upstream, std::size_t initial_size, std::size_t maximum_size = 0)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_pool_create(upstream.get(), initial_size, maximum_size, out); });
}
/**
 * @brief A pool that grows one reserved range of virtual addresses in place (rmm_expandable_pool_create()).
 * @param initial_size bytes mapped at creation.
 * @param reservation bytes of addresses reserved; 0 means the device's memory.
 * @param host map host memory instead of device memory.
 * @return the resource.
 */
inline resource expandable_pool_resource(std::size_t initial_size = 0, std::size_t reservation = 0, bool host = false)
{
  rmm_expandable_pool_options_t options = RMM_EXPANDABLE_POOL_OPTIONS_INIT;
  options.initial_size = initial_size;
  options.reservation = reservation;
  options.host = host;
  return detail::make([&](rmm_resource_t **out) { return rmm_expandable_pool_create(&options, out); });
}
/**
 * @brief An expandable pool with all its options (rmm_expandable_pool_create()).
 * @param options start from RMM_EXPANDABLE_POOL_OPTIONS_INIT.
 * @return the resource.
 */
inline resource expandable_pool_resource(const rmm_expandable_pool_options_t &options)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_expandable_pool_create(&options, out); });
}
/**
 * @brief An arena allocator (rmm_arena_create()).
 * @param upstream the global arena's source; empty means the current device resource.
 * @param arena_size bytes of the global arena; 0 means half the free device memory.
 * @param dump_log_on_failure log the arenas when a request fails.
 * @return the resource.
 */
inline resource arena_resource(const resource &upstream, std::size_t arena_size = 0,
                               bool dump_log_on_failure = false)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_arena_create(upstream.get(), arena_size, dump_log_on_failure, out); });
}
/**
 * @brief Blocks of one size (rmm_fixed_size_create()).
 * @param upstream where blocks come from.
 * @param block_size bytes per block; 0 means 1 MiB.
 * @param blocks_to_preallocate blocks taken at creation and at each growth (see the C page).
 * @return the resource.
 */
inline resource fixed_size_resource(const resource &upstream, std::size_t block_size = 0,
                                    std::size_t blocks_to_preallocate = 0)
{
  return detail::make([&](rmm_resource_t **out) {
    return rmm_fixed_size_create(upstream.get(), block_size, blocks_to_preallocate, out);
  });
}
/**
 * @brief Bins by size with no bins yet (rmm_binning_create()).
 * @param upstream the resource for requests no bin takes.
 * @return the resource.
 */
inline resource binning_resource(const resource &upstream)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_binning_create(upstream.get(), out); });
}
/**
 * @brief Bins of fixed-size resources for 2^min_log2 ... 2^max_log2 bytes (rmm_binning_create_range()).
 * @param upstream the resource for larger requests and the bins' source.
 * @param min_log2 the smallest bin's log2 size. @param max_log2 the largest bin's log2 size.
 * @return the resource.
 */
inline resource binning_resource(const resource &upstream, int min_log2, int max_log2)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_binning_create_range(upstream.get(), min_log2, max_log2, out); });
}
/**
 * @brief Adds a bin to a binning resource (rmm_binning_add_bin()).
 * @param mr a binning resource.
 * @param allocation_size the largest request the bin takes.
 * @param bin the bin's resource; empty makes a fixed_size bin.
 */
inline void binning_add_bin(const resource &mr, std::size_t allocation_size, const resource &bin = resource())
{
  detail::check(rmm_binning_add_bin(mr.get(), allocation_size, bin.get()));
}

/* ---- adaptors ---- */

/**
 * @brief Aligns large requests beyond 256 bytes (rmm_aligned_create()).
 * @param upstream the resource to wrap. @param alignment a power of two.
 * @param threshold requests of at least this many bytes are aligned; 0 aligns all.
 * @return the adaptor.
 */
inline resource aligned_resource(const resource &upstream, std::size_t alignment, std::size_t threshold = 0)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_aligned_create(upstream.get(), alignment, threshold, out); });
}
/**
 * @brief Calls back on failure, retrying while the callback returns true (rmm_failure_callback_create()).
 * @param upstream the resource to wrap. @param callback the callback. @param arg passed to it.
 * @return the adaptor.
 */
inline resource failure_callback_resource(const resource &upstream, rmm_failure_callback_t callback, void *arg)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_failure_callback_create(upstream.get(), callback, arg, out); });
}
/**
 * @brief Refuses to hand out more than a limit (rmm_limiting_create()).
 * @param upstream the resource to wrap. @param limit bytes.
 * @param alignment the granularity sizes are counted at; 0 for the default.
 * @return the adaptor.
 */
inline resource limiting_resource(const resource &upstream, std::size_t limit, std::size_t alignment = 0)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_limiting_create(upstream.get(), limit, alignment, out); });
}
/**
 * @brief Logs every event as CSV to a file (rmm_logging_create()).
 * @param upstream the resource to wrap.
 * @param filename the file; nullptr reads RMM_LOG_FILE.
 * @param auto_flush flush after every line.
 * @return the adaptor.
 * @throws rmm::io_error when the file cannot be opened.
 */
inline resource logging_resource(const resource &upstream, const char *filename, bool auto_flush = false)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_logging_create(upstream.get(), filename, auto_flush, out); });
}
/**
 * @brief Logs every event as CSV to a file (rmm_logging_create()).
 * @param upstream the resource to wrap. @param filename the file. @param auto_flush flush every line.
 * @return the adaptor.
 */
inline resource logging_resource(const resource &upstream, const std::string &filename, bool auto_flush = false)
{
  return logging_resource(upstream, filename.c_str(), auto_flush);
}
/**
 * @brief Logs every event as CSV to an open stream (rmm_logging_create_from_file()).
 * @param upstream the resource to wrap. @param file the caller's stream. @param auto_flush flush every line.
 * @return the adaptor.
 */
inline resource logging_resource(const resource &upstream, std::FILE *file, bool auto_flush = false)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_logging_create_from_file(upstream.get(), file, auto_flush, out); });
}
/** @brief Prefetches managed memory on allocation (rmm_prefetch_create()). @param upstream the resource. @return the adaptor. */
inline resource prefetch_resource(const resource &upstream)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_prefetch_create(upstream.get(), out); });
}
/** @brief Counts bytes and allocations (rmm_statistics_create()). @param upstream the resource. @return the adaptor. */
inline resource statistics_resource(const resource &upstream)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_statistics_create(upstream.get(), out); });
}
/** @brief Serialises calls with a lock (rmm_thread_safe_create()). @param upstream the resource. @return the adaptor. */
inline resource thread_safe_resource(const resource &upstream)
{
  return detail::make([&](rmm_resource_t **out) { return rmm_thread_safe_create(upstream.get(), out); });
}
/**
 * @brief Records every outstanding allocation (rmm_tracking_create()).
 * @param upstream the resource. @param capture_stacks record the allocating call stacks.
 * @return the adaptor.
 */
inline resource tracking_resource(const resource &upstream, bool capture_stacks = false)
{
  return detail::make(
      [&](rmm_resource_t **out) { return rmm_tracking_create(upstream.get(), capture_stacks, out); });
}

/* ---- family queries: each throws rmm::logic_error for a resource of another family ---- */

/** @brief Bytes a pool holds (rmm_pool_size()). @param mr a pool. @return the bytes. */
inline std::size_t pool_size(const resource &mr)
{
  std::size_t bytes = 0;
  detail::check(rmm_pool_size(mr.get(), &bytes));
  return bytes;
}
/** @brief A fixed_size resource's block size (rmm_fixed_size_block_size()). @param mr the resource. @return bytes. */
inline std::size_t fixed_size_block_size(const resource &mr)
{
  std::size_t bytes = 0;
  detail::check(rmm_fixed_size_block_size(mr.get(), &bytes));
  return bytes;
}
/** @brief Bytes allocated through a limiting adaptor (rmm_limiting_allocated()). @param mr the adaptor. @return bytes. */
inline std::size_t limiting_allocated(const resource &mr)
{
  std::size_t bytes = 0;
  detail::check(rmm_limiting_allocated(mr.get(), &bytes));
  return bytes;
}
/** @brief A limiting adaptor's limit (rmm_limiting_limit()). @param mr the adaptor. @return bytes. */
inline std::size_t limiting_limit(const resource &mr)
{
  std::size_t bytes = 0;
  detail::check(rmm_limiting_limit(mr.get(), &bytes));
  return bytes;
}
/** @brief Flushes a logging adaptor (rmm_logging_flush()). @param mr the adaptor. */
inline void logging_flush(const resource &mr) { detail::check(rmm_logging_flush(mr.get())); }
/** @brief A logging adaptor's file name (rmm_logging_file_name()). @param mr the adaptor. @return the name. */
inline std::string logging_file_name(const resource &mr)
{
  const char *name = nullptr;
  detail::check(rmm_logging_file_name(mr.get(), &name));
  return name ? name : "";
}
/** @brief A statistics adaptor's counters (rmm_statistics_get()). @param mr the adaptor. @return the counters. */
inline rmm_statistics_t statistics_get(const resource &mr)
{
  rmm_statistics_t out{};
  out.struct_size = sizeof out;
  detail::check(rmm_statistics_get(mr.get(), &out));
  return out;
}
/** @brief Starts a new level of counters (rmm_statistics_push_counters()). @param mr the adaptor. */
inline void statistics_push_counters(const resource &mr) { detail::check(rmm_statistics_push_counters(mr.get())); }
/**
 * @brief Ends the current level of counters (rmm_statistics_pop_counters()).
 * @param mr the adaptor.
 * @return the counters of the level popped.
 */
inline rmm_statistics_t statistics_pop_counters(const resource &mr)
{
  rmm_statistics_t out{};
  out.struct_size = sizeof out;
  detail::check(rmm_statistics_pop_counters(mr.get(), &out));
  return out;
}
/** @brief Bytes outstanding in a tracking adaptor (rmm_tracking_allocated_bytes()). @param mr the adaptor. @return bytes. */
inline std::size_t tracking_allocated_bytes(const resource &mr)
{
  std::size_t bytes = 0;
  detail::check(rmm_tracking_allocated_bytes(mr.get(), &bytes));
  return bytes;
}
/** @brief Allocations outstanding in a tracking adaptor (rmm_tracking_outstanding_count()). @param mr the adaptor. @return the count. */
inline std::size_t tracking_outstanding_count(const resource &mr)
{
  std::size_t count = 0;
  detail::check(rmm_tracking_outstanding_count(mr.get(), &count));
  return count;
}
/** @brief Writes the outstanding allocations (rmm_tracking_report()). @param mr the adaptor. @param file where to. */
inline void tracking_report(const resource &mr, std::FILE *file) { detail::check(rmm_tracking_report(mr.get(), file)); }
/**
 * @brief Calls a function for each outstanding allocation, in address order (rmm_tracking_foreach()).
 * @tparam F callable as bool(const rmm_tracking_entry_t &): false stops the walk.
 * @param mr the adaptor.
 * @param visit the function; an exception it throws ends the walk and propagates.
 */
template <class F> void tracking_foreach(const resource &mr, F &&visit)
{
  struct state {
    F *visit;
    std::exception_ptr error;
  } walk{&visit, nullptr};
  auto trampoline = [](const rmm_tracking_entry_t *entry, void *arg) -> bool {
    auto *s = static_cast<state *>(arg);
    try {
      return static_cast<bool>((*s->visit)(*entry));
    } catch (...) {
      s->error = std::current_exception();
      return false;
    }
  };
  detail::check(rmm_tracking_foreach(mr.get(), trampoline, &walk));
  if (walk.error)
    std::rethrow_exception(walk.error);
}
/** @brief The CUDA memory pool of a cuda_async resource (rmm_cuda_async_pool_handle()). @param mr the resource. @return the pool. */
inline rmm_mem_pool_t cuda_async_pool_handle(const resource &mr)
{
  rmm_mem_pool_t pool = nullptr;
  detail::check(rmm_cuda_async_pool_handle(mr.get(), &pool));
  return pool;
}

/* ---- devices and the current resource ------------------------------------------------------ */

/** @brief A strongly typed CUDA device ordinal. */
class cuda_device_id {
public:
  /** @brief The device ordinal's type. */
  using value_type = int;
  /** @brief Names a device. @param id the ordinal. */
  constexpr explicit cuda_device_id(value_type id) noexcept : id_(id) {}
  /** @brief The ordinal. @return the ordinal. */
  constexpr value_type value() const noexcept { return id_; }

private:
  value_type id_;
};

/** @brief The current device (rmm_get_current_device()); 0 without a GPU. @return the device. */
inline cuda_device_id get_current_cuda_device()
{
  int device = 0;
  detail::check(rmm_get_current_device(&device));
  return cuda_device_id(device);
}
/** @brief The number of devices (rmm_get_num_devices()). @return the count; 0 without a GPU. */
inline int get_num_cuda_devices()
{
  int count = 0;
  detail::check(rmm_get_num_devices(&count));
  return count;
}
/** @brief Free and total memory of the current device (rmm_available_device_memory()). @return {free, total}. */
inline std::pair<std::size_t, std::size_t> available_device_memory()
{
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  detail::check(rmm_available_device_memory(&free_bytes, &total_bytes));
  return {free_bytes, total_bytes};
}
/**
 * @brief A share of the current device's free memory, 256-byte aligned (rmm_percent_of_free_device_memory()).
 * @param percent 0 to 100.
 * @return bytes.
 */
inline std::size_t percent_of_free_device_memory(double percent)
{
  std::size_t bytes = 0;
  detail::check(rmm_percent_of_free_device_memory(percent, &bytes));
  return bytes;
}
/**
 * @brief Prefetches managed memory to a device (rmm_prefetch()).
 * @param ptr the memory. @param bytes its size. @param device where to. @param stream the stream.
 */
inline void prefetch(const void *ptr, std::size_t bytes, cuda_device_id device, cuda_stream_view stream)
{
  detail::check(rmm_prefetch(ptr, bytes, device.value(), stream.value()));
}

/** @brief The current device's resource (rmm_get_current_device_resource()). @return a new owner. */
inline resource get_current_device_resource() { return resource::retain(rmm_get_current_device_resource()); }
/**
 * @brief Sets the current device's resource (rmm_set_current_device_resource()).
 * @param mr the resource, retained by the table; empty restores the default.
 * @return the resource that was current.
 */
inline resource set_current_device_resource(const resource &mr)
{
  resource previous = get_current_device_resource();
  detail::check(rmm_set_current_device_resource(mr.get()));
  return previous;
}
/** @brief A device's resource (rmm_get_per_device_resource()). @param device the device. @return a new owner. */
inline resource get_per_device_resource(cuda_device_id device)
{
  return resource::retain(rmm_get_per_device_resource(device.value()));
}
/**
 * @brief Sets a device's resource (rmm_set_per_device_resource()).
 * @param device the device. @param mr the resource; empty restores the default.
 * @return the resource that was set for the device.
 */
inline resource set_per_device_resource(cuda_device_id device, const resource &mr)
{
  resource previous = get_per_device_resource(device);
  detail::check(rmm_set_per_device_resource(device.value(), mr.get()));
  return previous;
}

/* ---- containers ------------------------------------------------------------------------------ */

/**
 * @brief An untyped, uninitialised, stream-ordered device allocation (rmm_device_buffer_*).
 *
 * Move-only; copy with the (other, stream, mr) constructor. A default-constructed or moved-from
 * buffer is empty and holds no C object until it is resized or reserved.
 */
class device_buffer {
public:
  /** @brief An empty buffer. */
  device_buffer() noexcept = default;
  /**
   * @brief Allocates, uninitialised.
   * @param size bytes. @param stream where the memory is first used.
   * @param mr the resource, retained by the buffer; empty means the current device resource.
   */
  device_buffer(std::size_t size, cuda_stream_view stream, const resource &mr = resource())
  {
    detail::check(rmm_device_buffer_create(size, stream.value(), mr.get(), &buf_));
  }
  /**
   * @brief Allocates and copies from host or device memory.
   * @param source the bytes to copy. @param size how many. @param stream the stream of the copy.
   * @param mr the resource.
   */
  device_buffer(const void *source, std::size_t size, cuda_stream_view stream, const resource &mr = resource())
  {
    detail::check(rmm_device_buffer_create_from(source, size, stream.value(), mr.get(), &buf_));
  }
  /**
   * @brief Copies another buffer's contents.
   * @param other the buffer. @param stream the stream of the copy.
   * @param mr the new buffer's resource.
   */
  device_buffer(const device_buffer &other, cuda_stream_view stream, const resource &mr = resource())
  {
    if (other.buf_ == nullptr)
      detail::check(rmm_device_buffer_create(0, stream.value(), mr.get(), &buf_));
    else
      detail::check(rmm_device_buffer_copy(other.buf_, stream.value(), mr.get(), &buf_));
  }
  /**
   * @brief Takes over a C buffer.
   * @param adopted a buffer the caller owns; destroyed with this object.
   */
  explicit device_buffer(rmm_device_buffer_t *adopted) noexcept : buf_(adopted) {}
  device_buffer(const device_buffer &) = delete;            ///< Copies need a stream: use (other, stream, mr).
  device_buffer &operator=(const device_buffer &) = delete; ///< Copies need a stream.
  /** @brief Takes the other's memory. @param other left empty. */
  device_buffer(device_buffer &&other) noexcept : buf_(std::exchange(other.buf_, nullptr)) {}
  /** @brief Frees this memory and takes the other's. @param other left empty. @return *this. */
  device_buffer &operator=(device_buffer &&other) noexcept
  {
    if (this != &other) {
      destroy();
      buf_ = std::exchange(other.buf_, nullptr);
    }
    return *this;
  }
  /** @brief Frees the memory on the buffer's stream. */
  ~device_buffer() { destroy(); }

  /** @brief The memory. @return the pointer; nullptr when empty. */
  void *data() noexcept { return buf_ ? rmm_device_buffer_data(buf_) : nullptr; }
  /** @brief The memory. @return the pointer; nullptr when empty. */
  const void *data() const noexcept { return buf_ ? rmm_device_buffer_data(buf_) : nullptr; }
  /** @brief The size in bytes. @return the size. */
  std::size_t size() const noexcept { return buf_ ? rmm_device_buffer_size(buf_) : 0; }
  /** @brief The size as a signed number. @return the size. */
  std::int64_t ssize() const noexcept { return static_cast<std::int64_t>(size()); }
  /** @brief The bytes allocated. @return the capacity. */
  std::size_t capacity() const noexcept { return buf_ ? rmm_device_buffer_capacity(buf_) : 0; }
  /** @brief Whether size() is 0. @return true when empty. */
  bool is_empty() const noexcept { return size() == 0; }
  /**
   * @brief Changes the size, keeping the contents up to the smaller size.
   * @param new_size bytes. @param stream the stream of any reallocation and copy.
   */
  void resize(std::size_t new_size, cuda_stream_view stream)
  {
    ensure(stream);
    detail::check(rmm_device_buffer_resize(buf_, new_size, stream.value()));
  }
  /** @brief Grows the capacity. @param new_capacity bytes. @param stream the stream. */
  void reserve(std::size_t new_capacity, cuda_stream_view stream)
  {
    ensure(stream);
    detail::check(rmm_device_buffer_reserve(buf_, new_capacity, stream.value()));
  }
  /** @brief Drops unused capacity. @param stream the stream. */
  void shrink_to_fit(cuda_stream_view stream)
  {
    if (buf_)
      detail::check(rmm_device_buffer_shrink_to_fit(buf_, stream.value()));
  }
  /** @brief The stream the memory is freed on. @return the stream. */
  cuda_stream_view stream() const noexcept { return buf_ ? cuda_stream_view(rmm_device_buffer_stream(buf_)) : cuda_stream_default; }
  /** @brief Changes the stream the memory is freed on. @param stream the new stream. */
  void set_stream(cuda_stream_view stream)
  {
    ensure(stream);
    rmm_device_buffer_set_stream(buf_, stream.value());
  }
  /** @brief The buffer's resource. @return a new owner; empty for an empty buffer. */
  resource memory_resource() const noexcept
  {
    return buf_ ? resource::retain(rmm_device_buffer_resource(buf_)) : resource();
  }
  /** @brief The C object. @return the handle, still owned by this buffer; NULL when empty. */
  rmm_device_buffer_t *get() const noexcept { return buf_; }

private:
  void ensure(cuda_stream_view stream)
  {
    if (buf_ == nullptr)
      detail::check(rmm_device_buffer_create(0, stream.value(), nullptr, &buf_));
  }
  void destroy() noexcept
  {
    /* A destructor cannot throw: a failed free is left in the thread's message. */
    if (buf_)
      (void)rmm_device_buffer_destroy(buf_);
    buf_ = nullptr;
  }
  rmm_device_buffer_t *buf_ = nullptr;
};

/**
 * @brief A typed, uninitialised, stream-ordered device array (rmm_device_uvector_*).
 * @tparam T a trivially copyable element type.
 */
template <class T> class device_uvector {
  static_assert(std::is_trivially_copyable_v<T>, "device_uvector holds trivially copyable types only");

public:
  using value_type = T;                    ///< The element type.
  using size_type = std::size_t;           ///< Sizes and indices.
  using reference = T &;                   ///< A device reference (use on the device only).
  using const_reference = const T &;       ///< A device reference (use on the device only).
  using pointer = T *;                     ///< A device pointer.
  using const_pointer = const T *;         ///< A device pointer.
  using iterator = T *;                    ///< A device iterator (for Thrust and kernels).
  using const_iterator = const T *;        ///< A device iterator.

  /**
   * @brief Allocates @p size elements, uninitialised.
   * @param size the element count. @param stream where the memory is first used.
   * @param mr the resource; empty means the current device resource.
   */
  device_uvector(std::size_t size, cuda_stream_view stream, const resource &mr = resource())
  {
    detail::check(rmm_device_uvector_create(sizeof(T), size, stream.value(), mr.get(), &vec_));
  }
  /**
   * @brief Copies another vector.
   * @param other the vector. @param stream the stream of the copy. @param mr the new vector's resource.
   */
  device_uvector(const device_uvector &other, cuda_stream_view stream, const resource &mr = resource())
  {
    detail::check(rmm_device_uvector_copy(other.vec_, stream.value(), mr.get(), &vec_));
  }
  device_uvector(const device_uvector &) = delete;            ///< Copies need a stream.
  device_uvector &operator=(const device_uvector &) = delete; ///< Copies need a stream.
  /** @brief Takes the other's memory. @param other left without storage. */
  device_uvector(device_uvector &&other) noexcept : vec_(std::exchange(other.vec_, nullptr)) {}
  /** @brief Frees this memory and takes the other's. @param other left without storage. @return *this. */
  device_uvector &operator=(device_uvector &&other) noexcept
  {
    if (this != &other) {
      destroy();
      vec_ = std::exchange(other.vec_, nullptr);
    }
    return *this;
  }
  /** @brief Frees the memory on the vector's stream. */
  ~device_uvector() { destroy(); }

  /** @brief The element count. @return the size. */
  std::size_t size() const noexcept { return vec_ ? rmm_device_uvector_size(vec_) : 0; }
  /** @brief The element count, signed. @return the size. */
  std::int64_t ssize() const noexcept { return static_cast<std::int64_t>(size()); }
  /** @brief Elements allocated. @return the capacity. */
  std::size_t capacity() const noexcept { return vec_ ? rmm_device_uvector_capacity(vec_) : 0; }
  /** @brief Whether size() is 0. @return true when empty. */
  bool is_empty() const noexcept { return size() == 0; }
  /** @brief The memory. @return the device pointer; nullptr when empty. */
  T *data() noexcept { return vec_ ? static_cast<T *>(rmm_device_uvector_data(vec_)) : nullptr; }
  /** @brief The memory. @return the device pointer; nullptr when empty. */
  const T *data() const noexcept { return vec_ ? static_cast<const T *>(rmm_device_uvector_data(vec_)) : nullptr; }
  /** @brief The first element's address. @return data(). */
  iterator begin() noexcept { return data(); }
  /** @brief One past the last element. @return data() + size(). */
  iterator end() noexcept { return data() + size(); }
  /** @brief The first element's address. @return data(). */
  const_iterator begin() const noexcept { return data(); }
  /** @brief One past the last element. @return data() + size(). */
  const_iterator end() const noexcept { return data() + size(); }
  /** @brief The first element's address. @return data(). */
  const_iterator cbegin() const noexcept { return data(); }
  /** @brief One past the last element. @return data() + size(). */
  const_iterator cend() const noexcept { return data() + size(); }
  /**
   * @brief The address of an element.
   * @param index below size().
   * @return the device pointer.
   * @throws rmm::logic_error for an index out of range.
   */
  T *element_ptr(std::size_t index)
  {
    void *ptr = nullptr;
    detail::check(rmm_device_uvector_element_ptr(vec_, index, &ptr));
    return static_cast<T *>(ptr);
  }
  /**
   * @brief Copies one element to the device, ordered on @p stream; @p value must stay alive and
   *        unchanged until the stream reaches the copy.
   * @param index below size(). @param value the host value. @param stream the stream.
   */
  void set_element_async(std::size_t index, const T &value, cuda_stream_view stream)
  {
    detail::check(rmm_device_uvector_set_element_async(vec_, index, &value, stream.value()));
  }
  /** @brief A temporary would die before the copy: refused. */
  void set_element_async(std::size_t, const T &&, cuda_stream_view) = delete;
  /** @brief Zeroes one element, ordered on @p stream. @param index below size(). @param stream the stream. */
  void set_element_to_zero_async(std::size_t index, cuda_stream_view stream)
  {
    detail::check(rmm_device_uvector_set_element_to_zero_async(vec_, index, stream.value()));
  }
  /**
   * @brief Reads one element, waiting for @p stream.
   * @param index below size(). @param stream the stream.
   * @return the value.
   */
  T element(std::size_t index, cuda_stream_view stream) const
  {
    T value;
    detail::check(rmm_device_uvector_element(vec_, index, &value, stream.value()));
    return value;
  }
  /** @brief Reads the first element. @param stream the stream. @return the value. */
  T front_element(cuda_stream_view stream) const
  {
    T value;
    detail::check(rmm_device_uvector_front(vec_, &value, stream.value()));
    return value;
  }
  /** @brief Reads the last element. @param stream the stream. @return the value. */
  T back_element(cuda_stream_view stream) const
  {
    T value;
    detail::check(rmm_device_uvector_back(vec_, &value, stream.value()));
    return value;
  }
  /** @brief Changes the element count, keeping the contents up to the smaller size. @param size elements. @param stream the stream. */
  void resize(std::size_t size, cuda_stream_view stream)
  {
    ensure(stream);
    detail::check(rmm_device_uvector_resize(vec_, size, stream.value()));
  }
  /** @brief Grows the capacity. @param capacity elements. @param stream the stream. */
  void reserve(std::size_t capacity, cuda_stream_view stream)
  {
    ensure(stream);
    detail::check(rmm_device_uvector_reserve(vec_, capacity, stream.value()));
  }
  /** @brief Drops unused capacity. @param stream the stream. */
  void shrink_to_fit(cuda_stream_view stream)
  {
    if (vec_)
      detail::check(rmm_device_uvector_shrink_to_fit(vec_, stream.value()));
  }
  /** @brief Hands the memory over as an untyped buffer, leaving this vector without storage. @return the buffer. */
  device_buffer release()
  {
    if (vec_ == nullptr)
      return device_buffer();
    rmm_device_buffer_t *buf = nullptr;
    detail::check(rmm_device_uvector_release(vec_, &buf));
    return device_buffer(buf);
  }
  /** @brief The stream the memory is freed on. @return the stream. */
  cuda_stream_view stream() const noexcept { return vec_ ? cuda_stream_view(rmm_device_uvector_stream(vec_)) : cuda_stream_default; }
  /** @brief Changes the stream the memory is freed on. @param stream the stream. */
  void set_stream(cuda_stream_view stream)
  {
    ensure(stream);
    rmm_device_uvector_set_stream(vec_, stream.value());
  }
  /** @brief The vector's resource. @return a new owner. */
  resource memory_resource() const noexcept
  {
    return vec_ ? resource::retain(rmm_device_uvector_resource(vec_)) : resource();
  }
  /** @brief The C object. @return the handle, still owned by this vector. */
  rmm_device_uvector_t *get() const noexcept { return vec_; }

private:
  void ensure(cuda_stream_view stream)
  {
    if (vec_ == nullptr)
      detail::check(rmm_device_uvector_create(sizeof(T), 0, stream.value(), nullptr, &vec_));
  }
  void destroy() noexcept
  {
    if (vec_)
      (void)rmm_device_uvector_destroy(vec_);
    vec_ = nullptr;
  }
  rmm_device_uvector_t *vec_ = nullptr;
};

/**
 * @brief One typed element in device memory (rmm_device_scalar_*).
 * @tparam T a trivially copyable type.
 */
template <class T> class device_scalar {
  static_assert(std::is_trivially_copyable_v<T>, "device_scalar holds trivially copyable types only");

public:
  using value_type = T; ///< The element type.
  using pointer = T *;  ///< A device pointer.

  /**
   * @brief Allocates one uninitialised element.
   * @param stream where the memory is first used. @param mr the resource; empty means the current one.
   */
  explicit device_scalar(cuda_stream_view stream, const resource &mr = resource())
  {
    detail::check(rmm_device_scalar_create(sizeof(T), nullptr, stream.value(), mr.get(), &scalar_));
  }
  /**
   * @brief Allocates one element and copies @p initial into it, ordered on @p stream.
   * @param initial the value. @param stream the stream. @param mr the resource.
   */
  device_scalar(const T &initial, cuda_stream_view stream, const resource &mr = resource())
  {
    detail::check(rmm_device_scalar_create(sizeof(T), &initial, stream.value(), mr.get(), &scalar_));
  }
  device_scalar(const device_scalar &) = delete;            ///< Move-only.
  device_scalar &operator=(const device_scalar &) = delete; ///< Move-only.
  /** @brief Takes the other's memory. @param other left without storage. */
  device_scalar(device_scalar &&other) noexcept : scalar_(std::exchange(other.scalar_, nullptr)) {}
  /** @brief Frees this memory and takes the other's. @param other left without storage. @return *this. */
  device_scalar &operator=(device_scalar &&other) noexcept
  {
    if (this != &other) {
      destroy();
      scalar_ = std::exchange(other.scalar_, nullptr);
    }
    return *this;
  }
  /** @brief Frees the memory. */
  ~device_scalar() { destroy(); }

  /** @brief Reads the value, waiting for @p stream. @param stream the stream. @return the value. */
  T value(cuda_stream_view stream) const
  {
    T out;
    detail::check(rmm_device_scalar_value(scalar_, &out, stream.value()));
    return out;
  }
  /**
   * @brief Writes the value, ordered on @p stream; @p value must stay alive until the copy.
   * @param value the host value. @param stream the stream.
   */
  void set_value_async(const T &value, cuda_stream_view stream)
  {
    detail::check(rmm_device_scalar_set_value_async(scalar_, &value, stream.value()));
  }
  /** @brief A temporary would die before the copy: refused. */
  void set_value_async(const T &&, cuda_stream_view) = delete;
  /** @brief Zeroes the value, ordered on @p stream. @param stream the stream. */
  void set_value_to_zero_async(cuda_stream_view stream)
  {
    detail::check(rmm_device_scalar_set_value_to_zero_async(scalar_, stream.value()));
  }
  /** @brief The element's address. @return the device pointer. */
  T *data() noexcept { return scalar_ ? static_cast<T *>(rmm_device_scalar_data(scalar_)) : nullptr; }
  /** @brief The element's address. @return the device pointer. */
  const T *data() const noexcept { return scalar_ ? static_cast<const T *>(rmm_device_scalar_data(scalar_)) : nullptr; }
  /** @brief The element count. @return 1. */
  static constexpr std::size_t size() noexcept { return 1; }
  /** @brief The stream the memory is freed on. @return the stream. */
  cuda_stream_view stream() const noexcept
  {
    return scalar_ ? cuda_stream_view(rmm_device_scalar_stream(scalar_)) : cuda_stream_default;
  }
  /** @brief Changes the stream the memory is freed on. @param stream the stream. */
  void set_stream(cuda_stream_view stream) noexcept
  {
    if (scalar_)
      rmm_device_scalar_set_stream(scalar_, stream.value());
  }
  /** @brief The scalar's resource. @return a new owner. */
  resource memory_resource() const noexcept
  {
    return scalar_ ? resource::retain(rmm_device_scalar_resource(scalar_)) : resource();
  }
  /** @brief The C object. @return the handle, still owned by this scalar. */
  rmm_device_scalar_t *get() const noexcept { return scalar_; }

private:
  void destroy() noexcept
  {
    if (scalar_)
      (void)rmm_device_scalar_destroy(scalar_);
    scalar_ = nullptr;
  }
  rmm_device_scalar_t *scalar_ = nullptr;
};

/* ---- allocators ------------------------------------------------------------------------------ */

/** @brief Allocators over librmm resources. */
namespace mr {

/**
 * @brief A stream-ordered allocator over an rmm::resource, like std::pmr::polymorphic_allocator
 *        but with a stream on allocate and deallocate.
 * @tparam T the element type.
 */
template <class T> class polymorphic_allocator {
public:
  using value_type = T; ///< The element type.

  /** @brief Uses the resource current at construction. */
  polymorphic_allocator() : mr_(rmm::get_current_device_resource()) {}
  /** @brief Uses @p mr. @param mr the resource, shared. */
  polymorphic_allocator(resource mr) noexcept : mr_(std::move(mr)) {}
  /** @brief Rebinds another allocator's resource. @tparam U its type. @param other the allocator. */
  template <class U>
  polymorphic_allocator(const polymorphic_allocator<U> &other) noexcept : mr_(other.get_upstream_resource())
  {
  }

  /**
   * @brief Allocates @p n elements on @p stream.
   * @param n the count. @param stream the stream.
   * @return the memory.
   * @throws std::bad_array_new_length when n * sizeof(T) overflows; as rmm::resource::allocate.
   */
  T *allocate(std::size_t n, cuda_stream_view stream)
  {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T))
      throw std::bad_array_new_length();
    return static_cast<T *>(mr_.allocate(n * sizeof(T), stream));
  }
  /** @brief Frees @p n elements on @p stream. @param p the memory. @param n the count. @param stream the stream. */
  void deallocate(T *p, std::size_t n, cuda_stream_view stream) { mr_.deallocate(p, n * sizeof(T), stream); }
  /** @brief The resource. @return a shared owner. */
  const resource &get_upstream_resource() const noexcept { return mr_; }

private:
  resource mr_;
};

/** @brief Equal when their resources are. @param a an allocator. @param b an allocator. @return the comparison. */
template <class T, class U>
bool operator==(const polymorphic_allocator<T> &a, const polymorphic_allocator<U> &b) noexcept
{
  return a.get_upstream_resource() == b.get_upstream_resource();
}
/** @brief Negation of ==. @param a an allocator. @param b an allocator. @return the comparison. */
template <class T, class U>
bool operator!=(const polymorphic_allocator<T> &a, const polymorphic_allocator<U> &b) noexcept
{
  return !(a == b);
}

/**
 * @brief Binds a stream to a stream-ordered allocator, giving a standard Allocator
 *        (allocate(n), deallocate(p, n)) for containers that know no streams.
 * @tparam Allocator a stream-ordered allocator such as polymorphic_allocator.
 */
template <class Allocator> class stream_allocator_adaptor {
public:
  using value_type = typename std::allocator_traits<Allocator>::value_type; ///< The element type.

  /** @brief Rebinding to another element type. @tparam U the type. */
  template <class U> struct rebind {
    /** @brief The adaptor of the rebound allocator. */
    using other = stream_allocator_adaptor<typename std::allocator_traits<Allocator>::template rebind_alloc<U>>;
  };

  /**
   * @brief Binds @p stream to @p allocator.
   * @param allocator the stream-ordered allocator. @param stream the stream every call uses.
   */
  stream_allocator_adaptor(const Allocator &allocator, cuda_stream_view stream) : alloc_(allocator), stream_(stream) {}
  /** @brief Rebinds another adaptor. @tparam Other its allocator type. @param other the adaptor. */
  template <class Other>
  stream_allocator_adaptor(const stream_allocator_adaptor<Other> &other)
      : alloc_(other.underlying_allocator()), stream_(other.stream())
  {
  }

  /** @brief Allocates @p n elements on the bound stream. @param n the count. @return the memory. */
  value_type *allocate(std::size_t n) { return alloc_.allocate(n, stream_); }
  /** @brief Frees @p n elements on the bound stream. @param p the memory. @param n the count. */
  void deallocate(value_type *p, std::size_t n) { alloc_.deallocate(p, n, stream_); }
  /** @brief The bound stream. @return the stream. */
  cuda_stream_view stream() const noexcept { return stream_; }
  /** @brief The wrapped allocator. @return it. */
  const Allocator &underlying_allocator() const noexcept { return alloc_; }

private:
  Allocator alloc_;
  cuda_stream_view stream_;
};

/** @brief Equal when their allocators are. @param a an adaptor. @param b an adaptor. @return the comparison. */
template <class A, class B>
bool operator==(const stream_allocator_adaptor<A> &a, const stream_allocator_adaptor<B> &b)
{
  return a.underlying_allocator() == b.underlying_allocator();
}
/** @brief Negation of ==. @param a an adaptor. @param b an adaptor. @return the comparison. */
template <class A, class B>
bool operator!=(const stream_allocator_adaptor<A> &a, const stream_allocator_adaptor<B> &b)
{
  return !(a == b);
}

/**
 * @brief Makes a stream_allocator_adaptor.
 * @tparam Allocator the allocator type.
 * @param allocator the stream-ordered allocator. @param stream the stream.
 * @return the adaptor.
 */
template <class Allocator>
stream_allocator_adaptor<Allocator> make_stream_allocator_adaptor(const Allocator &allocator, cuda_stream_view stream)
{
  return stream_allocator_adaptor<Allocator>(allocator, stream);
}

} // namespace mr
} // namespace rmm

#endif
