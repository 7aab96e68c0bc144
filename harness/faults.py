"""Fault injection: what a memory can do wrong, said once for the RTL memory model and the
golden model.

A ``Fault`` makes every burst of one direction (``kind``: 'read' or 'write') that touches
the byte range [lo, hi) fail, as seen by one port of the memory (``port``: the engine's
AXI master 'engine', the CPU copy model 'cpu', or 'both'):

* ``resp`` 'SLVERR' or 'DECERR': the burst gets that response (every R beat of a read
  burst, the B of a write burst; a failing write commits nothing);
* ``resp`` 'HANG': the memory never answers that burst (no R beat, no B); an in-order memory
  port answers nothing after it either. Only a hardware reset of the test bench ends it.

Arming: a fault is armed once ``after_beats`` data beats of its direction have passed on
its port(s) since it was injected, and from fabric cycle ``from_cycle`` on (0: at once).
Both conditions must hold. Timing-dependent arming makes a fault's effect depend on the
exact cycle, so the golden model and the RTL agree on it only when both are 0.

Up to ``MAX_FAULTS`` faults are active at once, in any mix.
"""
from __future__ import annotations

from dataclasses import dataclass

MAX_FAULTS = 8
KINDS = ("read", "write")
RESPONSES = ("SLVERR", "DECERR", "HANG")
PORTS = ("engine", "cpu", "both")

#: AXI response code of each failing response (HANG has none)
AXI_RESP = {"SLVERR": 0b10, "DECERR": 0b11}


@dataclass(frozen=True)
class Fault:
    """One injected fault range (see module doc)."""

    kind: str
    lo: int
    hi: int
    resp: str = "SLVERR"
    port: str = "both"
    after_beats: int = 0
    from_cycle: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {KINDS}, not {self.kind!r}")
        if self.resp not in RESPONSES:
            raise ValueError(f"fault resp must be one of {RESPONSES}, not {self.resp!r}")
        if self.port not in PORTS:
            raise ValueError(f"fault port must be one of {PORTS}, not {self.port!r}")
        if not 0 <= self.lo < self.hi < 1 << 64:
            raise ValueError(f"fault range [{self.lo:#x}, {self.hi:#x}) is empty or not 64-bit")
        if not 0 <= self.after_beats < 1 << 32 or not 0 <= self.from_cycle < 1 << 64:
            raise ValueError("after_beats must fit 32 bits and from_cycle 64 bits, both >= 0")

    def sees(self, port: str) -> bool:
        """Whether port 'engine' or 'cpu' is subject to this fault."""
        return self.port in ("both", port)

    def touches(self, lo: int, hi: int) -> bool:
        """Whether the byte range [lo, hi) overlaps the fault's range."""
        return lo < self.hi and self.lo < hi

    @property
    def timed(self) -> bool:
        """Armed later than at once (its effect depends on timing)."""
        return bool(self.after_beats or self.from_cycle)


#: port names inject_fault's short form takes ('dma' is the engine, as older tests say)
PORT_NAMES = {"both": "both", "engine": "engine", "dma": "engine", "cpu": "cpu"}


def as_fault(fault: Fault | str, lo: int | None = None, hi: int | None = None,
             ports: str = "both") -> Fault:
    """``fault`` itself, or the short form ``(kind, lo, hi, ports)`` as a Fault: an SLVERR
    range armed at once. What both devices' ``inject_fault`` take."""
    if isinstance(fault, Fault):
        if lo is not None or hi is not None or ports != "both":
            raise TypeError("inject_fault(Fault) takes no lo, hi or ports")
        return fault
    if lo is None or hi is None:
        raise TypeError("inject_fault(kind, lo, hi): lo and hi are required")
    if ports not in PORT_NAMES:
        raise ValueError(f"fault ports must be one of {sorted(PORT_NAMES)}, not {ports!r}")
    return Fault(fault, int(lo), int(hi), port=PORT_NAMES[ports])


def check_fault_set(faults) -> list[Fault]:
    """``faults`` as a list, refused if more than MAX_FAULTS or not all Fault."""
    faults = list(faults)
    if len(faults) > MAX_FAULTS:
        raise ValueError(f"{len(faults)} faults: at most {MAX_FAULTS} at once")
    for f in faults:
        if not isinstance(f, Fault):
            raise TypeError(f"not a Fault: {f!r}")
    return faults
