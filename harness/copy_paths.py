"""Copy paths: how the move phase copies folio contents, selectable by name.

    generic        per-folio CPU copy inside migrate_folio_move() (the stock kernel)
    batch_cpu      batched move; folios_copy() copies every folio with the CPU, one by one
    batch_dma_v1   batched move; the seed's first driver: one 4 KiB page at a time: prep,
                   submit, busy-wait (poll) -- one copy_batch() of a single request per page
    batch_dma      batched move; one copy_batch() for the whole batch, submitted in growing
                   chunks (driver.SUBMIT_CHUNKS) so that the engine copies while the driver
                   prepares the rest, one interrupt at the end; a folio whose completion is
                   not ok is not marked FOLIO_CONTENT_COPIED and __migrate_folio() copies it
                   with the CPU (RFC v6's per-folio fallback)

The DMA paths register a migrator with a reason mask (migrate_offload_register(m, mask)):
migrations for other reasons copy with the CPU. One migrator at a time, as in the series.

A copy path is duck-typed by harness/mm.py: ``batched`` (which move phase to run),
``folio_copy(dst, src) -> CopyResult`` and ``folios_copy(dst_list, src_list, reason) ->
list[CopyResult]`` (mm.CopyResult: COPIED, FAILED, DST_UNSAFE), and
``batch_copy_allowed(reason)`` (which folios join the batch copy). A folio the batch copy
left FAILED is copied again by ``folio_copy()`` in the move phase (__migrate_folio(), RFC
v6's per-folio fallback); a per-folio copy that fails makes mm undo the folio (it stays at
its source); a DST_UNSAFE destination is quarantined. Folios are used through ``.addr`` and
``.nbytes`` only.

Faults never cross into mm as exceptions. Whatever the driver or the device raises for
hardware behaviour (driver.DriverError: timeouts, ring-protocol violations, a reset under
the batch, a dead device; device.DeviceError: a bus error or no answer on a register, a CPU
copy that never finished) becomes per-folio results here: the batch is recovered with a
SOFT_RESET (after which nothing writes its destinations: FAILED, the CPU copies them), and
if that reset cannot complete the device is dead: the batch's destinations are DST_UNSAFE
and every later batch is copied by the CPU. Other exceptions are harness bugs and propagate.

Costs: the device charges its own time for register accesses and copies; the copy paths
charge the driver's CPU software from the cost table (harness/costs.py): dma_map +
desc_prep per descriptor, doorbell per submission, irq per interrupt-driven wait, poll per
busy-wait; and copy_cold once per batch, on the first CPU copy after ``batch_start()`` (mm
calls it at the start of every batch's move phase). batch_dma charges dma_map + desc_prep
+ doorbell chunk by chunk through the driver's ``prepare`` callback, right before each
chunk is written and rung: only the first chunk's software comes before the engine starts,
the rest runs while it copies; the irq after the last completion. batch_dma_v1 charges
everything of a page before its submit (its engine is idle then anyway).
"""
from __future__ import annotations

import errno
import logging
from collections import Counter

from .costs import DEFAULT_COSTS, Costs
from .device import DeviceError
from .driver import CopyRequest, DriverError
from .mm_types import PAGE_SIZE, CopyResult, MigrateReason, reason_mask

log = logging.getLogger(__name__)

COPY_PATHS = ("generic", "batch_cpu", "batch_dma_v1", "batch_dma")

#: reasons the series offloads by default (compaction, syscall, demotion, NUMA misplaced)
DEFAULT_OFFLOAD_REASONS = reason_mask(MigrateReason.MR_COMPACTION, MigrateReason.MR_SYSCALL,
                                      MigrateReason.MR_DEMOTION,
                                      MigrateReason.MR_NUMA_MISPLACED)


# ============================================================================ migrators
class Migrator:
    """struct migrator: ``offload_copy(dst_list, src_list) -> per-folio success``."""

    name = "migrator"

    async def offload_copy(self, dst_list, src_list) -> list[CopyResult]:
        raise NotImplementedError


def fold_results(results) -> CopyResult:
    """One folio's result from its pieces' results: the worst wins."""
    results = list(results)
    if CopyResult.DST_UNSAFE in results:
        return CopyResult.DST_UNSAFE
    if CopyResult.FAILED in results:
        return CopyResult.FAILED
    return CopyResult.COPIED


