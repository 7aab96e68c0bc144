"""Pure-Python unit tests of the mm model (harness/mm.py), its copy paths and cost table.

A small fake Device (numpy memory, time advanced by wait_cycles, cpu_copy copies bytes) and a
fake driver (the dmaengine calls the copy paths' client makes; it copies at once and can fail
chosen source addresses) stand in for the simulation, so these run in well under a second
each.
"""
from __future__ import annotations

import asyncio
import errno

import numpy as np
import pytest

from harness import mm as M
from harness import validate
from harness.assemble import make_kernel
from harness.copy_paths import COPY_PATHS, DmaMigrator, MigrateOffload, make_copy_path
from harness.costs import Costs
from harness.mm import (
    NR_MAX_BATCHED_MIGRATION,
    PTE,
    MigrateReason,
    MigrateStats,
    MigrationEntry,
    MigrationEntryWait,
    MovableOps,
    PageTable,
)

PAGE = 4096
VA = 0x4000_0000
CPU_COPY_CYCLES = 100          # fake CPU copy: fabric cycles per 4 KiB


# ============================================================================== fakes
class FakeDevice:
    """Memory + time; cpu_copy takes CPU_COPY_CYCLES per page, fails on ``bad`` addresses."""

    def __init__(self, nr_nodes=2, node_bytes=16 << 20, bus_bytes=64):
        self.nr_nodes, self.node_bytes, self.bus_bytes = nr_nodes, node_bytes, bus_bytes
        self.nr_queues = 1
        self.mem_bytes = nr_nodes * node_bytes
        self.mem = np.zeros(self.mem_bytes, dtype=np.uint8)
        self.t = 0
        self.bad: set[int] = set()      # page addresses the CPU cannot read
        self.cpu_copies: list[tuple[int, int, int]] = []

    async def mem_write(self, addr, data):
        self.mem[addr:addr + len(data)] = data

    async def mem_read(self, addr, nbytes):
        return self.mem[addr:addr + nbytes].copy()

    def now(self):
        return self.t

    async def wait_cycles(self, n):
        assert n >= 0
        self.t += n

    async def cpu_copy(self, src, dst, nbytes):
        self.cpu_copies.append((src, dst, nbytes))
        self.t += CPU_COPY_CYCLES * (nbytes // PAGE)
        if any(src <= b < src + nbytes for b in self.bad):
            return False
        self.mem[dst:dst + nbytes] = self.mem[src:src + nbytes]
        return True


class FakeCompletion:
    def __init__(self, ok):
        self.ok = ok
        self.status = "SUCCESS" if ok else "READ_ERROR"


class FakeTx:
    """What prep_memcpy returns: the transaction, its result once it completed."""

    def __init__(self, src, dst, length, callback):
        self.src, self.dst, self.length, self.callback = src, dst, length, callback
        self.result = None


class FakeDriver:
    """The driver's public dmaengine calls, as the copy paths' client uses them: what was
    issued is copied when the client waits for the interrupt, every transaction at once
    (10 cycles each); ``bad`` sources fail."""

    def __init__(self, dev, dma_region=None, nr_queues=1):
        self.dev = dev
        self.nr_queues = nr_queues
        self.dma_region = dma_region or (dev.node_bytes - (64 << 10), dev.node_bytes)
        self.bad: set[int] = set()
        self.batches: list[int] = []       # transactions per interrupt (per batch here)
        self.on_copy = None                # hook(transactions) called before copying
        self.dead = False
        self.submitted: list[FakeTx] = []
        self.issued: list[FakeTx] = []

    def room(self, queue):
        return 1 << 20

    def completion_budget(self, transactions):
        return 1 << 40

    def prep_memcpy(self, dst, src, length, flags=0, callback=None, queue=0, cookie=None):
        return FakeTx(src, dst, length, callback)

    def submit(self, tx):
        self.submitted.append(tx)
        return len(self.submitted)

    async def issue_pending(self):
        self.issued += self.submitted
        self.submitted = []

    async def wait_interrupt(self, timeout_cycles):
        batch, self.issued = self.issued, []
        if self.on_copy:
            self.on_copy(batch)
        self.batches.append(len(batch))
        for tx in batch:
            self.dev.t += 10
            ok = not any(tx.src <= b < tx.src + tx.length for b in self.bad)
            if ok:
                self.dev.mem[tx.dst:tx.dst + tx.length] = self.dev.mem[tx.src:tx.src + tx.length]
            tx.result = FakeCompletion(ok)
            tx.callback(tx)
        return True


def run(coro):
    return asyncio.run(coro)


def setup(path="generic", nr_nodes=2, costs=Costs()):
    dev = FakeDevice(nr_nodes=nr_nodes)
    drv = FakeDriver(dev)
    k = make_kernel(dev, path, driver=drv, costs=costs)
    return dev, drv, k


async def populate(k, n, order=0, node=1, anon=True, va=VA):
    mm = k.mm_alloc()
    folios = await k.mmap(mm, va, n << order, node=node, order=order, anon=anon)
    return mm, folios


def addrs(folios):
    return [f.rmap[0][1] for f in folios]


# ============================================================================== costs
def test_cost_table_reproduces_the_seed_generic_rows():
    c = Costs()
    assert c.per_folio == 2900
    assert c.to_fabric(2) == 1 and c.to_fabric(3) == 2 and c.to_fabric(0) == 0
    assert c.to_cpu(c.to_fabric(c.migrate_pages_setup)) == c.migrate_pages_setup
    # seed rows: (pages, batches, migrate_pages, folio_copy) cycles/page
    for pages, batches, mig, cpy, tol in ((1, 1, 17799, 794, 0.10), (1, 1, 14942, 800, 0.10),
                                          (512, 1, 3478, 494, 0.03),
                                          (65536, 128, 3669, 815, 0.03)):
        model = (c.migrate_pages_setup + batches * c.tlb_flush) / pages + c.per_folio + cpy
        assert abs(model - mig) / mig < tol, (pages, model, mig)


def test_model_time_is_exactly_the_cost_table_plus_copies():
    dev, _, k = setup("generic")
    c = k.costs

    async def go():
        mm, folios = await populate(k, 8)
        st = MigrateStats()
        frm = [f for f in folios if k.isolate_folio(f)]
        assert await k.migrate_pages(frm, private=0, stats=st) == 0
        return st

    st = run(go())
    sw = c.to_fabric(c.migrate_pages_setup) + c.to_fabric(c.tlb_flush) + 8 * sum(
        c.to_fabric(x) for x in (c.alloc, c.unmap, c.metadata, c.remap, c.putback))
    assert st.copy_cycles == 8 * CPU_COPY_CYCLES + c.to_fabric(c.copy_cold)   # 1 batch
    assert st.migrate_cycles == st.t4 - st.t1 == sw + st.copy_cycles
    assert st.t1 < st.t2 < st.t3 < st.t4
    per_page = st.per_page(c)
    assert per_page["folio_copy"] == c.to_cpu(CPU_COPY_CYCLES) + c.copy_cold / 8
    assert per_page["F"] == pytest.approx(st.copy_cycles / st.migrate_cycles)


# ============================================================================== page table
def test_page_table_migration_entries_and_stale_tlb():
    pt = PageTable()
    pt.ptes[5] = PTE(0x100)
    assert pt.access(5 * PAGE) == 0x100 and pt.tlb[5] == 0x100
    pt.ptes[5] = MigrationEntry(0x100)
    assert pt.access(5 * PAGE) == 0x100          # stale TLB still reaches the old page
    assert pt.stale_tlb_entries() == [5]
    pt.flush_tlb([5])
    with pytest.raises(MigrationEntryWait):
        pt.access(5 * PAGE)
    assert pt.stale_tlb_entries() == []


def test_allocator_respects_reserved_region_and_merges_back():
    dev, drv, k = setup()
    lo, hi = drv.dma_region
    node0 = k.node_data[0]
    assert node0.total_pages == (dev.node_bytes - (hi - lo)) // PAGE
    pfns = [node0.alloc(0) for _ in range(node0.total_pages)]
    assert None not in pfns and node0.alloc(0) is None
    assert all(not lo <= p * PAGE < hi for p in pfns)
    for p in pfns:
        node0.free(p, 0)
    assert node0.nr_free_pages == node0.total_pages
    assert node0.alloc(9) % 512 == 0


# ============================================================================== migrate_pages
@pytest.mark.parametrize("path", COPY_PATHS)
def test_move_pages_migrates_and_validates(path):
    dev, drv, k = setup(path)

    async def go():
        mm, folios = await populate(k, 20)
        free0 = k.nr_free_pages(0)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios), [0] * 20, stats=st)
        rep = await validate.verify_migration(k, snaps, st)
        return mm, folios, status, st, rep, free0

    mm, folios, status, st, rep, free0 = run(go())
    assert status == [0] * 20
    assert rep.nr_migrated == 20 and rep.bytes_validated == 20 * PAGE
    assert (st.nr_succeeded, st.nr_failed, st.nr_failed_pages) == (20, 0, 0)
    assert k.nr_free_pages(0) == free0 - 20
    assert k.nr_free_pages(1) == k.node_data[1].total_pages      # sources freed
    assert all(pte.present for pte in mm.pgtable.ptes.values())
    for f in folios:                                              # sources are free
        assert f.refcount == 0 and k.pfn_folio(f.pfn) is None
    dst = k.pfn_folio(mm.pgtable.lookup(VA).pfn)
    assert dst.node == 0 and dst.refcount == 1 and dst.mapcount == 1 and "PG_lru" in dst.flags
    if path == "batch_dma":
        assert drv.batches == [20]
    if path == "batch_dma_v1":
        assert drv.batches == [1] * 20


