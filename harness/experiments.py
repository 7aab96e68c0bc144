"""Experiments: the seed's table, benchmark points and sweeps (to be written).

The CLI (`python -m harness sim|bench|bench-sweep`, i.e. `make sim` / `make bench`) calls
these functions with already-validated keyword arguments. They are placeholders until the
experiment layer lands; each raises NotImplementedError naming itself.
"""
from __future__ import annotations

from pathlib import Path


def sim(*, simulator: str = "icarus", json_path: Path | None = None,
        waves: bool = False) -> int:
    """`make sim`: the main job (the seed's comparison table). Returns a process exit code."""
    raise NotImplementedError("harness.experiments.sim() is not written yet")


def bench(*, folio_size: int, nr_folios: int, queues: int, mem_latency: int | None,
          json_path: Path | None = None, simulator: str = "icarus") -> int:
    """One benchmark point: migrate nr_folios folios of folio_size bytes. Returns an exit code.

    mem_latency: memory read latency in fabric cycles (None: the memory model's default).
    """
    raise NotImplementedError("harness.experiments.bench() is not written yet")


def bench_sweep(*, json_path: Path | None = None, simulator: str = "icarus") -> int:
    """`make bench`: the benchmark sweep (folio sizes x queues x memory latency)."""
    raise NotImplementedError("harness.experiments.bench_sweep() is not written yet")
