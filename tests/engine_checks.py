"""Helpers shared by the RTL regressions (test_engine, test_queues): bring-up with the AXI
slave in the job's slave mode, source patterns, guard bytes around destinations, and the
check of every destination byte and completion record against the golden model. Importable as ``engine_checks`` (pytest's pythonpath
and the cocotb runner both include tests/)."""
from __future__ import annotations

import numpy as np

from harness import layout, runner
from harness.assemble import bring_up as assemble_bring_up
from harness.golden import ModelDevice

#: tb_top cfg_slave_mode values (axi_slave_modes.v): the permission each mode exercises
SLAVE_MODES = {
    "a": 0b0001,      # AWREADY waits for WVALID of its burst
    "b": 0b0010,      # WREADY waits for the AW (and AWREADY for AWVALID)
    "c": 0b0100,      # R and B out of order across IDs
    "d": 0b1000,      # R bursts of different IDs interleaved beat by beat
    "all": 0b1111,    # all four at once
}
#: modes whose effect needs several IDs in flight: run on a 4-queue engine (read IDs 0..4)
MULTI_ID_MODES = ("c", "d", "all")

MEM_BYTES = 64 << 20
NODE = MEM_BYTES // 4
GUARD = 256          # guard bytes checked on both sides of every destination


async def bring_up(dut, *args, **kwargs):
    """harness.assemble.bring_up, the slave in the job's ``slave_mode`` (default 0)."""
    dut.cfg_slave_mode.value = runner.load_config().get("slave_mode", 0)
    return await assemble_bring_up(dut, *args, **kwargs)


def pattern(seed: int, src: int, nbytes: int) -> np.ndarray:
    """The source contents of a region: random, keyed by the test's seed and the address."""
    return np.random.default_rng([seed, src]).integers(0, 256, nbytes, dtype=np.uint8)

async def fill(dev, regions, seed):
    """Random source contents; a known guard pattern around every destination."""
    for src, dst, length in regions:
        await dev.mem_write(src, pattern(seed, src, length))
        await dev.mem_write(dst - GUARD, np.full(length + 2 * GUARD, 0xA5, dtype=np.uint8))

async def check(dev, regions, completions, seed, expect=None):
    """Every byte of every successful destination; guards untouched; records as predicted."""
    model = ModelDevice(mem_bytes=dev.mem_bytes, bus_bytes=dev.bus_bytes)
    if expect is not None:
        for kind, lo, hi in expect:
            model.inject_fault(kind, lo, hi)
    validated = 0
    for i, ((src, dst, length), comp) in enumerate(zip(regions, completions)):
        want = model.outcome(src, dst, length)
        assert comp.code == want.status, (
            f"request {i}: status {comp.status}, golden model says "
            f"{layout.STATUS_NAMES[want.status]}")
        assert comp.bytes_completed == want.bytes_completed, (i, comp, want)
        assert comp.fault_addr == want.fault_addr, (i, comp, want)
        got = await dev.mem_read(dst - GUARD, length + 2 * GUARD)
        assert (got[:GUARD] == 0xA5).all() and (got[-GUARD:] == 0xA5).all(), \
            f"request {i}: guard bytes around {dst:#x} were overwritten"
        body = got[GUARD:-GUARD]
        src_bytes = pattern(seed, src, length)
        good = comp.bytes_completed
        assert np.array_equal(body[:good], src_bytes[:good]), f"request {i}: data mismatch"
        if comp.code == layout.STATUS_BAD_DESCRIPTOR:
            assert (body == 0xA5).all(), f"request {i}: a bad descriptor wrote memory"
        validated += good
    assert dev.protocol_errors == 0, "AXI checker saw protocol violations (see log)"
    return validated

def pages(n, size, src_node=1, dst_node=0, gap=GUARD * 2):
    """n (src, dst, size) regions, destinations spaced so guards never overlap."""
    stride = size + max(gap, 4096)
    return [(src_node * NODE + 0x10000 + i * stride, dst_node * NODE + 0x10000 + i * stride, size)
            for i in range(n)]
