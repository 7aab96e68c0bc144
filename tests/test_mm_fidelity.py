"""The mm model against the kernel it names (harness/mm/__init__.py): one test per kernel
behaviour, each asserting that kernel's result. Pure Python, on the golden model
(harness.golden.ModelDevice + harness.assemble.make_kernel)."""
from __future__ import annotations

import asyncio
import errno

import pytest

from harness import mm as M
from harness.assemble import make_kernel
from harness.costs import DEFAULT_COSTS, VARIANTS, Costs, with_overrides
from harness.driver import Driver
from harness.golden import ModelDevice
from harness.jobspec import Job
from harness.mm import PTE, MigrateReason, MigrateStats

pytestmark = pytest.mark.fidelity

PAGE = 4096
VA = 0x4000_0000


def run(coro):
    return asyncio.run(coro)


def kernel(path="generic", nr_nodes=3, costs=DEFAULT_COSTS):
    async def go():
        dev = ModelDevice(mem_bytes=nr_nodes * (16 << 20), nr_nodes=nr_nodes)
        drv = None
        if path.startswith("batch_dma"):
            drv = Driver(dev)
            await drv.probe()
        return dev, make_kernel(dev, path, driver=drv, costs=costs)
    return run(go())


async def populate(k, n, order=0, node=1, va=VA, anon=True):
    mm = k.mm_alloc()
    return mm, await k.mmap(mm, va, n << order, node=node, order=order, anon=anon)


def isolate(k, folios):
    return [f for f in folios if k.isolate_folio(f)]


def count_calls(k, name):
    calls = []
    orig = getattr(k, name)

    async def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return await orig(*args, **kwargs)
    setattr(k, name, spy)
    return calls


# ======================================================================= MIGRATE_SYNC
def test_sync_mode_batches_async_first_then_retries_each_folio_alone():
    """migrate_pages_sync(): the batch in MIGRATE_ASYNC with NR_MAX_MIGRATE_ASYNC_RETRY
    passes, then each remaining folio alone in MIGRATE_SYNC with NR_MAX_MIGRATE_SYNC_RETRY
    passes; a pinned folio is tried in all 10, fails once, stays mapped at its source."""
    dev, k = kernel("batch_cpu")
    calls = count_calls(k, "migrate_pages_batch")

    async def go():
        mm, folios = await populate(k, 4)
        k.folio_get(folios[1])                           # a pin
        st = MigrateStats()
        frm = isolate(k, folios)
        rc = await k.migrate_pages(frm, private=0, mode=M.MIGRATE_SYNC, stats=st)
        return mm, folios, frm, rc, st

    mm, folios, frm, rc, st = run(go())
    modes = [(c[0][3], c[0][8]) for c in calls]          # (mode, nr_pass)
    assert modes == [(M.MIGRATE_ASYNC, M.NR_MAX_MIGRATE_ASYNC_RETRY),
                     (M.MIGRATE_SYNC, M.NR_MAX_MIGRATE_SYNC_RETRY)]
    assert M.NR_MAX_MIGRATE_ASYNC_RETRY + M.NR_MAX_MIGRATE_SYNC_RETRY \
        == M.NR_MAX_MIGRATE_PAGES_RETRY == 10
    assert rc == 1 and frm == [folios[1]]
    assert st.nr_retries == M.NR_MAX_MIGRATE_PAGES_RETRY
    assert (st.nr_succeeded, st.nr_failed_pages) == (3, 1)   # the async failure not counted
    assert mm.pgtable.lookup(VA + PAGE) == PTE(folios[1].pfn)


def test_async_mode_is_one_batch_with_nr_max_migrate_pages_retry_passes():
    dev, k = kernel("batch_cpu")
    calls = count_calls(k, "migrate_pages_batch")

    async def go():
        mm, folios = await populate(k, 4)
        k.folio_get(folios[1])
        st = MigrateStats()
        rc = await k.migrate_pages(isolate(k, folios), private=0, mode=M.MIGRATE_ASYNC,
                                   stats=st)
        return rc, st

    rc, st = run(go())
    assert [(c[0][3], c[0][8]) for c in calls] == [(M.MIGRATE_ASYNC,
                                                    M.NR_MAX_MIGRATE_PAGES_RETRY)]
    assert rc == 1 and st.nr_retries == M.NR_MAX_MIGRATE_PAGES_RETRY


