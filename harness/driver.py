"""The foliodma driver: rings, doorbells, completions, interrupts.

Shaped like a Linux dmaengine driver for a descriptor-ring engine. Its clients (the copy
paths' ``copy_paths.DmaClient``, the tests) use the public API only; by dmaengine
counterpart:

* ``prep_memcpy(dst, src, length, flags, callback, queue)`` -> ``Descriptor``
                    -- device_prep_dma_memcpy: a transaction, not yet handed to the driver;
* ``submit(tx)`` -> cookie
                    -- dmaengine_submit: queued in the driver, not yet visible to the engine;
* ``await issue_pending()``
                    -- dma_async_issue_pending: the submitted descriptors go into the rings
                       (as many as they have room for, ``room(queue)``), then one doorbell
                       (TAIL write) per queue;
* ``await wait_interrupt(timeout_cycles)``
                    -- the interrupt: sleep on the engine's irq line (no register access
                       meanwhile), then run the interrupt handler: acknowledge IRQ_STATUS,
                       reap the queues that raised it (read HEAD and the records, run the
                       callbacks), issue what waited for ring room;
* ``await poll()``  -- the same work for every queue with descriptors in flight, interrupt
                       or not (what a polling client calls);
* ``await wait(cookie)`` -> ``Completion``
                    -- dma_sync_wait: issue pending work, then sleep on the interrupt (and
                       poll HEAD every ``WAIT_POLL_CYCLES``) until that transaction is done;
* ``tx_status(cookie)`` -> ``DmaStatus``
                    -- dmaengine_tx_status, from what has been reaped (no register access);
* ``await terminate_all()``
                    -- dmaengine_terminate_sync: ABORT every queue with work, reap everything
                       (unstarted descriptors complete ABORTED; unissued ones too, without
                       reaching the engine).

Each transaction ends exactly once: ``tx.result`` is its ``Completion`` and its callback
runs with the transaction. Around them:

* ``probe()``       -- check ID / CONFIG, soft-reset, program the queues, enable IRQ + engine;
* ``reset()``       -- global SOFT_RESET (waits, in simulated cycles, for the engine to drain
                       what is in flight) and reprogram. Every transaction still in the
                       driver then completes with status ``RESET`` (the engine finished or
                       dropped it; no record says which). A reset that does not complete (the
                       engine cannot drain: a bus that never answers, a queue too slow to
                       finish) or a device that stops answering makes the device *dead*:
                       ``dead`` is set, ``DeviceDeadError`` is raised, and ``prep_memcpy`` /
                       ``issue_pending`` raise it from then on. Transactions in flight then
                       never complete and may still be written by the engine at any time:
                       their destinations must never be reused;
* ``room(queue)``, ``outstanding()``, ``completion_budget(transactions)``: how many more
  transactions a queue's ring takes now, how many are in the rings unreaped, how long a wait
  for some transactions may take before it counts as a timeout.

Records the driver cannot trust. A record the engine reports it could not write (queue
STATUS.RECORD_ERROR, REC_FAULTS) or a record that is stale or foreign (status PENDING or
unknown, or another cookie) becomes a Completion with status ``RECORD_LOST`` or
``CORRUPT_RECORD``: never ok, never an exception. HEAD passed it, so the engine has finished
with that descriptor and its destination may be rewritten by the CPU. ``CORRUPT_RECORD``
without an engine report is a protocol violation: it is also counted in ``protocol_errors``.
A descriptor the engine could not read carries cookie 0 in its record (FETCH_ERROR, or
ABORTED when the abort came before a good fetch): it is matched by its slot. A HEAD outside
the ring or past TAIL raises ``ProtocolError`` from the call that read it.

Ring discipline (see ``layout``): a queue's ring has 2**order slots; the driver fills slot
TAIL and then writes TAIL (the doorbell); the engine completes slot HEAD, writes its record at
comp_base + slot * 32, then advances HEAD. The ring is empty when HEAD == TAIL and the driver
keeps at most 2**order - 1 descriptors outstanding. Ring arithmetic lives in small pure
functions below so it is testable without a device.

Where the rings live: unless told otherwise, all queues' rings and completion areas sit in
one region at the top of node 0 (``default_dma_region``); the mm model must not allocate
folios there (``Driver.dma_region`` gives [lo, hi)).
"""
from __future__ import annotations

