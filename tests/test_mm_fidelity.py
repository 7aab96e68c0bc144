"""The mm model against the kernel it names (harness/mm/__init__.py): one test per kernel
behaviour, each asserting that kernel's result. Pure Python, on the golden model
(harness.golden.ModelDevice + harness.assemble.make_kernel)."""
from __future__ import annotations

import asyncio
import errno

import pytest

from harness import mm as M
from harness import validate
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


def test_sync_retry_of_a_large_folio_flushes_each_pte():
    """try_to_migrate_one() without TTU_BATCH_FLUSH: ptep_clear_flush() per PTE, so the
    sync retry of a 2 MiB folio under writeback shoots down 512 TLB entries one by one
    (the async attempt gave up before unmapping: -EBUSY)."""
    dev, k = kernel("generic")

    async def go():
        mm, (thp,) = await populate(k, 1, order=M.HPAGE_PMD_ORDER)
        thp.flags.add("PG_writeback")
        st = MigrateStats()
        rc = await k.migrate_pages(isolate(k, [thp]), private=0, mode=M.MIGRATE_SYNC,
                                   stats=st)
        return rc, st

    rc, st = run(go())
    assert rc == 0 and st.nr_thp_succeeded == 1
    assert st.nr_tlb_flushes == 512


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
def test_thp_counters_count_every_pmd_mappable_folio():
    """folio_test_pmd_mappable() (order >= HPAGE_PMD_ORDER) decides what nr_thp_succeeded
    counts: a 4 MiB folio (MAX_PAGE_ORDER) counts, a 64 KiB one does not."""
    dev, k = kernel("generic")

    async def go():
        mm, big = await populate(k, 1, order=M.MAX_PAGE_ORDER)
        mid = await k.mmap(mm, VA + (8 << 20), 16, node=1, order=4)
        st = MigrateStats()
        rc = await k.migrate_pages(isolate(k, big + mid), private=0, stats=st)
        return rc, st

    rc, st = run(go())
    assert rc == 0 and st.nr_thp_succeeded == 1 and st.nr_succeeded == 1024 + 16
    assert st.nr_batches == 2              # the 4 MiB folio fills a batch alone


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


def budget_target(k, budget):
    """get_new_folio that finds no large folio and at most ``budget`` base pages."""
    left = [budget]

    def alloc(src, mtc):
        if src.order or left[0] == 0:
            return None
        left[0] -= 1
        return k.folio_alloc(0, mtc.nid)
    return alloc


async def split_migration(k, budget):
    """A 2 MiB folio with no 2 MiB destination and ``budget`` 4 KiB ones, through
    migrate_pages() (MIGRATE_SYNC) and the caller's putback; snapshots taken before."""
    mm, (thp,) = await populate(k, 1, order=M.HPAGE_PMD_ORDER)
    snaps = await validate.snapshot(k, [thp])
    st = MigrateStats()
    frm = isolate(k, [thp])
    rc = await k.migrate_pages(frm, budget_target(k, budget), private=0, stats=st)
    left = list(frm)
    await k.putback_movable_pages(frm)
    return mm, thp, snaps, st, rc, left


def test_split_pieces_without_a_destination_stay_and_the_folio_counts_once():
    """The pieces of a split THP get one MIGRATE_ASYNC pass; when the 101st piece gets no
    destination (-ENOMEM) that pass moves the 100 it unmapped and stops, and its -ENOMEM is
    not returned: migrate_pages() returns 1 (the split THP, its pieces' failures not
    counted), the other 412 pieces (the head last: list_move_tail()) are left on the list.
    Each piece is migrated with its bytes or intact at its source (audit_migration)."""
    dev, k = kernel("generic")
    mm, thp, snaps, st, rc, left = run(split_migration(k, 100))
    assert rc == 1
    assert (st.nr_succeeded, st.nr_failed_pages, st.nr_thp_failed, st.nr_thp_split,
            st.nr_split) == (100, 1, 1, 1, 1)
    assert [f.pfn - thp.pfn for f in left] == list(range(101, 512)) + [0]
    assert left[-1] is thp and thp.order == 0
    assert [k.pfn_folio(mm.pgtable.lookup(VA + i * PAGE).pfn).node
            for i in (0, 1, 100, 101, 511)] == [1, 0, 0, 1, 1]
    report, problems = run(validate.audit_migration(k, snaps, st))
    assert problems == []
    assert (report.nr_split, report.nr_migrated, report.nr_stayed) == (1, 100, 412)
    assert report.bytes_validated == 512 * PAGE


