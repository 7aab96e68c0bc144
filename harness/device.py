"""How the driver reaches hardware: the ``Device`` interface and its errors (the engine's
burst rules are the protocol's: ``layout.bursts``).

``Device`` is the whole surface the driver may use: 32-bit register accesses, a backdoor
to memory (zero simulated time), an interrupt wait, and simulated time. Every access is
``async`` because under cocotb each one takes simulated time. Two implementations:

* ``golden.ModelDevice``: the golden model (a transaction-level reference of the engine and
  its memory, pure Python, and the RTL's scoreboard);
* ``rtl_device.RtlDevice``: the cocotb simulation of the RTL (tb_top).
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class DeviceError(RuntimeError):
    """The device could not do what was asked: a bus error on a register access, or an
    access that got no answer. Hardware behaviour, not a harness bug: a driver turns it into
    per-request outcomes."""


class DeviceHangError(DeviceError):
    """A wait on the hardware (register access, CPU copy, interrupt) passed its bound."""


class Device(ABC):
    """What the driver may touch. Async: under cocotb every access takes simulated time."""

    bus_bytes: int   #: data bus width in bytes
    nr_queues: int   #: queues the engine implements
    mem_bytes: int   #: bytes of memory, addresses 0 .. mem_bytes - 1
    nr_nodes: int    #: NUMA nodes; node n is [n * node_bytes, (n + 1) * node_bytes)
    node_bytes: int

    @abstractmethod
    async def read_reg(self, offset: int) -> int:
        """Read the 32-bit register at byte offset ``offset``."""

    @abstractmethod
    async def write_reg(self, offset: int, value: int) -> None:
        """Write the 32-bit register at byte offset ``offset``."""

    @abstractmethod
    async def mem_write(self, addr: int, data: np.ndarray) -> None:
        """Backdoor write of uint8 ``data`` at ``addr`` (zero simulated time)."""

    @abstractmethod
    async def mem_read(self, addr: int, nbytes: int) -> np.ndarray:
        """Backdoor read of ``nbytes`` at ``addr`` -> uint8 array (zero simulated time)."""

    @abstractmethod
    async def wait_irq(self, timeout_cycles: int | None = None) -> bool:
        """Return True once the irq line is high (at once if it already is).

        Wakes on the line's edge, never polls per cycle. With ``timeout_cycles``, return
        False if the line stayed low that long.
        """

    @abstractmethod
    def now(self) -> int:
        """Simulated time in fabric cycles."""

    @abstractmethod
    async def wait_cycles(self, n: int) -> None:
        """Let ``n`` fabric cycles pass."""

    @abstractmethod
    async def cpu_copy(self, src: int, dst: int, nbytes: int) -> bool:
        """Copy with the CPU copy model; False on a bus error."""

    def engine_busy(self) -> bool:
        """Whether the engine has work in flight now (STATUS.BUSY, read without a register
        access or simulated time). Lets a caller skip simulating cycles in which the
        engine could do nothing (harness.jobs.WarpDevice). Default True: when unsure,
        nothing is skipped."""
        return True

