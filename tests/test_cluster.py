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
