"""Reports: statistics, markdown tables, stable JSON, the seed's published figures, targets.

Pure Python (numpy only; matplotlib only inside :func:`plot_bench`), so every figure the
experiment layer prints can be unit-tested without a simulator (tests/test_report.py).

Definitions used everywhere:

* ``bytes_per_cycle``  = data bytes / fabric cycles
* ``bus_efficiency``   = data bytes / (fabric cycles x bus bytes)
* ``ideal_efficiency`` = B / (B + 3L), B = data beats, L = memory latency in cycles: a batch
  cannot finish faster than one descriptor fetch, the first data read and the last write
  response, each L cycles, plus one cycle per beat.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

# ======================================================================== seed figures
#: RFC v1 (AMD EPYC Zen 3, 2 GHz, move_pages between sockets, 4 KiB folios, THP off):
#: CPU cycles per 4 KiB page, (mean, sd); F = folio_copy / migrate_pages.
#: Source: ../shared/reference/kernel-offload-facts.md ("Published numbers").
SEED_RFC_V1: dict[str, dict[str, dict[str, tuple[float, float]]]] = {
    "generic kernel": {
        "4KB": {"migrate_pages": (17799, 4278), "folio_copy": (794, 233), "F": (0.048, 0.020)},
        "2MB": {"migrate_pages": (3478, 95), "folio_copy": (494, 28), "F": (0.142, 0.005)},
        "256MB": {"migrate_pages": (3669, 158), "folio_copy": (815, 172), "F": (0.221, 0.037)},
        "1GB": {"migrate_pages": (3770, 56), "folio_copy": (805, 60), "F": (0.213, 0.013)},
    },
    "batch, CPU copy": {
        "4KB": {"migrate_pages": (14942, 2557), "folio_copy": (800, 212), "F": (0.055, 0.019)},
        "2MB": {"migrate_pages": (3448, 84), "folio_copy": (533, 38), "F": (0.155, 0.009)},
        "256MB": {"migrate_pages": (3724, 133), "folio_copy": (908, 133), "F": (0.243, 0.027)},
        "1GB": {"migrate_pages": (3788, 47), "folio_copy": (888, 50), "F": (0.234, 0.011)},
    },
    "batch, DMA": {
        "4KB": {"migrate_pages": (46740, 4827), "folio_copy": (32222, 3543), "F": (0.690, 0.042)},
        "2MB": {"migrate_pages": (13798, 205), "folio_copy": (10972, 203), "F": (0.795, 0.003)},
        "256MB": {"migrate_pages": (13217, 164), "folio_copy": (10431, 167), "F": (0.789, 0.003)},
        "1GB": {"migrate_pages": (13310, 114), "folio_copy": (10410, 118), "F": (0.782, 0.002)},
    },
}
#: the seed's net DMA throughput (RFC v1), MB/s
SEED_DMA_MB_S = 768

#: which seed row each of our copy paths sits beside. The seed's DMA row was measured with
#: its v1 driver (one page at a time, busy-wait): batch_dma_v1 reproduces it, batch_dma is
#: what should beat it.
SEED_CONFIG_OF_MODE = {
    "generic": "generic kernel",
    "batch_cpu": "batch, CPU copy",
    "batch_dma_v1": "batch, DMA",
    "batch_dma": "batch, DMA",
}

#: RFC V3 move_pages throughput, GB/s, 1 GB moved, by folio size (None: not published).
SEED_V3_GBPS: dict[str, dict[str, float | None]] = {
    "4K": {"vanilla": 3.73, "cpu_16_threads": 4.91, "dma_1ch": 2.75, "dma_16ch": 4.61},
    "64K": {"vanilla": 5.90, "cpu_16_threads": None, "dma_1ch": 3.28, "dma_16ch": 11.14},
    "2M": {"vanilla": 10.67, "cpu_16_threads": 35.89, "dma_1ch": 12.50, "dma_16ch": 63.69},
}
#: RFC V3, DMA with 2M folios by channel count, GB/s
SEED_V3_2M_BY_CHANNELS = {1: 12.50, 2: 14.23, 4: 26.84, 8: 45.27, 12: 59.94, 16: 63.69}


def seed_size_label(size_bytes: int) -> str | None:
    """The seed's row label for a migration of ``size_bytes`` ('4KB', '2MB', ...), or None."""
    return {4 << 10: "4KB", 2 << 20: "2MB", 256 << 20: "256MB", 1 << 30: "1GB"}.get(size_bytes)


