"""Randomized differential test: the RTL engine against the golden ModelDevice.

One simulation per bus width (512-bit, and a shorter 64-bit run), one queue. Several rounds;
each round draws a random batch of descriptors and runs it through the real Driver twice,
side by side: on the simulated engine (RtlDevice) and on a ModelDevice holding the same
memory contents and the same injected faults. Then it compares

* every Completion the driver hands back (cookie, status, bytes_completed, fault_addr),
  and the raw completion and descriptor rings (every record byte, reserved included),
* every destination with its guard bytes on both sides, and every source,
* HEAD, TAIL, DESC_DONE, STATUS and the record-fault registers (REC_FAULT_LO / HI,
  REC_FAULTS),

and at the end asserts that the AXI checker on the engine's master port saw no violation.

Random draws per descriptor: length 64 .. 64 KiB in 64-byte steps (16 KiB on the 64-bit
run); source and destination
at independent 64-byte-aligned offsets inside their 4 KiB pages (so the 4 KiB crossings of
the read side and the write side differ); now and then a bad descriptor (length 0, over
DESC_MAX_LENGTH, src / dst / length misaligned, beyond the 32-bit bus address space) or
one that runs off the end of memory (DECERR on the read or the write side). Per round, at
most one read-fault range and one write-fault range (``inject_fault``), each inside a
random descriptor's source / destination (now and then both in one descriptor, near each
other); some rounds with random AXI stalls.

Ring faults: round r draws, by r % 3, no ring fault (0), a read fault on a random ring slot
of its batch (1: FETCH_ERROR for that slot's ring granule; it replaces the round's data
read fault, as RtlDevice holds one range per kind) or a write fault on a random completion
slot of it (2: a failed record write; it replaces the data write fault). A FETCH_ERROR
record has cookie 0 and a failed record write leaves the slot PENDING, which the driver
refuses as a protocol error, so ring-fault rounds are submitted by hand on both devices
(descriptors, zeroed records, one doorbell, wait until HEAD reaches TAIL) and compared on
the raw records; the driver's ring indices are kept in step. A destination whose record was
not written is compared as far as the model's outcome for it says the data is defined.

What may differ: after a READ_ERROR / WRITE_ERROR the protocol fixes only dst[0 :
bytes_completed] (the source bytes) and the guards (untouched); the bytes of the
destination after the failure point are unspecified (the RTL writes the beats it read
without error, the model writes nothing there), so they are not compared.

Queue control (``differential_control``, a 512-bit engine with NUM_QUEUES=4, one build):
rounds of random batches (the same draws, no injected faults) spread round-robin over the
four queues through the driver's dmaengine API, each round with one event ``at`` a random
cycle after the doorbells, by round % 4: none, PAUSE of a random queue (STATUS.PAUSED must
rise, then the queue resumes), ABORT (``terminate_all``) or SOFT_RESET (``Driver.reset``).
Without a timing-dependent event, every record and every compared register agree exactly:
global CONTROL, STATUS, IRQ_STATUS, IRQ_ENABLE and per queue RING_ORDER, TAIL, HEAD,
CONTROL, STATUS, IRQ_COUNT, IRQ_TIMEOUT, RATE, REC_FAULT_*, plus the exact counters
(``layout.EXACT_COUNTERS``: RD_BEATS, WR_BEATS, DESC_DONE, global and per queue). Which
descriptors had started when ABORT or SOFT_RESET came is timing: then each record either
is the model's outcome or ABORTED (reset: dropped), ABORTED ones form a suffix per queue,
each device's DESC_DONE / RD_BEATS / WR_BEATS equal what its own records imply, every other
register agrees (STATUS.ERROR only follows each device's own records after an ABORT),
and after SOFT_RESET the registers agree exactly. BUSY_CYCLES, RD_STALL and WR_STALL
(``layout.TIMING_COUNTERS``) count cycles: the model's are estimates, not compared.

Seeded: fixed seeds per bus width (``SEEDS``), or ``$FOLIODMA_SEED`` to explore others; the
pytest side prints the seed and passes it in the job configuration; every assertion message
names it. To reproduce a failure: ``FOLIODMA_SEED=<seed> pytest tests/test_differential.py``.
"""
from __future__ import annotations

