"""The AXI checker (rtl/sim/axi_checker.v) alone, on a tiny bench whose every input Python
drives (rtl/sim/tb_axi_checker.v): each rule fires on a scripted bad master or slave, and
legal traffic (W before AW, R interleaved across IDs) passes. The bad master that holds
WVALID until AWREADY against a slave that holds AWREADY until WVALID is the engine before
its A3.3.1 fix: the checker now flags it instead of letting the test hang to its timeout.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

try:
    import cocotb
    from cocotb.triggers import RisingEdge, Timer
except ImportError:          # pragma: no cover - cocotb is a dependency
    cocotb = None

if cocotb is not None:
    IDLE = dict(awvalid=0, wvalid=0, wlast=0, bvalid=0, arvalid=0, rvalid=0, rlast=0,
                awready=1, wready=1, bready=1, arready=1, rready=1)

    async def cycle(dut, **signals):
        """Drive the given signals (others idle, every READY high) for one clock edge."""
        for name, value in {**IDLE, **signals}.items():
            getattr(dut, name).value = value
        await RisingEdge(dut.clk)
        await Timer(1, "ps")

    async def fresh(dut):
        """Reset the checker; -> a function giving the violations since."""
        dut.rst.value = 1
        await cycle(dut)
        await cycle(dut)
        dut.rst.value = 0
        await cycle(dut)
        return lambda: int(dut.errors.value)

    async def write(dut, awid, beats, w_first=False, wlast_at=None):
        """One write burst of ``beats`` beats; WLAST on beat ``wlast_at`` (default last)."""
        wlast_at = beats - 1 if wlast_at is None else wlast_at
        if not w_first:
            await cycle(dut, awvalid=1, awid=awid, awlen=beats - 1)
        for b in range(beats):
            await cycle(dut, wvalid=1, wlast=int(b == wlast_at))
        if w_first:
            await cycle(dut, awvalid=1, awid=awid, awlen=beats - 1)

    @cocotb.test()
    async def legal_traffic_passes(dut):
        """AW then W, W before AW, B after both; R of two IDs interleaved beat by beat,
        per-ID order kept: no violation."""
        errors = await fresh(dut)
        await write(dut, awid=1, beats=2)
        await write(dut, awid=1, beats=3, w_first=True)
        await cycle(dut, bvalid=1, bid=1)
        await cycle(dut, bvalid=1, bid=1)
        await cycle(dut, arvalid=1, arid=0, arlen=1)
        await cycle(dut, arvalid=1, arid=3, arlen=1)
        await cycle(dut, arvalid=1, arid=0, arlen=0)
        for rid, last in ((3, 0), (0, 0), (3, 1), (0, 1), (0, 1)):
            await cycle(dut, rvalid=1, rid=rid, rlast=last)
        assert errors() == 0

    @cocotb.test()
    async def wlast_misplaced(dut):
        """WLAST a beat early, and a W burst (ahead of its AW) longer than AWLEN."""
        errors = await fresh(dut)
        await write(dut, awid=1, beats=3, wlast_at=1)
        assert errors() == 1
        errors = await fresh(dut)
        for b in range(3):                                  # 3 beats W ...
            await cycle(dut, wvalid=1, wlast=int(b == 2))
        assert errors() == 0
        await cycle(dut, awvalid=1, awid=1, awlen=1)        # ... then AWLEN says 2
        assert errors() == 1

    @cocotb.test()
    async def rlast_not_on_arlen(dut):
        """Two reads on one ID, 1 then 4 beats: RLAST must come on the first beat (the
        oldest read first); returning the 4-beat burst first is out of per-ID order."""
        errors = await fresh(dut)
        await cycle(dut, arvalid=1, arid=2, arlen=0)
        await cycle(dut, arvalid=1, arid=2, arlen=3)
        await cycle(dut, rvalid=1, rid=2, rlast=0)
        assert errors() == 1

    @cocotb.test()
    async def responses_with_nothing_outstanding(dut):
        """R for an ID without a read, B for an ID without a write, B before WLAST."""
        errors = await fresh(dut)
        await cycle(dut, arvalid=1, arid=0, arlen=0)
        await cycle(dut, rvalid=1, rid=5, rlast=1)
        assert errors() == 1
        await cycle(dut, bvalid=1, bid=4)
        assert errors() == 2
        await cycle(dut, awvalid=1, awid=6, awlen=1)
        await cycle(dut, wvalid=1, wlast=0)
        await cycle(dut, bvalid=1, bid=6)                    # its WLAST has not come
        assert errors() == 3
        await cycle(dut, wvalid=1, wlast=1)
        await cycle(dut, bvalid=1, bid=6)
        assert errors() == 3

    @cocotb.test()
    async def w_withheld_while_aw_waits(dut):
        """A3.3.1: the slave holds AWREADY low until it sees WVALID; a master that waits
        for AWREADY before WVALID (the engine before its fix) deadlocks: flagged after
        WAIT_LIMIT (16) cycles. A master that presents W in time is not."""
        errors = await fresh(dut)
        for _ in range(10):
            await cycle(dut, awvalid=1, awid=1, awlen=0, awready=0)
        await cycle(dut, awvalid=1, awid=1, awlen=0, awready=0, wvalid=1, wlast=1, wready=0)
        await cycle(dut, awvalid=1, awid=1, awlen=0, wvalid=1, wlast=1)
        assert errors() == 0
        for _ in range(20):
            await cycle(dut, awvalid=1, awid=1, awlen=0, awready=0)
        assert errors() == 1

    @cocotb.test()
    async def valid_dropped_before_ready(dut):
        """AWVALID withdrawn before AWREADY."""
        errors = await fresh(dut)
        await cycle(dut, awvalid=1, awid=1, awlen=0, awready=0)
        await cycle(dut, awvalid=0)
        assert errors() == 1


# ----------------------------------------------------------------------- pytest side
def test_axi_checker():
    from cocotb_tools.runner import get_runner

    from harness import runner

    icarus = get_runner("icarus")
    build_dir = REPO / "sim_build" / "tb_axi_checker"
    icarus.build(sources=[REPO / "rtl/sim/tb_axi_checker.v", REPO / "rtl/sim/axi_checker.v"],
                 hdl_toplevel="tb_axi_checker", build_dir=build_dir,
                 timescale=("1ns", "1ps"), always=True)
    results = icarus.test(
        hdl_toplevel="tb_axi_checker",
        test_module=[runner.TIMEOUT_MODULE, "test_axi_checker"],
        build_dir=build_dir, test_dir=build_dir, timescale=("1ns", "1ps"),
        extra_env={runner.TIMEOUT_ENV: str(runner.DEFAULT_TEST_TIMEOUT_MS),
                   "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests"),
                                                  os.environ.get("PYTHONPATH", "")])})
    total, failed = runner.failed_tests(Path(results))
    assert total == 6 and not failed, failed
