"""harness/layout.py: dtypes, register arithmetic, descriptor rules, generated artefacts.

Pure Python, no simulator. The last tests make the generated files impossible to drift:
rtl/foliodma_layout.vh and the README tables must equal what layout.py generates
(fix with `python -m harness gen`).
"""
from pathlib import Path

import numpy as np
import pytest

from harness import cli, layout

REPO = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------ dtypes
def _offsets(dtype):
    return {name: dtype.fields[name][1] for name in dtype.names}


def test_descriptor_dtype():
    assert layout.DESCRIPTOR.itemsize == 32
    assert _offsets(layout.DESCRIPTOR) == {"src": 0, "dst": 8, "length": 16, "flags": 20,
                                           "cookie": 24}
    assert all(layout.DESCRIPTOR.fields[n][0].byteorder in "<=|" for n in layout.DESCRIPTOR.names)


def test_completion_dtype():
    assert layout.COMPLETION.itemsize == 32
    assert _offsets(layout.COMPLETION) == {"cookie": 0, "status": 8, "bytes_completed": 12,
                                           "fault_addr": 16, "reserved": 24}


def test_pack_descriptors_bytes_are_little_endian():
    d = layout.pack_descriptors([(0x1000, 0x2000, 4096, layout.DESC_FLAG_IRQ, 0xABCD)])
    assert d.dtype == layout.DESCRIPTOR and d.shape == (1,)
    raw = d.tobytes()
    assert len(raw) == 32
    assert int.from_bytes(raw[0:8], "little") == 0x1000
    assert int.from_bytes(raw[8:16], "little") == 0x2000
    assert int.from_bytes(raw[16:20], "little") == 4096
    assert int.from_bytes(raw[20:24], "little") == layout.DESC_FLAG_IRQ
    assert int.from_bytes(raw[24:32], "little") == 0xABCD


def test_pack_descriptors_empty_and_many():
    assert layout.pack_descriptors([]).shape == (0,)
    d = layout.pack_descriptors((i * 64, i * 64 + 4096, 64, 0, i) for i in range(512))
    assert d.nbytes == 512 * 32
    assert np.array_equal(d["cookie"], np.arange(512))


# ------------------------------------------------------------------------- register map
def test_global_reg_offsets():
    assert layout.global_reg("ID") == 0x000
    assert layout.global_reg("IRQ_STATUS") == 0x010
    assert layout.global_reg("WR_STALL") == 0x034
    for name, offset, _, _ in layout.GLOBAL_REGS:
        assert layout.global_reg(name) == offset


def test_global_reg_unknown():
    with pytest.raises(KeyError):
        layout.global_reg("TAIL")  # a queue register, not a global one


def test_queue_reg_arithmetic():
    assert layout.queue_reg(0, "RING_BASE_LO") == 0x100
    assert layout.queue_reg(0, "TAIL") == 0x114
    assert layout.queue_reg(1, "TAIL") == 0x194
    last = layout.MAX_QUEUES - 1
    assert layout.queue_reg(last, "WR_STALL") == 0x100 + last * 0x80 + 0x44


@pytest.mark.parametrize("queue", [-1, layout.MAX_QUEUES, 100])
def test_queue_reg_bad_queue(queue):
    with pytest.raises(ValueError):
        layout.queue_reg(queue, "TAIL")


def test_queue_reg_unknown_name():
    with pytest.raises(KeyError):
        layout.queue_reg(0, "ID")


def test_register_map_well_formed():
    """Unique names, 4-byte aligned, no overlaps, fits the 12-bit AXI4-Lite space."""
    for regs, limit in ((layout.GLOBAL_REGS, layout.QUEUE_BASE),
                        (layout.QUEUE_REGS, layout.QUEUE_STRIDE)):
        names = [r[0] for r in regs]
        offsets = [r[1] for r in regs]
        assert len(set(names)) == len(names)
        assert len(set(offsets)) == len(offsets)
        assert all(o % 4 == 0 and 0 <= o < limit for o in offsets)
        assert all(r[2] in ("RO", "RW", "W1C") for r in regs)
    end = layout.QUEUE_BASE + layout.MAX_QUEUES * layout.QUEUE_STRIDE
    assert end <= 1 << 12


