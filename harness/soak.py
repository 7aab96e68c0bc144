"""Fault soak: random migrations through move_pages() under random faults; nothing is lost.

One *case* is drawn from one seed (``draw_case``): a copy path, queues, ring size, folios of
random sizes, one to three move_pages() calls over disjoint parts of them, and a mix of
faults from every class the harness can inject:

    read     data read fault on a source folio     (engine, CPU copy or both ports)
    write    data write fault on the target node    (engine, CPU copy or both ports)
    fetch    read fault on descriptor ring slots    (engine port)
    record   write fault on completion slots        (engine port)
    hang     the memory never answers a data burst  (engine port)

plus, at random register accesses of the driver, an engine SOFT_RESET by another thread
(``reset``) or a queue ABORT (``abort``), and on some cases queues capped at a few beats per
256 cycles with a short batch timeout (``timeout``), so that batches time out and their
reset may not complete (the device is then declared dead).

``run_case`` runs a case on any Device (the golden model, or the RTL under cocotb) and
checks what must hold whatever happened underneath:

* every folio is migrated (bytes at the destination, PTEs there) or intact at its source
  (PTEs back, on the LRU, not isolated): validate.audit_migration; its problems are counted as
  ``lost``, ``half_migrated`` (and written sources / freed quarantine, also ``lost``);
* no write landed outside the pages the run may write (target node's free pages, rings and
  records): the memory's stray-write counter, ``stray_writes``;
* no exception crossed move_pages(): ``hangs`` (a wait that hit its bound and escaped) or
  ``errors`` (anything else: a harness bug);
* on the RTL, for cases whose outcome does not depend on timing (no timed fault, hang,
  reset, abort or slow queue), the same case on the golden model migrates the same folios to
  the same places: ``model_mismatches``.

``summarize`` folds case results into the soak's JSON record (``SOAK_KEYS``).
"""
from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass, field
from typing import Any, cast

from . import layout, validate
from .assemble import make_kernel
from .copy_paths import COPY_PATHS
from .device import Device, DeviceHangError
from .driver import Driver, DriverError
from .faults import Fault
from .golden import ModelDevice
from .mm import PAGE_SHIFT, PAGE_SIZE, Kernel, MigrateStats

log = logging.getLogger(__name__)

FAULT_CLASSES = ("read", "write", "fetch", "record", "hang")
#: the counts that must be 0 for the soak to pass
FAILURE_KEYS = ("lost", "half_migrated", "stray_writes", "model_mismatches", "hangs", "errors",
                "axi_violations", "protocol_errors")
SOAK_KEYS = ("seeds", "migrations", "folios", "faults", "resets", "aborts", "timeouts",
             "dead_devices", "quarantined", "migrated", "not_migrated",
             "model_compared") + FAILURE_KEYS

SRC_NODE, DST_NODE = 1, 0
MAX_CASE_PAGES = 2048       #: pages moved per case at most (8 MiB: half a 64 MiB model's node)
USER_BASE = 1 << 32          #: user virtual address of the soak's mapping (2 MiB aligned)


# ============================================================================ a case
@dataclass
class SoakCase:
    """Everything random about one soak run, drawn from its seed (``draw_case``)."""

    seed: int
    mode: str
    nr_queues: int
    ring_order: int
    orders: list[int]                   #: folio orders, in address order
    calls: list[int]                    #: folios per move_pages() call (sum: len(orders))
    fault_plan: list[dict]              #: abstract faults, placed by ``place_faults``
    reset_at: int | None = None         #: driver register access at which another thread
    abort_at: int | None = None         #: resets the engine / aborts queue 0 (None: never)
    rate: int = 0                       #: RATE of every queue (0: uncapped)
    timeout_cycles: int | None = None   #: driver batch budget (None: the driver's default)
    reset_timeout_cycles: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def timing_dependent(self) -> bool:
        """Whether the outcome depends on exact cycles (then RTL and model may differ)."""
        return (self.reset_at is not None or self.abort_at is not None or bool(self.rate)
                or any(f["cls"] == "hang" or f.get("after_beats") for f in self.fault_plan))


