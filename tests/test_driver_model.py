"""The driver on the golden ModelDevice: its dmaengine API, and batches of the copy paths'
client (copy_paths.DmaClient) on it: wrap-around, queues, chunks, errors."""
import asyncio

import numpy as np
import pytest

from harness import layout
from harness.copy_paths import (
    SUBMIT_CHUNKS,
    CopyRequest,
    DmaClient,
    EngineResetError,
    chunk_sizes,
)
from harness.driver import (
    DMA_PREP_INTERRUPT,
    DmaStatus,
    DmaTimeoutError,
    Driver,
    ProbeError,
)
from harness.golden import ModelDevice
from harness.layout import bursts

PAGE = 4096
MEM = 16 << 20          # 4 nodes of 4 MiB


def run(coro):
    return asyncio.run(coro)


def copy(drv, requests, prepare=None, chunks=SUBMIT_CHUNKS):
    """One batch of the copy paths' DMA client on ``drv`` -> its Completions."""
    return run(DmaClient(drv, chunks=chunks).copy_batch(requests, prepare))


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
    [c] = copy(drv, [CopyRequest(src_page(0), dst_page(0), PAGE, cookie=0x1234)])
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
    comps = copy(drv, reqs)
    assert len(comps) == n and all(c.ok for c in comps)
    assert len({c.cookie for c in comps}) == n
    assert np.array_equal(dev.mem[dst_page(0):dst_page(n)], src)
    q = drv.queues[0]
    assert q.head == q.tail == n % 16 and not q.inflight
    # a second batch continues where the ring left off
    comps = copy(drv, reqs[:20])
    assert all(c.ok for c in comps)


def test_doorbell_count_and_irq_flags():
    """One TAIL write per queue for a batch that fits; IRQ flag on the last descriptor only."""
    dev, drv = make(nr_queues=2, ring_order=6)
    tails = []
    orig = dev.apply_write

    def spy(offset, value):
        if offset in (layout.queue_reg(0, "TAIL"), layout.queue_reg(1, "TAIL")):
            tails.append((offset, value))
        orig(offset, value)

    dev.apply_write = spy
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(40)]
    assert all(c.ok for c in copy(drv, reqs))
    assert tails == [(layout.queue_reg(0, "TAIL"), 20), (layout.queue_reg(1, "TAIL"), 20)]
    for q in drv.queues:
        ring = dev.mem[q.ring_base:q.ring_base + 20 * 32].view(layout.DESCRIPTOR)
        assert list(np.nonzero(ring["flags"] & layout.DESC_FLAG_IRQ)[0]) == [19]


def test_multi_queue_split():
    dev, drv = make(nr_queues=4, ring_order=4)
    n = 100
    src = fill(dev, src_page(0), n * PAGE, 3)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE, cookie=1000 + i) for i in range(n)]
    comps = copy(drv, reqs)
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
    comps = copy(drv, reqs)
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
    c0, c, c2 = copy(drv, [ok_before, faulty, ok_after])
    assert c0.ok and c2.ok                       # the queue continues after an error
    # bursts are cut at both 4 KiB grids: src is page aligned, dst 192 bytes into a page,
    # so every page of the source is read and written as two bursts
    assert [n for _, _, n in bursts(src, dst, length, dev.bus_bytes)] == \
        [PAGE - 192] + [192, PAGE - 192] * 3 + [192]
    # the fault lies at source / destination offset 2 * PAGE + 100, i.e. in the burst at
    # offsets [2 * PAGE, 3 * PAGE - 192)
    done = 2 * PAGE
    assert c.status == ("READ_ERROR" if kind == "read" else "WRITE_ERROR")
    assert c.bytes_completed == done
    # the failing burst's source (READ_ERROR: its first poisoned beat) or destination
    assert c.fault_addr == (src + done if kind == "read" else dst + done)
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
    [c] = copy(drv, [CopyRequest(MEM - PAGE, dst_page(0), 2 * PAGE)])
    assert c.status == "READ_ERROR"
    assert (c.bytes_completed, c.fault_addr) == (PAGE, MEM)
    [c] = copy(drv, [CopyRequest(src_page(0), MEM - 64, 128)])
    assert c.status == "WRITE_ERROR"
    assert (c.bytes_completed, c.fault_addr) == (64, MEM)


def test_coalescing_count_and_timeout():
    dev, drv = make(irq_count=4)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(10)]
    assert all(c.ok for c in copy(drv, reqs))
    dev, drv = make(irq_timeout=500)
    assert all(c.ok for c in copy(drv, reqs))


def test_timeout_raises_not_hangs():
    """A batch on a paused queue runs out of time: the client terminates it (terminate_all:
    ABORT, everything reaped) and raises DmaTimeoutError."""
    dev, drv = make(timeout_cycles=5000)
    run(dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE))
    t0 = dev.now()
    with pytest.raises(DmaTimeoutError, match="not completed within 5000 cycles; terminate_all"):
        copy(drv, [CopyRequest(src_page(0), dst_page(0), PAGE)])
    assert dev.now() - t0 >= 5000 and drv.outstanding() == 0
    # after a reset the driver works again
    run(drv.reset())
    assert copy(drv, [CopyRequest(src_page(0), dst_page(0), PAGE)])[0].ok


