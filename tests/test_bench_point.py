"""A bench point on the RTL, measured two independent ways.

The doorbell-to-first-read latency comes from tb_top's latches (the TAIL write's AW
handshake to the first data AR handshake) and, independently, from a probe that counts from
the driver's TAIL write *call* to the first data ARVALID. The probe starts earlier, by the
cycles tb_top's AXI4-Lite master takes to present the write (2 here), and ends no later, so
it may exceed the latch by at most that. The latency must be positive: a register written
after the copy (RATE) must not re-latch the doorbell time (it did: -112 cycles).
"""
from harness import experiments


def test_first_read_latency_matches_an_independent_count():
    points, errors = experiments.run_bench_points(
        {1: [{"folio_bytes": 4096, "nr_folios": 1, "mem_latency": 2, "seed": 1}]}, "icarus",
        tag="test-first-read")
    assert not errors, errors
    (p,) = points
    latch, probe = p["first_read_latency"], p["first_read_probe"]
    assert latch is not None and probe is not None
    assert 0 < latch <= 20, p
    assert 0 <= probe - latch <= 3, (latch, probe)
    assert p["bytes_validated"] == 4096
