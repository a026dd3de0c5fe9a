/**
 * @file rmm/mr/device/device_memory_resource.hpp
 * @brief rmm::mr::device_memory_resource, upstream RMM's base class of memory resources, over
 *        librmm's resource object.
 *
 * Every object of this class family owns one reference to an rmm_resource_t. The classes of
 * librmm's families (cuda_memory_resource, pool_memory_resource, ...) own that family's C
 * resource and forward to it. A class the user derives and whose do_allocate/do_deallocate it
 * overrides gets a C resource made by rmm_resource_create() whose operations call those
 * virtual functions, so it can sit under librmm's adaptors, in containers and in the
 * per-device table like any other resource. The header needs no CUDA header.
 */
#ifndef RMM_MR_DEVICE_DEVICE_MEMORY_RESOURCE_HPP
#define RMM_MR_DEVICE_DEVICE_MEMORY_RESOURCE_HPP

#include <rmm/aligned.hpp>
#include <rmm/rmm.hpp>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace rmm {
namespace mr {

class device_memory_resource;

namespace detail {

/**
 * @brief Which C++ object owns which C resource, so that the per-device getters can hand back
 *        the object that was set (upstream returns the pointer it was given).
 *
 * Every object registers at construction and leaves at destruction; the registry is built by
 * the first object's constructor, so it outlives every object, static ones included.
 */
class object_registry {
public:
  /** @brief Records that @p object owns @p mr. @param mr the C resource. @param object its owner. */
  void add(rmm_resource_t *mr, device_memory_resource *object)
  {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    owners_.emplace(mr, object);
  }
  /** @brief Forgets one ownership. @param mr the C resource. @param object its owner. */
  void remove(rmm_resource_t *mr, device_memory_resource *object) noexcept
  {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto range = owners_.equal_range(mr);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == object) {
        owners_.erase(it);
        return;
      }
  }
  /** @brief An object that owns @p mr. @param mr the C resource. @return the object, or nullptr. */
  device_memory_resource *find(rmm_resource_t *mr) const
  {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    auto it = owners_.find(mr);
    return it == owners_.end() ? nullptr : it->second;
  }
  /** @brief The lock that makes find-or-create sequences atomic. @return the mutex. */
  std::recursive_mutex &mutex() const noexcept { return mutex_; }

private:
  mutable std::recursive_mutex mutex_;
  std::unordered_multimap<rmm_resource_t *, device_memory_resource *> owners_;
};

/** @brief The process's registry. @return it. */
inline object_registry &registry()
{
  static object_registry instance;
  return instance;
}

/** @brief The state behind a bridged C resource: the object whose virtual functions serve it. */
struct bridge_state {
  std::atomic<device_memory_resource *> self; ///< nullptr once the object is destroyed.
};

/** @brief Marks the constructor that takes over a C resource the caller created. */
struct adopt_t {
  explicit adopt_t() = default;
};

/** @brief The tag value. */
inline constexpr adopt_t adopt{};

struct bridge;

} // namespace detail

/**
 * @brief The base of all memory resources of upstream RMM's C++ interface.
 *
 * Derive from it and override do_allocate and do_deallocate (and, optionally, do_is_equal)
 * to write a resource of your own, as with upstream RMM. Pass the object by pointer or by
 * rmm::device_async_resource_ref to adaptors, containers and set_current_device_resource();
 * the object must outlive those uses, as upstream requires. (If it dies first, librmm
 * reports later calls as RMM_ERROR_INVALID_ARGUMENT instead of calling a dead object.)
 *
 * librmm's own classes derive from it too and forward to their C resource. A user class's
 * memory is taken to be device accessible; a class that hands out host memory says so with
 * the protected constructor that takes RMM_*_ACCESSIBLE bits (a librmm extension).
 */
class device_memory_resource {
public:
  /** @brief A resource of a derived user class, device accessible. @throws rmm::bad_alloc. */
  device_memory_resource() : device_memory_resource(RMM_DEVICE_ACCESSIBLE) {}
  /** @brief Releases the C resource; a bridged one stops calling this object. */
  virtual ~device_memory_resource()
  {
    detail::registry().remove(mr_, this);
    if (bridge_ != nullptr)
      bridge_->self.store(nullptr);
    rmm_resource_release(mr_);
  }
  /**
   * @brief Copies: a user class's copy gets a C resource of its own; a librmm class's copy
   *        shares the C resource (and so compares equal).
   * @param other the resource to copy.
   */
  device_memory_resource(const device_memory_resource &other) : device_memory_resource(other, 0) {}
  /** @brief As the copy (a bridged C resource stays with the object it calls). @param other the resource. */
  device_memory_resource(device_memory_resource &&other) : device_memory_resource(other, 0) {}
  /**
   * @brief A user class keeps its own C resource; a librmm class takes the other's.
   * @param other the resource. @return *this.
   */
  device_memory_resource &operator=(const device_memory_resource &other)
  {
    if (this != &other && bridge_ == nullptr && other.bridge_ == nullptr) {
      detail::registry().remove(mr_, this);
      rmm_resource_t *old = std::exchange(mr_, rmm_resource_retain(other.mr_));
      detail::registry().add(mr_, this);
      rmm_resource_release(old);
    }
    return *this;
  }
  /** @brief As the copy assignment. @param other the resource. @return *this. */
  device_memory_resource &operator=(device_memory_resource &&other) { return *this = other; }

