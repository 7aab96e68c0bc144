"""The one source of truth for what the engine and the driver agree on.

Register map (AXI4-Lite, 32-bit registers, byte offsets), descriptor and completion
record layouts (numpy structured dtypes), status codes and descriptor rules.

Everything else is derived from this file:
  * rtl/foliodma_layout.vh    -- Verilog localparams (`python -m harness gen`), checked by
                                 tests/test_layout.py to be up to date;
  * the README tables         -- also generated here and checked by the same test.
"""
from __future__ import annotations

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
    ("CONFIG", 0x004, "RO", "[7:0] queues, [15:8] log2(bus bytes), [23:16] data bursts in flight per direction per queue"),
    ("CONTROL", 0x008, "RW", "bit0 ENABLE; bit1 SOFT_RESET (reads 1 until started work has drained and every register is reset)"),
    ("STATUS", 0x00C, "RO", "bit0 BUSY (some queue has work in flight)"),
    ("IRQ_STATUS", 0x010, "W1C", "bit q: queue q raised its interrupt; write 1 to acknowledge"),
    ("IRQ_ENABLE", 0x014, "RW", "bit q: queue q may drive the irq line"),
    ("BUSY_CYCLES", 0x020, "RO", "cycles with any queue busy"),
    ("RD_BEATS", 0x024, "RO", "data read beats: sum over queues"),
    ("WR_BEATS", 0x028, "RO", "data write beats: sum over queues"),
    ("DESC_DONE", 0x02C, "RO", "descriptors completed: sum over queues"),
    ("RD_STALL", 0x030, "RO", "read stall cycles: sum over queues"),
    ("WR_STALL", 0x034, "RO", "write stall cycles: sum over queues"),
]

QUEUE_BASE = 0x100    #: queue q's registers start at QUEUE_BASE + q * QUEUE_STRIDE
QUEUE_STRIDE = 0x80
MAX_QUEUES = 16

# Per-queue registers, offsets relative to the queue's block
QUEUE_REGS = [
    ("RING_BASE_LO", 0x00, "RW", "descriptor ring base [31:0] (32-byte aligned)"),
    ("RING_BASE_HI", 0x04, "RW", "descriptor ring base [63:32]"),
    ("COMP_BASE_LO", 0x08, "RW", "completion area base [31:0] (32-byte aligned)"),
    ("COMP_BASE_HI", 0x0C, "RW", "completion area base [63:32]"),
    ("RING_ORDER", 0x10, "RW", "ring holds 2**RING_ORDER descriptors (1..16); writing it resets HEAD and TAIL"),
    ("TAIL", 0x14, "RW", "doorbell: index of the next slot the driver will fill"),
    ("HEAD", 0x18, "RO", "next slot to complete: records of slots before it are final in memory"),
    ("CONTROL", 0x1C, "RW", "bit0 ENABLE; bit1 PAUSE; bit2 ABORT (write 1: complete all up to TAIL, unstarted ones ABORTED)"),
    ("STATUS", 0x20, "RO", "bit0 IDLE; bit1 PAUSED; bit2 ERROR (a descriptor completed with an error status); bit3 RECORD_ERROR (a completion-record write failed: see REC_FAULT_*; cleared by SOFT_RESET or a RING_ORDER write)"),
    ("IRQ_COUNT", 0x24, "RW", "coalescing: interrupt after this many completions (0: off)"),
    ("IRQ_TIMEOUT", 0x28, "RW", "coalescing: interrupt this many cycles after the last unreported completion (0: off)"),
    ("RATE", 0x2C, "RW", "throughput cap in 1/256 beats per cycle (0: uncapped)"),
    ("BUSY_CYCLES", 0x30, "RO", "cycles this queue had work in flight"),
    ("RD_BEATS", 0x34, "RO", "data beats read"),
    ("WR_BEATS", 0x38, "RO", "data beats written"),
    ("DESC_DONE", 0x3C, "RO", "descriptors completed"),
    ("RD_STALL", 0x40, "RO", "cycles an AR waited for READY or reads in flight saw no R beat"),
    ("WR_STALL", 0x44, "RO", "cycles an AW or W waited for READY"),
    ("REC_FAULT_LO", 0x48, "RO", "address [31:0] of the first completion record whose write failed since SOFT_RESET or the last RING_ORDER write (0: none)"),
    ("REC_FAULT_HI", 0x4C, "RO", "address [63:32] of that record"),
    ("REC_FAULTS", 0x50, "RO", "completion-record writes that failed since SOFT_RESET or the last RING_ORDER write (the record slot is left as it was; HEAD still advances)"),
]

CTRL_ENABLE = 1 << 0
CTRL_SOFT_RESET = 1 << 1
QCTRL_ENABLE = 1 << 0
QCTRL_PAUSE = 1 << 1
QCTRL_ABORT = 1 << 2
QSTATUS_IDLE = 1 << 0
QSTATUS_PAUSED = 1 << 1
QSTATUS_ERROR = 1 << 2
QSTATUS_RECORD_ERROR = 1 << 3


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


# ---------------------------------------------------------------------- derived artefacts
def _field_offsets(dtype: np.dtype):
    return [(name, dtype.fields[name][1], dtype.fields[name][0].itemsize) for name in dtype.names]


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
    out.append("/* verilator lint_on UNUSEDPARAM */")
    return "\n".join(out) + "\n"


def markdown_tables() -> str:
    """The README's register map and record layout tables (generated, checked by a test)."""
    out = ["#### Global registers", "", "| offset | name | access | meaning |", "|---|---|---|---|"]
    out += [f"| 0x{o:03X} | {n} | {a} | {d} |" for n, o, a, d in GLOBAL_REGS]
    out += ["", f"#### Queue registers (queue q at 0x{QUEUE_BASE:03X} + q * 0x{QUEUE_STRIDE:02X},"
            f" up to {MAX_QUEUES} queues)", "",
            "| offset | name | access | meaning |", "|---|---|---|---|"]
    out += [f"| +0x{o:02X} | {n} | {a} | {d} |" for n, o, a, d in QUEUE_REGS]
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
            f"Ring faults: descriptor fetches and record writes move aligned blocks of"
            f" max({DESCRIPTOR.itemsize}, bus bytes) bytes (the ring granule). A descriptor whose"
            " granule cannot be read (a fetch burst that fails is retried per descriptor)"
            " completes FETCH_ERROR: cookie 0, bytes 0, fault_addr = the descriptor's address,"
            " nothing read or written, interrupt raised. A record whose write fails is not"
            " retried: its slot keeps what it held, the queue sets STATUS.RECORD_ERROR, counts"
            " REC_FAULTS, latches the first such record's address in REC_FAULT_LO/HI, raises"
            " its interrupt, and HEAD advances past the descriptor (its data traffic is over)."]
    return "\n".join(out) + "\n"
