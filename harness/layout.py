"""The one source of truth for what the engine and the driver agree on.

Register map (AXI4-Lite, 32-bit registers, byte offsets) with every register's bit
fields, the CONFIG word (``pack_config`` / ``unpack_config``), how an offset decodes to a
global or a queue register (``decode_offset``), descriptor and completion record layouts
(numpy structured dtypes), status codes, descriptor rules and the burst rules
(``bursts``: the 4 KiB boundaries of source and destination, 256 beats).

Everything else is derived from this file:
  * rtl/foliodma_layout.vh    -- Verilog localparams (`python -m harness gen`), checked by
                                 tests/test_layout.py to be up to date;
  * rtl/foliodma.h        -- the C header a driver author includes (same command, same
                                 check, and compiled and cross-checked by that test);
  * the README tables         -- also generated here and checked by the same test.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --------------------------------------------------------------------------- descriptor
#: One copy command, 32 bytes, naturally aligned in the descriptor ring.
DESCRIPTOR = np.dtype(
    [
        ("src", "<u8"),      # source bus address
        ("dst", "<u8"),      # destination bus address
        ("length", "<u4"),   # bytes to copy
        ("flags", "<u4"),    # DESC_FLAG_*
        ("cookie", "<u8"),   # chosen by the driver, echoed in the completion record
    ]
)
assert DESCRIPTOR.itemsize == 32

DESC_FLAG_IRQ = 1 << 0  #: raise the queue interrupt when this descriptor completes
#: start this descriptor (its first read) only after every earlier descriptor of its queue
#: has all its writes acknowledged (B received). Without it, descriptors of a queue start
#: in ring order but their data may overlap in flight: a later read can overtake an
#: earlier write.
DESC_FLAG_FENCE = 1 << 1
#: every flag bit a descriptor may carry; any other bit set: BAD_DESCRIPTOR
DESC_FLAGS_KNOWN = DESC_FLAG_IRQ | DESC_FLAG_FENCE

#: src, dst and length must be multiples of this (one cache line), and of the bus width on a
#: build whose bus is wider (1024 bits: 128); else BAD_DESCRIPTOR.
DESC_ALIGN = 64
#: widest data bus (bytes) an engine build may have: AXI4's 1024 bits
MAX_BUS_BYTES = 128
#: largest length one descriptor may carry (1 GiB: a PUD-sized folio fits in one).
DESC_MAX_LENGTH = 1 << 30

# --------------------------------------------------------------------- completion record
#: Written by the engine for every descriptor, at comp_base + slot * 32.
COMPLETION = np.dtype(
    [
        ("cookie", "<u8"),           # the descriptor's cookie
        ("status", "<u4"),           # STATUS_*
        ("bytes_completed", "<u4"),  # bytes written to the destination without error
        ("fault_addr", "<u8"),       # address of the first failing access (errors only)
        ("reserved", "<u8"),
    ]
)
assert COMPLETION.itemsize == 32

STATUS_PENDING = 0         # never written by the engine: the driver zeroes records
STATUS_SUCCESS = 1
STATUS_READ_ERROR = 2      # a read burst returned SLVERR/DECERR
STATUS_WRITE_ERROR = 3     # a write burst returned SLVERR/DECERR
STATUS_BAD_DESCRIPTOR = 4  # length 0, over DESC_MAX_LENGTH, or misaligned: nothing written
STATUS_ABORTED = 5         # the queue was aborted before this descriptor finished
#: a bus error while fetching the descriptor: nothing read or written; cookie 0;
#: fault_addr = the descriptor's own address; bytes 0
STATUS_FETCH_ERROR = 6

STATUS_NAMES = {
    STATUS_PENDING: "PENDING",
    STATUS_SUCCESS: "SUCCESS",
    STATUS_READ_ERROR: "READ_ERROR",
    STATUS_WRITE_ERROR: "WRITE_ERROR",
    STATUS_BAD_DESCRIPTOR: "BAD_DESCRIPTOR",
    STATUS_ABORTED: "ABORTED",
    STATUS_FETCH_ERROR: "FETCH_ERROR",
}

#: Ring traffic (descriptor fetch, completion-record writes) fails or succeeds per *ring
#: granule*: the naturally aligned block of max(32, bus bytes) bytes holding a descriptor
#: or a record (one bus beat on a bus of 256 bits or more, one 32-byte burst below). A
#: descriptor completes FETCH_ERROR iff a read of its granule fails; a record write fails
#: iff a write of its granule fails.
def ring_granule(bus_bytes: int = DESC_ALIGN) -> int:
    """Bytes of the aligned block a descriptor fetch or a record write reads or writes."""
    return max(DESCRIPTOR.itemsize, bus_bytes)

# ------------------------------------------------------------------------- register map
ENGINE_ID = 0xF01D0001  #: value of REG_ID: "folio dma", layout version 1

# Global registers: (name, offset, access, description)
GLOBAL_REGS = [
    ("ID", 0x000, "RO", "engine identification, ENGINE_ID"),
    ("CONFIG", 0x004, "RO", "engine build (pack_config / unpack_config)"),
    ("CONTROL", 0x008, "RW", "engine control"),
    ("STATUS", 0x00C, "RO", "engine status"),
    ("IRQ_STATUS", 0x010, "W1C", "bit q: queue q raised its interrupt; write 1 to acknowledge (bits of queues the engine lacks read 0)"),
    ("IRQ_ENABLE", 0x014, "RW", "bit q: queue q may drive the irq line"),
    ("BUSY_CYCLES", 0x020, "RO", "cycles with any queue busy (timing: the golden model's is an estimate)"),
    ("RD_BEATS", 0x024, "RO", "data beats read: sum of the queues' RD_BEATS"),
    ("WR_BEATS", 0x028, "RO", "data beats written: sum of the queues' WR_BEATS"),
    ("DESC_DONE", 0x02C, "RO", "descriptors retired: sum of the queues' DESC_DONE (with more than one queue, a cycle behind them)"),
    ("RD_STALL", 0x030, "RO", "read stall cycles: sum over queues (timing: the golden model reads 0)"),
    ("WR_STALL", 0x034, "RO", "write stall cycles: sum over queues (timing: the golden model reads 0)"),
]

QUEUE_BASE = 0x100    #: queue q's registers start at QUEUE_BASE + q * QUEUE_STRIDE
QUEUE_STRIDE = 0x80
MAX_QUEUES = 16

# Per-queue registers, offsets relative to the queue's block
QUEUE_REGS = [
    ("RING_BASE_LO", 0x00, "RW", "descriptor ring base [31:0] (32-byte aligned)"),
    ("RING_BASE_HI", 0x04, "RW", "descriptor ring base [63:32]; the engine addresses the ring at the base's bits below its ADDR_WIDTH (ring and completion area lie in the bus address space, wrapping at its top)"),
    ("COMP_BASE_LO", 0x08, "RW", "completion area base [31:0] (32-byte aligned)"),
    ("COMP_BASE_HI", 0x0C, "RW", "completion area base [63:32]; bits at and above ADDR_WIDTH are not used, as for RING_BASE"),
    ("RING_ORDER", 0x10, "RW", "ring holds 2**RING_ORDER descriptors; reset value 1; a write of 0 holds 1, above 16 holds 16; a write (only while the queue is IDLE) sets HEAD and TAIL to 0 and clears RECORD_ERROR and REC_FAULT*"),
    ("TAIL", 0x14, "RW", "doorbell: index of the next slot the driver will fill (held modulo the ring size)"),
    ("HEAD", 0x18, "RO", "next slot to complete: records of slots before it are final in memory"),
    ("CONTROL", 0x1C, "RW", "queue control"),
    ("STATUS", 0x20, "RO", "queue status"),
    ("IRQ_COUNT", 0x24, "RW", "coalescing: interrupt after this many completions (0: off)"),
    ("IRQ_TIMEOUT", 0x28, "RW", "coalescing: interrupt this many cycles after the last unreported completion (0: off)"),
    ("RATE", 0x2C, "RW", "throughput cap in 1/256 beats per cycle (0: uncapped)"),
    ("BUSY_CYCLES", 0x30, "RO", "cycles this queue was not IDLE (timing: the golden model's is an estimate)"),
    ("RD_BEATS", 0x34, "RO", "data beats read: length / bus bytes for each descriptor that moves data (SUCCESS, READ_ERROR, WRITE_ERROR: failed beats count), 0 for the others"),
    ("WR_BEATS", 0x38, "RO", "data beats written: as RD_BEATS (a beat read with an error is written with WSTRB 0 and counts)"),
    ("DESC_DONE", 0x3C, "RO", "descriptors retired (HEAD passed them), whatever their status"),
    ("RD_STALL", 0x40, "RO", "cycles an AR waited for READY or reads in flight saw no R beat (timing: the golden model reads 0)"),
    ("WR_STALL", 0x44, "RO", "cycles an AW or W waited for READY (timing: the golden model reads 0)"),
    ("REC_FAULT_LO", 0x48, "RO", "address [31:0] of the first completion record whose write failed since SOFT_RESET or the last RING_ORDER write (0: none)"),
    ("REC_FAULT_HI", 0x4C, "RO", "address [63:32] of that record"),
    ("REC_FAULTS", 0x50, "RO", "completion-record writes that failed since SOFT_RESET or the last RING_ORDER write (the record slot is left as it was; HEAD still advances)"),
]

REG_SPACE = 1 << 12   #: bytes of the AXI4-Lite register space (12 address bits)


@dataclass(frozen=True)
class BitField:
    """Bits [lsb + width - 1 : lsb] of a 32-bit register."""

    name: str
    lsb: int
    width: int = 1
    doc: str = ""

    @property
    def mask(self) -> int:
        """The field's bits in place."""
        return ((1 << self.width) - 1) << self.lsb

    @property
    def msb(self) -> int:
        return self.lsb + self.width - 1

    def get(self, word: int) -> int:
        """The field's value in register value ``word``."""
        return (word >> self.lsb) & ((1 << self.width) - 1)

    def put(self, value: int) -> int:
        """``value`` placed in the field (ValueError if it does not fit)."""
        if not 0 <= value < 1 << self.width:
            raise ValueError(f"{self.name} = {value} does not fit {self.width} bits")
        return value << self.lsb

    def bits(self) -> str:
        """'bit3' or '[15:8]', as the tables write it."""
        return f"bit{self.lsb}" if self.width == 1 else f"[{self.msb}:{self.lsb}]"


