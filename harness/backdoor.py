"""The memory's backdoor, as the host side uses it: bulk reads and writes of many ranges
through any Device (``read_ranges`` / ``write_ranges``), and the hex files of the RTL memory
model's backdoor ($readmemh / $writememh).

One line per 64-byte memory word, 128 hex digits, most significant first; byte 0 of the
word is bits [7:0], so a word's digits are its bytes in reverse order.
"""
from __future__ import annotations

import os

import numpy as np

LINE = 64
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def write_hex(path, data: np.ndarray) -> None:
    """Write uint8 ``data`` (a whole number of 64-byte lines) as a $readmemh file (a new
    file: see ``remove``)."""
    data = np.asarray(data, dtype=np.uint8).reshape(-1, LINE)[:, ::-1]
    digits = np.empty((data.shape[0], 2 * LINE + 1), dtype=np.uint8)
    digits[:, 0:-1:2] = _HEX[data >> 4]
    digits[:, 1:-1:2] = _HEX[data & 0xF]
    digits[:, -1] = ord("\n")
    remove(path)
    with open(path, "wb") as fh:
        fh.write(digits.tobytes())


def remove(path) -> None:
    """Delete ``path`` if it exists. A backdoor file is written anew each time rather than
    truncated: ext4 flushes a file truncated to zero length when it is closed again
    (auto_da_alloc), ~1 ms per backdoor access, and the simulation waits for it."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


_NIBBLE = np.zeros(256, dtype=np.uint8)          # ASCII hex digit -> value (x/z/other -> 0)
_NIBBLE[ord("0"):ord("9") + 1] = np.arange(10)
_NIBBLE[ord("a"):ord("f") + 1] = np.arange(10, 16)
_NIBBLE[ord("A"):ord("F") + 1] = np.arange(10, 16)


def read_hex(path) -> np.ndarray:
    """Read a $writememh file of 64-byte words back as uint8 (x/z digits read as 0).

    Vectorized: lines are found from the newline positions; lines that are not 128 digits
    (Icarus writes a ``// 0x<address>`` comment every few words) are skipped.
    """
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size and raw[-1] != ord("\n"):
        raw = np.append(raw, np.uint8(ord("\n")))
    ends = np.flatnonzero(raw == ord("\n"))
    lengths = np.diff(ends, prepend=-1)                     # line lengths including "\n"
    keep = lengths == 2 * LINE + 1
    if not keep.all():
        raw = raw[np.repeat(keep, lengths)]
    text = raw.reshape(-1, 2 * LINE + 1)[:, :2 * LINE]
    value = _NIBBLE[text]
    nbytes = (value[:, 0::2] << 4) | value[:, 1::2]
    return nbytes[:, ::-1].reshape(-1).astype(np.uint8)


# ------------------------------------------------------------------ bulk access
#: ranges closer than this are read with one backdoor access (each access has a fixed
#: cost in the simulator: a file written and parsed; one per folio dominated make sim)
BULK_GAP = 256 << 10

async def read_ranges(dev, ranges: list[tuple[int, int]]) -> list[np.ndarray]:
    """Memory of every (addr, nbytes), reading runs of nearby ranges at once (views into
    one array per run: callers must not write into them)."""
    out: list[np.ndarray | None] = [None] * len(ranges)
    order = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
    k = 0
    while k < len(order):
        lo = ranges[order[k]][0]
        hi = lo + ranges[order[k]][1]
        j = k + 1
        while j < len(order) and ranges[order[j]][0] <= hi + BULK_GAP:
            hi = max(hi, ranges[order[j]][0] + ranges[order[j]][1])
            j += 1
        run = np.asarray(await dev.mem_read(lo, hi - lo), dtype=np.uint8)
        for i in order[k:j]:
            a, n = ranges[i]
            # a view, not a copy: the ranges cover most of a run (gaps < BULK_GAP), and a
            # copy doubled the peak memory of a 1 GiB validation
            out[i] = run[a - lo:a - lo + n]
        k = j
    return [x for x in out if x is not None]      # every range was read: all filled

async def write_ranges(dev, items: list[tuple[int, np.ndarray]]) -> None:
    """Write every (addr, data), adjacent ranges with one backdoor access."""
    items = sorted(items, key=lambda it: it[0])
    k = 0
    while k < len(items):
        j, end = k + 1, items[k][0] + items[k][1].size
        while j < len(items) and items[j][0] == end:
            end += items[j][1].size
            j += 1
        await dev.mem_write(items[k][0], np.concatenate([d for _, d in items[k:j]]))
        k = j