# ---------------------------------------------------------------------- descriptor rules
def test_descriptor_ok():
    assert layout.descriptor_error(0x1000, 0x20000, 4096) is None
    assert layout.descriptor_error(0, 64, 64) is None
    assert layout.descriptor_error(1 << 40, 2 << 40, 2 << 20) is None  # 64-bit addresses
    assert layout.descriptor_error(0, 0, layout.DESC_MAX_LENGTH) is None  # the maximum


def test_descriptor_zero_length():
    assert "length is 0" in layout.descriptor_error(0x1000, 0x2000, 0)


def test_descriptor_too_long():
    msg = layout.descriptor_error(0, 0, layout.DESC_MAX_LENGTH + layout.DESC_ALIGN)
    assert msg is not None and "exceeds" in msg


@pytest.mark.parametrize("field, args", [
    ("src", (0x1020, 0x2000, 4096)),
    ("dst", (0x1000, 0x2004, 4096)),
    ("length", (0x1000, 0x2000, 4096 + 1)),
])
def test_descriptor_misaligned(field, args):
    msg = layout.descriptor_error(*args)
    assert msg is not None and msg.startswith(field) and "aligned" in msg


def test_descriptor_alignment_follows_a_wide_bus():
    """64 bytes up to a 512-bit bus; a 1024-bit bus moves 128-byte beats, so 128."""
    assert [layout.desc_align(b) for b in (8, 64, 128)] == [64, 64, 128]
    assert layout.descriptor_error(0x1040, 0x2000, 4096, bus_bytes=64) is None
    msg = layout.descriptor_error(0x1040, 0x2000, 4096, bus_bytes=128)
    assert msg is not None and msg.startswith("src") and "128-byte" in msg
    assert layout.descriptor_error(0x1080, 0x2000, 4096 - 128, bus_bytes=128) is None


def test_status_names_cover_codes():
    codes = [layout.STATUS_PENDING, layout.STATUS_SUCCESS, layout.STATUS_READ_ERROR,
             layout.STATUS_WRITE_ERROR, layout.STATUS_BAD_DESCRIPTOR, layout.STATUS_ABORTED,
             layout.STATUS_FETCH_ERROR]
    assert sorted(layout.STATUS_NAMES) == sorted(codes) == list(range(len(codes)))


# ------------------------------------------------------------------ generated artefacts
def test_verilog_header_is_up_to_date():
    path = REPO / "rtl" / "foliodma_layout.vh"
    assert path.read_text() == layout.verilog_header(), \
        "rtl/foliodma_layout.vh is stale: run `python -m harness gen`"


def test_verilog_header_contents():
    vh = layout.verilog_header()
    assert "localparam [31:0] ENGINE_ID = 32'hF01D0001;" in vh
    assert "localparam integer DESC_BYTES = 32;" in vh
    assert "localparam [11:0] REG_IRQ_STATUS = 12'h010;" in vh
    assert "localparam [6:0] QREG_TAIL = 7'h14;" in vh
    assert "localparam integer DESC_LENGTH_LSB = 128;" in vh
    assert "localparam [3:0] STATUS_ABORTED = 4'd5;" in vh


def test_readme_tables_are_up_to_date():
    readme = (REPO / "README.md").read_text()
    assert layout.markdown_tables() in readme, \
        "README.md register map is stale: run `python -m harness gen`"
    begin = readme.index(cli.README_BEGIN)
    end = readme.index(cli.README_END)
    assert readme[begin:end] == cli.README_BEGIN + "\n" + layout.markdown_tables()


def test_gen_check_passes():
    assert cli.main(["gen", "--check"]) == 0


def test_readme_with_tables_replaces_only_the_block():
    text = f"head\n{cli.README_BEGIN}\nold\n{cli.README_END}\ntail\n"
    new = cli.readme_with_tables(text, "TABLES\n")
    assert new == f"head\n{cli.README_BEGIN}\nTABLES\n{cli.README_END}\ntail\n"
    with pytest.raises(ValueError):
        cli.readme_with_tables("no markers here\n", "TABLES\n")