@pytest.mark.parametrize("why", ["writeback", "pinned", "private"])
def test_a_large_folio_that_cannot_be_split_ends_the_call_with_enomem(why):
    """split_folio_to_list() fails (-EBUSY under writeback, folio_check_splittable(); -EBUSY
    for a page-cache folio whose private data cannot be released; -EAGAIN with an extra
    reference): the -ENOMEM of migrate_folio_unmap() stands, the batch and migrate_pages()
    end with it, the folio stays whole and mapped at its source."""
    dev, k = kernel("generic")

    async def go():
        mm, (thp,) = await populate(k, 1, order=M.HPAGE_PMD_ORDER, anon=why != "private")
        if why == "writeback":
            thp.flags.add("PG_writeback")
        elif why == "pinned":
            k.folio_get(thp)
        else:
            thp.flags.add("PG_private")
            k.folio_get(thp)                             # PG_private's reference
        st = MigrateStats()
        frm = isolate(k, [thp])
        rc = await k.migrate_pages(frm, no_thp_target(k), private=0, mode=M.MIGRATE_SYNC,
                                   stats=st)
        return mm, thp, frm, rc, st

    mm, thp, frm, rc, st = run(go())
    assert rc == -errno.ENOMEM and frm == [thp] and thp.order == M.HPAGE_PMD_ORDER
    assert (st.nr_split, st.nr_thp_split, st.nr_thp_failed, st.nr_failed_pages) == (0, 0, 1, 512)
    assert mm.pgtable.lookup(VA) == PTE(thp.pfn)


def test_longterm_pin_retries_a_split_that_gets_eagain():
    """MR_LONGTERM_PIN: a split that fails with -EAGAIN is retried in the next pass, its
    failure not counted twice; after the last pass the folio counts once as failed and
    migrate_pages() returns 1, not -ENOMEM."""
    dev, k = kernel("generic")
    splits = count_calls(k, "split_folio_to_list")

    async def go():
        mm, (thp,) = await populate(k, 1, order=M.HPAGE_PMD_ORDER)
        k.folio_get(thp)                                 # the pin the split cannot freeze
        st = MigrateStats()
        frm = isolate(k, [thp])
        rc = await k.migrate_pages(frm, no_thp_target(k), private=0, mode=M.MIGRATE_ASYNC,
                                   reason=MigrateReason.MR_LONGTERM_PIN, stats=st)
        return thp, frm, rc, st

    thp, frm, rc, st = run(go())
    assert rc == 1 and frm == [thp]
    assert len(splits) == M.NR_MAX_MIGRATE_PAGES_RETRY
    assert (st.nr_thp_failed, st.nr_failed_pages, st.nr_split) == (1, 512, 0)


def test_a_folio_freed_under_us_counts_as_migrated_without_a_destination():
    """migrate_pages_batch(): an LRU folio whose only reference is the isolation one was
    freed under us: migrate_folio_done() drops it, it counts as migrated (nr_succeeded),
    and no destination is allocated."""
    dev, k = kernel("generic")
    allocs = []

    def target(src, mtc):
        allocs.append(src)
        return k.folio_alloc(src.order, mtc.nid)

    async def go():
        mm, folios = await populate(k, 2)
        orphan = k.folio_alloc(0, 1)                     # the owner's reference
        orphan.flags.add("PG_lru")
        assert k.isolate_folio(orphan)
        k.folio_put(orphan)                              # the owner lets go
        st = MigrateStats()
        frm = isolate(k, folios) + [orphan]
        rc = await k.migrate_pages(frm, target, private=0, mode=M.MIGRATE_ASYNC, stats=st)
        return folios, orphan, rc, st

    folios, orphan, rc, st = run(go())
    assert rc == 0 and st.nr_succeeded == 3 and allocs == folios
    assert k.pfn_folio(orphan.pfn) is None and orphan.pfn not in st.moved


