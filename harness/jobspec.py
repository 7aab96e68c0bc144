"""Typed job specifications: what the host asks one simulation to do, said in one place.

The experiment layer (harness.experiments) builds a ``Job``; ``harness.runner.run`` carries it
into the simulator as JSON (``Job.to_dict`` / ``Job.from_dict``, the only serialization);
the in-simulator side (harness.jobs) reads it back with ``Job.from_dict(runner.load_config())``.
Every parameter has one name from the command line to the RTL:

    --mem-latency / BenchPoint.mem_latency / Memory.node_latency  ->  RtlDevice.set_memory(
        rd_latency=..., wr_latency=...)  ->  tb_top cfg_rd_latency / cfg_wr_latency (numa_mem)
    Engine.bus_bytes  ->  tb_top DATA_WIDTH = 8 x bus_bytes;  Engine.queues  ->  NUM_QUEUES
    BenchPoint.rate / MigrateRun.rate  ->  every queue's RATE register

Kinds: ``bench`` (``points``: copies timed from doorbell to interrupt), ``migrate`` (``runs``:
move_pages() through the mm model with a copy path, validated), ``soak`` (``seeds``: the
fault soak, harness.soak).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

#: tb_top's memory when a job does not say (4 NUMA nodes of 16 MiB)
DEFAULT_MEM_BYTES = 64 << 20
#: memory latency (read and write, fabric cycles) of every node when a job does not say
DEFAULT_LATENCY = 8
JOB_KINDS = ("bench", "migrate", "soak")


@dataclass(frozen=True)
class Engine:
    """The engine build (tb_top parameters) and how the driver uses it."""

    bus_bytes: int = 64            #: AXI data bus in bytes (DATA_WIDTH = 8 x bus_bytes)
    queues: int = 1                #: engine queues (NUM_QUEUES), all used by the driver
    ring_order: int = 9            #: each queue's ring holds 2**ring_order descriptors
    dma_node: int = 0              #: node whose top holds the rings and completion areas

    @property
    def parameters(self) -> dict[str, int]:
        """tb_top's Verilog parameters for this engine."""
        return {"DATA_WIDTH": 8 * self.bus_bytes, "NUM_QUEUES": self.queues}


@dataclass(frozen=True)
class Memory:
    """The memory system: per-node latency, its jitter between repetitions, the CPU copy
    model, and the size (tb_top MEM_BYTES, four nodes)."""

    node_latency: tuple[tuple[int, int], ...] = ()   #: (read, write) per node; () = default
    latency_jitter: float = 0.0    #: each repetition draws latency x [1 - j, 1 + j]
    cpu_max_reads: int | None = None     #: CPU copy model: line reads in flight
    cpu_max_writes: int | None = None    #: CPU copy model: line writes in flight
    mem_bytes: int = DEFAULT_MEM_BYTES

    @property
    def cpu(self) -> dict[str, int]:
        """The CPU copy model's settings as RtlDevice.set_cpu takes them (unset: omitted)."""
        out = {"max_reads": self.cpu_max_reads, "max_writes": self.cpu_max_writes}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class BenchPoint:
    """Copy ``nr_folios`` x ``folio_bytes`` from node 1 to node 2 in one batch."""

    folio_bytes: int
    nr_folios: int
    mem_latency: int               #: read and write latency of every node, fabric cycles
    seed: int = 1                  #: of the data pattern
    rate: int = 0                  #: every queue's RATE (1/256 beats per cycle; 0: uncapped)


@dataclass(frozen=True)
class MigrateRun:
    """move_pages() of ``nr_folios`` x ``folio_bytes`` from node 1 to node 0 with copy path
    ``mode``, ``repetitions`` times (repetition r uses latency jitter seed (seed_key, r))."""

    mode: str
    folio_bytes: int
    nr_folios: int
    repetitions: int = 1
    seed_key: int = 0              #: a row's repetitions may be split over simulations and
    first_rep: int = 0             #: keep the seeds they would have in one
    rate: int = 0                  #: every queue's RATE during the run
    label: str = ""                #: a study's own name for the run (its table column)


@dataclass(frozen=True)
class Job:
    """One simulation's work (see the module doc)."""

    kind: str
    engine: Engine = Engine()
    memory: Memory = Memory()
    out: str | None = None         #: JSON result file, rewritten after every item
    points: tuple[BenchPoint, ...] = ()
    runs: tuple[MigrateRun, ...] = ()
    seeds: tuple[int, ...] = ()
    warp_software: bool = True     #: software time fast-forwarded while the engine is idle
    extra: dict = field(default_factory=dict)   #: anything a study adds for its own report
    costs: dict[str, float] = field(default_factory=dict)  #: overrides of DEFAULT_COSTS by
                                   #: field name (harness.costs.with_overrides), this run's

    def __post_init__(self):
        if self.kind not in JOB_KINDS:
            raise ValueError(f"job kind {self.kind!r}: choose from {JOB_KINDS}")

    @property
    def parameters(self) -> dict[str, int]:
        """tb_top's Verilog parameters for this job: the engine's, MEM_BYTES when not the
        default, and 64-bit engine addresses from 4 GiB of memory on."""
        params = dict(self.engine.parameters)
        if self.memory.mem_bytes != DEFAULT_MEM_BYTES:
            params["MEM_BYTES"] = self.memory.mem_bytes
        if self.memory.mem_bytes >= 1 << 32:
            params["ADDR_WIDTH"] = 64
        return params

    def to_dict(self) -> dict:
        """JSON-able form (what crosses into the simulator)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Job:
        """The Job ``to_dict`` gave (lists back to tuples, nested specs rebuilt)."""
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown job fields {sorted(unknown)}")
        mem = dict(d.get("memory", {}))
        mem["node_latency"] = tuple(tuple(x) for x in mem.get("node_latency", ()))
        return cls(kind=d["kind"], engine=Engine(**d.get("engine", {})),
                   memory=Memory(**mem), out=d.get("out"),
                   points=tuple(BenchPoint(**p) for p in d.get("points", ())),
                   runs=tuple(MigrateRun(**r) for r in d.get("runs", ())),
                   seeds=tuple(d.get("seeds", ())),
                   warp_software=d.get("warp_software", True), extra=d.get("extra", {}),
                   costs=dict(d.get("costs", {})))