def test_reset_that_cannot_drain_declares_the_device_dead():
    """A descriptor stuck on a memory that never answers: the batch times out, the reset
    cannot drain it, the driver is dead and refuses further batches; the copy path turns
    that into DST_UNSAFE for the batch and CPU copies afterwards."""
    from harness.copy_paths import make_copy_path
    from harness.driver import DeviceDeadError
    from harness.faults import Fault
    from harness.mm import CopyResult

    dev, drv = make(timeout_cycles=5000, reset_timeout_cycles=3000)
    dev.inject_fault(Fault("read", src_page(1), src_page(1) + 64, resp="HANG", port="engine"))
    path = make_copy_path("batch_dma", dev, driver=drv)
    migrator = path.offload.migrator

    class F:                                       # what the copy path reads of a folio
        def __init__(self, addr):
            self.addr, self.nbytes = addr, PAGE
    srcs, dsts = [F(src_page(i)) for i in range(3)], [F(dst_page(i)) for i in range(3)]
    results = run(migrator.offload_copy(dsts, srcs))
    assert results == [CopyResult.DST_UNSAFE] * 3
    assert drv.dead and migrator.failures["DmaTimeoutError"] == 1
    with pytest.raises(DeviceDeadError):
        copy(drv, [CopyRequest(src_page(5), dst_page(5), PAGE)])
    # later batches: the CPU copies, into fresh destinations
    from harness.mm import MigrateReason
    more = run(path.folios_copy([F(dst_page(8))], [F(src_page(8))], MigrateReason.MR_SYSCALL))
    assert more == [CopyResult.COPIED] and path.nr_offloaded_folios == 0
    assert path.nr_cpu_folios == 1


def test_failed_batch_with_a_working_reset_falls_back_to_the_cpu():
    """A batch that times out on a paused queue: the reset drains (nothing started), so
    every folio is FAILED (not DST_UNSAFE); the move phase's per-folio copy
    (__migrate_folio() -> folio_copy(), RFC v6's fallback) then copies it with the CPU."""
    from harness.copy_paths import make_copy_path
    from harness.mm import CopyResult, MigrateReason

    dev, drv = make(timeout_cycles=5000)
    run(dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE))
    path = make_copy_path("batch_dma", dev, driver=drv)

    class F:
        def __init__(self, addr):
            self.addr, self.nbytes = addr, PAGE
    data = np.arange(PAGE, dtype=np.uint8)
    run(dev.mem_write(src_page(2), data))
    dst, src = F(dst_page(2)), F(src_page(2))
    out = run(path.folios_copy([dst], [src], MigrateReason.MR_SYSCALL))
    assert out == [CopyResult.FAILED] and not drv.dead
    assert run(path.folio_copy(dst, src)) is CopyResult.COPIED
    assert path.nr_fallback_folios == 1
    assert np.array_equal(run(dev.mem_read(dst_page(2), PAGE)), data)


def test_stale_record_is_corrupt_record_not_an_exception():
    """A foreign cookie that the engine does not report as a record fault: the request
    comes back CORRUPT_RECORD (not ok) and counts as a protocol error; no exception."""
    dev, drv = make()
    orig = dev.write_record

    def lying(q, slot, cookie, status, nbytes, fault_addr):
        orig(q, slot, cookie ^ 1, status, nbytes, fault_addr)

    dev.write_record = lying
    (comp,) = copy(drv, [CopyRequest(src_page(0), dst_page(0), PAGE, cookie=10)])
    assert comp.status == "CORRUPT_RECORD" and not comp.ok and comp.cookie == 10
    assert drv.protocol_errors == 1


def test_abort_reports_aborted():
    """ABORT on a paused queue: nothing started, so every descriptor completes ABORTED."""
    dev = ModelDevice(mem_bytes=MEM)
    drv = Driver(dev, ring_order=4)
    run(drv.probe())
    q = dev.queues[0]
    run(dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE))

    async def submit_then_abort():
        txs = [drv.prep_memcpy(dst_page(i), src_page(i), PAGE, cookie=50 + i) for i in range(3)]
        assert [drv.submit(tx) for tx in txs] == [50, 51, 52]
        await drv.issue_pending()
        await dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ABORT)
        assert await dev.wait_irq(100)
        assert await drv.poll() == 3
        return [tx.result for tx in txs]

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
        txs = [drv.prep_memcpy(dst_page(0) + i * size, src_page(0) + i * size, size,
                               cookie=70 + i) for i in range(4)]
        for tx in txs:
            drv.submit(tx)
        await drv.issue_pending()
        await dev.wait_cycles(50)          # the first one has started, the rest wait
        await dev.write_reg(layout.queue_reg(0, "CONTROL"),
                            layout.QCTRL_ENABLE | layout.QCTRL_ABORT)
        assert await dev.read_reg(layout.queue_reg(0, "HEAD")) == 0   # still running
        assert await dev.wait_irq(5000)
        got = 0
        while got < 4:
            got += await drv.poll()
            await dev.wait_cycles(16)
        return [tx.result for tx in txs]

    comps = run(submit_then_abort())
    assert [c.status for c in comps] == ["SUCCESS"] + ["ABORTED"] * 3
    assert comps[0].bytes_completed == size
    assert all((c.bytes_completed, c.fault_addr) == (0, 0) for c in comps[1:])
    assert np.array_equal(dev.mem[dst_page(0):dst_page(0) + size], data[:size])
    assert np.array_equal(dev.mem[dst_page(0) + size:dst_page(0) + 4 * size], before[size:])
    q = dev.queues[0]
    assert q.head == q.tail == 4 and q.error
    assert all(c.ok for c in copy(drv, [CopyRequest(src_page(0), dst_page(64), PAGE)]))


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
        for i in range(3):
            drv.submit(drv.prep_memcpy(dst_page(0) + i * size, src_page(0) + i * size, size,
                                       flags=DMA_PREP_INTERRUPT if i == 2 else 0,
                                       cookie=90 + i))
        await drv.issue_pending()
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
        for name in ("HEAD", "TAIL", "CONTROL", "DESC_DONE"):
            assert await dev.read_reg(layout.queue_reg(0, name)) == 0, name
        ring_order = await dev.read_reg(layout.queue_reg(0, "RING_ORDER"))
        assert ring_order == layout.RING_ORDER_RESET      # the RTL's reset value
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
    assert copy(drv, [CopyRequest(src_page(0), dst_page(64), PAGE)])[0].ok


