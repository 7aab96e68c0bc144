"""Simulation jobs: the cocotb test module the experiment layer runs INSIDE the simulator.

``harness.experiments`` starts one simulation per engine build with
``runner.run("harness.jobs", "job", parameters, config=job.to_dict())``; the single cocotb
test :func:`job` reads the ``jobspec.Job`` back, brings up RtlDevice + Driver, runs every item
of the job and writes a JSON result file (``job.out``), rewritten after each item so a long
sweep keeps what it measured. Any item that fails validation raises: the cocotb test fails,
``runner.run`` raises SimulationError, the command exits non-zero, and the failed item is in
the file as ``{"error": ...}`` without figures.

Job kinds (harness/jobspec.py):

``bench``     ``points`` (BenchPoint) on one engine build. Each point copies nr_folios folios
              from node 1 to node 2 in one batch of the copy paths' DMA client
              (``copy_paths.DmaClient``, split over the queues), memory at
              latency mem_latency (read and write, every node) and one line per cycle each
              way, and measures fabric cycles from the first doorbell (TAIL write) to the
              interrupt of the last completion, the engine's counters, and doorbell -> first
              data AR; ``rate`` caps every queue (the RATE register) for that point.
``migrate``   ``runs`` (MigrateRun): move_pages(2) of an mm's folios from node 1 to node 0
              through harness.mm with copy path ``mode``; every repetition is validated byte
              for byte (validate.verify_migration) and reports the seed's t1..t4 metrics and
              the whole move_pages() call's simulated time (move_pages_cycles).
``soak``      ``seeds``: the fault soak's cases (harness.soak) on the RTL, hard reset between.

Python sleeps while the hardware works: the client waits on the interrupt, the first-read
probe waits on AR signal changes (a handful of events, no per-cycle polling).

first_read_latency: for a batch with one doorbell, tb_top's latches (doorbell_cycle: the TAIL
write's AW handshake, first_read_cycle: the first data AR handshake after it); with several
doorbells (queues, or a ring refill) the latch would count from the LAST one, so the probe
counts from the first TAIL write call (dev.now() before it) to the first data ARVALID (+-1).
"""
from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from . import layout, report, runner
from .copy_paths import CopyRequest, DmaClient
from .driver import Driver
from .jobspec import DEFAULT_LATENCY, BenchPoint, Job

try:
    import cocotb
    from cocotb.triggers import First, ReadOnly, RisingEdge
except ImportError:          # pragma: no cover - only needed inside the simulator
    cocotb = None  # type: ignore[assignment]

CHUNK = 16 << 20                                    #: backdoor transfer size for big regions
COUNTERS = layout.TIMING_COUNTERS[:1] + layout.EXACT_COUNTERS + layout.TIMING_COUNTERS[1:]
_TAIL_OFFSETS = frozenset(layout.queue_reg(q, "TAIL") for q in range(layout.MAX_QUEUES))


