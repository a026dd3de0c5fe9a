"""Choosing how memory is allocated: rmm.reinitialize, a managed resource, and a pool
with size strings set as the current device resource."""

from example_support import require_gpu

import rmm

require_gpu()

# One call: a pool over cudaMalloc on device 0.
rmm.reinitialize(pool_allocator=True, initial_pool_size="256MiB")
print("after reinitialize:", type(rmm.mr.get_current_device_resource()).__name__)
assert isinstance(rmm.mr.get_current_device_resource(), rmm.mr.PoolMemoryResource)
buf = rmm.DeviceBuffer(size=1 << 20)
del buf

# Managed memory (cudaMallocManaged) for everything allocated after this.
rmm.mr.set_current_device_resource(rmm.mr.ManagedMemoryResource())
buf = rmm.DeviceBuffer.to_device(b"managed")
assert buf.tobytes() == b"managed"
del buf

# A pool of 256 MiB that may grow to 1 GiB, over cudaMalloc.
pool = rmm.mr.PoolMemoryResource(
    rmm.mr.CudaMemoryResource(),
    initial_pool_size="256MiB",
    maximum_pool_size="1GiB",
)
rmm.mr.set_current_device_resource(pool)
buffers = [rmm.DeviceBuffer(size=1 << 20) for _ in range(8)]
print("pool in use:", type(rmm.mr.get_current_device_resource()).__name__, len(buffers), "buffers of 1 MiB")
assert rmm.mr.get_current_device_resource() is pool
del buffers

# Back to the default (cudaMalloc).
rmm.reinitialize()
print("OK")
