"""The golden model's fault handling: the fault spec, ring faults (descriptor fetch,
completion-record writes), HANG, timed arming and stray-write bookkeeping.

Descriptors are submitted by hand (``submit``) so a test sees raw records: a FETCH_ERROR
record's cookie is 0 and a failed record write leaves its slot as the driver left it,
which the driver's reap would turn into completions of its own (matched by slot,
RECORD_LOST).
"""
import asyncio

import numpy as np
import pytest

from harness import faults, layout
from harness.device import DeviceHangError
from harness.driver import Driver, ring_advance
from harness.faults import Fault
from harness.golden import ModelDevice

PAGE = 4096
MEM = 16 << 20
SRC = MEM // 4          # node 1
DST = MEM // 2          # node 2
COOKIE0 = 0xC000


def run(coro):
    return asyncio.run(coro)


def make(bus_bytes=64, ring_order=5):
    dev = ModelDevice(mem_bytes=MEM, bus_bytes=bus_bytes, nr_queues=1)
    drv = Driver(dev, nr_queues=1, ring_order=ring_order)
    run(drv.probe())
    dev.mem[SRC:SRC + 64 * PAGE] = np.random.default_rng(1).integers(0, 256, 64 * PAGE,
                                                                     dtype=np.uint8)
    return dev, drv.queues[0]


def submit(dev, q, n, length=PAGE, flags=0):
    """n copies SRC + i*PAGE -> DST + i*PAGE at q's TAIL, records zeroed, one doorbell."""
    first = q.tail
    for i in range(n):
        slot = ring_advance(first, i, q.order)
        desc = layout.pack_descriptors([(SRC + i * PAGE, DST + i * PAGE, length, flags,
                                         COOKIE0 + i)])
        dev.mem[q.desc_addr(slot):q.desc_addr(slot) + 32] = desc.view(np.uint8)
        dev.mem[q.comp_addr(slot):q.comp_addr(slot) + 32] = 0
    q.tail = ring_advance(first, n, q.order)
    run(dev.write_reg(q.reg("TAIL"), q.tail))
    return first


def records(dev, q, first, n):
    return [dev.mem[q.comp_addr(ring_advance(first, i, q.order)):][:32].copy()
            .view(layout.COMPLETION)[0] for i in range(n)]


def settle(dev, cycles=200_000):
    run(dev.wait_cycles(cycles))


def reg(dev, q, name):
    return run(dev.read_reg(q.reg(name)))


def copied(dev, i, length=PAGE):
    return np.array_equal(dev.mem[DST + i * PAGE:][:length], dev.mem[SRC + i * PAGE:][:length])


# ------------------------------------------------------------------ the fault spec
def test_old_and_new_forms_and_ports():
    dev, _ = make()
    f = dev.inject_fault("read", 0x1000, 0x1040)
    assert f == Fault("read", 0x1000, 0x1040, port="both")
    assert dev.inject_fault("write", 0x2000, 0x2040, ports="dma").port == "engine"
    g = Fault("read", 0x3000, 0x3040, resp="DECERR", port="cpu")
    assert dev.inject_fault(g) is g
    assert dev.faults == [f, Fault("write", 0x2000, 0x2040, port="engine"), g]
    with pytest.raises(ValueError):
        dev.inject_fault("read", 0, 64, ports="gpu")
    with pytest.raises(ValueError):
        dev.inject_fault("erase", 0, 64)
    dev.clear_faults()
    assert dev.faults == []


def test_at_most_max_faults():
    dev, _ = make()
    for i in range(faults.MAX_FAULTS):
        dev.inject_fault("read", 64 * i, 64 * i + 1)
    with pytest.raises(ValueError):
        dev.inject_fault("read", 0x9000, 0x9001)
    assert len(dev.faults) == faults.MAX_FAULTS