def mem_bandwidth(bus_bytes: int) -> int:
    """Every node's rate (numa_mem cfg_bandwidth, 1/256 line per cycle): one engine beat per
    cycle each way, at least one 64-byte line (64 GB/s at 1 GHz; 128 GB/s for a 1024-bit
    engine, about what one socket's DDR5 delivers): the memory keeps up with the bus."""
    return 256 * max(1, bus_bytes // 64)


# =================================================================== timing the engine
@dataclass
class Interval:
    doorbell: int        #: dev.now() just before the first TAIL write of a batch
    done: int            #: dev.now() when the interrupt of its last completion woke the client

    @property
    def cycles(self) -> int:
        return self.done - self.doorbell


class Stopwatch:
    """A Device wrapper that time-stamps doorbells and interrupts (everything else passes
    through): the first TAIL write after ``start()`` and the last interrupt wake-up."""

    def __init__(self, dev):
        self._dev = dev
        self.doorbell: int | None = None
        self.last_irq: int | None = None

    def __getattr__(self, name):
        return getattr(self._dev, name)

    def start(self) -> None:
        self.doorbell = self.last_irq = None
        self.nr_doorbells = 0

    async def write_reg(self, offset: int, value: int) -> None:
        if offset in _TAIL_OFFSETS:
            if self.doorbell is None:
                self.doorbell = self._dev.now()
            self.nr_doorbells = getattr(self, "nr_doorbells", 0) + 1
        await self._dev.write_reg(offset, value)

    async def wait_irq(self, timeout_cycles: int | None = None) -> bool:
        fired = await self._dev.wait_irq(timeout_cycles)
        if fired:
            self.last_irq = self._dev.now()
        return fired


class TimedDriver(Driver):
    """The driver on a ``Stopwatch``: its doorbells and interrupt wake-ups are time-stamped
    (``TimedClient`` turns them into one Interval per batch)."""

    def __init__(self, dev, *args, **kwargs):
        super().__init__(Stopwatch(dev), *args, **kwargs)


class TimedClient(DmaClient):
    """The copy paths' DMA client, with every batch timed from its first doorbell to the
    interrupt of its last completion. ``driver`` must be a ``TimedDriver``.

    ``intervals`` collects one Interval per batch that completed."""

    def __init__(self, driver: TimedDriver, **kwargs):
        super().__init__(driver, **kwargs)
        self.intervals: list[Interval] = []

    @property
    def engine_cycles(self) -> int:
        return sum(i.cycles for i in self.intervals)

    async def copy_batch(self, requests, prepare=None):
        watch = self.driver.dev
        watch.start()
        completions = await super().copy_batch(requests, prepare)
        if watch.doorbell is not None and watch.last_irq is not None:
            self.intervals.append(Interval(watch.doorbell, watch.last_irq))
        return completions


class WarpDevice:
    """A Device wrapper for the mm model whose ``wait_cycles`` fast-forwards instead of
    simulating clock cycles in which nothing in the RTL could happen: ``now()`` = the test
    bench's cycle + cycles skipped so far.

    The mm model charges its software steps (unmap, TLB flush, PTE restore, driver software,
    ...) with ``wait_cycles``. The CPU copy model is synchronous (the model's CPU awaits it),
    so only the engine can be working meanwhile: while it is idle, simulating those cycles
    only costs wall time (~15k cycles/s on Icarus: a 2MB migrate_pages row would spend ~1 min
    per repetition idling), so they are skipped. But batch_dma charges the descriptor
    preparation of later chunks while the engine copies earlier ones: those cycles are
    simulated for real. The engine counts as busy when

    * the device says so (``engine_busy()``: tb_top's ``dma_busy``, STATUS.BUSY), or
    * ``driver`` has descriptors written and not yet reaped (``Driver.outstanding()``): a
      doorbell was rung and its completions have not been taken. This covers the doorbell
      itself whatever the RTL's TAIL -> busy latency (today busy is up before ``write_reg``
      returns) and an engine that ran dry between two chunks; its only cost is simulating
      some idle cycles, never skipping engine work.

    The check is made once per ``wait_cycles`` call, at its start: a busy call is simulated
    whole even if the engine finishes early (idle cycles simulated, time still right); an
    idle one cannot become busy, as nothing else rings doorbells meanwhile (and an
    IRQ_TIMEOUT coalescing timer only runs while descriptors are outstanding, i.e. busy as
    far as this check goes). t1..t4 stay simulated time; every copy
    (CPU copy model, engine) still runs cycle by cycle in the simulator. ``simulated`` /
    ``skipped``: cycles of ``wait_cycles`` run / fast-forwarded."""

    def __init__(self, dev, driver=None):
        self._dev = dev
        self._driver = driver
        self.skipped = 0
        self.simulated = 0

    def __getattr__(self, name):
        return getattr(self._dev, name)

    def now(self) -> int:
        return self._dev.now() + self.skipped

    def engine_busy(self) -> bool:
        busy = getattr(self._dev, "engine_busy", None)
        if busy is None or busy():
            return True
        return self._driver is not None and self._driver.outstanding() > 0

    async def wait_cycles(self, n: int) -> None:
        if n <= 0:
            return
        if self.engine_busy():
            self.simulated += int(n)
            await self._dev.wait_cycles(int(n))
        else:
            self.skipped += int(n)


# ================================================================ small helpers (sim)
def _axi_handle(dut, name):
    """The engine's AXI master signal ``name`` (arvalid, araddr) in tb_top, or None."""
    for prefix in ("m_axi_", "dma_axi_", "eng_axi_", "s0_axi_"):
        if hasattr(dut, prefix + name):
            return getattr(dut, prefix + name)
    return None


async def first_data_read(dut, dev, lo: int, hi: int, result: dict) -> None:
    """Record in ``result["cycle"]`` the cycle the engine first presents a read (ARVALID) of
    an address in [lo, hi): the first data AR. Wakes only on ARVALID/ARADDR changes."""
    arvalid, araddr = _axi_handle(dut, "arvalid"), _axi_handle(dut, "araddr")
    if arvalid is None or araddr is None:
        result["missing"] = "tb_top exposes no m_axi_arvalid/m_axi_araddr"
        return
    while True:
        await ReadOnly()
        if arvalid.value.is_resolvable and int(arvalid.value) and \
                lo <= int(araddr.value) < hi:
            result["cycle"] = dev.now()
            return
        await First(RisingEdge(arvalid), araddr.value_change)


async def read_counters(dev) -> dict[str, int]:
    return {name: await dev.read_reg(layout.global_reg(name)) for name in COUNTERS}


def pattern(seed, nbytes: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8)


async def write_big(dev, addr: int, data: np.ndarray) -> None:
    for off in range(0, data.size, CHUNK):
        await dev.mem_write(addr + off, data[off:off + CHUNK])


async def compare_big(dev, addr: int, want: np.ndarray) -> int:
    """Compare memory at ``addr`` with ``want``; raise AssertionError at the first mismatch.
    Returns the bytes validated."""
    for off in range(0, want.size, CHUNK):
        got = await dev.mem_read(addr + off, min(CHUNK, want.size - off))
        exp = want[off:off + got.size]
        if not np.array_equal(got, exp):
            bad = int(np.flatnonzero(got != exp)[0])
            raise AssertionError(f"destination byte {addr + off + bad:#x} is {got[bad]:#04x},"
                                 f" source had {exp[bad]:#04x}")
    return int(want.size)


# ========================================================================= bench points
async def bench_point(dut, dev, drv: TimedDriver, p: BenchPoint, bus_bytes: int) -> dict:
    """Copy p.nr_folios folios of p.folio_bytes from node 1 to node 2 in one batch."""
    folio, n, lat = p.folio_bytes, p.nr_folios, p.mem_latency
    total = folio * n
    src_lo, dst_lo = 1 * dev.node_bytes, 2 * dev.node_bytes
    if total > dev.node_bytes:
        raise ValueError(f"{n} x {folio} B does not fit one {dev.node_bytes >> 20} MiB node")
    dev.set_memory(rd_latency=lat, wr_latency=lat, bandwidth=mem_bandwidth(dev.bus_bytes))
    data = pattern([p.seed, folio, n, lat], total)
    await write_big(dev, src_lo, data)
    requests = [CopyRequest(src_lo + i * folio, dst_lo + i * folio, folio) for i in range(n)]

    rate = p.rate                                 # per-queue throughput cap (RATE register)
    for q in range(drv.nr_queues):
        await dev.write_reg(layout.queue_reg(q, "RATE"), rate)
    await dev.wait_cycles(2 * lat + 16)          # memory idle, new latency settled
    before = await read_counters(dev)
    probe: dict = {}
    watcher = cocotb.start_soon(first_data_read(dut, dev, src_lo, src_lo + total, probe))
    client = TimedClient(drv)
    cpu0 = time.process_time()      # this process runs the simulator and Python both
    comps = await client.copy_batch(requests)
    cpu_copy = time.process_time() - cpu0
    if not watcher.done():
        watcher.cancel()
    after = await read_counters(dev)
    for q in range(drv.nr_queues):
        await dev.write_reg(layout.queue_reg(q, "RATE"), 0)

    bad = [(i, c) for i, c in enumerate(comps) if not c.ok or c.bytes_completed != folio]
    if bad:
        i, c = bad[0]
        raise AssertionError(f"{len(bad)} of {n} copies failed; first: request {i}: {c}")
    validated = await compare_big(dev, dst_lo, data)
    (iv,) = client.intervals
    first = probe.get("cycle")
    probe_latency = None if first is None else first - iv.doorbell
    first_read = probe_latency
    if getattr(drv.dev, "nr_doorbells", 0) == 1 and hasattr(dut, "first_read_cycle"):
        # tb_top's latches: TAIL write handshake -> first data AR handshake (exact)
        first_read = int(dut.first_read_cycle.value) - int(dut.doorbell_cycle.value)
    counters = {k.lower(): (after[k] - before[k]) & 0xFFFF_FFFF for k in COUNTERS}
    figures = report.point_figures(
        folio, n, drv.nr_queues, lat, iv.cycles, bus_bytes, validated,
        first_read_latency=first_read, first_read_probe=probe_latency, rate=rate,
        counters=counters, first_read_note=probe.get("missing"))
    figures["cpu_copy_seconds"] = cpu_copy    # simulator CPU of the copy (doorbell .. irq)
    return figures


async def run_bench(dut, job: Job) -> dict:
    dev, drv = await _bring_up(dut, job)
    out: dict[str, Any] = {"kind": "bench", "queues": job.engine.queues, "bus_bytes": job.engine.bus_bytes,
           "simulator": cocotb.SIM_NAME, "points": []}
    failures = []
    for p in job.points:
        t0 = time.monotonic()
        cpu0 = time.process_time()
        try:
            point = await bench_point(dut, dev, drv, p, job.engine.bus_bytes)
        except Exception as exc:
            # no figure for this point; soft-reset the engine and go on with the next one,
            # the job still fails at the end
            failures.append(exc)
            out["points"].append({**asdict(p), "queues": job.engine.queues,
                                  "error": f"{exc!r}", "traceback": traceback.format_exc()})
            _write(job, out)
            dut._log.error("bench point %s failed: %r", p, exc)
            try:
                await drv.reset()
            except Exception as exc2:
                left = len(job.points) - len(out["points"])
                out["aborted"] = (f"engine did not recover after the failed point ({exc2!r}):"
                                  f" {left} points not run")
                _write(job, out)
                raise
            continue
        point["wall_seconds"] = time.monotonic() - t0
        point["cpu_seconds"] = time.process_time() - cpu0   # set-up, copy, validation
        out["points"].append(point)
        _write(job, out)
        dut._log.info("bench %d x %d B, %d queues, L=%d: %d cycles, efficiency %.3f "
                      "(ideal %.3f), %.1f s", point["nr_folios"], point["folio_bytes"],
                      point["queues"], point["mem_latency"], point["fabric_cycles"],
                      point["bus_efficiency"], point["ideal_efficiency"],
                      point["wall_seconds"])
    check_axi(dev, job, out)
    if failures:
        raise AssertionError(f"{len(failures)} of {len(job.points)} bench points failed;"
                             f" first: {failures[0]!r}")
    return out


# ===================================================================== migrate (mm)
async def migrate_once(dev, drv: TimedDriver, mode: str, folio_bytes: int, nr_folios: int,
                       seed: int, costs, warp: bool = True) -> dict:
    """move_pages(2) of nr_folios folios from node 1 to node 0 with copy path ``mode``;
    validated; -> one repetition's figures. ``warp``: software steps fast-forward
    (WarpDevice) instead of simulating idle cycles."""
    from . import validate
    from .assemble import make_kernel
    from .mm import PAGE_SHIFT, PAGE_SIZE, MigrateStats

    order = (folio_bytes // PAGE_SIZE).bit_length() - 1
    client = TimedClient(drv)
    kernel = make_kernel(WarpDevice(dev, drv) if warp else dev, mode, driver=drv,
                         costs=costs, seed=seed, client=client)
    mm = kernel.mm_alloc("bench")
    base = 1 << 32                       # a user virtual address, 2 MiB aligned
    nr_pages = nr_folios << order
    folios = await kernel.mmap(mm, base, nr_pages, node=1, order=order)
    snaps = await validate.snapshot(kernel, folios)
    pages = [base + (i << (order + PAGE_SHIFT)) for i in range(nr_folios)]
    stats = MigrateStats()
    t_wall = time.monotonic()
    t_syscall = kernel.dev.now()
    status = await kernel.move_pages(mm, pages, [0] * nr_folios, stats)
    move_pages_cycles = kernel.dev.now() - t_syscall
    wall = time.monotonic() - t_wall
    check = await validate.verify_migration(kernel, snaps, stats)
    per_page = stats.per_page(costs)
    engine = client.engine_cycles if client.intervals else None
    return {
        "migrate_pages_cycles_per_page": per_page["migrate_pages"],
        "folio_copy_cycles_per_page": per_page["folio_copy"],
        "F": per_page["F"],
        "first_folio_cycles": None if stats.first_folio_cycles is None
        else costs.to_cpu(stats.first_folio_cycles),
        "copy_cycles": stats.copy_cycles,                  # fabric cycles, t2..t3 summed
        "migrate_cycles": stats.migrate_cycles,
        "move_pages_cycles": move_pages_cycles,            # fabric cycles, syscall entry..exit
        "engine_cycles": engine,                           # doorbell -> last irq, summed
        "nr_doorbell_batches": len(client.intervals),
        "nr_succeeded": check.nr_migrated,
        "nr_failed": check.nr_stayed,
        "nr_failed_status": sum(1 for s in status if s < 0),
        "bytes_validated": check.bytes_validated,
        "wall_seconds": wall,
        "nr_fallback_folios": getattr(kernel.copy_path, "nr_fallback_folios", 0),
    }


def set_node_latency(dev, node_latency, jitter: float = 0.0, seed=0) -> list:
    """Program each node's (read, write) latency; with ``jitter`` > 0 each value is drawn
    uniformly from base x [1 - jitter, 1 + jitter] (seeded): repetitions then differ the way
    repeated runs on a real machine do. Returns the [(rd, wr)] programmed."""
    rng = np.random.default_rng(seed)
    used = []
    for node, (rd, wr) in enumerate(node_latency):
        if jitter:
            rd, wr = (max(2, round(x * (1 + rng.uniform(-jitter, jitter)))) for x in (rd, wr))
        dev.set_memory(node=node, rd_latency=rd, wr_latency=wr,
                       bandwidth=mem_bandwidth(dev.bus_bytes))
        used.append((rd, wr))
    return used


async def run_migrate(dut, job: Job) -> dict:
    from .costs import DEFAULT_COSTS, with_overrides

    costs = with_overrides(DEFAULT_COSTS, job.costs)
    dev, drv = await _bring_up(dut, job)
    if job.memory.cpu:
        dev.set_cpu(**job.memory.cpu)          # CPU copy model: max_reads / max_writes
    out: dict[str, Any] = {"kind": "migrate", "simulator": cocotb.SIM_NAME, "runs": []}
    failures = []
    for run in job.runs:
        reps = []
        for q in range(drv.nr_queues):            # optional per-queue cap: a slower engine
            await dev.write_reg(layout.queue_reg(q, "RATE"), run.rate)
        try:
            for rep in range(run.first_rep, run.first_rep + run.repetitions):
                latency = set_node_latency(dev, job.memory.node_latency,
                                           job.memory.latency_jitter, seed=[run.seed_key, rep])
                reps.append(await migrate_once(dev, drv, run.mode, run.folio_bytes,
                                               run.nr_folios, seed=1000 * run.seed_key + rep,
                                               costs=costs, warp=job.warp_software))
                reps[-1]["node_latency"] = latency
                reps[-1]["rep"] = rep
                dut._log.info("migrate %s %d x %d B rep %d: %s", run.mode, run.nr_folios,
                              run.folio_bytes, rep, reps[-1])
        except Exception as exc:
            # no figures for this run; soft-reset the engine and go on with the next run,
            # the job still fails at the end
            failures.append(exc)
            out["runs"].append({**asdict(run), "error": f"{exc!r}",
                                "traceback": traceback.format_exc()})
            _write(job, out)
            dut._log.error("migrate run %s failed: %r", run, exc)
            await drv.reset()
            continue
        out["runs"].append({**asdict(run), "repetitions": len(reps), "reps": reps})
        _write(job, out)
    check_axi(dev, job, out)
    if failures:
        raise AssertionError(f"{len(failures)} of {len(job.runs)} runs failed;"
                             f" first: {failures[0]!r}")
    return out


def check_axi(dev, job: Job, out: dict) -> None:
    """Record the AXI checker's violations on the engine's port in the job's result, and
    fail the job if there were any (a figure measured on an illegal bus is no figure)."""
    out["axi_violations"] = dev.protocol_errors
    _write(job, out)
    if out["axi_violations"]:
        raise AssertionError(f"AXI protocol checker: {out['axi_violations']} violation(s) on"
                             " the engine's master port (see the simulator log)")


# ===================================================================== soak
async def run_soak(dut, job: Job) -> dict:
    """The fault soak's RTL seeds (harness.soak): one case per seed on this simulation, the
    test bench hard-reset between cases (a hung bus or a dead engine ends with the case);
    cases whose outcome does not depend on timing also run on the golden model and must
    migrate the same folios to the same places. The AXI checker must stay silent."""
    from . import soak
    from .rtl_device import NR_NODES, RtlDevice

    runner.start_clock_if_needed(dut)
    dev = RtlDevice(dut, bus_bytes=job.engine.bus_bytes, nr_queues=job.engine.queues,
                    mem_bytes=job.memory.mem_bytes)
    out: dict[str, Any] = {"kind": "soak", "simulator": cocotb.SIM_NAME, "cases": []}
    for seed in job.seeds:
        await dev.hard_reset()
        set_node_latency(dev, job.memory.node_latency or ((DEFAULT_LATENCY,) * 2,) * NR_NODES)
        case = soak.draw_case(seed, max_queues=job.engine.queues, small=True)
        axi_before = dev.protocol_errors
        res = await soak.run_case(dev, case)
        res["where"] = "rtl"
        res["axi_violations"] = dev.protocol_errors - axi_before
        if res["axi_violations"]:
            res["problems"].append(f"{res['axi_violations']} AXI protocol violation(s)")
        if not case.timing_dependent:
            model = await soak.run_case_on_model(case, bus_bytes=dev.bus_bytes,
                                                 mem_bytes=dev.mem_bytes,
                                                 max_queues=job.engine.queues)
            diffs = soak.compare_outcomes(res, model)
            res["model_compared"] = 1
            res["model_mismatches"] = len(diffs)
            res["problems"] += [f"model mismatch: {d}" for d in diffs]
        out["cases"].append(res)
        _write(job, out)
        dut._log.info("soak seed %d (%s, %d folios): %s", seed, case.mode, len(case.orders),
                      "ok" if not soak.failed(res) else res["problems"][:3])
    return out


# ================================================================================ entry
async def _bring_up(dut, job: Job):
    """RtlDevice + TimedDriver for the job; the rings sit at the top of ``engine.dma_node``
    (node 0 by default; another node lets a migration fill node 0)."""
    from .assemble import bring_up
    from .driver import default_dma_region
    from .rtl_device import NR_NODES
    engine = job.engine
    driver_args = {}
    if engine.dma_node:
        node_bytes = job.memory.mem_bytes // NR_NODES
        lo, _ = default_dma_region(node_bytes, engine.queues, engine.ring_order)
        driver_args["ring_base"] = engine.dma_node * node_bytes + lo
    return await bring_up(dut, ring_order=engine.ring_order, driver_cls=TimedDriver,
                          bus_bytes=engine.bus_bytes, queues=engine.queues,
                          mem_bytes=job.memory.mem_bytes, **driver_args)


def _write(job: Job, out) -> None:
    if job.out:
        report.write_json(job.out, out)


JOB_KINDS = {"bench": run_bench, "migrate": run_migrate, "soak": run_soak}

if cocotb is not None:
    @cocotb.test()
    async def job(dut):
        """Run the job described by the configuration (see the module docstring)."""
        spec = Job.from_dict(runner.load_config())
        await JOB_KINDS[spec.kind](dut, spec)