#: Bit fields of the global registers, by register name (registers not listed hold one
#: 32-bit value; IRQ_STATUS / IRQ_ENABLE hold one bit per queue).
GLOBAL_FIELDS: dict[str, tuple[BitField, ...]] = {
    "CONFIG": (
        BitField("QUEUES", 0, 8, "queues the engine implements"),
        BitField("LOG2_BUS_BYTES", 8, 8, "log2 of the data bus width in bytes"),
        BitField("BURSTS", 16, 8, "data bursts in flight per direction (the queues share them)"),
    ),
    "CONTROL": (
        BitField("ENABLE", 0, 1, "the engine may start descriptors"),
        BitField("SOFT_RESET", 1, 1, "write 1: stop taking work, let started descriptors"
                 " retire, then reset every register; reads 1 until done"),
    ),
    "STATUS": (
        BitField("BUSY", 0, 1, "some queue has work in flight (is not IDLE)"),
    ),
}

#: Bit fields of the per-queue registers, by register name.
QUEUE_FIELDS: dict[str, tuple[BitField, ...]] = {
    "CONTROL": (
        BitField("ENABLE", 0, 1, "the queue may start descriptors"),
        BitField("PAUSE", 1, 1, "start no new descriptor; started ones finish"),
        BitField("ABORT", 2, 1, "write 1: complete every descriptor up to TAIL, unstarted"
                 " ones ABORTED (reads 0)"),
    ),
    "STATUS": (
        BitField("IDLE", 0, 1, "HEAD == TAIL and nothing of the queue in flight"),
        BitField("PAUSED", 1, 1, "CONTROL.PAUSE is set and the queue's mover has nothing"
                 " in flight"),
        BitField("ERROR", 2, 1, "a descriptor completed with an error status (sticky until"
                 " SOFT_RESET)"),
        BitField("RECORD_ERROR", 3, 1, "a completion-record write failed: see REC_FAULT_*"
                 " (cleared by SOFT_RESET or a RING_ORDER write)"),
    ),
}


