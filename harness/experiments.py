"""Experiments: `make sim` (the seed's comparison), benchmark points and the sweep.

The CLI (`python -m harness sim|bench|bench-sweep`, i.e. `make sim` / `make bench`) calls
these functions with already-validated keyword arguments; each returns a process exit code.
They run on the host: each one starts simulations through :func:`harness.runner.run` with the
cocotb job module :mod:`harness.jobs` and a JSON configuration, reads the job's JSON result
back, and prints / writes the reports (:mod:`harness.report`).

Where things go (all under sim_build/, git-ignored):
    sim_build/report.json               `make sim`: {"simulator", "runs": [...], ...}
    sim_build/bench/point.json          `python -m harness bench` (unless --json PATH)
    sim_build/bench/bench.{json,md,png} `make bench` (the sweep)
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
import logging
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

from . import cluster, jobspec, report, runner
from . import costs as costs_mod

BUILD = runner.BUILD_ROOT
REPORT_JSON = BUILD / "report.json"
BENCH_DIR = BUILD / "bench"
JOB_MODULE = "harness.jobs"
DATA_WIDTH = 512                               #: the engine's default bus
BUS_BYTES = DATA_WIDTH // 8

# ------------------------------------------------------------------------ memory setting
#: `make sim` memory, per node (read latency, write-response latency) in fabric cycles at
#: 1 GHz. ESTIMATES for a 2-socket Zen 3 like the seed's: node 0 local DRAM (~100 ns loaded),
#: node 1 the remote socket (~150 ns), nodes 2/3 CXL-like expanders (~300 ns). The seed
#: migrated remote -> local: node 1 -> node 0 here.
SIM_NODE_LATENCY = [(100, 100), (150, 150), (300, 300), (300, 300)]

#: repetitions of `make sim` differ by memory latency jitter: each node's latencies are drawn
#: per repetition from base x [1 - j, 1 + j] (seeded, reproducible)
SIM_LATENCY_JITTER = 0.1

#: CPU copy model (rtl/sim/cpu_copy.v) for `make sim`, as RtlDevice.set_cpu takes it (also
#: tb_top's defaults): lines in flight of one Zen 3 core copying a page, i.e. its effective
#: memory-level parallelism (L1D miss buffers + the L2 stream prefetcher running ahead, and
#: posted stores draining from the store queue / write-combining into the caches).
#: ESTIMATE, then FITTED to the seed: at node 1 -> node 0 latencies (150, 100) one 4 KiB copy
#: takes 274 fabric cycles = 548 CPU cycles (64 reads in flight: every line's read is issued
#: within one latency; 48 stores in flight: the last 16 wait for write responses), the seed's
#: 2MB rows are 494 (generic) and 533 (batch CPU); the 4KB rows (794 / 800) add the cold
#: start of a lone copy (costs.copy_cold = 250). Fewer reads cost a whole extra latency per
#: page (32..63 reads: ~650, 24: ~950, the old 10/16: ~2140 CPU cycles). Little's law on the
#: seed's 2MB row (16.6 GB/s x 150 ns = 39 lines) gives the same order. The seed's 256MB/1GB
#: rows (815-908) are ~50% above this: the make-sim rows are matched, not those.
SIM_CPU: dict = {"max_reads": 64, "max_writes": 48}

#: The seed's 256MB and 1GB rows copy at 815-908 CPU cycles per page, ~60% above its 2MB rows:
#: a 2 MiB source written just before the migration sits in Zen 3's 32 MB L3, a 256 MiB one
#: does not (our reading: ESTIMATE). The memory model has no cache, so a migration whose source
#: is larger than the LLC runs the CPU copy model with fewer line reads in flight, as a DRAM-
#: bound miss stream allows: 28, FITTED to those rows (512 x 4K on Verilator, 2026-11-26:
#: 20 -> 1190, 24 -> 921, 28 -> 905, 32 -> 660 CPU cycles per page; the seed: 815 generic,
#: 908 batch CPU at 256MB).
LLC_BYTES = 32 << 20
SIM_CPU_LLC_COLD: dict = {"max_reads": 28, "max_writes": 48}


def cpu_setting(source_bytes: int) -> dict:
    """The CPU copy model's setting for a migration of ``source_bytes``: SIM_CPU while the
    source fits the LLC, SIM_CPU_LLC_COLD beyond it."""
    return SIM_CPU if source_bytes <= LLC_BYTES else SIM_CPU_LLC_COLD


#: `python -m harness bench` without --mem-latency: the memory model's own default
DEFAULT_BENCH_LATENCY = 2

# ------------------------------------------------------------------------------ make sim
#: (mode, folio bytes, folios): the default workload first (512 x 4 KiB, then one
#: 2 MiB folio, through the engine), then the seed's 4KB and 2MB rows for every copy path.
SIM_DEFAULT_WORKLOAD = [("batch_dma", 4096, 512), ("batch_dma", 2 << 20, 1)]
SIM_SEED_ROWS = [(mode, 4096, n) for mode in ("generic", "batch_cpu", "batch_dma_v1",
                                              "batch_dma")
                 for n in (1, 512) if (mode, 4096, n) not in SIM_DEFAULT_WORKLOAD]
SIM_REPETITIONS = 5


# ------------------------------------------------------------------------ job builders
def make_sim_memory(cpu: dict | None = None, mem_bytes: int = jobspec.DEFAULT_MEM_BYTES
                    ) -> jobspec.Memory:
    """`make sim`'s memory system (latencies, jitter, CPU copy model ``cpu`` or SIM_CPU)."""
    cpu = SIM_CPU if cpu is None else cpu
    return jobspec.Memory(node_latency=tuple(SIM_NODE_LATENCY),
                          latency_jitter=SIM_LATENCY_JITTER, cpu_max_reads=cpu["max_reads"],
                          cpu_max_writes=cpu["max_writes"], mem_bytes=mem_bytes)


def migrate_job(runs: list[dict], out: Path, *, queues: int = 1, bus_bytes: int = BUS_BYTES,
                memory: jobspec.Memory | None = None, dma_node: int = 0,
                costs: dict | None = None) -> jobspec.Job:
    """A migrate job: ``runs`` are MigrateRun fields; make sim's memory unless given;
    ``costs``: overrides of the cost table (harness.costs field name -> CPU cycles)."""
    return jobspec.Job(kind="migrate", out=str(out), costs=dict(costs or {}),
                       engine=jobspec.Engine(bus_bytes=bus_bytes, queues=queues,
                                             dma_node=dma_node),
                       memory=memory or make_sim_memory(),
                       runs=tuple(jobspec.MigrateRun(**r) for r in runs))


def bench_job(points: list[dict], out: Path, *, queues: int) -> jobspec.Job:
    """A bench job: ``points`` are BenchPoint fields, on the default memory."""
    return jobspec.Job(kind="bench", out=str(out),
                       engine=jobspec.Engine(bus_bytes=BUS_BYTES, queues=queues),
                       points=tuple(jobspec.BenchPoint(**p) for p in points))


def cost_record(overrides: dict | None) -> dict:
    """What a report says of the costs it used: the overrides and the whole table."""
    table = costs_mod.with_overrides(costs_mod.DEFAULT_COSTS, overrides)
    return {"overrides": dict(overrides or {}), "table": dataclasses.asdict(table),
            "basis": "harness/costs.py: each figure says whether it was fitted to a seed row"
                     " (generic and batch_cpu rows are then agreement by construction) or is"
                     " an estimate (every DMA figure is a prediction)"}