@pytest.mark.parametrize("path", ["generic", "batch_dma"])
def test_unmap_installs_migration_entries_and_flushes_once_per_batch(path):
    dev, drv, k = setup(path)
    seen = {}

    def inspect(folios, mm, st):
        seen["entries"] = [mm.pgtable.lookup(a) for a in addrs(folios)]
        seen["tlb"] = dict(mm.pgtable.tlb)
        seen["flushes"] = st.nr_tlb_flushes

    async def go():
        mm, folios = await populate(k, 4)
        st = MigrateStats()
        if path == "batch_dma":
            drv.on_copy = lambda reqs: inspect(folios, mm, st)
        else:
            orig = k.copy_path.folio_copy

            async def hooked(dst, src):
                if "entries" not in seen:
                    inspect(folios, mm, st)
                return await orig(dst, src)
            k.copy_path.folio_copy = hooked
        frm = [f for f in folios if k.isolate_folio(f)]
        rc = await k.migrate_pages(frm, private=0, stats=st)
        return rc, st

    rc, st = run(go())
    assert rc == 0
    assert all(isinstance(e, MigrationEntry) for e in seen["entries"])
    assert seen["tlb"] == {} and seen["flushes"] == 1
    assert st.nr_tlb_flushes == 1 and st.nr_batches == 1


