"""Copy paths: how the move phase copies folio contents, selectable by name.

    generic        per-folio CPU copy inside migrate_folio_move() (the stock kernel)
    batch_cpu      batched move; folios_copy() copies every folio with the CPU, one by one
    batch_dma_v1   batched move; the seed's first driver: one 4 KiB page at a time: prep,
                   submit, issue, wait -- a DmaClient batch of a single request per page
    batch_dma      batched move; one DmaClient batch for the whole batch, submitted in growing
                   chunks (SUBMIT_CHUNKS) so that the engine copies while the client prepares
                   the rest, one interrupt at the end; a folio whose completion is not ok is
                   not marked FOLIO_CONTENT_COPIED and __migrate_folio() copies it with the
                   CPU (RFC v6's per-folio fallback)

The DMA paths are dmaengine clients of harness/driver.py (``DmaClient``), as the series'
offload driver is of a dmaengine channel: they use the driver's public calls only --
``prep_memcpy`` and ``submit`` per descriptor, ``issue_pending`` per chunk (one doorbell),
the interrupt (``wait_interrupt``: the driver's handler reaps the records and runs each
transaction's callback), ``terminate_all`` when the batch's time is up -- and ``reset()``
to recover a batch that failed.

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

Faults never cross into mm as exceptions. Whatever the client, the driver or the device
raises for hardware behaviour (driver.DriverError: timeouts, ring-protocol violations, a
reset under the batch, a dead device; device.DeviceError: a bus error or no answer on a
register, a CPU copy that never finished) becomes per-folio results here: the batch is
recovered with a SOFT_RESET (``Driver.reset()``, after which nothing writes its
destinations: FAILED, the CPU copies them, as the series' V3 does on any error), and if that
reset cannot complete the device is dead: the batch's destinations are DST_UNSAFE and every
later batch is copied by the CPU. Other exceptions are harness bugs and propagate.

Costs: the device charges its own time for register accesses and copies; the copy paths
charge the driver's CPU software from the cost table (harness/costs.py): dma_map +
desc_prep per descriptor, doorbell per submission, irq per interrupt-driven wait, poll per
busy-wait; and copy_cold once per batch, on the first CPU copy after ``batch_start()`` (mm
calls it at the start of every batch's move phase). batch_dma charges dma_map + desc_prep
+ doorbell chunk by chunk through the client's ``prepare`` callback, right before the
chunk's descriptors are prepared and issued: only the first chunk's software comes before
the engine starts, the rest runs while it copies; the irq after the last completion.
batch_dma_v1 charges everything of a page before its submit (its engine is idle then
anyway).
"""
from __future__ import annotations

import errno
import logging
from collections import Counter, deque
from dataclasses import dataclass
from typing import NoReturn

from .costs import DEFAULT_COSTS, Costs
from .device import DeviceError
from .driver import (
    DMA_PREP_INTERRUPT,
    Completion,
    Descriptor,
    DeviceDeadError,
    DmaTimeoutError,
    DriverError,
)
from .mm_types import PAGE_SIZE, CopyResult, MigrateReason, reason_mask

log = logging.getLogger(__name__)

COPY_PATHS = ("generic", "batch_cpu", "batch_dma_v1", "batch_dma")

#: reasons the series offloads by default (compaction, syscall, demotion, NUMA misplaced)
DEFAULT_OFFLOAD_REASONS = reason_mask(MigrateReason.MR_COMPACTION, MigrateReason.MR_SYSCALL,
                                      MigrateReason.MR_DEMOTION,
                                      MigrateReason.MR_NUMA_MISPLACED)


# ============================================================================ DMA client
@dataclass
class CopyRequest:
    """Copy ``length`` bytes from ``src`` to ``dst``; ``cookie`` None: the driver picks one."""

    src: int
    dst: int
    length: int
    cookie: int | None = None


class EngineResetError(DriverError):
    """``reset()`` ran under a batch: its transactions completed with status RESET.

    Requests the engine had already started were finished by the drain before the reset
    (their destinations hold the source); the others never started (destinations untouched);
    no record tells which: the caller must treat every request of the batch as not done.
    """