def main_job(*, simulator: str = "icarus", json_path: Path | None = None,
        waves: bool = False, repetitions: int = SIM_REPETITIONS,
        seed_rows: bool = True, costs: dict | None = None,
        rows: list[tuple[str, int, int]] | None = None) -> int:
    """`make sim`: migrate the default workload node 1 -> node 0 through the engine (and the
    seed's rows for every copy path), validate every byte, print the tables and write
    sim_build/report.json. ``rows`` ((mode, folio bytes, folios)) replaces that workload:
    `python -m harness migrate` runs one row; a row larger than make sim's memory nodes
    runs on the seed's 1GB row's build (big_memory). Returns 0, or 1 if anything failed
    validation or the simulation."""
    kind = "migrate"
    if rows is None:
        rows = SIM_DEFAULT_WORKLOAD + (SIM_SEED_ROWS if seed_rows else [])
    largest = max(folio * n for _, folio, n in rows)
    big = big_memory(largest) if largest > SIM_NODE_BYTES else {}
    runs: list[dict] = [{"mode": mode, "folio_bytes": folio,
                         "nr_folios": n, "repetitions": repetitions, "seed_key": k}
                        for k, (mode, folio, n) in enumerate(rows)]
    split = share_repetitions(runs, PARALLEL)
    jobs = []
    for i, part in enumerate(p for p in split if p):
        out = BUILD / "jobs" / f"sim-{simulator}-{i}.json"
        jobs.append(migrate_job(part, out, costs=costs, **big))
    print(f"make sim: {kind} job on {simulator}: "
          + ", ".join(f"{r['mode']} {r['nr_folios']} x {report.fmt_bytes(r['folio_bytes'])}"
                      for r in runs) + f"; {repetitions} repetitions each; "
          f"{len(jobs)} simulations, {min(PARALLEL, len(jobs))} at a time", flush=True)
    t0 = time.monotonic()
    results = run_jobs(jobs, simulator, waves=waves)
    wall = time.monotonic() - t0
    errors = [e for e, _ in results if e]
    error = errors[0] if errors else None
    done: dict = {}
    for _, res in results:                    # a row split over simulations: reps joined
        for r in res.get("runs", []):
            key = (r["mode"], r["folio_bytes"], r["nr_folios"])
            if key in done and "reps" in done[key] and "reps" in r:
                r = {**done[key], "reps": sorted(done[key]["reps"] + r["reps"],
                                                 key=lambda x: x.get("rep", 0))}
                r["repetitions"] = len(r["reps"])
            elif key in done and "error" in done[key]:
                continue
            done[key] = r
    result = {"runs": [done[key] for key in ((r["mode"], r["folio_bytes"], r["nr_folios"])
                                             for r in runs) if key in done]}

    bus_bytes = big.get("bus_bytes", BUS_BYTES)
    records = [report.run_record(r, bus_bytes) for r in result["runs"] if "error" not in r]
    failed = [r for r in result["runs"] if "error" in r]
    doc: dict[str, Any] = {
        "simulator": simulator,
        "kind": kind,
        "bus_bytes": bus_bytes,
        "mem_bytes": big["memory"].mem_bytes if big else jobspec.DEFAULT_MEM_BYTES,
        "node_latency": [{"node": i, "rd_latency": rd, "wr_latency": wr}
                         for i, (rd, wr) in enumerate(SIM_NODE_LATENCY)],
        "latency_jitter": SIM_LATENCY_JITTER,
        "cpu_copy": SIM_CPU or "tb_top defaults",
        "clocks": _clock_note(),
        "software_time": "software steps (cost table) are simulated time, fast-forwarded "
                         "while the engine is idle (harness.jobs.WarpDevice); steps that "
                         "overlap its work (batch_dma's descriptor preparation) run cycle by "
                         "cycle",
        "wall_seconds": wall,
        "run_fields": report.RUN_FIELDS,
        "costs": cost_record(costs),
        "runs": records,
        "errors": [{"mode": r.get("mode"), "folio_bytes": r.get("folio_bytes"),
                    "nr_folios": r.get("nr_folios"), "error": r["error"]} for r in failed]
        + ([{"error": error}] if error and not failed else []),
    }
    report.write_json(REPORT_JSON, doc)
    if json_path:
        report.write_json(json_path, doc)

    print()
    if records:
        print(report.sim_markdown(records))
        seed_table = report.seed_markdown(records)
        if seed_table:
            print("CPU cycles per 4 KiB page, mean ± SD over repetitions, beside the seed's "
                  f"RFC v1 figures ({_clock_note()}):\n")
            print(seed_table)
    print(f"memory: node 1 -> node 0; (read, write) latency per node {SIM_NODE_LATENCY} cycles"
          f" +- {SIM_LATENCY_JITTER:.0%} jitter per repetition")
    print(f"wrote {REPORT_JSON.relative_to(runner.REPO_ROOT)}"
          + (f" and {json_path}" if json_path else "") + f"; wall time {wall:.1f} s")
    details = json_path or REPORT_JSON
    if error or failed:
        for e in doc["errors"]:
            print(failed_line(e, details), file=sys.stderr)
        return 1
    not_valid = [r for r in records if r["bytes_validated"] != r["size_bytes"] * r["repetitions"]
                 or r["nr_failed"]]
    for r in not_valid:
        print(failed_line({**r, "error": "not every folio migrated and validated"}, details),
              file=sys.stderr)
    return 1 if not_valid else 0


#: CPU time of a repetition relative to its bytes, by copy path (Icarus, make sim's rows):
#: batch_dma_v1 submits and waits page by page, ~6x the others; the rest are alike
REPETITION_WEIGHT = {"batch_dma_v1": 6.0}


def share_repetitions(runs: list[dict], parts: int) -> list[list[dict]]:
    """make sim's rows as ``parts`` simulations of about the same work, to run side by side:
    every row's repetitions are shared out (``first_rep`` keeps each its seed), the rows
    heaviest first, a row's odd repetitions to the simulations with the least work so far."""
    def weight(r):
        return r["folio_bytes"] * r["nr_folios"] * REPETITION_WEIGHT.get(r["mode"], 1.0)
    split: list[list[tuple[int, dict]]] = [[] for _ in range(parts)]
    load = [0.0] * parts
    for k in sorted(range(len(runs)), key=lambda k: -weight(runs[k])):
        r = runs[k]
        base, extra = divmod(r["repetitions"], parts)
        first = r.get("first_rep", 0)
        for rank, i in enumerate(sorted(range(parts), key=lambda i: load[i])):
            n = base + (rank < extra)
            if n:
                split[i].append((k, {**r, "first_rep": first, "repetitions": n}))
                load[i] += n * weight(r)
                first += n
    return [[r for _, r in sorted(part, key=lambda kr: kr[0])] for part in split]


#: make sim's memory: 4 nodes of DEFAULT_MEM_BYTES / 4 (a row's sources sit on one node)
SIM_NODE_BYTES = jobspec.DEFAULT_MEM_BYTES // 4


def big_memory(size_bytes: int) -> dict:
    """migrate_job settings for a row of ``size_bytes`` beyond make sim's nodes: the seed's
    1GB row's build (4 nodes of at least ``size_bytes``, sparse on Verilator; 64-bit engine
    addresses from 4 GiB; the rings on node 3; the CPU copy model LLC-cold)."""
    node = max(SIM_NODE_BYTES, 1 << (size_bytes - 1).bit_length())
    return {"bus_bytes": TARGET_DATA_WIDTH // 8, "dma_node": 3,
            "memory": make_sim_memory(cpu_setting(size_bytes), mem_bytes=4 * node)}


def _clock_note() -> str:
    try:
        from .costs import DEFAULT_COSTS
        return DEFAULT_COSTS.clock_note()
    except ImportError:
        return "fabric cycles at 1 GHz"


# ------------------------------------------------------------------------------- bench
def bench(*, folio_size: int, nr_folios: int, queues: int, mem_latency: int | None,
          json_path: Path | None = None, simulator: str = "icarus") -> int:
    """One benchmark point: copy nr_folios folios of folio_size bytes. Returns an exit code.

    mem_latency: memory read and write latency in fabric cycles, every node
    (None: DEFAULT_BENCH_LATENCY, the memory model's default).
    """
    lat = DEFAULT_BENCH_LATENCY if mem_latency is None else mem_latency
    point = {"folio_bytes": folio_size, "nr_folios": nr_folios, "mem_latency": lat, "seed": 1}
    cap = point_cap_bytes(simulator)
    if folio_size * nr_folios > cap:
        print(f"error: {nr_folios} x {report.fmt_bytes(folio_size)} is more than the "
              f"{report.fmt_bytes(cap)} one memory node of the {simulator} test bench holds",
              file=sys.stderr)
        return 2
    json_path = Path(json_path) if json_path else BENCH_DIR / "point.json"
    points, errors = run_bench_points({queues: [point]}, simulator)
    doc = {"simulator": simulator, "bus_bytes": BUS_BYTES, "points": points, "errors": errors}
    report.write_json(json_path, doc)
    if points:
        print(report.bench_markdown(points))
    print(f"wrote {json_path}")
    return 1 if errors else 0


