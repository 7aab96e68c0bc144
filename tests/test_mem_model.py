"""Regression of the simulation-only memory model (rtl/sim/numa_mem.v) and CPU copy model
(rtl/sim/cpu_copy.v) on their own bench rtl/sim/tb_mem.v.

pytest builds tb_mem with the cocotb runner (Icarus, sim_build/tb_mem-<width>/) and runs the
cocotb tests of this same module in one simulation per bus width. Port 0 of the memory is
driven by a cocotbext-axi AxiMaster, port 1 by cpu_copy; bytes move in and out through the
$readmemh/$writememh backdoor (harness/backdoor.py).
"""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from harness.backdoor import read_hex, write_hex  # noqa: E402

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
    from cocotbext.axi import AxiBus, AxiMaster

    log = logging.getLogger("cocotb.test_mem_model")

    def pattern(seed: int, nbytes: int) -> np.ndarray:
        return np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8)

    def lat(*per_node):
        v = 0
        for i, x in enumerate(per_node):
            v |= (x & 0xFFFF) << (16 * i)
        return v

    async def setup(dut, rd=2, wr=2, bw=256):
        dut.rst.value = 1
        dut.cfg_rd_latency.value = lat(*([rd] * 4)) if isinstance(rd, int) else lat(*rd)
        dut.cfg_wr_latency.value = lat(*([wr] * 4)) if isinstance(wr, int) else lat(*wr)
        dut.cfg_bandwidth.value = lat(*([bw] * 4)) if isinstance(bw, int) else lat(*bw)
        for name in ("cfg_fault_rd_lo", "cfg_fault_rd_hi", "cfg_fault_wr_lo", "cfg_fault_wr_hi"):
            getattr(dut, name).value = 0
        await ClockCycles(dut.clk, 4)
        dut.rst.value = 0
        await RisingEdge(dut.clk)
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
        dut.cfg_fault_rd_lo.value = base + 4096 + 1024
        dut.cfg_fault_rd_hi.value = base + 4096 + 1088
        dut.cfg_fault_wr_lo.value = base + 8192 + 2000
        dut.cfg_fault_wr_hi.value = base + 8192 + 2001
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
        dut.cfg_fault_wr_hi.value = 0
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
        dut.cfg_fault_rd_lo.value = src + 640
        dut.cfg_fault_rd_hi.value = src + 704
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


# ----------------------------------------------------------------------- pytest side
def _run(data_width: int, testcase=None):
    from cocotb_tools.runner import get_runner

    runner = get_runner("icarus")
    build_dir = REPO / "sim_build" / f"tb_mem-{data_width}"
    runner.build(
        sources=[REPO / "rtl/sim/tb_mem.v", REPO / "rtl/sim/sim_memory.v", REPO / "rtl/sim/numa_mem.v",
                 REPO / "rtl/sim/cpu_copy.v"],
        hdl_toplevel="tb_mem",
        parameters={"DATA_WIDTH": data_width, "MEM_BYTES": MEM_BYTES},
        build_dir=build_dir,
        timescale=("1ns", "1ps"),
        always=True,
    )
    runner.test(
        hdl_toplevel="tb_mem",
        test_module="test_mem_model",
        testcase=testcase,
        build_dir=build_dir,
        test_dir=build_dir,
        timescale=("1ns", "1ps"),
        extra_env={"PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests"),
                                                   os.environ.get("PYTHONPATH", "")])},
    )


def test_mem_model_512():
    _run(512)


@pytest.mark.parametrize("data_width", [64, 1024])
def test_mem_model_width(data_width):
    """A narrow engine port (one lane of a line) and a 1024-bit one (two lines per beat)."""
    _run(data_width, testcase=["backdoor_and_axi_agree", "faults_and_decerr",
                               "bandwidth_halves_rate", "latency_per_node"])