def test_multi_queue_completions_interleave():
    """Completions from different queues arrive interleaved; order is restored."""
    dev, drv = make(nr_queues=2, ring_order=9)
    seen = []
    orig = dev.complete

    def spy(qi, slot, desc, outcome):
        seen.append(qi)
        orig(qi, slot, desc, outcome)

    dev.complete = spy
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(8)]
    comps = copy(drv, reqs)
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


def test_bursts():
    # 256 beats of 8 bytes = 2 KiB cut before 4 KiB; 64-byte bus: the 4 KiB cut wins
    assert [n for _, _, n in bursts(0, 0x40000, 2 * PAGE, 8)] == [2048] * 4
    assert [n for _, _, n in bursts(0x100000, 0x400000, 2 << 20, 64)] == [PAGE] * 512
    # the nearer of the two grids cuts
    assert bursts(PAGE - 64, 0, 128, 64) == [(PAGE - 64, 0, 64), (PAGE, 64, 64)]
    assert bursts(0, PAGE - 64, 128, 64) == [(0, PAGE - 64, 64), (64, PAGE, 64)]
    assert bursts(0x800 + 64, 0x800 + 64, 2048, 8) == [(0x840, 0x840, 2048 - 64), (PAGE, PAGE, 64)]


@pytest.mark.parametrize("bus_bytes", [8, 64])
def test_unaligned_pages_error_rule(bus_bytes):
    """The module doc's example: src page aligned, dst 0x800 into its page, 8 KiB: on either
    bus the bursts are [0, 2K) [2K, 4K) [4K, 6K) [6K, 8K) (the destination's grid cuts the
    source's pages in two; on the 8-byte bus 256 beats = 2 KiB cut there too)."""
    dev = ModelDevice(mem_bytes=MEM, bus_bytes=bus_bytes)
    src, dst = src_page(0), dst_page(0) + 0x800
    assert [(s - src, n) for s, _, n in bursts(src, dst, 2 * PAGE, bus_bytes)] == \
        [(0, 2048), (2048, 2048), (4096, 2048), (6144, 2048)]
    dev.inject_fault("read", src + 5000, src + 5001)
    o = dev.outcome(src, dst, 2 * PAGE)
    assert (o.status, o.bytes_completed, o.fault_addr) == (
        layout.STATUS_READ_ERROR, 4096, src + PAGE)
    assert o.chunks == ((src, dst, 2048), (src + 2048, dst + 2048, 2048))
    dev.clear_faults()
    dev.inject_fault("write", dst + 5000, dst + 5001)
    o = dev.outcome(src, dst, 2 * PAGE)
    assert (o.status, o.bytes_completed, o.fault_addr) == (
        layout.STATUS_WRITE_ERROR, 4096, dst + 4096)
    # a read fault and a write fault in the same burst: the read wins
    dev.inject_fault("read", src + 4096, src + 4097)
    o = dev.outcome(src, dst, 2 * PAGE)
    assert (o.status, o.fault_addr) == (layout.STATUS_READ_ERROR, src + PAGE)
    # src 0x800 into its page, dst aligned: a read fault at the source's page boundary
    # fails the burst that starts there, the second one
    dev.clear_faults()
    src2, dst2 = src_page(4) + 0x800, dst_page(4)
    dev.inject_fault("read", src2 + 2048, src2 + 2049)
    o = dev.outcome(src2, dst2, 2 * PAGE)
    assert (o.status, o.bytes_completed, o.fault_addr) == (
        layout.STATUS_READ_ERROR, 2048, src2 + 2048)