def test_copy_with_a_stale_tlb_is_an_assertion_error():
    dev, drv, k = setup("batch_dma")

    async def skip_flush(stats):
        k.tlb_ubc.clear()          # "forget" the shootdown

    k.try_to_unmap_flush = skip_flush

    async def go():
        mm, folios = await populate(k, 2)
        frm = [f for f in folios if k.isolate_folio(f)]
        await k.migrate_pages(frm, private=0)

    with pytest.raises(AssertionError, match="stale TLB"):
        run(go())


@pytest.mark.parametrize("path", COPY_PATHS)
def test_pinned_folio_stays_and_counts_failed_after_retries(path):
    dev, drv, k = setup(path)

    async def go():
        mm, folios = await populate(k, 5)
        k.folio_get(folios[2])                       # a GUP pin
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios), [0] * 5, stats=st)
        rep = await validate.verify_migration(k, snaps, st)
        return folios, status, st, rep

    folios, status, st, rep = run(go())
    # the kernel: migrate_pages() failed one folio, so move_pages() returns the count and
    # writes no status for that batch
    assert status == [M.STATUS_NOT_WRITTEN] * 5 and status.ret == 1
    assert (st.nr_succeeded, st.nr_failed, st.nr_failed_pages) == (4, 1, 1)
    # -EAGAIN in every pass: 3 of the async batch, then 7 alone in MIGRATE_SYNC
    assert st.nr_retries == M.NR_MAX_MIGRATE_ASYNC_RETRY + M.NR_MAX_MIGRATE_SYNC_RETRY
    assert rep.nr_migrated == 4 and rep.nr_stayed == 1
    pinned = folios[2]
    assert pinned.node == 1 and pinned.refcount == 2 and pinned.mapcount == 1
    assert "PG_lru" in pinned.flags