def field(reg: str, name: str, queue: bool = False) -> BitField:
    """The bit field ``name`` of global (or, ``queue``, per-queue) register ``reg``."""
    for f in (QUEUE_FIELDS if queue else GLOBAL_FIELDS).get(reg, ()):
        if f.name == name:
            return f
    raise KeyError(f"{'queue ' if queue else ''}{reg}.{name}")


CTRL_ENABLE = field("CONTROL", "ENABLE").mask
CTRL_SOFT_RESET = field("CONTROL", "SOFT_RESET").mask
STATUS_BUSY = field("STATUS", "BUSY").mask
QCTRL_ENABLE = field("CONTROL", "ENABLE", queue=True).mask
QCTRL_PAUSE = field("CONTROL", "PAUSE", queue=True).mask
QCTRL_ABORT = field("CONTROL", "ABORT", queue=True).mask
QSTATUS_IDLE = field("STATUS", "IDLE", queue=True).mask
QSTATUS_PAUSED = field("STATUS", "PAUSED", queue=True).mask
QSTATUS_ERROR = field("STATUS", "ERROR", queue=True).mask
QSTATUS_RECORD_ERROR = field("STATUS", "RECORD_ERROR", queue=True).mask

#: RING_ORDER: the value after reset, and the range a write is clamped to (0 reads back
#: as RING_ORDER_MIN, anything above RING_ORDER_MAX as RING_ORDER_MAX).
RING_ORDER_RESET = 1
RING_ORDER_MIN = 1
RING_ORDER_MAX = 16