def seed_figures(mode: str, size_bytes: int, folio_bytes: int = 4096) -> dict | None:
    """The seed's published row for our copy path ``mode`` and total size, as
    ``{"config", "size", "migrate_pages": {"mean","sd"}, "folio_copy": {...}, "F": {...}}``;
    None where the seed has no such row (it migrated 4 KiB folios only, THP off)."""
    config = SEED_CONFIG_OF_MODE.get(mode)
    size = seed_size_label(size_bytes)
    if config is None or size is None or folio_bytes != 4096:
        return None
    row = SEED_RFC_V1[config][size]
    out: dict[str, Any] = {"config": config, "size": size}
    for key, (mean, sd) in row.items():
        out[key] = {"mean": mean, "sd": sd}
    return out


# ========================================================================== statistics
def mean_sd(values: Iterable[float]) -> dict[str, float]:
    """{"mean", "sd", "n"} with the sample standard deviation (n-1); sd is 0 for one value."""
    xs = [float(v) for v in values]
    if not xs:
        raise ValueError("mean_sd of no values")
    n = len(xs)
    mean = math.fsum(xs) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0
    return {"mean": mean, "sd": sd, "n": n}


def _digits_for(value: float, sig: int = 3) -> int:
    """Decimals that show ``sig`` significant digits of ``value`` (0 for |value| >= 10**sig)."""
    if value == 0 or not math.isfinite(value):
        return 0
    return max(0, sig - 1 - int(math.floor(math.log10(abs(value)))))


def fmt_num(value: float | int | None, digits: int | None = None) -> str:
    """A number for a table: ints as is (with thousands separators off), floats with
    ``digits`` decimals (default: 3 significant digits), None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if digits is None:
        digits = _digits_for(value)
    return f"{value:.{digits}f}"


def fmt_mean_sd(stat: Mapping[str, float] | tuple | None, digits: int | None = None) -> str:
    """'mean +- sd' (``stat`` a mean_sd dict or a (mean, sd) pair); decimals follow the mean."""
    if stat is None:
        return "-"
    mean, sd = (stat["mean"], stat["sd"]) if isinstance(stat, Mapping) else stat
    if digits is None:
        digits = _digits_for(mean)
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def fmt_bytes(n: int) -> str:
    """4096 -> '4K', 2097152 -> '2M', 1536 -> '1536' (binary units, exact only)."""
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift}{unit}"
    return str(n)


def fmt_mib(n: int) -> str:
    """Bytes as MiB with one decimal: '2.0 MiB'."""
    return f"{n / (1 << 20):.1f} MiB"


# ============================================================================ tables
def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]],
                   align: str | None = None) -> str:
    """A GitHub markdown table. Cells are str()-ed (floats through fmt_num). ``align``: one
    letter per column, 'l' or 'r' (default: 'r' for numbers in the first row, else 'l')."""
    rows = [[c if isinstance(c, str) else fmt_num(c) for c in row] for row in rows]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {row} has {len(row)} cells, table has {len(headers)} columns")
    if align is None:
        first = rows[0] if rows else [""] * len(headers)
        align = "".join("r" if _looks_numeric(c) else "l" for c in first)
    if len(align) != len(headers):
        raise ValueError("align needs one letter per column")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "| " + " | ".join(
            c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(cells, widths, align)) + " |"
    rule = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                          for w, a in zip(widths, align)) + "|"
    return "\n".join([line(headers), rule] + [line(r) for r in rows]) + "\n"


def _looks_numeric(text: str) -> bool:
    head = text.split(" ")[0].replace(",", "")
    try:
        float(head)
        return True
    except ValueError:
        return False


# ============================================================================== JSON
def _jsonable(obj):
    """numpy scalars/arrays and tuples -> plain JSON types (recursively)."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):                           # numpy scalar or array
        return obj.tolist()
    return obj


