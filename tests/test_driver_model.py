"""The driver on the golden ModelDevice: batches, wrap-around, queues, errors."""
import asyncio

import numpy as np
import pytest

from harness import layout
from harness.device import ModelDevice, burst_cuts, bursts, write_bursts
from harness.driver import (CopyRequest, DmaTimeoutError, Driver, ProbeError,
                            ProtocolError)

PAGE = 4096
MEM = 16 << 20          # 4 nodes of 4 MiB


def run(coro):
    return asyncio.run(coro)


def make(nr_queues=1, ring_order=9, bus_bytes=64, **kw):
    dev = ModelDevice(mem_bytes=MEM, bus_bytes=bus_bytes, nr_queues=nr_queues)
    drv = Driver(dev, nr_queues=nr_queues, ring_order=ring_order, **kw)
    run(drv.probe())
    return dev, drv


def fill(dev, addr, nbytes, seed):
    data = np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8)
    dev.mem[addr:addr + nbytes] = data
    return data


def src_page(i):           # node 1
    return MEM // 4 + i * PAGE


def dst_page(i):           # node 2
    return MEM // 2 + i * PAGE


def test_probe_programs_queues():
    dev, drv = make(nr_queues=2, ring_order=5)
    lo, hi = drv.dma_region
    assert hi <= dev.node_bytes and lo % PAGE == 0
    for q in drv.queues:
        assert dev.queues[q.index].ring_base == q.ring_base
        assert dev.queues[q.index].comp_base == q.comp_base
        assert dev.queues[q.index].order == 5
    assert dev.irq_enable == 0b11
    assert dev.control == layout.CTRL_ENABLE


def test_probe_rejects_wrong_engine():
    dev = ModelDevice(mem_bytes=MEM, nr_queues=1)
    with pytest.raises(ProbeError):
        run(Driver(dev, nr_queues=2).probe())


def test_single_copy():
    dev, drv = make()
    data = fill(dev, src_page(0), PAGE, 1)
    t0 = dev.now()
    [c] = run(drv.copy_batch([CopyRequest(src_page(0), dst_page(0), PAGE, cookie=0x1234)]))
    assert c.ok and c.status == "SUCCESS" and c.code == layout.STATUS_SUCCESS
    assert (c.cookie, c.bytes_completed, c.fault_addr) == (0x1234, PAGE, 0)
    assert np.array_equal(dev.mem[dst_page(0):dst_page(0) + PAGE], data)
    assert dev.now() > t0
    assert drv.queues[0].head == drv.queues[0].tail == 1
    assert dev.irq_status == 0          # acknowledged


def test_512_copies_wrap_small_ring():
    dev, drv = make(ring_order=4)
    n = 512
    src = fill(dev, src_page(0), n * PAGE, 2)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(n)]
    comps = run(drv.copy_batch(reqs))
    assert len(comps) == n and all(c.ok for c in comps)
    assert len({c.cookie for c in comps}) == n
    assert np.array_equal(dev.mem[dst_page(0):dst_page(n)], src)
    q = drv.queues[0]
    assert q.head == q.tail == n % 16 and not q.inflight
    # a second batch continues where the ring left off
    comps = run(drv.copy_batch(reqs[:20]))
    assert all(c.ok for c in comps)


def test_doorbell_count_and_irq_flags():
    """One TAIL write per queue for a batch that fits; IRQ flag on the last descriptor only."""
    dev, drv = make(nr_queues=2, ring_order=6)
    tails = []
    orig = dev._write

    def spy(offset, value):
        if offset in (layout.queue_reg(0, "TAIL"), layout.queue_reg(1, "TAIL")):
            tails.append((offset, value))
        orig(offset, value)

    dev._write = spy
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(40)]
    assert all(c.ok for c in run(drv.copy_batch(reqs)))
    assert tails == [(layout.queue_reg(0, "TAIL"), 20), (layout.queue_reg(1, "TAIL"), 20)]
    for q in drv.queues:
        ring = dev.mem[q.ring_base:q.ring_base + 20 * 32].view(layout.DESCRIPTOR)
        assert list(np.nonzero(ring["flags"] & layout.DESC_FLAG_IRQ)[0]) == [19]