def test_sync_retry_has_no_batched_tlb_flush():
    """try_to_migrate() gets TTU_BATCH_FLUSH only in MIGRATE_ASYNC: the sync retry of one
    folio flushes at unmap time and try_to_unmap_flush() then has nothing to do."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 3)
        folios[2].flags.add("PG_writeback")              # async gives up: -EBUSY
        st = MigrateStats()
        rc = await k.migrate_pages(isolate(k, folios), private=0, mode=M.MIGRATE_SYNC,
                                   stats=st)
        return rc, st

    rc, st = run(go())
    assert rc == 0 and st.nr_succeeded == 3
    assert st.nr_batches == 2            # the async batch of 3, the sync batch of 1
    assert st.nr_tlb_flushes == 2        # one batched (2 folios), one immediate (the retry)


@pytest.mark.parametrize("flag", ["PG_writeback", "PG_locked"])
def test_async_gives_up_on_a_folio_that_would_block_and_sync_waits(flag):
    """migrate_folio_unmap(): a folio locked by someone else -> -EAGAIN in MIGRATE_ASYNC
    (retried, still locked, fails); under writeback -> -EBUSY; MIGRATE_SYNC waits."""
    results = {}
    for mode in (M.MIGRATE_ASYNC, M.MIGRATE_SYNC):
        dev, k = kernel("generic")

        async def go():
            mm, folios = await populate(k, 2)
            folios[0].flags.add(flag)
            st = MigrateStats()
            frm = isolate(k, folios)
            rc = await k.migrate_pages(frm, private=0, mode=mode, stats=st)
            return mm, folios, frm, rc, st
        results[mode] = run(go())

    mm, folios, frm, rc, st = results[M.MIGRATE_ASYNC]
    assert rc == 1 and frm == [folios[0]] and st.nr_succeeded == 1
    assert mm.pgtable.lookup(VA) == PTE(folios[0].pfn) and flag in folios[0].flags
    expected_retries = M.NR_MAX_MIGRATE_PAGES_RETRY if flag == "PG_locked" else 0
    assert st.nr_retries == expected_retries
    mm, folios, frm, rc, st = results[M.MIGRATE_SYNC]
    assert rc == 0 and frm == [] and st.nr_succeeded == 2
    assert k.pfn_folio(mm.pgtable.lookup(VA).pfn).node == 0


def test_sync_light_waits_for_a_lock_but_not_for_writeback():
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 2)
        folios[0].flags.add("PG_locked")
        folios[1].flags.add("PG_writeback")
        frm = isolate(k, folios)
        rc = await k.migrate_pages(frm, private=0, mode=M.MIGRATE_SYNC_LIGHT)
        return folios, frm, rc

    folios, frm, rc = run(go())
    assert rc == 1 and frm == [folios[1]]


# ============================================================== copy before mapping
def test_copy_failure_leaves_the_mapping_untouched():
    """__migrate_folio(): folio_mc_copy() runs before __folio_migrate_mapping(), so a file
    folio whose copy fails never had its page-cache slot or references moved."""
    dev, k = kernel("generic")
    seen = {}
    orig = k.folio_migrate_mapping

    async def spy(dst, src):
        seen.setdefault("order", []).append(("mapping", src))
        return await orig(dst, src)
    k.folio_migrate_mapping = spy
    orig_copy = k.copy_path.folio_copy

    async def copy_spy(dst, src):
        seen.setdefault("order", []).append(("copy", src))
        return await orig_copy(dst, src)
    k.copy_path.folio_copy = copy_spy

    async def go():
        mm, folios = await populate(k, 2, anon=False)
        dev.inject_fault("read", folios[1].addr, folios[1].addr + 64, ports="cpu")
        rc = await k.migrate_pages(isolate(k, folios), private=0)
        return folios, rc

    folios, rc = run(go())
    assert rc == 1
    assert seen["order"][:2] == [("copy", folios[0]), ("mapping", folios[0])]
    assert ("mapping", folios[1]) not in seen["order"]          # never reached
    cache = folios[1].mapping
    assert cache.i_pages[folios[1].index] is folios[1] and folios[1].refcount == 3


def test_batch_copy_marks_dst_and_the_move_skips_the_copy():
    """RFC v6: the batch copy marks each copied dst FOLIO_CONTENT_COPIED; __migrate_folio()
    then copies nothing; a folio the offload failed is copied by the CPU in the move."""
    dev, k = kernel("batch_dma")

    async def go():
        mm, folios = await populate(k, 4)
        dev.inject_fault("read", folios[2].addr, folios[2].addr + 64, ports="dma")
        cpu = count_calls(k.copy_path, "cpu_folio_copy")
        st = MigrateStats()
        rc = await k.migrate_pages(isolate(k, folios), private=0, stats=st)
        return folios, rc, st, cpu

    folios, rc, st, cpu = run(go())
    assert rc == 0 and st.nr_succeeded == 4
    assert [c[0][1] for c in cpu] == [folios[2]]                # only the fallback
    assert k.copy_path.nr_fallback_folios == 1 and k.copy_path.nr_offloaded_folios == 4


def test_batch_copy_excludes_pinned_and_non_offloaded_reasons():
    """Batch-eligible: the migrator takes the reason and the refcount is the expected one."""
    dev, k = kernel("batch_dma")

    async def go():
        mm, folios = await populate(k, 3)
        k.folio_get(folios[0])                                  # pinned: not eligible
        offl = count_calls(k.copy_path, "folios_copy")
        await k.migrate_pages(isolate(k, folios), private=0, mode=M.MIGRATE_ASYNC)
        mm2, more = await populate(k, 2, va=VA + (8 << 20))
        await k.migrate_pages(isolate(k, more), private=0,
                              reason=MigrateReason.MR_MEMORY_HOTPLUG)
        return folios, offl

    folios, offl = run(go())
    assert len(offl) == 1 and [f for f in offl[0][0][1]] == folios[1:]


# ======================================================================= large folios
def no_thp_target(k):
    """get_new_folio that finds no large folio (a THP allocation without reclaim fails)
    but base pages as usual."""
    def alloc(src, mtc):
        return None if src.order else k.folio_alloc(0, mtc.nid)
    return alloc


def test_enomem_splits_a_large_folio_and_migrates_its_pieces():
    """-ENOMEM for a THP: try_split_folio() onto split_folios, nr_thp_split and nr_split
    counted, the THP counts as one failure, its 512 pieces migrate in one MIGRATE_ASYNC
    pass; migrate_pages() returns 0 because its list ends up empty."""
    dev, k = kernel("generic")

    async def go():
        mm, (thp,) = await populate(k, 1, order=M.HPAGE_PMD_ORDER)
        st = MigrateStats()
        frm = isolate(k, [thp])
        rc = await k.migrate_pages(frm, no_thp_target(k), private=0, stats=st)
        return mm, thp, frm, rc, st

    mm, thp, frm, rc, st = run(go())
    assert (st.nr_thp_split, st.nr_split) == (1, 1)
    assert st.nr_thp_failed == 1 and st.nr_succeeded == 512
    assert rc == 0 and frm == []
    nodes = {k.pfn_folio(mm.pgtable.lookup(VA + i * PAGE).pfn).node for i in range(512)}
    assert nodes == {0}


def test_no_split_for_numa_misplaced_and_enomem_ends_the_call():
    """MR_NUMA_MISPLACED does not split: -ENOMEM ends the unmap loop and migrate_pages()
    returns -ENOMEM with the THP and every untried folio still on the list, mapped."""
    dev, k = kernel("generic")

    async def go():
        mm, (thp,) = await populate(k, 1, order=M.HPAGE_PMD_ORDER)
        small = await k.mmap(mm, VA + (2 << 20), 600, node=1)
        st = MigrateStats()
        frm = isolate(k, [thp] + small)
        rc = await k.migrate_pages(frm, no_thp_target(k), private=0, mode=M.MIGRATE_ASYNC,
                                   reason=MigrateReason.MR_NUMA_MISPLACED, stats=st)
        return mm, thp, small, frm, rc, st

    mm, thp, small, frm, rc, st = run(go())
    assert rc == -errno.ENOMEM
    assert st.nr_thp_split == 0 and st.nr_split == 0 and thp.order == M.HPAGE_PMD_ORDER
    assert frm == [thp] + small and st.nr_succeeded == 0     # later batches never tried
    assert st.nr_batches == 1
    assert mm.pgtable.lookup(VA) == PTE(thp.pfn)


def test_enomem_for_a_small_folio_moves_the_unmapped_ones_then_stops():
    """-ENOMEM in the middle of the unmap loop: the folios unmapped before it are still
    moved ("move unmapped folios, then exit"), the rest are not tried."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 6)
        free = k.nr_free_pages(0)
        hold = [k.node_data[0].alloc(0) for _ in range(free - 3)]   # room for 3 dsts
        st = MigrateStats()
        frm = isolate(k, folios)
        rc = await k.migrate_pages(frm, private=0, mode=M.MIGRATE_ASYNC, stats=st)
        return folios, frm, rc, st, hold

    folios, frm, rc, st, _ = run(go())
    assert rc == -errno.ENOMEM and st.nr_succeeded == 3
    assert frm == folios[3:]