def test_batch_copy_skips_a_folio_with_private_data():
    """folio_can_batch_copy(): PG_private keeps a folio out of the batch copy (its
    migrate_folio() may need to act before the copy); it is copied in the move step."""
    dev, k = kernel("batch_dma")

    async def go():
        mm, folios = await populate(k, 3, anon=False)
        folios[1].flags.add("PG_private")
        k.folio_get(folios[1])                           # PG_private's reference
        offl = count_calls(k.copy_path, "folios_copy")
        cpu = count_calls(k.copy_path, "cpu_folio_copy")
        rc = await k.migrate_pages(isolate(k, folios), private=0, mode=M.MIGRATE_ASYNC)
        return folios, offl, cpu, rc

    folios, offl, cpu, rc = run(go())
    assert rc == 0 and len(offl) == 1
    assert offl[0][0][1] == [folios[0], folios[2]]
    assert [c[0][1] for c in cpu] == [folios[1]]


def test_a_migrated_page_cache_folio_loses_its_mapping():
    """move_to_new_folio(): on success a page-cache src's mapping is cleared (an anonymous
    one keeps it); the new folio holds the page-cache slot."""
    dev, k = kernel("generic")

    async def go():
        mm, (f,) = await populate(k, 1, anon=False)
        mm2, (a,) = await populate(k, 1, va=VA + (1 << 20))
        cache = f.mapping
        rc = await k.migrate_pages(isolate(k, [f, a]), private=0)
        return f, a, cache, rc

    f, a, cache, rc = run(go())
    assert rc == 0 and f.mapping is None and a.mapping is not None
    assert cache.i_pages[f.index].node == 0


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


def test_move_pages_move_all_needs_cap_sys_nice():
    """kernel_move_pages(): MPOL_MF_MOVE_ALL without CAP_SYS_NICE is -EPERM for the call;
    with it a folio mapped by two mms moves (without it: -EACCES in its status)."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 2)
        other = k.mm_alloc("other")
        k.map_folio(other, VA, folios[0])
        pages = [VA, VA + PAGE]
        denied = await k.move_pages(mm, pages, [0, 0], flags=M.MPOL_MF_MOVE_ALL)
        plain = await k.move_pages(mm, pages, [2, 2])
        allowed = await k.move_pages(mm, pages, [0, 0], flags=M.MPOL_MF_MOVE_ALL, capable=True)
        return denied, plain, allowed

    denied, plain, allowed = run(go())
    assert denied.ret == -errno.EPERM and denied == [M.STATUS_NOT_WRITTEN] * 2
    assert plain.ret == 0 and plain == [-errno.EACCES, 2]
    assert allowed.ret == 0 and allowed == [0, 0]


def test_move_pages_large_folio_mapped_twice_by_one_mm_is_not_shared():
    """__add_folio_for_migration(): folio_maybe_mapped_shared() is about mms for a large
    folio: mapped twice by the same mm it moves without MPOL_MF_MOVE_ALL."""
    dev, k = kernel("generic")

    async def go():
        mm, (big,) = await populate(k, 1, order=4)
        k.map_folio(mm, VA + (1 << 20), big)
        status = await k.move_pages(mm, [VA], [0])
        return status, mm

    status, mm = run(go())
    assert status.ret == 0 and status == [0]
    assert k.pfn_folio(mm.pgtable.lookup(VA + (1 << 20)).pfn).node == 0


def test_move_pages_without_nodes_reports_where_pages_are():
    """do_pages_stat(): nodes NULL -> each page's node, -EFAULT (no VMA) or -ENOENT
    (nothing mapped) in status[]; the call returns 0 and migrates nothing."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 1)
        await k.mmap(mm, VA + (1 << 20), 1, node=2)
        await k.mmap(mm, VA + (2 << 20), 1, node=1, populate=False)
        return await k.move_pages(mm, [VA, VA + (1 << 20), VA + (2 << 20), 0x1000], None)

    status = run(go())
    assert status.ret == 0 and status == [1, 2, -errno.ENOENT, -errno.EFAULT]