import os
import random

import numpy as np
import pytest

from harness import layout, runner

MEM_BYTES = 64 << 20
NODE = MEM_BYTES // 4
GUARD = 256
PAGE = 4096
SEED_ENV = "FOLIODMA_SEED"

#: per bus width: rounds, descriptors per round, longest length (bytes). The 64-bit engine
#: moves 8x the beats per byte and Icarus runs it slower per cycle: a short run with
#: lengths up to 16 KiB (its 256-beat = 2 KiB burst cut is what it adds).
PLANS = {512: dict(rounds=6, per_round=16, max_len=64 << 10),
         64: dict(rounds=3, per_round=6, max_len=16 << 10)}
#: the seed each bus width runs with unless $FOLIODMA_SEED says otherwise
SEEDS = {512: 20261129, 64: 4242}
RING_FAULTS = (None, "fetch", "record")   #: by round index % 3
#: the queue-control run (differential_control, NUM_QUEUES=4): rounds, descriptors per
#: round (spread round-robin over the queues), longest length, latest event cycle
CONTROL_PLAN = dict(rounds=12, per_round=16, max_len=32 << 10, max_at=3000)
CONTROL_QUEUES = 4
CONTROL_SEED = 777
#: the event of round r, by r % 4
CONTROL_EVENTS = ("none", "pause", "abort", "soft_reset")


# ============================================================== cocotb side (in the simulator)
try:
    import cocotb
except ImportError:          # pragma: no cover - cocotb is a dependency
    cocotb = None