def point_cap_bytes(simulator: str) -> int:
    """Most data one point may copy: one memory node of tb_top (sources on node 1,
    destinations on node 2); Icarus is also slow (~1 MB/s of copy)."""
    from .rtl_device import DEFAULT_MEM_BYTES
    return DEFAULT_MEM_BYTES // 4


def run_bench_points(groups: dict[int, list[dict]], simulator: str,
                     tag: str = "bench") -> tuple[list[dict], list[dict]]:
    """Run point lists: one build per queue count, a queue count's points in one or more
    simulations (``split_jobs``), PARALLEL at a time. -> (validated points, errors).
    A failing point gives no figure (the engine is soft-reset and its job goes on)."""
    jobs, names = [], []
    for queues, plist in sorted(groups.items()):
        for i, part in enumerate(split_jobs(plist)):
            out = BUILD / "jobs" / f"{tag}-{simulator}-q{queues}-{i}.json"
            jobs.append(bench_job(part, out, queues=queues))
            total = sum(p["folio_bytes"] * p["nr_folios"] for p in part)
            names.append(f"{len(part)} points with {queues} queue(s), {report.fmt_mib(total)}")
    print(f"{tag}: {len(jobs)} simulations on {simulator}, {min(PARALLEL, len(jobs))} at a time: "
          + "; ".join(names), flush=True)
    points, errors = [], []
    for job, (error, result) in zip(jobs, run_jobs(jobs, simulator)):
        queues = job.engine.queues
        ok = [p for p in result.get("points", []) if "error" not in p]
        bad = [p for p in result.get("points", []) if "error" in p]
        points += ok
        errors += [{"queues": queues, **{k: p.get(k) for k in ("folio_bytes", "nr_folios",
                                                                "mem_latency")},
                    "error": p["error"]} for p in bad]
        if result.get("aborted"):
            errors.append({"queues": queues, "error": result["aborted"]})
        elif error and not bad:
            errors.append({"queues": queues, "error": error})
    return points, errors


#: data per simulation before a queue count's points are split over several (balances the
#: parallel simulations; each split costs one more simulator start, ~1 s)
JOB_BYTES = 48 << 20


def split_jobs(plist: list[dict], limit: int = JOB_BYTES) -> list[list[dict]]:
    """Cut a point list into consecutive parts of at most ``limit`` bytes of data (a point
    bigger than that is a part of its own)."""
    parts: list[list[dict]] = []
    cur: list[dict] = []
    size = 0
    for p in plist:
        nbytes = p["folio_bytes"] * p["nr_folios"]
        if cur and size + nbytes > limit:
            parts.append(cur)
            cur, size = [], 0
        cur.append(p)
        size += nbytes
    if cur:
        parts.append(cur)
    return parts


# ------------------------------------------------------------------------- bench sweep
SWEEP_FOLIO = [4 << 10, 64 << 10, 2 << 20]
SWEEP_NR = [1, 8, 64, 512]
SWEEP_QUEUES = [1, 2, 4, 8, 16]
SWEEP_LATENCY = [2, 100, 200, 500]
#: default `make bench`: every folio size x count x latency on one
#: queue (the engine targets), and queue scaling at one latency; --full: the whole product.
DEFAULT_SCALING_LATENCY = 200
#: default `make bench`: points over this much data run only at DEFAULT_SCALING_LATENCY
#: (8 x 2M takes ~1-2 min of Icarus each); --full runs them at every latency
DEFAULT_BIG_BYTES = 8 << 20


def sweep_points(full: bool, cap_bytes: int) -> tuple[dict[int, list[dict]], list[dict]]:
    """The sweep's points grouped by queues, and the points skipped (over ``cap_bytes``)."""
    groups: dict[int, list[dict]] = {}
    skipped = []
    for q, folio, n, lat in itertools.product(SWEEP_QUEUES, SWEEP_FOLIO, SWEEP_NR,
                                              SWEEP_LATENCY):
        if not full and q != 1 and lat != DEFAULT_SCALING_LATENCY:
            continue
        if not full and q != 1 and n < 8:        # one folio cannot use more than one queue
            continue
        if not full and folio * n > DEFAULT_BIG_BYTES and lat != DEFAULT_SCALING_LATENCY:
            continue
        p = {"folio_bytes": folio, "nr_folios": n, "mem_latency": lat, "seed": 1}
        if folio * n > cap_bytes:
            skipped.append({**p, "queues": q})
            continue
        groups.setdefault(q, []).append(p)
    return groups, skipped


def bench_sweep(*, json_path: Path | None = None, simulator: str = "icarus",
                full: bool = False, costs: dict | None = None) -> int:
    """`make bench`: the benchmark sweep (folio sizes x folios x queues x memory latency)."""
    cap = point_cap_bytes(simulator)
    groups, skipped = sweep_points(full, cap)
    n = sum(len(v) for v in groups.values())
    print(f"bench sweep ({'full' if full else 'default; --full for every point'}): {n} points"
          f" on {simulator}, {DATA_WIDTH}-bit bus, memory 1 line/cycle each way")
    if skipped:
        print(f"skipping {len(skipped)} points over {report.fmt_bytes(cap)} of data per point "
              f"(one memory node of the test bench): "
              + ", ".join(sorted({f"{p['nr_folios']} x {report.fmt_bytes(p['folio_bytes'])}"
                                  for p in skipped})))
    t0 = time.monotonic()
    points, errors = run_bench_points(groups, simulator, tag="sweep")
    wall = time.monotonic() - t0
    points.sort(key=lambda p: (p["queues"], p["folio_bytes"], p["nr_folios"], p["mem_latency"]))
    doc = {"simulator": simulator, "bus_bytes": BUS_BYTES, "full": full,
           "costs": cost_record(costs), "cap_bytes": cap, "wall_seconds": wall, "points": points,
           "skipped": skipped, "errors": errors}
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    report.write_json(BENCH_DIR / "bench.json", doc)
    if json_path:
        report.write_json(json_path, doc)
    md = report.bench_markdown(points) if points else "(no points)\n"
    met = [p for p in points if p.get("target")]
    summary = (f"\n{sum(1 for p in met if p['target']['met'])} of {len(met)} points with an "
               f"engine target meet it; {len(errors)} errors; {len(skipped)} skipped; "
               f"wall {wall:.0f} s on {simulator}\n")
    (BENCH_DIR / "bench.md").write_text(
        f"# foliodma bench ({simulator}, {DATA_WIDTH}-bit bus)\n\n" + md + summary)
    png = report.plot_bench([p for p in points if p["queues"] == 1], BENCH_DIR / "bench.png")
    studies = ""                  # the series' studies, after the sweep: (bench.json key, fn)
    for key, study in (("channels", channel_scaling), ("seed_engine", seed_engine),
                       ("folio_sizes", folio_size_table), ("dma_target", dma_target)):
        result, study_errors = study(simulator, costs=costs)
        doc[key] = result
        errors += study_errors
        studies += result["markdown"]
    md += studies
    cross, cross_err = crossover(simulator, costs=costs)
    errors += cross_err
    doc["crossover"] = cross
    sens, sens_err = sensitivity(simulator, costs=costs)
    errors += sens_err
    doc["sensitivity"] = sens
    report.write_json(BENCH_DIR / "bench.json", doc)
    if json_path:
        report.write_json(json_path, doc)
    cross_md = report.crossover_markdown(cross) + sens["markdown"]
    report.plot_crossover(cross, BENCH_DIR / "crossover.png")
    with open(BENCH_DIR / "bench.md", "a") as f:
        f.write(studies + "\n" + cross_md)
    speed, speed_errors = sim_speed(simulator)          # the simulators' own speed
    errors += speed_errors
    doc["sim_speed"] = speed
    speed_md = speed["markdown"]
    if simulator == "verilator":                        # the seed's 1GB rows (~40 min)
        row_1gb, row_errors = seed_1gb_row(simulator)
        errors += row_errors
        doc["seed_1gb"] = row_1gb
        speed_md += row_1gb["markdown"]
    report.write_json(BENCH_DIR / "bench.json", doc)
    if json_path:
        report.write_json(json_path, doc)
    with open(BENCH_DIR / "bench.md", "a") as f:
        f.write(speed_md)
    cross_md += speed_md
    print(md + summary + "\n" + cross_md)
    print(f"wrote {BENCH_DIR.relative_to(runner.REPO_ROOT)}/bench.json, bench.md"
          + (", bench.png" if png else " (no matplotlib: no plot)"))
    for e in errors:
        print(failed_line(e, json_path or BENCH_DIR / "bench.json"), file=sys.stderr)
    return 1 if errors else 0


