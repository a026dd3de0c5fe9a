"""Memory statistics and the memory profiler (upstream RMM's ``rmm.statistics``).

Statistics are kept by a :class:`rmm.mr.StatisticsResourceAdaptor` set as the current
device resource: :func:`enable_statistics` puts one on top of the current resource, and
the other functions read its counters or open and close nested scopes of them
(:func:`push_statistics`, :func:`pop_statistics`, :func:`statistics`). Every function
acts on the current device's resource.

The profiler records, per function or code block, how many times it ran and the peak and
total bytes and allocations it made (each run is a scope of its own, so nested profiled
code counts in the outer one too)::

    @rmm.statistics.profiler()
    def step():
        ...

    with rmm.statistics.statistics():
        step()
        with rmm.statistics.profiler(name="setup"):
            ...
    print(rmm.statistics.default_profiler_records.report())
"""

import functools
import inspect
import os
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

import rmm.mr

__all__ = [
    "ProfilerRecords",
    "Statistics",
    "default_profiler_records",
    "enable_statistics",
    "get_statistics",
    "pop_statistics",
    "profiler",
    "push_statistics",
    "statistics",
]


@dataclass
class Statistics:
    """The counters of one scope of a statistics adaptor.

    ``current_*`` is what is allocated now, ``peak_*`` the most that was at once and
    ``total_*`` everything allocated, in bytes and in allocations.
    """

    current_bytes: int = 0
    current_count: int = 0
    peak_bytes: int = 0
    peak_count: int = 0
    total_bytes: int = 0
    total_count: int = 0

    @classmethod
    def _from(cls, counts):
        """Builds one from the adaptor's counters, given as a mapping or as attributes."""
        if isinstance(counts, cls):
            return counts
        names = [f for f in cls.__dataclass_fields__]
        if isinstance(counts, dict):
            return cls(**{n: int(counts[n]) for n in names})
        return cls(**{n: int(getattr(counts, n)) for n in names})


def _statistics_resource():
    """The current device resource when it is a statistics adaptor, else None."""
    mr = rmm.mr.get_current_device_resource()
    return mr if isinstance(mr, rmm.mr.StatisticsResourceAdaptor) else None


def enable_statistics():
    """Sets a statistics adaptor over the current device resource as the current one.

    Does nothing when the current resource is a statistics adaptor already. Memory
    allocated before the call is not counted; freeing it through the adaptor makes
    the current counters go below zero.
    """
    if _statistics_resource() is None:
        rmm.mr.set_current_device_resource(
            rmm.mr.StatisticsResourceAdaptor(rmm.mr.get_current_device_resource())
        )


def get_statistics():
    """The counters of the innermost scope, as a :class:`Statistics`.

    Returns None when statistics are not enabled (the current device resource is not a
    statistics adaptor).
    """
    mr = _statistics_resource()
    return None if mr is None else Statistics._from(mr.allocation_counts)


def push_statistics():
    """Opens a new scope of counters, all zero, and returns the counters it hides.

    Returns None, and does nothing, when statistics are not enabled.
    """
    mr = _statistics_resource()
    return None if mr is None else Statistics._from(mr.push_counters())


def pop_statistics():
    """Closes the innermost scope and returns its counters.

    The outer scope takes in what happened in the closed one, as if it had happened
    there (its peak is measured from the outer current value). Returns None when
    statistics are not enabled; raises when only the outermost scope is left.
    """
    mr = _statistics_resource()
    return None if mr is None else Statistics._from(mr.pop_counters())


@contextmanager
def statistics():
    """A scope of statistics for the block.

    With statistics enabled, pushes a scope on entry and pops it on exit. Otherwise
    enables them for the block and restores the previous current device resource on
    exit. The current resource must be the same on exit as on entry (else ValueError),
    since the scope belongs to it.
    """
    previous = None
    if push_statistics() is None:
        previous = rmm.mr.get_current_device_resource()
        enable_statistics()
    inside = rmm.mr.get_current_device_resource()
    try:
        yield
    finally:
        if rmm.mr.get_current_device_resource() is not inside:
            raise ValueError(
                "rmm.statistics.statistics(): the current device resource was "
                "changed inside the block"
            )
        if previous is None:
            pop_statistics()
        else:
            rmm.mr.set_current_device_resource(previous)