@pytest.mark.parametrize("path", ["generic", "batch_cpu"])
def test_cpu_copy_failure_undoes_the_folio(path):
    dev, drv, k = setup(path)

    async def go():
        mm, folios = await populate(k, 3)
        dev.bad.add(folios[1].addr)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        frm = [f for f in folios if k.isolate_folio(f)]
        rc = await k.migrate_pages(frm, private=0, stats=st)
        assert frm == [folios[1]]                    # left on the list for the caller
        await k.putback_movable_pages(frm)
        rep = await validate.verify_migration(k, snaps, st)
        return rc, st, rep, folios, mm

    rc, st, rep, folios, mm = run(go())
    assert rc == 1 and st.nr_failed == 1 and st.nr_succeeded == 2
    assert rep.nr_stayed == 1
    assert mm.pgtable.lookup(VA + PAGE) == PTE(folios[1].pfn)
    assert k.nr_free_pages(0) == k.node_data[0].total_pages - 2     # dst freed


@pytest.mark.parametrize("path", ["generic", "batch_cpu"])
def test_large_folio_is_copied_page_by_page_and_stops_at_a_bad_page(path):
    """folio_copy() is a loop of copy_highpage(): 16 page copies for a 64 KiB folio; a bus
    error on page 5 ends the copy there (folio_mc_copy) and the folio stays."""
    dev, drv, k = setup(path)

    async def go():
        mm, folios = await populate(k, 2, order=4)
        dev.bad.add(folios[1].addr + 5 * PAGE)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios), [0] * 2, stats=st)
        rep = await validate.verify_migration(k, snaps, st)
        return status, folios, rep

    status, folios, rep = run(go())
    first = [c for c in dev.cpu_copies if folios[0].addr <= c[0] < folios[0].addr + (16 * PAGE)]
    assert [c[0] for c in first] == [folios[0].addr + i * PAGE for i in range(16)]
    assert all(c[2] == PAGE for c in dev.cpu_copies)
    second = [c for c in dev.cpu_copies if c[0] >= folios[1].addr]
    assert len(second) % 6 == 0 and second[-1][0] == folios[1].addr + 5 * PAGE  # per pass
    assert status.ret == 1 and rep.nr_migrated == 1 and rep.nr_stayed == 1


def test_dma_failure_falls_back_to_cpu_per_folio():
    dev, drv, k = setup("batch_dma")

    async def go():
        mm, folios = await populate(k, 4)
        drv.bad.add(folios[3].addr)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios), [0] * 4, stats=st)
        await validate.verify_migration(k, snaps, st)
        return status, folios

    status, folios = run(go())
    assert status == [0] * 4
    assert k.copy_path.nr_fallback_folios == 1 and k.copy_path.nr_offloaded_folios == 4
    assert [c[0] for c in dev.cpu_copies] == [folios[3].addr]