def clamp_ring_order(value: int) -> int:
    """What RING_ORDER holds after ``value`` (a 32-bit word) is written to it."""
    return min(max(value, RING_ORDER_MIN), RING_ORDER_MAX)


# ------------------------------------------------------------------------- CONFIG word
@dataclass(frozen=True)
class EngineConfig:
    """What the read-only CONFIG register says about an engine build."""

    nr_queues: int
    bus_bytes: int
    bursts_in_flight: int


def pack_config(nr_queues: int, bus_bytes: int, bursts_in_flight: int) -> int:
    """The CONFIG register value of an engine build (bursts_in_flight is taken modulo 256,
    as the RTL's 8-bit field does)."""
    if bus_bytes <= 0 or bus_bytes & (bus_bytes - 1):
        raise ValueError(f"bus_bytes {bus_bytes} is not a power of 2")
    f = {x.name: x for x in GLOBAL_FIELDS["CONFIG"]}
    return (f["QUEUES"].put(nr_queues) | f["LOG2_BUS_BYTES"].put(bus_bytes.bit_length() - 1)
            | f["BURSTS"].put(bursts_in_flight & 0xFF))


def unpack_config(word: int) -> EngineConfig:
    """CONFIG register value -> EngineConfig."""
    f = {x.name: x for x in GLOBAL_FIELDS["CONFIG"]}
    return EngineConfig(f["QUEUES"].get(word), 1 << f["LOG2_BUS_BYTES"].get(word),
                        f["BURSTS"].get(word))


def global_reg(name: str) -> int:
    """Byte offset of a global register."""
    for reg, offset, _, _ in GLOBAL_REGS:
        if reg == name:
            return offset
    raise KeyError(name)


def queue_reg(queue: int, name: str) -> int:
    """Byte offset of a per-queue register of queue ``queue``."""
    if not 0 <= queue < MAX_QUEUES:
        raise ValueError(f"queue {queue} out of range 0..{MAX_QUEUES - 1}")
    for reg, offset, _, _ in QUEUE_REGS:
        if reg == name:
            return QUEUE_BASE + queue * QUEUE_STRIDE + offset
    raise KeyError(name)


@dataclass(frozen=True)
class RegAddress:
    """A decoded register offset: ``queue`` None for a global register."""

    name: str
    queue: int | None = None


def decode_offset(offset: int, nr_queues: int) -> RegAddress | None:
    """Which register an access to byte ``offset`` reaches on an engine with ``nr_queues``
    queues, as the RTL decodes it: the offset is taken modulo REG_SPACE; at or above
    QUEUE_BASE, queue (offset - QUEUE_BASE) // QUEUE_STRIDE, register (offset - QUEUE_BASE)
    % QUEUE_STRIDE; below it, a global register. None for an offset that names no register
    (or a queue the engine does not have): it reads 0 and ignores writes."""
    offset %= REG_SPACE
    if offset >= QUEUE_BASE:
        q, rel = divmod(offset - QUEUE_BASE, QUEUE_STRIDE)
        if q >= nr_queues:
            return None
        for name, off, _, _ in QUEUE_REGS:
            if off == rel:
                return RegAddress(name, q)
        return None
    for name, off, _, _ in GLOBAL_REGS:
        if off == offset:
            return RegAddress(name)
    return None


# ------------------------------------------------------------------------ burst rules
#: No data burst crosses this boundary (AXI4: a burst must not cross 4 KiB).
BURST_BOUNDARY = 4096
#: No data burst is longer than this many beats (AXI4 INCR: 256).
MAX_BURST_BEATS = 256


def bursts(src: int, dst: int, length: int, bus_bytes: int) -> list[tuple[int, int, int]]:
    """The bursts (src, dst, nbytes) the engine cuts a descriptor into: each ends at the
    next BURST_BOUNDARY of its source or of its destination, whichever comes first, after
    MAX_BURST_BEATS beats, or at the end. Each is read as one burst and written back as one
    burst (and it is the golden model's ``cpu_copy`` granule too)."""
    max_burst = MAX_BURST_BEATS * bus_bytes
    out = []
    off = 0
    while off < length:
        s, d = src + off, dst + off
        n = min(length - off, BURST_BOUNDARY - s % BURST_BOUNDARY,
                BURST_BOUNDARY - d % BURST_BOUNDARY, max_burst)
        out.append((s, d, n))
        off += n
    return out


