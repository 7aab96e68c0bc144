"""Hex files for the memory model's backdoor ($readmemh / $writememh).

One line per 64-byte memory word, 128 hex digits, most significant first; byte 0 of the
word is bits [7:0], so a word's digits are its bytes in reverse order.
"""
from __future__ import annotations

import numpy as np

LINE = 64
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def write_hex(path, data: np.ndarray) -> None:
    """Write uint8 ``data`` (a whole number of 64-byte lines) as a $readmemh file."""
    data = np.asarray(data, dtype=np.uint8).reshape(-1, LINE)[:, ::-1]
    digits = np.empty((data.shape[0], 2 * LINE + 1), dtype=np.uint8)
    digits[:, 0:-1:2] = _HEX[data >> 4]
    digits[:, 1:-1:2] = _HEX[data & 0xF]
    digits[:, -1] = ord("\n")
    with open(path, "wb") as fh:
        fh.write(digits.tobytes())


def read_hex(path) -> np.ndarray:
    """Read a $writememh file of 64-byte words back as uint8 (x/z digits read as 0)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    lines = [ln for ln in raw.split(b"\n") if ln and not ln.startswith(b"//")]
    text = np.frombuffer(b"".join(lines), dtype=np.uint8).reshape(len(lines), 2 * LINE)
    value = np.zeros_like(text)
    digit = (text >= ord("0")) & (text <= ord("9"))
    value[digit] = text[digit] - ord("0")
    lower = (text >= ord("a")) & (text <= ord("f"))
    value[lower] = text[lower] - ord("a") + 10
    upper = (text >= ord("A")) & (text <= ord("F"))
    value[upper] = text[upper] - ord("A") + 10
    nbytes = (value[:, 0::2] << 4) | value[:, 1::2]
    return nbytes[:, ::-1].reshape(-1).astype(np.uint8)