def test_a_batch_smaller_than_the_queues_is_cut_into_page_aligned_pieces():
    """One 64 KiB folio on a 4-queue driver: 4 descriptors of 16 KiB, one per queue; two
    4 KiB folios on it: one descriptor each (a page is not cut). A failed piece sends its
    whole folio to the CPU."""
    dev, drv, k = setup("batch_dma")
    drv.nr_queues = 4
    seen = []
    drv.on_copy = lambda reqs: seen.append([(r.src, r.length) for r in reqs])

    async def go():
        mm, big = await populate(k, 1, order=4)
        drv.bad.add(big[0].addr + 3 * 4 * PAGE)            # in the last piece
        snaps = await validate.snapshot(k, big)
        st = MigrateStats()
        assert await k.move_pages(mm, addrs(big), [0], stats=st) == [0]
        await validate.verify_migration(k, snaps, st)
        mm2, small = await populate(k, 2)
        assert await k.move_pages(mm2, addrs(small), [0, 0], stats=MigrateStats()) == [0, 0]
        return big[0], small

    big, small = run(go())
    assert seen[0] == [(big.addr + i * 4 * PAGE, 4 * PAGE) for i in range(4)]
    assert seen[1] == [(f.addr, PAGE) for f in small]
    assert k.copy_path.nr_fallback_folios == 1        # the big folio, copied by the CPU
    assert len([c for c in dev.cpu_copies if big.addr <= c[0] < big.addr + 16 * PAGE]) == 16


def test_folio_that_neither_dma_nor_cpu_can_copy_stays_at_source():
    dev, drv, k = setup("batch_dma")

    async def go():
        mm, folios = await populate(k, 4)
        drv.bad.add(folios[0].addr)
        dev.bad.add(folios[0].addr)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios), [0] * 4, stats=st)
        rep = await validate.verify_migration(k, snaps, st)
        return status, st, rep

    status, st, rep = run(go())
    assert status == [M.STATUS_NOT_WRITTEN] * 4 and status.ret == 1
    assert rep.nr_stayed == 1 and st.nr_failed == 1


@pytest.mark.parametrize("path", ["generic", "batch_dma"])
def test_file_folio_moves_its_page_cache_slot(path):
    dev, drv, k = setup(path)

    async def go():
        mm, folios = await populate(k, 2, anon=False)
        cache = folios[0].mapping
        dev.bad.add(folios[1].addr)
        drv.bad.add(folios[1].addr)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios), [0, 0], stats=st)
        await validate.verify_migration(k, snaps, st)
        return cache, folios, status

    cache, folios, status = run(go())
    assert status == [M.STATUS_NOT_WRITTEN] * 2 and status.ret == 1
    new = cache.i_pages[folios[0].index]
    assert new.node == 0 and new.refcount == 1 + 1 and new.mapping is cache   # cache + map
    assert cache.i_pages[folios[1].index] is folios[1] and folios[1].refcount == 2


def test_non_lru_movable_folios_take_the_per_folio_path():
    dev, drv, k = setup("batch_dma")
    ops = MovableOps(k)

    async def go():
        mm, lru = await populate(k, 3)
        movable = [k.alloc_movable(ops, node=1) for _ in range(2)]
        for f in movable:
            await dev.mem_write(f.addr, np.full(PAGE, 0xA5, np.uint8))
        snaps = await validate.snapshot(k, lru + movable)
        st = MigrateStats()
        frm = [f for f in lru + movable if k.isolate_folio(f)]
        rc = await k.migrate_pages(frm, private=0, reason=MigrateReason.MR_COMPACTION,
                                   stats=st)
        await validate.verify_migration(k, snaps, st)
        return rc, st, movable

    rc, st, movable = run(go())
    assert rc == 0 and st.nr_succeeded == 5
    assert drv.batches == [3]                        # only the LRU folios were offloaded
    assert len(dev.cpu_copies) == 2                  # the owner's migrate_page() copied
    assert all(f.node == 0 and f.refcount == 1 for f in ops.pages)
    assert not set(movable) & ops.pages