def test_multi_queue_split():
    dev, drv = make(nr_queues=4, ring_order=4)
    n = 100
    src = fill(dev, src_page(0), n * PAGE, 3)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE, cookie=1000 + i) for i in range(n)]
    comps = run(drv.copy_batch(reqs))
    assert [c.cookie for c in comps] == [1000 + i for i in range(n)]
    assert all(c.ok for c in comps)
    assert np.array_equal(dev.mem[dst_page(0):dst_page(n)], src)
    done = [dev.queues[q].counters["DESC_DONE"] for q in range(4)]
    assert done == [25, 25, 25, 25]


def test_bad_descriptor_writes_nothing():
    dev, drv = make()
    fill(dev, src_page(0), 3 * PAGE, 4)
    guard = dev.mem[dst_page(0):dst_page(3)].copy()
    reqs = [CopyRequest(src_page(0) + 32, dst_page(0), PAGE),      # misaligned src
            CopyRequest(src_page(1), dst_page(1), 0),              # zero length
            CopyRequest(src_page(2), dst_page(2), PAGE + 8)]       # misaligned length
    comps = run(drv.copy_batch(reqs))
    for c in comps:
        assert c.status == "BAD_DESCRIPTOR" and not c.ok
        assert (c.bytes_completed, c.fault_addr) == (0, 0)
    assert np.array_equal(dev.mem[dst_page(0):dst_page(3)], guard)
    assert dev.queues[0].error


@pytest.mark.parametrize("kind", ["read", "write"])
def test_injected_fault(kind):
    dev, drv = make(bus_bytes=16)       # 256 beats x 16 B = 4 KiB: cut at 4 KiB either way
    length = 4 * PAGE
    src, dst = src_page(0), dst_page(0) + 64 * 3
    data = fill(dev, src, length, 5)
    before = fill(dev, dst_page(0) - PAGE, length + 3 * PAGE, 6).copy()
    if kind == "read":
        dev.inject_fault("read", src + 2 * PAGE + 100, src + 2 * PAGE + 101)
    else:
        dev.inject_fault("write", dst + 2 * PAGE + 100, dst + 2 * PAGE + 101)
    ok_before = CopyRequest(src_page(8), dst_page(8), PAGE)
    faulty = CopyRequest(src, dst, length)
    ok_after = CopyRequest(src_page(9), dst_page(9), PAGE)
    c0, c, c2 = run(drv.copy_batch([ok_before, faulty, ok_after]))
    assert c0.ok and c2.ok                       # the queue continues after an error
    # reads are cut on the source's 4 KiB grid, writes on the destination's: src is page
    # aligned, dst 192 bytes into a page, so the write bursts straddle the read bursts
    assert [n for _, n in burst_cuts(src, length, dev.bus_bytes)] == [PAGE] * 4
    assert [n for _, _, n in write_bursts(src, dst, length, dev.bus_bytes)] == \
        [PAGE - 192] + [PAGE] * 3 + [192]
    # the fault lies in source page 2 / destination offset 2 * PAGE + 100, i.e. in the
    # write burst at offsets [2 * PAGE - 192, 3 * PAGE - 192)
    done = 2 * PAGE - 192
    assert c.status == ("READ_ERROR" if kind == "read" else "WRITE_ERROR")
    assert c.bytes_completed == done
    # READ_ERROR: the first poisoned beat = the start of the failed read burst (src page 2)
    assert c.fault_addr == (src + 2 * PAGE if kind == "read" else dst + done)
    # the completed prefix was copied; nothing outside the destination changed
    assert np.array_equal(dev.mem[dst:dst + done], data[:done])
    lo = dst_page(0) - PAGE
    after = dev.mem[lo:lo + length + 3 * PAGE]
    outside = np.ones(after.size, bool)
    outside[dst - lo:dst - lo + length] = False
    assert np.array_equal(after[outside], before[outside])
    # and the model's scoreboard agrees
    exp = dev.expected_completions([(src, dst, length, 7)])[0]
    assert (exp["status"], exp["bytes_completed"], exp["fault_addr"]) == (
        c.code, c.bytes_completed, c.fault_addr)


def test_decerr_beyond_memory():
    dev, drv = make()
    [c] = run(drv.copy_batch([CopyRequest(MEM - PAGE, dst_page(0), 2 * PAGE)]))
    assert c.status == "READ_ERROR"
    assert (c.bytes_completed, c.fault_addr) == (PAGE, MEM)
    [c] = run(drv.copy_batch([CopyRequest(src_page(0), MEM - 64, 128)]))
    assert c.status == "WRITE_ERROR"
    assert (c.bytes_completed, c.fault_addr) == (64, MEM)