# ==================================================================== migrate_pages(2)
def test_migrate_pages_syscall_returns_folios_not_migrated():
    """do_migrate_pages(): the sum of migrate_to_node()'s results, each migrate_pages()'s
    return (folios) plus what queue_pages_range() could not isolate."""
    dev, k = kernel("batch_cpu")

    async def go():
        mm, big = await populate(k, 2, order=4)          # two 64 KiB folios
        k.folio_get(big[0])                              # pinned: 1 folio, 16 pages
        dis = count_calls(k, "lru_cache_disable")
        st = MigrateStats()
        rc = await k.migrate_pages_syscall(mm, [1], [0], stats=st)
        return rc, st, dis

    rc, st, dis = run(go())
    assert rc == 1 and st.nr_failed_pages == 16          # folios, not pages
    assert len(dis) == 1


def test_migrate_pages_syscall_node_checks():
    """kernel_migrate_pages(): a node a nodemask cannot hold is -EINVAL (get_nodes()); a new
    node outside the cpuset is -EPERM without CAP_SYS_NICE, and dropped with it (-EINVAL
    when none is left); old nodes are not checked."""
    dev, k = kernel("generic")

    async def go():
        mm, folios = await populate(k, 2)
        r = {"huge": await k.migrate_pages_syscall(mm, [1], [M.MAX_NUMNODES]),
             "unpriv": await k.migrate_pages_syscall(mm, [1], [9]),
             "priv_none": await k.migrate_pages_syscall(mm, [1], [9], capable=True),
             "old_missing": await k.migrate_pages_syscall(mm, [7], [0]),
             "cpuset": await k.migrate_pages_syscall(mm, [1], [2], task_nodes={0, 1})}
        moved_before = [f.node for f in folios]
        r["priv_dropped"] = await k.migrate_pages_syscall(mm, [1], [0, 9], capable=True)
        return r, moved_before, mm

    r, before, mm = run(go())
    assert r == {"huge": -errno.EINVAL, "unpriv": -errno.EPERM, "priv_none": -errno.EINVAL,
                 "old_missing": 0, "cpuset": -errno.EPERM, "priv_dropped": 0}
    assert before == [1, 1]
    assert {k.pfn_folio(e.pfn).node for e in mm.pgtable.ptes.values()} == {0}


def test_migrate_pages_syscall_counts_a_large_folio_it_cannot_isolate_by_its_ptes():
    """queue_folios_pte_range(): a folio that cannot be isolated adds the PTEs of its
    folio_pte_batch() run to nr_failed: 16 for a 64 KiB folio, 1 for a 4 KiB one."""
    dev, k = kernel("generic")

    async def go():
        mm, big = await populate(k, 1, order=4)
        small = await k.mmap(mm, VA + (1 << 20), 1, node=1)
        assert k.folio_isolate_lru(big[0]) and k.folio_isolate_lru(small[0])   # elsewhere
        return await k.migrate_pages_syscall(mm, [1], [0])

    assert run(go()) == 16 + 1


def test_migrate_pages_syscall_shared_folios():
    """migrate_folio_add(): a folio mapped shared is skipped without MPOL_MF_MOVE_ALL (not a
    failure), moved with it (CAP_SYS_NICE); a large folio mapped twice by one mm is not
    shared (folio_maybe_mapped_shared())."""
    results = {}
    for capable in (False, True):
        dev, k = kernel("generic")

        async def go():
            mm, small = await populate(k, 1)
            big = (await k.mmap(mm, VA + (2 << 20), 16, node=1, order=4))[0]
            k.map_folio(mm, VA + (4 << 20), big)                 # twice in the same mm
            other = k.mm_alloc("other")
            k.map_folio(other, VA, small[0])                     # shared with another mm
            rc = await k.migrate_pages_syscall(mm, [1], [0], capable=capable)
            node_of = {va: k.pfn_folio(mm.pgtable.lookup(va).pfn).node
                       for va in (VA, VA + (2 << 20), VA + (4 << 20))}
            return rc, node_of
        results[capable] = run(go())
    assert results[False] == (0, {VA: 1, VA + (2 << 20): 0, VA + (4 << 20): 0})
    assert results[True] == (0, {VA: 0, VA + (2 << 20): 0, VA + (4 << 20): 0})


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
