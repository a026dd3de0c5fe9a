"""Memory snapshots: librmm's JSON read back field by field, PyTorch's layout, the
pickle for memory_viz, the history as device_traces, and the snapshot map (SVG).
All over host memory: no GPU needed."""

import os
import pickle
import xml.etree.ElementTree as ET

import pytest

import rmm
import rmm.mr
from rmm import _snapshot, snapshot_svg

KiB = 1 << 10
MiB = 1 << 20
# Python asks resources for sizes rounded to 16 bytes, as upstream's layer does.
from rmm.pylibrmm.memory_resource import request_size  # noqa: E402

S1 = 0x1000  # a fake stream handle: any value serves over a host-only upstream


def _by_name(raw, name):
    found = [r for r in raw["resources"] if r["name"] == name]
    assert len(found) == 1, [r["name"] for r in raw["resources"]]
    return found[0]


def _check_invariants(resource):
    """What holds for every sub-allocator: blocks tile their chunks, and the statistics
    agree with the blocks."""
    stats = resource["stats"]
    assert len(resource["chunks"]) == stats["upstream_chunks"]
    assert sum(c["size"] for c in resource["chunks"]) == stats["bytes_reserved"]
    free = []
    for chunk in resource["chunks"]:
        at = chunk["address"]
        for block in chunk["blocks"]:
            assert block["address"] == at, "blocks must tile their chunk in address order"
            at += block["size"]
            if not block["allocated"]:
                free.append(block["size"])
        assert at == chunk["address"] + chunk["size"]
    assert len(free) == stats["free_blocks"]
    assert sum(free) == stats["free_bytes"]
    assert max(free, default=0) == stats["largest_free_block"]
    assert "unplaced_blocks" not in resource


def _arena_stack():
    host = rmm.mr.HostMemoryResource()
    arena = rmm.mr.ArenaMemoryResource(host, 4 * MiB)
    tracking = rmm.mr.TrackingResourceAdaptor(arena, capture_stacks=True)
    return host, arena, tracking


def test_arena_snapshot_field_by_field():
    host, arena, tracking = _arena_stack()
    a = tracking.allocate(1000, S1)
    b = tracking.allocate(5000, S1)
    c = tracking.allocate(2 * MiB)
    tracking.deallocate(a, 1000, S1)
    raw = _snapshot.raw_snapshot(tracking)

    assert raw["format"] == "librmm-snapshot"
    assert raw["format_version"] == 1
    assert raw["librmm_version"] == rmm.__version__
    assert [r["name"] for r in raw["resources"]] == ["tracking", "arena", "host"]
    assert [r["upstream"] for r in raw["resources"]] == [1, 2, None]
    assert [r["address"] for r in raw["resources"]] == [tracking.handle, arena.handle, host.handle]

    top = raw["resources"][0]
    assert sorted((x["address"], x["size"], x["stream"]) for x in top["allocations"]) == [
        (b, request_size(5000), S1),
        (c, 2 * MiB, 0),
    ]
    assert "chunks" not in top

    r = _by_name(raw, "arena")
    assert r["stats"]["bytes_in_use"] == 5120 + 2 * MiB
    (chunk,) = r["chunks"]
    base = a  # the first block of a fresh arena starts its global arena
    assert (chunk["address"], chunk["size"], chunk["device"]) == (base, 4 * MiB, -1)
    fields = [(x["address"], x["size"], x["requested"], x["allocated"], x["stream"]) for x in chunk["blocks"]]
    assert fields == [
        (base, 1024, 1024, False, S1),
        (base + 1024, 5120, request_size(5000), True, S1),
        (base + 6144, MiB - 6144, MiB - 6144, False, S1),
        (base + MiB, 2 * MiB, 2 * MiB, True, 0),
        (base + 3 * MiB, MiB, MiB, False, 0),
    ]
    # The tracked call stacks reach the blocks; free blocks have none.
    assert chunk["blocks"][1]["frames"] and all(isinstance(f, str) for f in chunk["blocks"][1]["frames"])
    assert chunk["blocks"][0]["frames"] == []
    _check_invariants(r)
    assert raw["history"] is None
    tracking.deallocate(b, 5000, S1)
    tracking.deallocate(c, 2 * MiB)


def test_pool_over_host_snapshot():
    """The pool's snapshot: its chunks, and every live and free block in them."""
    host = rmm.mr.HostMemoryResource()
    pool = rmm.mr.PoolMemoryResource(host, MiB)
    tracking = rmm.mr.TrackingResourceAdaptor(pool)
    a = tracking.allocate(1000, S1)
    b = tracking.allocate(3000, S1)
    c = tracking.allocate(2 * MiB)
    tracking.deallocate(a, 1000, S1)
    raw = _snapshot.raw_snapshot(tracking)
    r = _by_name(raw, "pool")
    assert len(r["chunks"]) >= 2  # the initial chunk and one grown for c
    live = {x["address"]: x for ch in r["chunks"] for x in ch["blocks"] if x["allocated"]}
    assert sorted(live) == sorted([b, c])
    assert (live[b]["requested"], live[c]["requested"]) == (request_size(3000), 2 * MiB)
    assert live[b]["size"] >= 3072 and live[c]["size"] >= 2 * MiB
    assert live[b]["stream"] == S1
    freed = [x for ch in r["chunks"] for x in ch["blocks"] if not x["allocated"]]
    assert any(x["address"] <= a < x["address"] + x["size"] for x in freed)
    assert all(ch["device"] == -1 for ch in r["chunks"])
    assert r["stats"]["bytes_in_use"] == sum(x["size"] for x in live.values())
    _check_invariants(r)
    tracking.deallocate(b, 3000, S1)
    tracking.deallocate(c, 2 * MiB)


