"""Memory snapshots in the layout of PyTorch's ``torch.cuda.memory._snapshot()``.

librmm writes a snapshot of a resource stack as JSON (``rmm_resource_snapshot``, see
doc/snapshots.md). :func:`raw_snapshot` returns that document as a dict;
:func:`memory_snapshot` turns it into PyTorch's layout (``segments`` with ``blocks``,
``device_traces``), so that :func:`dump_snapshot`'s pickle opens unchanged in
PyTorch's memory_viz page. Segments are the chunks of the topmost sub-allocators of
the stack (a pool over an arena shows the pool's view), and the trace holds the
history events of those resources (see :func:`record_history`).
"""

import json
import pickle
import re
from ctypes import c_size_t, c_void_p

from rmm import _lib
from rmm._sizes import as_size
from rmm.pylibrmm.memory_resource import _require

__all__ = ["memory_snapshot", "dump_snapshot", "raw_snapshot", "record_history", "to_torch_layout"]

# Prototypes where this librmm exports the functions; the calls below reach them
# through _require: an RMMError (RMM_ERROR_NOT_SUPPORTED) where it does not.
_lib.declare("rmm_resource_snapshot", _lib.STATUS, [c_void_p, c_void_p, c_void_p])
_lib.declare("rmm_history_enable", _lib.STATUS, [c_size_t])
_lib.declare("rmm_history_disable", None, [])


def _snapshot(mr, file, options):
    return _require("rmm_resource_snapshot", "memory snapshots")(mr, file, options)


def _history_enable(capacity):
    return _require("rmm_history_enable", "record_history")(capacity)


def _history_disable():
    return _require("rmm_history_disable", "record_history")()


def _handle(mr):
    """The ``rmm_resource_t *`` of ``mr`` (None: the current device resource, NULL)."""
    if mr is None:
        return None
    return mr.handle if hasattr(mr, "handle") else int(mr)


def raw_snapshot(mr=None):
    """librmm's own snapshot of ``mr`` (default: the current device resource) as a dict."""
    text = _lib.write_to_string(lambda stream: _snapshot(_handle(mr), stream, None))
    return json.loads(text)


def record_history(max_entries=100000):
    """Records the last ``max_entries`` allocation events (0 or None stops recording)."""
    if max_entries:
        _history_enable(as_size(max_entries, "max_entries"))
    else:
        _history_disable()


_SYMBOL = re.compile(r"^(?P<file>[^(]*)\((?P<name>[^)+]*)(?:\+[^)]*)?\)")


def _frame(symbol):
    """A ``backtrace_symbols`` line as a PyTorch frame: {"filename", "line", "name"}."""
    match = _SYMBOL.match(symbol)
    if match is None:
        return {"filename": "??", "line": 0, "name": symbol}
    return {"filename": match["file"] or "??", "line": 0, "name": match["name"] or symbol}


def _ancestors(resources):
    """For each resource index, the indices of the resources above it."""
    parents = {r["index"]: [] for r in resources}
    for r in resources:
        below = ([r["upstream"]] if r["upstream"] is not None else []) + list(r["held"])
        for child in below:
            parents[child].append(r["index"])
    result = {}
    for index in parents:
        seen, todo = set(), list(parents[index])
        while todo:
            parent = todo.pop()
            if parent not in seen:
                seen.add(parent)
                todo.extend(parents[parent])
        result[index] = seen
    return result


def _shown(resources):
    """The sub-allocators whose chunks become segments: those with none above them."""
    with_chunks = {r["index"] for r in resources if r.get("chunks")}
    ancestors = _ancestors(resources)
    return [r for r in resources if r["index"] in with_chunks and not (ancestors[r["index"]] & with_chunks)]


def _segment(resource, chunk):
    blocks = []
    for b in chunk["blocks"]:
        blocks.append(
            {
                "address": b["address"],
                "size": b["size"],
                "requested_size": b["requested"],
                "state": "active_allocated" if b["allocated"] else "inactive",
                "frames": [_frame(f) for f in b["frames"]],
            }
        )
    allocated = sum(b["size"] for b in blocks if b["state"] == "active_allocated")
    streams = [b["stream"] for b in chunk["blocks"] if b["allocated"]]
    return {
        "device": max(chunk["device"], 0),
        "address": chunk["address"],
        "total_size": chunk["size"],
        "allocated_size": allocated,
        "active_size": allocated,
        "requested_size": sum(b["requested_size"] for b in blocks if b["state"] == "active_allocated"),
        "stream": streams[0] if streams else 0,
        "segment_type": "large" if chunk["size"] > (1 << 20) else "small",
        "segment_pool_id": (0, 0),
        "is_expandable": False,
        "frames": [],
        "blocks": blocks,
        "resource": resource["name"],
    }


_ACTIONS = {
    "alloc": ["alloc"],
    "free": ["free_requested", "free_completed"],
    "grow": ["segment_alloc"],
    "trim": ["segment_free"],
    "oom": ["oom"],
}


def _traces(raw, shown, devices):
    """The history of the shown resources as PyTorch's device_traces, one list per device."""
    device_of = {}
    for r in shown:
        for chunk in r["chunks"]:
            device_of.setdefault(r["address"], max(chunk["device"], 0))
    count = max([0] + list(device_of.values())) + 1
    traces = [[] for _ in range(max(count, devices))]
    history = raw.get("history") or {"events": []}
    for e in history["events"]:
        if e["resource_address"] not in device_of:
            continue
        for action in _ACTIONS.get(e["action"], []):
            entry = {
                "action": action,
                "addr": e["address"],
                "size": e["size"],
                "stream": e["stream"],
                "time_us": e["time_ns"] // 1000,
                "frames": [],
            }
            if action == "oom":
                entry["device_free"] = 0
            traces[device_of[e["resource_address"]]].append(entry)
    return traces


def to_torch_layout(raw):
    """Converts librmm's snapshot dict to PyTorch's snapshot layout."""
    shown = _shown(raw["resources"])
    segments = [_segment(r, chunk) for r in shown for chunk in r["chunks"]]
    devices = max([0] + [s["device"] for s in segments]) + 1
    return {
        "segments": segments,
        "device_traces": _traces(raw, shown, devices),
        "allocator_settings": {"librmm_version": raw.get("librmm_version", "")},
    }


def memory_snapshot(mr=None):
    """A snapshot of ``mr`` (default: the current device resource) laid out as
    PyTorch's ``torch.cuda.memory._snapshot()`` lays out its own."""
    return to_torch_layout(raw_snapshot(mr))


def dump_snapshot(filename="dump_snapshot.pickle", mr=None):
    """Pickles :func:`memory_snapshot` to ``filename``, for PyTorch's memory_viz viewer."""
    with open(filename, "wb") as f:
        pickle.dump(memory_snapshot(mr), f)
