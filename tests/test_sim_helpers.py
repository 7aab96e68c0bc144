"""harness/runner.py helpers that need no simulator: build keys, config passing, sources."""
import json

import pytest

from harness import runner


def test_build_key_per_parameter_set():
    a = runner.build_key("icarus", {"NUM_QUEUES": 2, "DATA_WIDTH": 512})
    b = runner.build_key("icarus", {"DATA_WIDTH": 512, "NUM_QUEUES": 2})
    assert a == b == "icarus-DATA_WIDTH=512-NUM_QUEUES=2"  # order-independent, readable
    assert runner.build_key("icarus", {"NUM_QUEUES": 4, "DATA_WIDTH": 512}) != a
    assert runner.build_key("verilator", {"NUM_QUEUES": 2, "DATA_WIDTH": 512}) != a
    assert runner.build_key("icarus", {"NUM_QUEUES": 2, "DATA_WIDTH": 512}, waves=True) != a
    assert runner.build_key("icarus") == "icarus-default"
    assert runner.build_dir_for("icarus").parent == runner.BUILD_ROOT


def test_build_key_long_is_hashed_and_distinct():
    p1 = {f"PARAM_{i}": i for i in range(20)}
    p2 = dict(p1, PARAM_19=99)
    k1, k2 = runner.build_key("icarus", p1), runner.build_key("icarus", p2)
    assert k1 != k2 and len(k1) < 100 and "/" not in k1


def test_load_config_roundtrip(monkeypatch):
    monkeypatch.delenv(runner.CONFIG_ENV, raising=False)
    assert runner.load_config() == {}
    cfg = {"folio_size": 2 << 20, "queues": [0, 1], "name": "x"}
    monkeypatch.setenv(runner.CONFIG_ENV, json.dumps(cfg))
    assert runner.load_config() == cfg


def test_sources_exclude_headers_and_include_sim_models():
    srcs = runner.sources()
    assert all(p.suffix == ".v" for p in srcs)
    assert runner.RTL_DIR / "foliodma_top.v" in srcs


def test_unknown_simulator_rejected():
    with pytest.raises(ValueError):
        runner.build(simulator="xcelium")


def test_default_simulator_from_environment(monkeypatch):
    monkeypatch.delenv(runner.SIM_ENV, raising=False)
    assert runner.default_simulator() == "icarus"
    monkeypatch.setenv(runner.SIM_ENV, "Verilator")
    assert runner.default_simulator() == "verilator"
    monkeypatch.setenv(runner.SIM_ENV, "xcelium")
    with pytest.raises(ValueError):
        runner.default_simulator()


def test_default_cocotb_timeout_applies_only_without_own(monkeypatch):
    """harness.cocotb_timeout gives tests registered after it the default timeout from
    $FOLIODMA_TEST_TIMEOUT_MS; a test's own timeout_time wins; 0 means none."""
    import logging

    import cocotb
    from cocotb.regression import RegressionManager

    import harness.cocotb_timeout  # noqa: F401  (patches RegressionManager.register_test)

    @cocotb.test()
    async def plain(dut):
        pass

    @cocotb.test(timeout_time=1, timeout_unit="us")
    async def own(dut):
        pass

    class Manager:
        log = logging.getLogger("test")

        def __init__(self):
            self._test_queue = []

    for value, want in (("5", [(5.0, "ms"), (1, "us")]), ("0", [None, (1, "us")])):
        monkeypatch.setenv(runner.TIMEOUT_ENV, value)
        manager = Manager()
        for generator in (plain, own):
            for test in generator.generate_tests():
                RegressionManager.register_test(manager, test)
        assert [t.timeout for t in manager._test_queue] == want


def test_an_empty_or_truncated_vvp_is_rebuilt(tmp_path):
    vvp = tmp_path / "sim.vvp"
    assert runner.complete_vvp(vvp)                    # absent: the build makes it
    vvp.write_bytes(b"")
    assert not runner.complete_vvp(vvp)
    vvp.write_bytes(b"#! /usr/bin/vvp\n" + b":ivl_version x;\n" * 8)
    assert runner.complete_vvp(vvp)
    vvp.write_bytes(b"#! /usr/bin/vvp\n" + b":ivl_version x;\n" * 8 + b"S_0x55")   # cut
    assert not runner.complete_vvp(vvp)


def test_two_identical_runs_get_their_own_run_directories(tmp_path, monkeypatch):
    """The run directory (where the memory model's backdoor files live) is unique per run."""
    made = []

    class FakeRunner:
        def build(self, **kw):
            pass

        def test(self, test_dir, results_xml, **kw):
            made.append(test_dir)
            (test_dir / "results.xml").write_text(
                '<testsuites><testsuite><testcase name="t"/></testsuite></testsuites>')

    monkeypatch.setattr(runner, "build", lambda *a, **k: (FakeRunner(), tmp_path))
    for _ in range(2):
        runner.run("harness.jobs", "job", config={"kind": "bench"})
    assert len(made) == 2 and made[0] != made[1]


def test_job_parameters_size_the_memory_and_the_engine_addresses():
    from harness.jobspec import Engine, Job, Memory
    small = Job(kind="soak", engine=Engine(bus_bytes=64, queues=4))
    assert small.parameters == {"DATA_WIDTH": 512, "NUM_QUEUES": 4}
    big = Job(kind="migrate", engine=Engine(bus_bytes=128), memory=Memory(mem_bytes=4 << 30))
    assert big.parameters == {"DATA_WIDTH": 1024, "NUM_QUEUES": 1, "MEM_BYTES": 4 << 30,
                              "ADDR_WIDTH": 64}