# ------------------------------------------------------------------------ descriptor rules
def desc_align(bus_bytes: int = DESC_ALIGN) -> int:
    """The alignment descriptors need on an engine with a ``bus_bytes``-byte data bus."""
    return max(DESC_ALIGN, bus_bytes)


def descriptor_error(src: int, dst: int, length: int,
                     bus_bytes: int = DESC_ALIGN, flags: int = 0) -> str | None:
    """Why an engine with a ``bus_bytes``-byte bus would reject this descriptor
    (BAD_DESCRIPTOR), or None. ``flags``: its DESC_FLAG_* bits (unknown bits reject it)."""
    align = desc_align(bus_bytes)
    if flags & ~DESC_FLAGS_KNOWN:
        return f"unknown flag bits {flags & ~DESC_FLAGS_KNOWN:#x}"
    if length == 0:
        return "length is 0"
    if length > DESC_MAX_LENGTH:
        return f"length {length} exceeds {DESC_MAX_LENGTH}"
    for what, value in (("src", src), ("dst", dst), ("length", length)):
        if value % align:
            return f"{what} {value:#x} is not {align}-byte aligned"
    return None


def pack_descriptors(entries) -> np.ndarray:
    """entries: iterable of (src, dst, length, flags, cookie) -> DESCRIPTOR array."""
    return np.array([tuple(e) for e in entries], dtype=DESCRIPTOR)


def unpack_completions(raw) -> np.ndarray:
    """Bytes (or a uint8 array) of whole completion records -> COMPLETION array."""
    data = np.frombuffer(bytes(raw), dtype=np.uint8) if not isinstance(raw, np.ndarray) \
        else np.ascontiguousarray(raw, dtype=np.uint8)
    if data.size % COMPLETION.itemsize:
        raise ValueError(f"{data.size} bytes are not whole {COMPLETION.itemsize}-byte records")
    return data.view(COMPLETION)


#: Counters that count events the protocol fixes: the RTL and the golden model agree on
#: them exactly. The others (TIMING_COUNTERS) count cycles: the model's are estimates.
EXACT_COUNTERS = ("RD_BEATS", "WR_BEATS", "DESC_DONE")
TIMING_COUNTERS = ("BUSY_CYCLES", "RD_STALL", "WR_STALL")


# ---------------------------------------------------------------------- derived artefacts
def _field_offsets(dtype: np.dtype):
    assert dtype.fields is not None and dtype.names is not None   # a structured dtype
    return [(name, dtype.fields[name][1], dtype.fields[name][0].itemsize) for name in dtype.names]


def _field_params(prefix: str, reg: str, f: BitField) -> list[str]:
    """Verilog localparams of one bit field: _BIT for a 1-bit field, _LSB/_WIDTH otherwise."""
    base = f"{prefix}_{f.name}"
    if f.width == 1:
        return [f"localparam integer {base}_BIT = {f.lsb};"]
    return [f"localparam integer {base}_LSB = {f.lsb};",
            f"localparam integer {base}_WIDTH = {f.width};"]


#: Verilog / C name prefixes of the registers that have bit fields
_FIELD_PREFIX = {("g", "CONTROL"): "CTRL", ("g", "STATUS"): "STATUS", ("g", "CONFIG"): "CONFIG",
                 ("q", "CONTROL"): "QCTRL", ("q", "STATUS"): "QSTATUS"}


def _all_fields():
    """(prefix, register, field) of every bit field, global registers first."""
    for kind, table in (("g", GLOBAL_FIELDS), ("q", QUEUE_FIELDS)):
        for reg, fields in table.items():
            for f in fields:
                yield _FIELD_PREFIX[(kind, reg)], reg, f