def dumps(obj) -> str:
    """Stable JSON text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(_jsonable(obj), indent=2, sort_keys=True, allow_nan=False) + "\n"


def read_json(path: Path | str):
    return json.loads(Path(path).read_text())


def write_json(path: Path | str, obj) -> Path:
    """Write ``obj`` as stable JSON (parent directories created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(dumps(obj))
    tmp.replace(path)
    return path


# ===================================================================== copy throughput
def ideal_efficiency(data_beats: int, mem_latency: int) -> float:
    """B / (B + 3L): the best bus efficiency a batch of B beats behind latency L can reach."""
    if data_beats <= 0:
        raise ValueError("a batch has at least one data beat")
    return data_beats / (data_beats + 3 * max(0, mem_latency))


def throughput(nbytes: int, cycles: int, bus_bytes: int) -> dict[str, float]:
    """{"bytes_per_cycle", "bus_efficiency"} of ``nbytes`` moved in ``cycles`` fabric cycles."""
    if cycles <= 0:
        raise ValueError(f"cycles must be positive, not {cycles}")
    bpc = nbytes / cycles
    return {"bytes_per_cycle": bpc, "bus_efficiency": bpc / bus_bytes}


def channels_markdown(points: list[dict], fabric_hz: float) -> str:
    """The channel-scaling study beside the series' RFC V3 figures (DMA, 2M folios)."""
    out = ["| queues | GB/s here | GB/s RFC V3 (PTDMA channels) | bus efficiency |",
           "|---:|---:|---:|---:|"]
    for p in sorted(points, key=lambda p: p["queues"]):
        gbps = p["bytes_per_cycle"] * fabric_hz / 1e9
        seed = SEED_V3_2M_BY_CHANNELS.get(p["queues"])
        out.append(f"| {p['queues']} | {gbps:.2f} | {'-' if seed is None else f'{seed:.2f}'} "
                   f"| {p['bus_efficiency']:.3f} |")
    return "\n".join(out) + "\n"


#: the folio-size table's columns (keys of SEED_V3_GBPS) and headings
FOLIO_SIZE_COLUMNS = [("vanilla", "vanilla (generic)"), ("cpu_16_threads", "CPU 16 threads"),
                      ("dma_1ch", "DMA 1 ch"), ("dma_16ch", "DMA 16 ch")]
#: columns V3 measured that the model does not have (its CPU copy model is one core)
NOT_MODELLED = frozenset({"cpu_16_threads"})


def migrate_gbps(run: Mapping[str, Any], cpu_hz: float, cpu_per_fabric: float,
                 cycles_key: str = "move_pages_cycles") -> dict[str, float]:
    """GB/s of a migrate run, mean +- SD over its repetitions: bytes moved / the time of
    ``cycles_key`` (fabric cycles, as CPU cycles at ``cpu_hz``: x cpu_per_fabric)."""
    size = run["folio_bytes"] * run["nr_folios"]
    return mean_sd(size / (r[cycles_key] * cpu_per_fabric / cpu_hz) / 1e9 for r in run["reps"])


def folio_sizes_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """move_pages throughput by folio size, each cell "ours (RFC V3)" in GB/s.

    rows: [{"folio_bytes", "nr_folios", "gbps": {column key: mean_sd}, "not_run": [keys]}];
    a column missing from "gbps" shows '-', one in "not_run" 'not run', a NOT_MODELLED one
    'not modelled'."""
    out = ["| folio | moved here | " + " | ".join(h for _, h in FOLIO_SIZE_COLUMNS) + " |",
           "|---|---|" + "---:|" * len(FOLIO_SIZE_COLUMNS)]
    for row in rows:
        label = fmt_bytes(row["folio_bytes"])
        v3 = SEED_V3_GBPS.get(label, {})
        cells = []
        for key, _ in FOLIO_SIZE_COLUMNS:
            if key in NOT_MODELLED:
                ours = "not modelled"
            elif key in row.get("not_run", ()):
                ours = "not run"
            else:
                ours = fmt_mean_sd(row["gbps"].get(key), 2)
            cells.append(f"{ours} ({'-' if v3.get(key) is None else f'{v3[key]:.2f}'})")
        moved = f"{row['nr_folios']} x {label} = {fmt_bytes(row['folio_bytes'] * row['nr_folios'])}"
        out.append(f"| {label} | {moved} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def point_figures(folio_bytes: int, nr_folios: int, queues: int, mem_latency: int,
                  fabric_cycles: int, bus_bytes: int, bytes_validated: int,
                  first_read_latency: int | None = None, **extra) -> dict[str, Any]:
    """One benchmark point's JSON record (the throughput keys + ideal efficiency + extras)."""
    nbytes = folio_bytes * nr_folios
    beats = nbytes // bus_bytes
    ideal = ideal_efficiency(beats, mem_latency)
    point: dict[str, Any] = {
        "folio_bytes": folio_bytes, "nr_folios": nr_folios, "queues": queues,
        "mem_latency": mem_latency, "size_bytes": nbytes, "bus_bytes": bus_bytes,
        "data_beats": beats, "fabric_cycles": fabric_cycles,
        **throughput(nbytes, fabric_cycles, bus_bytes),
        "ideal_efficiency": ideal,
        "ideal_cycles": beats + 3 * mem_latency,
        "overhead_cycles": fabric_cycles - (beats + 3 * mem_latency),
        "first_read_latency": first_read_latency,
        "bytes_validated": bytes_validated,
    }
    point.update(extra)
    point["target"] = bench_target(point)
    return point


def bench_target(p: Mapping[str, Any]) -> dict[str, Any] | None:
    """The engine target for a point, {"rule", "met"}; None where no target applies
    (targets are stated for one queue on a 512-bit bus)."""
    if p["queues"] != 1 or p["bus_bytes"] != 64 or p.get("rate"):
        return None
    folio, n, lat = p["folio_bytes"], p["nr_folios"], p["mem_latency"]
    eff, ideal = p["bus_efficiency"], p["ideal_efficiency"]
    rules = []
    if folio == 2 << 20 and n == 1 and lat <= 100:
        rules.append(("efficiency >= 0.99", eff >= 0.99))
    if folio == 4096 and n == 512 and lat <= 100:
        rules.append(("efficiency >= 0.97", eff >= 0.97))
    if folio == 4096 and n == 64 and lat == 500:
        rules.append(("efficiency >= 0.70", eff >= 0.70))
    if folio == 4096 and n == 64 and lat == 2:
        rules.append(("efficiency >= 0.982 (peer axi_cdma)", eff >= 0.982))
    if folio < 4096:
        # copies below a page pay a record (half a beat) each, which `ideal` leaves out
        if n >= 64 and lat <= 100:
            rules.append(("efficiency >= 0.85", eff >= 0.85))
    elif n >= 64 or p["size_bytes"] >= 2 << 20:
        rules.append(("efficiency >= 0.97 x ideal", eff >= 0.97 * ideal))
    else:
        rules.append(("cycles <= B + 3L + 32", p["fabric_cycles"] <= p["ideal_cycles"] + 32))
    if lat == 2 and p.get("first_read_latency") is not None:
        rules.append(("first read <= 20", p["first_read_latency"] <= 20))
    if not rules:
        return None
    return {"rule": "; ".join(r for r, _ in rules), "met": all(ok for _, ok in rules),
            "failed": [r for r, ok in rules if not ok]}


def bench_markdown(points: Sequence[Mapping[str, Any]]) -> str:
    """The benchmark table: one row per point."""
    headers = ["folio", "folios", "queues", "latency", "cycles", "B/cycle", "efficiency",
               "ideal", "eff/ideal", "overhead", "first read", "validated", "target"]
    rows = []
    for p in points:
        t = p.get("target")
        target = "-" if t is None else ("met" if t["met"] else "MISSED: " + ", ".join(t["failed"]))
        rows.append([fmt_bytes(p["folio_bytes"]), p["nr_folios"], p["queues"], p["mem_latency"],
                     p["fabric_cycles"], fmt_num(p["bytes_per_cycle"], 2),
                     fmt_num(p["bus_efficiency"], 3), fmt_num(p["ideal_efficiency"], 3),
                     fmt_num(p["bus_efficiency"] / p["ideal_efficiency"], 3),
                     p["overhead_cycles"], fmt_num(p.get("first_read_latency")),
                     fmt_bytes(p["bytes_validated"]), target])
    return markdown_table(headers, rows, align="rrrrrrrrrrrrl")


# ============================================================================ make sim
#: report.json: what each run field is, over a run's repetitions (written into the report)
RUN_FIELDS = {
    "summed over repetitions": ["bytes_validated", "nr_succeeded", "nr_failed",
                                "nr_fallback_folios", "wall_seconds"],
    "mean over repetitions": ["fabric_cycles", "copy_cycles", "bytes_per_cycle",
                              "bus_efficiency"],
    "mean and SD over repetitions": ["migrate_pages_cycles_per_page",
                                     "folio_copy_cycles_per_page", "F", "first_folio_cycles"],
    "one per repetition": ["fabric_cycles_per_rep"],
    "per run": ["mode", "folio_bytes", "nr_folios", "size_bytes", "repetitions", "seed"],
}


def run_record(run: Mapping[str, Any], bus_bytes: int) -> dict[str, Any]:
    """One report.json run from a job's run (its per-repetition results in ``run["reps"]``).

    fabric_cycles: cycles the copier worked, mean over repetitions: for the DMA paths the
    engine's doorbell -> last-completion interrupt (summed over the batch's doorbells), for
    the CPU paths the seed's t2..t3 copy intervals (summed over folios). bytes_validated,
    nr_succeeded, nr_failed and wall_seconds are totals over the repetitions; the seed's
    metrics are mean +- SD over them.
    """
    reps = run["reps"]
    size = run["folio_bytes"] * run["nr_folios"]
    cycles = [r["engine_cycles"] if r.get("engine_cycles") is not None else r["copy_cycles"]
              for r in reps]
    fabric = round(mean_sd(cycles)["mean"])
    rec: dict[str, Any] = {
        "mode": run["mode"], "folio_bytes": run["folio_bytes"], "nr_folios": run["nr_folios"],
        "size_bytes": size, "repetitions": len(reps), "fabric_cycles": fabric,
        "fabric_cycles_per_rep": cycles,
        **throughput(size, max(fabric, 1), bus_bytes),
        "bytes_validated": sum(r["bytes_validated"] for r in reps),
        "nr_succeeded": sum(r["nr_succeeded"] for r in reps),
        "nr_failed": sum(r["nr_failed"] for r in reps),
        "wall_seconds": sum(r["wall_seconds"] for r in reps),
    }
    if "migrate_pages_cycles_per_page" in reps[0]:
        for key in ("migrate_pages_cycles_per_page", "folio_copy_cycles_per_page", "F"):
            stat = mean_sd(r[key] for r in reps)
            rec[key] = {"mean": stat["mean"], "sd": stat["sd"]}
        firsts = [r["first_folio_cycles"] for r in reps if r.get("first_folio_cycles") is not None]
        rec["first_folio_cycles"] = ({k: v for k, v in mean_sd(firsts).items() if k != "n"}
                                     if firsts else None)
        rec["copy_cycles"] = round(mean_sd(r["copy_cycles"] for r in reps)["mean"])
        rec["nr_fallback_folios"] = sum(r.get("nr_fallback_folios", 0) for r in reps)
        rec["seed"] = seed_figures(run["mode"], size, run["folio_bytes"])
    return rec


def sim_markdown(runs: Sequence[Mapping[str, Any]]) -> str:
    """`make sim`'s short table: one row per run."""
    headers = ["mode", "folio", "folios", "bytes", "cycles", "B/cycle", "bus eff",
               "validated", "ok/failed", "wall s"]
    rows = [[r["mode"], fmt_bytes(r["folio_bytes"]), r["nr_folios"], r["size_bytes"],
             r["fabric_cycles"], fmt_num(r["bytes_per_cycle"], 2), fmt_num(r["bus_efficiency"], 3),
             r["bytes_validated"], f"{r['nr_succeeded']}/{r['nr_failed']}",
             fmt_num(r["wall_seconds"], 1)] for r in runs]
    return markdown_table(headers, rows, align="lrrrrrrrrr")


#: what a seed-table row's agreement means: the software costs (harness/costs.py) and the
#: CPU copy model were fitted to the seed's generic and batch_cpu rows, so their agreement is
#: by construction; the DMA rows use the same costs plus estimates and are predictions
FIGURE_BASIS = {"generic": "fitted (4KB, 2MB, 256MB rows)",
                "batch_cpu": "fitted (4KB, 2MB, 256MB rows)"}


def seed_markdown(runs: Sequence[Mapping[str, Any]]) -> str:
    """The seed's table (CPU cycles per 4 KiB page) with our figure beside each published one.
    Runs without migrate_pages statistics are skipped."""
    headers = ["mode", "size", "reps", "migrate_pages", "seed", "folio_copy", "seed",
               "F", "seed", "basis"]
    rows = []
    for r in runs:
        if "migrate_pages_cycles_per_page" not in r:
            continue
        seed = r.get("seed") or {}
        size = f"{r['nr_folios']} x {fmt_bytes(r['folio_bytes'])}"
        rows.append([r["mode"], f"{seed['size']} ({size})" if seed else size,
                     r.get("repetitions", 1),
                     fmt_mean_sd(r["migrate_pages_cycles_per_page"], 0),
                     fmt_mean_sd(seed.get("migrate_pages"), 0),
                     fmt_mean_sd(r["folio_copy_cycles_per_page"], 0),
                     fmt_mean_sd(seed.get("folio_copy"), 0),
                     fmt_mean_sd(r["F"], 3), fmt_mean_sd(seed.get("F"), 3),
                     FIGURE_BASIS.get(r["mode"], "prediction")])
    if not rows:
        return ""
    return markdown_table(headers, rows, align="lrrrrrrrrl")


def dma_target_rows(records: Mapping[tuple, Mapping[str, Any]], rows: Sequence[tuple],
                    ratio: float) -> list[dict[str, Any]]:
    """Pair batch_cpu and batch_dma run records ({(mode, folio_bytes, nr_folios): record}) of
    each (folio_bytes, nr_folios): folio_copy cycles per page, F, their ratio, target met."""
    out = []
    for folio, n in rows:
        cpu, dma = records.get(("batch_cpu", folio, n)), records.get(("batch_dma", folio, n))
        if not cpu or not dma:
            continue
        r = cpu["folio_copy_cycles_per_page"]["mean"] / dma["folio_copy_cycles_per_page"]["mean"]
        met = r >= ratio and dma["F"]["mean"] < cpu["F"]["mean"]
        out.append({"folio_bytes": folio, "nr_folios": n, "size_bytes": folio * n,
                    "batch_cpu": cpu["folio_copy_cycles_per_page"],
                    "batch_dma": dma["folio_copy_cycles_per_page"],
                    "F_cpu": cpu["F"], "F_dma": dma["F"], "ratio": r,
                    # the target is the seed's: 4 KiB folios (THP off); larger folios are shown
                    "met": met if folio == 4096 else None})
    return out


def dma_target_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """The 4x table: one row per migration size."""
    headers = ["size", "folios", "batch_cpu folio_copy", "batch_dma folio_copy", "CPU / DMA",
               "F batch_cpu", "F batch_dma", "target"]
    body = [[fmt_bytes(r["size_bytes"]), f"{r['nr_folios']} x {fmt_bytes(r['folio_bytes'])}",
             fmt_mean_sd(r["batch_cpu"], 0), fmt_mean_sd(r["batch_dma"], 0),
             f"{r['ratio']:.2f}x", fmt_num(r["F_cpu"]["mean"], 3), fmt_num(r["F_dma"]["mean"], 3),
             "THP: no target" if r["met"] is None
             else ">= 4x, F lower: " + ("met" if r["met"] else "MISSED")] for r in rows]
    return markdown_table(headers, body, align="llrrrrrl")


# ============================================================================== plots
def plot_bench(points: Sequence[Mapping[str, Any]], path: Path | str) -> Path | None:
    """Bus efficiency vs memory latency, one line per (folio size, folios, queues), with the
    ideal B/(B+3L) dashed. Returns the PNG path, or None if matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    series: dict[tuple, list] = {}
    for p in points:
        series.setdefault((p["folio_bytes"], p["nr_folios"], p["queues"]), []).append(p)
    fig, ax = plt.subplots(figsize=(9, 6))
    for (folio, n, q), pts in sorted(series.items()):
        if len(pts) < 2:
            continue
        pts = sorted(pts, key=lambda p: p["mem_latency"])
        lat = [p["mem_latency"] for p in pts]
        line, = ax.plot(lat, [p["bus_efficiency"] for p in pts], marker="o",
                        label=f"{n} x {fmt_bytes(folio)}, {q}q")
        ax.plot(lat, [p["ideal_efficiency"] for p in pts], linestyle=":",
                color=line.get_color(), alpha=0.6)
    ax.set_xlabel("memory latency (fabric cycles)")
    ax.set_ylabel("bus efficiency (data bytes / (cycles x bus bytes))")
    ax.set_ylim(0, 1.05)
    ax.set_title("foliodma: bus efficiency vs memory latency (dotted: ideal B/(B+3L))")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="x-small", ncol=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def crossover_markdown(cross: Mapping[str, Any]) -> str:
    """The DMA-vs-CPU crossover table (folio_copy cycles/page by batch size) and its answer."""
    rows = cross.get("rows", [])
    if not rows:
        return "## DMA vs CPU crossover\n\n(no figures)\n"
    lines = ["## DMA vs CPU crossover (4 KiB folios, CPU cycles)", "",
             "folio_copy per page, and the first folio's latency (migrate_pages() entry to its",
             "PTEs restored: batching delays the first folio):", "",
             "| batch (folios) | batch_cpu | batch_dma | DMA / CPU | first folio, CPU | first folio, DMA |",
             "|---:|---:|---:|---:|---:|---:|"]

    def first(r, mode):
        f = (r.get("first_folio_cycles") or {}).get(mode)
        return "-" if not f else f"{f['mean']:.0f}"

    for r in rows:
        c, d = r["batch_cpu"], r["batch_dma"]
        lines.append(f"| {r['nr_folios']} | {c['mean']:.0f} ± {c['sd']:.0f} | "
                     f"{d['mean']:.0f} ± {d['sd']:.0f} | {d['mean'] / c['mean']:.2f} | "
                     f"{first(r, 'batch_cpu')} | {first(r, 'batch_dma')} |")
    wins = cross.get("dma_wins_from_batch")
    lines += ["", f"DMA starts to win over CPU copy at a batch of {wins} x 4 KiB folios"
              if wins else "DMA does not win over CPU copy at any batch size measured", ""]
    return "\n".join(lines) + "\n"


def plot_crossover(cross: Mapping[str, Any], path: Path | str) -> Path | None:
    """folio_copy cycles/page of batch_cpu and batch_dma against the batch size (log-log)."""
    rows = cross.get("rows", [])
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    if not rows:
        return None
    n = [r["nr_folios"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 5))
    for mode in ("batch_cpu", "batch_dma"):
        ax.errorbar(n, [r[mode]["mean"] for r in rows], yerr=[r[mode]["sd"] for r in rows],
                    marker="o", label=mode, capsize=3)
    wins = cross.get("dma_wins_from_batch")
    if wins:
        ax.axvline(wins, linestyle=":", color="gray", label=f"DMA wins from {wins}")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch size (4 KiB folios per migrate_pages call)")
    ax.set_ylabel("folio_copy CPU cycles per page")
    ax.set_title("foliodma: DMA vs CPU copy against batch size")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