if cocotb is not None:
    from harness.assemble import bring_up
    from harness.copy_paths import CopyRequest, DmaClient
    from harness.driver import DMA_PREP_INTERRUPT, Completion, Driver, ring_advance
    from harness.golden import ModelDevice

    def up(x: int, a: int = PAGE) -> int:
        return -(-x // a) * a

    class Round:
        """One random batch: requests, the destination spans to compare, the faults."""

        def __init__(self, rng: random.Random, n: int, max_len: int, ring: str | None = None):
            self.requests: list[CopyRequest] = []
            self.spans: list[tuple[int, int]] = []   # (dst, region bytes) to compare
            self.kinds: list[str] = []
            self.faults: list[tuple[str, int, int]] = []
            src_cur, dst_cur = 1 * NODE + PAGE, 2 * NODE + PAGE
            top_used = False       # at most one descriptor at the end of memory per round
            for _ in range(n):
                length = 64 * rng.randint(1, max_len // 64)
                src = up(src_cur + GUARD) + 64 * rng.randrange(64)
                dst = up(dst_cur + GUARD) + 64 * rng.randrange(64)
                src_cur, dst_cur = src + length, dst + length + GUARD
                span = (dst, length)
                desc = (src, dst, length)
                kind = "normal"
                r = rng.random()
                if r < 0.12:
                    kind = rng.choice(["len0", "too_long", "src_mis", "dst_mis", "len_mis",
                                       "beyond_bus"])
                    desc = {"len0": (src, dst, 0),
                            "too_long": (src, dst, layout.DESC_MAX_LENGTH + 64),
                            "src_mis": (src + 8 * rng.randint(1, 7), dst, length),
                            "dst_mis": (src, dst + 32, length),
                            "len_mis": (src, dst, length - 64 + 8 * rng.randint(1, 7)),
                            "beyond_bus": ((1 << 32) - 64 * rng.randint(1, 64), dst, length),
                            }[kind]
                    if kind == "beyond_bus" and desc[0] + length <= 1 << 32:
                        desc = (desc[0], dst, length + PAGE)
                elif r < 0.18 and not top_used:
                    top_used = True
                    over = 64 * rng.randint(1, length // 64)  # bytes past the end of memory
                    if rng.random() < 0.5:
                        kind = "src_decerr"
                        desc = (MEM_BYTES - length + over, dst, length)
                    else:
                        kind = "dst_decerr"
                        d = MEM_BYTES - length + over
                        desc = (src, d, length)
                        span = (d, length - over)          # what exists of it
                self.requests.append(CopyRequest(*desc))
                self.spans.append(span)
                self.kinds.append(kind)
            self.src_span = (1 * NODE, up(src_cur + GUARD))
            self.dst_span = (2 * NODE, up(dst_cur + GUARD))
            self.top_span = (MEM_BYTES - (130 << 10), MEM_BYTES)
            normal = [i for i, k in enumerate(self.kinds) if k == "normal"]
            if normal and rng.random() < 0.5:
                i = rng.choice(normal)
                r_ = self.requests[i]
                lo = r_.src + rng.randrange(r_.length)
                self.faults.append(("read", lo, lo + rng.randint(1, 512)))
            if normal and rng.random() < 0.5:
                i = rng.choice(normal)
                r_ = self.requests[i]
                off = rng.randrange(r_.length)
                if self.faults and rng.random() < 0.4:
                    # near the read fault of the same descriptor: both may hit one write
                    # burst (the read error wins) or neighbouring ones (address order)
                    i = next(j for j in normal if self.requests[j].src <= self.faults[0][1]
                             < self.requests[j].src + self.requests[j].length)
                    r_ = self.requests[i]
                    near = self.faults[0][1] - r_.src + rng.randint(-PAGE, PAGE)
                    off = min(max(near, 0), r_.length - 1)
                lo = r_.dst + off
                self.faults.append(("write", lo, lo + rng.randint(1, 512)))
            # a ring fault: (kind, index in the batch, byte offset in the slot, bytes)
            self.ring = None
            if ring is not None:
                self.ring = (ring, rng.randrange(n), rng.randrange(32), rng.randint(1, 32))
                kind = "read" if ring == "fetch" else "write"
                self.faults = [f for f in self.faults if f[0] != kind]

        def ring_fault(self, q) -> tuple[str, int, int]:
            """The ring fault as an injectable range, for driver queue ``q`` before the
            batch is submitted at its TAIL."""
            ring, k, off, n = self.ring
            slot = ring_advance(q.tail, k, q.order)
            base = q.desc_addr(slot) if ring == "fetch" else q.comp_addr(slot)
            return ("read" if ring == "fetch" else "write", base + off, base + off + n)

    async def submit_raw(dev, q, requests, cookie0):
        """Descriptors for ``requests`` at driver queue ``q``'s TAIL, records zeroed, one
        doorbell; wait until HEAD reaches TAIL; keep q's indices in step.
        -> the raw records as Completions (status PENDING where none was written)."""
        first = q.tail
        pos = 0
        for start, count in q.spans(first, len(requests)):
            entries = [(r.src, r.dst, r.length, 0, cookie0 + pos + j)
                       for j, r in enumerate(requests[pos:pos + count])]
            await dev.mem_write(q.desc_addr(start),
                                layout.pack_descriptors(entries).view(np.uint8))
            await dev.mem_write(q.comp_addr(start), np.zeros(count * 32, np.uint8))
            pos += count
        q.tail = ring_advance(first, len(requests), q.order)
        await dev.write_reg(q.reg("TAIL"), q.tail)
        deadline = dev.now() + 2_000_000
        while (head := await dev.read_reg(q.reg("HEAD"))) != q.tail:
            assert dev.now() < deadline, f"HEAD {head} never reached TAIL {q.tail}"
            await dev.wait_cycles(256)
        q.head = head
        out = []
        for start, count in q.spans(first, len(requests)):
            recs = (await dev.mem_read(q.comp_addr(start), count * 32)).view(layout.COMPLETION)
            out += [Completion(int(r["cookie"]), layout.STATUS_NAMES.get(int(r["status"]), "?"),
                               int(r["bytes_completed"]), int(r["fault_addr"])) for r in recs]
        return out

    async def both_write(devs, lo, data):
        for d in devs:
            await d.mem_write(lo, data)

    async def differential_rounds(dut):
        cfg = runner.load_config()
        seed = int(cfg.get("seed", os.environ.get(SEED_ENV, random.randrange(1 << 32))))
        plan = PLANS[cfg["bus_bytes"] * 8]
        dut._log.info(f"differential: seed {seed} ({SEED_ENV}={seed} to reproduce), {plan}")
        rng = random.Random(seed)
        dev, drv = await bring_up(dut)
        model = ModelDevice(mem_bytes=dev.mem_bytes, bus_bytes=dev.bus_bytes, nr_queues=1)
        mdrv = Driver(model, nr_queues=1, ring_order=drv.ring_order)
        await mdrv.probe()
        devs = (dev, model)
        q, mq = drv.queues[0], mdrv.queues[0]
        assert (q.ring_base, q.comp_base) == (mq.ring_base, mq.comp_base)
        nprng = np.random.default_rng(seed)
        for rnd in range(plan["rounds"]):
            rd = Round(rng, plan["per_round"], plan["max_len"], RING_FAULTS[rnd % 3])
            stalls = rng.random() < 0.35
            dev.set_stalls(0x1F if stalls else 0, seed=rng.randrange(1, 1 << 16))
            for lo, hi in (rd.src_span, rd.dst_span, rd.top_span):
                await both_write(devs, lo, nprng.integers(0, 256, hi - lo, dtype=np.uint8))
            faults = list(rd.faults)
            if rd.ring is not None:
                faults.append(rd.ring_fault(q))
                assert rd.ring_fault(mq) == faults[-1]
            for d in devs:
                d.clear_faults()
                for kind, lo, hi in faults:
                    d.inject_fault(kind, lo, hi)
            # the model's data outcome per request (defines the destination where a
            # record was not written)
            data_outcome = [model.outcome(r.src, r.dst, r.length) for r in rd.requests]
            where = f"seed {seed} round {rnd}"
            dut._log.info(f"{where}: {len(rd.requests)} descriptors, kinds "
                          f"{[k for k in rd.kinds if k != 'normal']}, faults "
                          f"{[(k, hex(lo), hex(hi)) for k, lo, hi in faults]}, ring fault "
                          f"{rd.ring}, stalls {stalls}")
            t0 = dev.now()
            if rd.ring is None:
                got = await DmaClient(drv).copy_batch(rd.requests)
                want = await DmaClient(mdrv).copy_batch(rd.requests)
            else:
                cookie0 = 0xD1FF_0000 + (rnd << 8)
                got = await submit_raw(dev, q, rd.requests, cookie0)
                want = await submit_raw(model, mq, rd.requests, cookie0)
            dut._log.info(f"{where}: {dev.now() - t0} cycles, statuses "
                          f"{[c.status for c in got]}")
            for d in devs:
                d.clear_faults()

            # --- completion records, as the driver returned them and raw in the ring
            for i, (r, g, w) in enumerate(zip(rd.requests, got, want)):
                assert g == w, (f"{where} descriptor {i} ({rd.kinds[i]}: src {r.src:#x} dst "
                                f"{r.dst:#x} length {r.length:#x}; faults {faults}): "
                                f"RTL {g}, model {w}")
            for base in (q.ring_base, q.comp_base):
                size = q.size * 32
                a, b = await dev.mem_read(base, size), await model.mem_read(base, size)
                bad = np.nonzero(a != b)[0]
                assert bad.size == 0, f"{where}: ring area {base:#x} differs at +{bad[0]:#x}"
            for name in ("HEAD", "TAIL", "DESC_DONE", "STATUS", "REC_FAULT_LO", "REC_FAULT_HI",
                         "REC_FAULTS"):
                a = await dev.read_reg(q.reg(name))
                b = await model.read_reg(mq.reg(name))
                assert a == b, f"{where}: {name} RTL {a}, model {b}"

            # --- memory: sources intact, destinations + guards
            mems = []
            for lo, hi in (rd.src_span, rd.dst_span, rd.top_span):
                mems.append([(lo, await d.mem_read(lo, hi - lo)) for d in devs])

            def view(addr, n):
                for (lo, a), (_, b) in mems:
                    if lo <= addr and addr + n <= lo + a.size:
                        return (a[addr - lo:addr - lo + n], b[addr - lo:addr - lo + n])
                raise AssertionError(f"{addr:#x}+{n:#x} outside the compared spans")

            (lo, a), (_, b) = mems[0]
            assert np.array_equal(a, b), f"{where}: a source changed"
            for i, ((dst, n), g) in enumerate(zip(rd.spans, got)):
                r = rd.requests[i]
                desc = (f"{where} descriptor {i} ({rd.kinds[i]}: src {r.src:#x} dst {dst:#x} "
                        f"length {r.length:#x}, {g.status} bytes {g.bytes_completed:#x} "
                        f"fault {g.fault_addr:#x})")
                a, b = view(dst - GUARD, GUARD)
                assert np.array_equal(a, b), f"{desc}: guard below the destination written"
                if dst + n + GUARD <= MEM_BYTES:
                    a, b = view(dst + n, GUARD)
                    assert np.array_equal(a, b), f"{desc}: guard above the destination written"
                # failed: only the completed prefix is defined (the rest is unspecified)
                code, done = g.code if g.status in layout.STATUS_NAMES.values() else -1, \
                    g.bytes_completed
                if code == layout.STATUS_PENDING:      # its record write failed
                    code, done = data_outcome[i].status, data_outcome[i].bytes_completed
                keep = n if code in (layout.STATUS_SUCCESS, layout.STATUS_BAD_DESCRIPTOR,
                                     layout.STATUS_FETCH_ERROR) else done
                a, b = view(dst, keep)
                diff = np.nonzero(a != b)[0]
                assert diff.size == 0, (f"{desc}: destination byte +{diff[0]:#x} is "
                                        f"{a[diff[0]]:#04x}, model {b[diff[0]]:#04x}")
        dev.set_stalls(0)
        assert dev.protocol_errors == 0, f"seed {seed}: the AXI checker saw violations"

    GLOBAL_COMPARED = ("CONTROL", "STATUS", "IRQ_STATUS", "IRQ_ENABLE") + layout.EXACT_COUNTERS
    QUEUE_COMPARED = ("RING_ORDER", "TAIL", "HEAD", "CONTROL", "STATUS", "IRQ_COUNT",
                      "IRQ_TIMEOUT", "RATE", "REC_FAULT_LO", "REC_FAULT_HI",
                      "REC_FAULTS") + layout.EXACT_COUNTERS

    async def registers(dev, nq):
        """Every compared register: {name or (queue, name): value}."""
        out = {n: await dev.read_reg(layout.global_reg(n)) for n in GLOBAL_COMPARED}
        for q in range(nq):
            for n in QUEUE_COMPARED:
                out[(q, n)] = await dev.read_reg(layout.queue_reg(q, n))
        return out

    def data_beats(comps, requests, bus_bytes):
        """RD_BEATS / WR_BEATS the protocol implies for these completions."""
        return sum(r.length // bus_bytes for r, c in zip(requests, comps)
                   if c.code in (layout.STATUS_SUCCESS, layout.STATUS_READ_ERROR,
                                 layout.STATUS_WRITE_ERROR))

    async def run_round(dev, drv, requests, nq, event, at, pause_q):
        """Submit ``requests`` round-robin over the queues through the dmaengine API, apply
        ``event`` ``at`` cycles after the doorbells, finish. -> (completions, what was seen
        at the event)."""
        txs = []
        for i, r in enumerate(requests):
            last = i + nq >= len(requests)
            txs.append(drv.prep_memcpy(r.dst, r.src, r.length, queue=i % nq,
                                       flags=DMA_PREP_INTERRUPT if last else 0))
            drv.submit(txs[-1])
        await drv.issue_pending()
        await dev.wait_cycles(at)
        seen = None
        if event == "pause":
            reg = layout.queue_reg(pause_q, "CONTROL")
            await dev.write_reg(reg, layout.QCTRL_ENABLE | layout.QCTRL_PAUSE)
            status = layout.queue_reg(pause_q, "STATUS")
            for _ in range(2000):            # PAUSED once the queue's mover is empty
                seen = await dev.read_reg(status)
                if seen & layout.QSTATUS_PAUSED:
                    break
                await dev.wait_cycles(64)
            await dev.write_reg(reg, layout.QCTRL_ENABLE)
        elif event == "abort":
            await drv.terminate_all()
        elif event == "soft_reset":
            await drv.reset()
            seen = await registers(dev, nq)
        for tx in txs:
            if not tx.done:
                await drv.wait(tx.cookie)
        await drv.poll()                     # acknowledge what the last ones raised
        return [tx.result for tx in txs], seen

    async def control_rounds(dut):
        """Several queues; PAUSE / ABORT / SOFT_RESET at random points (see module doc)."""
        cfg = runner.load_config()
        seed = int(cfg["seed"])
        nq = cfg["queues"]
        plan = CONTROL_PLAN
        dut._log.info(f"differential control: seed {seed} ({SEED_ENV}={seed}), {nq} queues")
        rng = random.Random(seed)
        nprng = np.random.default_rng(seed)
        dev, drv = await bring_up(dut, nr_queues=nq, ring_order=6)
        model = ModelDevice(mem_bytes=dev.mem_bytes, bus_bytes=dev.bus_bytes, nr_queues=nq)
        mdrv = Driver(model, nr_queues=nq, ring_order=6)
        await mdrv.probe()
        devs = (dev, model)
        assert await registers(dev, nq) == await registers(model, nq), f"seed {seed}: after probe"
        for rnd in range(plan["rounds"]):
            where = f"seed {seed} round {rnd}"
            rd = Round(rng, plan["per_round"], plan["max_len"])
            event = CONTROL_EVENTS[rnd % len(CONTROL_EVENTS)]
            at = rng.randrange(plan["max_at"])
            pause_q = rng.randrange(nq)
            for lo, hi in (rd.src_span, rd.dst_span, rd.top_span):
                await both_write(devs, lo, nprng.integers(0, 256, hi - lo, dtype=np.uint8))
            before = [await dev.mem_read(d, n) for d, n in rd.spans]
            outcome = [model.outcome(r.src, r.dst, r.length) for r in rd.requests]
            d0 = {d: await registers(d, nq) for d in devs}
            got, seen = await run_round(dev, drv, rd.requests, nq, event, at, pause_q)
            want, mseen = await run_round(model, mdrv, rd.requests, nq, event, at, pause_q)
            dut._log.info(f"{where}: {event} at +{at} (queue {pause_q}): RTL "
                          f"{[c.status for c in got]}")
            regs = {d: await registers(d, nq) for d in devs}
            if event in ("none", "pause"):
                # nothing timing-dependent: every record and register agrees
                assert got == want, f"{where}: RTL {got}, model {want}"
                assert regs[dev] == regs[model], (
                    f"{where}: registers differ: " + ", ".join(
                        f"{k} RTL {regs[dev][k]:#x} model {regs[model][k]:#x}"
                        for k in regs[dev] if regs[dev][k] != regs[model][k]))
                if event == "pause":
                    for v in (seen, mseen):
                        assert v & layout.QSTATUS_PAUSED, f"{where}: never PAUSED ({v:#x})"
            else:
                # which descriptors had started is timing: each one either ran as the
                # model says or was ABORTED (abort) / dropped (reset: "RESET"), and what
                # a device's counters say agrees with its own records
                stop = "ABORTED" if event == "abort" else "RESET"
                for c in (got, want):
                    for q in range(nq):
                        per_q = [x.status for x in c[q::nq]]
                        k = per_q.index(stop) if stop in per_q else len(per_q)
                        assert all(x == stop for x in per_q[k:]), f"{where}: {per_q}"
                for i, (g, o) in enumerate(zip(got, outcome)):
                    if g.status != stop:
                        assert (g.code, g.bytes_completed, g.fault_addr) == \
                            (o.status, o.bytes_completed, o.fault_addr), f"{where} {i}: {g}"
                if event == "soft_reset":
                    assert seen == mseen, f"{where}: registers after SOFT_RESET differ"
                    assert all(seen[(q, n)] == 0 for q in range(nq)
                               for n in layout.EXACT_COUNTERS), f"{where}: counters kept"
                else:
                    for d, c in ((dev, got), (model, want)):
                        beats = data_beats(c, rd.requests, d.bus_bytes)
                        for n, v in (("DESC_DONE", len(c)), ("RD_BEATS", beats),
                                     ("WR_BEATS", beats)):
                            assert regs[d][n] - d0[d][n] == v, f"{where}: {d} {n}"
                for d, c in ((dev, got), (model, want)):   # ERROR follows its own records
                    for q in range(nq if event == "abort" else 0):
                        if any(not x.ok for x in c[q::nq]):
                            assert regs[d][(q, "STATUS")] & layout.QSTATUS_ERROR, f"{where} {q}"
                err = layout.QSTATUS_ERROR
                for k in regs[dev]:      # all but the counters and STATUS.ERROR agree
                    if not (k in layout.EXACT_COUNTERS or k[-1] in layout.EXACT_COUNTERS):
                        mask = ~err if k[-1] == "STATUS" and event == "abort" else -1
                        assert regs[dev][k] & mask == regs[model][k] & mask, f"{where}: {k}"
            # memory: sources intact; a destination holds what its record says, one that
            # never ran (ABORTED, dropped) is untouched; guards untouched
            for i, ((dst, n), g, w) in enumerate(zip(rd.spans, got, want)):
                top = min(dst + n + GUARD, MEM_BYTES)
                a = await dev.mem_read(dst - GUARD, top - dst + GUARD)
                b = await model.mem_read(dst - GUARD, top - dst + GUARD)
                assert np.array_equal(a[:GUARD], b[:GUARD]), f"{where} {i}: guard below"
                if top == dst + n + GUARD:
                    assert np.array_equal(a[-GUARD:], b[-GUARD:]), f"{where} {i}: guard above"
                if g.status == "RESET":       # dropped, or run before the reset: no record
                    o = outcome[i]
                    keep = o.bytes_completed if o.status != layout.STATUS_BAD_DESCRIPTOR else 0
                    r = rd.requests[i]
                    src = await dev.mem_read(r.src, keep) if keep else a[:0]
                    body = a[GUARD:GUARD + n]
                    assert np.array_equal(body, before[i]) or np.array_equal(body[:keep], src), \
                        f"{where} {i}: reset under it, destination neither untouched nor copied"
                elif g.status == "ABORTED" or g.code == layout.STATUS_BAD_DESCRIPTOR:
                    assert np.array_equal(a[GUARD:GUARD + n], before[i]), \
                        f"{where} {i}: {g.status} but its destination was written"
                elif g.status == w.status:
                    keep = n if g.ok else g.bytes_completed
                    assert np.array_equal(a[GUARD:GUARD + keep], b[GUARD:GUARD + keep]), \
                        f"{where} {i}: destination differs"
            if event in ("abort",):      # counters differ by timing: start both afresh
                for d in (drv, mdrv):
                    await d.reset()
                assert await registers(dev, nq) == await registers(model, nq), \
                    f"{where}: after the resync reset"
        assert dev.protocol_errors == 0, f"seed {seed}: the AXI checker saw violations"

    @cocotb.test()
    async def differential_control(dut):
        """Four queues, PAUSE / ABORT / SOFT_RESET mid-batch: RTL == golden model."""
        await control_rounds(dut)

    @cocotb.test()
    async def differential(dut):
        """Random batches, faults and bad descriptors: RTL == golden model (see module doc)."""
        await differential_rounds(dut)


# ==================================================================== pytest side (runner)
def _seed(data_width: int) -> int:
    env = os.environ.get(SEED_ENV, "").strip()
    return int(env, 0) if env else SEEDS[data_width]


@pytest.mark.parametrize("data_width", [512, 64])
def test_differential(data_width):
    seed = _seed(data_width)
    print(f"test_differential[{data_width}]: seed {seed} ({SEED_ENV}={seed} to reproduce)")
    runner.run("test_differential", testcase="differential",
            parameters={"DATA_WIDTH": data_width, "NUM_QUEUES": 1},
            config={"bus_bytes": data_width // 8, "queues": 1, "latency": 8, "seed": seed})


def test_differential_control():
    env = os.environ.get(SEED_ENV, "").strip()
    seed = int(env, 0) if env else CONTROL_SEED
    print(f"test_differential_control: seed {seed} ({SEED_ENV}={seed} to reproduce)")
    runner.run("test_differential", testcase="differential_control",
               parameters={"DATA_WIDTH": 512, "NUM_QUEUES": CONTROL_QUEUES},
               config={"bus_bytes": 64, "queues": CONTROL_QUEUES, "latency": 8, "seed": seed})