  /**
   * @brief Allocates at least @p bytes, 256-byte aligned, ordered on @p stream.
   * @param bytes the size. @param stream the stream.
   * @return the memory.
   * @throws rmm::out_of_memory, rmm::bad_alloc and what the derived class throws.
   */
  void *allocate(std::size_t bytes, cuda_stream_view stream = cuda_stream_view{}) { return do_allocate(bytes, stream); }
  /**
   * @brief Frees memory from allocate().
   * @param ptr the memory. @param bytes the size given to allocate. @param stream the stream.
   */
  void deallocate(void *ptr, std::size_t bytes, cuda_stream_view stream = cuda_stream_view{})
  {
    do_deallocate(ptr, bytes, stream);
  }
  /**
   * @brief Allocates on the default stream with an alignment: the size is rounded up to it.
   * @param bytes the size. @param alignment a power of two. @return the memory.
   */
  void *allocate(std::size_t bytes, std::size_t alignment)
  {
    return do_allocate(rmm::align_up(bytes, alignment), cuda_stream_view{});
  }
  /**
   * @brief Frees memory from allocate(bytes, alignment).
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate(void *ptr, std::size_t bytes, std::size_t alignment)
  {
    do_deallocate(ptr, rmm::align_up(bytes, alignment), cuda_stream_view{});
  }
  /**
   * @brief Stream-ordered allocation with an alignment.
   * @param bytes the size.
   * @param alignment a power of two.
   * @param stream the stream.
   * @return the memory.
   */
  void *allocate_async(std::size_t bytes, std::size_t alignment, cuda_stream_view stream)
  {
    return do_allocate(rmm::align_up(bytes, alignment), stream);
  }
  /** @brief Stream-ordered allocation. @param bytes the size. @param stream the stream. @return the memory. */
  void *allocate_async(std::size_t bytes, cuda_stream_view stream) { return do_allocate(bytes, stream); }
  /**
   * @brief Stream-ordered free with an alignment.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   * @param stream the stream.
   */
  void deallocate_async(void *ptr, std::size_t bytes, std::size_t alignment, cuda_stream_view stream)
  {
    do_deallocate(ptr, rmm::align_up(bytes, alignment), stream);
  }
  /** @brief Stream-ordered free. @param ptr the memory. @param bytes the size. @param stream the stream. */
  void deallocate_async(void *ptr, std::size_t bytes, cuda_stream_view stream) { do_deallocate(ptr, bytes, stream); }
  /** @brief CCCL 3.1's synchronous form. @param bytes the size. @param alignment the alignment. @return the memory. */
  void *allocate_sync(std::size_t bytes, std::size_t alignment) { return allocate(bytes, alignment); }
  /**
   * @brief CCCL 3.1's synchronous free.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate_sync(void *ptr, std::size_t bytes, std::size_t alignment) { deallocate(ptr, bytes, alignment); }
  /**
   * @brief CCCL 3.1's stream-first form.
   * @param stream the stream.
   * @param bytes the size.
   * @param alignment the alignment.
   * @return the memory.
   */
  void *allocate(cuda_stream_view stream, std::size_t bytes, std::size_t alignment)
  {
    return allocate_async(bytes, alignment, stream);
  }
  /**
   * @brief CCCL 3.1's stream-first free.
   * @param stream the stream.
   * @param ptr the memory.
   * @param bytes the size.
   * @param alignment the alignment.
   */
  void deallocate(cuda_stream_view stream, void *ptr, std::size_t bytes, std::size_t alignment)
  {
    deallocate_async(ptr, bytes, alignment, stream);
  }

  /**
   * @brief Whether memory of one may be freed by the other.
   * @param other the other resource.
   * @return do_is_equal(other).
   */
  [[nodiscard]] bool is_equal(const device_memory_resource &other) const noexcept { return do_is_equal(other); }
  /** @brief is_equal(). @param other the other resource. @return the comparison. */
  [[nodiscard]] bool operator==(const device_memory_resource &other) const noexcept { return do_is_equal(other); }
  /** @brief !is_equal(). @param other the other resource. @return the comparison. */
  [[nodiscard]] bool operator!=(const device_memory_resource &other) const noexcept { return !do_is_equal(other); }

