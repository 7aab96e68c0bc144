"""RTL regression of queue control and multi-queue behaviour: cocotb tests on tb_top.

Same shape as tests/test_engine.py (whose data helpers it reuses): the pytest functions at
the bottom build one simulation per queue count and run this module's cocotb tests in it.

* 4-queue build: a batch split over 4 queues (data, per-queue and global counters), a
  per-queue RATE cap, the IRQ flag on every descriptor of every queue, a bad
  descriptor in the middle of a multi-queue batch, ABORT of one queue among running ones.
* 1-queue build: interrupt coalescing (IRQ_COUNT, IRQ_TIMEOUT, IRQ_ENABLE masking,
  IRQ_STATUS write-1-to-clear), PAUSE / resume, ABORT (running, paused, disabled queue),
  and SOFT_RESET in the middle of a batch (by hand, and through Driver.reset() while a
  batch of the copy paths' client, copy_paths.DmaClient, runs).

Control tests bypass the driver: they write descriptors and TAIL themselves
(``submit``), so they choose every flag, and keep the driver's ring indices in step, so
the driver can be used again afterwards. Every test ends with the AXI checker clean.
"""
from __future__ import annotations

import numpy as np
import pytest
from engine_checks import SLAVE_MODES

from harness import layout, runner

DESC_BYTES = layout.DESCRIPTOR.itemsize
COMP_BYTES = layout.COMPLETION.itemsize


# ============================================================== cocotb side (in the simulator)
try:
    import cocotb
except ImportError:          # pragma: no cover - cocotb is a dependency
    cocotb = None