# ======================================================================= move_pages(2)
def test_move_pages_bad_node_fails_the_whole_call_with_enodev():
    """do_pages_move(): a node that does not exist -> out_flush: the pages queued before it
    are migrated and their status stored; the call returns -ENODEV; later pages are not
    tried and their status is not written."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 4)
        pages = [VA + i * PAGE for i in range(4)]
        return folios, await k.move_pages(mm, pages, [0, 0, 7, 0])

    folios, status = run(go())
    assert status.ret == -errno.ENODEV
    assert status == [0, 0, M.STATUS_NOT_WRITTEN, M.STATUS_NOT_WRITTEN]
    assert folios[3].node == 1 and k.pfn_folio(folios[3].pfn) is folios[3]
    assert "PG_lru" in folios[3].flags


def test_move_pages_node_outside_task_nodes_is_eacces():
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 2)
        return await k.move_pages(mm, [VA, VA + PAGE], [0, 2], task_nodes={0, 1})

    status = run(go())
    assert status.ret == -errno.EACCES and status == [0, M.STATUS_NOT_WRITTEN]


def test_move_pages_returns_not_migrated_plus_untried_and_stops():
    """A batch with a failure: the call returns migrate_pages()'s count plus the pages not
    yet attempted, stores no status for that batch and tries nothing after it."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 5)
        k.folio_get(folios[1])                           # pinned: fails
        # pages 0-1 -> node 0, then 2-4 -> node 2: the node change flushes the first batch
        status = await k.move_pages(mm, [VA + i * PAGE for i in range(5)], [0, 0, 2, 2, 2])
        return folios, status

    folios, status = run(go())
    assert status.ret == 1 + (5 - 2)
    assert status == [M.STATUS_NOT_WRITTEN] * 5
    assert all(f.node == 1 for f in folios[1:])          # the second batch never ran
    assert folios[0].node == 1 or k.pfn_folio(folios[0].pfn) is None