# ============================================================================== validation
def split_thp_run(budget=100):
    """A 2 MiB folio split on -ENOMEM: ``budget`` of its pieces find a destination, the
    others stay (see test_mm_fidelity); -> (dev, kernel, mm, thp, snapshots, stats)."""
    dev, drv, k = setup("generic")

    async def go():
        mm = k.mm_alloc()
        (thp,) = await k.mmap(mm, VA, 512, node=1, order=9)
        snaps = await validate.snapshot(k, [thp])
        left = [budget]

        def target(src, mtc):
            if src.order or not left[0]:
                return None
            left[0] -= 1
            return k.folio_alloc(0, mtc.nid)
        st = MigrateStats()
        frm = [thp] if k.isolate_folio(thp) else []
        await k.migrate_pages(frm, target, private=0, stats=st)
        await k.putback_movable_pages(frm)
        return mm, thp, snaps, st
    return (dev, k) + run(go())


def test_audit_accounts_for_split_folios_piece_by_piece():
    dev, k, mm, thp, snaps, st = split_thp_run()
    report, problems = run(validate.audit_migration(k, snaps, st))
    assert problems == [] and report.nr_split == 1
    assert (report.nr_migrated, report.nr_stayed) == (100, 412)
    # all 512 pieces migrated, the head among them (it goes last): still nothing lost
    dev, k, mm, thp, snaps, st = split_thp_run(budget=512)
    report, problems = run(validate.audit_migration(k, snaps, st))
    assert problems == [] and (report.nr_migrated, report.nr_stayed) == (512, 0)
    assert k.pfn_folio(thp.pfn) is None


@pytest.mark.parametrize("damage", ["migrated_piece", "stayed_piece", "stayed_pte", "head"])
def test_audit_of_a_split_folio_finds_a_damaged_piece(damage):
    """Negative controls: a piece's bytes wrong at its destination or its source, a
    stayed piece's PTE not restored, the head piece gone: each is found."""
    dev, k, mm, thp, snaps, st = split_thp_run()
    piece = {"migrated_piece": 7, "stayed_piece": 300, "stayed_pte": 300, "head": 0}[damage]
    pfn = thp.pfn + piece
    if damage == "migrated_piece":
        addr = st.moved[pfn] * PAGE + 5
        dev.mem[addr] ^= 0xFF
    elif damage == "stayed_piece":
        dev.mem[pfn * PAGE + 5] ^= 0xFF
    elif damage == "stayed_pte":
        mm.pgtable.ptes[(VA >> 12) + piece] = MigrationEntry(pfn)
    else:
        del k.mem_map[thp.pfn]
    report, problems = run(validate.audit_migration(k, snaps, st))
    klass = "half_migrated" if damage == "stayed_pte" else "lost"
    assert [c for c, _ in problems] == [klass]
    assert f"pfn={pfn:#x}" in problems[0][1] or f"pfn {pfn:#x}" in problems[0][1]


# ============================================================================== batching
def test_600_small_folios_make_two_batches():
    dev, drv, k = setup("batch_dma")

    async def go():
        mm, folios = await populate(k, 600)
        st = MigrateStats()
        frm = [f for f in folios if k.isolate_folio(f)]
        rc = await k.migrate_pages(frm, private=0, stats=st)
        return rc, st

    rc, st = run(go())
    assert rc == 0 and st.nr_succeeded == 600
    assert drv.batches == [NR_MAX_BATCHED_MIGRATION, 88]
    assert st.nr_batches == 2 and st.nr_tlb_flushes == 2 and st.nr_copies == 2