def draw_case(seed: int, max_queues: int = 4, small: bool = False) -> SoakCase:
    """The case of ``seed`` (deterministic). ``small``: fewer and smaller folios (RTL)."""
    rng = random.Random(seed)
    mode = rng.choice(COPY_PATHS)
    nr_queues = rng.randint(1, max_queues)
    ring_order = rng.choice((2, 3, 4, 5, 9))
    nr = rng.randint(1, 12 if small else 40)
    big = (4, 9) if not small else (4,)
    orders = [0 if rng.random() < 0.8 else rng.choice(big) for _ in range(nr)]
    while sum(1 << o for o in orders) > MAX_CASE_PAGES:     # at most 8 MiB moved per case
        orders.remove(max(orders))
    calls = _split(rng, len(orders), rng.randint(1, 3))
    plan = []
    for _ in range(rng.randint(0, 5)):
        cls = rng.choice(FAULT_CLASSES)
        f = {"cls": cls, "resp": rng.choice(("SLVERR", "DECERR")),
             "port": rng.choice(("engine", "engine", "cpu", "both")),
             "where": rng.random(), "span": rng.choice((64, 256, 4096)),
             "after_beats": rng.choice((0, 0, 0, rng.randint(1, 3000)))}
        if cls in ("fetch", "record"):
            f["port"] = "engine"
            f["queue"] = rng.randrange(nr_queues)
            f["slots"] = rng.randint(1, 4)
        if cls == "hang":
            f["port"] = "engine"
            f["resp"] = "HANG"
            f["kind"] = rng.choice(("read", "write"))
        plan.append(f)
    case = SoakCase(seed, mode, nr_queues, ring_order, orders, calls, plan)
    if mode.startswith("batch_dma"):
        event = rng.random()
        if event < 0.15:
            case.reset_at = rng.randint(1, 25)
        elif event < 0.3:
            case.abort_at = rng.randint(1, 25)
        if rng.random() < 0.2:
            case.rate = rng.choice((3, 16))
            case.timeout_cycles = rng.choice((5_000, 20_000, 60_000))
            case.reset_timeout_cycles = rng.choice((2_000, 20_000))
    return case


def _split(rng: random.Random, n: int, parts: int) -> list[int]:
    parts = max(1, min(parts, n))
    cuts = sorted(rng.sample(range(1, n), parts - 1)) if parts > 1 else []
    bounds = [0] + cuts + [n]
    return [b - a for a, b in zip(bounds, bounds[1:])]


def place_faults(case: SoakCase, drv: Driver, sources: list, target_lo: int,
                 target_pages: int) -> list[tuple[str, Fault]]:
    """Concrete Faults for the case's plan: sources, the target node's first pages (where
    the destinations land: the allocator takes the lowest free block), ring and record slots.
    """
    out = []
    for f in case.fault_plan:
        cls = f["cls"]
        kind = {"read": "read", "fetch": "read", "write": "write", "record": "write",
                "hang": f.get("kind", "read")}[cls]
        if cls in ("fetch", "record"):
            q = drv.queues[f["queue"] % len(drv.queues)]
            slot = int(f["where"] * q.size)
            n = min(f["slots"], q.size - slot)
            base = q.desc_addr(slot) if cls == "fetch" else q.comp_addr(slot)
            lo, hi = base, base + n * layout.DESCRIPTOR.itemsize
        elif kind == "read":
            folio = sources[int(f["where"] * len(sources)) % len(sources)]
            off = int(f["where"] * folio.nbytes) & ~63
            lo = folio.addr + min(off, folio.nbytes - 64)
            hi = min(lo + f["span"], folio.addr + folio.nbytes)
        else:
            off = int(f["where"] * target_pages * PAGE_SIZE) & ~63
            lo = target_lo + off
            hi = lo + f["span"]
        out.append((cls, Fault(kind, lo, hi, resp=f["resp"], port=f["port"],
                               after_beats=f["after_beats"])))
    return out


