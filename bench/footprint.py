#!/usr/bin/python3
"""Footprint of the sub-allocators over a workload with growing and shrinking phases.

Each phase grows to a number of live blocks of one size mix, then frees most of them
(the survivors are scattered, as long-lived tensors are) and trims the resource, as
PyTorch's empty_cache() would. After every event the resource's bytes reserved (its
footprint) is read. Printed per resource: the peak of bytes in use, the peak footprint
and its excess over that peak, and after each phase's trim the footprint beside what
is live.

    bench/footprint.py                 host memory and simulated devices (no GPU)
    bench/footprint.py --device        device memory, cuda_async beside the pools

Run from a build tree (RMM_LIBRARY and PYTHONPATH as tests/python.sh sets them) or
against the installed package.
"""

import argparse
import random

import rmm

MiB = 1 << 20
GiB = 1 << 30

# (live blocks to reach, smallest size, largest size, fraction kept when shrinking)
PHASES = [
    (2000, 4 * 1024, 1 * MiB, 0.10),
    (600, 1 * MiB, 8 * MiB, 0.05),
    (4000, 256, 64 * 1024, 0.20),
    (300, 4 * MiB, 32 * MiB, 0.0),
]


def workload(seed):
    """The events: ("alloc", id, size) and ("free", id)."""
    rng = random.Random(seed)
    live, events, next_id = [], [], 0
    for target, low, high, keep in PHASES:
        while len(live) < target:
            size = rng.randint(low, high)
            events.append(("alloc", next_id, size))
            live.append(next_id)
            next_id += 1
        rng.shuffle(live)
        survivors = int(len(live) * keep)
        for block in live[survivors:]:
            events.append(("free", block))
        events.append(("trim",))
        live = live[:survivors]
    for block in live:
        events.append(("free", block))
    return events


def replay(mr, events):
    sizes, ptrs, trimmed = {}, {}, []
    in_use = peak_in_use = peak_footprint = 0
    for event in events:
        if event[0] == "trim":
            mr.trim()
            trimmed.append((in_use, mr.get_stats()["bytes_reserved"]))
            continue
        if event[0] == "alloc":
            _, block, size = event
            ptrs[block] = mr.allocate(size)
            sizes[block] = size
            in_use += size
        else:
            block = event[1]
            mr.deallocate(ptrs.pop(block), sizes[block])
            in_use -= sizes.pop(block)
        peak_in_use = max(peak_in_use, in_use)
        peak_footprint = max(peak_footprint, mr.get_stats()["bytes_reserved"])
    return peak_in_use, peak_footprint, trimmed


def resources(device):
    if device:
        yield "pool(cuda)", lambda: rmm.mr.PoolMemoryResource(rmm.mr.CudaMemoryResource(), 0)
        yield "expandable_pool", lambda: rmm.mr.ExpandablePoolMemoryResource()
        yield "arena(cuda, 16GiB)", lambda: rmm.mr.ArenaMemoryResource(rmm.mr.CudaMemoryResource(), 16 * GiB)
        yield "cuda_async", lambda: rmm.mr.CudaAsyncMemoryResource()
    else:
        yield "pool(simulated)", lambda: rmm.mr.PoolMemoryResource(rmm.mr.SimulatedMemoryResource(64 * GiB), 0)
        yield "expandable_pool(host)", lambda: rmm.mr.ExpandablePoolMemoryResource(reservation=64 * GiB, host=True)
        yield "arena(simulated, 16GiB)", lambda: rmm.mr.ArenaMemoryResource(
            rmm.mr.SimulatedMemoryResource(64 * GiB), 16 * GiB
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", action="store_true", help="device memory (needs a GPU)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    events = workload(args.seed)
    print(f"{len(events)} events in {len(PHASES)} phases (seed {args.seed})\n")
    print("| resource | peak in use | peak footprint | excess | after each phase's trim: footprint / live (MiB) |")
    print("|---|---|---|---|---|")
    for name, make in resources(args.device):
        mr = make()
        peak, footprint, trimmed = replay(mr, events)
        excess = 100.0 * (footprint - peak) / peak
        phases = ", ".join(f"{held / MiB:,.0f} / {live / MiB:,.0f}" for live, held in trimmed)
        print(f"| {name} | {peak / MiB:,.1f} MiB | {footprint / MiB:,.1f} MiB | {excess:.1f}% | {phases} |")


if __name__ == "__main__":
    main()