def failed_line(err: dict, details: Path) -> str:
    """One line naming the failed row or point, its error, and the file with details."""
    what = [str(err[k]) for k in ("mode",) if err.get(k)]
    if err.get("nr_folios") and err.get("folio_bytes"):
        what.append(f"{err['nr_folios']} x {report.fmt_bytes(err['folio_bytes'])}")
    for key, fmt in (("queues", "{} queue(s)"), ("mem_latency", "L={}")):
        if err.get(key) is not None:
            what.append(fmt.format(err[key]))
    what += [k for k, v in err.items() if v is True]          # the study it belongs to
    message = str(err.get("error", "")).splitlines()[0][:200] if err.get("error") else ""
    return f"FAILED: {', '.join(what) or 'simulation'}: {message} (details: {details})"


# ------------------------------------------------------------------ channel scaling
#: The series' channel study (RFC V3: DMA, 2M folios, 1..16 PTDMA channels): each queue
#: capped like one PTDMA channel, 12.5 GB/s (V3's 1-channel figure) = 12.5 bytes per fabric
#: cycle at 1 GHz = 50/256 beats of 64 bytes per cycle (RATE = 50). 16 copies of 256 KiB
#: (4 MiB; a capped queue's rate does not depend on the folio size, and 16 copies give every
#: one of 16 queues work - the driver splits a batch into whole descriptors) at the scaling
#: latency. Smaller than V3's 1 GB so that the 1-queue point takes minutes on Icarus.
CHANNEL_RATE = 50
CHANNEL_QUEUES = (1, 2, 4, 8, 16)
CHANNEL_POINT = {"folio_bytes": 256 << 10, "nr_folios": 16, "seed": 3}


def channel_scaling(simulator: str, costs: dict | None = None) -> tuple[dict, list[dict]]:
    """Throughput by number of capped queues, beside the series' published figures."""
    groups = {q: [{**CHANNEL_POINT, "mem_latency": DEFAULT_SCALING_LATENCY,
                   "rate": CHANNEL_RATE}] for q in CHANNEL_QUEUES}
    points, errors = run_bench_points(groups, simulator, tag="channels")
    fabric_hz = 1e9
    title = (f"\nChannel scaling: {CHANNEL_POINT['nr_folios']} x 256 KiB copies, each queue "
             f"capped at RATE={CHANNEL_RATE} ({CHANNEL_RATE / 256 * 64 * fabric_hz / 1e9:.1f} GB/s"
             f" at 1 GHz, one PTDMA channel of RFC V3), bus 64 GB/s:\n\n")
    md = title + (report.channels_markdown(points, fabric_hz) if points else "(no points)\n")
    return {"rate": CHANNEL_RATE, "points": points, "markdown": md}, errors


# ------------------------------------------------------------------ the seed's engine
#: The seed's DMA pathology needs the seed's engine as well as its driver: dcbm v1 drove one
#: PTDMA channel at a net 768 MB/s. A queue capped at RATE = 3/256 beats of 64 bytes per
#: cycle moves 750 MB/s at 1 GHz. batch_dma_v1 (one page at a time, busy-wait) on such a
#: queue, 4KB row (the 2MB row would take ~10 min per repetition on Icarus).
SEED_ENGINE_RATE = 3


def seed_engine(simulator: str, costs: dict | None = None) -> tuple[dict, list[dict]]:
    """batch_dma_v1 on a PTDMA-like queue beside the seed's DMA row and the CPU: the 4KB row,
    and on Verilator the 2MB row too (~10 min per repetition on Icarus, seconds there)."""
    sizes = [1, 512] if simulator == "verilator" else [1]
    runs = [{"mode": mode, "folio_bytes": 4096, "nr_folios": n, "repetitions": SIM_REPETITIONS,
             "rate": rate} for n in sizes for mode, rate in (("batch_dma_v1", SEED_ENGINE_RATE),
                                                             ("batch_cpu", 0))]
    out = BUILD / "jobs" / f"seed-engine-{simulator}.json"
    records, errors = migrate_records(run_jobs([migrate_job(runs, out, costs=costs)], simulator),
                                      "seed_engine", BUS_BYTES)
    rows = {(r["mode"], r["nr_folios"]): r for r in records}
    md = (f"\nThe seed's pathology: batch_dma_v1 on a queue capped like its PTDMA channel "
          f"(RATE={SEED_ENGINE_RATE}, {SEED_ENGINE_RATE / 256 * 64:.2f} GB/s at 1 GHz), "
          f"CPU cycles per 4 KiB page (mean of {SIM_REPETITIONS}):\n\n"
          "| row | copy path | folio_copy | seed | migrate_pages | seed | folio_copy / CPU's |\n"
          "|---|---|---:|---:|---:|---:|---:|\n")
    for n in sizes:
        label = report.seed_size_label(4096 * n) or f"{n} x 4K"
        dma, cpu = rows.get(("batch_dma_v1", n)), rows.get(("batch_cpu", n))
        if not dma or not cpu:
            md += f"| {label} | (not measured) | | | | | |\n"
            continue
        for name, r, config in (("batch_dma_v1, PTDMA-like queue", dma, "batch, DMA"),
                                ("batch_cpu", cpu, "batch, CPU copy")):
            seed = report.SEED_RFC_V1[config][label]
            fc = r["folio_copy_cycles_per_page"]["mean"]
            mp = r["migrate_pages_cycles_per_page"]["mean"]
            ratio = fc / cpu["folio_copy_cycles_per_page"]["mean"]
            md += (f"| {label} | {name} | {fc:.0f} | {seed['folio_copy'][0]:.0f} | {mp:.0f} | "
                   f"{seed['migrate_pages'][0]:.0f} | {ratio:.1f}x |\n")
    if simulator != "verilator":
        md += "\n(the 2MB row runs with SIM=verilator)\n"
    return {"rate": SEED_ENGINE_RATE, "runs": list(rows.values()), "markdown": md}, errors


# ------------------------------------------------------------- throughput by folio size
#: RFC V3's move_pages throughput by folio size (1 GB moved; vanilla, CPU 16 threads, DMA on
#: 1 and 16 PTDMA channels) with make sim's memory and CPU copy model, every engine queue
#: capped like one PTDMA channel (CHANNEL_RATE). Rows (folio bytes, folios): 1 MiB of 4K and
#: 64K folios (half of one 512-page migrate_pages batch), one 2M folio (a batch of its own).
#: Columns (report key, copy path, engine queues, per-queue RATE). Not run: V3's CPU 16
#: threads (the CPU copy model is one core), and batch_cpu on one thread, which costs exactly
#: what vanilla does here (same copy model and cost table; batching only reorders the copies:
#: identical cycles in all 9 repetitions of a trial with 2 MiB rows, Icarus, 2026-11-26).
FOLIO_SIZE_ROWS = [(4 << 10, 256), (64 << 10, 16), (2 << 20, 1)]
FOLIO_SIZE_REPETITIONS = 3
FOLIO_SIZE_RUNS = [("dma_16ch", "batch_dma", 16, CHANNEL_RATE),
                   ("dma_1ch", "batch_dma", 1, CHANNEL_RATE), ("vanilla", "generic", 1, 0)]
#: (column, folio bytes) not simulated on Icarus: the 16-queue engine simulates ~7x slower
#: per cycle there (the 2M folio is cut into 16 pieces, one per queue: ~4 min of CPU for 3
#: repetitions). Verilator runs it.
FOLIO_SIZE_ICARUS_SKIP = {("dma_16ch", 2 << 20)}