def verilog_header() -> str:
    """rtl/foliodma_layout.vh: localparams the RTL includes (generated, do not edit)."""
    out = [
        "// Generated by `python -m harness gen` from harness/layout.py. Do not edit.",
        "// Included inside module bodies: localparams only.",
        "/* verilator lint_off UNUSEDPARAM */",
        f"localparam [31:0] ENGINE_ID = 32'h{ENGINE_ID:08X};",
        f"localparam integer DESC_BYTES = {DESCRIPTOR.itemsize};",
        f"localparam integer COMP_BYTES = {COMPLETION.itemsize};",
        f"localparam integer DESC_ALIGN = {DESC_ALIGN};",
        f"localparam [31:0] DESC_MAX_LENGTH = 32'd{DESC_MAX_LENGTH};",
        f"localparam integer DESC_FLAG_IRQ_BIT = {DESC_FLAG_IRQ.bit_length() - 1};",
        f"localparam integer DESC_FLAG_FENCE_BIT = {DESC_FLAG_FENCE.bit_length() - 1};",
        f"localparam [31:0] DESC_FLAGS_KNOWN = 32'h{DESC_FLAGS_KNOWN:08X};",
    ]
    for dtype, prefix in ((DESCRIPTOR, "DESC"), (COMPLETION, "COMP")):
        for name, offset, size in _field_offsets(dtype):
            out.append(f"localparam integer {prefix}_{name.upper()}_LSB = {offset * 8};"
                       f"  // {size * 8} bits")
    for value, name in STATUS_NAMES.items():
        out.append(f"localparam [3:0] STATUS_{name} = 4'd{value};")
    for name, offset, _, _ in GLOBAL_REGS:
        out.append(f"localparam [11:0] REG_{name} = 12'h{offset:03X};")
    out.append(f"localparam [11:0] QUEUE_BASE = 12'h{QUEUE_BASE:03X};")
    out.append(f"localparam [11:0] QUEUE_STRIDE = 12'h{QUEUE_STRIDE:03X};")
    for name, offset, _, _ in QUEUE_REGS:
        out.append(f"localparam [6:0] QREG_{name} = 7'h{offset:02X};")
    # added after the names above (which the RTL already uses): bit fields, queue decode,
    # ring order and burst rules
    out.append("// register bit fields")
    for prefix, reg, f in _all_fields():
        out += _field_params(prefix, reg, f)
    out += [
        "// queue decode: offset >= QUEUE_BASE is queue (offset - QUEUE_BASE) >> QUEUE_INDEX_LSB,"
        " register (offset - QUEUE_BASE) % QUEUE_STRIDE",
        f"localparam integer QUEUE_INDEX_LSB = {QUEUE_STRIDE.bit_length() - 1};",
        f"localparam integer MAX_QUEUES = {MAX_QUEUES};",
        f"localparam integer RING_ORDER_RESET = {RING_ORDER_RESET};",
        f"localparam integer RING_ORDER_MIN = {RING_ORDER_MIN};",
        f"localparam integer RING_ORDER_MAX = {RING_ORDER_MAX};",
        "// burst rules: no data burst crosses BURST_BOUNDARY bytes or exceeds MAX_BURST_BEATS",
        f"localparam integer BURST_BOUNDARY = {BURST_BOUNDARY};",
        f"localparam integer BURST_BOUNDARY_BITS = {BURST_BOUNDARY.bit_length() - 1};",
        f"localparam integer MAX_BURST_BEATS = {MAX_BURST_BEATS};",
        f"localparam integer MAX_BUS_BYTES = {MAX_BUS_BYTES};",
    ]
    out.append("/* verilator lint_on UNUSEDPARAM */")
    return "\n".join(out) + "\n"


_C_TYPES = {1: "uint8_t", 2: "uint16_t", 4: "uint32_t", 8: "uint64_t"}


