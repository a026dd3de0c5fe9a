"""rmm.DeviceBuffer: uninitialised device memory, and copies to and from the host."""

from example_support import require_gpu

import rmm

require_gpu()

# 100 bytes of device memory from the current device resource.
buf = rmm.DeviceBuffer(size=100)
print("size:", buf.size, "ptr:", hex(buf.ptr))
assert buf.size == 100 and buf.ptr != 0

# A copy of host bytes on the device, and back.
data = bytes(range(24))
buf = rmm.DeviceBuffer.to_device(data)
assert buf.size == 24
assert buf.tobytes() == data

try:
    import numpy as np
except ImportError:
    np = None
if np is not None:
    a = np.array([1, 2, 3], dtype="float64")
    buf = rmm.DeviceBuffer.to_device(a.tobytes())
    print("from numpy:", buf.size, "bytes ->", np.frombuffer(buf.tobytes()))
    assert (np.frombuffer(buf.tobytes()) == a).all()
print("OK")
