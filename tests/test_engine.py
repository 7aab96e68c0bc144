"""RTL regression of the engine: cocotb tests on tb_top, run through harness.runner.

The pytest functions at the bottom build one simulation per parameter set (bus width,
queues) and run the cocotb tests of this module in it. Every cocotb test drives the
engine through the real driver (harness.driver) on the simulated device, checks every
destination byte and the guard bytes around it, compares each completion record with
the golden model's prediction, and ends by asserting that the AXI checker on the
engine's master port saw no protocol violation.

Slave modes: the job configuration's ``slave_mode`` (tb_top's cfg_slave_mode, see
rtl/sim/axi_slave_modes.v and SLAVE_MODES) makes the slave in front of the memory use one
of AXI's permissions: (a) AWREADY waits for WVALID, (b) WREADY waits for AWVALID, (c) R and
B out of order across IDs, (d) R bursts of different IDs interleaved. Every test of this
module runs in each of them.
"""
from __future__ import annotations

import random

import pytest
from engine_checks import (  # noqa: F401
    GUARD,
    MEM_BYTES,
    MULTI_ID_MODES,
    NODE,
    SLAVE_MODES,
    bring_up,
    check,
    fill,
    pages,
    pattern,
)

from harness import layout, runner

# ============================================================== cocotb side (in the simulator)
try:
    import cocotb
except ImportError:          # pragma: no cover - cocotb is a dependency
    cocotb = None

if cocotb is not None:
    from harness.copy_paths import CopyRequest, DmaClient

    @cocotb.test()
    async def copy_4k(dut):
        """One 4 KiB copy, one doorbell, one interrupt."""
        dev, drv = await bring_up(dut)
        regions = pages(1, 4096)
        await fill(dev, regions, seed=1)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert await check(dev, regions, comps, seed=1) == 4096

    @cocotb.test()
    async def batch_512x4k(dut):
        """A full migration batch: 512 folios of 4 KiB (wraps a 512-slot ring)."""
        dev, drv = await bring_up(dut)
        regions = pages(512, 4096, gap=0)
        await fill(dev, regions, seed=2)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert await check(dev, regions, comps, seed=2) == 512 * 4096

    @cocotb.test()
    async def folio_2m(dut):
        """One 2 MiB folio in one descriptor."""
        dev, drv = await bring_up(dut)
        regions = [(1 * NODE + (2 << 20), 0 * NODE + (2 << 20), 2 << 20)]
        await fill(dev, regions, seed=3)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert await check(dev, regions, comps, seed=3) == 2 << 20

    @cocotb.test()
    async def ring_wraparound(dut):
        """More descriptors than ring slots: 37 copies through an 8-slot ring."""
        dev, drv = await bring_up(dut, ring_order=3)
        rng = random.Random(4)
        a = layout.desc_align(dev.bus_bytes)          # 64, or the bus width if wider
        regions = [(src, dst, rng.choice([a, 3 * a, 4096, 8192]))
                   for src, dst, _ in pages(37, 8192)]
        await fill(dev, regions, seed=4)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert await check(dev, regions, comps, seed=4) == sum(r[2] for r in regions)

    @cocotb.test()
    async def backpressure_every_channel(dut):
        """Random idle/backpressure on AW, W, B, AR and R while copying odd offsets."""
        dev, drv = await bring_up(dut)
        dev.set_stalls(0x1F, seed=7)
        # sources and destinations at offsets that straddle 4 KiB on both sides
        a = layout.desc_align(dev.bus_bytes)
        regions = [(1 * NODE + 0x20000 + i * 0x10000 + a * (i % 7),
                    0 * NODE + 0x20000 + i * 0x10000 + 4096 - a * (i % 5 + 1),
                    a * (1 + 17 * i)) for i in range(24)]
        await fill(dev, regions, seed=5)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        assert await check(dev, regions, comps, seed=5) == sum(r[2] for r in regions)

    @cocotb.test()
    async def bad_descriptors(dut):
        """Length 0, over the maximum, misaligned: BAD_DESCRIPTOR, nothing written; the
        good descriptors around them still complete."""
        dev, drv = await bring_up(dut)
        base = pages(7, 4096)
        regions = [base[0],
                   (base[1][0], base[1][1], 0),
                   (base[2][0], base[2][1], layout.DESC_MAX_LENGTH + 64),
                   (base[3][0] + 8, base[3][1], 4096),
                   (base[4][0], base[4][1] + 32, 4096),
                   base[5],
                   (base[6][0] + 64, base[6][1] + 64, 4096 - 64)]   # cache-line aligned only
        shown = [(s, d, min(max(n, 64), 8192)) for s, d, n in regions]   # what we can look at
        await fill(dev, shown, seed=6)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        codes = [c.code for c in comps]
        # 64-byte alignment is enough up to a 512-bit bus; a 1024-bit bus needs 128
        line_ok = layout.STATUS_SUCCESS if dev.bus_bytes <= 64 else layout.STATUS_BAD_DESCRIPTOR
        assert codes == [layout.STATUS_SUCCESS] + [layout.STATUS_BAD_DESCRIPTOR] * 4 \
            + [layout.STATUS_SUCCESS, line_ok], codes
        for i in range(len(regions)):
            if codes[i] == layout.STATUS_BAD_DESCRIPTOR:
                assert comps[i].bytes_completed == 0 and comps[i].fault_addr == 0, comps[i]
        # good ones copied; bad ones: destination and guards still hold the fill pattern
        good = [i for i, c in enumerate(codes) if c == layout.STATUS_SUCCESS]
        await check(dev, [shown[i] for i in good], [comps[i] for i in good], seed=6)
        for i in (i for i, c in enumerate(codes) if c == layout.STATUS_BAD_DESCRIPTOR):
            src, dst, length = shown[i]
            got = await dev.mem_read(dst - GUARD, length + 2 * GUARD)
            assert (got == 0xA5).all(), f"bad descriptor {i} wrote memory"

    @cocotb.test()
    async def bus_errors(dut):
        """Injected read and write faults: READ_ERROR / WRITE_ERROR with the golden model's
        fault address and bytes completed; nothing outside the destination touched."""
        dev, drv = await bring_up(dut)
        regions = pages(6, 16384)
        rd_lo = regions[1][0] + 8192          # second folio: its third page cannot be read
        wr_lo = regions[3][1] + 4096          # fourth folio: its second page cannot be written
        faults = [("read", rd_lo, rd_lo + 64), ("write", wr_lo, wr_lo + 64)]
        await fill(dev, regions, seed=8)
        for kind, lo, hi in faults:
            dev.inject_fault(kind, lo, hi)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        dev.clear_faults()
        assert comps[1].code == layout.STATUS_READ_ERROR
        assert comps[3].code == layout.STATUS_WRITE_ERROR
        await check(dev, regions, comps, seed=8, expect=faults)


    @cocotb.test()
    async def small_copy_record_pairs(dut):
        """32 copies of 64 B .. 512 B in one batch: on a bus of 512 bits or more, one beat
        writes the records of two neighbouring copies (fewer write bursts than data bursts
        plus records); every record is still the golden model's, with read faults in the
        second copy of a pair and in the first (its record held for the pair), and a write
        fault in the first of a pair (that record is rewritten once the error is known)."""
        dev, drv = await bring_up(dut)
        a = layout.desc_align(dev.bus_bytes)
        regions = [(src, dst, a * (1 + i % 8)) for i, (src, dst, _) in enumerate(pages(32, 4096))]
        faults = [("read", regions[9][0], regions[9][0] + a),
                  ("write", regions[12][1], regions[12][1] + a),
                  ("read", regions[20][0] + a, regions[20][0] + 2 * a)]
        await fill(dev, regions, seed=9)
        for kind, lo, hi in faults:
            dev.inject_fault(kind, lo, hi)
        bursts_before = int(dut.write_bursts.value)
        comps = await DmaClient(drv).copy_batch([CopyRequest(*r) for r in regions])
        bursts = int(dut.write_bursts.value) - bursts_before
        dev.clear_faults()
        assert comps[9].code == comps[20].code == layout.STATUS_READ_ERROR
        assert comps[12].code == layout.STATUS_WRITE_ERROR
        await check(dev, regions, comps, seed=9, expect=faults)
        # one data burst per copy (none crosses 4 KiB), a record burst per copy or per
        # pair, and the rewrite of copy 12's record. With several queues a queue's two
        # records pair only when its two copies are neighbours in the mover's stream, and
        # the queues' descriptors are read out of the shared cache one a cycle: in a burst
        # of small copies from every queue at once, a queue's next descriptor may not be
        # waiting yet when its copy's turn comes (then both records go alone). On 4 queues
        # the 16 pairs become 10 to 11; 3 per queue are allowed, and no pairing at all
        # (32 + 32 + 1) still fails
        unpaired = 32 + 32 + 1
        dut._log.info(f"{bursts} write bursts for 32 copies on {dev.nr_queues} queue(s)")
        if dev.bus_bytes >= 64:
            slack = 2 + (3 * dev.nr_queues if dev.nr_queues > 1 else 0)
            assert bursts <= 32 + 16 + 1 + slack, f"{bursts} write bursts: records were not paired"
        else:
            assert bursts == unpaired, bursts