import enum
import logging
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import layout
from .device import Device, DeviceError

log = logging.getLogger(__name__)

DESC_BYTES = layout.DESCRIPTOR.itemsize
COMP_BYTES = layout.COMPLETION.itemsize
_STATUS_CODES = {name: code for code, name in layout.STATUS_NAMES.items()}
_U32 = (1 << 32) - 1
_U64 = (1 << 64) - 1


# ------------------------------------------------------------------------ ring arithmetic
def ring_size(order: int) -> int:
    """Slots in a ring of order ``order``."""
    return 1 << order


def ring_advance(index: int, n: int, order: int) -> int:
    """``index`` moved forward by ``n`` slots, wrapping at the ring size."""
    return (index + n) & (ring_size(order) - 1)


def ring_used(head: int, tail: int, order: int) -> int:
    """Descriptors outstanding between ``head`` (engine) and ``tail`` (driver)."""
    return (tail - head) & (ring_size(order) - 1)


def ring_free(head: int, tail: int, order: int) -> int:
    """Slots the driver may still fill: one slot always stays empty (full != empty)."""
    return ring_size(order) - 1 - ring_used(head, tail, order)


def ring_spans(start: int, n: int, order: int) -> list[tuple[int, int]]:
    """The ``n`` slots from ``start`` as contiguous (first slot, count) spans (1 or 2)."""
    size = ring_size(order)
    if not 0 <= n <= size:
        raise ValueError(f"{n} slots do not fit a ring of {size}")
    if n == 0:
        return []
    first = min(n, size - start)
    spans = [(start, first)]
    if n > first:
        spans.append((0, n - first))
    return spans


#: prep_memcpy flag (dmaengine's DMA_PREP_INTERRUPT): raise the queue interrupt when this
#: transaction completes (the descriptor's DESC_FLAG_IRQ)
DMA_PREP_INTERRUPT = layout.DESC_FLAG_IRQ


class DmaStatus(enum.Enum):
    """dmaengine's enum dma_status, as ``tx_status`` reports it."""

    IN_PROGRESS = "in_progress"   #: submitted, no record reaped yet
    COMPLETE = "complete"         #: reaped with status SUCCESS
    ERROR = "error"               #: reaped with any other status (``tx.result`` says which)


def default_dma_region(node_bytes: int, nr_queues: int, ring_order: int) -> tuple[int, int]:
    """[lo, hi) of the default ring + completion region: the top of node 0, 4 KiB aligned.

    Inside it: the rings of queues 0..n-1 back to back, then their completion areas.
    """
    size = 2 * nr_queues * ring_size(ring_order) * DESC_BYTES
    lo = (node_bytes - size) & ~0xFFF
    if lo < 0:
        raise ValueError("rings do not fit in node 0")
    return lo, lo + size


# ---------------------------------------------------------------------------- data types
@dataclass(frozen=True)
class Completion:
    """The engine's completion record for one request, as the driver hands it back."""

    cookie: int
    status: str            #: a name from layout.STATUS_NAMES
    bytes_completed: int
    fault_addr: int

    @property
    def ok(self) -> bool:
        return self.status == "SUCCESS"

    @property
    def code(self) -> int:
        """The record's status code; -1 for the driver's own RECORD_LOST / CORRUPT_RECORD."""
        return _STATUS_CODES.get(self.status, -1)


class DriverError(RuntimeError):
    """Base of the driver's errors."""


class ProbeError(DriverError):
    """ID or CONFIG is not what this driver supports."""


class ProtocolError(DriverError):
    """The engine broke the ring protocol (stale or foreign completion record, bad HEAD)."""


class DmaTimeoutError(DriverError):
    """Transactions did not complete within their budget of simulated cycles."""


class DeviceDeadError(DriverError):
    """The engine could not be stopped or stopped answering: no further offload on it.

    Raised by the ``reset()`` that found out (chained to the cause) and by every later
    ``prep_memcpy()`` / ``issue_pending()``. Destinations of transactions in flight at that
    moment may still be written by the engine: the caller must quarantine them."""