# ============================================================================ events
class EventDevice:
    """The device as the driver and kernel see it, with one event at the driver's N-th
    register access: another thread soft-resets the engine (``driver.reset()``), or queue 0
    is aborted. Everything else passes through."""

    def __init__(self, dev, case: SoakCase):
        self._dev = dev
        self._case = case
        self._accesses = 0
        self.driver: Driver | None = None
        self.resets = 0
        self.aborts = 0

    def __getattr__(self, name):
        return getattr(self._dev, name)

    async def _event(self) -> None:
        if self.driver is None or not self.driver.probed or self.driver.dead:
            return
        self._accesses += 1
        n, case = self._accesses, self._case
        if n == case.reset_at:
            self.resets += 1
            try:
                await self.driver.reset()
            except DriverError as e:          # the device is dead now: the batch sees it
                log.info("soak seed %d: reset by another thread failed: %s", case.seed, e)
        elif n == case.abort_at:
            self.aborts += 1
            await self._dev.write_reg(layout.queue_reg(0, "CONTROL"),
                                      layout.QCTRL_ENABLE | layout.QCTRL_ABORT)

    async def read_reg(self, offset: int) -> int:
        await self._event()
        return await self._dev.read_reg(offset)

    async def write_reg(self, offset: int, value: int) -> None:
        await self._event()
        await self._dev.write_reg(offset, value)


# ============================================================================ one run
def free_ranges(kernel: Kernel, node: int) -> list[tuple[int, int]]:
    """[lo, hi) byte ranges of node ``node``'s free pages now."""
    out = []
    for order, pfns in enumerate(kernel.node_data[node].free_area):
        out += [(pfn << PAGE_SHIFT, (pfn + (1 << order)) << PAGE_SHIFT) for pfn in pfns]
    return sorted(out)