def test_thp_copy_and_error_on_second_queue():
    dev, drv = make(nr_queues=2)
    thp = 2 << 20
    data = fill(dev, MEM // 4, thp, 11)
    dev.inject_fault("write", MEM // 2 + thp + 5 * PAGE, MEM // 2 + thp + 5 * PAGE + 64)
    good = CopyRequest(MEM // 4, MEM // 2, thp)
    bad = CopyRequest(MEM // 4, MEM // 2 + thp, thp)
    c_good, c_bad = copy(drv, [good, bad])
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


# ------------------------------------------------------- chunked submission (prepare callback)
class Spy:
    """Records the driver's prepare(k) calls, TAIL writes and wait_irq calls on a ModelDevice,
    in order; prepare(k) lets the CPU time of k descriptors + a doorbell pass (35 + 100
    fabric cycles, the cost table's 70 + 200 CPU cycles), so the engine runs meanwhile."""

    def __init__(self, dev, prep_cycles=35, doorbell_cycles=100):
        self.dev, self.events, self.sizes = dev, [], []
        self.prep_cycles, self.doorbell_cycles = prep_cycles, doorbell_cycles
        tail_regs = {layout.queue_reg(q, "TAIL"): q for q in range(dev.nr_queues)}
        write, wait_irq = dev.apply_write, dev.wait_irq

        self.irq_at = {q: [] for q in range(dev.nr_queues)}   # per queue: IRQ-flagged
        self.rung = dict.fromkeys(range(dev.nr_queues), 0)     # descriptors, counted

        def spy_write(offset, value):
            if offset in tail_regs:
                qi = tail_regs[offset]
                self.events.append(("tail", qi, value))
                hw = dev.queues[qi]
                slot = hw.tail
                while slot != value & (hw.size - 1):
                    d = dev.mem[hw.ring_base + 32 * slot:hw.ring_base + 32 * slot + 32]
                    if int(d.view(layout.DESCRIPTOR)["flags"][0]) & layout.DESC_FLAG_IRQ:
                        self.irq_at[qi].append(self.rung[qi])
                    self.rung[qi] += 1
                    slot = (slot + 1) & (hw.size - 1)
            write(offset, value)

        async def spy_wait_irq(timeout_cycles=None):
            self.events.append(("wait_irq",))
            return await wait_irq(timeout_cycles)

        dev.apply_write, dev.wait_irq = spy_write, spy_wait_irq

    async def prepare(self, k):
        self.sizes.append(k)
        self.events.append(("prepare", k, self.dev.now(),
                            sum(q.counters["DESC_DONE"] for q in self.dev.queues)))
        await self.dev.wait_cycles(k * self.prep_cycles + self.doorbell_cycles)

    def tails(self):
        return [e[1:] for e in self.events if e[0] == "tail"]


def test_chunk_sizes():
    assert chunk_sizes(512, SUBMIT_CHUNKS) == _expected_chunks(512, SUBMIT_CHUNKS)
    assert sum(chunk_sizes(512, SUBMIT_CHUNKS)) == 512
    assert chunk_sizes(5, (8, 16)) == [5]
    assert chunk_sizes(40, (8, 16)) == [8, 16, 16]
    assert chunk_sizes(40, (8, 16), first=1) == [16, 16, 8]
    assert chunk_sizes(0, (8,)) == []
    with pytest.raises(ValueError):
        chunk_sizes(4, ())
    with pytest.raises(ValueError):
        chunk_sizes(4, (8, 0))


def _expected_chunks(n, schedule):
    out, i = [], 0
    while n:
        k = min(n, schedule[min(i, len(schedule) - 1)])
        out.append(k)
        n -= k
        i += 1
    return out


def test_chunked_submission_completes_in_order():
    """One queue, 300 requests, the default schedule: every request completes, in order,
    with its cookie; prepare() is called once per chunk, with the schedule's sizes (sum n);
    one doorbell per chunk, after its prepare(); the driver first waits for the interrupt
    after the last chunk, and the engine has been copying while later chunks were prepared;
    only the share's last descriptor asks for an interrupt."""
    dev, drv = make(ring_order=9)
    n = 300
    src = fill(dev, src_page(0), n * PAGE, 30)
    spy = Spy(dev)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE, cookie=5000 + i) for i in range(n)]
    comps = copy(drv, reqs, prepare=spy.prepare)
    assert [c.cookie for c in comps] == [5000 + i for i in range(n)]
    assert all(c.ok and c.bytes_completed == PAGE for c in comps)
    assert np.array_equal(dev.mem[dst_page(0):dst_page(n)], src)
    sizes = chunk_sizes(n, SUBMIT_CHUNKS)
    assert spy.sizes == sizes and sum(spy.sizes) == n and len(sizes) > 1
    assert spy.tails() == [(0, t) for t in np.cumsum(sizes).tolist()]
    kinds = [e[0] for e in spy.events]
    assert kinds[:2 * len(sizes)] == ["prepare", "tail"] * len(sizes)   # no wait in between
    assert kinds[2 * len(sizes)] == "wait_irq"
    done_at_last_prepare = spy.events[2 * len(sizes) - 2][3]
    assert done_at_last_prepare > 0                  # the engine copied during preparation
    q = drv.queues[0]
    ring = dev.mem[q.ring_base:q.ring_base + n * 32].view(layout.DESCRIPTOR)
    assert list(np.nonzero(ring["flags"] & layout.DESC_FLAG_IRQ)[0]) == [n - 1]
    assert spy.irq_at[0] == [n - 1]
    assert drv.outstanding() == 0 and q.head == q.tail == n


def test_chunked_submission_multi_queue_round_robin():
    """Three queues, schedule (4, 8): each queue's share in chunks 4, 8, 8, ..., the
    doorbells taken round-robin over the queues chunk by chunk; results in request order;
    the IRQ flag on each share's last descriptor."""
    dev, drv = make(nr_queues=3, ring_order=6)
    n = 60                                           # 20 per queue: chunks 4, 8, 8
    src = fill(dev, src_page(0), n * PAGE, 31)
    spy = Spy(dev)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE, cookie=700 + i) for i in range(n)]
    comps = copy(drv, reqs, prepare=spy.prepare, chunks=(4, 8))
    assert [c.cookie for c in comps] == [700 + i for i in range(n)] and all(c.ok for c in comps)
    assert np.array_equal(dev.mem[dst_page(0):dst_page(n)], src)
    assert spy.sizes == [4, 4, 4, 8, 8, 8, 8, 8, 8]
    assert spy.tails() == [(0, 4), (1, 4), (2, 4), (0, 12), (1, 12), (2, 12),
                           (0, 20), (1, 20), (2, 20)]
    for q in drv.queues:
        ring = dev.mem[q.ring_base:q.ring_base + 20 * 32].view(layout.DESCRIPTOR)
        assert list(np.nonzero(ring["flags"] & layout.DESC_FLAG_IRQ)[0]) == [19]
    assert [dev.queues[q].counters["DESC_DONE"] for q in range(3)] == [20, 20, 20]


