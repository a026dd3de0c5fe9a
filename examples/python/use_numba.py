"""Numba device arrays through librmm with the EMM plugin.

The same works without code by starting Python with
NUMBA_CUDA_MEMORY_MANAGER=rmm.allocators.numba.
"""

from example_support import require, require_gpu

import rmm

require_gpu()
require("numba.cuda")
import numpy as np  # noqa: E402  (numba needs numpy)
from numba import cuda  # noqa: E402

from rmm.allocators.numba import RMMNumbaManager  # noqa: E402

cuda.set_memory_manager(RMMNumbaManager)

stats = rmm.mr.StatisticsResourceAdaptor(rmm.mr.CudaMemoryResource())
rmm.mr.set_current_device_resource(stats)

host = np.arange(1024, dtype=np.float32)
d = cuda.to_device(host)
print("numba array of", d.nbytes, "bytes; allocation counts:", stats.allocation_counts)
assert stats.allocation_counts["current_bytes"] >= host.nbytes
assert (d.copy_to_host() == host).all()
del d
print("OK")