def test_coalescing_count_and_timeout():
    dev, drv = make(irq_count=4)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(10)]
    assert all(c.ok for c in run(drv.copy_batch(reqs)))
    dev, drv = make(irq_timeout=500)
    assert all(c.ok for c in run(drv.copy_batch(reqs)))


def test_timeout_raises_not_hangs():
    dev, drv = make(timeout_cycles=5000)
    run(dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE))
    with pytest.raises(DmaTimeoutError, match="not completed"):
        run(drv.copy_batch([CopyRequest(src_page(0), dst_page(0), PAGE)]))
    # after a reset the driver works again
    run(drv.reset())
    assert run(drv.copy_batch([CopyRequest(src_page(0), dst_page(0), PAGE)]))[0].ok


def test_stale_record_is_protocol_error():
    dev, drv = make()
    orig = dev._write_record

    def lying(q, slot, cookie, status, nbytes, fault_addr):
        orig(q, slot, cookie ^ 1, status, nbytes, fault_addr)

    dev._write_record = lying
    with pytest.raises(ProtocolError, match="cookie"):
        run(drv.copy_batch([CopyRequest(src_page(0), dst_page(0), PAGE, cookie=10)]))


def test_abort_reports_aborted():
    """ABORT on a paused queue: nothing started, so every descriptor completes ABORTED."""
    dev = ModelDevice(mem_bytes=MEM)
    drv = Driver(dev, ring_order=4)
    run(drv.probe())
    q = dev.queues[0]
    run(dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE))

    async def submit_then_abort():
        from collections import deque
        reqs = [CopyRequest(src_page(i), dst_page(i), PAGE, cookie=50 + i) for i in range(3)]
        await drv._submit(drv.queues[0], deque(range(3)), reqs, [50, 51, 52])
        await dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ABORT)
        assert await dev.wait_irq(100)
        results = [None] * 3
        assert await drv._reap(drv.queues[0], results) == 3
        return results

    comps = run(submit_then_abort())
    assert [c.status for c in comps] == ["ABORTED"] * 3
    assert q.head == q.tail == 3


def test_abort_lets_started_descriptors_finish():
    """ABORT on a running queue: the descriptor the mover has started finishes (SUCCESS,
    copied), the others complete ABORTED after it (untouched); HEAD reaches that TAIL;
    descriptors rung after the abort run normally."""
    dev = ModelDevice(mem_bytes=MEM)
    drv = Driver(dev, ring_order=4)
    run(drv.probe())
    size = 16 * PAGE                       # ~1000 mover cycles each on a 64-byte bus
    data = fill(dev, src_page(0), 4 * size, 21)
    before = dev.mem[dst_page(0):dst_page(0) + 4 * size].copy()

    async def submit_then_abort():
        from collections import deque
        reqs = [CopyRequest(src_page(0) + i * size, dst_page(0) + i * size, size,
                            cookie=70 + i) for i in range(4)]
        await drv._submit(drv.queues[0], deque(range(4)), reqs, [70, 71, 72, 73])
        await dev.wait_cycles(50)          # the first one has started, the rest wait
        await dev.write_reg(layout.queue_reg(0, "CONTROL"),
                            layout.QCTRL_ENABLE | layout.QCTRL_ABORT)
        assert await dev.read_reg(layout.queue_reg(0, "HEAD")) == 0   # still running
        assert await dev.wait_irq(5000)
        results = [None] * 4
        got = 0
        while got < 4:
            got += await drv._reap(drv.queues[0], results)
            await dev.wait_cycles(16)
        return results

    comps = run(submit_then_abort())
    assert [c.status for c in comps] == ["SUCCESS"] + ["ABORTED"] * 3
    assert comps[0].bytes_completed == size
    assert all((c.bytes_completed, c.fault_addr) == (0, 0) for c in comps[1:])
    assert np.array_equal(dev.mem[dst_page(0):dst_page(0) + size], data[:size])
    assert np.array_equal(dev.mem[dst_page(0) + size:dst_page(0) + 4 * size], before[size:])
    q = dev.queues[0]
    assert q.head == q.tail == 4 and q.error
    assert all(c.ok for c in run(drv.copy_batch([CopyRequest(src_page(0), dst_page(64), PAGE)])))