def test_a_2m_folio_fills_a_batch_alone():
    dev, drv, k = setup("batch_dma")

    async def go():
        mm = k.mm_alloc()
        thp = await k.mmap(mm, VA, 512, node=1, order=9)
        small = await k.mmap(mm, VA + (2 << 20), 2, node=1)
        snaps = await validate.snapshot(k, thp + small)
        st = MigrateStats()
        frm = [f for f in thp + small if k.isolate_folio(f)]
        rc = await k.migrate_pages(frm, private=0, stats=st)
        await validate.verify_migration(k, snaps, st)
        # the kernel's cut includes the folio that reaches 512 pages: 4K + 2M is one batch
        small2 = await k.mmap(mm, VA + (4 << 20), 1, node=1)
        thp2 = await k.mmap(mm, VA + (6 << 20), 512, node=1, order=9)
        frm = [f for f in small2 + thp2 if k.isolate_folio(f)]
        await k.migrate_pages(frm, private=0, stats=st)
        return rc, st

    rc, st = run(go())
    assert rc == 0
    assert drv.batches == [1, 2, 2]
    assert st.nr_thp_succeeded == 2 and st.nr_succeeded == 512 + 2 + 1 + 512


# ============================================================================== syscalls
def test_move_pages_status_values():
    dev, drv, k = setup("generic", nr_nodes=3)

    async def go():
        mm = k.mm_alloc()
        on1 = await k.mmap(mm, VA, 2, node=1)
        await k.mmap(mm, VA + 0x10000, 1, node=0)
        await k.mmap(mm, VA + 0x20000, 1, node=1, populate=False)       # not faulted in
        other = k.mm_alloc("other")
        k.map_folio(other, VA, on1[1])                                  # shared
        thp = await k.mmap(mm, VA + (2 << 20), 512, node=1, order=9)
        pages = [VA, VA + PAGE, VA + 0x10000, VA + 0x20000, 0x1000, VA + 0x10000,
                 thp[0].rmap[0][1], thp[0].rmap[0][1] + PAGE]
        nodes = [0, 0, 0, 0, 0, 2, 2, 2]
        return await k.move_pages(mm, pages, nodes)

    status = run(go())
    # (a node that does not exist fails the whole call: tests/test_mm_fidelity.py)
    assert status.ret == 0
    assert status == [0,                    # moved
                      -errno.EACCES,        # mapped by two mms, no MPOL_MF_MOVE_ALL
                      0,                    # already on node 0
                      -errno.ENOENT,        # VMA, but nothing mapped
                      -errno.EFAULT,        # no VMA
                      2,                    # moved 0 -> 2
                      2,                    # THP moved
                      -errno.EBUSY]         # its 2nd page: folio already isolated (kernel)


def test_move_pages_second_page_of_an_isolated_folio_is_busy():
    dev, drv, k = setup("generic")

    async def go():
        mm = k.mm_alloc()
        await k.mmap(mm, VA, 512, node=1, order=9)
        return await k.move_pages(mm, [VA, VA + PAGE], [0, 0])

    assert run(go()) == [0, -errno.EBUSY]         # as the kernel: already isolated


def test_migrate_pages_syscall_moves_a_whole_address_space():
    dev, drv, k = setup("batch_cpu", nr_nodes=3)

    async def go():
        mm = k.mm_alloc()
        a = await k.mmap(mm, VA, 6, node=1)
        b = await k.mmap(mm, VA + 0x100000, 3, node=2)
        k.folio_get(a[0])                                          # pinned
        snaps = await validate.snapshot(k, a + b)
        st = MigrateStats()
        busy = await k.migrate_pages_syscall(mm, [1, 2], [0, 1], stats=st)
        await validate.verify_migration(k, snaps, st)
        return busy, mm, a, st

    busy, mm, a, st = run(go())
    assert busy == 1
    nodes = sorted(k.pfn_folio(e.pfn).node for e in mm.pgtable.ptes.values())
    # do_migrate_pages(): 1 -> 0 first (0 is not a source), then 2 -> 1; pinned stays on 1
    assert nodes == [0] * 5 + [1] * 4
    assert a[0].node == 1 and st.nr_calls == 2