def folio_size_table(simulator: str, costs: dict | None = None) -> tuple[dict, list[dict]]:
    """move_pages() GB/s node 1 -> node 0 by folio size, beside RFC V3's figures.
    Time base: the whole move_pages() call as the model charges it (syscall entry/exit,
    per-page isolation, migrate_pages(), putback), as CPU cycles at costs.cpu_hz.
    -> (document with "rows" and "markdown", errors)."""
    table = costs_mod.with_overrides(costs_mod.DEFAULT_COSTS, costs)

    skip = FOLIO_SIZE_ICARUS_SKIP if simulator == "icarus" else set()
    jobs = []
    # one simulation per cell (the 16-queue ones, the slowest, first: balances the parallel
    # simulations); a folio size's repetitions see the same memory jitter in every column
    for column, mode, queues, rate in FOLIO_SIZE_RUNS:
        for i, (folio, n) in enumerate(FOLIO_SIZE_ROWS):
            if (column, folio) in skip:
                continue
            run = {"mode": mode, "folio_bytes": folio, "nr_folios": n,
                   "repetitions": FOLIO_SIZE_REPETITIONS, "rate": rate, "seed_key": 100 + i,
                   "label": column}
            out = BUILD / "jobs" / (f"folio-sizes-{simulator}-{column}-"
                                    f"{report.fmt_bytes(folio)}.json")
            jobs.append(migrate_job([run], out, queues=queues, costs=costs))
    print("folio sizes: move_pages of "
          + ", ".join(f"{n} x {report.fmt_bytes(f)}" for f, n in FOLIO_SIZE_ROWS) + " by "
          + ", ".join(c for c, *_ in FOLIO_SIZE_RUNS) + f"; {FOLIO_SIZE_REPETITIONS} "
          f"repetitions; {len(jobs)} simulations, {min(PARALLEL, len(jobs))} at a time"
          + "".join(f"; not run on {simulator}: {c} {report.fmt_bytes(f)}" for c, f in skip),
          flush=True)
    t0 = time.monotonic()
    results = run_jobs(jobs, simulator)
    wall = time.monotonic() - t0
    errors = [{"folio_sizes": True, "error": e} for e, _ in results if e]
    gbps: dict[int, dict] = {folio: {} for folio, _ in FOLIO_SIZE_ROWS}
    gbps_migrate_pages: dict[int, dict] = {folio: {} for folio, _ in FOLIO_SIZE_ROWS}
    for _, res in results:
        for r in res.get("runs", []):
            size = r["folio_bytes"] * r["nr_folios"]
            if "error" in r or any(x["nr_failed"] or x["bytes_validated"] != size
                                   for x in r["reps"]):
                errors.append({"folio_sizes": True, "column": r["label"],
                               "folio_bytes": r["folio_bytes"],
                               "error": r.get("error", "not every folio migrated and validated")})
                continue
            gbps[r["folio_bytes"]][r["label"]] = report.migrate_gbps(
                r, table.cpu_hz, table.cpu_per_fabric)
            gbps_migrate_pages[r["folio_bytes"]][r["label"]] = report.migrate_gbps(
                r, table.cpu_hz, table.cpu_per_fabric, cycles_key="migrate_cycles")
    rows = [{"folio_bytes": folio, "nr_folios": n, "gbps": gbps[folio],
             "gbps_migrate_pages": gbps_migrate_pages[folio],
             "not_run": sorted(c for c, f in skip if f == folio),
             "v3": report.SEED_V3_GBPS[report.fmt_bytes(folio)]} for folio, n in FOLIO_SIZE_ROWS]
    md = (f"\nmove_pages() throughput by folio size, GB/s, mean ± SD of "
          f"{FOLIO_SIZE_REPETITIONS}, ours (RFC V3's in brackets), node 1 -> node 0. Time: the "
          f"whole move_pages() call of the model ({table.clock_note()}). DMA: batch_dma, every "
          f"queue capped at RATE={CHANNEL_RATE} (12.5 GB/s, one PTDMA channel), bus 64 GB/s.\n\n"
          + report.folio_sizes_markdown(rows)
          + "\nDiffers from V3: 1-2 MiB moved, not 1 GB; a simulated 1 GHz engine and memory "
          "with a software cost table fitted to the seed's Zen 3, not V3's machine; CPU 16 "
          "threads not modelled (the CPU copy model is one core; batch_cpu on one thread costs "
          "exactly what vanilla does here); a batch of fewer folios than queues is cut into "
          "page-aligned pieces, one per queue"
          + (" (DMA 16 ch at 2M not run on Icarus: ~4 min; Verilator runs it)" if skip else "")
          + ".\n")
    return {"repetitions": FOLIO_SIZE_REPETITIONS, "rate": CHANNEL_RATE,
            "time_base": "move_pages() call, syscall entry to exit (gbps_migrate_pages: "
                         "migrate_pages() t1..t4 only)",
            "wall_seconds": wall, "rows": rows, "markdown": md}, errors


# ------------------------------------------------------------------ DMA vs CPU crossover
#: batch sizes (4 KiB folios per migrate_pages() call, one batch each) of the crossover
CROSSOVER_BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
CROSSOVER_REPETITIONS = 2


def crossover(simulator: str, costs: dict | None = None, batches=CROSSOVER_BATCHES,
              repetitions: int = CROSSOVER_REPETITIONS, tag: str = "crossover"
              ) -> tuple[dict, list[dict]]:
    """folio_copy CPU cycles per page of batch_dma vs batch_cpu against the batch size
    (4 KiB folios, make sim's memory and CPU settings, one engine queue): the smallest batch
    from which the engine wins. -> (crossover document, errors)."""
    runs = [{"mode": mode, "folio_bytes": 4096, "nr_folios": n, "repetitions": repetitions}
            for mode in ("batch_cpu", "batch_dma") for n in batches]
    jobs = []
    for i, mode in enumerate(("batch_cpu", "batch_dma")):
        out = BUILD / "jobs" / f"{tag}-{simulator}-{i}.json"
        jobs.append(migrate_job([r for r in runs if r["mode"] == mode], out, costs=costs))
    print(f"{tag}: batch_cpu vs batch_dma, 4 KiB folios, batches {list(batches)}",
          flush=True)
    records, errors = migrate_records(run_jobs(jobs, simulator), "crossover", BUS_BYTES)
    per: dict[str, dict[int, dict]] = {}
    first: dict[str, dict[int, dict | None]] = {}     # first-folio latency (reviewers' ask)
    whole: dict[str, dict[int, dict]] = {}            # migrate_pages per page
    for rec in records:
        per.setdefault(rec["mode"], {})[rec["nr_folios"]] = rec["folio_copy_cycles_per_page"]
        first.setdefault(rec["mode"], {})[rec["nr_folios"]] = rec.get("first_folio_cycles")
        whole.setdefault(rec["mode"], {})[rec["nr_folios"]] = rec["migrate_pages_cycles_per_page"]
    cpu, dma = per.get("batch_cpu", {}), per.get("batch_dma", {})
    rows = [{"nr_folios": n, "batch_cpu": cpu[n], "batch_dma": dma[n],
             "first_folio_cycles": {m: first[m][n] for m in ("batch_cpu", "batch_dma")},
             "migrate_pages": {m: whole[m][n] for m in ("batch_cpu", "batch_dma")}}
            for n in batches if n in cpu and n in dma]
    # the smallest batch from which DMA is cheaper per page at every larger batch measured
    wins = None
    for i in range(len(rows)):
        if all(r["batch_dma"]["mean"] < r["batch_cpu"]["mean"] for r in rows[i:]):
            wins = rows[i]["nr_folios"]
            break
    return {"folio_bytes": 4096, "metric": "folio_copy CPU cycles per page",
            "rows": rows, "dma_wins_from_batch": wins}, errors


# ------------------------------------------------------------- sensitivity to the cost split
#: The seed's data fix the per-batch software (TLB flush + migrate_pages() setup, 12670 CPU
#: cycles together) but not how it splits between the two: the flush happens once per
#: batch, the setup once per call. Within one batch (up to 512 x 4 KiB) only the sum counts;
#: a call of several batches (2048 x 4 KiB: 4) pays the flush each time. Each split keeps the
#: sum; the default is the first.
SENSITIVITY_SPLITS = [(6000, 6670), (1000, 11670), (11670, 1000)]
SENSITIVITY_BATCHES = [1, 16, 512, 2048]


