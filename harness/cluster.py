"""Where independent simulations run: here one after the other, on a local Dask cluster, or
on an existing Dask cluster of several machines.

``map_jobs(fn, args)`` calls ``fn(arg)`` for every argument and returns the results in
order, showing a progress bar as they finish (tqdm, on a terminal). With more than one
argument and ``parallel`` > 1 it farms them out through Dask distributed: a LocalCluster of
``parallel`` single-threaded worker processes on this machine by default, or the scheduler
at ``$FOLIODMA_SCHEDULER`` (``--scheduler ADDRESS`` on the command line). Every worker runs
one simulation at a time in a process of its own (the cocotb runner changes os.environ).

Several machines: start ``dask scheduler`` on one, ``dask worker --nthreads 1 ADDRESS`` on
each, every worker in a checkout of the same commit with its ``.venv`` active (the workers
import ``harness`` and run the simulators there, writing results under their checkout's
sim_build/, which the job returns as data), then ``make bench BENCH_ARGS="--scheduler
ADDRESS"``.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Sequence

from tqdm import tqdm

#: environment variable: address of an existing Dask scheduler (unset: a LocalCluster)
SCHEDULER_ENV = "FOLIODMA_SCHEDULER"


def map_jobs(fn: Callable[[Any], Any], args: Sequence[Any], *, parallel: int,
             desc: str = "simulations") -> list:
    """[fn(a) for a in args], in order, ``parallel`` at a time (see the module doc)."""
    scheduler = os.environ.get(SCHEDULER_ENV) or None
    bar = tqdm(total=len(args), desc=desc, unit="sim", disable=None, leave=False)
    try:
        if len(args) <= 1 or (parallel <= 1 and scheduler is None):
            out = []
            for a in args:
                out.append(fn(a))
                bar.update(1)
            return out
        return _on_dask(fn, args, parallel, scheduler, bar)
    finally:
        bar.close()


def _on_dask(fn, args, parallel: int, scheduler: str | None, bar) -> list:
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is None:
        cluster = LocalCluster(n_workers=parallel, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        futures = client.map(fn, list(args), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list = [None] * len(futures)
        for fut in as_completed(futures):
            results[index[fut.key]] = fut.result()
            bar.update(1)
        return results
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
