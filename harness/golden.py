"""The golden model: ``ModelDevice``, a transaction-level reference of the engine and its
memory.

A fast pure-Python model: pure-Python tests of the driver and the mm model run on it, and it
is the scoreboard for the RTL (same descriptors, same injected faults -> the same completion
records and the same destination bytes).

Engine semantics the model implements -- and the RTL matches
-----------------------------------------------------------
Bursts (``bursts()``). The engine cuts a descriptor (src, dst, length) into bursts:
starting at offset 0, a burst's length is the smallest of the bytes left, the bytes to the
next 4 KiB boundary of its source (``src + off``), the bytes to the next 4 KiB boundary of
its destination (``dst + off``) and ``256 * bus_bytes``. Each is read as one burst and
written back as one burst. (src, dst, length are multiples of max(64, bus_bytes), so a
burst is a whole number of beats. Page-aligned folios are cut into 4 KiB pages when
bus_bytes >= 16.)

Errors. A burst's read fails if its source range [s, s + n) touches an injected
read-fault range or any byte at or above ``mem_bytes`` (DECERR); every beat of a failed
read is *poisoned* (the engine writes it with WSTRB = 0). Its write fails if its
destination range [d, d + n) touches a write-fault range or memory's end. The *first
failing burst* is the lowest-offset one, in address order (not in the order responses
happen to arrive); within one burst a read failure wins over a write failure. Then the
completion record is:

* status ``READ_ERROR`` or ``WRITE_ERROR``,
* ``bytes_completed`` = offset of the first failing burst = the sum of the lengths of the
  bursts before it (each of those was read and written without error),
* ``fault_addr`` = the burst's source address for a READ_ERROR (its first poisoned beat),
  its destination address for a WRITE_ERROR.

Example (bus 64 B, src page aligned, dst 0x800 into its page, length 8 KiB): bursts at
offsets [0, 2K) [2K, 4K) [4K, 6K) [6K, 8K). A read fault at src + 5000: READ_ERROR,
bytes_completed 4K, fault_addr src + 4K. A write fault at dst + 5000: WRITE_ERROR,
bytes_completed 4K, fault_addr dst + 4K.

Memory after an error: dst[0 : bytes_completed] holds the source bytes; the rest of the
destination is *unspecified* (the model writes nothing there; the RTL writes every beat it
read without error, except in bursts whose write faulted: those commit nothing). Nothing outside [dst, dst + length) is ever written. The engine continues
with the next descriptor of the queue after an error (no halt).

BAD_DESCRIPTOR (``layout.descriptor_error``, or a source or destination range that ends
beyond the bus address space, ``2 ** addr_bits``: 32 bits like tb_top, or a flag bit
outside ``layout.DESC_FLAGS_KNOWN``): nothing read or written, bytes_completed 0,
fault_addr 0.
FENCE (``layout.DESC_FLAG_FENCE``) is accepted and changes nothing here: the model copies
each descriptor's data when it completes, in ring order per queue, so every descriptor
behaves as if fenced (a later read never overtakes an earlier write). The RTL without
FENCE may overlap them (a later descriptor's read can see a destination an earlier one has
not written yet); a test that depends on that overlap cannot use the model as reference. SUCCESS: bytes_completed = length, fault_addr 0. Reserved is written 0.
ABORTED (queue CONTROL.ABORT): descriptors whose execution has started by the model's
clock finish normally (SUCCESS or their error, at their usual time); every other
descriptor up to the TAIL of the moment of the abort completes ABORTED (bytes_completed 0,
fault_addr 0, nothing read or written), in ring order after the started ones, whatever
ENABLE / PAUSE say; HEAD then reaches that TAIL. Descriptors rung after the abort run
normally.

Faults (``inject_fault``: a ``harness.faults.Fault``, or the old form ``inject_fault(kind,
lo, hi, ports)`` with ports 'both' | 'dma' (= 'engine') | 'engine' | 'cpu'; at most
``faults.MAX_FAULTS`` at once). Faults of port 'engine' act on the engine only, 'cpu' on
``cpu_copy`` only. SLVERR and DECERR act alike (an error response); the data rules above
use every armed error fault of the engine's port.

Ring traffic fails per *ring granule* (``layout.ring_granule``): the naturally aligned
max(32, bus_bytes) bytes holding a descriptor or a record (one beat on a bus of 256 bits or
more, a 32-byte burst below). The RTL fetches descriptors in bursts of up to 32, but
fetches again alone every descriptor whose burst failed, so the rule does not depend on
how a batch was cut into fetch bursts:

* Fetch: a descriptor whose granule touches an armed read fault (at its doorbell, when the
  model reads it) completes ``FETCH_ERROR``: cookie 0, bytes_completed 0, fault_addr = the
  descriptor's own bus address (ring_base + slot * 32, below addr_bits), nothing read or
  written, interrupt raised, STATUS.ERROR set, in ring order like any other descriptor.
* Record write: a record whose granule touches an armed write fault when it is written
  is not written (the slot keeps what it held, e.g. the PENDING the driver left there) and
  not retried; the queue counts REC_FAULTS, latches the first such record's address in
  REC_FAULT_LO/HI, sets STATUS.RECORD_ERROR and raises its interrupt. HEAD still advances
  past the descriptor, whose data traffic is finished (its destination holds what its
  status would have said). STATUS.ERROR follows the status alone. RECORD_ERROR,
  REC_FAULT_LO/HI and REC_FAULTS are cleared by SOFT_RESET and by a RING_ORDER write.
* HANG (resp 'HANG'). On the engine's port: a descriptor whose fetch granule, a read or
  write burst of its data, or its record granule touches a HANG range never completes: no
  record, no interrupt for it; its queue starts nothing after it and STATUS.IDLE stays
  clear; SOFT_RESET stays pending (CONTROL.SOFT_RESET reads 1) forever; ``wait_irq``
  without a timeout raises ``DeviceHangError`` when only hung work is left. Its
  destination is unspecified (the model writes nothing). The RTL's memory port is in
  order, so there a HANG may also stall other queues and the fetch of descriptors before
  the hung one that share its fetch burst: timing-dependent, not compared. On the CPU
  port: ``cpu_copy`` copies the chunks before the first one that touches a HANG range and
  raises ``DeviceHangError``.
* Arming (``after_beats``, ``from_cycle``) is best effort in model time: a fault arms
  once ``after_beats`` data beats of its direction have passed on the port(s) it sees
  since it was injected (the model counts a descriptor's beats when it starts and a
  ``cpu_copy``'s as nbytes / bus_bytes), and from ``now() >= from_cycle`` on. Arming
  is timing-dependent: it is not compared with the RTL.

Stray writes: ``allow_writes(ranges)`` declares the byte ranges [lo, hi) that engine and
CPU-copy writes may touch (default, and after ``allow_all_writes()``: everything). Every
write the model performs for the engine (a write burst of data, a record) or for
``cpu_copy`` (one chunk) that touches a byte outside every allowed range counts in
``stray_writes``; ``first_stray_addr`` is the lowest such byte of the first one (None if
none). Backdoor ``mem_write`` is never counted.

Interrupts. After a descriptor's record is in memory, HEAD advances, then: an error status
(READ_ERROR, WRITE_ERROR, BAD_DESCRIPTOR, ABORTED, FETCH_ERROR) or a failed record write
always raises the queue interrupt; a
SUCCESS raises it if the descriptor has DESC_FLAG_IRQ, or if the queue's count of
unreported successes reaches IRQ_COUNT (when non-zero), or IRQ_TIMEOUT cycles after the
last unreported success (when non-zero). Raising sets IRQ_STATUS[q] and resets the
unreported count. The irq line is high while IRQ_STATUS & IRQ_ENABLE != 0.

Registers. SOFT_RESET (global CONTROL bit 1) first drains: no new descriptor starts; the
ones already started (and ABORTED ones already handed over) finish, their records are
written and they retire (HEAD advances, interrupts as usual); CONTROL.SOFT_RESET reads 1
meanwhile. Then every register is cleared (queues' bases, orders, HEAD/TAIL, controls,
coalescing, counters, IRQ_STATUS, IRQ_ENABLE, CONTROL.ENABLE) and descriptors not started
are dropped without a record; memory and injected faults stay; RING_ORDER reads 1 again
(``layout.RING_ORDER_RESET``). With nothing in flight the reset is immediate. RING_ORDER
holds ``layout.clamp_ring_order(value)`` (0 -> 1, above 16 -> 16) and a write sets HEAD and
TAIL to 0, drops descriptors not yet started and clears the record-fault state (the RTL
does the same; the protocol allows it only while the queue is IDLE). TAIL is stored modulo
the ring size; writing it snapshots the descriptors [old TAIL, new TAIL). A queue starts
work only while CONTROL.ENABLE (global) and its own ENABLE are set and PAUSE is clear.
STATUS.IDLE: HEAD == TAIL and nothing of the queue pending or in flight; STATUS.PAUSED:
PAUSE set and no descriptor of the queue in flight (the RTL: ``q_pause && !mover_busy``);
STATUS.ERROR is sticky until SOFT_RESET (RECORD_ERROR: see Faults). Register offsets
decode as ``layout.decode_offset`` says (what names no register reads 0).

Counters. DESC_DONE counts retired descriptors (every status). RD_BEATS and WR_BEATS count
length / bus_bytes for every descriptor that moves data (SUCCESS, READ_ERROR, WRITE_ERROR:
the RTL reads and writes every beat of such a descriptor, a beat read with an error is
written with WSTRB 0), 0 for BAD_DESCRIPTOR, ABORTED and FETCH_ERROR; they are added when
the descriptor retires. These agree with the RTL exactly once both are idle. BUSY_CYCLES
is the model's time estimate (below); RD_STALL and WR_STALL read 0: the model has no
stalls. The global counters are the sums of the queues'.

Time model (an *estimate*, not a measurement: the cycle numbers that matter come from the
RTL). ``now()`` counts fabric cycles. A register access costs ``reg_cycles``. One data
mover is shared by all queues; it picks the next ready descriptor round-robin over queues.
A descriptor becomes ready ``doorbell_cycles`` after its doorbell; it occupies the mover
for ``desc_cycles + beats`` (beats = bytes moved / bus_bytes, one beat per cycle both ways)
and completes ``latency_cycles`` after that (memory latency, overlapped with the next
descriptor); an ABORTED one takes no mover time. ``cpu_copy`` takes ``latency_cycles +
nbytes / cpu_bytes_per_cycle``; it moves the chunks of ``bursts()`` (cut at both 4 KiB
grids), copies the chunks before the first failing one and returns False there (the
CPU copy model of the RTL goes line by line; only its True/False is meant to agree).
Backdoor memory accesses take zero time.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from . import faults as faults_mod
from . import layout
from .device import Device, DeviceHangError
from .faults import Fault
from .layout import bursts

MASK32 = 0xFFFF_FFFF


@dataclass(frozen=True)
class Outcome:
    """What executing one descriptor does: the record fields and the chunks written."""

    status: int
    bytes_completed: int
    fault_addr: int
    chunks: tuple  #: bursts (src, dst, nbytes) read and written successfully
    failed_bytes: int = 0  #: length of the failing burst (0 unless an error)
    hang: bool = False     #: a burst of it touches a HANG fault: it never completes



@dataclass
class _Queue:
    ring_base: int = 0
    comp_base: int = 0
    order: int = layout.RING_ORDER_RESET
    head: int = 0
    tail: int = 0
    control: int = 0
    irq_count: int = 0
    irq_timeout: int = 0
    rate: int = 0
    error: bool = False
    rec_error: bool = False     # STATUS.RECORD_ERROR
    rec_fault_addr: int = 0     # REC_FAULT_HI:LO
    rec_faults: int = 0         # REC_FAULTS
    hung: bool = False          # a started descriptor will never complete
    # [(slot, desc tuple, ready_time, fetch: None | 'error' | 'hang')]
    pending: list = field(default_factory=list)
    in_flight: int = 0          # started, completion event not yet processed
    unreported: int = 0         # successes not yet signalled
    timer_gen: int = 0
    counters: dict = field(default_factory=lambda: dict.fromkeys(
        ("BUSY_CYCLES", "RD_BEATS", "WR_BEATS", "DESC_DONE", "RD_STALL", "WR_STALL"), 0))

    @property
    def size(self) -> int:
        return 1 << self.order

    def runnable(self) -> bool:
        return bool(self.control & layout.QCTRL_ENABLE and not self.control & layout.QCTRL_PAUSE
                    and 1 <= self.order <= 16 and not self.hung)


class ModelError(RuntimeError):
    """The model was driven outside the protocol (e.g. a ring outside memory, deadlock)."""


class ModelDevice(Device):
    """Golden transaction-level model of the engine and its memory (see module doc)."""

    #: statuses of descriptors that move data: all their beats are read and written
    DATA_STATUSES = frozenset((layout.STATUS_SUCCESS, layout.STATUS_READ_ERROR,
                               layout.STATUS_WRITE_ERROR))

    def __init__(self, mem_bytes: int = 64 << 20, bus_bytes: int = 64, nr_queues: int = 1,
                 nr_nodes: int = 4, bursts_in_flight: int = 16, reg_cycles: int = 4,
                 doorbell_cycles: int = 10, desc_cycles: int = 4, latency_cycles: int = 32,
                 cpu_bytes_per_cycle: int = 16, addr_bits: int = 32):
        if not 1 <= nr_queues <= layout.MAX_QUEUES:
            raise ValueError(f"nr_queues {nr_queues} out of 1..{layout.MAX_QUEUES}")
        if bus_bytes & (bus_bytes - 1) or not 8 <= bus_bytes <= layout.MAX_BUS_BYTES:
            raise ValueError(f"bus_bytes {bus_bytes}: a power of 2 in 8..{layout.MAX_BUS_BYTES}")
        if mem_bytes % nr_nodes:
            raise ValueError("mem_bytes must split evenly over nr_nodes")
        self.mem_bytes = mem_bytes
        self.bus_bytes = bus_bytes
        self.nr_queues = nr_queues
        self.nr_nodes = nr_nodes
        self.node_bytes = mem_bytes // nr_nodes
        self.bursts_in_flight = bursts_in_flight
        self.reg_cycles = reg_cycles
        self.doorbell_cycles = doorbell_cycles
        self.desc_cycles = desc_cycles
        self.latency_cycles = latency_cycles
        self.cpu_bytes_per_cycle = cpu_bytes_per_cycle
        self.addr_bits = addr_bits   #: AXI address width: descriptors beyond it are bad
        self.mem = np.zeros(mem_bytes, dtype=np.uint8)
        self._faults: list[tuple[Fault, int]] = []   # (fault, its port's beats at injection)
        self._beats = {(p, k): 0 for p in ("engine", "cpu") for k in faults_mod.KINDS}
        self._allowed: list[tuple[int, int]] | None = None
        self.stray_writes = 0
        self.first_stray_addr: int | None = None
        self._now = 0
        self._seq = 0
        self._reset_state()

    # ------------------------------------------------------------------ fault injection
    def inject_fault(self, fault, lo: int | None = None, hi: int | None = None,
                     ports: str = "both") -> Fault:
        """Add a fault: a ``harness.faults.Fault``, or the old form ``inject_fault(kind,
        lo, hi, ports)`` (an SLVERR range; ports 'both' | 'dma' | 'engine' | 'cpu').
        At most ``faults.MAX_FAULTS`` at once (ValueError beyond). -> the Fault added."""
        fault = faults_mod.as_fault(fault, lo, hi, ports)
        faults_mod.check_fault_set([f for f, _ in self._faults] + [fault])
        self._faults.append((fault, self._port_beats(fault)))
        return fault

    def clear_faults(self) -> None:
        self._faults = []

    @property
    def faults(self) -> list[Fault]:
        """The injected faults, oldest first."""
        return [f for f, _ in self._faults]

    def _port_beats(self, fault: Fault) -> int:
        return sum(self._beats[(p, fault.kind)] for p in ("engine", "cpu") if fault.sees(p))

    def _armed(self, fault: Fault, base: int) -> bool:
        return (self._port_beats(fault) - base >= fault.after_beats
                and self._now >= fault.from_cycle)

    def _hit(self, port: str, kind: str, lo: int, hi: int) -> str | None:
        """What an access of ``kind`` by ``port`` to [lo, hi) meets now: 'HANG' (wins),
        'error' (an armed SLVERR / DECERR), or None."""
        hits = {f.resp for f, base in self._faults
                if f.kind == kind and f.sees(port) and f.touches(lo, hi) and self._armed(f, base)}
        if "HANG" in hits:
            return "HANG"
        return "error" if hits else None

    def _granule(self, addr: int) -> tuple[int, int]:
        g = layout.ring_granule(self.bus_bytes)
        lo = addr - addr % g
        return lo, lo + g

    # ------------------------------------------------------------------ stray writes
    def allow_writes(self, ranges) -> None:
        """Engine and CPU-copy writes may touch only the byte ranges [lo, hi) of ``ranges``;
        any other write counts in ``stray_writes``."""
        self._allowed = [(int(lo), int(hi)) for lo, hi in ranges]

    def allow_all_writes(self) -> None:
        """Every write is allowed again (the default)."""
        self._allowed = None

    def _note_write(self, lo: int, hi: int) -> None:
        """Account one engine or CPU-copy write of [lo, hi) against the allowed ranges."""
        if self._allowed is None:
            return
        addr = lo
        for a_lo, a_hi in sorted(self._allowed):
            if a_lo <= addr < a_hi:
                addr = a_hi
            elif a_lo > addr:
                break
            if addr >= hi:
                return
        if addr < hi:
            self.stray_writes += 1
            if self.first_stray_addr is None:
                self.first_stray_addr = addr

    # ------------------------------------------------------------------ scoreboard
    def outcome(self, src: int, dst: int, length: int, flags: int = 0) -> Outcome:
        """What the engine does with descriptor (src, dst, length, flags), given the faults
        now. Flags are checked (an unknown bit: BAD_DESCRIPTOR); IRQ and FENCE do not
        change the outcome."""
        if (layout.descriptor_error(src, dst, length, self.bus_bytes, flags) is not None
                or max(src, dst) + length > 1 << self.addr_bits):
            return Outcome(layout.STATUS_BAD_DESCRIPTOR, 0, 0, ())
        chunks = bursts(src, dst, length, self.bus_bytes)
        if any(self._hit("engine", "read", s, s + n) == "HANG"
               or self._hit("engine", "write", d, d + n) == "HANG" for s, d, n in chunks):
            return Outcome(layout.STATUS_PENDING, 0, 0, (), hang=True)
        done: list[tuple[int, int, int]] = []
        for s, d, n in chunks:
            if s + n > self.mem_bytes or self._hit("engine", "read", s, s + n):
                return Outcome(layout.STATUS_READ_ERROR, s - src, s, tuple(done), n)
            if d + n > self.mem_bytes or self._hit("engine", "write", d, d + n):
                return Outcome(layout.STATUS_WRITE_ERROR, d - dst, d, tuple(done), n)
            done.append((s, d, n))
        return Outcome(layout.STATUS_SUCCESS, length, 0, tuple(done))

    def expected_completions(self, entries) -> np.ndarray:
        """COMPLETION records the engine writes for ``entries`` of (src, dst, length, cookie)."""
        recs = np.zeros(len(entries), dtype=layout.COMPLETION)
        for i, (src, dst, length, cookie) in enumerate(entries):
            o = self.outcome(src, dst, length)
            recs[i] = (cookie, o.status, o.bytes_completed, o.fault_addr, 0)
        return recs

    # ------------------------------------------------------------------ Device: memory
    def _bus_addr(self, addr: int) -> int:
        """A ring or record address as the engine puts it on the bus: the bits below its
        address width (RING_BASE and COMP_BASE above them are not used)."""
        return addr & ((1 << self.addr_bits) - 1)

    def _check_range(self, addr: int, nbytes: int) -> None:
        if addr < 0 or nbytes < 0 or addr + nbytes > self.mem_bytes:
            raise ModelError(f"backdoor access [{addr:#x}, {addr + nbytes:#x}) outside memory")

    async def mem_write(self, addr: int, data: np.ndarray) -> None:
        data = np.asarray(data, dtype=np.uint8).reshape(-1)
        self._check_range(addr, data.size)
        self.mem[addr:addr + data.size] = data

    async def mem_read(self, addr: int, nbytes: int) -> np.ndarray:
        self._check_range(addr, nbytes)
        return self.mem[addr:addr + nbytes].copy()

    # ------------------------------------------------------------------ Device: time
    def now(self) -> int:
        return self._now

    async def wait_cycles(self, n: int) -> None:
        self._advance_to(self._now + max(0, int(n)))

    def irq(self) -> bool:
        """The level of the irq line."""
        return bool(self.irq_status & self.irq_enable)

    async def wait_irq(self, timeout_cycles: int | None = None) -> bool:
        deadline = None if timeout_cycles is None else self._now + max(0, int(timeout_cycles))
        while not self.irq():
            t = self._next_event_time()
            if t is None or (deadline is not None and t > deadline):
                if deadline is None:
                    if any(q.hung for q in self.queues):
                        raise DeviceHangError("wait_irq without timeout: only hung work is left")
                    raise ModelError("wait_irq without timeout: no work left, irq can never rise")
                self._advance_to(deadline)
                return False
            self._advance_to(t)
        return True

    async def cpu_copy(self, src: int, dst: int, nbytes: int) -> bool:
        self._advance_to(self._now + self.latency_cycles
                         + -(-nbytes // self.cpu_bytes_per_cycle))
        for s, d, n in bursts(src, dst, nbytes, self.bus_bytes):
            if s < 0 or d < 0 or s + n > self.mem_bytes or d + n > self.mem_bytes:
                return False
            hits = (self._hit("cpu", "read", s, s + n), self._hit("cpu", "write", d, d + n))
            if "HANG" in hits:
                raise DeviceHangError(f"cpu_copy: memory never answered at {s:#x} -> {d:#x}")
            if any(hits):
                return False
            self.mem[d:d + n] = self.mem[s:s + n]
            self._note_write(d, d + n)
            beats = -(-n // self.bus_bytes)
            self._beats[("cpu", "read")] += beats
            self._beats[("cpu", "write")] += beats
        return True

    def engine_busy(self) -> bool:
        """STATUS.BUSY: some queue has descriptors not yet retired."""
        return any(not self._idle(q) for q in self.queues)

    # ------------------------------------------------------------------ Device: registers
    def config(self) -> int:
        """The CONFIG register value."""
        return layout.pack_config(self.nr_queues, self.bus_bytes, self.bursts_in_flight)

    async def read_reg(self, offset: int) -> int:
        self._advance_to(self._now + self.reg_cycles)
        return self._read(offset) & MASK32

    async def write_reg(self, offset: int, value: int) -> None:
        self._advance_to(self._now + self.reg_cycles)
        self.apply_write(offset, int(value) & MASK32)

    def _decode(self, offset: int):
        """offset -> ('g', name) or ('q', queue, name) or None (``layout.decode_offset``)."""
        reg = layout.decode_offset(offset, self.nr_queues)
        if reg is None:
            return None
        return ("g", reg.name) if reg.queue is None else ("q", reg.queue, reg.name)

    def _read(self, offset: int) -> int:
        reg = self._decode(offset)
        if reg is None:
            return 0
        if reg[0] == "g":
            name = reg[1]
            if name == "ID":
                return layout.ENGINE_ID
            if name == "CONFIG":
                return self.config()
            if name == "CONTROL":
                return self.control | (layout.CTRL_SOFT_RESET if self.reset_pending else 0)
            if name == "STATUS":
                return int(any(not self._idle(q) for q in self.queues))
            if name == "IRQ_STATUS":
                return self.irq_status
            if name == "IRQ_ENABLE":
                return self.irq_enable
            return sum(q.counters[name] for q in self.queues) & MASK32
        q = self.queues[reg[1]]
        name = reg[2]
        simple = {"RING_BASE_LO": q.ring_base & MASK32, "RING_BASE_HI": q.ring_base >> 32,
                  "COMP_BASE_LO": q.comp_base & MASK32, "COMP_BASE_HI": q.comp_base >> 32,
                  "RING_ORDER": q.order, "TAIL": q.tail, "HEAD": q.head,
                  "CONTROL": q.control, "IRQ_COUNT": q.irq_count,
                  "IRQ_TIMEOUT": q.irq_timeout, "RATE": q.rate}
        if name in simple:
            return simple[name]
        if name == "STATUS":
            return ((layout.QSTATUS_IDLE if self._idle(q) else 0)
                    | (layout.QSTATUS_PAUSED
                       if q.control & layout.QCTRL_PAUSE and not q.in_flight else 0)
                    | (layout.QSTATUS_ERROR if q.error else 0)
                    | (layout.QSTATUS_RECORD_ERROR if q.rec_error else 0))
        if name == "REC_FAULT_LO":
            return q.rec_fault_addr & MASK32
        if name == "REC_FAULT_HI":
            return q.rec_fault_addr >> 32
        if name == "REC_FAULTS":
            return q.rec_faults & MASK32
        return q.counters[name] & MASK32

    def apply_write(self, offset: int, value: int) -> None:
        reg = self._decode(offset)
        if reg is None:
            return
        if reg[0] == "g":
            name = reg[1]
            if name == "CONTROL":
                self.control = value & layout.CTRL_ENABLE
                if value & layout.CTRL_SOFT_RESET:
                    self.reset_pending = True
                    self._reset_if_drained()
            elif name == "IRQ_STATUS":
                self.irq_status &= ~value
            elif name == "IRQ_ENABLE":
                self.irq_enable = value & ((1 << self.nr_queues) - 1)
            return
        qi, name = reg[1], reg[2]
        q = self.queues[qi]
        if name == "RING_BASE_LO":
            q.ring_base = (q.ring_base & ~MASK32) | value
        elif name == "RING_BASE_HI":
            q.ring_base = (q.ring_base & MASK32) | value << 32
        elif name == "COMP_BASE_LO":
            q.comp_base = (q.comp_base & ~MASK32) | value
        elif name == "COMP_BASE_HI":
            q.comp_base = (q.comp_base & MASK32) | value << 32
        elif name == "RING_ORDER":
            q.order = layout.clamp_ring_order(value)
            q.head = q.tail = 0
            q.pending = []
            q.rec_error, q.rec_fault_addr, q.rec_faults = False, 0, 0
        elif name == "TAIL":
            self._doorbell(qi, value)
        elif name == "CONTROL":
            q.control = value & (layout.QCTRL_ENABLE | layout.QCTRL_PAUSE)
            if value & layout.QCTRL_ABORT:
                self._abort(qi)
        elif name == "IRQ_COUNT":
            q.irq_count = value
        elif name == "IRQ_TIMEOUT":
            q.irq_timeout = value
        elif name == "RATE":
            q.rate = value
        # RO registers: writes ignored

    # ------------------------------------------------------------------ engine
    def _reset_state(self) -> None:
        self.control = 0
        self.irq_status = 0
        self.irq_enable = 0
        self.queues = [_Queue() for _ in range(self.nr_queues)]
        self.events: list = []  # heap of (time, seq, kind, payload)
        self.mover_free = self._now
        self.rr = 0
        self.reset_pending = False  # SOFT_RESET written, work in flight still draining

    def _reset_if_drained(self) -> None:
        """SOFT_RESET pending: reset once no started descriptor is left in flight."""
        if (self.reset_pending and not any(q.hung for q in self.queues)
                and not any(kind == "done" for _, _, kind, _ in self.events)):
            self._reset_state()

    def _idle(self, q: _Queue) -> bool:
        return q.head == q.tail and not q.pending and not q.in_flight

    def _push(self, t: int, kind: str, payload) -> None:
        self._seq += 1
        heapq.heappush(self.events, (t, self._seq, kind, payload))

    def _doorbell(self, qi: int, value: int) -> None:
        q = self.queues[qi]
        if not 1 <= q.order <= 16:
            raise ModelError(f"queue {qi}: TAIL written with RING_ORDER {q.order}")
        new_tail = value & (q.size - 1)
        slot = q.tail
        ready = self._now + self.doorbell_cycles
        while slot != new_tail:
            addr = self._bus_addr(q.ring_base + slot * layout.DESCRIPTOR.itemsize)
            self._check_range(addr, layout.DESCRIPTOR.itemsize)
            fetch = self._hit("engine", "read", *self._granule(addr))
            if fetch:
                q.pending.append((slot, (0, 0, 0, 0, 0), ready,
                                  "hang" if fetch == "HANG" else "error"))
            else:
                d = self.mem[addr:addr + layout.DESCRIPTOR.itemsize].view(layout.DESCRIPTOR)[0]
                q.pending.append((slot, (int(d["src"]), int(d["dst"]), int(d["length"]),
                                         int(d["flags"]), int(d["cookie"])), ready, None))
            slot = (slot + 1) & (q.size - 1)
        q.tail = new_tail

    def _next_start(self):
        """(time, queue index) of the next descriptor the mover starts, or None."""
        if not self.control & layout.CTRL_ENABLE or self.reset_pending:
            return None
        cands = [(i, q.pending[0][2]) for i, q in enumerate(self.queues)
                 if q.pending and q.runnable()]
        if not cands:
            return None
        t = max(self._now, self.mover_free, min(r for _, r in cands))
        ready = {i for i, r in cands if r <= t}
        for k in range(self.nr_queues):
            i = (self.rr + k) % self.nr_queues
            if i in ready:
                return t, i
        return None  # unreachable

    def _next_event_time(self):
        times = []
        if self.events:
            times.append(self.events[0][0])
        start = self._next_start()
        if start is not None:
            times.append(start[0])
        return min(times) if times else None

    def _advance_to(self, t: int) -> None:
        """Let simulated time run to ``t``, processing every event due by then."""
        while True:
            ev_t = self.events[0][0] if self.events else None
            start = self._next_start()
            if start is not None and start[0] <= t and (ev_t is None or start[0] < ev_t):
                self._start(*start)
            elif ev_t is not None and ev_t <= t:
                ev_t, _, kind, payload = heapq.heappop(self.events)
                self._now = max(self._now, ev_t)
                if kind == "done":
                    self.complete(*payload)
                    self._reset_if_drained()
                else:
                    self._timer(*payload)
            else:
                break
        self._now = max(self._now, t)

    def _start(self, t: int, qi: int) -> None:
        q = self.queues[qi]
        self._now = max(self._now, t)
        slot, desc, _, fetch = q.pending.pop(0)
        src, dst, length, flags, _ = desc
        rec_addr = self._bus_addr(q.comp_base + slot * layout.COMPLETION.itemsize)
        if fetch == "error":
            outcome = Outcome(layout.STATUS_FETCH_ERROR, 0,
                              self._bus_addr(q.ring_base + slot * layout.DESCRIPTOR.itemsize), ())
        elif fetch == "hang" or self._hit("engine", "write", *self._granule(rec_addr)) == "HANG":
            outcome = Outcome(layout.STATUS_PENDING, 0, 0, (), hang=True)
        else:
            outcome = self.outcome(src, dst, length, flags)
        self.rr = (qi + 1) % self.nr_queues
        if outcome.hang:          # never completes: the queue starts nothing after it
            q.in_flight += 1
            q.hung = True
            return
        moved = sum(n for _, _, n in outcome.chunks) + outcome.failed_bytes
        self._beats[("engine", "read")] += -(-moved // self.bus_bytes)
        self._beats[("engine", "write")] += -(-moved // self.bus_bytes)
        busy = self.desc_cycles + -(-moved // self.bus_bytes)
        self.mover_free = t + busy
        q.counters["BUSY_CYCLES"] += busy
        q.in_flight += 1
        self._push(t + busy + self.latency_cycles, "done", (qi, slot, desc, outcome))

    def write_record(self, q: _Queue, slot: int, cookie: int, status: int,
                      nbytes: int, fault_addr: int) -> bool:
        """Write a record and retire its slot; False if the record's write failed (then
        the slot in memory is untouched and the queue's REC_FAULT registers say so)."""
        rec = np.zeros(1, dtype=layout.COMPLETION)
        rec[0] = (cookie, status, nbytes, fault_addr, 0)
        addr = self._bus_addr(q.comp_base + slot * layout.COMPLETION.itemsize)
        self._check_range(addr, layout.COMPLETION.itemsize)
        written = not self._hit("engine", "write", *self._granule(addr))
        if written:
            self.mem[addr:addr + layout.COMPLETION.itemsize] = rec.view(np.uint8)
            self._note_write(addr, addr + layout.COMPLETION.itemsize)
        else:
            if not q.rec_faults:
                q.rec_fault_addr = addr
            q.rec_faults += 1
            q.rec_error = True
        q.head = (slot + 1) & (q.size - 1)
        q.counters["DESC_DONE"] += 1
        return written

    def complete(self, qi: int, slot: int, desc: tuple, outcome: Outcome) -> None:
        q = self.queues[qi]
        q.in_flight -= 1
        _, _, _, flags, cookie = desc
        for s, d, n in outcome.chunks:
            self.mem[d:d + n] = self.mem[s:s + n]
            self._note_write(d, d + n)
        if outcome.status in self.DATA_STATUSES:   # every beat moves, failed ones included
            _, _, length, _, _ = desc
            q.counters["RD_BEATS"] += length // self.bus_bytes
            q.counters["WR_BEATS"] += length // self.bus_bytes
        written = self.write_record(q, slot, cookie, outcome.status, outcome.bytes_completed,
                                     outcome.fault_addr)
        if outcome.status != layout.STATUS_SUCCESS:
            q.error = True
            self._raise_irq(qi)
        elif not written:
            self._raise_irq(qi)
        elif flags & layout.DESC_FLAG_IRQ:
            self._raise_irq(qi)
        else:
            q.unreported += 1
            if q.irq_count and q.unreported >= q.irq_count:
                self._raise_irq(qi)
            elif q.irq_timeout:
                q.timer_gen += 1
                self._push(self._now + q.irq_timeout, "timer", (qi, q.timer_gen))

    def _timer(self, qi: int, gen: int) -> None:
        q = self.queues[qi]
        if gen == q.timer_gen and q.unreported:
            self._raise_irq(qi)

    def _raise_irq(self, qi: int) -> None:
        self.queues[qi].unreported = 0
        self.queues[qi].timer_gen += 1
        self.irq_status |= 1 << qi

    def _abort(self, qi: int) -> None:
        """ABORT: started descriptors finish normally; the rest up to TAIL complete ABORTED,
        in ring order after the started ones (they take no mover time)."""
        q = self.queues[qi]
        if not q.pending or q.hung:      # behind a hung descriptor nothing completes
            return
        t = max([self._now] + [t for t, _, kind, p in self.events
                               if kind == "done" and p[0] == qi])
        aborted = Outcome(layout.STATUS_ABORTED, 0, 0, ())
        for slot, desc, _, fetch in q.pending:
            if fetch == "error":          # never read: the engine does not know its cookie
                desc = (*desc[:4], 0)
            q.in_flight += 1
            self._push(t, "done", (qi, slot, desc, aborted))
        q.pending = []