def sensitivity(simulator: str, costs: dict | None = None) -> tuple[dict, list[dict]]:
    """How the crossover batch, the first folio's latency and migrate_pages() per page move
    when the per-batch cost is split differently (tlb_flush vs migrate_pages_setup), 1
    repetition per point. -> (document with markdown, errors)."""
    rows, errors = [], []
    for tlb, setup in SENSITIVITY_SPLITS:
        split = {**(costs or {}), "tlb_flush": tlb, "migrate_pages_setup": setup}
        cross, errs = crossover(simulator, costs=split, batches=SENSITIVITY_BATCHES,
                                repetitions=1, tag=f"sensitivity-{tlb}")
        errors += errs
        by_n = {r["nr_folios"]: r for r in cross["rows"]}
        rows.append({"tlb_flush": tlb, "migrate_pages_setup": setup,
                     "dma_wins_from_batch": cross["dma_wins_from_batch"],
                     "first_folio_cycles": {n: (by_n.get(n) or {}).get("first_folio_cycles")
                                            for n in (1, 512)},
                     "migrate_pages": {n: (by_n.get(n) or {}).get("migrate_pages")
                                       for n in (512, 2048)}})
    lines = ["", "Sensitivity: the per-batch software split differently (sum kept at "
             f"{sum(SENSITIVITY_SPLITS[0])} CPU cycles; the seed's rows do not tell the split),"
             f" batches {SENSITIVITY_BATCHES} x 4 KiB, 1 repetition; CPU cycles, batch_cpu /"
             " batch_dma:", "",
             "| tlb_flush | migrate_pages setup | DMA wins from batch | first folio, 1 |"
             " first folio, 512 | migrate_pages per page, 512 | migrate_pages per page, 2048 |",
             "|---:|---:|---:|---:|---:|---:|---:|"]

    def fmt(cell):
        vals = [(cell or {}).get(m) for m in ("batch_cpu", "batch_dma")]
        return " / ".join("-" if v is None else f"{v['mean']:.0f}" for v in vals)
    for r in rows:
        ff, mp = r["first_folio_cycles"], r["migrate_pages"]
        lines.append(f"| {r['tlb_flush']} | {r['migrate_pages_setup']} |"
                     f" {r['dma_wins_from_batch']} | {fmt(ff[1])} | {fmt(ff[512])} |"
                     f" {fmt(mp[512])} | {fmt(mp[2048])} |")
    return {"splits": rows, "markdown": "\n".join(lines) + "\n"}, errors


# ------------------------------------------------- the 4x target: documented engine settings
#: The issue's target engine: batch_dma's folio_copy at least 4x below batch_cpu's for 2MB
#: and larger migrations. batch_cpu's copy is ~550 CPU cycles per 4 KiB page (14.9 GB/s);
#: a 512-bit port at 1 GHz moves a page in 64 cycles = 128 CPU cycles, which alone is 4.3x,
#: before any driver software. So the documented settings are: a 1024-bit AXI data bus (AXI4's
#: widest) at 1 GHz = 128 GB/s, one queue, no RATE cap; memory nodes at one beat per cycle
#: each way (jobs.mem_bandwidth: 128 GB/s per node, about one socket of DDR5), make sim's
#: latencies and CPU copy model. batch_cpu runs on the same build and memory, side by side.
TARGET_DATA_WIDTH = 1024
TARGET_RATIO = 4.0
#: (folio bytes, folios): the seed's 2MB row (512 x 4 KiB, one batch), 8 MiB of 4 KiB folios
#: (4 batches), and the same 2 MiB / 8 MiB as THP folios (one descriptor each)
TARGET_ROWS = [(4096, 512), (4096, 2048), (2 << 20, 1), (2 << 20, 4)]
#: the seed's 256MB row (65536 x 4 KiB, 128 batches), for generic, batch_cpu and batch_dma:
#: Verilator only (~1-2 min of simulation per CPU-copy repetition there; Icarus would take
#: hours), on a build with 1 GiB of model memory (4 nodes of 256 MiB) and the rings on node 3
#: so that node 0 can take all of it. The seed's 1GB row runs in seed_1gb_row
#: (nodes of 1 GiB: a 4 GiB sparse memory model, Verilator).
LARGE_ROW = (4096, 65536)
LARGE_MEM_BYTES = 1 << 30
LARGE_REPETITIONS = 3


def dma_target(simulator: str, costs: dict | None = None) -> tuple[dict, list[dict]]:
    """batch_cpu vs batch_dma folio_copy on the documented engine settings, 2MB and larger.
    -> (document with rows and markdown, errors)."""
    bus_bytes = TARGET_DATA_WIDTH // 8
    jobs = []
    for i, mode in enumerate(("batch_cpu", "batch_dma")):
        runs = [{"mode": mode, "folio_bytes": folio, "nr_folios": n,
                 "repetitions": SIM_REPETITIONS, "seed_key": 200 + k}
                for k, (folio, n) in enumerate(TARGET_ROWS)]
        out = BUILD / "jobs" / f"dma-target-{simulator}-{i}.json"
        jobs.append(migrate_job(runs, out, bus_bytes=bus_bytes, costs=costs))
    print(f"dma target: batch_cpu vs batch_dma on a {TARGET_DATA_WIDTH}-bit engine, "
          + ", ".join(f"{n} x {report.fmt_bytes(f)}" for f, n in TARGET_ROWS)
          + f"; {SIM_REPETITIONS} repetitions", flush=True)
    rows_run = list(TARGET_ROWS)
    if simulator == "verilator":          # the long simulations first: they set the wall time
        folio, n = LARGE_ROW
        rows_run.append(LARGE_ROW)
        for i, mode in enumerate(("generic", "batch_cpu", "batch_dma")):
            out = BUILD / "jobs" / f"dma-target-{simulator}-large-{i}.json"
            run = {"mode": mode, "folio_bytes": folio, "nr_folios": n,
                   "repetitions": LARGE_REPETITIONS, "seed_key": 300}
            memory = make_sim_memory(cpu_setting(folio * n), mem_bytes=LARGE_MEM_BYTES)
            jobs.insert(i, migrate_job([run], out, bus_bytes=bus_bytes, memory=memory,
                                       dma_node=3, costs=costs))
        print(f"  and the seed's 256MB row ({n} x {report.fmt_bytes(folio)}) for generic, "
              f"batch_cpu, batch_dma, {LARGE_REPETITIONS} repetitions", flush=True)
    else:
        print("  (the seed's 256MB row needs SIM=verilator; its 1GB row is not run)", flush=True)
    runs, errors = migrate_records(run_jobs(jobs, simulator), "dma_target", bus_bytes)
    records = {(rec["mode"], rec["folio_bytes"], rec["nr_folios"]): rec for rec in runs}
    rows = report.dma_target_rows(records, rows_run, TARGET_RATIO)
    md = (f"\nThe 4x target on the documented engine settings: {TARGET_DATA_WIDTH}-bit bus at "
          f"1 GHz ({bus_bytes} GB/s), one queue, memory one beat per cycle each way, make sim's "
          f"latencies; folio_copy CPU cycles per 4 KiB page, mean ± SD of {SIM_REPETITIONS} "
          f"repetitions ({LARGE_REPETITIONS} for 256MB, whose source is larger than the LLC: "
          f"CPU copy model with {SIM_CPU_LLC_COLD['max_reads']} line reads in flight, "
          f"not {SIM_CPU['max_reads']}):\n\n"
          + report.dma_target_markdown(rows) + "\n"
          + report.seed_markdown(list(records.values()))
          + ("\nRows run: " + ", ".join(f"{n} x {report.fmt_bytes(f)}" for f, n in rows_run)
             + ". The seed's 1GB row runs after the sweep (seed_1gb_row)"
             + ("" if simulator == "verilator" else "; its 256MB row runs with SIM=verilator")
             + ".\n"))
    return {"data_width": TARGET_DATA_WIDTH, "ratio_target": TARGET_RATIO, "rows": rows,
            "runs": list(records.values()), "markdown": md}, errors


# ------------------------------------------------------------------- simulator speed
#: The simulator's own speed on two copies (one simulation per point and simulator, one after
#: the other, so that the CPU seconds are the simulation's own): simulated fabric cycles and
#: MiB copied per CPU-second of the simulator process during the copy (doorbell .. interrupt;
#: cocotb and the host model run in that process too), and the whole simulation's CPU
#: (start-up, backdoor load, copy, byte-by-byte validation; the build is done before).
SIM_SPEED_POINTS = [{"folio_bytes": 4096, "nr_folios": 64, "mem_latency": 100, "seed": 1},
                    {"folio_bytes": 2 << 20, "nr_folios": 1, "mem_latency": 100, "seed": 1}]