async def run_case(dev, case: SoakCase) -> dict:
    """Run ``case`` on ``dev`` (fresh or hard-reset, every fault cleared); -> its result.

    The result holds the counters of ``SOAK_KEYS`` for this case, ``outcome`` (source pfn
    -> destination pfn of every migrated folio, for the differential comparison) and
    ``problems`` (messages)."""
    res: dict[str, Any] = {"seed": case.seed, "mode": case.mode, "migrations": 0, "folios": len(case.orders),
           "faults": dict.fromkeys(FAULT_CLASSES, 0), "resets": 0, "aborts": 0,
           "timeouts": 0, "dead_devices": 0, "quarantined": 0, "migrated": 0,
           "not_migrated": 0, "problems": [], "outcome": {},
           **dict.fromkeys(FAILURE_KEYS, 0)}
    edev = EventDevice(dev, case)
    drv = Driver(cast(Device, edev), nr_queues=case.nr_queues, ring_order=case.ring_order,
                 timeout_cycles=case.timeout_cycles,
                 reset_timeout_cycles=case.reset_timeout_cycles)
    await drv.probe()
    edev.driver = drv
    for q in range(case.nr_queues):
        await dev.write_reg(layout.queue_reg(q, "RATE"), case.rate)
    kernel = make_kernel(edev, case.mode, driver=drv, seed=case.seed)

    # the workload: folios of the drawn orders on the source node, random bytes
    mm = kernel.mm_alloc(f"soak{case.seed}")
    folios, va = [], USER_BASE
    for order in case.orders:
        va = -(-va // (PAGE_SIZE << order)) * (PAGE_SIZE << order)
        folios += await kernel.mmap(mm, va, 1 << order, node=SRC_NODE, order=order)
        va += PAGE_SIZE << order
    snaps = await validate.snapshot(kernel, folios)

    # what may be written: the target node's free pages (destinations), rings and records
    allowed = free_ranges(kernel, DST_NODE) + [drv.dma_region]
    dev.allow_writes(allowed)
    target_lo = allowed[0][0]
    faults = place_faults(case, drv, folios, target_lo,
                          sum(f.nr_pages for f in folios))
    for cls, fault in faults:
        dev.inject_fault(fault)
        res["faults"][cls] += 1

    stats = MigrateStats()
    first = 0
    for n in case.calls:
        part = folios[first:first + n]
        first += n
        pages = [f.rmap[0][1] for f in part]
        res["migrations"] += 1
        try:
            await kernel.move_pages(mm, pages, [DST_NODE] * len(pages), stats)
        except DeviceHangError as e:
            res["hangs"] += 1
            res["problems"].append(f"hang escaped move_pages(): {e}")
        except Exception as e:                   # a harness bug: counted and reported
            res["errors"] += 1
            res["problems"].append(f"{type(e).__name__} escaped move_pages(): {e}\n"
                                   + traceback.format_exc())
            break
    dev.clear_faults()

    report, problems = await validate.audit_migration(kernel, snaps, stats)
    for klass, msg in problems:
        res["half_migrated" if klass == "half_migrated" else "lost"] += 1
        res["problems"].append(f"{klass}: {msg}")
    res["stray_writes"] = int(dev.stray_writes)
    if res["stray_writes"]:
        res["problems"].append(f"{res['stray_writes']} stray write(s), first at"
                               f" {dev.first_stray_addr:#x}")
    dev.allow_all_writes()
    migrator = getattr(kernel.copy_path, "offload").migrator
    res["timeouts"] = getattr(migrator, "failures", {}).get("DmaTimeoutError", 0)
    res["dead_devices"] = int(drv.dead)
    res["resets"], res["aborts"] = edev.resets, edev.aborts
    res["quarantined"] = stats.nr_quarantined
    res["migrated"], res["not_migrated"] = report.nr_migrated, report.nr_stayed
    res["outcome"] = {int(k): int(v) for k, v in stats.moved.items()}
    res["protocol_errors"] = drv.protocol_errors
    return res


async def run_case_on_model(case: SoakCase, bus_bytes: int = 64,
                            mem_bytes: int = 64 << 20, max_queues: int = 4) -> dict:
    """``case`` on a fresh golden model."""
    dev = ModelDevice(mem_bytes=mem_bytes, bus_bytes=bus_bytes, nr_queues=max_queues)
    return await run_case(dev, case)


def compare_outcomes(rtl: dict, model: dict) -> list[str]:
    """Differences between the RTL's and the model's result of the same (untimed) case."""
    diffs = []
    if rtl["outcome"] != model["outcome"]:
        only_rtl = sorted(set(rtl["outcome"].items()) - set(model["outcome"].items()))[:4]
        only_model = sorted(set(model["outcome"].items()) - set(rtl["outcome"].items()))[:4]
        diffs.append(f"migrated folios differ: RTL only {only_rtl}, model only {only_model}")
    for key in ("quarantined", "dead_devices"):
        if rtl[key] != model[key]:
            diffs.append(f"{key}: RTL {rtl[key]}, model {model[key]}")
    return diffs


# ============================================================================ summary
def summarize(results: list[dict]) -> dict:
    """The soak's record: every counter of SOAK_KEYS summed over ``results``, and the
    failing seeds."""
    out: dict[str, Any] = {k: 0 for k in SOAK_KEYS}
    out["faults"] = dict.fromkeys(FAULT_CLASSES, 0)
    out["seeds"] = len(results)
    failing = []
    for r in results:
        for k in SOAK_KEYS:
            if k in ("seeds", "faults"):
                continue
            out[k] += r.get(k, 0)
        for cls, n in r["faults"].items():
            out["faults"][cls] += n
        if any(r.get(k) for k in FAILURE_KEYS):
            failing.append({"seed": r["seed"], "where": r.get("where", "model"),
                            "problems": r["problems"][:5]})
    out["failing"] = failing
    return out


def summary_line(s: dict, label: str) -> str:
    f = s["faults"]
    return (f"soak {label}: {s['seeds']} seeds, {s['migrations']} migrations, {s['folios']}"
            f" folios ({s['migrated']} migrated, {s['not_migrated']} not); faults read"
            f" {f['read']} write {f['write']} fetch {f['fetch']} record {f['record']} hang"
            f" {f['hang']}; resets {s['resets']} aborts {s['aborts']} timeouts"
            f" {s['timeouts']} dead {s['dead_devices']} quarantined {s['quarantined']};"
            f" {s['model_compared']} compared with the model;"
            f" lost {s['lost']} half_migrated {s['half_migrated']} stray_writes"
            f" {s['stray_writes']} model_mismatches {s['model_mismatches']} hangs"
            f" {s['hangs']} errors {s['errors']} axi_violations {s['axi_violations']}"
            f" protocol_errors {s['protocol_errors']}")


def failed(s: dict) -> bool:
    """Whether a summary (or one case's result) counts any failure."""
    return any(s.get(k) for k in FAILURE_KEYS)