def test_soft_reset_drains_started_work():
    """SOFT_RESET with work queued: CONTROL.SOFT_RESET reads 1 while the started
    descriptor finishes (record written, copied); then every register is 0 and the
    descriptors not started were dropped without a record."""
    dev = ModelDevice(mem_bytes=MEM)
    drv = Driver(dev, ring_order=4)
    run(drv.probe())
    size = 16 * PAGE
    data = fill(dev, src_page(0), 3 * size, 22)
    before = dev.mem[dst_page(0):dst_page(0) + 3 * size].copy()
    ctrl = layout.global_reg("CONTROL")
    comp_base = drv.queues[0].comp_base

    async def submit_then_reset():
        from collections import deque
        reqs = [CopyRequest(src_page(0) + i * size, dst_page(0) + i * size, size,
                            cookie=90 + i) for i in range(3)]
        await drv._submit(drv.queues[0], deque(range(3)), reqs, [90, 91, 92])
        await dev.wait_cycles(50)
        await dev.write_reg(ctrl, layout.CTRL_ENABLE | layout.CTRL_SOFT_RESET)
        assert await dev.read_reg(ctrl) & layout.CTRL_SOFT_RESET      # still draining
        assert await dev.read_reg(layout.queue_reg(0, "TAIL")) == 3
        polls = 0
        while await dev.read_reg(ctrl) & layout.CTRL_SOFT_RESET:
            polls += 1
            assert polls < 1000, "SOFT_RESET never self-cleared"
            await dev.wait_cycles(16)
        assert polls > 10                  # the drain took the started descriptor's time
        for name in ("HEAD", "TAIL", "CONTROL", "RING_ORDER", "DESC_DONE"):
            assert await dev.read_reg(layout.queue_reg(0, name)) == 0, name
        assert await dev.read_reg(ctrl) == 0
        assert await dev.read_reg(layout.global_reg("IRQ_ENABLE")) == 0

    run(submit_then_reset())
    recs = dev.mem[comp_base:comp_base + 3 * 32].view(layout.COMPLETION)
    assert list(recs["status"]) == [layout.STATUS_SUCCESS, 0, 0]
    assert int(recs[0]["cookie"]) == 90 and int(recs[0]["bytes_completed"]) == size
    assert np.array_equal(dev.mem[dst_page(0):dst_page(0) + size], data[:size])
    assert np.array_equal(dev.mem[dst_page(0) + size:dst_page(0) + 3 * size], before[size:])
    # idle engine: the reset is immediate; then the driver works again
    run(dev.write_reg(ctrl, layout.CTRL_SOFT_RESET))
    assert run(dev.read_reg(ctrl)) == 0
    run(drv.reset())
    assert run(drv.copy_batch([CopyRequest(src_page(0), dst_page(64), PAGE)]))[0].ok


def test_multi_queue_completions_interleave():
    """Completions from different queues arrive interleaved; order is restored."""
    dev, drv = make(nr_queues=2, ring_order=9)
    seen = []
    orig = dev._complete

    def spy(qi, slot, desc, outcome):
        seen.append(qi)
        orig(qi, slot, desc, outcome)

    dev._complete = spy
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(8)]
    comps = run(drv.copy_batch(reqs))
    assert all(c.ok for c in comps)
    assert seen[:4] == [0, 1, 0, 1]


def test_cpu_copy_model():
    dev = ModelDevice(mem_bytes=MEM)
    data = fill(dev, src_page(0), PAGE, 9)
    t0 = dev.now()
    assert run(dev.cpu_copy(src_page(0), dst_page(0), PAGE))
    assert dev.now() > t0
    assert np.array_equal(dev.mem[dst_page(0):dst_page(1)], data)
    dev.inject_fault("write", dst_page(5), dst_page(5) + 1)
    assert not run(dev.cpu_copy(src_page(0), dst_page(5), PAGE))


def test_burst_cuts():
    # 256 beats of 8 bytes = 2 KiB cut before 4 KiB; 64-byte bus: the 4 KiB cut wins
    assert [n for _, n in burst_cuts(0, 2 * PAGE, 8)] == [2048] * 4
    assert [n for _, n in burst_cuts(0x100000, 2 << 20, 64)] == [PAGE] * 512
    assert burst_cuts(PAGE - 64, 128, 64) == [(0, 64), (64, 64)]
    assert burst_cuts(0x800 + 64, 2048, 8) == [(0, 2048 - 64), (2048 - 64, 64)]
    # write bursts follow the destination only; cpu_copy's chunks cut at both grids
    assert write_bursts(PAGE - 64, 0, 128, 64) == [(PAGE - 64, 0, 128)]
    assert bursts(PAGE - 64, 0, 128, 64) == [(PAGE - 64, 0, 64), (PAGE, 64, 64)]