#: Submission schedule of ``DmaClient.copy_batch(prepare=...)``: descriptors per doorbell of
#: one queue, chunk by chunk (the last size repeats): the first doorbell after 8 descriptors,
#: then 16, then 32 at a time. Chosen by measurement: batch_dma folio_copy of make sim's 512 x 4 KiB
#: row (one queue, its memory and cost table, no jitter), CPU cycles per page on a 512-bit /
#: 1024-bit engine: one chunk (all software first) 209.5 / 145.5; (8, 16, 32) 142.0 / 90.2;
#: (8, 12, 18, 27, 32) 142.4 / 90.4; (4, 8, 16, 32, 64) 143.0 / 91.9; (8, 12, 18, 27, 40,
#: 60) 142.6 / 91.4; (8, 12, 16, 24) - / 91.5; (8, 16, 32, 64, 128) 144.8 / 98.5; (8, 12, ..,
#: 90, 128) 142.6 / 100.0; (1, 2, 4, .., 128) 145.7; (16, 32, 64, 128) 145.3; (8, 16, ..,
#: 256) 147.7. Why: software is 70 CPU cycles per descriptor + 200 per doorbell. At 512 bits
#: the engine is slower (~131 per 4 KiB page), so what counts is a small first chunk (its
#: software is all that precedes the engine) and chunks that grow no faster than the engine
#: drains them (a long doubling run falls behind it: 70 x 2k + 200 > 131 x k); at 1024 bits
#: (~67 per page) the driver is the bottleneck, and the last chunk's copy, which starts only
#: after all software, is what a cap bounds: 32 x 67 ~ 2k cycles against 200 per doorbell.
SUBMIT_CHUNKS = (8, 16, 32)


def chunk_sizes(n: int, schedule, first: int = 0) -> list[int]:
    """``n`` descriptors cut into chunks of ``schedule`` sizes, starting at its ``first``-th
    entry (the last entry repeats; the final chunk takes what is left)."""
    if not schedule or any(int(k) < 1 for k in schedule):
        raise ValueError(f"chunk schedule {schedule!r}: sizes must be >= 1")
    out = []
    i = first
    while n > 0:
        k = min(n, int(schedule[min(i, len(schedule) - 1)]))
        out.append(k)
        n -= k
        i += 1
    return out


class _Batch:
    """One batch's transactions, in request order; their callback counts them done."""

    def __init__(self, n: int):
        self.n = n
        self.txs: list[Descriptor | None] = [None] * n
        self.done = 0          #: transactions completed, whatever their status
        self.reset = 0         #: of them, dropped by a reset() (status RESET)

    def complete(self, tx: Descriptor) -> None:
        """The transactions' callback (the driver runs it once per transaction)."""
        self.done += 1
        if tx.result is not None and tx.result.status == "RESET":
            self.reset += 1

    def results(self) -> list[Completion]:
        out = [tx.result for tx in self.txs if tx is not None and tx.result is not None]
        assert len(out) == self.n, "results of a batch not done"
        return out