def test_chunked_submission_ring_smaller_than_batch():
    """A 16-slot ring (15 usable) under 100 requests with chunks: each round fills the free
    slots in chunks (the schedule carries on across rounds), with the refill point halfway;
    every request completes in order; no chunk exceeds the free slots; sizes sum to n."""
    dev, drv = make(ring_order=4)
    n = 100
    src = fill(dev, src_page(0), n * PAGE, 32)
    spy = Spy(dev)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE, cookie=9000 + i) for i in range(n)]
    comps = copy(drv, reqs, prepare=spy.prepare, chunks=(4, 8))
    assert [c.cookie for c in comps] == [9000 + i for i in range(n)] and all(c.ok for c in comps)
    assert np.array_equal(dev.mem[dst_page(0):dst_page(n)], src)
    assert sum(spy.sizes) == n and max(spy.sizes) <= 8
    assert spy.sizes[:3] == [4, 8, 3]                # first round: 15 free slots
    assert len(spy.tails()) == len(spy.sizes)        # one doorbell per chunk
    q = drv.queues[0]
    assert q.head == q.tail == n % 16 and drv.outstanding() == 0
    # the first round (descriptors 0..14): the refill point halfway and its last one; the
    # batch's last descriptor; every round ends on one
    assert spy.irq_at[0][:2] == [7, 14] and spy.irq_at[0][-1] == n - 1


def test_chunked_submission_reset_between_chunks_raises():
    """reset() while the driver prepares a later chunk (as another task would run it): the
    batch raises EngineResetError before the next doorbell, nothing of it is left
    outstanding, and the next batch works."""
    dev, drv = make(ring_order=9)
    n = 64
    fill(dev, src_page(0), n * PAGE, 33)
    calls = []

    async def prepare(k):
        calls.append(k)
        await dev.wait_cycles(k * 35 + 100)
        if len(calls) == 2:
            await drv.reset()

    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(n)]
    with pytest.raises(EngineResetError):
        copy(drv, reqs, prepare=prepare, chunks=(8, 16))
    assert len(calls) == 2 and drv.outstanding() == 0
    comps = copy(drv, reqs[:20], prepare=Spy(dev).prepare)
    assert all(c.ok for c in comps)


def test_chunked_submission_reset_during_descriptor_write_raises():
    """reset() while a chunk's descriptors are being written (after its prepare): no
    doorbell for that chunk, EngineResetError, its slots are not left outstanding."""
    dev, drv = make(ring_order=9)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(32)]
    mem_write = dev.mem_write
    writes = []

    async def resetting_write(addr, data):
        await mem_write(addr, data)
        writes.append(addr)
        if len(writes) == 3:                         # the second chunk's descriptors
            await drv.reset()

    async def prepare(k):
        await dev.wait_cycles(10)

    dev.mem_write = resetting_write
    with pytest.raises(EngineResetError, match="reset under the batch"):
        copy(drv, reqs, prepare=prepare, chunks=(8,))
    dev.mem_write = mem_write
    assert drv.outstanding() == 0
    assert all(c.ok for c in copy(drv, reqs[:4]))