class DmaMigrator(Migrator):
    """One copy_batch() for the whole batch: one descriptor per folio (pieces of folios when
    there are fewer folios than queues), submitted chunk by chunk (one doorbell per chunk,
    driver.SUBMIT_CHUNKS), one interrupt at the end."""

    name = "batch_dma"

    def __init__(self, dev, driver, costs: Costs = DEFAULT_COSTS, make_request=CopyRequest):
        self.dev, self.driver, self.costs = dev, driver, costs
        self.make_request = make_request
        self.failures: Counter[str] = Counter()   #: failed batches by exception name

    async def _charge(self, cpu_cycles):
        n = self.costs.to_fabric(cpu_cycles)
        if n:
            await self.dev.wait_cycles(n)

    async def copy_batch(self, requests, prepare=None) -> list[CopyResult]:
        """driver.copy_batch() -> a CopyResult per request (``prepare``: the driver's
        per-chunk callback, see Driver.copy_batch). A completion that is not ok is FAILED.
        When the batch fails as a whole (the driver or the device raised: timeout, broken
        ring protocol, a reset under the batch, a register that did not answer) the engine
        is reset, so nothing still writes the destinations, and every request is FAILED: the
        CPU copies them all, as the series' V3 does on any error. If that reset cannot
        complete, the device is dead and every request is DST_UNSAFE."""
        try:
            completions = await self.driver.copy_batch(requests, prepare=prepare)
        except (DriverError, DeviceError) as e:
            self.failures[type(e).__name__] += 1
            log.warning("%s: batch of %d requests failed: %s", self.name, len(requests), e)
            return await self._recover(len(requests))
        return [CopyResult.COPIED if comp.ok else CopyResult.FAILED for comp in completions]

    async def _recover(self, n: int) -> list[CopyResult]:
        """After a failed batch: reset the engine; -> the batch's results."""
        try:
            await self.driver.reset()
        except (DriverError, DeviceError) as e:
            log.error("%s: the engine could not be reset, no further offload: %s", self.name, e)
            return [CopyResult.DST_UNSAFE] * n
        return [CopyResult.FAILED] * n

    @property
    def alive(self) -> bool:
        """False once the driver declared the device dead: copy with the CPU instead."""
        return not self.driver.dead

    async def offload_copy(self, dst_list, src_list) -> list[CopyResult]:
        n = len(src_list)
        if not n:
            return []
        c = self.costs

        async def prepare(k: int) -> None:
            # the next chunk: map + prepare k descriptors, then the chunk's doorbell (charged
            # before the TAIL write reaches the engine: the wmb() + MMIO write complete first)
            await self._charge(k * (c.dma_map + c.desc_prep) + c.doorbell)

        requests, owner = self.descriptors(dst_list, src_list)
        done = await self.copy_batch(requests, prepare)
        await self._charge(c.irq)
        pieces: list[list[CopyResult]] = [[] for _ in range(n)]
        for i, result in zip(owner, done):
            pieces[i].append(result)
        return [fold_results(p) for p in pieces]

    def descriptors(self, dst_list, src_list) -> tuple[list, list[int]]:
        """The batch's copy requests and the folio each belongs to: one per folio, but a
        batch of fewer folios than the driver has queues has its folios cut into page-aligned
        pieces (scatter-gather segments, as V3 maps a batch) so that every queue gets work:
        one 2M folio fills a batch alone, and would otherwise run on one channel."""
        queues = getattr(self.driver, "nr_queues", 1)
        pieces = -(-queues // len(src_list))
        requests, owner = [], []
        for i, (d, s) in enumerate(zip(dst_list, src_list)):
            pages = max(1, s.nbytes // PAGE_SIZE)
            step = -(-pages // min(pieces, pages)) * PAGE_SIZE
            for off in range(0, s.nbytes, step):
                requests.append(self.make_request(s.addr + off, d.addr + off,
                                                  min(step, s.nbytes - off)))
                owner.append(i)
        return requests, owner


class DmaV1Migrator(DmaMigrator):
    """The seed's dcbm v1 driver: per 4 KiB page map, prep, submit, busy-wait, unmap."""

    name = "batch_dma_v1"

    async def offload_copy(self, dst_list, src_list) -> list[CopyResult]:
        c = self.costs
        result = []
        for dst, src in zip(dst_list, src_list):
            pages = []
            for off in range(0, src.nbytes, PAGE_SIZE):
                if not self.alive:                   # died under this folio: the rest FAILED
                    pages.append(CopyResult.FAILED)
                    continue
                await self._charge(c.dma_map + c.desc_prep + c.doorbell)
                (page,) = await self.copy_batch(
                    [self.make_request(src.addr + off, dst.addr + off, PAGE_SIZE)])
                await self._charge(c.poll)
                pages.append(page)
            result.append(fold_results(pages))
        return result


class MigrateOffload:
    """The one migrator slot: migrate_offload_register(m, reason_mask) / unregister(m)."""

    def __init__(self):
        self.migrator: Migrator | None = None
        self.reason_mask = 0

    def migrate_offload_register(self, m: Migrator, mask: int) -> int:
        if self.migrator is not None:
            return -errno.EBUSY
        self.migrator, self.reason_mask = m, mask
        return 0

    def migrate_offload_unregister(self, m: Migrator) -> int:
        if self.migrator is not m:
            return -errno.EINVAL
        self.migrator, self.reason_mask = None, 0
        return 0

    def should_offload(self, reason: MigrateReason) -> bool:
        """A migrator is registered, takes ``reason``, and its device is alive."""
        return (self.migrator is not None and bool(self.reason_mask >> int(reason) & 1)
                and getattr(self.migrator, "alive", True))


# ============================================================================ copy paths
class CopyPath:
    """A CPU copier, optionally with an offload slot (batched paths only)."""

    def __init__(self, name: str, dev, batched: bool, offload: MigrateOffload | None = None,
                 costs: Costs = DEFAULT_COSTS):
        self.name, self.dev, self.batched, self.costs = name, dev, batched, costs
        self.cold = True              #: the next CPU copy is the first of its batch
        self.offload = offload if offload is not None else MigrateOffload()
        self.nr_cpu_folios = 0        #: folios copied by the CPU (incl. fallbacks)
        self.nr_offloaded_folios = 0  #: folios handed to the migrator
        self.nr_fallback_folios = 0   #: offloaded folios the CPU had to copy again
        self._not_copied: set = set() #: dsts the offload did not copy (fallback pending)

    def batch_start(self) -> None:
        """A batch's move phase begins: its first CPU copy pays costs.copy_cold."""
        self.cold = True

    async def cpu_folio_copy(self, dst, src) -> CopyResult:
        """folio_mc_copy(): the CPU copy model, one 4 KiB page after the other
        as the kernel's loop of copy_highpage() does (a core's L2 prefetcher does not cross
        a page either); FAILED on a bus error, at the first page that fails (folio_mc_copy);
        DST_UNSAFE if the copy did not finish (the CPU copy model stopped answering)."""
        self.nr_cpu_folios += 1
        if self.cold:
            self.cold = False
            n = self.costs.to_fabric(self.costs.copy_cold)
            if n:
                await self.dev.wait_cycles(n)
        for off in range(0, src.nbytes, PAGE_SIZE):
            try:
                ok = await self.dev.cpu_copy(src.addr + off, dst.addr + off, PAGE_SIZE)
            except DeviceError as e:
                log.error("%s: CPU copy of %#x -> %#x did not finish: %s", self.name,
                          src.addr + off, dst.addr + off, e)
                return CopyResult.DST_UNSAFE
            if not ok:
                return CopyResult.FAILED
        return CopyResult.COPIED

    def batch_copy_allowed(self, reason: MigrateReason) -> bool:
        """Whether folios migrated for ``reason`` join the batch copy (RFC v6: the reason is
        allowed by the registered migrator; with none registered, batch_cpu's CPU batch
        copy takes every reason). Not whether the device is alive: a dead device's batch is
        copied by the CPU in folios_copy()."""
        if self.offload.migrator is None:
            return True
        return bool(self.offload.reason_mask >> int(reason) & 1)

    async def folio_copy(self, dst, src) -> CopyResult:
        """folio_mc_copy() in __migrate_folio(): see cpu_folio_copy; a folio the batch copy
        left uncopied (FAILED) counts as a per-folio fallback."""
        if dst in self._not_copied:
            self._not_copied.discard(dst)
            self.nr_fallback_folios += 1
        return await self.cpu_folio_copy(dst, src)

    async def folios_copy(self, dst_list, src_list, reason: MigrateReason) -> list[CopyResult]:
        """The batch copy: the migrator's offload_copy() if one is registered for this
        reason and its device is alive, else the CPU, folio by folio. No fallback here: a
        folio that is not COPIED is copied again by __migrate_folio() (RFC v6's per-folio
        fallback through FOLIO_CONTENT_COPIED), unless it is DST_UNSAFE."""
        if not self.offload.should_offload(reason):
            return [await self.cpu_folio_copy(d, s) for d, s in zip(dst_list, src_list)]
        self.nr_offloaded_folios += len(src_list)
        migrator = self.offload.migrator
        assert migrator is not None                     # should_offload() said so
        copied = await migrator.offload_copy(dst_list, src_list)
        for dst, result in zip(dst_list, copied):
            if result is CopyResult.FAILED:
                self._not_copied.add(dst)
        return copied


def make_copy_path(name: str, dev, costs: Costs = DEFAULT_COSTS, driver=None,
                   reasons: int = DEFAULT_OFFLOAD_REASONS) -> CopyPath:
    """The copy path called ``name`` (see COPY_PATHS); DMA paths need a probed ``driver``
    and offload only migrations whose reason is in the mask ``reasons``."""
    if name == "generic":
        return CopyPath(name, dev, batched=False, costs=costs)
    if name == "batch_cpu":
        return CopyPath(name, dev, batched=True, costs=costs)
    if name in ("batch_dma", "batch_dma_v1"):
        if driver is None:
            raise ValueError(f"copy path {name!r} needs a driver")
        cls = DmaMigrator if name == "batch_dma" else DmaV1Migrator
        path = CopyPath(name, dev, batched=True, costs=costs)
        path.offload.migrate_offload_register(cls(dev, driver, costs), reasons)
        return path
    raise ValueError(f"unknown copy path {name!r}; choose from {', '.join(COPY_PATHS)}")
