"""Copy paths: how the move phase copies folio contents, selectable by name.

    generic        per-folio CPU copy inside migrate_folio_move() (the stock kernel)
    batch_cpu      batched move; folios_copy() copies every folio with the CPU, one by one
    batch_dma_v1   batched move; the seed's first driver: one 4 KiB page at a time: prep,
                   submit, busy-wait (poll) -- one copy_batch() of a single request per page
    batch_dma      batched move; one copy_batch() for the whole batch, submitted in growing
                   chunks (driver.SUBMIT_CHUNKS) so that the engine copies while the driver
                   prepares the rest, one interrupt at the end, per-folio CPU fallback for
                   any folio whose completion is not ok (the series' FOLIO_CONTENT_COPIED)

The DMA paths register a migrator with a reason mask (migrate_offload_register(m, mask)):
migrations for other reasons copy with the CPU. One migrator at a time, as in the series.

A copy path is duck-typed by harness/mm.py: ``batched`` (which move phase to run),
``folio_copy(dst, src) -> bool`` and ``folios_copy(dst_list, src_list, reason) -> list[bool]``.
A False means the folio could not be copied at all: mm undoes it (it stays at its source).
Folios are used through ``.addr`` and ``.nbytes`` only.

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

from .costs import DEFAULT_COSTS, Costs
from .mm import PAGE_SIZE, MigrateReason, reason_mask

COPY_PATHS = ("generic", "batch_cpu", "batch_dma_v1", "batch_dma")

#: reasons the series offloads by default (compaction, syscall, demotion, NUMA misplaced)
DEFAULT_OFFLOAD_REASONS = reason_mask(MigrateReason.MR_COMPACTION, MigrateReason.MR_SYSCALL,
                                      MigrateReason.MR_DEMOTION,
                                      MigrateReason.MR_NUMA_MISPLACED)


def _copy_request(src: int, dst: int, length: int):
    from .driver import CopyRequest
    return CopyRequest(src, dst, length)


# ============================================================================ migrators
class Migrator:
    """struct migrator: ``offload_copy(dst_list, src_list) -> per-folio success``."""

    name = "migrator"

    async def offload_copy(self, dst_list, src_list) -> list[bool]:
        raise NotImplementedError


class DmaMigrator(Migrator):
    """One copy_batch() for the whole batch: one descriptor per folio (pieces of folios when
    there are fewer folios than queues), submitted chunk by chunk (one doorbell per chunk,
    driver.SUBMIT_CHUNKS), one interrupt at the end."""

    name = "batch_dma"

    def __init__(self, dev, driver, costs: Costs = DEFAULT_COSTS, make_request=_copy_request):
        self.dev, self.driver, self.costs = dev, driver, costs
        self.make_request = make_request

    async def _charge(self, cpu_cycles):
        n = self.costs.to_fabric(cpu_cycles)
        if n:
            await self.dev.wait_cycles(n)

    async def copy_batch(self, requests, prepare=None) -> list[bool]:
        """driver.copy_batch() -> per-request success (``prepare``: the driver's per-chunk
        callback, see Driver.copy_batch). When the engine fails the batch as a
        whole - it timed out (it is then reset, so nothing still writes the destinations) or
        was reset under the batch - every request counts as failed: the CPU copies them all,
        as the series' V3 does on any error."""
        from .driver import DmaTimeoutError, EngineResetError
        try:
            completions = await self.driver.copy_batch(requests, prepare=prepare)
        except DmaTimeoutError:
            await self.driver.reset()
            return [False] * len(requests)
        except EngineResetError:
            return [False] * len(requests)
        return [comp.ok for comp in completions]

    async def offload_copy(self, dst_list, src_list) -> list[bool]:
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
        ok = [True] * n
        for i, good in zip(owner, done):
            ok[i] = ok[i] and good
        return ok

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

    async def offload_copy(self, dst_list, src_list) -> list[bool]:
        c = self.costs
        result = []
        for dst, src in zip(dst_list, src_list):
            ok = True
            for off in range(0, src.nbytes, PAGE_SIZE):
                await self._charge(c.dma_map + c.desc_prep + c.doorbell)
                (page_ok,) = await self.copy_batch(
                    [self.make_request(src.addr + off, dst.addr + off, PAGE_SIZE)])
                await self._charge(c.poll)
                ok = ok and page_ok
            result.append(ok)
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
        return self.migrator is not None and bool(self.reason_mask >> int(reason) & 1)


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

    def batch_start(self) -> None:
        """A batch's move phase begins: its first CPU copy pays costs.copy_cold."""
        self.cold = True

    async def folio_copy(self, dst, src) -> bool:
        """folio_copy() / folio_mc_copy(): the CPU copy model, one 4 KiB page after the other
        as the kernel's loop of copy_highpage() does (a core's L2 prefetcher does not cross
        a page either); False on a bus error, at the first page that fails (folio_mc_copy)."""
        self.nr_cpu_folios += 1
        if self.cold:
            self.cold = False
            n = self.costs.to_fabric(self.costs.copy_cold)
            if n:
                await self.dev.wait_cycles(n)
        for off in range(0, src.nbytes, PAGE_SIZE):
            if not await self.dev.cpu_copy(src.addr + off, dst.addr + off, PAGE_SIZE):
                return False
        return True

    async def folios_copy(self, dst_list, src_list, reason: MigrateReason) -> list[bool]:
        """Copy a batch: offload if a migrator takes this reason, else the CPU one by one."""
        if not self.offload.should_offload(reason):
            return [await self.folio_copy(d, s) for d, s in zip(dst_list, src_list)]
        self.nr_offloaded_folios += len(src_list)
        copied = await self.offload.migrator.offload_copy(dst_list, src_list)
        for i, ok in enumerate(copied):
            if not ok:                               # not FOLIO_CONTENT_COPIED: CPU, per folio
                self.nr_fallback_folios += 1
                copied[i] = await self.folio_copy(dst_list[i], src_list[i])
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