def test_torch_layout_and_pickle(tmp_path):
    host, arena, tracking = _arena_stack()
    a = tracking.allocate(1000, S1)
    b = tracking.allocate(2 * MiB)
    path = tmp_path / "snapshot.pickle"
    rmm.mr.dump_snapshot(str(path), tracking)
    with open(path, "rb") as f:
        snap = pickle.load(f)
    assert set(snap) >= {"segments", "device_traces"}
    (segment,) = snap["segments"]  # the arena's one chunk: tracking holds none
    for key in ("address", "total_size", "stream", "segment_type", "allocated_size", "active_size", "device"):
        assert key in segment
    assert segment["total_size"] == 4 * MiB
    assert segment["segment_type"] == "large"
    assert segment["resource"] == "arena"
    for block in segment["blocks"]:
        assert set(block) >= {"address", "size", "requested_size", "state", "frames"}
        assert block["state"] in ("active_allocated", "inactive")
    # memory_viz's own consistency checks: the blocks add up to the segment.
    assert sum(x["size"] for x in segment["blocks"]) == segment["total_size"]
    active = [x for x in segment["blocks"] if x["state"] == "active_allocated"]
    assert segment["allocated_size"] == sum(x["size"] for x in active) == 1024 + 2 * MiB
    assert sorted(x["requested_size"] for x in active) == [request_size(1000), 2 * MiB]
    frames = next(x for x in active if x["address"] == a)["frames"]
    assert frames and set(frames[0]) == {"filename", "line", "name"}
    assert isinstance(snap["device_traces"], list) and isinstance(snap["device_traces"][0], list)
    tracking.deallocate(a, 1000, S1)
    tracking.deallocate(b, 2 * MiB)


def test_history_becomes_device_traces():
    _snapshot.record_history(64)
    try:
        host = rmm.mr.HostMemoryResource()
        arena = rmm.mr.ArenaMemoryResource(host, 2 * MiB)
        p = arena.allocate(4 * KiB, S1)
        arena.deallocate(p, 4 * KiB, S1)
        with pytest.raises(rmm.OutOfMemoryError):
            arena.allocate(4 * MiB)
        snap = rmm.mr.memory_snapshot(arena)
    finally:
        _snapshot.record_history(0)
    trace = snap["device_traces"][0]
    assert [e["action"] for e in trace] == ["segment_alloc", "alloc", "free_requested", "free_completed", "oom"]
    assert trace[0]["size"] == 2 * MiB
    alloc, free = trace[1], trace[2]
    assert (alloc["addr"], alloc["size"], alloc["stream"]) == (p, 4 * KiB, S1)
    assert (free["addr"], free["size"]) == (p, 4 * KiB)
    assert trace[-1]["size"] == 4 * MiB and "device_free" in trace[-1]
    assert all({"action", "addr", "size", "stream", "frames", "time_us"} <= set(e) for e in trace)
    times = [e["time_us"] for e in trace]
    assert times == sorted(times)


def test_snapshot_map_svg(tmp_path):
    host, arena, tracking = _arena_stack()
    ptrs = [tracking.allocate(n * KiB) for n in (1, 3, 7, 600)]
    tracking.deallocate(ptrs[1], 3 * KiB)
    snap = rmm.mr.memory_snapshot(tracking)
    json_path = tmp_path / "raw.json"
    json_path.write_text(rmm._lib.write_to_string(lambda s: _snapshot._snapshot(tracking.handle, s, None)))
    out = tmp_path / "map.svg"
    assert snapshot_svg.main([str(json_path), str(out)]) == 0
    root = ET.parse(out).getroot()  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    (segment,) = root.findall(f"{ns}g[@class='segment']")
    blocks = segment.findall(f"{ns}g[@class='block']")
    assert len(blocks) == int(segment.get("data-blocks")) == len(snap["segments"][0]["blocks"])
    pickled = tmp_path / "snap.pickle"
    rmm.mr.dump_snapshot(str(pickled), tracking)
    assert snapshot_svg.load(str(pickled))["segments"] == snap["segments"]
    assert snapshot_svg.main(["only-one-argument"]) == 2
    for n, p in zip((1, 7, 600), (ptrs[0], ptrs[2], ptrs[3])):
        tracking.deallocate(p, n * KiB)


def test_oom_dump_names_the_file(tmp_path, monkeypatch):
    path = tmp_path / "oom.json"
    monkeypatch.setenv("RMM_OOM_DUMP", str(path))
    host = rmm.mr.HostMemoryResource()
    arena = rmm.mr.ArenaMemoryResource(host, MiB)
    with pytest.raises(rmm.OutOfMemoryError) as failure:
        arena.allocate(2 * MiB)
    assert f"(snapshot written to {path})" in str(failure.value)
    assert os.path.exists(path)
    assert snapshot_svg.load(str(path))["segments"][0]["total_size"] == MiB


def test_snapshot_functions_missing_from_librmm_are_not_supported(monkeypatch):
    from rmm import _lib

    missing = {"rmm_resource_snapshot", "rmm_history_enable", "rmm_history_disable"}
    real_has = _lib.has
    monkeypatch.setattr(_lib, "has", lambda name: name not in missing and real_has(name))
    for call in (_snapshot.raw_snapshot, lambda: _snapshot.record_history(8), lambda: _snapshot.record_history(0)):
        with pytest.raises(rmm.RMMError, match="does not provide rmm_") as info:
            call()
        assert info.value.status == _lib.ERROR_NOT_SUPPORTED


@pytest.mark.parametrize(
    "bad, error", [(2.5, TypeError), ("64", TypeError), (-1, OverflowError), (1 << 64, OverflowError)]
)
def test_record_history_takes_a_size(bad, error):
    with pytest.raises(error, match="max_entries"):
        _snapshot.record_history(bad)
