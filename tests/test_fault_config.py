"""RtlDevice's fault and stray-write configuration, checked without a simulator: what the
packed vectors of numa_mem's fault slots and the page bitmap file hold (the RTL side is
tests/test_mem_model.py)."""
from __future__ import annotations

import numpy as np
import pytest

from harness.faults import MAX_FAULTS, Fault
from harness.rtl_device import FaultSlots, RtlDevice, WriteAllowMap


class Handle:
    def __init__(self, value=0):
        self.value = value


class FakeTop:
    """The tb_top signals RtlDevice writes, as plain attributes."""

    def __init__(self):
        for name in ("cfg_fault_lo", "cfg_fault_hi", "cfg_fault_after", "cfg_fault_from",
                     "cfg_fault_ctl", "cfg_wr_check", "wa_load", "cfg_reg_hang"):
            setattr(self, name, Handle())


def slot(dut, name, s, bits):
    return (dut.__dict__[name].value >> (bits * s)) & ((1 << bits) - 1)


def test_fault_slots_encoding_and_generation():
    dut = FakeTop()
    slots = FaultSlots(dut)
    slots.add(Fault("read", 0x1000, 0x1040))
    slots.add(Fault("write", 1 << 40, (1 << 40) + 64, resp="HANG", port="cpu",
                    after_beats=7, from_cycle=1 << 33))
    assert slot(dut, "cfg_fault_lo", 1, 64) == 1 << 40
    assert slot(dut, "cfg_fault_hi", 0, 64) == 0x1040
    assert slot(dut, "cfg_fault_after", 1, 32) == 7
    assert slot(dut, "cfg_fault_from", 1, 64) == 1 << 33
    # ctl: enable, kind write, resp HANG (2), ports cpu (0b10), generation 1
    assert slot(dut, "cfg_fault_ctl", 1, 8) == 0b1_0_10_10_1_1
    assert slot(dut, "cfg_fault_ctl", 0, 8) == 0b1_0_11_00_0_1
    assert slot(dut, "cfg_fault_ctl", 2, 8) == 0                  # unused slot: disabled
    slots.clear()
    assert dut.cfg_fault_ctl.value == (1 << 7) | (1 << 15)      # disabled, generations kept
    slots.add(Fault("read", 0, 64))
    assert slot(dut, "cfg_fault_ctl", 0, 8) >> 7 == 0             # re-set: generation flips


def test_inject_fault_forms_and_limit():
    dev = RtlDevice(FakeTop(), bus_bytes=64, nr_queues=1, mem_bytes=64 << 20)
    dev.inject_fault("read", 0x100, 0x140, ports="dma")              # old form
    dev.inject_fault("write", 0x200, 0x240)
    dev.inject_fault(Fault("read", 0x300, 0x340, resp="DECERR", port="cpu"))
    assert dev.faults == (Fault("read", 0x100, 0x140, port="engine"),
                          Fault("write", 0x200, 0x240),
                          Fault("read", 0x300, 0x340, resp="DECERR", port="cpu"))
    with pytest.raises(ValueError):
        dev.inject_fault("read", 0, 64, ports="gpu")
    with pytest.raises(TypeError):
        dev.inject_fault(Fault("read", 0, 64), 0, 64)
    for i in range(MAX_FAULTS - 3):
        dev.inject_fault("write", i * 64, i * 64 + 64)
    with pytest.raises(ValueError, match="at most 8"):
        dev.inject_fault("write", 0, 64)
    dev.clear_faults()
    assert dev.faults == ()


def test_write_allow_bitmap_rounds_out_to_pages(tmp_path):
    dut = FakeTop()
    path = tmp_path / "write_allow.hex"
    allow = WriteAllowMap(dut, 1 << 30, str(path))
    allow.allow([(0x5000 + 100, 0x5000 + 200), (0x10FFF, 0x11001), ((1 << 30) - 64, 1 << 30)])
    words = [int(line, 16) for line in path.read_text().split()]
    assert len(words) == (1 << 30) // 4096 // 64                   # 4096 words for 1 GiB
    pages = {64 * w + b for w, word in enumerate(words) for b in range(64) if word >> b & 1}
    assert pages == {0x5, 0x10, 0x11, (1 << 30) // 4096 - 1}
    assert dut.cfg_wr_check.value == 1 and dut.wa_load.value == 1
    allow.allow_all()
    assert dut.cfg_wr_check.value == 0 and dut.wa_load.value == 0  # toggled again
    assert all(int(line, 16) == (1 << 64) - 1 for line in path.read_text().split())
    assert np.count_nonzero(allow.pages([])) == 0


def test_new_device_continues_the_bench_generations(tmp_path, monkeypatch):
    """A RtlDevice built on a bench an earlier test left configured still restarts slots
    and reloads the bitmap: it flips the bench's bits, not its own idea of them."""
    monkeypatch.chdir(tmp_path)                  # the bitmap file goes to the cwd
    dut = FakeTop()
    dut.cfg_fault_ctl.value = 1 << 7             # slot 0 generation 1, left by a previous test
    dut.wa_load.value = 1
    dev = RtlDevice(dut, bus_bytes=64, nr_queues=1, mem_bytes=1 << 20)
    dev.inject_fault("read", 0, 64)
    assert (dut.cfg_fault_ctl.value >> 7) & 1 == 0
    dev.allow_all_writes()
    assert dut.wa_load.value == 0