@dataclass(eq=False)
class Descriptor:
    """One memcpy transaction (dmaengine's dma_async_tx_descriptor), made by
    ``Driver.prep_memcpy``. ``cookie`` is None until ``Driver.submit`` assigns it (or the
    one asked for in prep_memcpy); ``result`` is None until the transaction completes;
    ``callback(tx)`` then runs once."""

    src: int
    dst: int
    length: int
    flags: int = 0
    queue: int = 0
    callback: Callable[["Descriptor"], None] | None = None
    cookie: int | None = None
    result: Completion | None = None
    submitted: bool = False

    @property
    def done(self) -> bool:
        return self.result is not None

    @property
    def submitted_cookie(self) -> int:
        """The cookie of a submitted transaction (``submit`` assigned it)."""
        if self.cookie is None:
            raise DriverError("transaction not submitted: it has no cookie")
        return self.cookie


@dataclass
class Inflight:
    """A descriptor in a ring slot: its transaction (and its cookie and length: what the
    record must carry, and what bounds the drain time of a soft reset)."""

    tx: Descriptor

    @property
    def cookie(self) -> int:
        return self.tx.submitted_cookie

    @property
    def length(self) -> int:
        return self.tx.length


class Queue:
    """Driver-side state of one hardware queue."""

    def __init__(self, index: int, ring_base: int, comp_base: int, order: int):
        if not 1 <= order <= 16:
            raise ValueError(f"ring order {order} out of 1..16")
        self.index = index
        self.ring_base = ring_base
        self.comp_base = comp_base
        self.order = order
        self.head = 0       #: next slot the engine completes (as last read from HEAD)
        self.tail = 0       #: next slot the driver fills (as last written to TAIL)
        self.inflight: dict[int, Inflight] = {}
        self.submitted: deque[Descriptor] = deque()   #: submit()ted, not issued yet

    @property
    def size(self) -> int:
        return ring_size(self.order)

    @property
    def used(self) -> int:
        return ring_used(self.head, self.tail, self.order)

    @property
    def free(self) -> int:
        return ring_free(self.head, self.tail, self.order)

    def desc_addr(self, slot: int) -> int:
        return self.ring_base + slot * DESC_BYTES

    def comp_addr(self, slot: int) -> int:
        return self.comp_base + slot * COMP_BYTES

    def spans(self, start: int, n: int) -> list[tuple[int, int]]:
        return ring_spans(start, n, self.order)

    def reg(self, name: str) -> int:
        return layout.queue_reg(self.index, name)


