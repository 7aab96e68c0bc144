"""harness/layout.py: dtypes, register arithmetic and bit fields, CONFIG, queue decode,
descriptor and burst rules, generated artefacts.

No simulator. The last tests make the generated files impossible to drift:
rtl/foliodma_layout.vh, rtl/foliodma.h and the README tables must equal what layout.py
generates (fix with `python -m harness gen`); the C header is compiled with
``gcc -std=c11 -Wall -Werror`` together with tests/c/layout_check.c, whose descriptor
encoding and record decoding are compared byte for byte with the Python ones.
"""
import shutil
import subprocess
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


def test_c_header_is_up_to_date():
    path = REPO / "rtl" / "foliodma.h"
    assert path.read_text() == layout.c_header(), \
        "rtl/foliodma.h is stale: run `python -m harness gen`"


def test_gen_check_reports_a_stale_c_header(tmp_path, monkeypatch):
    stale = tmp_path / "foliodma.h"
    stale.write_text(layout.c_header().replace("FOLIODMA_QREG_TAIL 0x14u", "FOLIODMA_QREG_TAIL 0x18u"))
    monkeypatch.setattr(cli, "C_HEADER", stale)
    monkeypatch.setattr(cli, "REPO_ROOT", tmp_path)
    assert cli.main(["gen", "--check"]) == 1
    assert stale.read_text() != layout.c_header()     # --check writes nothing


def test_verilog_header_has_bit_fields_and_burst_rules():
    vh = layout.verilog_header()
    for line in ("localparam integer CTRL_ENABLE_BIT = 0;",
                 "localparam integer CTRL_SOFT_RESET_BIT = 1;",
                 "localparam integer STATUS_BUSY_BIT = 0;",
                 "localparam integer QCTRL_ENABLE_BIT = 0;",
                 "localparam integer QCTRL_PAUSE_BIT = 1;",
                 "localparam integer QCTRL_ABORT_BIT = 2;",
                 "localparam integer QSTATUS_IDLE_BIT = 0;",
                 "localparam integer QSTATUS_PAUSED_BIT = 1;",
                 "localparam integer QSTATUS_ERROR_BIT = 2;",
                 "localparam integer QSTATUS_RECORD_ERROR_BIT = 3;",
                 "localparam integer CONFIG_QUEUES_LSB = 0;",
                 "localparam integer CONFIG_LOG2_BUS_BYTES_LSB = 8;",
                 "localparam integer CONFIG_BURSTS_LSB = 16;",
                 "localparam integer CONFIG_BURSTS_WIDTH = 8;",
                 "localparam integer QUEUE_INDEX_LSB = 7;",
                 "localparam integer RING_ORDER_RESET = 1;",
                 "localparam integer BURST_BOUNDARY = 4096;",
                 "localparam integer MAX_BURST_BEATS = 256;"):
        assert line in vh, line


def test_verilog_header_only_adds_names():
    """The RTL is switched to new names separately: every name the header had before the
    bit fields were added is still there, with its value."""
    vh = layout.verilog_header()
    for line in ("localparam [11:0] REG_CONTROL = 12'h008;", "localparam [11:0] QUEUE_BASE = 12'h100;",
                 "localparam [6:0] QREG_REC_FAULTS = 7'h50;", "localparam [3:0] STATUS_FETCH_ERROR = 4'd6;",
                 "localparam integer DESC_COOKIE_LSB = 192;  // 64 bits",
                 "localparam integer COMP_FAULT_ADDR_LSB = 128;  // 64 bits"):
        assert line in vh, line


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