def test_engine_port_fault_spares_cpu_and_cpu_fault_spares_engine():
    dev, q = make()
    dev.inject_fault(Fault("read", SRC + 100, SRC + 101, port="engine"))
    assert run(dev.cpu_copy(SRC, DST, PAGE)) and copied(dev, 0)
    assert dev.outcome(SRC, DST + PAGE, PAGE).status == layout.STATUS_READ_ERROR
    dev.clear_faults()
    dev.inject_fault(Fault("write", DST + 2 * PAGE, DST + 2 * PAGE + 1, port="cpu"))
    assert not run(dev.cpu_copy(SRC, DST + 2 * PAGE, PAGE))
    assert dev.outcome(SRC, DST + 2 * PAGE, PAGE).status == layout.STATUS_SUCCESS


# ------------------------------------------------------------------ descriptor fetch
@pytest.mark.parametrize("bus_bytes,failing", [(32, [3]), (64, [2, 3]), (128, [0, 1, 2, 3])])
def test_fetch_fault_completes_fetch_error_per_granule(bus_bytes, failing):
    """A read fault on slot 3's bytes: every descriptor in slot 3's ring granule
    (max(32, bus bytes) aligned) completes FETCH_ERROR, the others copy."""
    dev, q = make(bus_bytes=bus_bytes)
    first = 0
    bad = q.desc_addr(3) + 8
    dev.inject_fault("read", bad, bad + 1)
    submit(dev, q, 8)
    settle(dev)
    recs = records(dev, q, first, 8)
    for i, r in enumerate(recs):
        if i in failing:
            assert (int(r["status"]), int(r["cookie"]), int(r["bytes_completed"]),
                    int(r["fault_addr"])) == (layout.STATUS_FETCH_ERROR, 0, 0, q.desc_addr(i))
            assert not dev.mem[DST + i * PAGE:][:PAGE].any(), f"slot {i} wrote its destination"
        else:
            assert int(r["status"]) == layout.STATUS_SUCCESS and int(r["cookie"]) == COOKIE0 + i
            assert copied(dev, i)
    assert reg(dev, q, "HEAD") == reg(dev, q, "TAIL") == 8
    assert dev.irq_status & 1
    assert reg(dev, q, "STATUS") & layout.QSTATUS_ERROR
    assert not reg(dev, q, "STATUS") & layout.QSTATUS_RECORD_ERROR


# ------------------------------------------------------------------ record writes
def test_record_fault_sets_registers_and_leaves_slot():
    dev, q = make(bus_bytes=64)
    rec = q.comp_addr(5)
    dev.inject_fault("write", rec + 16, rec + 17)      # granule = records 4 and 5
    submit(dev, q, 8)
    dev.mem[rec:rec + 32] = 0x5A                        # what the slot held before
    settle(dev)
    assert (dev.mem[rec:rec + 32] == 0x5A).all(), "a failed record write changed its slot"
    recs = records(dev, q, 0, 8)
    assert int(recs[4]["status"]) == layout.STATUS_PENDING
    assert all(int(recs[i]["status"]) == layout.STATUS_SUCCESS for i in (0, 1, 2, 3, 6, 7))
    assert all(copied(dev, i) for i in range(8)), "a destination was not fully copied"
    assert reg(dev, q, "HEAD") == 8
    st = reg(dev, q, "STATUS")
    assert st & layout.QSTATUS_RECORD_ERROR and not st & layout.QSTATUS_ERROR
    assert reg(dev, q, "REC_FAULT_LO") == q.comp_addr(4) & 0xFFFFFFFF
    assert reg(dev, q, "REC_FAULT_HI") == q.comp_addr(4) >> 32
    assert reg(dev, q, "REC_FAULTS") == 2
    assert dev.irq_status & 1
    # a RING_ORDER write reprograms the queue and clears the record-fault state
    run(dev.write_reg(q.reg("RING_ORDER"), q.order))
    assert not reg(dev, q, "STATUS") & layout.QSTATUS_RECORD_ERROR
    assert (reg(dev, q, "REC_FAULTS"), reg(dev, q, "REC_FAULT_LO")) == (0, 0)


