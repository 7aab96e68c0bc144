"""The fault soak on the golden model: fixed seeds, every fault class, nothing lost.

Also negative controls: the soak's checks must catch a copy path that lets an exception
through, a move phase that forgets to restore PTEs, and a write outside the allowed pages.
"""
import asyncio

import pytest

from harness import soak
from harness.copy_paths import DmaMigrator
from harness.mm import Kernel

SEEDS = range(0, 200)


def run_seeds(seeds):
    return soak.summarize([asyncio.run(soak.run_case_on_model(soak.draw_case(s)))
                           for s in seeds])


def test_fixed_seeds_lose_nothing_and_cover_every_fault_class():
    s = run_seeds(SEEDS)
    assert not soak.failed(s), s["failing"][:3]
    assert all(s["faults"][c] > 0 for c in soak.FAULT_CLASSES), s["faults"]
    for key in ("resets", "aborts", "timeouts", "dead_devices", "quarantined", "not_migrated"):
        assert s[key] > 0, key
    assert s["migrated"] + s["not_migrated"] == s["folios"]


def test_draw_case_is_deterministic():
    assert soak.draw_case(7) == soak.draw_case(7)
    assert soak.draw_case(7) != soak.draw_case(8)


def _dead_seed():
    """A seed whose device dies (a reset that cannot complete)."""
    for seed in SEEDS:
        res = asyncio.run(soak.run_case_on_model(soak.draw_case(seed)))
        if res["dead_devices"] and res["quarantined"]:
            return seed, res
    raise AssertionError("no seed kills the device")


def test_dead_device_quarantines_and_later_copies_go_to_the_cpu():
    seed, res = _dead_seed()
    assert not soak.failed(res), res["problems"]
    case = soak.draw_case(seed)
    assert case.mode.startswith("batch_dma")


def test_negative_control_escaping_exception_is_counted(monkeypatch):
    async def broken(self, n):
        raise RuntimeError("recovery bug")
    monkeypatch.setattr(DmaMigrator, "recover", broken)
    s = run_seeds(SEEDS[:60])
    assert s["errors"] > 0 and soak.failed(s)


def test_negative_control_unrestored_ptes_are_caught(monkeypatch):
    async def no_undo(self, src, page_was_mapped, ret):
        if ret is not None:
            ret.append(src)                       # forgets remove_migration_ptes(src, src)
    monkeypatch.setattr(Kernel, "migrate_folio_undo_src", no_undo)
    s = run_seeds(SEEDS[:60])
    assert s["lost"] > 0 and soak.failed(s)   # the unmapped folio is freed by its putback


def test_negative_control_folio_left_isolated_is_half_migrated(monkeypatch):
    async def no_putback(self, folios):
        folios.clear()                            # forgets putback_movable_pages()
    monkeypatch.setattr(Kernel, "putback_movable_pages", no_putback)
    s = run_seeds(SEEDS[:60])
    assert s["half_migrated"] > 0 and soak.failed(s)


def test_negative_control_stray_write_is_counted(monkeypatch):
    orig = soak.free_ranges

    def narrower(kernel, node):                  # the first free page may not be written
        ranges = orig(kernel, node)
        lo, hi = ranges[0]
        return [(lo + 4096, hi)] + ranges[1:]
    monkeypatch.setattr(soak, "free_ranges", narrower)
    s = run_seeds(SEEDS[:10])
    assert s["stray_writes"] > 0 and soak.failed(s)


@pytest.mark.parametrize("key", soak.FAILURE_KEYS)
def test_summary_fails_on_each_failure_key(key):
    res = asyncio.run(soak.run_case_on_model(soak.draw_case(1)))
    res[key] = 1
    assert soak.failed(soak.summarize([res]))
