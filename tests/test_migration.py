"""Page migration on the simulated hardware: every copy path, byte for byte.

The host model (harness.mm) migrates a mixed set of folios from node 1 to node 0 through
the real driver on the simulated engine, or through the CPU copy model, and checks every
byte of every migrated folio, that failed folios are intact and still mapped at their
source (harness.mm.verify_migration), and the kernel's counters. Bus errors are injected so that the DMA copy of one
folio fails: with the CPU still able to read it, that folio falls back to the CPU copy
(FOLIO_CONTENT_COPIED per folio); with neither able to, it stays where it was.
"""
from __future__ import annotations

import pytest

from harness import runner

try:
    import cocotb
except ImportError:          # pragma: no cover - cocotb is a dependency
    cocotb = None

if cocotb is not None:
    from harness import validate
    from harness.assemble import bring_up, make_kernel
    from harness.mm import PAGE_SIZE, STATUS_NOT_WRITTEN, MigrateReason, MigrateStats, MovableOps

    VA = 1 << 32                     # user virtual address of the mappings (2 MiB aligned)

    async def mixed_workload(k):
        """4 KiB anon and file folios, 16 KiB, 64 KiB and 2 MiB folios, one pinned."""
        mm = k.mm_alloc("test")
        folios = []
        va = VA
        for nr_pages, order, anon in ((6, 0, True), (2, 0, False), (8, 2, True),
                                      (16, 4, True), (512, 9, True)):
            folios += await k.mmap(mm, va, nr_pages, node=1, order=order, anon=anon)
            va += max(nr_pages * PAGE_SIZE, 2 << 20)
        return mm, folios

    async def migrate(k, mm, folios):
        snaps = await validate.snapshot(k, folios)
        stats = MigrateStats()
        status = await k.move_pages(mm, [f.rmap[0][1] for f in folios], [0] * len(folios),
                                    stats)
        report = await validate.verify_migration(k, snaps, stats)   # raises on any wrong byte
        return status, stats, report

    @cocotb.test()
    async def every_copy_path(dut):
        """generic, batch_cpu, batch_dma_v1 and batch_dma each migrate the mixed set; a
        pinned folio stays on every path; non-LRU movable folios go through their
        owner's migrate_page even when the batch is offloaded."""
        dev, drv = await bring_up(dut, latency=20)
        for path in ("generic", "batch_cpu", "batch_dma_v1", "batch_dma"):
            k = make_kernel(dev, path, driver=drv, seed=len(path))
            mm, folios = await mixed_workload(k)
            pinned = folios[3]
            k.folio_get(pinned)                            # an extra reference: a GUP pin
            status, stats, report = await migrate(k, mm, folios)
            # the kernel's move_pages(2): migrate_pages() failed one folio, so the call
            # returns 1 and writes no status for the batch
            assert status.ret == 1, (path, status.ret)
            assert status == [STATUS_NOT_WRITTEN] * len(folios), (path, status)
            assert pinned.node == 1 and report.nr_stayed == 1, path
            assert report.nr_migrated == len(folios) - 1, path
            assert report.bytes_validated == sum(f.nbytes for f in folios)   # the pinned one: its source
            # the kernel counts successes in base pages, failures in folios (and pages)
            assert stats.nr_succeeded == sum(f.nr_pages for f in folios) - pinned.nr_pages
            assert stats.nr_failed == 1 and stats.nr_failed_pages == pinned.nr_pages, path
            dut._log.info("%s: %d folios, %d bytes validated", path, report.nr_migrated,
                          report.bytes_validated)
            k.folio_put(pinned)

            ops = MovableOps(k)
            movable = [k.alloc_movable(ops, node=1) for _ in range(2)]
            lru = await k.mmap(mm, VA + (64 << 20), 3, node=1)
            snaps = await validate.snapshot(k, lru + movable)
            stats = MigrateStats()
            frm = [f for f in lru + movable if k.isolate_folio(f)]
            rc = await k.migrate_pages(frm, private=0, reason=MigrateReason.MR_COMPACTION,
                                       stats=stats)
            await validate.verify_migration(k, snaps, stats)
            assert rc == 0 and stats.nr_succeeded == 5, path
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def dma_error_falls_back_per_folio(dut):
        """A read fault only the engine sees: that folio's completion says READ_ERROR and
        the CPU copies it; every other folio is offloaded; all bytes right."""
        dev, drv = await bring_up(dut, latency=20)
        k = make_kernel(dev, "batch_dma", driver=drv, seed=7)
        mm, folios = await mixed_workload(k)
        bad = folios[9]                                  # a 16 KiB folio
        dev.inject_fault("read", bad.addr + 8192, bad.addr + 8256, ports="dma")
        status, stats, report = await migrate(k, mm, folios)
        dev.clear_faults()
        assert status == [0] * len(folios), status
        assert report.nr_migrated == len(folios)
        assert k.copy_path.nr_fallback_folios == 1
        assert k.copy_path.nr_offloaded_folios == len(folios)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def uncopyable_folio_stays_at_source(dut):
        """A source neither the engine nor the CPU can read: that folio is undone and stays
        mapped at its intact source; the others migrate. As the kernel's move_pages(2):
        migrate_pages() failed one folio, so the call returns 1 and writes no status."""
        dev, drv = await bring_up(dut, latency=20)
        k = make_kernel(dev, "batch_dma", driver=drv, seed=9)
        mm, folios = await mixed_workload(k)
        bad = folios[2]                                  # a 4 KiB anonymous folio
        dev.inject_fault("read", bad.addr, bad.addr + 64, ports="both")
        status, stats, report = await migrate(k, mm, folios)
        dev.clear_faults()
        assert status.ret == 1 and status == [STATUS_NOT_WRITTEN] * len(folios), status
        assert bad.node == 1 and report.nr_stayed == 1 and stats.nr_failed == 1
        assert report.nr_migrated == len(folios) - 1
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def engine_reset_under_migration(dut):
        """SOFT_RESET while a batch is on the engine: the driver reports it, the copy path
        copies that batch with the CPU, and every folio ends migrated with the right bytes;
        the next migration is offloaded again."""
        from harness.copy_paths import DmaClient

        dev, drv = await bring_up(dut, latency=100)
        resets = []

        async def reset_soon():
            await dev.wait_cycles(400)
            await drv.reset()

        class ResetUnderTheFirstBatch(DmaClient):
            async def copy_batch(self, requests, prepare=None):
                if not resets:                     # another task resets the engine
                    resets.append(cocotb.start_soon(reset_soon()))
                return await super().copy_batch(requests, prepare)

        k = make_kernel(dev, "batch_dma", driver=drv, seed=10,
                        client=ResetUnderTheFirstBatch(drv))
        mm, folios = await mixed_workload(k)
        status, stats, report = await migrate(k, mm, folios)
        await resets[0]
        assert status == [0] * len(folios), status
        assert report.nr_migrated == len(folios)
        fallbacks = k.copy_path.nr_fallback_folios
        assert fallbacks > 0
        more = await k.mmap(mm, VA + (256 << 20), 8, node=1)
        status, stats, report = await migrate(k, mm, more)
        assert status == [0] * 8 and report.nr_migrated == 8
        assert k.copy_path.nr_fallback_folios == fallbacks       # the engine works again
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def batch_dma_overlaps_preparation(dut):
        """batch_dma submits in chunks and the engine copies while later chunks are prepared:
        64 x 4 KiB migrate byte for byte with one doorbell per chunk; the batch's copy time
        (t3 - t2) is the same whether software steps are fast-forwarded (WarpDevice: only
        while the engine is idle) or simulated; it is below the same batch submitted as one
        chunk (all software before the doorbell, the old serial way) and not below the
        engine's own bus time plus the software that cannot overlap (first chunk, irq)."""
        from harness.copy_paths import SUBMIT_CHUNKS, chunk_sizes
        from harness.costs import DEFAULT_COSTS as c
        from harness.driver import DMA_PREP_INTERRUPT
        from harness.jobs import TimedClient, TimedDriver, WarpDevice

        dev, drv = await bring_up(dut, latency=100, driver_cls=TimedDriver)
        # dma_busy is up by the time the doorbell's register write returns (the queue takes
        # TAIL one edge before the write response): nothing rung can look idle
        assert not dev.engine_busy()
        tx = drv.prep_memcpy(2 * dev.node_bytes, 1 * dev.node_bytes, PAGE_SIZE,
                             flags=DMA_PREP_INTERRUPT, cookie=77)
        assert drv.submit(tx) == 77
        await drv.issue_pending()
        assert dev.engine_busy() and drv.outstanding() == 1
        assert await dev.wait_irq(10_000)
        assert await drv.poll() == 1 and tx.result.ok      # acks IRQ_STATUS, reaps
        assert drv.outstanding() == 0
        n = 64
        chunks = chunk_sizes(n, SUBMIT_CHUNKS)
        assert len(chunks) > 1, chunks
        runs = {}
        for name, warp, schedule in (("overlap", True, SUBMIT_CHUNKS),
                                     ("overlap_no_warp", False, SUBMIT_CHUNKS),
                                     ("serial", True, (n,))):
            kdev = WarpDevice(dev, drv) if warp else dev
            k = make_kernel(kdev, "batch_dma", driver=drv, seed=11,
                            client=TimedClient(drv, chunks=schedule))
            mm = k.mm_alloc(name)
            folios = await k.mmap(mm, VA, n, node=1)
            status, stats, report = await migrate(k, mm, folios)
            assert status == [0] * n and report.nr_migrated == n, (name, status)
            assert report.bytes_validated == n * PAGE_SIZE
            assert k.copy_path.nr_fallback_folios == 0
            runs[name] = (stats.copy_cycles, drv.dev.nr_doorbells, kdev)
            dut._log.info("%s: t3 - t2 = %d fabric cycles, %d doorbells%s", name,
                          stats.copy_cycles, drv.dev.nr_doorbells,
                          f", warp skipped {kdev.skipped} simulated {kdev.simulated}"
                          if warp else "")
        overlap, doorbells, warped = runs["overlap"]
        assert doorbells == len(chunks) and runs["serial"][1] == 1
        assert warped.skipped > 0 and warped.simulated > 0
        # fast-forwarding changed nothing but where a wake-up lands on the clock (a cycle or
        # two); skipping engine work would cost the hidden software's ~2000 cycles
        assert abs(overlap - runs["overlap_no_warp"][0]) <= 4, (overlap, runs)
        f = c.to_fabric
        bus_time = n * PAGE_SIZE // dev.bus_bytes
        first_sw = f(chunks[0] * (c.dma_map + c.desc_prep) + c.doorbell)
        hidden_sw = sum(f(k * (c.dma_map + c.desc_prep) + c.doorbell) for k in chunks[1:])
        assert overlap >= first_sw + bus_time + f(c.irq)
        serial = runs["serial"][0]
        assert overlap < serial
        assert serial - overlap > hidden_sw // 2, (serial, overlap, hidden_sw)
        assert dev.protocol_errors == 0


#: the cocotb tests of this module, in two simulations that make test runs side by side
TESTS = {"every_copy_path": ["every_copy_path"],
         "faults_resets_overlap": ["dma_error_falls_back_per_folio",
                                   "uncopyable_folio_stays_at_source",
                                   "engine_reset_under_migration",
                                   "batch_dma_overlaps_preparation"]}


@pytest.mark.parametrize("group", TESTS)
def test_migration_paths(group):
    """Each copy path on the simulated engine and CPU copy model (512-bit, 1 queue)."""
    runner.run("test_migration", testcase=TESTS[group],
               parameters={"DATA_WIDTH": 512, "NUM_QUEUES": 1},
               config={"bus_bytes": 64, "queues": 1})