def test_move_pages_is_bracketed_by_lru_cache_disable_and_enable():
    dev, k = kernel("generic")
    c = k.costs

    async def go():
        mm, folios = await populate(k, 1)
        dis, en = count_calls(k, "lru_cache_disable"), count_calls(k, "lru_cache_enable")
        t0 = dev.now()
        await k.move_pages(mm, [VA], [0], stats=MigrateStats())
        return dis, en, dev.now() - t0

    dis, en, cycles = run(go())
    assert len(dis) == len(en) == 1 and k.lru_disable_count == 0
    assert c.lru_cache_disable > 0
    assert cycles >= c.to_fabric(c.lru_cache_disable) + c.to_fabric(c.syscall)


# ==================================================================== migrate_pages(2)
def test_migrate_pages_syscall_returns_folios_not_migrated():
    """do_migrate_pages(): the sum of migrate_to_node()'s results, each migrate_pages()'s
    return (folios) plus folios that could not be isolated."""
    dev, k = kernel("batch_cpu")

    async def go():
        mm, big = await populate(k, 2, order=4)          # two 64 KiB folios
        k.folio_get(big[0])                              # pinned: 1 folio, 16 pages
        dis = count_calls(k, "lru_cache_disable")
        st = MigrateStats()
        rc = await k.migrate_pages_syscall(mm, [1], [0], stats=st)
        bad = await k.migrate_pages_syscall(mm, [1], [9])
        return rc, st, dis, bad

    rc, st, dis, bad = run(go())
    assert rc == 1 and st.nr_failed_pages == 16          # folios, not pages
    assert len(dis) == 1 and bad == -errno.EINVAL


# ============================================================================ costs
def test_costs_are_selectable_per_run():
    c = with_overrides(DEFAULT_COSTS, {"tlb_flush": 1234, "dma_map": 1600.0})
    assert c.tlb_flush == 1234 and isinstance(c.dma_map, int) and c.dma_map == 1600
    assert with_overrides(DEFAULT_COSTS, {}) is DEFAULT_COSTS
    with pytest.raises(ValueError, match="unknown cost"):
        with_overrides(DEFAULT_COSTS, {"nope": 1})
    assert set(VARIANTS) == {"ring", "ring_iommu", "dmaengine", "dmaengine_iommu"}
    for name, ov in VARIANTS.items():
        v = with_overrides(DEFAULT_COSTS, ov)
        assert isinstance(v, Costs)
        if name.endswith("iommu"):
            assert v.dma_map > DEFAULT_COSTS.dma_map
    job = Job(kind="migrate", costs={"irq": 6000})
    assert Job.from_dict(job.to_dict()).costs == {"irq": 6000}
    assert Job.from_dict(Job(kind="migrate").to_dict()).costs == {}


def test_a_variant_changes_the_modelled_copy_time():
    times = {}
    for name in ("ring", "dmaengine_iommu"):
        dev, k = kernel("batch_dma", costs=with_overrides(DEFAULT_COSTS, VARIANTS[name]))

        async def go():
            mm, folios = await populate(k, 8)
            st = MigrateStats()
            await k.migrate_pages(isolate(k, folios), private=0, stats=st)
            return st.copy_cycles
        times[name] = run(go())
    assert times["dmaengine_iommu"] > times["ring"]