# ============================================================================== gating
def test_offload_is_gated_by_migration_reason():
    dev, drv, k = setup("batch_dma")

    async def go(reason):
        mm, folios = await populate(k, 4, va=VA + reason * 0x100000)
        frm = [f for f in folios if k.isolate_folio(f)]
        return await k.migrate_pages(frm, private=0, reason=reason)

    assert run(go(MigrateReason.MR_MEMORY_HOTPLUG)) == 0
    assert drv.batches == [] and len(dev.cpu_copies) == 4
    assert run(go(MigrateReason.MR_DEMOTION)) == 0
    assert drv.batches == [4] and len(dev.cpu_copies) == 4


def test_one_migrator_at_a_time():
    dev, drv, k = setup()
    slot = MigrateOffload()
    m1, m2 = DmaMigrator(dev, drv), DmaMigrator(dev, drv)
    assert slot.migrate_offload_register(m1, M.reason_mask(MigrateReason.MR_SYSCALL)) == 0
    assert slot.migrate_offload_register(m2, M.reason_mask(MigrateReason.MR_SYSCALL)) == -errno.EBUSY
    assert slot.should_offload(MigrateReason.MR_SYSCALL) and not slot.should_offload(MigrateReason.MR_COMPACTION)
    assert slot.migrate_offload_unregister(m2) == -errno.EINVAL
    assert slot.migrate_offload_unregister(m1) == 0 and not slot.should_offload(MigrateReason.MR_SYSCALL)
    with pytest.raises(ValueError):
        make_copy_path("batch_dma", dev)              # needs a driver
    with pytest.raises(ValueError):
        make_copy_path("nope", dev)


def test_dma_paths_charge_driver_software_costs():
    costs = Costs()
    dev, drv, k = setup("batch_dma_v1", costs=costs)
    dev2, drv2, k2 = setup("batch_dma", costs=costs)

    async def go(k, dev):
        mm, folios = await populate(k, 4)
        st = MigrateStats()
        frm = [f for f in folios if k.isolate_folio(f)]
        await k.migrate_pages(frm, private=0, stats=st)
        return st.copy_cycles

    v1 = run(go(k, dev))
    batch = run(go(k2, dev2))
    f = costs.to_fabric
    assert v1 == 4 * (f(costs.dma_map + costs.desc_prep + costs.doorbell) + 10 + f(costs.poll))
    assert batch == f(4 * (costs.dma_map + costs.desc_prep) + costs.doorbell) + 40 + f(costs.irq)


# ============================================================================== golden model
def test_batch_dma_on_the_golden_model_device():
    """The real driver on the pure-Python ModelDevice, with a read fault on one folio."""
    from harness.driver import Driver
    from harness.golden import ModelDevice

    async def go():
        dev = ModelDevice(mem_bytes=32 << 20, nr_nodes=2)
        drv = Driver(dev)
        await drv.probe()
        k = make_kernel(dev, "batch_dma", driver=drv)
        mm, folios = await populate(k, 16)
        thp = await k.mmap(mm, VA + (4 << 20), 512, node=1, order=9)
        dev.inject_fault("read", folios[5].addr, folios[5].addr + 64)
        snaps = await validate.snapshot(k, folios + thp)
        st = MigrateStats()
        status = await k.move_pages(mm, addrs(folios + thp), [0] * 17, stats=st)
        rep = await validate.verify_migration(k, snaps, st)
        return k, status, st, rep

    k, status, st, rep = run(go())
    # folio 5: DMA READ_ERROR, then the CPU fallback hits the same fault -> stays; the
    # async batch and the sync retry alone each try DMA then the CPU: two fallbacks.
    # migrate_pages() returned 1: move_pages() returns it and writes no status
    assert status == [M.STATUS_NOT_WRITTEN] * 17 and status.ret == 1
    assert k.copy_path.nr_fallback_folios == 2 and rep.nr_stayed == 1
    assert st.t1 < st.t2 < st.t3 < st.t4
    assert rep.bytes_validated == 16 * PAGE + (2 << 20)
