"""The software-step cost table of the host model, in CPU cycles.

The mm model (harness/mm.py) and the copy paths (harness/copy_paths.py) charge every software
step of page migration from ONE table, by awaiting ``dev.wait_cycles(costs.to_fabric(...))``, so
all time is simulated time.  The content copies are *not* in this table: the simulation measures
them (the CPU copy model and the DMA engine run cycle by cycle).

Where the defaults come from
----------------------------
The seed (RFC v1, AMD EPYC Zen 3, 2 GHz, Linux 6.8, move_pages(2) remote -> local node, 4 KiB
folios, THP off) reports CPU cycles per 4 KiB page for the *generic kernel*:

    size    migrate_pages (t4-t1)   folio_copy (t3-t2)   software = difference
    4KB     17799 +- 4278           794 +- 233           17005   (1 folio, 1 batch, 1 call)
    2MB      3478 +-   95           494 +-  28            2984   (512 folios, 1 batch)
    256MB    3669 +-  158           815 +- 172            2854   (65536 folios, 128 batches)
    1GB      3770 +-   56           805 +-  60            2965   (262144 folios, 512 batches)

The software part is modelled as

    per call C (fixed, inside t1..t4) + per batch B (TLB flush) + per folio P (5 steps)

Fitting it: the 2MB/256MB/1GB rows give P + B/512 ~= 2900 (their mean software is 2934, their
spread 2854..2984 is within the seed's SDs and goes the "wrong" way for a pure amortization, so
it is noise/cache effects, not structure); the 4KB rows give C + B + P ~= 17005 (generic) and
14142 (batch CPU): the same software in both, so C is fitted to their midpoint, 15574.  With
P = 2900 and B = 6000 (below), C = 6670.  Check, with the seed's own copy cycles added back:

    4KB:   6670 + 6000 + 2900           + 794 = 16364   (seed 17799 generic -8 %,
                                                         14942 batch CPU +9.5 %)
    2MB:   (6670 + 6000) / 512 + 2900   + 494 =  3419   (seed  3478, -1.7 %)
    256MB: 6670/65536 + 6000/512 + 2900 + 815 =  3727   (seed  3669, +1.6 %)
    1GB:                          2912  + 805 =  3717   (seed  3770, -1.4 %)

With the simulated copy at ~500-800 CPU cycles per 4 KiB page the model lands inside the seed's
rows within a few percent.  The seed does not itemize P; its split over the five per-folio steps
below is an ESTIMATE from kernel knowledge (relative weight of the work each step does: rmap walks
and page-table locks dominate), not a measurement.  C is FITTED: it is what is left of the 4KB
row and stands for everything a single small call pays once inside migrate_pages() (cold remote
zone/pcp structures, memcg, rmap locks on first touch); the seed's SD there is 24 %.

Costs outside t1..t4 (syscall entry/exit, per-page lookup + isolation in move_pages, putback of
failed folios, lru_cache_disable()/lru_cache_enable() around the call) do not enter the seed's
numbers; they are estimates and only matter for end-to-end syscall time.

lru_cache_disable() (mm/swap.c; do_pages_move() and do_migrate_pages() call it once per
call): atomic_inc, then synchronize_rcu_expedited() (on SMP; it lets every CPU see the count
before draining) and __lru_add_drain_all(true), which queues lru_add_drain work on every CPU
and flush_work()s it. An ESTIMATE, not a measurement: an expedited grace period costs
IPIs to every online CPU and a wait for the slowest one, and the drain is a workqueue round
trip per CPU; on a 2-socket, 64-thread box we take ~10 us for the two together = 20000 CPU
cycles at 2 GHz. It is paid once per move_pages(2) call, outside t1..t4: it does not move
the seed's rows, but it does weigh on small calls' end-to-end time (1 x 4 KiB: ~25%).
lru_cache_enable() is an atomic_dec: ~20 cycles.

Waits (the sync modes): ``folio_wait`` is how long the model's other holder keeps a folio
locked or under writeback before the waiter runs on (folio_lock() / folio_wait_writeback()):
an ESTIMATE of a short critical section or a fast device write, 5 us; it only matters for
folios given a would-block state.

Large-folio split (split_folio_to_list(), mm/huge_memory.c): ``split_folio`` per folio
(unmap to migration entries, freeze, remap) and ``split_page`` per base page (struct page
set-up of each new folio, its LRU and rmap accounting): ESTIMATES, ~2 us + ~50 cycles per
page; they only matter when a large folio is split (-ENOMEM for its destination).

The content copy itself is simulated (rtl/sim/cpu_copy.v, the DMA engine), but one copy-side
cost lives here: ``copy_cold``, charged inside t2..t3 by the FIRST CPU copy of every batch's move
phase.  It is FITTED to the difference between the seed's 4KB and 2MB rows (generic: 794 vs 494,
batch CPU: 800 vs 533 cycles/page: ~270-300 cycles that one lone copy pays and 512 back-to-back
copies amortize); its physical reading (an ESTIMATE) is what a first copy after the unmap phase
finds cold: TLB entries of the kernel direct map for source and destination (page walks), the
L2 stream prefetcher not yet trained, the copy loop's i-cache / branch state.  The simulated
copy of a 4 KiB page at make sim's remote latency is ~550 CPU cycles (see
experiments.SIM_CPU), so: 4KB row ~ 550 + 250 = 800, 2MB row ~ 550 + 250/512 = 550.

The DMA-side costs (descriptor preparation, DMA mapping, doorbell, interrupt, poll) are ESTIMATES
of driver software on a host CPU, without an IOMMU:
  * dma_map (per descriptor, src + dst, map + unmap: 4 calls): with no IOMMU dma_map_page() is
    dma-direct: phys_to_dma() = an address computation plus a dma_capable() range check, no
    cache maintenance on x86 (coherent): ~10 cycles per call, 40 for the four.
  * desc_prep (per descriptor): fill one 32-byte descriptor (src, dst, len, flags+cookie: four
    8-byte stores, half a cache line, into a ring slot that is cache-resident) and advance the
    ring index: ~30 cycles.  The engine reads the descriptor from memory itself.
Driver variants (``VARIANTS``, selected per run with ``with_overrides``): the defaults are the
bespoke ring driver of harness/driver.py; ``dmaengine`` prices the same work through the
DMAEngine client API, ``*_iommu`` adds an IOMMU to dma_map. See ``VARIANTS`` for each
figure's basis (all are ESTIMATES; none is fitted to a seed row).

The seed's DMA row (10.4k-11k cycles per page of folio_copy, 768 MB/s) is mostly per-page
round-trip latency of the PTDMA hardware and its completion path; the simulation, not this table,
produces the engine's part.

Clocks: CPU cycles at ``cpu_hz`` (2 GHz, as in the seed); the fabric (engine, memory, the
simulator's clock) at ``fabric_hz`` (1 GHz): 1 fabric cycle = 2 CPU cycles by default.  Defaults
are even numbers so that they convert to fabric cycles exactly at that ratio.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Costs:
    """CPU cycles per software step (see the module docstring for every default's source)."""

    # -- clocks ------------------------------------------------------------------------
    cpu_hz: float = 2e9          #: CPU clock; the seed's cpuinfo_cur_freq
    fabric_hz: float = 1e9       #: engine/memory/simulator clock (a setting, not a seed figure)

    # -- syscall level, outside t1..t4 (estimates) --------------------------------------
    syscall: int = 1200          #: move_pages/migrate_pages(2) entry + exit, incl. mitigations
    isolate: int = 500           #: per page: follow_page lookup + folio_isolate_lru()
                                 #: (or queue_pages_range() per folio for migrate_pages(2))
    lru_cache_disable: int = 20000  #: per move_pages/migrate_pages(2) call (ESTIMATE, see
                                 #: above): synchronize_rcu_expedited + __lru_add_drain_all
    lru_cache_enable: int = 20   #: per call: atomic_dec (estimate)

    # -- inside migrate_pages(): calibrated against the seed's generic-kernel rows ------
    migrate_pages_setup: int = 6670  #: per migrate_pages() call; FITTED to the 4KB rows: the
                                 #: midpoint of generic (17799) and batch CPU (14942): one
                                 #: small call's fixed cost does not depend on the copy path,
                                 #: so both land within 10% (their SDs are 24% and 17%)
    alloc: int = 400             #: per folio: alloc_migration_target() on the target node
    unmap: int = 950             #: per folio: migrate_folio_unmap(): trylock, anon_vma,
                                 #: try_to_migrate() rmap walk, set migration entries
    tlb_flush: int = 6000        #: per batch: try_to_unmap_flush(): IPI shootdown to the CPUs
                                 #: in the mm's cpumask, ~3 us on a 2-socket 64-thread box
    metadata: int = 400          #: per folio: folio_migrate_mapping() + folio_migrate_flags()
    remap: int = 700             #: per folio: remove_migration_ptes(): rmap walk, set PTEs
    putback: int = 450           #: per folio: folio_add_lru(dst) + migrate_folio_done(src), or
                                 #: putback_movable_pages() of a failed folio
    # per-folio total P = alloc + unmap + metadata + remap + putback = 2900

    # -- waits and splits (estimates, see above) ----------------------------------------
    folio_wait: int = 10000      #: folio_lock() / folio_wait_writeback() on a folio someone
                                 #: else holds (the model's would-block states), 5 us
    split_folio: int = 4000      #: per large folio split: unmap, freeze, remap (~2 us)
    split_page: int = 50         #: per base page of a split folio: new folio set-up

    # -- content copy: cold start of the first CPU copy of a batch (FITTED, see above) ----
    copy_cold: int = 250         #: first folio_copy() of each batch's move phase: cold
                                 #: direct-map TLB entries, prefetcher, copy loop

    # -- copy offload driver software (estimates; VARIANTS below re-price them) --------
    dma_map: int = 40            #: per descriptor: dma_map_page() + unmap for src and dst,
                                 #: dma-direct (no IOMMU): 4 address computations, ~10 each
    desc_prep: int = 30          #: per descriptor: fill one 32 B descriptor (four 8 B stores
                                 #: to a cache-resident ring slot) + advance the ring index
    doorbell: int = 200          #: per submit: one posted MMIO write of the queue tail
    irq: int = 4000              #: per interrupt: entry/exit, status read + ack (MMIO read),
                                 #: completion callback, wake-up of the waiting task
    poll: int = 1000             #: per busy-wait: the status read(s) that observe completion
                                 #: (dma_sync_wait() in the seed's v1 driver), ~0.5 us MMIO

    # ----------------------------------------------------------------------------------
    @property
    def per_folio(self) -> int:
        """P: software CPU cycles per migrated folio inside migrate_pages()."""
        return self.alloc + self.unmap + self.metadata + self.remap + self.putback

    @property
    def cpu_per_fabric(self) -> float:
        """CPU cycles per fabric cycle (2.0 at the defaults)."""
        return self.cpu_hz / self.fabric_hz

    def to_fabric(self, cpu_cycles: float) -> int:
        """CPU cycles -> fabric cycles, rounded up (a non-zero cost never vanishes)."""
        if cpu_cycles <= 0:
            return 0
        return math.ceil(cpu_cycles * self.fabric_hz / self.cpu_hz - 1e-9)

    def to_cpu(self, fabric_cycles: float) -> float:
        """Fabric cycles -> CPU cycles."""
        return fabric_cycles * self.cpu_hz / self.fabric_hz

    def as_dict(self) -> dict:
        """Every setting, for the JSON report."""
        return asdict(self)

    def clock_note(self) -> str:
        """The conversion, stated in every report."""
        return (f"CPU {self.cpu_hz / 1e9:g} GHz, fabric {self.fabric_hz / 1e9:g} GHz: "
                f"1 fabric cycle = {self.cpu_per_fabric:g} CPU cycles")


DEFAULT_COSTS = Costs()

#: named driver-cost variants: name -> overrides of DEFAULT_COSTS (use ``with_overrides``).
#: The copy paths charge dma_map + desc_prep per descriptor, doorbell per submitted chunk
#: (per batch for a one-chunk submit), irq per interrupt-driven batch wait; the variants
#: re-price those four. Every figure is an ESTIMATE (none is fitted to a seed row):
#:
#: ring              the bespoke ring driver of harness/driver.py (the defaults): 40 + 30
#:                   per descriptor, 200 per doorbell, 4000 per interrupt.
#: dmaengine         a DMAEngine client (the series' dcbm / V2-V3 drivers): per descriptor
#:                   device_prep_dma_memcpy() (take a descriptor from the channel's pool
#:                   under its lock, fill the hardware descriptor: ~250) + dmaengine_submit()
#:                   -> tx_submit() (lock, cookie assignment, list add: ~120) + the ring
#:                   write (30) = desc_prep 400; per chunk dma_async_issue_pending()
#:                   (channel lock, move submitted to issued, the MMIO doorbell: ~400);
#:                   per batch the interrupt plus the provider's tasklet that runs the
#:                   client callback and complete() (dmaengine_desc_callback_invoke):
#:                   irq 4000 + ~2000 = 6000. Sources: the call chain of
#:                   include/linux/dmaengine.h and drivers/dma/virt-dma.c (vchan_tx_submit,
#:                   vchan_cookie_complete -> tasklet); the cycle figures are estimates of
#:                   those lock/list/tasklet steps, not measurements.
#: *_iommu           dma_map_page()/dma_unmap_page() through an IOMMU in lazy (flush-queue)
#:                   mode: IOVA allocation from the per-CPU rcache, an IOMMU page-table
#:                   update, and on unmap a deferred IOTLB invalidation: ~400 per call, 4
#:                   calls (src + dst, map + unmap) = dma_map 1600 per descriptor instead of
#:                   dma-direct's 40. ESTIMATE; published measurements of Linux IOMMU
#:                   map/unmap (e.g. Peleg, Morrison, Serebrin, Tsafrir, "Utilizing the
#:                   IOMMU Scalably", USENIX ATC 2015) put one map+unmap pair from several
#:                   hundred cycles (lazy, after their fixes) to thousands (strict IOTLB
#:                   invalidation); we take the lazy end.
VARIANTS: dict[str, dict[str, float]] = {
    "ring": {},
    "ring_iommu": {"dma_map": 1600},
    "dmaengine": {"desc_prep": 400, "doorbell": 400, "irq": 6000},
    "dmaengine_iommu": {"dma_map": 1600, "desc_prep": 400, "doorbell": 400, "irq": 6000},
}


def with_overrides(base: Costs, overrides: dict | None) -> Costs:
    """``base`` with the named fields replaced (``overrides``: field name -> value; an int
    field keeps an integral value as int). Unknown names raise ValueError."""
    if not overrides:
        return base
    known = {f.name: f for f in fields(Costs)}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"unknown cost(s) {unknown}; choose from {sorted(known)}")
    values = {}
    for name, value in overrides.items():
        value = float(value)
        if value < 0:
            raise ValueError(f"cost {name} = {value}: must be >= 0")
        if known[name].type in (int, "int") and value.is_integer():
            value = int(value)
        values[name] = value
    return replace(base, **values)


def cpu_to_fabric(cpu_cycles: float, costs: Costs = DEFAULT_COSTS) -> int:
    """CPU cycles -> fabric cycles (rounded up) at ``costs``' clocks."""
    return costs.to_fabric(cpu_cycles)


def fabric_to_cpu(fabric_cycles: float, costs: Costs = DEFAULT_COSTS) -> float:
    """Fabric cycles -> CPU cycles at ``costs``' clocks."""
    return costs.to_cpu(fabric_cycles)