def c_header() -> str:
    """rtl/foliodma.h: the protocol for a C driver (generated, do not edit)."""
    o = [
        "/* Generated by `python -m harness gen` from harness/layout.py. Do not edit.",
        " *",
        " * foliodma: register map, bit fields, descriptor and completion record layouts,",
        " * status codes, descriptor and burst rules. All multi-byte fields are",
        " * little-endian; registers are 32 bits wide. */",
        "#ifndef FOLIODMA_H",
        "#define FOLIODMA_H",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__",
        "#error \"foliodma.h: the structs below describe little-endian memory\"",
        "#endif",
        "",
        "#if defined(__GNUC__)",
        "#define FOLIODMA_PACKED __attribute__((packed))",
        "#else",
        "#define FOLIODMA_PACKED",
        "#endif",
        "",
        f"#define FOLIODMA_ENGINE_ID 0x{ENGINE_ID:08X}u",
        f"#define FOLIODMA_REG_SPACE 0x{REG_SPACE:X}u",
        "",
        "/* global registers (byte offsets) */",
    ]
    o += [f"#define FOLIODMA_REG_{n} 0x{off:03X}u  /* {a} */" for n, off, a, _ in GLOBAL_REGS]
    o += ["", "/* queue registers: queue q's block at FOLIODMA_QUEUE_BASE + q * FOLIODMA_QUEUE_STRIDE */",
          f"#define FOLIODMA_QUEUE_BASE 0x{QUEUE_BASE:03X}u",
          f"#define FOLIODMA_QUEUE_STRIDE 0x{QUEUE_STRIDE:03X}u",
          f"#define FOLIODMA_MAX_QUEUES {MAX_QUEUES}u"]
    o += [f"#define FOLIODMA_QREG_{n} 0x{off:02X}u  /* {a} */" for n, off, a, _ in QUEUE_REGS]
    o += ["#define FOLIODMA_QUEUE_REG(q, qreg) \\",
          "    (FOLIODMA_QUEUE_BASE + (uint32_t)(q) * FOLIODMA_QUEUE_STRIDE + (qreg))",
          "", "/* register bit fields: _BIT / _MASK, or _LSB / _WIDTH / _MASK */"]
    for prefix, reg, f in _all_fields():
        base = f"FOLIODMA_{prefix}_{f.name}"
        if f.width == 1:
            o.append(f"#define {base}_BIT {f.lsb}u")
        else:
            o += [f"#define {base}_LSB {f.lsb}u", f"#define {base}_WIDTH {f.width}u"]
        o.append(f"#define {base}_MASK 0x{f.mask:08X}u  /* {reg}: {f.doc} */")
    o += ["",
          "/* CONFIG accessors */",
          "static inline uint32_t foliodma_config_queues(uint32_t config)",
          "{ return (config & FOLIODMA_CONFIG_QUEUES_MASK) >> FOLIODMA_CONFIG_QUEUES_LSB; }",
          "static inline uint32_t foliodma_config_bus_bytes(uint32_t config)",
          "{ return 1u << ((config & FOLIODMA_CONFIG_LOG2_BUS_BYTES_MASK) >> FOLIODMA_CONFIG_LOG2_BUS_BYTES_LSB); }",
          "static inline uint32_t foliodma_config_bursts(uint32_t config)",
          "{ return (config & FOLIODMA_CONFIG_BURSTS_MASK) >> FOLIODMA_CONFIG_BURSTS_LSB; }",
          "static inline uint32_t foliodma_config_pack(uint32_t queues, uint32_t log2_bus_bytes, uint32_t bursts)",
          "{",
          "    return ((queues << FOLIODMA_CONFIG_QUEUES_LSB) & FOLIODMA_CONFIG_QUEUES_MASK)",
          "         | ((log2_bus_bytes << FOLIODMA_CONFIG_LOG2_BUS_BYTES_LSB) & FOLIODMA_CONFIG_LOG2_BUS_BYTES_MASK)",
          "         | ((bursts << FOLIODMA_CONFIG_BURSTS_LSB) & FOLIODMA_CONFIG_BURSTS_MASK);",
          "}",
          "",
          "/* RING_ORDER: reset value, and the range a written value is clamped to */",
          f"#define FOLIODMA_RING_ORDER_RESET {RING_ORDER_RESET}u",
          f"#define FOLIODMA_RING_ORDER_MIN {RING_ORDER_MIN}u",
          f"#define FOLIODMA_RING_ORDER_MAX {RING_ORDER_MAX}u",
          "",
          "/* descriptor rules */",
          f"#define FOLIODMA_DESC_FLAG_IRQ 0x{DESC_FLAG_IRQ:X}u",
          f"#define FOLIODMA_DESC_ALIGN {DESC_ALIGN}u  /* or the bus width in bytes, if larger */",
          f"#define FOLIODMA_DESC_MAX_LENGTH {DESC_MAX_LENGTH}u",
          f"#define FOLIODMA_MAX_BUS_BYTES {MAX_BUS_BYTES}u",
          "",
          "/* burst rules: no data burst crosses FOLIODMA_BURST_BOUNDARY or exceeds",
          " * FOLIODMA_MAX_BURST_BEATS beats */",
          f"#define FOLIODMA_BURST_BOUNDARY {BURST_BOUNDARY}u",
          f"#define FOLIODMA_MAX_BURST_BEATS {MAX_BURST_BEATS}u",
          "",
          "/* completion status codes */"]
    o += [f"#define FOLIODMA_STATUS_{n} {v}u" for v, n in STATUS_NAMES.items()]
    for tag, dtype in (("foliodma_desc", DESCRIPTOR), ("foliodma_completion", COMPLETION)):
        o += ["", f"struct {tag} {{"]
        o += [f"    {_C_TYPES[size]} {name};" for name, _, size in _field_offsets(dtype)]
        o += ["} FOLIODMA_PACKED;",
              f"_Static_assert(sizeof(struct {tag}) == {dtype.itemsize}, \"{tag} size\");"]
        o += [f"_Static_assert(offsetof(struct {tag}, {name}) == {off}, \"{tag}.{name}\");"
              for name, off, _ in _field_offsets(dtype)]
    o += ["", "#endif /* FOLIODMA_H */"]
    return "\n".join(o) + "\n"


