"""Shared fixtures of the rmm pytest suite.

Most tests run on the CPU over rmm.mr.HostMemoryResource and SimulatedMemoryResource;
the ``gpu`` fixture skips a test with a reason where there is no CUDA device.
"""

import ctypes
import os

import pytest

import rmm
import rmm.mr
from rmm._lib import lib
from rmm.pylibrmm import memory_resource


def _device_count():
    count = ctypes.c_int(0)
    try:
        lib.rmm_get_num_devices(ctypes.byref(count))
    except rmm.RMMError:
        return 0
    return count.value


DEVICE_COUNT = _device_count()


@pytest.fixture
def gpu():
    """Skips the test without a CUDA device."""
    if DEVICE_COUNT == 0:
        pytest.skip("no CUDA device (rmm_get_num_devices reports 0)")
    return DEVICE_COUNT


@pytest.fixture
def host_mr():
    return rmm.mr.HostMemoryResource()


@pytest.fixture
def host_current(host_mr):
    """The host resource as the current device resource, for code that uses the default."""
    rmm.mr.set_current_device_resource(host_mr)
    return host_mr


@pytest.fixture(autouse=True)
def _restore_default_resource():
    """Every test starts and ends with the library's default resource."""
    yield
    for device in list(memory_resource._per_device_mrs):
        rmm.mr.set_per_device_resource(device, None)


def pytest_terminal_summary(terminalreporter):
    """Writes "P passed, F failed, S skipped" for the build's test total."""
    path = os.environ.get("RMM_PYTEST_COUNTS")
    if not path:
        return
    stats = terminalreporter.stats

    passed = len(stats.get("passed", []))
    failed = len(stats.get("failed", [])) + len(stats.get("error", []))
    skipped = len(stats.get("skipped", []))
    with open(path, "w") as f:
        f.write(f"{passed} passed, {failed} failed, {skipped} skipped\n")