if cocotb is not None:
    from engine_checks import GUARD, NODE, bring_up, check, fill, pages, pattern

    from harness.copy_paths import CopyRequest, DmaClient, EngineResetError
    from harness.driver import ring_advance

    SUCCESS = layout.STATUS_SUCCESS
    ABORTED = layout.STATUS_ABORTED
    BAD = layout.STATUS_BAD_DESCRIPTOR

    # ------------------------------------------------------------------ small helpers
    async def reg(dev, q, name):
        return await dev.read_reg(layout.queue_reg(q, name))

    async def greg(dev, name):
        return await dev.read_reg(layout.global_reg(name))

    async def submit(dev, q, regions, flags=0, cookie0=0x1000, doorbell=True):
        """Write descriptors for ``regions`` at the driver queue ``q``'s TAIL, zero their
        records, ring the doorbell. ``flags``: an int or one per region. -> first slot."""
        if isinstance(flags, int):
            flags = [flags] * len(regions)
        first = q.tail
        pos = 0
        for start, count in q.spans(q.tail, len(regions)):
            entries = [(s, d, n, f, cookie0 + pos + j)
                       for j, ((s, d, n), f) in enumerate(zip(regions[pos:pos + count],
                                                              flags[pos:pos + count]))]
            await dev.mem_write(q.desc_addr(start), layout.pack_descriptors(entries).view(np.uint8))
            await dev.mem_write(q.comp_addr(start), np.zeros(count * COMP_BYTES, np.uint8))
            pos += count
        q.tail = ring_advance(q.tail, len(regions), q.order)
        if doorbell:
            await dev.write_reg(q.reg("TAIL"), q.tail)
        return first

    async def wait_head(dev, q, target, timeout=200_000, step=64):
        """Poll queue ``q``'s HEAD until it reads ``target``; -> the cycle it was seen."""
        deadline = dev.now() + timeout
        while True:
            head = await dev.read_reg(q.reg("HEAD"))
            if head == target:
                q.head = head
                return dev.now()
            assert dev.now() < deadline, f"queue {q.index}: HEAD {head}, expected {target}"
            await dev.wait_cycles(step)

    async def records(dev, q, first, n):
        """The n completion records from slot ``first`` (wrapping) of driver queue ``q``."""
        chunks = [await dev.mem_read(q.comp_addr(s), c * COMP_BYTES)
                  for s, c in q.spans(first, n)]
        return np.concatenate(chunks).view(layout.COMPLETION)

    async def untouched(dev, region):
        """Destination and its guards still hold test_engine.fill's pattern."""
        _, dst, length = region
        got = await dev.mem_read(dst - GUARD, length + 2 * GUARD)
        return bool((got == 0xA5).all())

    async def copied(dev, region, seed):
        """Destination holds its source exactly, guards untouched."""
        src, dst, length = region
        got = await dev.mem_read(dst - GUARD, length + 2 * GUARD)
        return bool((got[:GUARD] == 0xA5).all() and (got[-GUARD:] == 0xA5).all()
                    and np.array_equal(got[GUARD:-GUARD], pattern(seed, src, length)))

    async def sources_intact(dev, regions, seed):
        for src, _, length in regions:
            assert np.array_equal(await dev.mem_read(src, length), pattern(seed, src, length)), \
                f"source at {src:#x} changed"

    async def settle_irq(dev):
        """Acknowledge every pending interrupt: afterwards the line is low."""
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), 0xFFFF_FFFF)
        assert not int(dev.dut.irq.value)

    # ============================================================ 4-queue build
    @cocotb.test()
    async def multi_queue_counters(dut):
        """32 copies of mixed sizes split over 4 queues: data right, every queue did its
        share, per-queue RD/WR_BEATS and DESC_DONE match it, global counters are the sums."""
        dev, drv = await bring_up(dut)
        assert drv.nr_queues == 4 and dev.nr_queues == 4
        sizes = [4096, 8192, 64 * 3, 16384]
        regions = [(s, d, sizes[i % 4]) for i, (s, d, _) in enumerate(pages(32, 16384))]
        await fill(dev, regions, seed=11)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert all(c.ok for c in comps), [c.status for c in comps]
        await check(dev, regions, comps, seed=11)
        # Driver splits in contiguous chunks: queue q did requests [8q, 8q + 8)
        bb = dev.bus_bytes
        sums = {"DESC_DONE": 0, "RD_BEATS": 0, "WR_BEATS": 0}
        for q in range(4):
            share = regions[8 * q: 8 * q + 8]
            beats = sum(n for _, _, n in share) // bb
            got = {name: await reg(dev, q, name) for name in sums}
            assert got == {"DESC_DONE": 8, "RD_BEATS": beats, "WR_BEATS": beats}, (q, got)
            assert await reg(dev, q, "HEAD") == 8 and await reg(dev, q, "TAIL") == 8
            assert await reg(dev, q, "BUSY_CYCLES") > 0
            st = await reg(dev, q, "STATUS")
            assert st & layout.QSTATUS_IDLE and not st & layout.QSTATUS_ERROR, (q, st)
            for name in sums:
                sums[name] += got[name]
        for name, total in sums.items():
            assert await greg(dev, name) == total, name
        assert sums["WR_BEATS"] == sum(n for _, _, n in regions) // bb
        busy = await greg(dev, "BUSY_CYCLES")
        assert busy > 0
        assert busy >= max([await reg(dev, q, "BUSY_CYCLES") for q in range(4)])
        assert await greg(dev, "STATUS") == 0
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def queues_saturate_memory(dut):
        """4 queues x 16 bursts in flight at latency 200 overflow the memory's 64-deep read
        queue: back-pressure on AR must not lose or misroute a burst (it once did)."""
        dev, drv = await bring_up(dut, latency=200)
        regions = [(s, d, 4096) for s, d, _ in pages(256, 4096, gap=0)]
        await fill(dev, regions, seed=17)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert all(c.ok for c in comps), [c.status for c in comps]
        await check(dev, regions, comps, seed=17)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def rate_cap(dut):
        """RATE = 32 (1/8 beat per cycle) on queue 1: a 64 KiB copy takes > 5x as long as
        the same copy uncapped, data still right; RATE reads back; queue 0 is not capped."""
        dev, drv = await bring_up(dut)
        size = 64 << 10
        base = pages(3, size)
        q0, q1 = drv.queues[0], drv.queues[1]

        async def timed(q, region, seed):
            await fill(dev, [region], seed)
            t0 = dev.now()
            first = await submit(dev, q, [region], flags=layout.DESC_FLAG_IRQ)
            end = await wait_head(dev, q, q.tail, step=32)
            [rec] = await records(dev, q, first, 1)
            assert rec["status"] == SUCCESS and rec["bytes_completed"] == size
            assert await copied(dev, region, seed)
            return end - t0

        free = await timed(q1, base[0], seed=12)
        await dev.write_reg(q1.reg("RATE"), 32)
        assert await dev.read_reg(q1.reg("RATE")) == 32
        capped = await timed(q1, base[1], seed=13)
        other = await timed(q0, base[2], seed=14)    # RATE is per queue
        dut._log.info(f"64 KiB: uncapped {free} cycles, RATE=32 {capped}, queue 0 {other}")
        beats = size // dev.bus_bytes
        assert capped > 5 * free, (free, capped)
        assert capped >= 8 * beats * 0.9, (capped, beats)     # 1/8 beat per cycle at best
        assert other < 2 * free, (free, other)
        await dev.write_reg(q1.reg("RATE"), 0)
        await settle_irq(dev)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def irq_every_descriptor(dut):
        """Every descriptor of every queue asks for an interrupt: each queue's IRQ_STATUS
        bit rises, the line follows, write-1-to-clear per bit; everything copied."""
        dev, drv = await bring_up(dut)
        regions = pages(24, 4096)
        await fill(dev, regions, seed=15)
        await settle_irq(dev)
        firsts = []
        for q in drv.queues:
            share = regions[6 * q.index: 6 * q.index + 6]
            firsts.append(await submit(dev, q, share, flags=layout.DESC_FLAG_IRQ,
                                       cookie0=0x100 * (q.index + 1)))
        assert await dev.wait_irq(timeout_cycles=20_000)
        for q in drv.queues:
            await wait_head(dev, q, q.tail)
        assert await greg(dev, "IRQ_STATUS") == 0xF
        for q in drv.queues:
            recs = await records(dev, q, firsts[q.index], 6)
            assert list(recs["status"]) == [SUCCESS] * 6
            assert list(recs["cookie"]) == [0x100 * (q.index + 1) + j for j in range(6)]
        for region in regions:
            assert await copied(dev, region, seed=15)
        # W1C: clearing one bit leaves the others, the line stays high until all are clear
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), 0x2)
        assert await greg(dev, "IRQ_STATUS") == 0xD and int(dut.irq.value)
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), 0x0)   # writing 0 clears nothing
        assert await greg(dev, "IRQ_STATUS") == 0xD
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), 0xD)
        assert await greg(dev, "IRQ_STATUS") == 0 and not int(dut.irq.value)
        # and the driver still works (its ring indices were kept in step)
        more = pages(8, 4096, dst_node=2)
        await fill(dev, more, seed=16)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in more])
        await check(dev, more, comps, seed=16)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def bad_descriptor_mid_batch(dut):
        """A misaligned descriptor in the middle of queue 1's share of a 4-queue batch:
        BAD_DESCRIPTOR, its destination untouched, only queue 1 reports ERROR, all the
        other copies (before and after it, on every queue) complete."""
        dev, drv = await bring_up(dut)
        regions = pages(16, 8192)
        bad = 6                                        # queue 1 holds requests 4..7
        shown = list(regions)
        reqs = [CopyRequest(*r) for r in regions]
        reqs[bad] = CopyRequest(regions[bad][0] + 32, regions[bad][1], 8192)
        await fill(dev, shown, seed=17)
        comps = await DmaClient(drv).copy_batch(reqs)
        codes = [c.code for c in comps]
        assert codes == [SUCCESS] * bad + [BAD] + [SUCCESS] * (15 - bad), codes
        assert comps[bad].bytes_completed == 0 and comps[bad].fault_addr == 0
        good = [i for i in range(16) if i != bad]
        await check(dev, [regions[i] for i in good], [comps[i] for i in good], seed=17)
        assert await untouched(dev, regions[bad])
        for q in range(4):
            st = await reg(dev, q, "STATUS")
            assert bool(st & layout.QSTATUS_ERROR) == (q == 1), (q, st)
            assert await reg(dev, q, "DESC_DONE") == 4
        beats = sum(regions[i][2] for i in good) // dev.bus_bytes
        assert await greg(dev, "WR_BEATS") == beats
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def abort_one_of_four(dut):
        """ABORT of paused queue 2 while queues 0, 1 and 3 copy: queue 2's descriptors all
        complete ABORTED (untouched destinations, its interrupt bit), the others SUCCESS
        without an interrupt (no flag, no coalescing), nothing else disturbed."""
        dev, drv = await bring_up(dut)
        regions = pages(24, 8192)
        await fill(dev, regions, seed=18)
        await settle_irq(dev)
        await dev.write_reg(drv.queues[2].reg("CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE)
        firsts = [await submit(dev, q, regions[6 * q.index: 6 * q.index + 6]) for q in drv.queues]
        await dev.wait_cycles(200)
        await dev.write_reg(drv.queues[2].reg("CONTROL"),
                            layout.QCTRL_ENABLE | layout.QCTRL_PAUSE | layout.QCTRL_ABORT)
        for q in drv.queues:
            await wait_head(dev, q, q.tail)
        assert await greg(dev, "IRQ_STATUS") == 1 << 2
        for q in drv.queues:
            recs = await records(dev, q, firsts[q.index], 6)
            want = ABORTED if q.index == 2 else SUCCESS
            assert list(recs["status"]) == [want] * 6, (q.index, list(recs["status"]))
            for region in regions[6 * q.index: 6 * q.index + 6]:
                if q.index == 2:
                    assert await untouched(dev, region)
                else:
                    assert await copied(dev, region, seed=18)
            assert bool(await reg(dev, q.index, "STATUS") & layout.QSTATUS_ERROR) == (q.index == 2)
        assert await reg(dev, 2, "WR_BEATS") == 0 and await reg(dev, 2, "DESC_DONE") == 6
        await settle_irq(dev)
        assert dev.protocol_errors == 0

    # ============================================================ 1-queue build
    @cocotb.test()
    async def irq_coalescing(dut):
        """IRQ_COUNT: the interrupt comes with the Nth unflagged completion, not before;
        IRQ_TIMEOUT: N cycles after the last unreported completion; IRQ_ENABLE masks the
        line but not IRQ_STATUS; IRQ_STATUS is write-1-to-clear."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        regions = pages(16, 4096)
        await fill(dev, regions, seed=21)
        await settle_irq(dev)

        # --- count: 4
        await dev.write_reg(q.reg("IRQ_COUNT"), 4)
        await submit(dev, q, regions[0:3])
        await wait_head(dev, q, q.tail)
        assert not await dev.wait_irq(timeout_cycles=2000), "3 of IRQ_COUNT=4 raised the irq"
        assert await greg(dev, "IRQ_STATUS") == 0
        await submit(dev, q, regions[3:4])
        assert await dev.wait_irq(timeout_cycles=5000), "4th completion did not interrupt"
        assert await dev.read_reg(q.reg("HEAD")) == q.tail   # record and HEAD before the irq
        assert await greg(dev, "IRQ_STATUS") == 1
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), 1)
        assert await greg(dev, "IRQ_STATUS") == 0 and not int(dut.irq.value)
        # the count restarts: 5 more -> one interrupt after the 4th, 1 left unreported
        await submit(dev, q, regions[4:9])
        await wait_head(dev, q, q.tail)
        assert int(dut.irq.value)
        await settle_irq(dev)
        assert not await dev.wait_irq(timeout_cycles=2000), "1 of 4 raised the irq"

        # --- timeout: 3000 cycles after the last unreported completion
        await dev.write_reg(q.reg("IRQ_COUNT"), 0)
        await dev.write_reg(q.reg("IRQ_TIMEOUT"), 3000)
        assert await dev.wait_irq(timeout_cycles=4000), "left-over completion never timed out"
        await settle_irq(dev)
        t0 = dev.now()
        await submit(dev, q, regions[9:11])
        done = await wait_head(dev, q, q.tail, step=16)
        assert not int(dut.irq.value), "irq before the timeout"
        assert await dev.wait_irq(timeout_cycles=5000), "IRQ_TIMEOUT never fired"
        t_irq = dev.now()
        assert t_irq - done >= 3000 - 200, (t0, done, t_irq)
        assert t_irq - t0 <= 3000 + (done - t0) + 100, (t0, done, t_irq)
        await settle_irq(dev)
        assert not await dev.wait_irq(timeout_cycles=4000), "timeout fired twice"

        # --- IRQ_ENABLE masks the line, not the status; enabling shows what is pending
        await dev.write_reg(q.reg("IRQ_TIMEOUT"), 0)
        await dev.write_reg(layout.global_reg("IRQ_ENABLE"), 0)
        await submit(dev, q, regions[11:12], flags=layout.DESC_FLAG_IRQ)
        await wait_head(dev, q, q.tail)
        assert not await dev.wait_irq(timeout_cycles=500), "masked queue drove the irq line"
        assert await greg(dev, "IRQ_STATUS") == 1
        await dev.write_reg(layout.global_reg("IRQ_ENABLE"), 1)
        assert await greg(dev, "IRQ_ENABLE") == 1
        assert await dev.wait_irq(timeout_cycles=10)
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), 1)
        assert not int(dut.irq.value)

        # --- no coalescing, no flag: no interrupt at all
        await submit(dev, q, regions[12:16])
        await wait_head(dev, q, q.tail)
        assert not await dev.wait_irq(timeout_cycles=3000)
        comps_ok = await records(dev, q, 0, 16)
        assert list(comps_ok["status"]) == [SUCCESS] * 16
        for region in regions:
            assert await copied(dev, region, seed=21)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def pause_resume(dut):
        """PAUSE before the doorbell: nothing fetched or copied, HEAD stays, STATUS.PAUSED;
        resume: all complete. PAUSE while running: the queue stops at a descriptor
        boundary, HEAD stays while paused, resume finishes the rest."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        on, pause = layout.QCTRL_ENABLE, layout.QCTRL_ENABLE | layout.QCTRL_PAUSE
        regions = pages(8, 4096)
        await fill(dev, regions, seed=31)
        await dev.write_reg(q.reg("CONTROL"), pause)
        first = await submit(dev, q, regions, flags=[0] * 7 + [layout.DESC_FLAG_IRQ])
        await dev.wait_cycles(3000)
        assert await dev.read_reg(q.reg("HEAD")) == first
        st = await dev.read_reg(q.reg("STATUS"))
        assert st & layout.QSTATUS_PAUSED and not st & layout.QSTATUS_IDLE, st
        assert await dev.read_reg(q.reg("CONTROL")) == pause
        assert await greg(dev, "RD_BEATS") == 0
        for region in regions:
            assert await untouched(dev, region)
        assert not int(dut.irq.value)
        await dev.write_reg(q.reg("CONTROL"), on)
        assert await dev.wait_irq(timeout_cycles=20_000)
        await wait_head(dev, q, q.tail)
        assert not await dev.read_reg(q.reg("STATUS")) & layout.QSTATUS_PAUSED
        assert list((await records(dev, q, first, 8))["status"]) == [SUCCESS] * 8
        for region in regions:
            assert await copied(dev, region, seed=31)
        await settle_irq(dev)

        # pause while running
        regions = pages(24, 16384, dst_node=2)
        await fill(dev, regions, seed=32)
        first = await submit(dev, q, regions, flags=[0] * 23 + [layout.DESC_FLAG_IRQ])
        await dev.wait_cycles(600)
        await dev.write_reg(q.reg("CONTROL"), pause)
        for _ in range(200):
            if await dev.read_reg(q.reg("STATUS")) & layout.QSTATUS_PAUSED:
                break
            await dev.wait_cycles(32)
        else:
            raise AssertionError("STATUS.PAUSED never set")
        await dev.wait_cycles(100)
        h1 = await dev.read_reg(q.reg("HEAD"))
        n1 = (h1 - first) % q.size
        assert 0 < n1 < 24, f"pause at cycle ~600 left {n1} of 24 done"
        await dev.wait_cycles(3000)
        assert await dev.read_reg(q.reg("HEAD")) == h1, "HEAD moved while paused"
        recs = await records(dev, q, first, 24)
        for i, region in enumerate(regions):
            if i < n1:
                assert recs[i]["status"] == SUCCESS and await copied(dev, region, seed=32)
            else:
                assert recs[i]["status"] == 0 and await untouched(dev, region), i
        assert not int(dut.irq.value)
        await dev.write_reg(q.reg("CONTROL"), on)
        assert await dev.wait_irq(timeout_cycles=50_000)
        await wait_head(dev, q, q.tail)
        recs = await records(dev, q, first, 24)
        assert list(recs["status"]) == [SUCCESS] * 24
        for region in regions:
            assert await copied(dev, region, seed=32)
        await settle_irq(dev)
        assert dev.protocol_errors == 0

    async def abort_case(dev, q, regions, seed, control, wait):
        """Submit ``regions``, let ``wait`` cycles pass, write ``control`` | ABORT; check
        every descriptor up to that TAIL completes, a prefix SUCCESS (copied), the rest
        ABORTED with 0 bytes (untouched), guards intact. -> number copied."""
        await fill(dev, regions, seed)
        await settle_irq(dev)
        first = await submit(dev, q, regions)
        await dev.wait_cycles(wait)
        await dev.write_reg(q.reg("CONTROL"), control | layout.QCTRL_ABORT)
        await wait_head(dev, q, q.tail, timeout=100_000)
        assert await dev.wait_irq(timeout_cycles=10), "an ABORTED completion must interrupt"
        recs = await records(dev, q, first, len(regions))
        codes = [int(s) for s in recs["status"]]
        n_ok = codes.count(SUCCESS)
        assert codes == [SUCCESS] * n_ok + [ABORTED] * (len(regions) - n_ok), codes
        assert list(recs["cookie"]) == [0x1000 + i for i in range(len(regions))]
        for i, region in enumerate(regions):
            if i < n_ok:
                assert recs[i]["bytes_completed"] == region[2] and await copied(dev, region, seed)
            else:
                assert recs[i]["bytes_completed"] == 0 and recs[i]["fault_addr"] == 0
                assert await untouched(dev, region), f"aborted descriptor {i} wrote memory"
        await sources_intact(dev, regions, seed)
        st = await dev.read_reg(q.reg("STATUS"))
        assert st & layout.QSTATUS_IDLE and st & layout.QSTATUS_ERROR, st
        await settle_irq(dev)
        return n_ok

    @cocotb.test()
    async def abort(dut):
        """ABORT while running (a prefix copied, the rest ABORTED), while paused (all
        ABORTED), on a disabled queue (all ABORTED); descriptors rung after the abort
        run normally; the driver works afterwards."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        on = layout.QCTRL_ENABLE
        pause = layout.QCTRL_ENABLE | layout.QCTRL_PAUSE
        n_ok = await abort_case(dev, q, pages(24, 16384), 41, on, wait=800)
        assert 0 < n_ok < 24, n_ok
        assert await dev.read_reg(q.reg("CONTROL")) == on      # ABORT self-clears

        await dev.write_reg(q.reg("CONTROL"), pause)
        assert await abort_case(dev, q, pages(8, 4096, dst_node=2), 42, pause, wait=500) == 0
        assert await dev.read_reg(q.reg("CONTROL")) == pause   # still paused after it
        await dev.write_reg(q.reg("CONTROL"), 0)
        assert await abort_case(dev, q, pages(8, 4096, dst_node=3), 43, 0, wait=500) == 0

        # after the abort has finished, new work runs normally
        await dev.write_reg(q.reg("CONTROL"), on)
        more = pages(6, 4096, src_node=2, dst_node=3, gap=0x8000)
        more = [(s + (8 << 20), d + (8 << 20), n) for s, d, n in more]
        await fill(dev, more, seed=44)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in more])
        await check(dev, more, comps, seed=44)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def abort_then_new_work(dut):
        """ABORT with copies still in flight, and new descriptors rung right after it (before
        HEAD has reached the TAIL of the abort): only the descriptors up to that TAIL are
        ABORTED; every new one runs normally."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        old = pages(8, 16384)
        new = [(s + (8 << 20), d + (8 << 20), n) for s, d, n in pages(6, 4096, src_node=2, dst_node=3)]
        await fill(dev, old, seed=45)
        await fill(dev, new, seed=46)
        await settle_irq(dev)
        await dev.write_reg(q.reg("RATE"), 64)            # the copies in flight take a while
        first_old = await submit(dev, q, old)
        await dev.wait_cycles(300)
        await dev.write_reg(q.reg("CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_ABORT)
        await dev.write_reg(q.reg("RATE"), 0)
        first_new = await submit(dev, q, new, cookie0=0x2000)
        await wait_head(dev, q, q.tail, timeout=200_000)
        codes = [int(s) for s in (await records(dev, q, first_old, len(old)))["status"]]
        n_ok = codes.count(SUCCESS)
        assert 0 < n_ok < len(old) and codes == [SUCCESS] * n_ok + [ABORTED] * (len(old) - n_ok), codes
        recs = await records(dev, q, first_new, len(new))
        assert [int(s) for s in recs["status"]] == [SUCCESS] * len(new), list(recs["status"])
        for region in new:
            assert await copied(dev, region, 46), f"new copy {region} not done"
        await settle_irq(dev)
        assert dev.protocol_errors == 0

    async def check_after_reset(dev, regions, seed, recs=None):
        """Each destination holds its source exactly or its old contents, never a mix and
        nothing outside it; with records: retired SUCCESS <=> copied. -> copied count."""
        n_copied = 0
        for i, region in enumerate(regions):
            is_copy = await copied(dev, region, seed)
            assert is_copy or await untouched(dev, region), \
                f"destination {i} is neither its source nor its old contents"
            if recs is not None:
                status = int(recs[i]["status"])
                assert status in (0, SUCCESS), (i, status)
                assert is_copy == (status == SUCCESS), (i, status, is_copy)
            n_copied += is_copy
        await sources_intact(dev, regions, seed)
        return n_copied

    @cocotb.test()
    async def soft_reset_mid_batch(dut):
        """SOFT_RESET while a 1 MiB batch runs: it self-clears once the queue drained,
        HEAD/TAIL/counters are back to 0, every destination is its source or untouched
        (what was handed to the mover finishes and retires; the rest never starts), and
        after reprogramming the engine copies again."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        ctrl = layout.global_reg("CONTROL")
        regions = pages(64, 16384)
        await fill(dev, regions, seed=51)
        first = await submit(dev, q, regions)
        await dev.wait_cycles(2000)
        await dev.write_reg(ctrl, layout.CTRL_ENABLE | layout.CTRL_SOFT_RESET)
        t0 = dev.now()
        while await dev.read_reg(ctrl) & layout.CTRL_SOFT_RESET:
            assert dev.now() - t0 < 100_000, "SOFT_RESET never self-cleared"
            await dev.wait_cycles(16)
        dut._log.info(f"SOFT_RESET drained in ~{dev.now() - t0} cycles")
        t1 = dev.now()
        for _ in range(10):
            await dev.read_reg(ctrl)
        dut._log.info(f"10 register reads: {dev.now() - t1} cycles")
        assert await dev.read_reg(ctrl) == 0            # engine disabled by the reset
        for name in ("HEAD", "TAIL", "DESC_DONE", "WR_BEATS", "CONTROL", "IRQ_COUNT"):
            assert await dev.read_reg(q.reg(name)) == 0, name
        assert await greg(dev, "IRQ_ENABLE") == 0 and await greg(dev, "IRQ_STATUS") == 0
        recs = await records(dev, q, first, len(regions))
        n = await check_after_reset(dev, regions, 51, recs)
        assert 0 < n < len(regions), n
        assert [int(s) for s in recs["status"]] == [SUCCESS] * n + [0] * (len(regions) - n)
        # the engine does nothing until reprogrammed: then it copies again
        await drv.reset()
        redo = regions[n:n + 8]
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in redo])
        assert all(c.ok for c in comps)
        for region in redo:
            assert await copied(dev, region, seed=51)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def driver_reset_under_copy(dut):
        """Driver.reset() while a client's batch (2 MiB folios: the drain takes far
        longer than 100 register reads) runs in another task: reset() waits for the drain
        and returns, its transactions complete RESET, the batch raises EngineResetError
        instead of hanging or misreading records, memory is consistent, and the next batch
        succeeds."""
        dev, drv = await bring_up(dut)
        regions = [(1 * NODE + i * (3 << 20), 0 * NODE + (1 << 20) + i * (3 << 20), 2 << 20)
                   for i in range(4)]
        await fill(dev, regions, seed=61)
        async def batch():      # a task's uncaught exception would fail the test at once
            try:
                return await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
            except EngineResetError as exc:
                return exc

        task = cocotb.start_soon(batch())
        await dev.wait_cycles(3000)
        t0 = dev.now()
        await drv.reset()
        dut._log.info(f"Driver.reset() took {dev.now() - t0} cycles")
        outcome = await task
        assert isinstance(outcome, EngineResetError), \
            f"the batch returned {outcome!r} although the engine was reset under it"
        dut._log.info(f"the batch raised: {outcome}")
        assert dev.now() - t0 < DmaClient.IRQ_WAIT_SLICE + 40_000   # noticed promptly
        assert await reg(dev, 0, "HEAD") == 0 and await reg(dev, 0, "TAIL") == 0
        n = await check_after_reset(dev, regions, 61)
        assert n >= 1, n           # the first folio was in the mover: it finished
        small = pages(4, 4096, src_node=2, dst_node=3)
        await fill(dev, small, seed=62)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in small])
        await check(dev, small, comps, seed=62)
        assert dev.protocol_errors == 0


    # ============================================================ ring faults (1 queue)
    def granule_slots(dev, slot):
        """Slots sharing ``slot``'s ring granule (layout.ring_granule): they fail together."""
        per = layout.ring_granule(dev.bus_bytes) // DESC_BYTES
        return list(range(slot - slot % per, slot - slot % per + per))

    async def fetch_fault_batch(dev, q, n, fault_at, seed):
        """n 4 KiB copies behind one doorbell, a read fault on ring slot q.tail + fault_at:
        exactly that slot's ring granule completes FETCH_ERROR (cookie 0, bytes 0,
        fault_addr = the descriptor's own address, destination untouched), every other one
        copies, HEAD reaches TAIL, sources intact. -> the regions."""
        regions = pages(n, 4096)
        await fill(dev, regions, seed=seed)
        await settle_irq(dev)
        bad = granule_slots(dev, q.tail + fault_at)
        assert len(bad) < n
        lo = q.desc_addr(q.tail + fault_at) + 8
        dev.inject_fault("read", lo, lo + 1)
        first = await submit(dev, q, regions)
        await wait_head(dev, q, q.tail)
        dev.clear_faults()
        recs = await records(dev, q, first, n)
        for i, (rec, region) in enumerate(zip(recs, regions)):
            slot = first + i
            if slot in bad:
                assert (int(rec["status"]), int(rec["cookie"]), int(rec["bytes_completed"]),
                        int(rec["fault_addr"])) == \
                    (layout.STATUS_FETCH_ERROR, 0, 0, q.desc_addr(slot)), (i, rec)
                assert await untouched(dev, region), f"FETCH_ERROR slot {slot} wrote memory"
            else:
                assert int(rec["status"]) == SUCCESS and int(rec["cookie"]) == 0x1000 + i, (i, rec)
                assert await copied(dev, region, seed), f"slot {slot} not copied"
        await sources_intact(dev, regions, seed)
        return regions

    @cocotb.test()
    async def ring_fetch_fault(dut):
        """A read fault on one ring slot of a 40-descriptor batch (one doorbell, several
        fetch bursts): exactly the descriptors of that slot's ring granule complete
        FETCH_ERROR (fetch_fault_batch), every other one copies, the interrupt is raised,
        STATUS.ERROR set and RECORD_ERROR clear."""
        dev, drv = await bring_up(dut)
        regions = await fetch_fault_batch(dev, drv.queues[0], 40, 21, seed=71)
        assert await greg(dev, "IRQ_STATUS") & 1
        st = await reg(dev, 0, "STATUS")
        assert st & layout.QSTATUS_ERROR and not st & layout.QSTATUS_RECORD_ERROR, st
        assert await reg(dev, 0, "REC_FAULTS") == 0
        assert await reg(dev, 0, "DESC_DONE") == len(regions)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def record_write_fault(dut):
        """A write fault on one completion slot: its granule's records are not written
        (the slots keep what they held) and not retried; REC_FAULT_LO/HI = the first of
        them, REC_FAULTS = their number, STATUS.RECORD_ERROR, the interrupt raised, HEAD
        reaches TAIL, every destination fully copied; then a RING_ORDER write clears the
        record-fault state and the queue copies again."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        regions = pages(12, 4096)
        await fill(dev, regions, seed=72)
        await settle_irq(dev)
        first = await submit(dev, q, regions, doorbell=False)
        target = first + 5
        bad = granule_slots(dev, target)
        marker = np.full(COMP_BYTES, 0x5A, np.uint8)
        for slot in bad:
            await dev.mem_write(q.comp_addr(slot), marker)
        lo = q.comp_addr(target) + 16
        dev.inject_fault("write", lo, lo + 1)
        await dev.write_reg(q.reg("TAIL"), q.tail)
        await wait_head(dev, q, q.tail)
        dev.clear_faults()
        for slot in bad:
            got = await dev.mem_read(q.comp_addr(slot), COMP_BYTES)
            assert np.array_equal(got, marker), f"record slot {slot} was written"
        recs = await records(dev, q, first, len(regions))
        for i, region in enumerate(regions):
            assert await copied(dev, region, 72), f"destination {i} not fully copied"
            if first + i not in bad:
                assert int(recs[i]["status"]) == SUCCESS, (i, recs[i])
        assert await greg(dev, "IRQ_STATUS") & 1
        st = await reg(dev, 0, "STATUS")
        assert st & layout.QSTATUS_RECORD_ERROR and not st & layout.QSTATUS_ERROR, st
        addr = q.comp_addr(bad[0])
        assert await reg(dev, 0, "REC_FAULT_LO") == addr & 0xFFFF_FFFF
        assert await reg(dev, 0, "REC_FAULT_HI") == addr >> 32
        assert await reg(dev, 0, "REC_FAULTS") == len(bad)
        assert await reg(dev, 0, "DESC_DONE") == len(regions)
        # reprogramming the queue clears the record-fault state; it then works as before
        await dev.write_reg(q.reg("RING_ORDER"), q.order)
        q.head = q.tail = 0
        assert not await reg(dev, 0, "STATUS") & layout.QSTATUS_RECORD_ERROR
        assert (await reg(dev, 0, "REC_FAULTS"), await reg(dev, 0, "REC_FAULT_LO")) == (0, 0)
        more = pages(3, 4096, src_node=2, dst_node=3)
        await fill(dev, more, seed=73)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in more])
        await check(dev, more, comps, seed=73)
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def bases_above_the_bus(dut):
        """RING_BASE and COMP_BASE with bits at and above the engine's ADDR_WIDTH (32 in
        these builds): they read back as written, and the engine addresses ring and records
        with the bits below it - the batch copies, its records land at the driver's (bus)
        addresses, and a FETCH_ERROR's fault_addr is the descriptor's bus address."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        high = 0x5                                    # bits 32..34: beyond the bus
        for name, base in (("RING_BASE_HI", q.ring_base), ("COMP_BASE_HI", q.comp_base)):
            await dev.write_reg(q.reg(name), (base >> 32) | high)      # the queue is idle
            assert await reg(dev, 0, name) == (base >> 32) | high, name
        await fetch_fault_batch(dev, q, 6, 3, seed=74)   # its fault_addr: the bus address
        assert dev.protocol_errors == 0

    # ============================================================ ordering and slave modes
    @cocotb.test()
    async def fence_chain(dut):
        """One doorbell, six 64-byte copies P0->P1, P1->P2, ..., P5->P6. Without FENCE they
        overlap in flight: a descriptor reads its source before the previous one has written
        it, so the chain breaks (documented behaviour, shown on the transparent slave). With
        FENCE on every descriptor after the first, every page ends with P0's contents."""
        dev, drv = await bring_up(dut)
        q = drv.queues[0]
        n = layout.desc_align(dev.bus_bytes)
        page = [1 * NODE + 0x300000 + i * 4096 for i in range(7)]
        orig = [pattern(90, p, n) for p in page]
        chain = [(page[i], page[i + 1], n) for i in range(6)]

        async def run(flags):
            for p, data in zip(page, orig):
                await dev.mem_write(p, data)
            first = await submit(dev, q, chain, flags=flags)
            await wait_head(dev, q, q.tail, step=16)
            recs = await records(dev, q, first, 6)
            assert [int(r["status"]) for r in recs] == [SUCCESS] * 6, recs
            return [np.array_equal(await dev.mem_read(p, n), orig[0]) for p in page[1:]]

        loose = await run(0)
        assert loose[0], "P1 must hold P0 (the first copy has nothing to wait for)"
        dut._log.info("without FENCE, pages holding P0: %s", loose)
        if runner.load_config().get("slave_mode", 0) == 0:
            assert not all(loose), "expected the unfenced chain to break on this engine"
        fenced = await run([0] + [layout.DESC_FLAG_FENCE] * 5)
        assert all(fenced), f"with FENCE every page must hold P0: {fenced}"
        # a flag bit the engine does not know: BAD_DESCRIPTOR, nothing written
        await dev.mem_write(page[1], orig[1])
        first = await submit(dev, q, [chain[0]], flags=1 << 7)
        await wait_head(dev, q, q.tail, step=16)
        assert int((await records(dev, q, first, 1))[0]["status"]) == BAD
        assert np.array_equal(await dev.mem_read(page[1], n), orig[1])
        assert dev.protocol_errors == 0

    @cocotb.test()
    async def slave_mode_effect(dut):
        """Copies on every queue at once; the slave mode of the job did what it says
        (mode 0: nothing at all, the slave is transparent). The engine writes on one AXI
        ID (one mover writes for every queue), so no slave can reorder its write
        responses: b_reordered stays 0 in every mode (test_mem_model covers that mode with
        a master that writes on several IDs)."""
        dev, drv = await bring_up(dut)
        mode = runner.load_config().get("slave_mode", 0)
        regions = [(s, d, 8192) for s, d, _ in pages(8 * dev.nr_queues, 8192)]
        await fill(dev, regions, seed=91)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        await check(dev, regions, comps, seed=91)
        stats = {name: int(getattr(dut, "slave_" + name).value) for name in
                 ("aw_held", "w_held", "r_reordered", "b_reordered", "r_interleaved")}
        dut._log.info("slave mode %#x: %s", mode, stats)
        want = {"aw_held": mode & 1, "w_held": mode & 2, "r_reordered": mode & 4,
                "b_reordered": 0, "r_interleaved": mode & 8}
        if mode & 8:
            del want["r_reordered"]         # interleaving also starts newer bursts first
        for name, on in want.items():
            assert (stats[name] > 0) == bool(on), (name, stats)


# ==================================================================== pytest side (runner)
MULTI_QUEUE_TESTS = ["multi_queue_counters", "queues_saturate_memory", "rate_cap", "irq_every_descriptor",
                     "bad_descriptor_mid_batch", "abort_one_of_four", "slave_mode_effect"]
ONE_QUEUE_TESTS = ["irq_coalescing", "pause_resume", "abort", "abort_then_new_work", "soft_reset_mid_batch",
                   "driver_reset_under_copy", "fence_chain"]


RING_FAULT_TESTS = ["ring_fetch_fault", "record_write_fault", "bases_above_the_bus"]


def _run(queues, testcase, data_width=512, slave_mode=0):
    runner.run("test_queues", testcase=testcase,
            parameters={"DATA_WIDTH": data_width, "NUM_QUEUES": queues},
            config={"bus_bytes": data_width // 8, "queues": queues, "latency": 8,
                    "slave_mode": slave_mode})


def test_queues_multi():
    """4 queues: split batches, counters, RATE, IRQ on every descriptor, a bad one,
    ABORT of one queue among running ones."""
    _run(4, MULTI_QUEUE_TESTS)


def test_queues_control():
    """1 queue: coalescing, masking, PAUSE, ABORT, SOFT_RESET mid-batch."""
    _run(1, ONE_QUEUE_TESTS)


@pytest.mark.parametrize("data_width", [64, 128, 256, 512, 1024])
def test_queues_ring_faults(data_width):
    """1 queue: a descriptor fetch fault (FETCH_ERROR per ring granule) and a completion
    record write fault (REC_FAULT registers), on every bus width (the ring granule and
    the fetch path differ)."""
    _run(1, RING_FAULT_TESTS, data_width)


@pytest.mark.parametrize("mode", ["a", "b", "c", "d"])
def test_queues_multi_slave_mode(mode):
    """The 4-queue tests with the slave using one AXI permission (and that it did)."""
    _run(4, MULTI_QUEUE_TESTS, slave_mode=SLAVE_MODES[mode])


@pytest.mark.parametrize("mode", ["a", "b", "c", "d"])
def test_queues_control_slave_mode(mode):
    """The 1-queue tests (FENCE included) and the ring faults, 512 bits, in each slave
    mode; with one queue, (c) and (d) reorder and interleave its ring ID against its data
    ID only."""
    _run(1, ONE_QUEUE_TESTS + RING_FAULT_TESTS, slave_mode=SLAVE_MODES[mode])
