"""harness/cli.py argument parsing (pure Python; the experiments themselves are elsewhere)."""
import argparse

import pytest

from harness import cli, experiments


@pytest.mark.parametrize("text, value", [
    ("4K", 4096), ("64K", 65536), ("2M", 2 << 20), ("1G", 1 << 30), ("4096", 4096),
    ("4k", 4096), ("64KiB", 65536), ("2MB", 2 << 20),
])
def test_parse_size(text, value):
    assert cli.parse_size(text) == value
    assert cli.folio_size(text) == value


@pytest.mark.parametrize("text", ["", "K", "4X", "4KK", "-4K", "1.5M", "four", "4 K M"])
def test_parse_size_garbage(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.parse_size(text)


@pytest.mark.parametrize("text", ["0", "2K", "12K", "3M", "2G"])
def test_folio_size_rejects_non_folios(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.folio_size(text)


def _called_with(command, entry, argv, monkeypatch):
    """The keyword arguments `foliodma command argv` passes to experiments.<entry>."""
    seen = {}

    def fake(**kwargs):
        seen.update(kwargs)
        return 0
    monkeypatch.setattr(experiments, entry, fake)
    monkeypatch.setattr(cli, "missing_simulator", lambda simulator: None)
    assert cli.main([command] + argv) == 0
    return seen


def _bench_args(argv, monkeypatch):
    return _called_with("bench", "bench", argv, monkeypatch)


def test_bench_arguments(monkeypatch, tmp_path):
    out = tmp_path / "r.json"
    seen = _bench_args(["--folio-size", "2M", "--nr-folios", "8", "--queues", "4",
                        "--mem-latency", "100", "--json", str(out), "--sim", "verilator"],
                       monkeypatch)
    assert seen == {"folio_size": 2 << 20, "nr_folios": 8, "queues": 4, "mem_latency": 100,
                    "json_path": out, "simulator": "verilator"}


def test_bench_takes_copies_below_a_page(monkeypatch):
    assert _bench_args(["--folio-size", "512"], monkeypatch)["folio_size"] == 512
    assert _bench_args(["--folio-size", "3K"], monkeypatch)["folio_size"] == 3072


def test_bench_defaults(monkeypatch):
    seen = _bench_args([], monkeypatch)
    assert seen["folio_size"] == 4096 and seen["queues"] == 1
    assert seen["mem_latency"] is None and seen["simulator"] == "icarus"


@pytest.mark.parametrize("argv", [
    [],                                          # no command
    ["frobnicate"],                              # unknown command
    ["bench", "--folio-size", "garbage"],
    ["bench", "--folio-size", "100"],     # not a multiple of the descriptor alignment
    ["bench", "--queues", "0"],
    ["bench", "--queues", "17"],
    ["bench", "--nr-folios", "0"],
    ["bench", "--mem-latency", "-1"],
    ["bench", "--mem-latency", "fast"],
    ["bench", "--mem-latency", "0"],                 # the memory model runs it as 2
    ["bench", "--mem-latency", "70000"],             # beyond the model's 16-bit latency
    ["bench", "--folio-size", "-4K"],
    ["bench", "--json", "/nonexistent-dir/out.json"],
    ["bench", "--json", "/"],
    ["soak", "--seeds", "-3"],
    ["bench", "--sim", "xcelium"],
    ["sim", "--bogus"],
    ["gen", "--markdown", "--check"],
])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_gen_markdown(capsys):
    from harness import layout
    assert cli.main(["gen", "--markdown"]) == 0
    assert capsys.readouterr().out == layout.markdown_tables()


def test_negative_value_is_reported_as_a_bad_value(capsys):
    with pytest.raises(SystemExit):
        cli.main(["bench", "--folio-size", "-4K"])
    assert "invalid size '-4K'" in capsys.readouterr().err


def test_missing_simulator_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(cli.shutil, "which", lambda tool: None)
    assert cli.main(["bench"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "iverilog" in err and "Traceback" not in err


def test_failed_line_names_the_point_and_the_file():
    from pathlib import Path
    line = experiments.failed_line({"queues": 4, "folio_bytes": 4096, "nr_folios": 64,
                                    "mem_latency": 100, "error": "timeout\ntraceback..."},
                                   Path("sim_build/bench/bench.json"))
    assert line == ("FAILED: 64 x 4K, 4 queue(s), L=100: timeout"
                    " (details: sim_build/bench/bench.json)")


def test_cost_overrides_reach_the_job(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(experiments, "main_job", lambda **kw: seen.update(kw) or 0)
    monkeypatch.setattr(cli, "missing_simulator", lambda simulator: None)
    table = tmp_path / "costs.json"
    table.write_text('{"irq": 5000, "tlb_flush": 1}')
    assert cli.main(["sim", "--driver-costs", "dmaengine_iommu", "--costs", str(table),
                     "--cost", "tlb_flush=3000"]) == 0
    assert seen["costs"] == {"dma_map": 1600, "desc_prep": 400, "doorbell": 400,
                             "irq": 5000, "tlb_flush": 3000.0}


@pytest.mark.parametrize("argv", [["sim", "--cost", "tlb_flush"], ["sim", "--cost", "x=-1"],
                                  ["sim", "--cost", "no_such_cost=3"],
                                  ["sim", "--driver-costs", "psychic"]])
def test_bad_costs_are_refused(argv, monkeypatch):
    monkeypatch.setattr(experiments, "main_job", lambda **kw: 0)
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code not in (0, None)


def test_migrate_runs_one_row_as_make_sim_does(monkeypatch):
    seen = _called_with("migrate", "main_job",
                        ["--mode", "generic", "--size", "1G", "--folio-size", "2M",
                         "--sim", "verilator", "--repetitions", "2"], monkeypatch)
    assert seen["rows"] == [("generic", 2 << 20, 512)] and seen["simulator"] == "verilator"
    assert seen["repetitions"] == 2


@pytest.mark.parametrize("argv", [
    ["migrate", "--size", "5K"],                       # not whole folios
    ["migrate", "--size", "1G"],                       # beyond Icarus's memory model
    ["migrate", "--mode", "dma"],
    ["migrate", "--folio-size", "512"],                # a folio is whole pages
])
def test_migrate_bad_arguments(argv, monkeypatch):
    monkeypatch.setattr(cli, "missing_simulator", lambda simulator: None)
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code not in (0, None)