# ==================================================================== pytest side (runner)
def _run(data_width, queues=1, testcase=None, latency=8, slave_mode=0, **params):
    runner.run("test_engine", testcase=testcase,
            parameters={"DATA_WIDTH": data_width, "NUM_QUEUES": queues, **params},
            config={"bus_bytes": data_width // 8, "queues": queues, "latency": latency,
                    "slave_mode": slave_mode})


WIDTH_TESTS = ["copy_4k", "ring_wraparound", "backpressure_every_channel", "bad_descriptors",
               "bus_errors", "small_copy_record_pairs"]


def test_engine_512():
    """Every engine test on the default 512-bit engine."""
    _run(512)


@pytest.mark.parametrize("data_width", [64, 128, 256, 1024])
def test_engine_width(data_width):
    """The bus widths the engine supports besides 512: the shape-sensitive tests."""
    _run(data_width, testcase=WIDTH_TESTS)


@pytest.mark.parametrize("queues", [1, 4])
def test_engine_smallest_buffers(queues):
    """The smallest data FIFO and one read burst in flight, on a 64-bit bus, where a whole
    4 KiB burst is 256 beats and fills the FIFO: the read after it waits for its writes
    (the room a burst reserves, and a command's first burst, at their tightest)."""
    _run(64, queues=queues, testcase=WIDTH_TESTS + ["folio_2m"], MAX_BURSTS=1, FIFO_DEPTH=256)


@pytest.mark.parametrize("mode", ["a", "b", "c", "d"])
def test_engine_slave_mode(mode):
    """Every engine test, 512 bits, with the slave using one AXI permission; (c) and (d)
    on a 4-queue engine, whose queues' IDs make reordering and interleaving possible."""
    _run(512, queues=4 if mode in MULTI_ID_MODES else 1, slave_mode=SLAVE_MODES[mode])


@pytest.mark.parametrize("data_width", [64, 1024])
def test_engine_width_all_modes(data_width):
    """The narrowest and the widest bus with all four slave permissions at once."""
    _run(data_width, queues=4, testcase=WIDTH_TESTS, slave_mode=SLAVE_MODES["all"])
