"""Nothing lost under any fault, on the RTL.

Two reproductions of folios once left half-migrated, as cocotb regressions through
move_pages() on the simulated engine and memory:

* a bus error on the descriptor ring (fetch) and on the completion area (record write),
  seen by the engine only: the affected folios fall back to the CPU copy, every folio
  migrates, nothing escapes move_pages();
* a 2 MiB folio on a queue capped at RATE = 3 (one PTDMA-like channel) followed by more
  folios: the batch times out, its SOFT_RESET cannot drain in time, the device is declared
  dead and the 2 MiB folio's destination is quarantined; migrate_pages_sync() then retries
  that folio alone into a new destination, copied by the CPU, and the 4 KiB folios of the
  next call migrate by CPU too.

And the soak (harness.soak) on fixed RTL seeds covering every fault class, each case
compared against the golden model where timing does not decide the outcome.
"""
from __future__ import annotations

import dataclasses
import json

import pytest

from harness import experiments, report, runner, soak
from harness.jobspec import Engine, Job

try:
    import cocotb
except ImportError:          # pragma: no cover - cocotb is a dependency
    cocotb = None

if cocotb is not None:
    from harness.rtl_device import NR_NODES, RtlDevice

    async def fresh_device(dut) -> RtlDevice:
        runner.start_clock_if_needed(dut)
        job = Job.from_dict(runner.load_config())
        dev = RtlDevice(dut, bus_bytes=job.engine.bus_bytes, nr_queues=job.engine.queues,
                        mem_bytes=job.memory.mem_bytes)
        await dev.hard_reset()
        for node in range(NR_NODES):
            dev.set_memory(node=node, rd_latency=20, wr_latency=20)
        return dev

    @cocotb.test()
    async def ring_and_record_faults_under_move_pages(dut):
        """Fetch and record-write faults on queue 0's first slots, engine port only."""
        dev = await fresh_device(dut)
        plan = [{"cls": "fetch", "resp": "SLVERR", "port": "engine", "where": 0.0,
                 "span": 64, "after_beats": 0, "queue": 0, "slots": 2},
                {"cls": "record", "resp": "DECERR", "port": "engine", "where": 0.2,
                 "span": 64, "after_beats": 0, "queue": 0, "slots": 2}]
        case = soak.SoakCase(seed=101, mode="batch_dma", nr_queues=1, ring_order=4,
                             orders=[0] * 10, calls=[6, 4], fault_plan=plan)
        res = await soak.run_case(dev, case)
        assert not soak.failed(res), res["problems"]
        assert res["faults"]["fetch"] == 1 and res["faults"]["record"] == 1
        assert res["migrated"] == 10 and res["not_migrated"] == 0, res
        assert res["dead_devices"] == 0 and res["protocol_errors"] == 0, res

    @cocotb.test()
    async def thp_on_a_slow_queue_then_more_folios(dut):
        """A 2 MiB folio on a RATE = 3 queue, then four 4 KiB folios in a second call."""
        dev = await fresh_device(dut)
        case = soak.SoakCase(seed=102, mode="batch_dma", nr_queues=1, ring_order=9,
                             orders=[9, 0, 0, 0, 0], calls=[1, 4], fault_plan=[], rate=3,
                             timeout_cycles=20_000, reset_timeout_cycles=20_000)
        res = await soak.run_case(dev, case)
        assert not soak.failed(res), res["problems"]
        assert res["timeouts"] == 1 and res["dead_devices"] == 1, res
        assert res["quarantined"] == 1, res                 # the first 2 MiB destination
        assert res["not_migrated"] == 0 and res["migrated"] == 5, res

    @cocotb.test()
    async def soak_seeds(dut):
        """The soak job on the seeds of the configuration (run_soak, as `make soak`)."""
        from harness import jobs
        await jobs.run_soak(dut, Job.from_dict(runner.load_config()))


#: RTL seeds of `make test`: fixed, and together they draw every fault class, resets,
#: aborts, slow queues with timeouts and a dead device (checked below)
RTL_SEEDS = [0, 2, 13, 16, 24, 32, 38, 40, 41, 47, 48, 50]
@pytest.mark.parametrize("testcase", ["ring_and_record_faults_under_move_pages",
                                      "thp_on_a_slow_queue_then_more_folios"])
def test_fault_reproductions(testcase, tmp_path):
    """Each reproduction in a simulation of its own (make test runs them side by side), on
    a 1-queue engine: both drive queue 0 only, and Icarus spends about twice as long per
    clock on the soak's 4-queue build, whose other queues would only stay idle."""
    job = dataclasses.replace(experiments.soak_job([], tmp_path / "unused.json"),
                              engine=Engine(bus_bytes=experiments.BUS_BYTES, queues=1))
    runner.run("test_fault_soak", testcase=testcase, parameters=job.parameters,
               config=job.to_dict())


def test_soak_fixed_seeds_on_the_rtl(tmp_path):
    out = tmp_path / "soak.json"
    job = experiments.soak_job(RTL_SEEDS, out)
    runner.run("test_fault_soak", testcase="soak_seeds", parameters=job.parameters,
               config=job.to_dict())
    cases = report.read_json(out)["cases"]
    assert [c["seed"] for c in cases] == RTL_SEEDS
    s = soak.summarize(cases)
    assert not soak.failed(s), json.dumps(s["failing"], indent=1)[:4000]
    assert all(s["faults"][c] > 0 for c in soak.FAULT_CLASSES), s["faults"]
    assert s["migrated"] > 0
    for key in ("resets", "aborts", "timeouts", "dead_devices", "quarantined"):
        assert s[key] > 0, (key, s[key])
    compared = [c for c in cases if not soak.draw_case(c["seed"], 4, small=True)
                .timing_dependent]
    assert compared, "no seed was compared with the golden model"