@pytest.mark.parametrize("bus_bytes", [8, 64])
def test_unaligned_pages_error_rule(bus_bytes):
    """The module doc's example: src page aligned, dst 0x800 into its page, 8 KiB."""
    dev = ModelDevice(mem_bytes=MEM, bus_bytes=bus_bytes)
    src, dst = src_page(0), dst_page(0) + 0x800
    dev.inject_fault("read", src + 5000, src + 5001)
    o = dev.outcome(src, dst, 2 * PAGE)
    if bus_bytes == 64:     # read bursts [0, 4K) [4K, 8K); write bursts [0, 2K) [2K, 6K) ..
        assert (o.status, o.bytes_completed, o.fault_addr) == (
            layout.STATUS_READ_ERROR, 2048, src + PAGE)
        assert o.chunks == ((src, dst, 2048),)
    else:                   # 256 beats = 2 KiB: both sides cut into the same 2 KiB bursts
        assert (o.status, o.bytes_completed, o.fault_addr) == (
            layout.STATUS_READ_ERROR, 4096, src + PAGE)
    dev.clear_faults()
    dev.inject_fault("write", dst + 5000, dst + 5001)
    o = dev.outcome(src, dst, 2 * PAGE)
    # 64-byte bus: write bursts [0, 2K) [2K, 6K) [6K, 8K); 8-byte bus: 2 KiB bursts
    assert (o.status, o.bytes_completed, o.fault_addr) == (
        layout.STATUS_WRITE_ERROR, 2048 if bus_bytes == 64 else 4096,
        dst + (2048 if bus_bytes == 64 else 4096))
    # a read fault and a write fault in the same write burst: the read wins
    dev.inject_fault("read", src + 4096, src + 4097)
    o = dev.outcome(src, dst, 2 * PAGE)
    assert (o.status, o.fault_addr) == (layout.STATUS_READ_ERROR, src + PAGE)
    # src 0x800 into its page, dst aligned: a read fault early in the second read burst
    # [2K, 6K) poisons the first write burst [0, 4K) from its middle on (64-byte bus; on
    # the 8-byte bus both sides are cut into 2 KiB bursts and the first one is good)
    dev.clear_faults()
    src2, dst2 = src_page(4) + 0x800, dst_page(4)
    dev.inject_fault("read", src2 + 2048, src2 + 2049)
    o = dev.outcome(src2, dst2, 2 * PAGE)
    assert (o.status, o.bytes_completed, o.fault_addr) == (
        layout.STATUS_READ_ERROR, 0 if bus_bytes == 64 else 2048, src2 + 2048)


def test_thp_copy_and_error_on_second_queue():
    dev, drv = make(nr_queues=2)
    thp = 2 << 20
    data = fill(dev, MEM // 4, thp, 11)
    dev.inject_fault("write", MEM // 2 + thp + 5 * PAGE, MEM // 2 + thp + 5 * PAGE + 64)
    good = CopyRequest(MEM // 4, MEM // 2, thp)
    bad = CopyRequest(MEM // 4, MEM // 2 + thp, thp)
    c_good, c_bad = run(drv.copy_batch([good, bad]))
    assert c_good.ok and c_good.bytes_completed == thp
    assert np.array_equal(dev.mem[MEM // 2:MEM // 2 + thp], data)
    assert c_bad.status == "WRITE_ERROR"
    assert (c_bad.bytes_completed, c_bad.fault_addr) == (5 * PAGE, MEM // 2 + thp + 5 * PAGE)


def test_beyond_bus_address_space_is_bad_descriptor():
    """Like the RTL (32-bit AXI addresses in tb_top): a range ending past 4 GiB is
    BAD_DESCRIPTOR, not a DECERR; one ending exactly at 4 GiB is just beyond memory."""
    dev = ModelDevice(mem_bytes=MEM)
    top = 1 << 32
    assert dev.outcome(top - 64, dst_page(0), 128).status == layout.STATUS_BAD_DESCRIPTOR
    assert dev.outcome(src_page(0), top - 64, 128).status == layout.STATUS_BAD_DESCRIPTOR
    o = dev.outcome(top - 128, dst_page(0), 128)
    assert (o.status, o.bytes_completed, o.fault_addr) == (layout.STATUS_READ_ERROR, 0, top - 128)
    assert ModelDevice(mem_bytes=MEM, addr_bits=64).outcome(
        top - 64, dst_page(0), 128).status == layout.STATUS_READ_ERROR
