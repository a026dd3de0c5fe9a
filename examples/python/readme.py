"""The Python lines of the README, run as they are written there (test_examples.py
checks that every one of them appears here), with checks of what they promise."""

import os

from example_support import require_gpu

require_gpu()

# ---- README ----
import rmm
rmm.reinitialize(pool_allocator=True, initial_pool_size="1GiB")
buf = rmm.DeviceBuffer(size=100)
with rmm.statistics.statistics():
    counted = rmm.DeviceBuffer(size=100)
    print(rmm.statistics.get_statistics().current_bytes)  # 112: rounded to 16, as upstream
rmm.enable_logging(log_file_name="/tmp/rmm_log.csv")  # writes /tmp/rmm_log.dev0.csv
rmm.disable_logging()
# ---- end of README ----

assert isinstance(rmm.mr.get_current_device_resource(), rmm.mr.PoolMemoryResource)
assert buf.size == 100 and buf.ptr != 0
with rmm.statistics.statistics():
    again = rmm.DeviceBuffer(size=100)
    assert rmm.statistics.get_statistics().current_bytes == 112
assert os.path.exists("/tmp/rmm_log.dev0.csv")
os.remove("/tmp/rmm_log.dev0.csv")
del buf, counted, again
rmm.reinitialize()
print("OK")
