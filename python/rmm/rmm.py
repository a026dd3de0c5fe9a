"""rmm.reinitialize and what goes with it: the hooks and the initialised state."""

from rmm import _lib
from rmm._sizes import as_c_int, parse_bytes
from rmm.pylibrmm import memory_resource as _mr

__all__ = [
    "RMMError",
    "reinitialize",
    "is_initialized",
    "register_reinitialize_hook",
    "unregister_reinitialize_hook",
]

RMMError = _lib.RMMError

# (function, args, kwargs), called in reverse order of registration before each reinitialize.
_reinitialize_hooks = []


def register_reinitialize_hook(func, *args, **kwargs):
    """Calls ``func(*args, **kwargs)`` at the start of every :func:`reinitialize`, so
    that caches of memory from the old resources can be dropped. Hooks run last
    registered first. Returns ``func``, so this works as a decorator."""
    _reinitialize_hooks.insert(0, (func, args, kwargs))
    return func


def unregister_reinitialize_hook(func):
    """Removes every registration of ``func``."""
    _reinitialize_hooks[:] = [hook for hook in _reinitialize_hooks if hook[0] is not func]


def _build(pool_allocator, managed_memory, initial_pool_size, maximum_pool_size, logging, log_file_name):
    """The resource stack of one device, built with that device current."""
    if managed_memory:
        upstream = _mr.ManagedMemoryResource()
    else:
        upstream = _mr.CudaMemoryResource()
    if pool_allocator:
        mr = _mr.PoolMemoryResource(upstream, initial_pool_size, maximum_pool_size)
    else:
        mr = upstream
    if logging:
        mr = _mr.LoggingResourceAdaptor(mr, log_file_name)
    return mr


def reinitialize(
    pool_allocator=False,
    managed_memory=False,
    initial_pool_size=None,
    maximum_pool_size=None,
    devices=0,
    logging=False,
    log_file_name=None,
):
    """Replaces the resource of each of ``devices`` (an int or a list of ints).

    The stack is cudaMalloc (``managed_memory``: cudaMallocManaged), under a pool when
    ``pool_allocator`` (sizes as ints or strings such as "1GiB"; the initial size
    defaults to half the free memory, the maximum to none), under a logging adaptor
    writing ``log_file_name`` (else RMM_LOG_FILE) with ".dev<N>" before the
    extension when ``logging``. Registered hooks run first.
    """
    # Bad arguments are refused before anything changes (hooks included).
    if initial_pool_size is not None:
        initial_pool_size = parse_bytes(initial_pool_size)
    if maximum_pool_size is not None:
        maximum_pool_size = parse_bytes(maximum_pool_size)
    device_list = [as_c_int(devices, "devices")] if not isinstance(devices, (list, tuple)) else [
        as_c_int(device, "devices") for device in devices
    ]
    for func, args, kwargs in list(_reinitialize_hooks):
        func(*args, **kwargs)
    if logging and log_file_name is None:
        import os

        if not os.getenv("RMM_LOG_FILE"):
            raise ValueError("RMM log file must be specified either using log_file_name= argument or RMM_LOG_FILE")
    for device in device_list:
        with _mr._on_device(device):
            mr = _build(pool_allocator, managed_memory, initial_pool_size, maximum_pool_size, logging, log_file_name)
        _mr.set_per_device_resource(device, mr)


def is_initialized():
    """Whether the current device has a resource."""
    return _mr.is_initialized()
