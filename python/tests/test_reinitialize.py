"""rmm.reinitialize and its hooks. Without a GPU the stacks are built (leaf resources
make no CUDA call until they allocate) but not used."""

import csv

import pytest

import rmm
import rmm.mr
from conftest import DEVICE_COUNT


@pytest.fixture(autouse=True)
def _no_hooks():
    from rmm import rmm as core

    saved = list(core._reinitialize_hooks)
    yield
    core._reinitialize_hooks[:] = saved


def test_plain_reinitialize_sets_a_cuda_resource(host_current):
    rmm.reinitialize()
    assert rmm.mr.get_current_device_resource_type() is rmm.mr.CudaMemoryResource
    assert rmm.is_initialized()


def test_managed_memory(host_current):
    rmm.reinitialize(managed_memory=True)
    assert rmm.mr.get_current_device_resource_type() is rmm.mr.ManagedMemoryResource


def test_logging_wraps_the_stack(tmp_path, host_current):
    rmm.reinitialize(logging=True, log_file_name=str(tmp_path / "log.csv"), devices=[0])
    mr = rmm.mr.get_current_device_resource()
    assert isinstance(mr, rmm.mr.LoggingResourceAdaptor)
    assert isinstance(mr.upstream_mr, rmm.mr.CudaMemoryResource)
    assert rmm.mr.get_log_filenames() == {0: str(tmp_path / "log.dev0.csv")}
    mr.flush()
    with open(tmp_path / "log.dev0.csv") as f:
        assert next(csv.reader(f)) == ["Thread", "Time", "Action", "Pointer", "Size", "Stream"]


def test_logging_needs_a_file_name(monkeypatch, host_current):
    monkeypatch.delenv("RMM_LOG_FILE", raising=False)
    with pytest.raises(ValueError):
        rmm.reinitialize(logging=True)
    assert rmm.mr.get_current_device_resource() is host_current


def test_hooks_run_first_last_registered_first(host_current):
    calls = []
    seen = []

    def first(tag, *, extra):
        calls.append(("first", tag, extra))
        seen.append(rmm.mr.get_current_device_resource())

    def second():
        calls.append(("second",))

    rmm.register_reinitialize_hook(first, "a", extra=1)
    assert rmm.register_reinitialize_hook(second) is second
    rmm.reinitialize()
    assert calls == [("second",), ("first", "a", 1)]
    # Hooks run before the old resource is replaced.
    assert seen[0] is host_current
    rmm.unregister_reinitialize_hook(second)
    calls.clear()
    rmm.reinitialize()
    assert calls == [("first", "a", 1)]
    rmm.unregister_reinitialize_hook(first)
    calls.clear()
    rmm.reinitialize()
    assert calls == []


def test_pool_without_device_fails_and_keeps_the_resource(host_current):
    if DEVICE_COUNT:
        pytest.skip("there is a device (see test_gpu)")
    with pytest.raises(rmm.RMMError):
        rmm.reinitialize(pool_allocator=True)
    assert rmm.mr.get_current_device_resource() is host_current


def test_missing_device_is_refused(host_current):
    with pytest.raises(rmm.RMMError, match="does not exist"):
        rmm.reinitialize(devices=[max(DEVICE_COUNT, 1)])
    assert rmm.mr.get_current_device_resource() is host_current


def test_logging_level_round_trip():
    old = rmm.get_logging_level()
    try:
        rmm.set_logging_level(rmm.level_enum.warn)
        assert rmm.get_logging_level() is rmm.level_enum.warn
        assert rmm.should_log(rmm.level_enum.error)
        assert not rmm.should_log(rmm.level_enum.info)
        rmm.set_logging_level(rmm.level_enum.trace)
        assert rmm.get_logging_level() == 0
        rmm.flush_logger()
    finally:
        rmm.set_logging_level(old)


def test_version():
    assert rmm.__version__.count(".") == 2
    assert rmm.__version__.split(".")[0].isdigit()