def test_record_fault_alone_raises_irq():
    """A SUCCESS without DESC_FLAG_IRQ whose record write fails still interrupts."""
    dev, q = make(bus_bytes=32)
    dev.inject_fault("write", q.comp_addr(0), q.comp_addr(0) + 32)
    submit(dev, q, 1)
    settle(dev)
    assert dev.irq_status & 1 and reg(dev, q, "REC_FAULTS") == 1
    assert reg(dev, q, "REC_FAULT_LO") == q.comp_addr(0)


# ------------------------------------------------------------------ HANG
def test_engine_hang_stops_the_queue():
    dev, q = make()
    dev.inject_fault(Fault("read", SRC + 2 * PAGE + 64, SRC + 2 * PAGE + 128, resp="HANG",
                           port="engine"))
    submit(dev, q, 5)
    settle(dev)
    recs = records(dev, q, 0, 5)
    assert [int(r["status"]) for r in recs] == [layout.STATUS_SUCCESS] * 2 + [0] * 3
    assert reg(dev, q, "HEAD") == 2
    assert not reg(dev, q, "STATUS") & layout.QSTATUS_IDLE
    assert not dev.irq_status
    with pytest.raises(DeviceHangError):
        run(dev.wait_irq())
    run(dev.write_reg(layout.global_reg("CONTROL"), layout.CTRL_ENABLE | layout.CTRL_SOFT_RESET))
    settle(dev)
    assert run(dev.read_reg(layout.global_reg("CONTROL"))) & layout.CTRL_SOFT_RESET


def test_cpu_hang_raises():
    dev, _ = make()
    dev.inject_fault(Fault("write", DST + 100, DST + 101, resp="HANG", port="cpu"))
    with pytest.raises(DeviceHangError):
        run(dev.cpu_copy(SRC, DST, PAGE))
    # the engine does not see a cpu-port fault
    assert dev.outcome(SRC, DST, PAGE).status == layout.STATUS_SUCCESS


# ------------------------------------------------------------------ timed arming
def test_after_beats_and_from_cycle_arm_later():
    dev, q = make(bus_bytes=64)
    # armed once one 4 KiB copy (64 beats) has been read: the first copy passes, not the second
    dev.inject_fault(Fault("read", SRC, SRC + 64 * PAGE, after_beats=64, port="engine"))
    submit(dev, q, 2)
    settle(dev)
    assert [int(r["status"]) for r in records(dev, q, 0, 2)] == \
        [layout.STATUS_SUCCESS, layout.STATUS_READ_ERROR]
    dev.clear_faults()
    dev.inject_fault(Fault("write", DST, DST + 64 * PAGE, from_cycle=dev.now() + 10**6))
    assert dev.outcome(SRC, DST, PAGE).status == layout.STATUS_SUCCESS
    run(dev.wait_cycles(10**6))
    assert dev.outcome(SRC, DST, PAGE).status == layout.STATUS_WRITE_ERROR


# ------------------------------------------------------------------ stray writes
def test_stray_write_bookkeeping():
    dev, q = make()
    assert dev.stray_writes == 0 and dev.first_stray_addr is None
    comp = (q.comp_base, q.comp_base + q.size * 32)
    dev.allow_writes([comp, (DST, DST + PAGE), (DST + PAGE, DST + 2 * PAGE)])
    submit(dev, q, 2)                               # both inside the allowed ranges
    settle(dev)
    assert dev.stray_writes == 0
    assert run(dev.cpu_copy(SRC, DST + 2 * PAGE - 64, 128))   # half of it outside
    assert dev.stray_writes == 1 and dev.first_stray_addr == DST + 2 * PAGE
    assert run(dev.cpu_copy(SRC, DST + 2 * PAGE + 64, 64))     # wholly outside
    assert dev.stray_writes == 2 and dev.first_stray_addr == DST + 2 * PAGE
    dev.allow_all_writes()
    assert run(dev.cpu_copy(SRC, DST + 8 * PAGE, PAGE))
    assert dev.stray_writes == 2