# ------------------------------------------------------------------ bit fields, CONFIG, decode
def test_bit_field_masks_match_the_named_constants():
    assert (layout.CTRL_ENABLE, layout.CTRL_SOFT_RESET, layout.STATUS_BUSY) == (1, 2, 1)
    assert (layout.QCTRL_ENABLE, layout.QCTRL_PAUSE, layout.QCTRL_ABORT) == (1, 2, 4)
    assert (layout.QSTATUS_IDLE, layout.QSTATUS_PAUSED, layout.QSTATUS_ERROR,
            layout.QSTATUS_RECORD_ERROR) == (1, 2, 4, 8)
    f = layout.field("CONFIG", "LOG2_BUS_BYTES")
    assert (f.mask, f.get(0x00100604), f.put(7), f.bits()) == (0xFF00, 6, 0x700, "[15:8]")
    with pytest.raises(ValueError):
        f.put(256)
    with pytest.raises(KeyError):
        layout.field("CONTROL", "ABORT")            # a queue CONTROL field, not a global one


def test_bit_fields_do_not_overlap():
    for table in (layout.GLOBAL_FIELDS, layout.QUEUE_FIELDS):
        for reg, fields in table.items():
            used = 0
            for f in fields:
                assert not used & f.mask, f"{reg}.{f.name} overlaps"
                assert f.msb < 32
                used |= f.mask


@pytest.mark.parametrize("queues, bus_bytes, bursts", [(1, 8, 16), (4, 64, 16), (16, 128, 255)])
def test_config_round_trip(queues, bus_bytes, bursts):
    word = layout.pack_config(queues, bus_bytes, bursts)
    assert word == queues | (bus_bytes.bit_length() - 1) << 8 | bursts << 16
    assert layout.unpack_config(word) == layout.EngineConfig(queues, bus_bytes, bursts)


def test_config_rejects_what_does_not_fit():
    with pytest.raises(ValueError):
        layout.pack_config(256, 64, 16)
    with pytest.raises(ValueError):
        layout.pack_config(1, 48, 16)


def test_decode_offset_follows_the_rtl():
    assert layout.decode_offset(0x008, 4) == layout.RegAddress("CONTROL")
    assert layout.decode_offset(0x100 + 3 * 0x80 + 0x14, 4) == layout.RegAddress("TAIL", 3)
    assert layout.decode_offset(0x100 + 4 * 0x80 + 0x14, 4) is None      # no queue 4
    assert layout.decode_offset(0x100 + 0x54, 4) is None                 # a hole in the block
    assert layout.decode_offset(0x018, 4) is None                        # a global hole
    assert layout.decode_offset(0x1000 + 0x008, 4) == layout.RegAddress("CONTROL")  # 12 bits
    for q in range(4):
        for name, _, _, _ in layout.QUEUE_REGS:
            assert layout.decode_offset(layout.queue_reg(q, name), 4) == layout.RegAddress(name, q)


def test_ring_order_clamp():
    assert [layout.clamp_ring_order(v) for v in (0, 1, 9, 16, 17, 1 << 31)] == [1, 1, 9, 16, 16, 16]
    assert layout.RING_ORDER_RESET == 1


# -------------------------------------------------------------------------- burst rules
def test_bursts_at_both_4k_grids_and_256_beats():
    assert layout.bursts(0x800, 0x800, 0x2000, 64) == [(0x800, 0x800, 0x800), (0x1000, 0x1000, 0x1000),
                                                      (0x2000, 0x2000, 0x800)]
    # 8-byte bus: 256 beats = 2 KiB comes before the 4 KiB boundary
    assert layout.bursts(0, 0, 0x1000, 8) == [(0, 0, 0x800), (0x800, 0x800, 0x800)]
    for src, dst, length, bb in ((0x40, 0x7C0, 1 << 16, 64), (0xFC0, 0x80, 0x3000, 128), (0x1000, 0, 64, 8)):
        cuts = layout.bursts(src, dst, length, bb)
        assert sum(n for _, _, n in cuts) == length
        off = 0
        for s, d, n in cuts:
            assert (s, d) == (src + off, dst + off)
            for a in (s, d):
                assert a // layout.BURST_BOUNDARY == (a + n - 1) // layout.BURST_BOUNDARY
            assert n <= layout.MAX_BURST_BEATS * bb
            off += n


def test_the_golden_model_uses_the_layout_burst_rules():
    from harness import device, golden
    assert golden.bursts is layout.bursts
    assert not hasattr(device, "bursts")            # one source: layout.py, no copies