class ProfilerRecords:
    """What the profiler measured, per function or code block name. Thread-safe."""

    @dataclass
    class MemoryRecord:
        """Runs of one function or block: their number, the largest peak bytes and
        allocations of a run, and the bytes and allocations of all runs together.

        Records compare by upstream's three fields (calls and bytes); the allocation
        counts are extra and left out of ``==``."""

        num_calls: int = 0
        memory_total: int = 0
        memory_peak: int = 0
        count_total: int = field(default=0, compare=False)
        count_peak: int = field(default=0, compare=False)

        def add(self, memory_total, memory_peak, count_total=0, count_peak=0):
            """Adds one run."""
            self.num_calls += 1
            self.memory_total += memory_total
            self.memory_peak = max(self.memory_peak, memory_peak)
            self.count_total += count_total
            self.count_peak = max(self.count_peak, count_peak)

    _ORDERS = ("num_calls", "memory_peak", "memory_total", "count_peak", "count_total")

    def __init__(self):
        self._lock = threading.Lock()
        self._records = defaultdict(ProfilerRecords.MemoryRecord)

    def add(self, name, data):
        """Adds one run of ``name`` with the :class:`Statistics` of its scope."""
        data = Statistics._from(data)
        with self._lock:
            self._records[name].add(
                memory_total=data.total_bytes,
                memory_peak=data.peak_bytes,
                count_total=data.total_count,
                count_peak=data.peak_count,
            )

    @property
    def records(self):
        """A copy of the records: a dict from name to :class:`MemoryRecord`."""
        with self._lock:
            return {n: ProfilerRecords.MemoryRecord(**vars(r)) for n, r in self._records.items()}

    def clear(self):
        """Forgets every record."""
        with self._lock:
            self._records.clear()

    def report(self, ordered_by="memory_peak"):
        """A text table of the records, largest first by ``ordered_by`` (one of
        num_calls, memory_peak, memory_total, count_peak, count_total)."""
        if ordered_by not in self._ORDERS:
            raise ValueError(f"ordered_by must be one of {', '.join(self._ORDERS)}, not {ordered_by!r}")
        records = self.records
        lines = ["Memory Profiling", "================", ""]
        if not records:
            lines.append("No data, maybe profiling wasn't enabled?")
            return "\n".join(lines)
        lines += [
            "Legends:",
            "  ncalls       - number of times the function or code block was called",
            "  memory_peak  - peak memory allocated in function or code block (in bytes)",
            "  memory_total - total memory allocated in function or code block (in bytes)",
            "  count_peak   - peak number of allocations alive in function or code block",
            "  count_total  - total number of allocations in function or code block",
            "",
            f"Ordered by: {ordered_by}",
            "",
            "ncalls     memory_peak    memory_total  count_peak  count_total  filename:lineno(function)",
        ]
        ranked = sorted(records.items(), key=lambda item: getattr(item[1], ordered_by), reverse=True)
        for name, r in ranked:
            lines.append(
                f"{r.num_calls:6,d} {r.memory_peak:15,d} {r.memory_total:15,d} "
                f"{r.count_peak:11,d} {r.count_total:12,d}  {name}"
            )
        return "\n".join(lines)

    def __str__(self):
        return self.report()


default_profiler_records = ProfilerRecords()


def _get_descriptive_name_of_object(obj):
    """The name the profiler gives the records of a function (or of the block that starts
    at a frame): ``file:line(qualified name)``, the same for a profiled function and
    the function it wraps."""
    return _describe(obj)


def _describe(obj):
    """``file:line(name)`` of a function or a frame, as the profiler names records."""
    if inspect.isframe(obj):
        code = obj.f_code
        return f"{code.co_filename}:{obj.f_lineno}({code.co_name})"
    target = inspect.unwrap(obj)
    try:
        filename = os.path.abspath(inspect.getsourcefile(target) or inspect.getfile(target))
        line = inspect.getsourcelines(target)[1]
    except (OSError, TypeError):
        return getattr(target, "__qualname__", repr(target))
    return f"{filename}:{line}({target.__qualname__})"


class _Profiler:
    """The object :func:`profiler` returns: a decorator and a context manager."""

    def __init__(self, records, name):
        self._records = records
        self._name = name
        self._local = threading.local()

    def __call__(self, func):
        name = self._name or _describe(func)
        records = self._records

        @functools.wraps(func)
        def profiled(*args, **kwargs):
            push_statistics()
            try:
                return func(*args, **kwargs)
            finally:
                counts = pop_statistics()
                if counts is not None:
                    records.add(name, counts)

        return profiled

    def __enter__(self):
        push_statistics()
        # The block's name is where it starts; keep it per thread for nested or shared use.
        where = self._name or _describe(inspect.currentframe().f_back)
        self._local.__dict__.setdefault("names", []).append(where)
        return self

    def __exit__(self, *exc):
        where = self._local.names.pop()
        counts = pop_statistics()
        if counts is not None:
            self._records.add(where, counts)
        return False


def profiler(func=None, *, records=default_profiler_records, name=""):
    """Profiles the memory use of a function (decorator) or a block (context manager).

    Each call or block runs in a statistics scope of its own and its counters are added
    to ``records`` under ``name`` (by default ``file:line(function)`` of the function or
    of the line that opens the block). Nothing is recorded while statistics are not
    enabled (see :func:`enable_statistics`, :func:`statistics`).

    Usable as ``@profiler``, ``@profiler(name=...)`` or ``with profiler(name=...):``.
    """
    if func is not None:
        if not callable(func):
            raise TypeError("profiler() takes a function, or keyword arguments only")
        return _Profiler(records, name)(func)
    return _Profiler(records, name)