class DmaClient:
    """A dmaengine client of ``driver``: copies a batch of requests through its public calls.

    ``copy_batch(requests, prepare)`` splits the batch over the driver's queues in contiguous
    shares and submits it in rounds. A round takes of each queue's share what its ring has
    room for (``driver.room``): per request ``prep_memcpy`` + ``submit``, per chunk
    ``issue_pending`` (one doorbell); DMA_PREP_INTERRUPT goes on the round's last
    descriptor, plus one halfway through it when more of the share is left (the refill
    point: the client wakes while the engine still has work). Then the client sleeps on the
    interrupt (``driver.wait_interrupt``: the driver's handler reaps and the callbacks count
    what completed) and starts the next round, until every transaction has completed.

    ``prepare``: optional ``async prepare(k)``, the caller's software for the next chunk of
    ``k`` descriptors (dma_map + descriptor preparation, and the doorbell that follows it),
    awaited before the chunk is prepared and issued. With it, a round goes out in chunks of
    the ``chunks`` schedule (default SUBMIT_CHUNKS; the schedule carries on across rounds),
    queues taken round-robin chunk by chunk, so the engine starts after the first chunk and
    copies while the rest is prepared; the client never waits for the engine between
    chunks. Without it: one chunk, i.e. one doorbell per queue per round.

    Errors: a completion that is not SUCCESS is its request's result (``Completion.status``,
    records the driver cannot trust included). The batch as a whole fails with an exception:
    DmaTimeoutError when it is not done within ``driver.completion_budget(requests)`` (the
    client first calls ``terminate_all()``: the queues are aborted and reaped),
    EngineResetError when ``reset()`` ran under it, DeviceDeadError when the device is or
    becomes dead, ProtocolError / device.DeviceError from the driver's calls. After any of
    them the caller must ``reset()`` before trusting a destination of the batch again.
    """

    #: longest sleep on the interrupt before the client looks at its batch again: a reset()
    #: from another task, or the end of its time, is noticed within this many cycles
    IRQ_WAIT_SLICE = 20_000

    def __init__(self, driver, chunks=SUBMIT_CHUNKS):
        chunk_sizes(1, chunks)                      # validates the schedule
        self.driver = driver
        self.chunks = tuple(chunks)

    async def copy_batch(self, requests: list[CopyRequest], prepare=None) -> list[Completion]:
        """Copy every request; -> their Completions in request order (see the class)."""
        drv = self.driver
        n = len(requests)
        if n == 0:
            return []
        schedule = self.chunks if prepare is not None else None
        batch = _Batch(n)
        nq = min(drv.nr_queues, n)
        per = -(-n // nq)
        backlog = [deque(range(i * per, min(n, (i + 1) * per))) for i in range(nq)]
        rung = [0] * nq                             # chunks submitted so far, per queue
        budget = drv.completion_budget(requests)
        deadline = drv.dev.now() + budget
        while True:
            self._check(batch)
            if batch.done == n:
                return batch.results()
            plans = []
            for qi, todo in enumerate(backlog):
                if todo:
                    plan = self._plan_round(drv.room(qi), todo, schedule, rung[qi])
                    rung[qi] += len(plan)
                    plans.append((qi, plan))
            for j in range(max((len(p) for _, p in plans), default=0)):
                for qi, plan in plans:              # round-robin over queues, chunk by chunk
                    if j < len(plan):
                        taken, irq_at = plan[j]
                        await self._issue_chunk(batch, requests, qi, taken, irq_at, prepare)
            while True:
                self._check(batch)
                left = deadline - drv.dev.now()
                if left <= 0:
                    await self._time_out(batch, budget)
                if await drv.wait_interrupt(min(left, self.IRQ_WAIT_SLICE)):
                    break

    async def _issue_chunk(self, batch: _Batch, requests, queue: int, taken: list[int],
                           irq_at: set[int], prepare) -> None:
        """The caller's software for the chunk, then prep + submit each request of it (the
        interrupt flag on positions ``irq_at``), then issue_pending: one doorbell."""
        drv = self.driver
        self._check(batch)
        if prepare is not None:
            await prepare(len(taken))
            self._check(batch)
        for pos, i in enumerate(taken):
            r = requests[i]
            tx = drv.prep_memcpy(r.dst, r.src, r.length,
                                 flags=DMA_PREP_INTERRUPT if pos in irq_at else 0,
                                 callback=batch.complete, queue=queue, cookie=r.cookie)
            drv.submit(tx)
            batch.txs[i] = tx
        await drv.issue_pending()

    @staticmethod
    def _plan_round(room: int, todo: deque, schedule, first_chunk: int = 0) -> list:
        """Take as many requests off ``todo`` as the ring has ``room`` for; -> their chunks as
        [(request indices, positions in the chunk that get DMA_PREP_INTERRUPT)]: one chunk
        (``schedule`` None) or chunk_sizes(k, schedule, first_chunk)."""
        k = min(room, len(todo))
        if k == 0:
            return []
        irq_at = {k - 1}
        if len(todo) > k and k >= 2:
            irq_at.add((k - 1) // 2)  # refill point: wake while the engine still has work
        taken = [todo.popleft() for _ in range(k)]
        plan = []
        pos = 0
        for size in ([k] if schedule is None else chunk_sizes(k, schedule, first_chunk)):
            plan.append((taken[pos:pos + size],
                         {i - pos for i in irq_at if pos <= i < pos + size}))
            pos += size
        return plan

    def _check(self, batch: _Batch) -> None:
        """Raise if the batch cannot complete any more: the device is dead, or a reset()
        dropped some of its transactions."""
        if self.driver.dead:
            raise DeviceDeadError(f"the engine is dead: {batch.n - batch.done} of {batch.n}"
                                  " requests not completed")
        if batch.reset:
            raise EngineResetError(
                f"engine reset under the batch: {batch.reset} of {batch.n} requests have no"
                " completion (each destination holds either its source or its old contents)")

    async def _time_out(self, batch: _Batch, budget: int) -> NoReturn:
        """The batch's time is up: terminate_all() (abort and reap every queue), then raise
        DmaTimeoutError."""
        left = batch.n - batch.done
        try:
            await self.driver.terminate_all()
            how = "terminate_all() stopped the queues"
        except DmaTimeoutError as e:
            how = f"terminate_all() could not stop them either: {e}"
        raise DmaTimeoutError(f"{left} of {batch.n} requests not completed within {budget}"
                              f" cycles; {how}")


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
    """The offload driver: one DmaClient batch per migration batch, one descriptor per folio
    (pieces of folios when there are fewer folios than queues), submitted chunk by chunk
    (one doorbell per chunk, SUBMIT_CHUNKS), one interrupt at the end. ``client``: the
    DmaClient to use (default: one of ``driver``)."""

    name = "batch_dma"

    def __init__(self, dev, driver, costs: Costs = DEFAULT_COSTS, client: DmaClient | None = None):
        self.dev, self.driver, self.costs = dev, driver, costs
        self.client = client if client is not None else DmaClient(driver)
        self.failures: Counter[str] = Counter()   #: failed batches by exception name

    async def _charge(self, cpu_cycles):
        n = self.costs.to_fabric(cpu_cycles)
        if n:
            await self.dev.wait_cycles(n)

    async def dma_copy(self, requests, prepare=None) -> list[CopyResult]:
        """The client's batch -> a CopyResult per request (``prepare``: the per-chunk
        callback, see DmaClient). A completion that is not ok is FAILED. When the batch fails
        as a whole (the client, the driver or the device raised: timeout, broken ring
        protocol, a reset under the batch, a register that did not answer) the engine is
        reset, so nothing still writes the destinations, and every request is FAILED: the
        CPU copies them all, as the series' V3 does on any error. If that reset cannot
        complete, the device is dead and every request is DST_UNSAFE."""
        try:
            completions = await self.client.copy_batch(requests, prepare)
        except (DriverError, DeviceError) as e:
            self.failures[type(e).__name__] += 1
            log.warning("%s: batch of %d requests failed: %s", self.name, len(requests), e)
            return await self.recover(len(requests))
        return [CopyResult.COPIED if comp.ok else CopyResult.FAILED for comp in completions]

    async def recover(self, n: int) -> list[CopyResult]:
        """After a failed batch of ``n`` requests: reset the engine; -> the batch's results."""
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
        done = await self.dma_copy(requests, prepare)
        await self._charge(c.irq)
        pieces: list[list[CopyResult]] = [[] for _ in range(n)]
        for i, result in zip(owner, done):
            pieces[i].append(result)
        return [fold_results(p) for p in pieces]

    def descriptors(self, dst_list, src_list) -> tuple[list[CopyRequest], list[int]]:
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
                requests.append(CopyRequest(s.addr + off, d.addr + off,
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
                (page,) = await self.dma_copy(
                    [CopyRequest(src.addr + off, dst.addr + off, PAGE_SIZE)])
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
                   reasons: int = DEFAULT_OFFLOAD_REASONS,
                   client: DmaClient | None = None) -> CopyPath:
    """The copy path called ``name`` (see COPY_PATHS); DMA paths need a probed ``driver``
    and offload only migrations whose reason is in the mask ``reasons``; ``client``: their
    DmaClient (default: a DmaClient of ``driver``)."""
    if name == "generic":
        return CopyPath(name, dev, batched=False, costs=costs)
    if name == "batch_cpu":
        return CopyPath(name, dev, batched=True, costs=costs)
    if name in ("batch_dma", "batch_dma_v1"):
        if driver is None:
            raise ValueError(f"copy path {name!r} needs a driver")
        cls = DmaMigrator if name == "batch_dma" else DmaV1Migrator
        path = CopyPath(name, dev, batched=True, costs=costs)
        path.offload.migrate_offload_register(cls(dev, driver, costs, client), reasons)
        return path
    raise ValueError(f"unknown copy path {name!r}; choose from {', '.join(COPY_PATHS)}")