# ---------------------------------------------------------------------------- the driver
class Driver:
    """Drives a foliodma engine through a ``Device``.

    ``ring_base`` / ``comp_base``: where queue 0's ring / completion area start (queue q's
    follow at + q * 32 * 2**ring_order); default: ``default_dma_region`` of node 0.
    ``irq_count`` / ``irq_timeout``: the queues' coalescing registers (0: off).
    ``timeout_cycles``: how long a wait for transactions may take, in fabric cycles
    (``completion_budget``: ``wait``, ``terminate_all``, a client's batch); None: 100000 +
    1000 per transaction + 8 cycles per bus beat of their data.
    ``reset_timeout_cycles``: how long ``reset()`` waits for SOFT_RESET to self-clear (the
    engine first finishes what it has started); None: 100000 + 8 cycles per bus beat of the
    requests in flight.
    """

    #: longest pause between two polls of SOFT_RESET, in fabric cycles
    RESET_POLL_MAX = 1024
    #: longest sleep of ``wait()`` / ``terminate_all()`` on the interrupt before they poll
    #: HEAD anyway (a transaction without DMA_PREP_INTERRUPT raises no interrupt)
    WAIT_POLL_CYCLES = 2_000

    def __init__(self, dev: Device, nr_queues: int = 1, ring_order: int = 9,
                 ring_base: int | None = None, comp_base: int | None = None,
                 irq_count: int = 0, irq_timeout: int = 0,
                 timeout_cycles: int | None = None, reset_timeout_cycles: int | None = None):
        if not 1 <= nr_queues <= layout.MAX_QUEUES:
            raise ValueError(f"nr_queues {nr_queues} out of 1..{layout.MAX_QUEUES}")
        self.dev = dev
        self.nr_queues = nr_queues
        self.ring_order = ring_order
        self.irq_count = irq_count
        self.irq_timeout = irq_timeout
        self.timeout_cycles = timeout_cycles
        self.reset_timeout_cycles = reset_timeout_cycles
        self._epoch = 0     #: bumped by every reset(): work begun before it is void
        area = ring_size(ring_order) * DESC_BYTES
        if ring_base is None:
            lo, _ = default_dma_region(dev.node_bytes, nr_queues, ring_order)
            ring_base = lo
        if comp_base is None:
            comp_base = ring_base + nr_queues * area
        for base in (ring_base, comp_base):
            if base % DESC_BYTES or base < 0 or base + nr_queues * area > dev.mem_bytes:
                raise ValueError(f"ring/completion area at {base:#x} misaligned or outside memory")
        self.queues = [Queue(q, ring_base + q * area, comp_base + q * area, ring_order)
                       for q in range(nr_queues)]
        self.dma_region = (min(ring_base, comp_base), max(ring_base, comp_base) + nr_queues * area)
        self.bus_bytes = dev.bus_bytes
        self.hw_queues = 0
        self.bursts_in_flight = 0
        self.probed = False
        self.dead = False           #: the engine could not be stopped: no further offload
        self.protocol_errors = 0    #: records that were stale or foreign, unreported
        self._next_cookie = 1
        self._txs: dict[int, Descriptor] = {}   #: submitted transactions not completed, by cookie
        #: submitted transactions, by cookie, while anyone holds them (tx_status, wait)
        self._known: weakref.WeakValueDictionary[int, Descriptor] = weakref.WeakValueDictionary()

    # ------------------------------------------------------------------ probe / reset
    async def probe(self) -> None:
        """Check the engine, soft-reset it, program the queues, enable interrupts and engine."""
        dev_id = await self.dev.read_reg(layout.global_reg("ID"))
        if dev_id != layout.ENGINE_ID:
            raise ProbeError(f"ID {dev_id:#010x}, expected {layout.ENGINE_ID:#010x}")
        config = layout.unpack_config(await self.dev.read_reg(layout.global_reg("CONFIG")))
        self.hw_queues = config.nr_queues
        self.bus_bytes = config.bus_bytes
        self.bursts_in_flight = config.bursts_in_flight
        if self.hw_queues < self.nr_queues:
            raise ProbeError(f"engine has {self.hw_queues} queues, driver wants {self.nr_queues}")
        if self.bus_bytes != self.dev.bus_bytes:
            raise ProbeError(f"CONFIG says {self.bus_bytes}-byte bus, device {self.dev.bus_bytes}")
        await self.reset()
        self.probed = True

    def _reset_timeout(self) -> int:
        if self.reset_timeout_cycles is not None:
            return self.reset_timeout_cycles
        nbytes = sum(i.length for q in self.queues for i in q.inflight.values())
        return 100_000 + 8 * (nbytes // self.bus_bytes)

    async def reset(self) -> None:
        """Global SOFT_RESET, then reprogram every queue.

        The engine stops taking new descriptors, finishes the ones it has started (records
        written, HEAD advanced), then resets itself and clears SOFT_RESET; descriptors not
        started are dropped without a record. That drain can take as long as the largest
        descriptor in flight, so SOFT_RESET is polled by simulated time (within
        ``reset_timeout_cycles``), not by a number of reads. Every transaction still in the
        driver (issued or not) then completes with status ``RESET``; a submission or a reap
        running in another task at that moment abandons its work.
        """
        self._epoch += 1            # before any await: concurrent driver work stops here
        if self.dead:
            raise DeviceDeadError("reset() of a dead device")
        try:
            await self._soft_reset()
            self._epoch += 1        # and work begun during this reset() is void too
            await self._program()
        except (DmaTimeoutError, DeviceError) as e:
            self.dead = True
            raise DeviceDeadError(f"engine declared dead: {e}") from e

    async def _soft_reset(self) -> None:
        """Write SOFT_RESET and poll it, by simulated time, until it self-clears."""
        budget = self._reset_timeout()
        ctrl = layout.global_reg("CONTROL")
        start = self.dev.now()
        await self.dev.write_reg(ctrl, layout.CTRL_SOFT_RESET)
        step = 16
        while await self.dev.read_reg(ctrl) & layout.CTRL_SOFT_RESET:
            waited = self.dev.now() - start
            if waited >= budget:
                busy = await self.dev.read_reg(layout.global_reg("STATUS"))
                raise DmaTimeoutError(
                    f"SOFT_RESET did not self-clear within {budget} cycles (waited {waited},"
                    f" engine STATUS {busy:#x}): the engine could not drain its work in flight")
            await self.dev.wait_cycles(min(step, budget - waited))
            step = min(2 * step, self.RESET_POLL_MAX)

    async def _program(self) -> None:
        dev = self.dev
        await dev.write_reg(layout.global_reg("CONTROL"), 0)
        area = ring_size(self.ring_order) * DESC_BYTES
        zeros = np.zeros(area, dtype=np.uint8)
        for q in self.queues:
            await dev.write_reg(q.reg("CONTROL"), 0)
            await dev.write_reg(q.reg("RING_BASE_LO"), q.ring_base & _U32)
            await dev.write_reg(q.reg("RING_BASE_HI"), q.ring_base >> 32)
            await dev.write_reg(q.reg("COMP_BASE_LO"), q.comp_base & _U32)
            await dev.write_reg(q.reg("COMP_BASE_HI"), q.comp_base >> 32)
            await dev.write_reg(q.reg("RING_ORDER"), q.order)
            await dev.write_reg(q.reg("IRQ_COUNT"), self.irq_count)
            await dev.write_reg(q.reg("IRQ_TIMEOUT"), self.irq_timeout)
            await dev.mem_write(q.ring_base, zeros)
            await dev.mem_write(q.comp_base, zeros)
            head = await dev.read_reg(q.reg("HEAD")) & (q.size - 1)
            q.head = q.tail = head
            lost = [i.tx for i in q.inflight.values()] + list(q.submitted)
            q.inflight.clear()
            q.submitted.clear()
            for tx in lost:     # the reset dropped them: no record will ever say how far
                self._finish(tx, Completion(tx.submitted_cookie, "RESET", 0, 0))
            await dev.write_reg(q.reg("TAIL"), q.tail)
        mask = (1 << self.nr_queues) - 1
        await dev.write_reg(layout.global_reg("IRQ_STATUS"), _U32)
        await dev.write_reg(layout.global_reg("IRQ_ENABLE"), mask)
        for q in self.queues:
            await dev.write_reg(q.reg("CONTROL"), layout.QCTRL_ENABLE)
        await dev.write_reg(layout.global_reg("CONTROL"), layout.CTRL_ENABLE)

    # ------------------------------------------------------------------ budgets, room
    def completion_budget(self, transactions) -> int:
        """Fabric cycles a wait for ``transactions`` (anything with a ``length``) may take
        before it counts as a timeout: ``timeout_cycles`` if set, else 100000 + 1000 per
        transaction + 8 per bus beat of their data."""
        if self.timeout_cycles is not None:
            return self.timeout_cycles
        beats = sum(t.length for t in transactions) // self.bus_bytes
        return 100_000 + 1000 * len(transactions) + 8 * beats

    def room(self, queue: int) -> int:
        """How many more transactions ``queue``'s ring takes now: ``issue_pending`` hands up
        to this many submitted ones to the engine at once (the rest wait in the driver until
        a reap frees slots)."""
        q = self.queues[queue]
        return max(0, q.free - len(q.submitted))

    def outstanding(self) -> int:
        """Descriptors written to the rings and not reaped yet (0 when all is reaped)."""
        return sum(len(q.inflight) for q in self.queues)

    # ------------------------------------------------------------------ dmaengine API
    def prep_memcpy(self, dst: int, src: int, length: int, flags: int = 0,
                    callback: Callable[[Descriptor], None] | None = None, queue: int = 0,
                    cookie: int | None = None) -> Descriptor:
        """A memcpy transaction of ``length`` bytes from ``src`` to ``dst`` on ``queue``
        (device_prep_dma_memcpy). ``flags``: 0 or DMA_PREP_INTERRUPT. ``cookie``: the one
        the descriptor carries (default: the driver picks one at ``submit``). Nothing is
        written anywhere until ``issue_pending``. DriverError before ``probe()``,
        DeviceDeadError on a dead device; ValueError if a value does not fit the
        descriptor's fields (the engine's own rules, e.g. alignment, are its to report:
        BAD_DESCRIPTOR)."""
        if not self.probed:
            raise DriverError("prep_memcpy before probe()")
        if self.dead:
            raise DeviceDeadError("prep_memcpy on a dead device")
        if not (0 <= src <= _U64 and 0 <= dst <= _U64 and 0 <= length <= _U32):
            raise ValueError(f"memcpy {src:#x} -> {dst:#x} ({length}) does not fit a descriptor")
        if flags & ~DMA_PREP_INTERRUPT:
            raise ValueError(f"unknown prep flags {flags:#x}")
        if not 0 <= queue < self.nr_queues:
            raise ValueError(f"queue {queue} out of 0..{self.nr_queues - 1}")
        if cookie is not None and not 0 <= cookie <= _U64:
            raise ValueError(f"cookie {cookie} does not fit 64 bits")
        return Descriptor(src, dst, length, flags, queue, callback, cookie)

    def submit(self, tx: Descriptor) -> int:
        """Queue ``tx`` in the driver (dmaengine_submit) and return its cookie. The engine
        sees it only after ``issue_pending``. ValueError if ``tx`` was submitted before or
        its cookie belongs to a transaction not yet completed."""
        if tx.submitted:
            raise ValueError(f"transaction {tx.cookie} submitted twice")
        if tx.cookie is None:
            tx.cookie = self._next_cookie
            self._next_cookie = (self._next_cookie % _U64) + 1
        if tx.cookie in self._txs:
            raise ValueError(f"cookie {tx.cookie:#x} is still in flight")
        tx.submitted = True
        self._txs[tx.cookie] = tx
        self._known[tx.cookie] = tx
        self.queues[tx.queue].submitted.append(tx)
        return tx.cookie

    async def issue_pending(self) -> None:
        """Write the submitted transactions into their queues' rings, as many as each ring
        has free slots, and ring each queue's doorbell once (dma_async_issue_pending). What
        does not fit stays submitted and goes out after a later reap (``wait_interrupt``,
        ``poll``)."""
        if not self.probed:
            raise DriverError("issue_pending before probe()")
        if self.dead:
            raise DeviceDeadError("issue_pending on a dead device")
        for q in self.queues:
            k = min(q.free, len(q.submitted))
            if k:
                await self._write_and_ring(q, [q.submitted.popleft() for _ in range(k)])

    async def wait_interrupt(self, timeout_cycles: int) -> bool:
        """Sleep on the engine's interrupt line for at most ``timeout_cycles`` fabric cycles
        (no register access meanwhile); if it fired, run the interrupt handler: acknowledge
        IRQ_STATUS, reap the queues whose bit was set (their transactions complete, the
        callbacks run), then issue what waited for ring room. -> whether it fired."""
        if not await self.dev.wait_irq(timeout_cycles=timeout_cycles):
            return False
        await self._service(interrupt=True)
        return True

    async def poll(self) -> int:
        """The interrupt handler's work for every queue with descriptors in flight, whether
        it raised the interrupt or not: acknowledge IRQ_STATUS, read HEAD, complete the
        transactions whose records are final (callbacks run), then issue what waited for
        ring room. -> how many transactions completed."""
        return await self._service(interrupt=False)

    def tx_status(self, cookie: int) -> DmaStatus:
        """Where transaction ``cookie`` stands, as last reaped (dmaengine_tx_status; no
        register access: ``poll`` brings it up to date). KeyError for a cookie never
        submitted (or whose transaction nobody holds any more)."""
        tx = self._known[cookie]
        if not tx.done:
            return DmaStatus.IN_PROGRESS
        return DmaStatus.COMPLETE if tx.result is not None and tx.result.ok else DmaStatus.ERROR

    async def wait(self, cookie: int, timeout_cycles: int | None = None) -> Completion:
        """Issue pending work, then wait until transaction ``cookie`` completes
        (dma_sync_wait) -> its Completion. Sleeps on the interrupt and polls at least every
        ``WAIT_POLL_CYCLES``. DmaTimeoutError after ``timeout_cycles`` (default: the
        ``completion_budget`` of that one transaction)."""
        tx = self._known[cookie]                        # KeyError: never submitted
        if tx.result is not None:
            return tx.result
        if any(t is tx for t in self.queues[tx.queue].submitted):
            await self.issue_pending()
        budget = (timeout_cycles if timeout_cycles is not None
                  else self.completion_budget([tx]))
        deadline = self.dev.now() + budget
        while tx.result is None:
            left = deadline - self.dev.now()
            if left <= 0:
                raise DmaTimeoutError(await self._stuck_report(1, 1))
            await self.dev.wait_irq(timeout_cycles=min(left, self.WAIT_POLL_CYCLES))
            await self.poll()
        return tx.result

    async def terminate_all(self, timeout_cycles: int | None = None) -> int:
        """Stop every transaction (dmaengine_terminate_sync): unissued ones complete ABORTED
        without reaching the engine; every queue with descriptors in flight gets
        CONTROL.ABORT (its ENABLE / PAUSE kept), started descriptors finish normally, the
        rest complete ABORTED; all of them are reaped before this returns. -> how many
        transactions completed. DmaTimeoutError if the queues do not drain within
        ``timeout_cycles`` (default: the ``completion_budget`` of what is in flight)."""
        done = 0
        for q in self.queues:
            while q.submitted:
                tx = q.submitted.popleft()
                self._finish(tx, Completion(tx.submitted_cookie, "ABORTED", 0, 0))
                done += 1
        busy = [q for q in self.queues if q.inflight]
        for q in busy:
            ctrl = await self.dev.read_reg(q.reg("CONTROL"))
            await self.dev.write_reg(q.reg("CONTROL"), ctrl | layout.QCTRL_ABORT)
        n = sum(len(q.inflight) for q in busy)
        budget = (timeout_cycles if timeout_cycles is not None else
                  self.completion_budget([i for q in busy for i in q.inflight.values()]))
        deadline = self.dev.now() + budget
        while any(q.inflight for q in busy):
            left = deadline - self.dev.now()
            if left <= 0:
                raise DmaTimeoutError(await self._stuck_report(
                    sum(len(q.inflight) for q in busy), n))
            await self.dev.wait_irq(timeout_cycles=min(left, self.WAIT_POLL_CYCLES))
            done += await self.poll()
        return done

    # ------------------------------------------------------------------ internals
    async def _write_and_ring(self, q: Queue, txs: list[Descriptor]) -> None:
        """Write ``txs`` into slots TAIL.. of ``q`` (the IRQ flag where they asked for
        DMA_PREP_INTERRUPT), zero their records, then ring the doorbell once. If reset() ran
        meanwhile, no doorbell: those the reset did not complete complete RESET here."""
        epoch = self._epoch
        pos = 0
        placed: list[tuple[int, Descriptor]] = []
        for start, count in q.spans(q.tail, len(txs)):
            entries = []
            for j, tx in enumerate(txs[pos:pos + count]):
                entries.append((tx.src, tx.dst, tx.length, tx.flags & DMA_PREP_INTERRUPT,
                                tx.submitted_cookie))
                q.inflight[start + j] = Inflight(tx)
                placed.append((start + j, tx))
            await self.dev.mem_write(q.desc_addr(start),
                                     layout.pack_descriptors(entries).view(np.uint8))
            await self.dev.mem_write(q.comp_addr(start), np.zeros(count * COMP_BYTES, np.uint8))
            pos += count
        if epoch != self._epoch:                   # never handed to the engine
            for slot, tx in placed:
                infl = q.inflight.get(slot)
                if infl is not None and infl.tx is tx:
                    del q.inflight[slot]
                if not tx.done:
                    self._finish(tx, Completion(tx.submitted_cookie, "RESET", 0, 0))
            return
        q.tail = ring_advance(q.tail, len(txs), q.order)
        await self.dev.write_reg(q.reg("TAIL"), q.tail)  # the doorbell

    async def _service(self, interrupt: bool) -> int:
        """Acknowledge IRQ_STATUS, reap (``interrupt``: the queues whose bit is set; else
        every queue with descriptors in flight), then issue what waited for ring room.
        -> transactions completed. After a reset() meanwhile (another task), which has
        completed everything in flight, nothing more is done."""
        epoch = self._epoch
        before = len(self._txs)
        status_reg = layout.global_reg("IRQ_STATUS")
        pending = await self.dev.read_reg(status_reg)
        if pending and epoch == self._epoch:
            await self.dev.write_reg(status_reg, pending)    # ack before reading HEAD
        for q in self.queues:
            if epoch != self._epoch:
                break
            if (pending >> q.index & 1) if interrupt else q.inflight:
                await self._reap(q)
        if epoch == self._epoch and any(q.submitted for q in self.queues):
            await self.issue_pending()
        return before - len(self._txs)

    async def _reap(self, q: Queue) -> int:
        """Read HEAD and the records [old head, HEAD); complete their transactions. -> how
        many. A reset() meanwhile ends it (the reset completes the rest)."""
        epoch = self._epoch
        head = await self.dev.read_reg(q.reg("HEAD"))
        if epoch != self._epoch:
            return 0
        if head >= q.size:
            raise ProtocolError(f"queue {q.index}: HEAD {head} outside a ring of {q.size}")
        n = ring_used(q.head, head, q.order)
        if n > q.used:
            raise ProtocolError(f"queue {q.index}: HEAD {head} passed TAIL {q.tail}"
                                f" (driver head {q.head})")
        if n == 0:
            return 0
        chunks = [await self.dev.mem_read(q.comp_addr(s), c * COMP_BYTES)
                  for s, c in q.spans(q.head, n)]
        if epoch != self._epoch:
            return 0
        recs = np.concatenate(chunks).view(layout.COMPLETION)
        record_error = None          # queue STATUS.RECORD_ERROR, read once if a record is bad
        slot = q.head
        for done, rec in enumerate(recs):
            infl = q.inflight.pop(slot)
            status = int(rec["status"])
            cookie = int(rec["cookie"])
            # a descriptor the engine could not read (FETCH_ERROR, or ABORTED before it could)
            # carries cookie 0: it is matched by its slot
            unread = cookie == 0 and status in (layout.STATUS_FETCH_ERROR, layout.STATUS_ABORTED)
            if (status == layout.STATUS_PENDING or status not in layout.STATUS_NAMES
                    or (cookie != infl.cookie and not unread)):
                if record_error is None:
                    qstatus = await self.dev.read_reg(q.reg("STATUS"))
                    if epoch != self._epoch:        # a reset meanwhile cleared STATUS
                        self._finish(infl.tx, Completion(infl.cookie, "RESET", 0, 0))
                        return done + 1
                    record_error = bool(qstatus & layout.QSTATUS_RECORD_ERROR)
                if record_error:
                    name = "RECORD_LOST"
                else:
                    name = "CORRUPT_RECORD"
                    self.protocol_errors += 1
                    log.warning("queue %d slot %d: HEAD passed it but its record has status %d"
                                " cookie %#x (submitted %#x), and the engine reports no record"
                                " fault", q.index, slot, status, cookie, infl.cookie)
                comp = Completion(infl.cookie, name, 0, q.comp_addr(slot))
            else:
                comp = Completion(infl.cookie, layout.STATUS_NAMES[status],
                                  int(rec["bytes_completed"]), int(rec["fault_addr"]))
            self._finish(infl.tx, comp)
            slot = ring_advance(slot, 1, q.order)
        q.head = head
        return n

    def _finish(self, tx: Descriptor, comp: Completion) -> None:
        """``tx`` is over: record its result and status, run its callback."""
        tx.result = comp
        self._txs.pop(tx.submitted_cookie, None)
        if tx.callback is not None:
            tx.callback(tx)

    async def _stuck_report(self, remaining: int, n: int) -> str:
        lines = [f"{remaining} of {n} transactions not completed at cycle {self.dev.now()}"]
        for q in self.queues:
            head = await self.dev.read_reg(q.reg("HEAD"))
            st = await self.dev.read_reg(q.reg("STATUS"))
            lines.append(f"  queue {q.index}: driver head {q.head} tail {q.tail}"
                         f" in flight {len(q.inflight)}; HEAD reg {head}, STATUS {st:#x}")
        lines.append(f"  IRQ_STATUS {await self.dev.read_reg(layout.global_reg('IRQ_STATUS')):#x}"
                     f" CONTROL {await self.dev.read_reg(layout.global_reg('CONTROL')):#x}")
        return "\n".join(lines)