  /**
   * @brief The C resource this object owns (a librmm extension): pass it to the C API, or build
   *        an rmm::resource from the object to keep it beyond the object's life.
   * @return the handle, owned by this object.
   */
  rmm_resource_t *resource_handle() const noexcept { return mr_; }

protected:
  /**
   * @brief A user class's resource with the given properties (a librmm extension).
   * @param properties RMM_DEVICE_ACCESSIBLE and/or RMM_HOST_ACCESSIBLE: what containers
   *        over this resource may assume of its memory.
   * @throws rmm::logic_error for unknown bits; rmm::bad_alloc.
   */
  explicit device_memory_resource(unsigned properties);
  /**
   * @brief Takes over a C resource (for librmm's own classes).
   * @param mr a resource whose reference this object now owns.
   */
  device_memory_resource(detail::adopt_t, rmm_resource_t *mr) : mr_(mr) { detail::registry().add(mr_, this); }

private:
  friend struct detail::bridge;
  device_memory_resource(const device_memory_resource &other, int);

  /**
   * @brief Allocates at least @p bytes, 256-byte aligned, ordered on @p stream.
   * @param bytes the size. @param stream the stream.
   * @return the memory.
   */
  virtual void *do_allocate(std::size_t bytes, cuda_stream_view stream) = 0;
  /**
   * @brief Frees memory from do_allocate().
   * @param ptr the memory. @param bytes the size. @param stream the stream.
   */
  virtual void do_deallocate(void *ptr, std::size_t bytes, cuda_stream_view stream) = 0;
  /**
   * @brief Whether memory of one may be freed by the other; by default only the same object.
   * @param other the other resource.
   * @return the comparison.
   */
  virtual bool do_is_equal(const device_memory_resource &other) const noexcept { return this == &other; }

  /* Declared first: the constructors that bridge set it while initialising mr_. */
  detail::bridge_state *bridge_ = nullptr;
  rmm_resource_t *mr_ = nullptr;
};

namespace detail {

/**
 * @brief The C operations of a user class's resource: each calls the object's virtual
 *        function and turns an exception into a status (keeping it for a C++ caller).
 */
struct bridge {
  /** @brief Keeps what was thrown for rmm::detail::throw_status and returns its status. @return the status. */
  static rmm_status_t caught()
  {
    rmm_status_t status = RMM_ERROR_BAD_ALLOC;
    try {
      throw;
    } catch (const rmm::out_of_memory &) {
      status = RMM_ERROR_OUT_OF_MEMORY;
    } catch (const rmm::logic_error &) {
      status = RMM_ERROR_INVALID_ARGUMENT;
    } catch (const rmm::cuda_error &) {
      status = RMM_ERROR_CUDA;
    } catch (...) {
    }
    const char *text = rmm_last_error_message();
    rmm::detail::pending().error = std::current_exception();
    rmm::detail::pending().message_then = text != nullptr ? text : "";
    rmm::detail::pending().source = ops().name;
    return status;
  }
  /** @brief The object, or nullptr once it is gone (with a pending logic_error). @param ctx the state. @return it. */
  static device_memory_resource *self(const void *ctx)
  {
    device_memory_resource *object = static_cast<const bridge_state *>(ctx)->self.load();
    if (object == nullptr) {
      try {
        throw rmm::logic_error("device_memory_resource: the C++ object was destroyed while librmm still used it");
      } catch (...) {
        (void)caught();
      }
    }
    return object;
  }
  /**
   * @brief rmm_resource_ops_t::allocate: calls do_allocate.
   * @param ctx the state. @param ptr receives the memory. @param bytes the size.
   * @param alignment up to 256. @param stream the stream.
   * @return a status.
   */
  static rmm_status_t allocate(void *ctx, void **ptr, std::size_t bytes, std::size_t alignment, rmm_stream_t stream)
  {
    device_memory_resource *object = self(ctx);
    if (object == nullptr)
      return RMM_ERROR_INVALID_ARGUMENT;
    try {
      if (alignment > RMM_ALLOCATION_ALIGNMENT)
        throw rmm::logic_error("device_memory_resource: a user resource guarantees 256-byte alignment only "
                               "(put it under an aligned_resource_adaptor)");
      *ptr = object->do_allocate(bytes, cuda_stream_view(stream));
      if (*ptr == nullptr)
        throw rmm::bad_alloc("device_memory_resource: do_allocate returned nullptr");
      return RMM_SUCCESS;
    } catch (...) {
      return caught();
    }
  }
  /**
   * @brief rmm_resource_ops_t::deallocate: calls do_deallocate.
   * @param ctx the state. @param ptr the memory. @param bytes the size. @param stream the stream.
   * @return a status.
   */
  static rmm_status_t deallocate(void *ctx, void *ptr, std::size_t bytes, std::size_t /*alignment*/,
                                 rmm_stream_t stream)
  {
    device_memory_resource *object = self(ctx);
    if (object == nullptr)
      return RMM_ERROR_INVALID_ARGUMENT;
    try {
      object->do_deallocate(ptr, bytes, cuda_stream_view(stream));
      return RMM_SUCCESS;
    } catch (...) {
      return caught();
    }
  }
  /**
   * @brief rmm_resource_ops_t::is_equal: asks do_is_equal of the first object.
   * @param ctx a state. @param other_ctx another state of the same table.
   * @return the answer.
   */
  static bool is_equal(const void *ctx, const void *other_ctx)
  {
    device_memory_resource *a = static_cast<const bridge_state *>(ctx)->self.load();
    device_memory_resource *b = static_cast<const bridge_state *>(other_ctx)->self.load();
    return a != nullptr && b != nullptr && a->do_is_equal(*b);
  }
  /** @brief rmm_resource_ops_t::destroy: the last C reference is gone. @param ctx the state. */
  static void destroy(void *ctx) { delete static_cast<bridge_state *>(ctx); }