# ---------------------------------------------------------------------------- C header
C_CHECK = REPO / "tests" / "c" / "layout_check.c"


@pytest.fixture(scope="module")
def layout_check(tmp_path_factory):
    """tests/c/layout_check.c built against rtl/foliodma.h with -Wall -Werror."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not installed")
    exe = tmp_path_factory.mktemp("c") / "layout_check"
    subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(REPO / "rtl"),
                    str(C_CHECK), "-o", str(exe)], check=True, capture_output=True, text=True)
    return exe


def test_c_header_compiles_alone(tmp_path):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not installed")
    src = tmp_path / "only.c"
    src.write_text('#include "foliodma.h"\nint main(void) { return 0; }\n')
    subprocess.run([gcc, "-std=c11", "-Wall", "-Werror", "-pedantic", "-I", str(REPO / "rtl"),
                    str(src), "-o", str(tmp_path / "only")], check=True)


def test_c_descriptors_match_pack_descriptors(layout_check):
    entries = [(0x1000, 0x2000, 4096, layout.DESC_FLAG_IRQ, 0xABCD),
               ((1 << 64) - 64, 1 << 40, layout.DESC_MAX_LENGTH, 0xFFFF_FFFF, (1 << 64) - 1),
               (0, 0, 0, 0, 0)]
    args = [str(v) for e in entries for v in e]
    out = subprocess.run([str(layout_check), "desc", *args], check=True, capture_output=True)
    assert out.stdout == layout.pack_descriptors(entries).tobytes()


def test_c_decodes_records_like_completion(layout_check):
    recs = np.zeros(3, dtype=layout.COMPLETION)
    recs[0] = (0xD1FF_0001, layout.STATUS_SUCCESS, 4096, 0, 0)
    recs[1] = ((1 << 64) - 2, layout.STATUS_WRITE_ERROR, 0x800, 0x2_0000_0800, 7)
    recs[2] = (0, layout.STATUS_FETCH_ERROR, 0, 0xFF_FFE0, 0)
    raw = recs.tobytes()
    out = subprocess.run([str(layout_check), "records"], input=raw, check=True,
                         capture_output=True)
    got = [tuple(int(x) for x in line.split()) for line in out.stdout.decode().splitlines()]
    back = layout.unpack_completions(raw)
    assert got == [tuple(int(r[n]) for n in layout.COMPLETION.names) for r in back]
    assert got[1] == ((1 << 64) - 2, 3, 0x800, 0x2_0000_0800, 7)


def test_c_constants_match_layout(layout_check):
    out = subprocess.run([str(layout_check), "regs"], check=True, capture_output=True, text=True)
    got = {name: int(v) for name, v in (line.split() for line in out.stdout.splitlines())}
    assert got == {
        "ENGINE_ID": layout.ENGINE_ID,
        "REG_CONFIG": layout.global_reg("CONFIG"),
        "REG_IRQ_STATUS": layout.global_reg("IRQ_STATUS"),
        "REG_WR_STALL": layout.global_reg("WR_STALL"),
        "Q3_TAIL": layout.queue_reg(3, "TAIL"),
        "Q3_REC_FAULTS": layout.queue_reg(3, "REC_FAULTS"),
        "CTRL_SOFT_RESET": layout.CTRL_SOFT_RESET,
        "QCTRL_ABORT": layout.QCTRL_ABORT,
        "QSTATUS_RECORD_ERROR": layout.QSTATUS_RECORD_ERROR,
        "CONFIG_PACK_4_6_16": layout.pack_config(4, 64, 16),
        "CONFIG_QUEUES": 4, "CONFIG_BUS_BYTES": 64, "CONFIG_BURSTS": 16,
        "STATUS_FETCH_ERROR": layout.STATUS_FETCH_ERROR,
        "BURST_BOUNDARY": layout.BURST_BOUNDARY,
        "MAX_BURST_BEATS": layout.MAX_BURST_BEATS,
    }