def _meaning(desc: str, fields) -> str:
    if not fields:
        return desc
    return desc + ": " + "; ".join(f"{f.bits()} {f.name} ({f.doc})" for f in fields)


def markdown_tables() -> str:
    """The README's register map and record layout tables (generated, checked by a test)."""
    out = ["#### Global registers", "", "| offset | name | access | meaning |", "|---|---|---|---|"]
    out += [f"| 0x{o:03X} | {n} | {a} | {_meaning(d, GLOBAL_FIELDS.get(n))} |"
            for n, o, a, d in GLOBAL_REGS]
    out += ["", f"#### Queue registers (queue q at 0x{QUEUE_BASE:03X} + q * 0x{QUEUE_STRIDE:02X},"
            f" up to {MAX_QUEUES} queues)", "",
            "| offset | name | access | meaning |", "|---|---|---|---|"]
    out += [f"| +0x{o:02X} | {n} | {a} | {_meaning(d, QUEUE_FIELDS.get(n))} |"
            for n, o, a, d in QUEUE_REGS]
    out += ["", f"Decode: the offset is taken modulo 0x{REG_SPACE:X}; at or above 0x{QUEUE_BASE:03X}"
            f" it is queue (offset - 0x{QUEUE_BASE:03X}) / 0x{QUEUE_STRIDE:02X}, register"
            f" (offset - 0x{QUEUE_BASE:03X}) % 0x{QUEUE_STRIDE:02X}; an offset that names no"
            " register, or a queue the engine lacks, reads 0 and ignores writes."
            f" Counters {', '.join(EXACT_COUNTERS)} count events the protocol fixes (the golden"
            f" model agrees exactly); {', '.join(TIMING_COUNTERS)} count cycles (the golden"
            " model's are estimates). Every register, counters included, is 0 after reset"
            f" except RING_ORDER ({RING_ORDER_RESET}) and ID / CONFIG."]
    for title, dtype in (("Descriptor", DESCRIPTOR), ("Completion record", COMPLETION)):
        out += ["", f"#### {title} ({dtype.itemsize} bytes, little-endian)", "",
                "| byte offset | field | bits |", "|---|---|---|"]
        out += [f"| {o} | {n} | {s * 8} |" for n, o, s in _field_offsets(dtype)]
    out += ["", "#### Completion status codes", "", "| code | status |", "|---|---|"]
    out += [f"| {v} | {n} |" for v, n in STATUS_NAMES.items()]
    out += ["", f"Descriptor rules: src, dst and length are multiples of {DESC_ALIGN}"
            f" (of the bus width on a bus wider than {DESC_ALIGN} bytes);"
            f" 0 < length <= {DESC_MAX_LENGTH}; flag bit 0 (IRQ) asks for an interrupt"
            " when the descriptor completes; flag bit 1 (FENCE) starts it only after every"
            " earlier descriptor of its queue has all its writes acknowledged; anything"
            " else (another flag bit included) completes BAD_DESCRIPTOR and writes nothing.",
            "",
            f"Burst rules: the engine cuts a descriptor into bursts that end at the next"
            f" {BURST_BOUNDARY}-byte boundary of the source or of the destination, whichever"
            f" comes first, after {MAX_BURST_BEATS} beats, or at the end; each is read as one"
            " burst and written back as one burst (`layout.bursts`).",
            "",
            f"Ring faults: descriptor fetches and record writes move aligned blocks of"
            f" max({DESCRIPTOR.itemsize}, bus bytes) bytes (the ring granule). A descriptor whose"
            " granule cannot be read (a fetch burst that fails is retried per descriptor)"
            " completes FETCH_ERROR: cookie 0, bytes 0, fault_addr = the descriptor's bus address"
            " (every fault address is a bus address: below 2**ADDR_WIDTH),"
            " nothing read or written, interrupt raised. A record whose write fails is not"
            " retried: its slot keeps what it held, the queue sets STATUS.RECORD_ERROR, counts"
            " REC_FAULTS, latches the first such record's address in REC_FAULT_LO/HI, raises"
            " its interrupt, and HEAD advances past the descriptor (its data traffic is over)."]
    return "\n".join(out) + "\n"
