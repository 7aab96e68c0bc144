"""Regression of the simulation-only memory model (rtl/sim/numa_mem.v) and CPU copy model
(rtl/sim/cpu_copy.v) on their own bench rtl/sim/tb_mem.v.

pytest builds tb_mem with the cocotb runner (Icarus, sim_build/tb_mem-<width>/) and runs the
cocotb tests of this same module in one simulation per bus width. Port 0 of the memory is
driven by a cocotbext-axi AxiMaster through axi_slave_modes (rtl/sim/axi_slave_modes.v,
transparent unless a test sets cfg_slave_mode), port 1 by cpu_copy; bytes move in and out
through the $readmemh/$writememh backdoor (harness/backdoor.py).
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pytest

from harness.backdoor import read_hex, write_hex

REPO = Path(__file__).resolve().parent.parent

MEM_BYTES = 64 * 1024 * 1024
NODE_BYTES = MEM_BYTES // 4
LINE = 64
OKAY, SLVERR, DECERR = 0, 2, 3

# ----------------------------------------------------------------------- cocotb tests
try:
    import cocotb
    from cocotb.triggers import ClockCycles, RisingEdge, Timer
except ImportError:  # pragma: no cover - pytest side without cocotb
    cocotb = None

if cocotb is not None:
    from cocotb.triggers import First
    from cocotbext.axi import AxiBus, AxiMaster

    from harness.faults import Fault
    from harness.rtl_device import FaultSlots, WriteAllowMap

    log = logging.getLogger("cocotb.test_mem_model")

    def pattern(seed: int, nbytes: int) -> np.ndarray:
        return np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8)

    def lat(*per_node):
        v = 0
        for i, x in enumerate(per_node):
            v |= (x & 0xFFFF) << (16 * i)
        return v

    async def setup(dut, rd=2, wr=2, bw=256, slave_mode=0, axi=None):
        """Reset with this configuration; cfg_slave_mode is set while rst is high (0: the
        slave is transparent). A test that resets again passes its AxiMaster as ``axi``:
        a second master on the same bus would drive its VALIDs too."""
        dut.rst.value = 1
        dut.cfg_rd_latency.value = lat(*([rd] * 4)) if isinstance(rd, int) else lat(*rd)
        dut.cfg_wr_latency.value = lat(*([wr] * 4)) if isinstance(wr, int) else lat(*wr)
        dut.cfg_bandwidth.value = lat(*([bw] * 4)) if isinstance(bw, int) else lat(*bw)
        dut.cfg_slave_mode.value = slave_mode
        FaultSlots(dut).clear()
        dut.cfg_wr_check.value = 0
        await ClockCycles(dut.clk, 4)
        dut.rst.value = 0
        await RisingEdge(dut.clk)
        if axi is None:
            axi = AxiMaster(AxiBus.from_prefix(dut, "s_axi"), dut.clk, dut.rst)
        return axi

    async def bd_load(dut, addr: int, data: np.ndarray) -> None:
        assert addr % LINE == 0 and data.size % LINE == 0
        write_hex("backdoor_in.hex", data)
        dut.bd_lo.value = addr // LINE
        dut.bd_hi.value = addr // LINE + data.size // LINE - 1
        await Timer(1, "ps")
        dut.bd_load.value = 1
        await Timer(1, "ps")
        dut.bd_load.value = 0
        await Timer(1, "ps")

    async def bd_dump(dut, addr: int, nbytes: int) -> np.ndarray:
        dut.bd_lo.value = addr // LINE
        dut.bd_hi.value = addr // LINE + nbytes // LINE - 1
        await Timer(1, "ps")
        dut.bd_dump.value = 1
        await Timer(1, "ps")
        dut.bd_dump.value = 0
        await Timer(1, "ps")
        return read_hex("backdoor_out.hex")

    def cyc(dut) -> int:
        return int(dut.cycle.value)

    @cocotb.test()
    async def backdoor_and_axi_agree(dut):
        """16 MiB backdoor load/dump round trip (timed); AXI reads see backdoor data,
        AXI writes show up in the backdoor dump."""
        axi = await setup(dut)
        big = pattern(1, 16 * 1024 * 1024)
        t0 = time.perf_counter()
        await bd_load(dut, NODE_BYTES, big)
        t1 = time.perf_counter()
        back = await bd_dump(dut, NODE_BYTES, big.size)
        t2 = time.perf_counter()
        log.info("backdoor 16 MiB: load %.2f s, dump %.2f s (including numpy hex)", t1 - t0, t2 - t1)
        assert np.array_equal(back, big)
        for off in (0, 4096, 1 << 20, big.size - 4096):
            r = await axi.read(NODE_BYTES + off, 4096)
            assert r.resp == OKAY
            assert bytes(r.data) == big[off:off + 4096].tobytes(), f"read at +{off:#x}"
        # unaligned, odd-length read (narrow ports: several lanes per line)
        r = await axi.read(NODE_BYTES + 200, 300)
        assert bytes(r.data) == big[200:500].tobytes()
        # AXI writes -> backdoor, including a partial (strobed) one
        data = pattern(2, 8192)
        w = await axi.write(3 * NODE_BYTES + 8192, data.tobytes())
        assert w.resp == OKAY
        await axi.write(3 * NODE_BYTES + 8192 + 100, b"\xAA" * 37)
        data[100:137] = 0xAA
        got = await bd_dump(dut, 3 * NODE_BYTES + 8192, 8192)
        assert np.array_equal(got, data)
        # untouched memory reads zero (zeroed at time 0)
        r = await axi.read(2 * NODE_BYTES, 256)
        assert bytes(r.data) == bytes(256)

    @cocotb.test()
    async def latency_per_node(dut):
        """A 1-beat read/write takes at least the node's latency, and not much more."""
        axi = await setup(dut, rd=(40, 100, 7, 7), wr=(60, 7, 7, 7))
        for node, want in ((0, 40), (1, 100)):
            t0 = cyc(dut)
            r = await axi.read(node * NODE_BYTES + 64, 64)
            dt = cyc(dut) - t0
            log.info("node %d read latency %d: 1-beat read took %d cycles", node, want, dt)
            assert r.resp == OKAY
            assert want <= dt <= want + 12
        t0 = cyc(dut)
        w = await axi.write(128, bytes(64))
        dt = cyc(dut) - t0
        log.info("write latency 60: 1-beat write took %d cycles", dt)
        assert w.resp == OKAY
        assert 60 <= dt <= 60 + 12

    @cocotb.test()
    async def pipelined_bursts(dut):
        """16 x 64-beat bursts at latency 500 overlap: ~500 + beats, not 16 x 500."""
        axi = await setup(dut, rd=500)
        beat = len(dut.s_axi_rdata) // 8
        nbytes = 64 * beat
        data = pattern(3, 16 * nbytes)
        await bd_load(dut, 0, data)
        t0 = cyc(dut)
        ops = [cocotb.start_soon(axi.read(i * nbytes, nbytes)) for i in range(16)]
        res = [await op for op in ops]
        dt = cyc(dut) - t0
        log.info("16 x 64-beat bursts at latency 500: %d cycles", dt)
        for i, r in enumerate(res):
            assert bytes(r.data) == data[i * nbytes:(i + 1) * nbytes].tobytes()
        assert 500 + 16 * 64 <= dt < 500 + 16 * 64 + 100

    @cocotb.test()
    async def bandwidth_halves_rate(dut):
        """Bandwidth 128 (half a line per cycle) halves the read and write rate (512-bit);
        the rate is in bytes, so a 1024-bit beat (two lines) needs two cycles at 256."""
        width = len(dut.s_axi_rdata)
        nbytes = 256 * width // 8              # 256 beats
        times = {}
        axi = await setup(dut)
        for bw in (256, 128):
            dut.cfg_bandwidth.value = lat(bw, bw, bw, bw)   # run-time: no reset needed
            await ClockCycles(dut.clk, 4)
            t0 = cyc(dut)
            await axi.read(0, nbytes)
            tr = cyc(dut) - t0
            t0 = cyc(dut)
            await axi.write(0, bytes(nbytes))
            tw = cyc(dut) - t0
            times[bw] = (tr, tw)
            log.info("bandwidth %d: 256-beat read %d cycles, write %d cycles", bw, tr, tw)
        if width == 512:
            assert times[256][0] < 256 + 30 and times[256][1] < 256 + 40
            assert 2 * 256 - 4 <= times[128][0] < 2 * 256 + 30
            assert 2 * 256 - 4 <= times[128][1] < 2 * 256 + 40
        elif width == 1024:  # a beat is two lines: one line per cycle is half its rate
            for bw, beat_cycles in ((256, 2), (128, 4)):
                assert beat_cycles * 256 - 8 <= times[bw][0] < beat_cycles * 256 + 30
                assert beat_cycles * 256 - 8 <= times[bw][1] < beat_cycles * 256 + 40
        else:  # a narrow beat costs its share of a line: half rate still >= 1 beat/cycle
            assert times[128][0] < times[256][0] + 10

    @cocotb.test()
    async def faults_and_decerr(dut):
        """Fault ranges give SLVERR (reads zero, writes not committed); beyond MEM_BYTES DECERR."""
        axi = await setup(dut)
        base = NODE_BYTES + 0x10000
        data = pattern(4, 16384)
        await bd_load(dut, base, data)
        slots = FaultSlots(dut)
        slots.add(Fault("read", base + 4096 + 1024, base + 4096 + 1088))
        slots.add(Fault("write", base + 8192 + 2000, base + 8192 + 2001))
        await RisingEdge(dut.clk)
        # transfers of 2 KiB: one burst at every width (a 64-bit burst is <= 256 x 8 bytes)
        r = await axi.read(base + 4096, 2048)           # overlaps the read fault
        assert r.resp == SLVERR
        assert bytes(r.data) == bytes(2048)
        r = await axi.read(base, 4096)                  # ends right before it: fine
        assert r.resp == OKAY and bytes(r.data) == data[:4096].tobytes()
        r = await axi.read(base + 4096 + 1088, 64)      # hi is exclusive
        assert r.resp == OKAY
        w = await axi.write(base + 8192, b"\x55" * 2048)  # overlaps the write fault
        assert w.resp == SLVERR
        w = await axi.write(base + 12288, b"\x66" * 64)   # outside: committed
        assert w.resp == OKAY
        got = await bd_dump(dut, base, 16384)
        want = data.copy()
        want[12288:12288 + 64] = 0x66
        assert np.array_equal(got, want), "a faulted write changed memory"
        # disable: the same write now succeeds
        slots.clear()
        await RisingEdge(dut.clk)
        w = await axi.write(base + 8192, b"\x55" * 64)
        assert w.resp == OKAY
        # DECERR: MEM_BYTES is 4 KiB aligned, so AxiMaster splits a read across it into an
        # in-range burst (OKAY, data) and a beyond burst (DECERR, zero data)
        # (a beat of a bus wider than a line straddles it whole: step by beats there)
        step = max(LINE, len(dut.s_axi_rdata) // 8)
        await bd_load(dut, MEM_BYTES - 4096, data[:4096])
        r = await axi.read(MEM_BYTES - step, 2 * step)
        assert r.resp == DECERR
        assert bytes(r.data) == data[4096 - step:4096].tobytes() + bytes(step)
        r = await axi.read(MEM_BYTES + 4096, 64)
        assert r.resp == DECERR and bytes(r.data) == bytes(64)
        w = await axi.write(MEM_BYTES + 64, b"\x77" * 128)
        assert w.resp == DECERR
        w = await axi.write(MEM_BYTES - step, b"\x77" * 2 * step)   # first burst in range: written
        assert w.resp == DECERR
        got = await bd_dump(dut, MEM_BYTES - 4096, 4096)
        want = data[:4096].copy()
        want[-step:] = 0x77
        assert np.array_equal(got, want)

    async def cpu_copy(dut, src, dst, nbytes, max_reads=10, max_writes=16):
        dut.cpu_src.value = src
        dut.cpu_dst.value = dst
        dut.cpu_len.value = nbytes
        dut.cpu_max_reads.value = max_reads
        dut.cpu_max_writes.value = max_writes
        dut.cpu_start.value = 1
        await RisingEdge(dut.clk)
        dut.cpu_start.value = 0
        await RisingEdge(dut.cpu_done)
        return int(dut.cpu_cycles.value), bool(int(dut.cpu_error.value))

    @cocotb.test()
    async def cpu_copy_4k(dut):
        """cpu_copy copies 4 KiB across nodes; its time follows latency / outstanding reads."""
        await setup(dut, rd=(100, 300, 2, 2), wr=(50, 50, 2, 2))
        src, dst = NODE_BYTES + 0x4000, 0x8000
        data = pattern(5, 4096)
        await bd_load(dut, src, data)
        cycles, err = await cpu_copy(dut, src, dst, 4096, max_reads=10)
        log.info("cpu_copy 4 KiB, read latency 300, 10 reads outstanding: %d cycles", cycles)
        assert not err
        assert np.array_equal(await bd_dump(dut, dst, 4096), data)
        # 64 lines, 10 in flight, 300 cycles each: >= 7 round trips
        assert 7 * 300 <= cycles < 8 * 300 + 200
        cycles_local, err = await cpu_copy(dut, 0x10000, 0x20000, 4096, max_reads=10)
        log.info("cpu_copy 4 KiB, read latency 100: %d cycles", cycles_local)
        assert not err and cycles_local < cycles
        # a read fault: error reported, the faulted line is not written, the rest is
        await bd_load(dut, 0x30000, np.zeros(4096, np.uint8) + 0x11)
        FaultSlots(dut).add(Fault("read", src + 640, src + 704))
        await RisingEdge(dut.clk)
        cycles, err = await cpu_copy(dut, src, 0x30000, 4096)
        assert err
        got = await bd_dump(dut, 0x30000, 4096)
        want = data.copy()
        want[640:704] = 0x11
        assert np.array_equal(got, want)

    @cocotb.test()
    async def sim_speed(dut):
        """Report simulated cycles per wall second: idle, and with cpu_copy streaming."""
        await setup(dut)
        n = 20000
        t0 = time.perf_counter()
        await ClockCycles(dut.clk, n)
        idle = n / (time.perf_counter() - t0)
        data = pattern(6, 256 * 1024)
        await bd_load(dut, 0, data)
        t0 = time.perf_counter()
        cycles, err = await cpu_copy(dut, 0, NODE_BYTES, data.size, max_reads=16)
        busy = cycles / (time.perf_counter() - t0)
        log.info("simulation speed: idle %.0f cycles/s; cpu_copy streaming %d lines in %d "
                 "cycles: %.0f cycles/s", idle, data.size // 64, cycles, busy)
        assert not err
        assert np.array_equal(await bd_dump(dut, NODE_BYTES, data.size), data)


    # ------------------------------------------------------------ fault slots (tb_mem)
    # Port 0 (the AxiMaster) stands for the engine, port 1 is the CPU copy model.
    EIGHT_FAULTS = [   # (kind, resp, port); slot k's range is inside page k of the test area
        ("read", "SLVERR", "engine"), ("read", "DECERR", "engine"),
        ("write", "SLVERR", "engine"), ("write", "DECERR", "both"),
        ("read", "SLVERR", "cpu"), ("write", "DECERR", "cpu"),
        ("read", "DECERR", "both"), ("write", "SLVERR", "engine"),
    ]
    RESP = {"SLVERR": SLVERR, "DECERR": DECERR}

    @cocotb.test()
    async def eight_faults_at_once(dut):
        """8 slots of mixed kind, response and port: each fails exactly the bursts of its
        kind on its port(s) that touch its range, with its response on the wire (DECERR vs
        SLVERR); a failing write commits nothing; an engine-only fault does not fail the
        CPU copy and a CPU-only one does not fail the engine."""
        axi = await setup(dut)
        base, scratch, clean = NODE_BYTES + 0x40000, 2 * NODE_BYTES, 3 * NODE_BYTES
        data = pattern(11, 8 * 4096)
        await bd_load(dut, base, data)
        await bd_load(dut, clean, pattern(12, 8 * 4096))
        slots = FaultSlots(dut)
        for k, (kind, resp, port) in enumerate(EIGHT_FAULTS):
            page = base + k * 4096
            slots.add(Fault(kind, page + 1024, page + 1088, resp=resp, port=port))
        with pytest.raises(ValueError):
            slots.add(Fault("read", 0, 64))
        await RisingEdge(dut.clk)
        want = data.copy()
        for k, (kind, resp, port) in enumerate(EIGHT_FAULTS):
            page = base + k * 4096
            engine_sees = port in ("engine", "both")
            # 2 KiB transfers: one burst at every width; the first covers the range
            r = await axi.read(page, 2048)
            fails = kind == "read" and engine_sees
            assert r.resp == (RESP[resp] if fails else OKAY), f"slot {k}: read resp {r.resp}"
            assert bytes(r.data) == (bytes(2048) if fails else data[k * 4096:k * 4096 + 2048].tobytes())
            r = await axi.read(page + 2048, 2048)        # the page's other half: untouched
            assert r.resp == OKAY, f"slot {k}: fault outside its range"
            w = await axi.write(page, b"\x5a" * 2048)
            fails = kind == "write" and engine_sees
            assert w.resp == (RESP[resp] if fails else OKAY), f"slot {k}: write resp {w.resp}"
            if not fails:
                want[k * 4096:k * 4096 + 2048] = 0x5A
            w = await axi.write(page + 2048, b"\x5b" * 2048)
            assert w.resp == OKAY, f"slot {k}: write fault outside its range"
            want[k * 4096 + 2048:(k + 1) * 4096] = 0x5B
        assert np.array_equal(await bd_dump(dut, base, want.size), want), \
            "a failed engine write committed data, or a good one did not"
        # the CPU copy model: loads from each page, then stores into it
        for k, (kind, resp, port) in enumerate(EIGHT_FAULTS):
            page = base + k * 4096
            cpu_sees = port in ("cpu", "both")
            _, err = await cpu_copy(dut, page, scratch + k * 4096, 4096)
            assert err == (kind == "read" and cpu_sees), f"slot {k}: CPU load error {err}"
            _, err = await cpu_copy(dut, clean + k * 4096, page, 4096)
            assert not err                                # store errors are not reported
            got = await bd_dump(dut, page, 4096)
            expect = pattern(12, 8 * 4096)[k * 4096:(k + 1) * 4096].copy()
            if kind == "write" and cpu_sees:              # the faulted line kept its bytes
                expect[1024:1088] = want[k * 4096 + 1024:k * 4096 + 1088]
            assert np.array_equal(got, expect), f"slot {k}: CPU stores wrong"

    @cocotb.test()
    async def fault_arming(dut):
        """after_beats counts data beats of the fault's kind on its port(s) since it was
        set; from_cycle arms it at that fabric cycle; setting a slot again restarts it."""
        axi = await setup(dut)
        beat = len(dut.s_axi_rdata) // 8
        per_read = 2048 // beat                      # beats of one 2 KiB read
        x, other = NODE_BYTES + 0x80000, NODE_BYTES + 0x90000
        slots = FaultSlots(dut)
        slow = Fault("read", x + 64, x + 128, port="engine", after_beats=2 * per_read)
        slots.add(slow)
        await RisingEdge(dut.clk)
        assert (await axi.read(x, 2048)).resp == OKAY            # 0 beats before it
        await axi.write(other, bytes(4096))                       # write beats: not counted
        await cpu_copy(dut, other, other + 8192, 4096)            # CPU port: not counted
        assert (await axi.read(x, 2048)).resp == OKAY            # per_read beats before it
        await ClockCycles(dut.clk, 2)
        assert (await axi.read(x, 2048)).resp == SLVERR          # 2 x per_read: armed
        assert (await axi.read(x + 128, 64)).resp == OKAY        # outside the range
        slots.clear()
        slots.add(slow)                                           # set again: count restarts
        await RisingEdge(dut.clk)
        assert (await axi.read(x, 2048)).resp == OKAY
        # from_cycle
        slots.clear()
        start = cyc(dut) + 300
        slots.add(Fault("write", x, x + 64, resp="DECERR", port="both", from_cycle=start))
        await RisingEdge(dut.clk)
        assert (await axi.write(x, b"\x01" * 64)).resp == OKAY
        assert cyc(dut) < start
        await ClockCycles(dut.clk, start - cyc(dut) + 2)
        assert (await axi.write(x, b"\x02" * 64)).resp == DECERR
        assert np.all(await bd_dump(dut, x, 64) == 1), "the DECERR write committed data"

    @cocotb.test()
    async def stray_writes_counted(dut):
        """With a page bitmap loaded, writes into allowed pages count nothing; each write
        burst touching another page counts one (either port), the first one's address is
        latched; allow_all turns counting off and zeroes the count."""
        axi = await setup(dut)
        allowed_a, allowed_b, stray = NODE_BYTES + 0x10000, 3 * NODE_BYTES + 0x20000, 0x30000
        check = WriteAllowMap(dut, MEM_BYTES, os.path.abspath("write_allow.hex"))
        # byte ranges are rounded out to pages: allowed_b's range is inside one page
        check.allow([(allowed_a, allowed_a + 4096), (allowed_b + 100, allowed_b + 200)])
        await ClockCycles(dut.clk, 2)
        assert int(dut.stray_writes.value) == 0
        await axi.write(allowed_a, bytes(2048))
        await axi.write(allowed_b + 2048, bytes(2048))
        await cpu_copy(dut, stray, allowed_a, 4096)               # CPU stores inside: fine
        await ClockCycles(dut.clk, 4)
        assert int(dut.stray_writes.value) == 0
        await axi.write(stray + 640, bytes(64))                   # engine port, outside
        await ClockCycles(dut.clk, 4)
        assert int(dut.stray_writes.value) == 1
        assert int(dut.stray_addr.value) == stray + 640
        await cpu_copy(dut, allowed_a, allowed_b + 4096, 128)     # two CPU lines, next page
        await ClockCycles(dut.clk, 20)
        assert int(dut.stray_writes.value) == 3
        assert int(dut.stray_addr.value) == stray + 640           # the first one stays
        check.allow_all()
        await ClockCycles(dut.clk, 2)
        assert int(dut.stray_writes.value) == 0
        await axi.write(stray, bytes(64))
        await ClockCycles(dut.clk, 4)
        assert int(dut.stray_writes.value) == 0

    # ------------------------------------------------- slave modes with many AXI IDs (tb_mem)
    #: axi_slave_modes stat counters (tb_mem wires slave_<name>)
    SLAVE_STATS = ("aw_held", "w_held", "r_reordered", "b_reordered", "r_interleaved")

    def slave_stats(dut) -> dict[str, int]:
        return {name: int(getattr(dut, "slave_" + name).value) for name in SLAVE_STATS}

    @cocotb.test()
    async def slave_modes_many_ids(dut):
        """axi_slave_modes between the AxiMaster and the memory, with a master of many IDs
        (the engine writes on one ID only). Per mode 0 (transparent), 0b0100 (R and B out
        of order), 0b1000 (R interleaved), 0b0011 (AW waits for W, W waits for AW), set
        while rst is high: 24 writes and 24 reads at once on 12 IDs (two consecutive
        transfers per ID, so per-ID order is checked too: AxiMaster matches the responses
        of an ID in order), then the 24 written regions read back at once on 12 IDs. Every
        response is OKAY, every byte read is the byte written (or backdoor-loaded), and a
        stat counter is nonzero exactly when its mode bit is set (b_reordered AND
        r_reordered for bit 2, r_interleaved for bit 3, aw_held and w_held for 0b0011;
        under bit 3 r_reordered is not checked: interleaving also starts newer bursts first)."""
        beat = len(dut.s_axi_rdata) // 8
        ids, per_id = 12, 2
        n = ids * per_id
        # transfer k: 2..8 beats (one burst), in its own 4 KiB page
        sizes = [(2 + k % 7) * beat for k in range(n)]
        rd_base, wr_base = NODE_BYTES + 0x100000, 2 * NODE_BYTES + 0x100000
        axi = None
        for seed, mode in enumerate((0b0000, 0b0100, 0b1000, 0b0011)):
            axi = await setup(dut, rd=50, wr=50, slave_mode=mode, axi=axi)
            src = pattern(40 + seed, n * 4096)
            await bd_load(dut, rd_base, src)
            wdata = pattern(50 + seed, n * 4096)
            await bd_load(dut, wr_base, np.zeros(n * 4096, np.uint8))
            wr_at = [wr_base + k * 4096 for k in range(n)]
            rd_at = [rd_base + k * 4096 for k in range(n)]
            # writes on IDs 0..11 and reads of preloaded data on IDs 0..11, all at once;
            # transfers 2i and 2i+1 share ID i (they meet in the shim's buffers: per-ID order)
            wops = [cocotb.start_soon(axi.write(wr_at[k], wdata[k * 4096:][:sizes[k]].tobytes(),
                                                awid=k // per_id)) for k in range(n)]
            rops = [cocotb.start_soon(axi.read(rd_at[k], sizes[k], arid=k // per_id))
                    for k in range(n)]
            for k, op in enumerate(wops):
                w = await op
                assert w.resp == OKAY, f"mode {mode:#06b}: write {k} resp {w.resp}"
            for k, op in enumerate(rops):
                r = await op
                assert r.resp == OKAY, f"mode {mode:#06b}: read {k} resp {r.resp}"
                assert bytes(r.data) == src[k * 4096:k * 4096 + sizes[k]].tobytes(), \
                    f"mode {mode:#06b}: read {k} (id {k // per_id}) data"
            # the written regions, read back at once (other IDs than the write used)
            bops = [cocotb.start_soon(axi.read(wr_at[k], sizes[k], arid=(k // per_id + 5) % ids))
                    for k in range(n)]
            for k, op in enumerate(bops):
                r = await op
                assert r.resp == OKAY, f"mode {mode:#06b}: read-back {k} resp {r.resp}"
                assert bytes(r.data) == wdata[k * 4096:k * 4096 + sizes[k]].tobytes(), \
                    f"mode {mode:#06b}: read-back {k} data"
            want = np.zeros(n * 4096, np.uint8)
            for k in range(n):
                want[k * 4096:k * 4096 + sizes[k]] = wdata[k * 4096:k * 4096 + sizes[k]]
            assert np.array_equal(await bd_dump(dut, wr_base, n * 4096), want), \
                f"mode {mode:#06b}: memory after the writes"
            stats = slave_stats(dut)
            log.info("slave mode %s: %s", f"{mode:#06b}", stats)
            on = {"aw_held": mode & 1, "w_held": mode & 2, "r_reordered": mode & 4,
                  "b_reordered": mode & 4, "r_interleaved": mode & 8}
            if mode & 8:
                del on["r_reordered"]
            for name, bit in on.items():
                assert (stats[name] > 0) == bool(bit), f"mode {mode:#06b}: {name} {stats}"
        await setup(dut, axi=axi)          # leave the slave transparent

    # ------------------------------------------- RtlDevice on tb_top: hangs and recovery
    TIMEOUT = {"timeout_time": 20, "timeout_unit": "ms"}

    async def tb_top_up(dut, **driver_args):
        from harness.assemble import bring_up
        return await bring_up(dut, **driver_args)

    @cocotb.test(**TIMEOUT)
    async def engine_hang_then_hard_reset(dut):
        """A HANG read fault on the engine port: the burst is accepted and never answered
        (the driver's batch times out, no R beat, the rest of the destination unwritten);
        hard_reset() clears it and keeps memory, and a fresh driver then copies correctly."""
        from harness.copy_paths import CopyRequest, DmaClient
        from harness.driver import DmaTimeoutError, Driver
        dev, drv = await tb_top_up(dut, timeout_cycles=20_000)
        src, dst, n = dev.node_bytes + 0x10000, 0x10000, 8192
        data = np.random.default_rng(21).integers(0, 256, n, dtype=np.uint8)
        await dev.mem_write(src, data)
        await dev.mem_write(dst, np.full(n, 0xA5, np.uint8))
        dev.inject_fault(Fault("read", src + 4096, src + 4160, resp="HANG", port="engine"))
        with pytest.raises(DmaTimeoutError):
            await DmaClient(drv).copy_batch([CopyRequest(src, dst, n)])
        assert dev.engine_busy(), "the engine is not waiting for the hung burst"
        rbeat = RisingEdge(dut.m_axi_rvalid)
        assert await First(rbeat, Timer(4000, "ns")) is not rbeat, "a hung read was answered"
        got = await dev.mem_read(dst, n)
        assert (got[4096:] == 0xA5).all(), "data behind the hung burst was written"
        await dev.hard_reset()
        assert dev.faults == () and not dev.engine_busy()
        assert np.array_equal(await dev.mem_read(src, n), data), "hard_reset lost memory"
        drv = Driver(dev, nr_queues=1, ring_order=9)
        await drv.probe()
        comps = await DmaClient(drv).copy_batch([CopyRequest(src, dst, n)])
        assert comps[0].ok, comps
        assert np.array_equal(await dev.mem_read(dst, n), data)
        assert dev.protocol_errors == 0

    @cocotb.test(**TIMEOUT)
    async def register_port_hang(dut):
        """A register port that stops answering: read_reg raises DeviceHangError after
        REG_TIMEOUT_CYCLES, later accesses at once; hard_reset() brings it back."""
        from harness import layout
        from harness.device import DeviceHangError
        dev, drv = await tb_top_up(dut)
        dev.hang_register_port(True)
        t0 = dev.now()
        with pytest.raises(DeviceHangError, match=r"register read at 0x0: no answer in 10000 cycles"):
            await dev.read_reg(layout.global_reg("ID"))
        assert dev.REG_TIMEOUT_CYCLES <= dev.now() - t0 <= dev.REG_TIMEOUT_CYCLES + 10
        dev.hang_register_port(False)
        t0 = dev.now()
        with pytest.raises(DeviceHangError, match="hard_reset"):
            await dev.write_reg(layout.global_reg("IRQ_ENABLE"), 1)
        assert dev.now() - t0 <= 1
        await dev.hard_reset()
        assert await dev.read_reg(layout.global_reg("ID")) == layout.ENGINE_ID

    @cocotb.test(**TIMEOUT)
    async def register_error_response(dut):
        """An AXI error response on a register access raises DeviceError (not a hang, not a
        plain RuntimeError) naming the access and the response. The engine answers OKAY
        to everything, so the response wire is forced (Icarus; Verilator hides it)."""
        from cocotb.handle import Force, Release

        from harness import layout
        from harness.device import DeviceError, DeviceHangError
        dev, drv = await tb_top_up(dut)
        if "icarus" not in cocotb.SIM_NAME.lower():
            dut._log.info("register_error_response: forcing needs Icarus; not run")
            return
        dut.s_axil_rresp.value = Force(2)
        with pytest.raises(DeviceError, match=r"register read at 0x4: AXI response SLVERR") as err:
            await dev.read_reg(layout.global_reg("CONFIG"))
        assert not isinstance(err.value, DeviceHangError)
        dut.s_axil_rresp.value = Release()
        await dev.wait_cycles(1)
        assert await dev.read_reg(layout.global_reg("ID")) == layout.ENGINE_ID

    @cocotb.test(**TIMEOUT)
    async def cpu_copy_hang(dut):
        """A CPU copy whose stores hit a CPU-port HANG raises DeviceHangError naming the
        copy within its budget; the engine port is not affected; after hard_reset() the
        CPU copy works again."""
        from harness.copy_paths import CopyRequest, DmaClient
        from harness.device import DeviceHangError
        dev, drv = await tb_top_up(dut)
        src, dst, n = dev.node_bytes + 0x20000, 0x20000, 4096
        data = np.random.default_rng(22).integers(0, 256, n, dtype=np.uint8)
        await dev.mem_write(src, data)
        dev.inject_fault(Fault("write", dst + 1024, dst + 1088, resp="HANG", port="cpu"))
        comps = await DmaClient(drv).copy_batch([CopyRequest(src, dst, n)])        # engine: unaffected
        assert comps[0].ok and np.array_equal(await dev.mem_read(dst, n), data)
        t0, budget = dev.now(), dev.cpu_copy_budget(n)
        with pytest.raises(DeviceHangError, match=rf"CPU copy of 0x1000 bytes {src:#x} -> {dst:#x}"):
            await dev.cpu_copy(src, dst, n)
        assert budget <= dev.now() - t0 <= budget + 10
        await dev.hard_reset()
        await dev.mem_write(dst, np.zeros(n, np.uint8))
        assert await dev.cpu_copy(src, dst, n)
        assert np.array_equal(await dev.mem_read(dst, n), data)

    @cocotb.test(**TIMEOUT)
    async def irq_wait_bounded(dut):
        """wait_irq(None) on an engine with nothing to do raises DeviceHangError after
        IRQ_WAIT_MAX_CYCLES (lowered here), saying what it waited for; with a timeout it
        returns False as before."""
        from harness.device import DeviceHangError
        dev, drv = await tb_top_up(dut)
        assert await dev.wait_irq(100) is False
        dev.IRQ_WAIT_MAX_CYCLES = 3000
        t0 = dev.now()
        with pytest.raises(DeviceHangError, match="interrupt: the irq line stayed low for 3000 cycles"):
            await dev.wait_irq()
        assert 3000 <= dev.now() - t0 <= 3002

    @cocotb.test(**TIMEOUT)
    async def engine_stray_writes(dut):
        """RtlDevice.allow_writes: an engine copy whose destination, ring and completion
        pages are allowed counts no stray write; one into a page left out is counted with
        its address; allow_all_writes() stops counting."""
        from harness.copy_paths import CopyRequest, DmaClient
        dev, drv = await tb_top_up(dut)
        q = drv.queues[0]
        src, dst, n = dev.node_bytes + 0x30000, 0x30000, 8192
        await dev.mem_write(src, np.arange(n, dtype=np.uint32).view(np.uint8)[:n])
        ring_bytes = q.size * 32
        dev.allow_writes([(q.ring_base, q.ring_base + ring_bytes),
                          (q.comp_base, q.comp_base + ring_bytes), (dst, dst + n)])
        await dev.wait_cycles(2)
        assert (await DmaClient(drv).copy_batch([CopyRequest(src, dst, n)]))[0].ok
        assert dev.stray_writes == 0 and dev.first_stray_addr is None
        comps = await DmaClient(drv).copy_batch([CopyRequest(src, dst + n, n)])   # 2 pages not allowed
        assert comps[0].ok
        assert dev.stray_writes == 2, dev.stray_writes          # two 4 KiB write bursts
        assert dev.first_stray_addr == dst + n
        dev.allow_all_writes()
        await dev.wait_cycles(2)
        assert dev.stray_writes == 0
        assert (await DmaClient(drv).copy_batch([CopyRequest(src, dst + 2 * n, n)]))[0].ok
        assert dev.stray_writes == 0 and dev.first_stray_addr is None


# ----------------------------------------------------------------------- pytest side
def _run(data_width: int, testcase=None):
    from cocotb_tools.runner import get_runner

    from harness import runner

    icarus = get_runner("icarus")
    build_dir = REPO / "sim_build" / f"tb_mem-{data_width}"
    icarus.build(
        sources=[REPO / "rtl/sim/tb_mem.v", REPO / "rtl/sim/axi_slave_modes.v",
                 REPO / "rtl/sim/sim_memory.v", REPO / "rtl/sim/numa_mem.v",
                 REPO / "rtl/sim/cpu_copy.v"],
        hdl_toplevel="tb_mem",
        parameters={"DATA_WIDTH": data_width, "MEM_BYTES": MEM_BYTES},
        build_dir=build_dir,
        timescale=("1ns", "1ps"),
        always=True,
    )
    icarus.test(
        hdl_toplevel="tb_mem",
        test_module=[runner.TIMEOUT_MODULE, "test_mem_model"],   # default test timeout
        testcase=testcase,
        build_dir=build_dir,
        test_dir=build_dir,
        timescale=("1ns", "1ps"),
        extra_env={runner.TIMEOUT_ENV: str(runner.DEFAULT_TEST_TIMEOUT_MS), "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests"),
                                                   os.environ.get("PYTHONPATH", "")])},
    )


#: cocotb tests of this module that run on tb_mem (the memory system alone)
TB_MEM_TESTS = ["backdoor_and_axi_agree", "latency_per_node", "pipelined_bursts",
                "bandwidth_halves_rate", "faults_and_decerr", "cpu_copy_4k", "sim_speed",
                "eight_faults_at_once", "fault_arming", "stray_writes_counted",
                "slave_modes_many_ids"]
#: cocotb tests of this module that run on tb_top (engine + memory, through RtlDevice)
TB_TOP_TESTS = ["engine_hang_then_hard_reset", "register_port_hang", "register_error_response",
                "cpu_copy_hang", "irq_wait_bounded", "engine_stray_writes"]


def test_mem_model_512():
    _run(512, testcase=TB_MEM_TESTS)


@pytest.mark.parametrize("data_width", [64, 1024])
def test_mem_model_width(data_width):
    """A narrow engine port (one lane of a line) and a 1024-bit one (two lines per beat)."""
    _run(data_width, testcase=["backdoor_and_axi_agree", "faults_and_decerr",
                               "bandwidth_halves_rate", "latency_per_node",
                               "eight_faults_at_once", "fault_arming", "slave_modes_many_ids"])


def test_mem_faults_on_tb_top():
    """Hangs (memory burst, register port, CPU copy), hard_reset() and stray writes through
    RtlDevice, with the engine (512-bit, one queue)."""
    from harness import runner
    runner.run("test_mem_model", testcase=TB_TOP_TESTS,
            parameters={"DATA_WIDTH": 512, "NUM_QUEUES": 1},
            config={"bus_bytes": 64, "queues": 1})