#: the same points measured on Icarus before the sim-only models were rewritten for speed
#: (commit d6e46c4, this 2-core machine shared with other jobs): copy CPU-seconds, and the
#: whole simulation's CPU-seconds
SIM_SPEED_ICARUS_BEFORE = {(4096, 64): {"fabric_cycles": 4472, "cpu_copy_seconds": 0.79,
                                        "sim_cpu_seconds": 2.31},
                           ((2 << 20), 1): {"fabric_cycles": 33080, "cpu_copy_seconds": 3.13,
                                            "sim_cpu_seconds": 4.90}}


def _verilator_installed() -> bool:
    try:
        runner.verilator_root()
        return True
    except RuntimeError:
        return False


def sim_speed(simulator: str) -> tuple[dict, list[dict]]:
    """Simulated cycles and MiB per CPU-second on Icarus and (if installed) Verilator, for
    SIM_SPEED_POINTS, side by side. ``simulator`` is the sweep's; both run regardless.
    -> (document with rows and markdown, errors)."""
    import resource
    sims = ["icarus"] + (["verilator"] if _verilator_installed() else [])
    rows, errors = [], []
    for sim in sims:
        params = jobspec.Engine(bus_bytes=BUS_BYTES).parameters
        runner.build(params, sim)                     # not measured
        for i, p in enumerate(SIM_SPEED_POINTS):
            out = BUILD / "jobs" / f"sim-speed-{sim}-{i}.json"
            job = bench_job([p], out, queues=1)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            error, result = _job_process((job, sim, False))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            sim_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            pts = [q for q in result.get("points", []) if "error" not in q]
            if error or not pts:
                errors.append({"sim_speed": True, "simulator": sim, **p,
                               "error": error or "no validated point"})
                continue
            q = pts[0]
            nbytes = p["folio_bytes"] * p["nr_folios"]
            copy_cpu = max(q["cpu_copy_seconds"], 1e-9)
            rows.append({"simulator": sim, "folio_bytes": p["folio_bytes"],
                         "nr_folios": p["nr_folios"], "mem_latency": p["mem_latency"],
                         "fabric_cycles": q["fabric_cycles"],
                         "bytes_validated": q["bytes_validated"],
                         "cpu_copy_seconds": q["cpu_copy_seconds"],
                         "cycles_per_cpu_second": q["fabric_cycles"] / copy_cpu,
                         "mib_per_cpu_second": nbytes / (1 << 20) / copy_cpu,
                         "point_cpu_seconds": q.get("cpu_seconds"),
                         "sim_cpu_seconds": sim_cpu})
    md = ("\nSimulator speed (CPU seconds of the simulator process; the machine may be shared):"
          " copy = doorbell .. interrupt; simulation = start-up, backdoor load, copy, "
          "validation\n\n| point | simulator | cycles | copy CPU s | cycles / CPU s | "
          "MiB / CPU s | simulation CPU s | Icarus before: CPU s (x faster) |\n"
          "|---|---|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        key = (r["folio_bytes"], r["nr_folios"])
        old = SIM_SPEED_ICARUS_BEFORE.get(key) if r["simulator"] == "icarus" else None
        ref = "" if old is None else (f"{old['cpu_copy_seconds']:.2f} "
                                      f"(x{old['cpu_copy_seconds'] / r['cpu_copy_seconds']:.1f});"
                                      f" simulation {old['sim_cpu_seconds']:.2f} "
                                      f"(x{old['sim_cpu_seconds'] / r['sim_cpu_seconds']:.1f})"
                                      + ("" if old["fabric_cycles"] == r["fabric_cycles"]
                                         else f", cycles were {old['fabric_cycles']}"))
        md += (f"| {r['nr_folios']} x {report.fmt_bytes(r['folio_bytes'])} | {r['simulator']} | "
               f"{r['fabric_cycles']} | {r['cpu_copy_seconds']:.2f} | "
               f"{r['cycles_per_cpu_second']:,.0f} | {r['mib_per_cpu_second']:.2f} | "
               f"{r['sim_cpu_seconds']:.2f} | {ref} |\n")
    for key in sorted({(r["folio_bytes"], r["nr_folios"]) for r in rows}):
        cyc = {r["simulator"]: r["fabric_cycles"] for r in rows
               if (r["folio_bytes"], r["nr_folios"]) == key}
        if len(set(cyc.values())) > 1:                # the same cycles on every simulator
            errors.append({"sim_speed": True, "error": f"cycle counts differ by simulator"
                           f" for {key[1]} x {key[0]} B: {cyc}"})
    return {"simulators": sims, "rows": rows, "markdown": md}, errors


# ------------------------------------------------------------------ the seed's 1GB row
#: The seed's 1GB row (262144 x 4 KiB in 512 batches, and 512 x 2 MiB) through each copy path
#: of SEED_1GB_MODES on Verilator, every byte validated: a 4 GiB memory model (nodes of 1 GiB: the source on
#: node 1, the destination on node 0, the rings on node 3; 64-bit engine addresses), sparse
#: (only the blocks written exist). One simulation per row, one after the other; each
#: reports its wall time from the simulator's start to the validated result (the build is
#: done before and reported apart) and the simulator process's peak resident memory.
SEED_1GB_ROWS = [(4096, 262144), (2 << 20, 512)]
SEED_1GB_MODES = ("batch_dma", "generic", "batch_cpu")


def _measured_job(job: jobspec.Job, simulator: str):
    """Run ``job`` (call in a fresh process) -> (error, result, wall s, CPU s, peak RSS bytes
    of the simulator process)."""
    import resource
    t0 = time.monotonic()
    error, result = _job_process((job, simulator, False))
    wall = time.monotonic() - t0
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return error, result, wall, use.ru_utime + use.ru_stime, use.ru_maxrss * 1024


def seed_1gb_row(simulator: str = "verilator") -> tuple[dict, list[dict]]:
    """The seed's 1GB row for each of SEED_1GB_MODES (see SEED_1GB_ROWS). Verilator only
    (Icarus would take hours). -> (document with rows and markdown, errors)."""
    if simulator != "verilator":
        return {"rows": [], "markdown": "\nThe seed's 1GB row runs with SIM=verilator only.\n"}, []
    bus_bytes = TARGET_DATA_WIDTH // 8
    rows, errors = [], []
    for mode, (folio, n) in [(m, r) for m in SEED_1GB_MODES for r in SEED_1GB_ROWS]:
        out = BUILD / "jobs" / f"seed-1gb-{simulator}-{mode}-{folio}.json"
        job = migrate_job([{"mode": mode, "folio_bytes": folio, "nr_folios": n,
                            "repetitions": 1, "seed_key": 400}], out, **big_memory(folio * n))
        t0 = time.monotonic()
        runner.build(job.parameters, simulator)
        build_wall = time.monotonic() - t0
        # in a fresh process of its own, so that the peak memory is this simulation's
        ctx = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
            error, result, wall, cpu, peak = pool.submit(_measured_job, job, simulator).result()
        recs, errs = migrate_records([(error, result)], "seed_1gb", bus_bytes)
        errors += errs
        rec = recs[0] if recs else {}
        rows.append({"mode": mode, "folio_bytes": folio, "nr_folios": n, "size_bytes": folio * n,
                     "wall_seconds": wall, "build_wall_seconds": build_wall,
                     "cpu_seconds": cpu, "peak_rss_bytes": peak,
                     "bytes_validated": rec.get("bytes_validated"),
                     "nr_succeeded": rec.get("nr_succeeded"), "nr_failed": rec.get("nr_failed"),
                     "fabric_cycles": rec.get("fabric_cycles"),
                     "migrate_pages_cycles_per_page": rec.get("migrate_pages_cycles_per_page"),
                     "folio_copy_cycles_per_page": rec.get("folio_copy_cycles_per_page"),
                     "error": error})
        print(f"seed 1GB row: {mode} {n} x {report.fmt_bytes(folio)}: {wall:.0f} s wall, "
              f"peak {rows[-1]['peak_rss_bytes'] / 2**30:.2f} GiB, validated "
              f"{rows[-1]['bytes_validated']}", flush=True)
    md = ("\nThe seed's 1GB row on Verilator (4 GiB sparse memory model, "
          f"{TARGET_DATA_WIDTH}-bit bus), every byte validated; CPU cycles per page:\n\n"
          "| copy path | row | wall s (start .. validated) | CPU s | peak RSS GiB | validated "
          "| migrate_pages | folio_copy |\n|---|---|---:|---:|---:|---:|---:|---:|\n")

    def per_page(v):
        return f"{v['mean']:.0f}" if isinstance(v, dict) else ("" if v is None else f"{v}")
    for r in rows:
        md += (f"| {r['mode']} | {r['nr_folios']} x {report.fmt_bytes(r['folio_bytes'])} | "
               f"{r['wall_seconds']:.0f} | {r['cpu_seconds']:.0f} | "
               f"{r['peak_rss_bytes'] / 2**30:.2f} | {r['bytes_validated']} | "
               f"{per_page(r['migrate_pages_cycles_per_page'])} | "
               f"{per_page(r['folio_copy_cycles_per_page'])} |\n")
    md += ("\nThe seed (4 KiB pages): generic 3770 / 805, batch_cpu 3788 / 888, DMA 13310 / "
           "10410 (migrate_pages / folio_copy).\n")
    return {"rows": rows, "markdown": md}, errors


# ---------------------------------------------------------------------------- plumbing
#: simulations run side by side (make sim's CPU and engine rows, the sweep's queue groups);
#: the machine has 2 cores. FOLIODMA_PARALLEL=1 runs them one after the other.
PARALLEL = max(1, int(os.environ.get("FOLIODMA_PARALLEL", "2")))


def migrate_records(results, study: str, bus_bytes: int) -> tuple[list[dict], list[dict]]:
    """Run records of migrate jobs' results [(error or None, result)], and the errors: a
    simulation that failed, a run that raised, a run that did not migrate and validate every
    byte of every repetition (its record is still returned). Errors carry ``study: True``."""
    errors = [{study: True, "error": e} for e, _ in results if e]
    records = []
    for _, result in results:
        for r in result.get("runs", []):
            if "error" in r:
                errors.append({study: True, "mode": r["mode"], "error": r["error"]})
                continue
            rec = report.run_record(r, bus_bytes)
            if rec["nr_failed"] or rec["bytes_validated"] != rec["size_bytes"] * rec["repetitions"]:
                errors.append({study: True, "mode": r["mode"],
                               "error": "not every folio migrated and validated"})
            records.append(rec)
    return records, errors


def _job_process(args):
    """One job, where a worker runs it: -> (error or None, its JSON result as data)."""
    job, simulator, waves = args
    error = _run_job(job, simulator, waves=waves)
    out = Path(job.out or "")
    return error, (report.read_json(out) if job.out and out.exists() else {})


def run_jobs(jobs: list[jobspec.Job], simulator: str,
             waves: bool = False) -> list[tuple[str | None, dict]]:
    """Run jobs, PARALLEL at a time, on a local or an existing Dask cluster (harness.cluster;
    each in a process of its own: the cocotb runner changes os.environ).
    -> [(error or None, the job's JSON result)] in order."""
    args = [(job, simulator, waves) for job in jobs]
    if len(args) > 1:
        # build every parameter set first, one at a time (the builds would only queue on
        # locks); on a cluster of several machines each worker builds in its own checkout
        for parameters in {tuple(sorted(j.parameters.items())) for j in jobs}:
            runner.build(dict(parameters), simulator, waves=waves)
    return cluster.map_jobs(_job_process, args, parallel=PARALLEL,
                            desc=f"{len(args)} simulations")


def _run_job(job: jobspec.Job, simulator: str, waves: bool = False) -> str | None:
    """Run the cocotb job; None on success, else the error message (the job's JSON keeps
    whatever it finished)."""
    out = Path(job.out or "")
    if job.out and out.exists():
        out.unlink()
    try:
        runner.run(JOB_MODULE, testcase="job", parameters=job.parameters,
                   simulator=simulator, waves=waves, config=job.to_dict())
        return None
    except (runner.SimulationError, RuntimeError) as exc:
        return str(exc)


# ============================================================================== soak
SOAK_DIR = BUILD / "soak"
#: the soak's RTL engine: make sim's 512-bit bus with 4 queues; its memory: 20 cycles
#: everywhere (short, so that a case spends its time on the faults, not on latency)
SOAK_ENGINE = jobspec.Engine(bus_bytes=BUS_BYTES, queues=4)
SOAK_MEMORY = jobspec.Memory(node_latency=((20, 20),) * 4)


def soak_job(seeds: list[int], out: Path) -> jobspec.Job:
    """A soak job: the fault soak's ``seeds`` on the RTL."""
    return jobspec.Job(kind="soak", out=str(out), engine=SOAK_ENGINE, memory=SOAK_MEMORY,
                       seeds=tuple(seeds))


def soak(*, seeds: int, first_seed: int = 0, model_seeds: int | None = None,
         simulator: str = "icarus", json_path: Path | None = None) -> int:
    """The fault soak (harness.soak): ``seeds`` seeds on the RTL (split over PARALLEL
    simulations), ``model_seeds`` (default 20 x seeds) on the golden model. Prints one
    summary line per part and the overall one; exit status 1 if anything was lost,
    half-migrated, written astray, disagreed with the model, hung or escaped."""
    import asyncio

    from . import soak as soak_mod

    model_seeds = 20 * seeds if model_seeds is None else model_seeds
    t0 = time.monotonic()
    model_results = []
    quiet = logging.getLogger("harness")       # the driver's per-fault warnings: thousands
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        for seed in range(first_seed, first_seed + model_seeds):
            case = soak_mod.draw_case(seed, max_queues=SOAK_ENGINE.queues)
            res = asyncio.run(soak_mod.run_case_on_model(case, mem_bytes=SOAK_MEMORY.mem_bytes))
            res["where"] = "model"
            model_results.append(res)
    finally:
        quiet.setLevel(level)
    model_wall = time.monotonic() - t0
    model_summary = soak_mod.summarize(model_results)
    print(soak_mod.summary_line(model_summary, f"golden model ({model_wall:.0f} s)"))

    rtl_results, errors = [], []
    t1 = time.monotonic()
    if seeds:
        SOAK_DIR.mkdir(parents=True, exist_ok=True)
        all_seeds = list(range(first_seed, first_seed + seeds))
        parts = [all_seeds[i::PARALLEL] for i in range(min(PARALLEL, seeds))]
        jobs = []
        for i, part in enumerate(parts):
            out = SOAK_DIR / f"soak-{simulator}-{first_seed}-{i}.json"
            jobs.append(soak_job(part, out))
        for job, (error, result) in zip(jobs, run_jobs(jobs, simulator)):
            cases = result.get("cases", [])
            rtl_results += cases
            done = {c["seed"] for c in cases}
            missing = [s for s in job.seeds if s not in done]
            if error or missing:
                errors.append(f"simulation {Path(job.out or '').name}: {error or 'ended early'};"
                              f" seeds not run: {missing}")
    rtl_wall = time.monotonic() - t1
    rtl_summary = soak_mod.summarize(rtl_results)
    if seeds:
        print(soak_mod.summary_line(rtl_summary, f"RTL {simulator} ({rtl_wall:.0f} s)"))
    record = {"simulator": simulator, "first_seed": first_seed,
              "rtl": rtl_summary, "model": model_summary,
              "rtl_wall_seconds": rtl_wall, "model_wall_seconds": model_wall,
              **{k: rtl_summary[k] for k in soak_mod.SOAK_KEYS if k != "faults"},
              "faults": rtl_summary["faults"], "simulation_errors": errors}
    path = json_path or SOAK_DIR / "soak.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    report.write_json(path, record)
    bad = soak_mod.failed(rtl_summary) or soak_mod.failed(model_summary) or errors
    for e in errors:
        print(f"FAILED: {e}", file=sys.stderr)
    for where, summary in (("RTL", rtl_summary), ("model", model_summary)):
        for f in summary["failing"][:10]:
            args = (f"--seeds 1 --first-seed {f['seed']} --model-seeds 0" if where == "RTL"
                    else f"--seeds 0 --first-seed {f['seed']} --model-seeds 1")
            print(f"FAILED: {where} seed {f['seed']}: {f['problems'][:2]}\n  rerun:"
                  f" .venv/bin/python -m harness soak {args} --sim {simulator}",
                  file=sys.stderr)
    print(f"{'FAILED' if bad else 'passed'}: soak record in {path}")
    return 1 if bad else 0
