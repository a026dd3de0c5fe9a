"""CuPy allocating through librmm, with a pool as the current resource."""

from example_support import require, require_gpu

import rmm
from rmm.allocators.cupy import rmm_cupy_allocator

require_gpu()
cupy = require("cupy")

rmm.reinitialize(pool_allocator=True, initial_pool_size="64MiB")
stats = rmm.mr.StatisticsResourceAdaptor(rmm.mr.get_current_device_resource())
rmm.mr.set_current_device_resource(stats)
cupy.cuda.set_allocator(rmm_cupy_allocator)

a = cupy.arange(1000, dtype=cupy.float32)
total = float((a * 2).sum())
print("sum:", total, "allocation counts:", stats.allocation_counts)
assert total == 999000.0
assert stats.allocation_counts["total_count"] >= 2

cupy.cuda.set_allocator(None)
del a
print("OK")
