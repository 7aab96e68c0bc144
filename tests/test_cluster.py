"""Simulations farmed out through Dask give the same figures as a serial run."""
from harness import cluster, experiments


def _square(x):
    return x * x


def test_map_jobs_keeps_order_on_a_local_cluster():
    assert cluster.map_jobs(_square, list(range(7)), parallel=2) == [x * x for x in range(7)]


def test_dask_and_serial_runs_measure_the_same_cycles(tmp_path, monkeypatch):
    points = [{"folio_bytes": 4096, "nr_folios": 4, "mem_latency": 20, "seed": 1},
              {"folio_bytes": 16384, "nr_folios": 2, "mem_latency": 50, "seed": 2}]

    def run(parallel):
        monkeypatch.setattr(experiments, "PARALLEL", parallel)
        jobs = [experiments.bench_job([p], tmp_path / f"p{parallel}-{i}.json", queues=1)
                for i, p in enumerate(points)]
        results = experiments.run_jobs(jobs, "icarus")
        assert all(e is None for e, _ in results), results
        return [(r["points"][0]["fabric_cycles"], r["points"][0]["bytes_validated"])
                for _, r in results]

    serial, farmed = run(1), run(2)
    assert serial == farmed
    assert [v for _, v in serial] == [16384, 32768]


def test_make_sim_shares_every_rows_repetitions_between_the_simulations():
    rows = experiments.SIM_DEFAULT_WORKLOAD + experiments.SIM_SEED_ROWS
    runs = [{"mode": m, "folio_bytes": f, "nr_folios": n, "repetitions": 5, "seed_key": k}
            for k, (m, f, n) in enumerate(rows)]
    parts = experiments.share_repetitions(runs, 2)
    for k, run in enumerate(runs):           # each repetition in one simulation, in order
        reps = sorted(rep for part in parts for r in part if r["seed_key"] == k
                      for rep in range(r["first_rep"], r["first_rep"] + r["repetitions"]))
        assert reps == list(range(5)), (run, reps)
    for part in parts:                       # rows in make sim's order in each simulation
        assert [r["seed_key"] for r in part] == sorted(r["seed_key"] for r in part)
    v1 = [r["repetitions"] for part in parts for r in part
          if r["mode"] == "batch_dma_v1" and r["nr_folios"] > 1]
    assert sorted(v1) == [2, 3]
    one = experiments.share_repetitions([dict(runs[0], repetitions=1)], 2)
    assert [len(part) for part in one] == [1, 0]                   # fewer reps than parts
