"""Trim, peak resets and the reclaim counters; the expandable pool over host memory."""

import pytest

import rmm
import rmm.mr

MiB = 1 << 20


def test_trim_gives_back_an_idle_arena(host_mr):
    arena = rmm.mr.ArenaMemoryResource(host_mr, arena_size=2 * MiB)
    ptr = arena.allocate(4096)
    assert arena.trim() == 0
    assert arena.get_stats()["bytes_reserved"] == 2 * MiB
    arena.deallocate(ptr, 4096)
    assert arena.trim() == 2 * MiB
    stats = arena.get_stats()
    assert stats["bytes_reserved"] == 0
    assert stats["bytes_trimmed"] == 2 * MiB
    # The arena takes its memory again on the next allocation.
    ptr = arena.allocate(4096)
    assert arena.get_stats()["bytes_reserved"] == 2 * MiB
    arena.deallocate(ptr, 4096)


def test_trim_reaches_through_adaptors(host_mr):
    arena = rmm.mr.ArenaMemoryResource(host_mr, arena_size=2 * MiB)
    top = rmm.mr.StatisticsResourceAdaptor(rmm.mr.LimitingResourceAdaptor(arena, 4 * MiB))
    top.deallocate(top.allocate(100), 100)
    assert top.trim() == 2 * MiB


def test_module_trim_uses_the_current_resource(host_mr):
    arena = rmm.mr.ArenaMemoryResource(host_mr, arena_size=2 * MiB)
    rmm.mr.set_current_device_resource(arena)
    assert rmm.mr.trim() == 2 * MiB
    assert rmm.mr.trim() == 0


def test_resources_without_trim_give_back_nothing(host_mr):
    ptr = host_mr.allocate(1000)
    assert host_mr.trim() == 0
    host_mr.deallocate(ptr, 1000)


def test_reset_peak_restarts_the_stack(host_mr):
    top = rmm.mr.StatisticsResourceAdaptor(host_mr)
    kept = top.allocate(1024)
    top.deallocate(top.allocate(4096), 4096)
    assert top.get_stats()["peak_bytes_in_use"] == 5120
    assert host_mr.get_stats()["peak_bytes_in_use"] >= 5120
    top.reset_peak()
    assert top.get_stats()["peak_bytes_in_use"] == 1024
    assert host_mr.get_stats()["peak_bytes_in_use"] == 1024
    assert top.allocation_counts["peak_bytes"] == 1024
    top.deallocate(kept, 1024)


def test_stats_carry_the_reclaim_counters(host_mr):
    arena = rmm.mr.ArenaMemoryResource(host_mr, arena_size=2 * MiB)
    with pytest.raises(rmm.RMMError):
        arena.allocate(3 * MiB)
    stats = arena.get_stats()
    assert stats["allocation_retries"] == 1
    assert stats["oom_failures"] == 1
    assert stats["flags"] & 0x10  # RMM_STATS_RECLAIM


def _expandable(**kwargs):
    """An expandable pool over host memory."""
    return rmm.mr.ExpandablePoolMemoryResource(host=True, **kwargs)


def test_expandable_options_are_checked():
    with pytest.raises(rmm.RMMError, match="above the reservation"):
        rmm.mr.ExpandablePoolMemoryResource(initial_size="2MiB", reservation="1MiB", host=True)
    with pytest.raises(rmm.RMMError, match="not a device"):
        rmm.mr.ExpandablePoolMemoryResource(device=-5)


def test_expandable_pool_grows_and_trims():
    pool = _expandable(initial_size=MiB, reservation="64MiB")
    assert pool.name == "expandable_pool"
    assert pool.host_accessible and not pool.device_accessible
    kept = pool.allocate(MiB)
    grown = pool.allocate(8 * MiB)
    reserved = pool.get_stats()["bytes_reserved"]
    assert reserved >= 9 * MiB
    pool.deallocate(grown, 8 * MiB)
    assert pool.trim() == reserved - MiB
    assert pool.get_stats()["bytes_reserved"] == MiB
    pool.deallocate(kept, MiB)


def test_expandable_pool_reservation_bounds_it():
    pool = _expandable(reservation="4MiB")
    with pytest.raises(MemoryError):
        pool.allocate(5 * MiB)
    assert pool.get_stats()["oom_failures"] == 1
    pool.deallocate(pool.allocate(4 * MiB), 4 * MiB)


def test_expandable_pool_from_spec():
    pool = rmm.mr.resource_from_spec("expandable_pool(initial=1MiB, reservation=8MiB, host=true)")
    assert pool.get_stats()["bytes_reserved"] == MiB