def test_chunked_submission_timeout_raises_not_hangs():
    """A paused queue under a chunked batch: every chunk is submitted, then the batch times
    out (DmaTimeoutError, as without chunks); after a reset the driver works again."""
    dev, drv = make(timeout_cycles=20000)
    run(dev.write_reg(layout.queue_reg(0, "CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE))
    spy = Spy(dev)
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(40)]
    with pytest.raises(DmaTimeoutError, match="not completed"):
        copy(drv, reqs, prepare=spy.prepare, chunks=(8, 16))
    assert spy.sizes == [8, 16, 16]
    assert drv.outstanding() == 0                    # terminated: aborted and reaped
    run(drv.reset())
    assert all(c.ok for c in copy(drv, reqs, prepare=Spy(dev).prepare))


def test_chunked_submission_corrupt_record_still_detected():
    dev, drv = make()
    orig = dev.write_record

    def lying(q, slot, cookie, status, nbytes, fault_addr):
        orig(q, slot, cookie ^ 1 if slot == 20 else cookie, status, nbytes, fault_addr)

    dev.write_record = lying
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(40)]
    comps = copy(drv, reqs, prepare=Spy(dev).prepare, chunks=(8, 16))
    assert [i for i, c in enumerate(comps) if not c.ok] == [20]
    assert comps[20].status == "CORRUPT_RECORD" and drv.protocol_errors == 1


def test_model_engine_busy_follows_status_busy():
    dev, drv = make()
    assert not dev.engine_busy()
    reqs = [CopyRequest(src_page(i), dst_page(i), PAGE) for i in range(4)]

    async def go():
        for i, r in enumerate(reqs):
            drv.submit(drv.prep_memcpy(r.dst, r.src, r.length,
                                       flags=DMA_PREP_INTERRUPT if i == 3 else 0))
        await drv.issue_pending()
        busy = dev.engine_busy(), await dev.read_reg(layout.global_reg("STATUS"))
        await dev.wait_irq(100000)
        return busy, dev.engine_busy(), drv.outstanding()

    (busy, status), after, outstanding = run(go())
    assert busy and status == 1
    assert not after and outstanding == 4            # done, but not reaped yet


# ------------------------------------------------------------- WarpDevice (harness.jobs)
def test_warp_device_skips_only_while_the_engine_is_idle():
    """WarpDevice fast-forwards wait_cycles while the engine is idle and nothing is
    outstanding; simulates them while it is busy, and while a doorbell's completions have
    not been reaped (even once the engine itself is idle again)."""
    from harness.jobs import WarpDevice
    dev, drv = make()
    warp = WarpDevice(dev, drv)
    t0, w0 = dev.now(), warp.now()
    run(warp.wait_cycles(1000))                       # idle: skipped
    assert (dev.now(), warp.now(), warp.skipped) == (t0, w0 + 1000, 1000)
    reqs = [CopyRequest(src_page(i), dst_page(i), 16 * PAGE) for i in range(2)]
    txs = [drv.prep_memcpy(r.dst, r.src, r.length, flags=DMA_PREP_INTERRUPT if i else 0)
           for i, r in enumerate(reqs)]          # the interrupt when the last one is done
    for tx in txs:
        drv.submit(tx)
    run(drv.issue_pending())
    assert dev.engine_busy()
    t1 = dev.now()
    run(warp.wait_cycles(100))                        # busy: simulated
    assert dev.now() == t1 + 100 and warp.simulated == 100 and warp.skipped == 1000
    run(dev.wait_irq(100000))
    assert not dev.engine_busy() and drv.outstanding() == 2
    t2 = dev.now()
    run(warp.wait_cycles(50))                         # done but not reaped: simulated
    assert dev.now() == t2 + 50 and warp.skipped == 1000
    assert run(drv.poll()) == 2 and drv.outstanding() == 0
    assert all(tx.result.ok for tx in txs)
    t3 = dev.now()
    run(warp.wait_cycles(70))                         # reaped, idle: skipped
    assert dev.now() == t3 and warp.skipped == 1070
    # a device that cannot tell: never skip
    assert WarpDevice(object()).engine_busy()


def _migrate_on_model(warp: bool, n: int = 64):
    """move_pages() of n 4 KiB folios node 1 -> 0 through batch_dma on the ModelDevice;
    -> (stats, kernel device, driver, TAIL writes)."""
    from harness import validate
    from harness.assemble import make_kernel
    from harness.jobs import WarpDevice
    from harness.mm import MigrateStats

    async def go():
        dev = ModelDevice(mem_bytes=32 << 20, nr_nodes=2)
        drv = Driver(dev)
        await drv.probe()
        kdev = WarpDevice(dev, drv) if warp else dev
        spy = Spy(dev)
        k = make_kernel(kdev, "batch_dma", driver=drv)
        mm = k.mm_alloc()
        va = 0x4000_0000
        folios = await k.mmap(mm, va, n, node=1)
        snaps = await validate.snapshot(k, folios)
        st = MigrateStats()
        status = await k.move_pages(mm, [va + i * PAGE for i in range(n)], [0] * n, stats=st)
        await validate.verify_migration(k, snaps, st)
        assert status == [0] * n
        return st, kdev, drv, spy

    return run(go())


def test_overlapped_batch_time_on_the_model_with_and_without_warp():
    """batch_dma's copy time (t3 - t2) with chunked preparation: identical whether the
    software steps are fast-forwarded (WarpDevice) or simulated; below the serial sum of
    driver software + engine; not below the engine's own time for the data."""
    from harness.costs import DEFAULT_COSTS as c
    n = 64
    plain, _, _, _ = _migrate_on_model(False, n)
    st, warp, drv, spy = _migrate_on_model(True, n)
    assert st.copy_cycles == plain.copy_cycles
    assert warp.skipped > 0 and warp.simulated > 0
    chunks = chunk_sizes(n, SUBMIT_CHUNKS)
    assert len(spy.tails()) == len(chunks)
    f = c.to_fabric
    dev = ModelDevice()
    engine = n * (dev.desc_cycles + PAGE // dev.bus_bytes)       # the model's mover time
    software = sum(f(k * (c.dma_map + c.desc_prep) + c.doorbell) for k in chunks)
    assert st.copy_cycles < software + engine + f(c.irq)
    assert st.copy_cycles >= f(chunks[0] * (c.dma_map + c.desc_prep) + c.doorbell) + engine \
        + f(c.irq)


# ------------------------------------------------------- registers as the RTL has them
def test_model_ring_order_write_clamps_and_resets_the_ring():
    """RING_ORDER: reset value 1; 0 holds 1, above 16 holds 16; a write sets HEAD and TAIL
    to 0 (foliodma_queue.v)."""
    dev = ModelDevice(nr_queues=2)
    q1 = lambda name: layout.queue_reg(1, name)       # noqa: E731
    assert run(dev.read_reg(q1("RING_ORDER"))) == layout.RING_ORDER_RESET == 1
    for written, held in ((0, 1), (17, 16), (0xFFFF_FFFF, 16), (5, 5)):
        run(dev.write_reg(q1("RING_ORDER"), written))
        assert run(dev.read_reg(q1("RING_ORDER"))) == held, written
    run(dev.write_reg(q1("RING_ORDER"), 4))
    run(dev.write_reg(q1("TAIL"), 3))                 # queue disabled: nothing starts
    assert run(dev.read_reg(q1("TAIL"))) == 3
    run(dev.write_reg(q1("RING_ORDER"), 4))
    assert (run(dev.read_reg(q1("TAIL"))), run(dev.read_reg(q1("HEAD")))) == (0, 0)
    assert run(dev.read_reg(q1("STATUS"))) & layout.QSTATUS_IDLE


def test_model_paused_reads_set_only_once_the_mover_is_empty():
    """STATUS.PAUSED = PAUSE && no descriptor of the queue in flight (the RTL's
    q_pause && !mover_busy); IDLE stays clear while work is left behind the pause."""
    dev = ModelDevice()
    drv = Driver(dev, ring_order=5)
    run(drv.probe())
    q = drv.queues[0]
    src, dst = 1 * dev.node_bytes, 2 * dev.node_bytes

    async def scenario():
        txs = [drv.prep_memcpy(dst + i * 65536, src + i * 65536, 65536) for i in range(4)]
        for tx in txs:
            drv.submit(tx)
        await drv.issue_pending()
        await dev.wait_cycles(dev.doorbell_cycles + 1)    # the first descriptor started
        await dev.write_reg(q.reg("CONTROL"), layout.QCTRL_ENABLE | layout.QCTRL_PAUSE)
        st = await dev.read_reg(q.reg("STATUS"))
        assert not st & layout.QSTATUS_PAUSED and not st & layout.QSTATUS_IDLE
        await dev.wait_cycles(20_000)                     # the started one finished
        st = await dev.read_reg(q.reg("STATUS"))
        assert st & layout.QSTATUS_PAUSED and not st & layout.QSTATUS_IDLE
        head = await dev.read_reg(q.reg("HEAD"))
        assert 1 <= head < 4
        await dev.write_reg(q.reg("CONTROL"), layout.QCTRL_ENABLE)
        done = [await drv.wait(tx.cookie) for tx in txs]
        assert all(c.ok for c in done)
        assert await dev.read_reg(q.reg("STATUS")) == layout.QSTATUS_IDLE

    run(scenario())


def test_model_beat_counters_count_every_beat_of_a_failed_descriptor():
    """RD_BEATS / WR_BEATS: length / bus bytes for each descriptor that moves data, failed
    beats included (the RTL reads and writes them all); 0 for BAD_DESCRIPTOR."""
    dev = ModelDevice()
    drv = Driver(dev)
    run(drv.probe())
    src, dst = 1 * dev.node_bytes, 2 * dev.node_bytes
    dev.inject_fault("read", src + 8192, src + 8256)
    done = copy(drv, [CopyRequest(src, dst, 16384), CopyRequest(src, dst, 100),
                               CopyRequest(src + 65536, dst + 65536, 4096)])
    assert [c.status for c in done] == ["READ_ERROR", "BAD_DESCRIPTOR", "SUCCESS"]
    beats = (16384 + 4096) // dev.bus_bytes
    for name in ("RD_BEATS", "WR_BEATS"):
        assert run(dev.read_reg(layout.queue_reg(0, name))) == beats
        assert run(dev.read_reg(layout.global_reg(name))) == beats
    assert run(dev.read_reg(layout.global_reg("DESC_DONE"))) == 3


# ----------------------------------------------------------- the dmaengine-shaped API
def test_dmaengine_api_submit_is_invisible_until_issue_pending():
    dev, drv = make()
    q = drv.queues[0]
    data = fill(dev, src_page(0), 2 * PAGE, 31)
    seen = []
    txs = [drv.prep_memcpy(dst_page(i), src_page(i), PAGE, flags=DMA_PREP_INTERRUPT,
                           callback=seen.append) for i in range(2)]
    assert txs[0].cookie is None
    cookies = [drv.submit(tx) for tx in txs]
    assert cookies[0] != cookies[1] and txs[1].cookie == cookies[1]
    assert drv.tx_status(cookies[0]) is DmaStatus.IN_PROGRESS
    assert run(dev.read_reg(q.reg("TAIL"))) == q.tail == 0        # not issued yet
    run(drv.issue_pending())
    assert run(dev.read_reg(q.reg("TAIL"))) == 2
    comp = run(drv.wait(cookies[1]))
    assert comp.ok and comp is txs[1].result and comp.cookie == cookies[1]
    assert drv.tx_status(cookies[0]) is DmaStatus.COMPLETE and txs[0].result.ok
    assert seen == txs                                           # each callback once, in order
    assert np.array_equal(dev.mem[dst_page(0):dst_page(0) + 2 * PAGE], data)
    assert run(drv.wait(cookies[0])) is txs[0].result            # already done: no wait
    with pytest.raises(ValueError):
        drv.submit(txs[0])                                       # twice
    with pytest.raises(KeyError):
        drv.tx_status(12345)


def test_dmaengine_api_wait_issues_and_polls_without_an_interrupt():
    """wait() issues pending work itself (dma_sync_wait) and finds a transaction without
    DMA_PREP_INTERRUPT by polling HEAD; an error completes as DmaStatus.ERROR."""
    dev, drv = make()
    dev.inject_fault("write", dst_page(1) + 64, dst_page(1) + 128)
    ok = drv.prep_memcpy(dst_page(0), src_page(0), PAGE)
    bad = drv.prep_memcpy(dst_page(1), src_page(1), PAGE)
    drv.submit(ok)
    drv.submit(bad)
    comp = run(drv.wait(bad.cookie))
    assert comp.status == "WRITE_ERROR" and comp.fault_addr == dst_page(1)
    assert drv.tx_status(bad.cookie) is DmaStatus.ERROR
    assert drv.tx_status(ok.cookie) is DmaStatus.COMPLETE


def test_dmaengine_api_more_transactions_than_ring_slots():
    """issue_pending fills what the ring has room for; poll issues the rest as it frees."""
    dev = ModelDevice(mem_bytes=MEM)
    drv = Driver(dev, ring_order=2)                  # 3 usable slots
    run(drv.probe())
    data = fill(dev, src_page(0), 10 * PAGE, 32)
    txs = [drv.prep_memcpy(dst_page(i), src_page(i), PAGE, flags=DMA_PREP_INTERRUPT)
           for i in range(10)]
    for tx in txs:
        drv.submit(tx)
    run(drv.issue_pending())
    assert drv.outstanding() == 3
    assert run(drv.wait(txs[-1].cookie)).ok
    assert all(tx.result.ok for tx in txs) and drv.outstanding() == 0
    assert np.array_equal(dev.mem[dst_page(0):dst_page(0) + 10 * PAGE], data)


def test_dmaengine_api_terminate_all():
    """terminate_all: the started descriptor finishes, issued ones complete ABORTED, an
    unissued one ABORTED without reaching the engine; every callback runs once; the queue
    keeps working afterwards."""
    dev = ModelDevice(mem_bytes=MEM)
    drv = Driver(dev, ring_order=4)
    run(drv.probe())
    size = 16 * PAGE
    before = dev.mem[dst_page(0):dst_page(0) + 4 * size].copy()
    seen = []
    txs = [drv.prep_memcpy(dst_page(0) + i * size, src_page(0) + i * size, size,
                           callback=seen.append) for i in range(4)]
    for tx in txs[:3]:
        drv.submit(tx)
    run(drv.issue_pending())
    drv.submit(txs[3])                               # submitted, never issued
    run(dev.wait_cycles(50))
    assert run(drv.terminate_all()) == 4
    assert [tx.result.status for tx in txs] == ["SUCCESS", "ABORTED", "ABORTED", "ABORTED"]
    assert sorted(seen, key=txs.index) == txs and len(seen) == 4
    assert np.array_equal(dev.mem[dst_page(0) + size:dst_page(0) + 4 * size], before[size:])
    assert run(dev.read_reg(drv.queues[0].reg("CONTROL"))) == layout.QCTRL_ENABLE
    again = drv.prep_memcpy(dst_page(64), src_page(0), PAGE, flags=DMA_PREP_INTERRUPT)
    drv.submit(again)
    assert run(drv.wait(again.cookie)).ok


def test_dmaengine_api_rejects_what_a_descriptor_cannot_hold():
    dev, drv = make()
    with pytest.raises(ValueError):
        drv.prep_memcpy(0, 0, 1 << 32)
    with pytest.raises(ValueError):
        drv.prep_memcpy(0, 0, 64, flags=0x2)
    with pytest.raises(ValueError):
        drv.prep_memcpy(0, 0, 64, queue=1)           # the driver has one queue


def test_dmaengine_api_room_and_wait_interrupt():
    """room(): what issue_pending hands to the engine at once; wait_interrupt(): sleeps on
    the interrupt, then reaps the queues that raised it (callbacks run), not the others;
    without an interrupt it returns False after its timeout."""
    dev, drv = make(nr_queues=2, ring_order=2)        # 3 usable slots per queue
    assert (drv.room(0), drv.room(1)) == (3, 3)
    seen = []
    txs = [drv.prep_memcpy(dst_page(i), src_page(i), PAGE, callback=seen.append,
                           flags=DMA_PREP_INTERRUPT if i == 3 else 0) for i in range(4)]
    for tx in txs:
        drv.submit(tx)
    assert drv.room(0) == 0                           # 4 submitted for 3 slots
    quiet = drv.prep_memcpy(dst_page(9), src_page(9), PAGE, queue=1)   # no interrupt asked
    drv.submit(quiet)
    assert drv.room(1) == 2
    run(drv.issue_pending())
    assert drv.outstanding() == 4 and drv.room(0) == 0   # one still waits in the driver
    assert run(drv.wait_interrupt(100_000)) is False     # no descriptor raises it yet
    assert seen == [] and drv.outstanding() == 4
    run(drv.poll())                                      # reaps, issues the 4th
    assert seen == txs[:3] and quiet.done and drv.outstanding() == 1
    assert run(drv.wait_interrupt(100_000)) is True
    assert seen == txs and all(tx.result.ok for tx in txs) and drv.room(0) == 3


def test_reset_completes_transactions_reset_and_a_dead_device_refuses_new_ones():
    from harness.driver import DeviceDeadError, DriverError
    from harness.faults import Fault

    dev, drv = make(reset_timeout_cycles=3000)
    seen = []
    txs = [drv.prep_memcpy(dst_page(i), src_page(i), PAGE, callback=seen.append)
           for i in range(3)]
    for tx in txs[:2]:
        drv.submit(tx)
    run(drv.issue_pending())
    drv.submit(txs[2])                                   # never issued
    run(drv.reset())
    assert [tx.result.status for tx in txs] == ["RESET"] * 3 and seen == txs
    assert drv.outstanding() == 0 and drv.room(0) == drv.queues[0].size - 1
    dev.inject_fault(Fault("read", src_page(4), src_page(4) + 64, resp="HANG", port="engine"))
    hung = drv.prep_memcpy(dst_page(4), src_page(4), PAGE)
    drv.submit(hung)
    run(drv.issue_pending())
    run(dev.wait_cycles(200))                            # started: the reset cannot drain it
    with pytest.raises(DeviceDeadError):
        run(drv.reset())
    assert drv.dead and not hung.done                    # may still be written: never reuse
    with pytest.raises(DeviceDeadError):
        drv.prep_memcpy(dst_page(5), src_page(5), PAGE)
    with pytest.raises(DriverError, match="before probe"):
        Driver(ModelDevice(mem_bytes=MEM)).prep_memcpy(dst_page(0), src_page(0), PAGE)


def test_reset_during_a_reap_completes_the_rest_reset():
    """A reset() by another task while the interrupt handler reads STATUS for a record the
    engine could not write: that transaction and the ones after it complete RESET (the
    reset cleared STATUS: no CORRUPT_RECORD, no protocol error), the ones before keep their
    SUCCESS, nothing is left in flight, and the driver works on."""
    dev, drv = make()
    q = drv.queues[0]
    dev.inject_fault("write", q.comp_addr(2), q.comp_addr(2) + 32)   # records of slots 2, 3
    read_reg = dev.read_reg
    resets = []

    async def resetting_read(offset):
        if offset == q.reg("STATUS") and not resets:
            resets.append(offset)
            await drv.reset()
        return await read_reg(offset)

    dev.read_reg = resetting_read
    txs = [drv.prep_memcpy(dst_page(i), src_page(i), PAGE,
                           flags=DMA_PREP_INTERRUPT if i == 3 else 0) for i in range(4)]
    for tx in txs:
        drv.submit(tx)
    run(drv.issue_pending())
    assert run(drv.wait_interrupt(100_000))
    assert resets and [tx.result.status for tx in txs] == ["SUCCESS"] * 2 + ["RESET"] * 2
    assert drv.protocol_errors == 0 and drv.outstanding() == 0
    dev.read_reg = read_reg
    dev.clear_faults()
    assert all(c.ok for c in copy(drv, [CopyRequest(src_page(8), dst_page(8), PAGE)]))
