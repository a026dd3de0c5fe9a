"""PyTorch allocating through librmm: its tensors show up in a statistics adaptor set
as the current device resource."""

from example_support import require, require_gpu

import rmm

require_gpu()
torch = require("torch")
if not torch.cuda.is_available():
    from example_support import skip

    skip("PyTorch has no CUDA device")

from rmm.allocators.torch import rmm_torch_allocator  # noqa: E402

# Before PyTorch's first CUDA allocation: the allocator cannot change afterwards.
torch.cuda.memory.change_current_allocator(rmm_torch_allocator)

mr = rmm.mr.StatisticsResourceAdaptor(rmm.mr.ManagedMemoryResource())
rmm.mr.set_current_device_resource(mr)

x = torch.tensor([1, 2]).cuda()
print("tensor:", x.tolist(), "allocation counts:", mr.allocation_counts)
assert mr.allocation_counts["current_bytes"] >= 16
assert mr.allocation_counts["current_count"] >= 1
assert (x + 1).tolist() == [2, 3]
print("OK")