  /** @brief The table. @return the operations every bridged resource shares. */
  static const rmm_resource_ops_t &ops() noexcept
  {
    /* Named fields, the rest zero: the table may grow (struct_size), and later members are optional. */
    static const rmm_resource_ops_t table = [] {
      rmm_resource_ops_t t{};
      t.struct_size = sizeof t;
      t.name = "device_memory_resource";
      t.allocate = allocate;
      t.deallocate = deallocate;
      t.is_equal = is_equal;
      t.destroy = destroy;
      return t;
    }();
    return table;
  }
  /**
   * @brief Makes the C resource of a user object.
   * @param object the object. @param properties RMM_*_ACCESSIBLE bits.
   * @param[out] state receives the state the C resource points to.
   * @return the C resource, with one reference.
   */
  static rmm_resource_t *create(device_memory_resource *object, unsigned properties, bridge_state *&state)
  {
    state = new bridge_state{{object}};
    rmm_resource_t *mr = nullptr;
    rmm_status_t status = rmm_resource_create(&ops(), state, properties, &mr);
    if (status != RMM_SUCCESS) {
      delete state;
      state = nullptr;
      rmm::detail::throw_status(status);
    }
    return mr;
  }
};

} // namespace detail

inline device_memory_resource::device_memory_resource(unsigned properties)
    : mr_(detail::bridge::create(this, properties, bridge_))
{
  detail::registry().add(mr_, this);
}

inline device_memory_resource::device_memory_resource(const device_memory_resource &other, int)
    : mr_(other.bridge_ != nullptr ? detail::bridge::create(this, rmm_resource_properties(other.mr_), bridge_)
                                   : rmm_resource_retain(other.mr_))
{
  detail::registry().add(mr_, this);
}

namespace detail {

/** @brief The C resource of a pointer. @param mr an object or nullptr. @return its handle, NULL for nullptr. */
inline rmm_resource_t *handle_of(const device_memory_resource *mr) noexcept
{
  return mr != nullptr ? mr->resource_handle() : nullptr;
}

/**
 * @brief The base of librmm's own classes: owns a family's C resource and forwards to it.
 */
class librmm_resource : public device_memory_resource {
public:
  /** @brief The resource's family name ("pool", "cuda", ...; a librmm extension). @return a static string. */
  const char *name() const noexcept { return rmm_resource_name(resource_handle()); }
  /** @brief What the resource holds (rmm_resource_get_stats(); a librmm extension). @return the figures. */
  rmm_resource_stats_t stats() const { return rmm::resource::retain(resource_handle()).stats(); }

protected:
  /** @brief Takes over @p mr. @param mr a resource with one reference for this object. */
  explicit librmm_resource(rmm_resource_t *mr) : device_memory_resource(adopt, mr) {}
  /**
   * @brief Runs a constructor with an out-parameter, throwing on failure.
   * @tparam F a callable taking rmm_resource_t **.
   * @param create the call.
   * @return the new C resource.
   */
  template <class F> static rmm_resource_t *make(F &&create)
  {
    return rmm::detail::make(std::forward<F>(create)).release();
  }

private:
  void *do_allocate(std::size_t bytes, cuda_stream_view stream) override
  {
    void *ptr = nullptr;
    rmm::detail::check(rmm_allocate(resource_handle(), &ptr, bytes, stream.value()));
    return ptr;
  }
  void do_deallocate(void *ptr, std::size_t bytes, cuda_stream_view stream) override
  {
    rmm::detail::check(rmm_deallocate(resource_handle(), ptr, bytes, stream.value()));
  }
  bool do_is_equal(const device_memory_resource &other) const noexcept override
  {
    return rmm_resource_is_equal(resource_handle(), other.resource_handle());
  }
};

} // namespace detail
} // namespace mr
} // namespace rmm

#endif
