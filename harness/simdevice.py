"""SimDevice: the Device interface backed by the cocotb simulation of rtl/sim/tb_top.v.

Only importable inside a cocotb test (it drives simulator handles). Registers go through an
HDL AXI4-Lite master in tb_top (one Python wake-up per access); memory goes through the
memory model's backdoor ($readmemh/$writememh on hex files in the simulator's working directory), which
takes zero simulated time; the interrupt and the CPU copy model are awaited on their edges,
so Python sleeps while the hardware works.
"""
from __future__ import annotations

import os

import numpy as np
from cocotb.triggers import First, Lock, RisingEdge, Timer

from . import backdoor
from .device import Device

LINE = 64                 #: memory model word: one 64-byte line
CLOCK_NS = 2              #: tb_top clock period
NR_NODES = 4


class SimDevice(Device):
    """The engine in tb_top, its NUMA memory model and the CPU copy model."""

    def __init__(self, dut, bus_bytes: int, nr_queues: int, mem_bytes: int):
        self.dut = dut
        self.bus_bytes = bus_bytes
        self.nr_queues = nr_queues
        self.mem_bytes = mem_bytes
        self.nr_nodes = NR_NODES
        self.node_bytes = mem_bytes // NR_NODES
        self._registers = Lock()
        self._backdoor = Lock()
        self._in_file = os.path.abspath("backdoor_in.hex")
        self._out_file = os.path.abspath("backdoor_out.hex")

    # ------------------------------------------------------------------ bring-up
    async def reset(self, cycles: int = 8) -> None:
        self.dut.rst.value = 1
        await self._cycles(cycles)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)

    def set_memory(self, node: int | None = None, rd_latency: int | None = None,
                   wr_latency: int | None = None, bandwidth: int | None = None) -> None:
        """Per-node timing of the memory model (node None: every node).

        bandwidth is in 1/256 of a 64-byte line per cycle (256: one line per cycle).
        """
        nodes = range(NR_NODES) if node is None else [node]
        for name, value in (("cfg_rd_latency", rd_latency), ("cfg_wr_latency", wr_latency),
                            ("cfg_bandwidth", bandwidth)):
            if value is None:
                continue
            if not 0 <= value < 1 << 16:
                raise ValueError(f"{name} {value} out of range")
            # cocotb applies writes at the end of the time step, so reading the handle back
            # would lose an earlier call's write in the same step: keep a shadow of the word
            shadow = self.__dict__.setdefault("_mem_cfg", {})
            handle = getattr(self.dut, name)
            word = shadow.get(name, int(handle.value))
            for n in nodes:
                word = (word & ~(0xFFFF << (16 * n))) | (value << (16 * n))
            shadow[name] = word
            handle.value = word

    FAULT_PORTS = {"both": 0b11, "dma": 0b01, "cpu": 0b10}

    def inject_fault(self, kind: str, lo: int, hi: int, ports: str = "both") -> None:
        """Make every burst touching [lo, hi) fail (kind 'read' or 'write'; one range of
        each kind), as seen by the engine ('dma'), the CPU copy model ('cpu') or 'both'.
        The port choice is shared by both kinds."""
        if kind not in ("read", "write"):
            raise ValueError(f"fault kind must be 'read' or 'write', not {kind!r}")
        if ports not in self.FAULT_PORTS:
            raise ValueError(f"fault ports must be one of {sorted(self.FAULT_PORTS)}, not {ports!r}")
        prefix = "cfg_fault_rd" if kind == "read" else "cfg_fault_wr"
        getattr(self.dut, prefix + "_lo").value = lo
        getattr(self.dut, prefix + "_hi").value = hi
        self.dut.cfg_fault_ports.value = self.FAULT_PORTS[ports]

    def clear_faults(self) -> None:
        for prefix in ("cfg_fault_rd", "cfg_fault_wr"):
            getattr(self.dut, prefix + "_lo").value = 0
            getattr(self.dut, prefix + "_hi").value = 0
        self.dut.cfg_fault_ports.value = self.FAULT_PORTS["both"]

    def set_stalls(self, mask: int, seed: int = 1) -> None:
        """Random idle/backpressure on the engine's AXI channels (bit per channel: AW W B AR R)."""
        self.dut.cfg_stall_seed.value = seed
        self.dut.cfg_stall_mask.value = mask

    @property
    def protocol_errors(self) -> int:
        """Violations the AXI checker on the engine's master port has seen."""
        return int(self.dut.axi_errors.value)

    # ---------------------------------------------------------------- registers
    async def _register(self, offset: int, write: bool, value: int = 0) -> int:
        """One AXI4-Lite access by tb_top's HDL master; Python sleeps until it is done."""
        dut = self.dut
        async with self._registers:
            await RisingEdge(dut.clk)
            dut.reg_addr.value = offset
            dut.reg_write.value = int(write)
            dut.reg_wdata.value = value & 0xFFFF_FFFF
            dut.reg_req.value = 1
            await dut.reg_done.value_change
            dut.reg_req.value = 0
            if int(dut.reg_resp.value):
                raise RuntimeError(f"register {'write' if write else 'read'} at {offset:#x}:"
                                   f" AXI response {int(dut.reg_resp.value)}")
            return int(dut.reg_rdata.value)

    async def read_reg(self, offset: int) -> int:
        return await self._register(offset, write=False)

    async def write_reg(self, offset: int, value: int) -> None:
        await self._register(offset, write=True, value=value)

    # ------------------------------------------------------------------- memory
    async def mem_write(self, addr: int, data: np.ndarray) -> None:
        data = np.asarray(data, dtype=np.uint8).reshape(-1)
        self._check(addr, data.size)
        lo, hi = addr // LINE, (addr + data.size + LINE - 1) // LINE
        async with self._backdoor:
            if addr % LINE or data.size % LINE:
                lines = await self._dump(lo, hi)          # read-modify-write partial lines
                lines[addr - lo * LINE: addr - lo * LINE + data.size] = data
            else:
                lines = data
            backdoor.write_hex(self._in_file, lines)
            self.dut.bd_lo.value = lo
            self.dut.bd_hi.value = hi - 1
            self.dut.bd_load.value = 1
            await Timer(1, unit="ps")
            self.dut.bd_load.value = 0
            await Timer(1, unit="ps")

    async def mem_read(self, addr: int, nbytes: int) -> np.ndarray:
        self._check(addr, nbytes)
        lo, hi = addr // LINE, (addr + nbytes + LINE - 1) // LINE
        async with self._backdoor:
            lines = await self._dump(lo, hi)
        return lines[addr - lo * LINE: addr - lo * LINE + nbytes].copy()

    async def _dump(self, lo: int, hi: int) -> np.ndarray:
        self.dut.bd_lo.value = lo
        self.dut.bd_hi.value = hi - 1
        self.dut.bd_dump.value = 1
        await Timer(1, unit="ps")
        self.dut.bd_dump.value = 0
        await Timer(1, unit="ps")
        return backdoor.read_hex(self._out_file)

    def _check(self, addr: int, nbytes: int) -> None:
        if addr < 0 or nbytes < 0 or addr + nbytes > self.mem_bytes:
            raise ValueError(f"backdoor access [{addr:#x}, {addr + nbytes:#x}) outside memory")

    # --------------------------------------------------------------------- time
    def now(self) -> int:
        return int(self.dut.cycle.value)

    async def _settle(self) -> None:
        """Step 1 ps past a clock edge, so that `cycle` and every register updated at that
        edge read the same on every simulator (callback order within the edge differs)."""
        await Timer(1, unit="ps")

    async def _cycles(self, n: int) -> None:
        if n > 1:
            await Timer((n - 1) * CLOCK_NS, unit="ns")
        await RisingEdge(self.dut.clk)

    async def wait_cycles(self, n: int) -> None:
        if n > 0:
            await self._cycles(int(n))

    def engine_busy(self) -> bool:
        """tb_top's ``dma_busy`` (the engine's STATUS.BUSY as a wire: some queue has work in
        flight), read now, without a register access. A TAIL write shows at once: the queue
        takes TAIL at the edge that accepts the AXI4-Lite write (busy = HEAD != TAIL, a
        wire), one edge before its B response ends ``write_reg``. Unresolved (X/Z, before
        reset): True."""
        value = self.dut.dma_busy.value
        return not value.is_resolvable or bool(int(value))

    async def wait_irq(self, timeout_cycles: int | None = None) -> bool:
        if int(self.dut.irq.value):
            return True
        if timeout_cycles is None:
            await RisingEdge(self.dut.irq)
            await self._settle()
            return True
        await First(RisingEdge(self.dut.irq), Timer(max(1, timeout_cycles) * CLOCK_NS, unit="ns"))
        await self._settle()
        return bool(int(self.dut.irq.value))

    # ----------------------------------------------------------------- CPU copy
    def set_cpu(self, max_reads: int | None = None, max_writes: int | None = None) -> None:
        """Outstanding line reads / writes of the CPU copy model (a core's fill buffers)."""
        if max_reads is not None:
            self.dut.cpu_max_reads.value = max_reads
        if max_writes is not None:
            self.dut.cpu_max_writes.value = max_writes

    async def cpu_copy(self, src: int, dst: int, nbytes: int) -> bool:
        if nbytes == 0:
            return True
        dut = self.dut
        await RisingEdge(dut.clk)
        dut.cpu_src.value = src
        dut.cpu_dst.value = dst
        dut.cpu_len.value = nbytes
        dut.cpu_start.value = 1
        await RisingEdge(dut.clk)
        dut.cpu_start.value = 0
        await RisingEdge(dut.cpu_done)
        await self._settle()
        return not int(dut.cpu_error.value)


# ------------------------------------------------------------------------- bring-up
DEFAULT_MEM_BYTES = 64 << 20     #: tb_top's default MEM_BYTES


async def bring_up(dut, ring_order: int = 9, nr_queues: int | None = None, *,
                   bus_bytes: int | None = None, queues: int | None = None,
                   latency: int | None = None, mem_bytes: int | None = None,
                   driver_cls=None, **driver_args):
    """Start the clock (if needed), build SimDevice + Driver, reset, probe: -> (dev, drv).

    Every setting not given comes from the job's configuration (``sim.load_config()``):
    ``bus_bytes``, ``queues`` (engine queues, tb_top's NUM_QUEUES), ``latency`` (read and
    write latency of every node, default 8), ``mem_bytes`` (default 64 MiB). ``nr_queues``:
    queues the driver uses (default: all). ``driver_cls``: a Driver subclass (default Driver);
    ``driver_args`` go to its constructor. Faults and stalls are cleared.
    """
    from . import sim
    from .driver import Driver

    sim.start_clock_if_needed(dut)
    cfg = sim.load_config()
    bus_bytes = bus_bytes or cfg["bus_bytes"]
    queues = queues or cfg.get("queues", 1)
    latency = cfg.get("latency", 8) if latency is None else latency
    mem_bytes = mem_bytes or cfg.get("mem_bytes", DEFAULT_MEM_BYTES)
    dev = SimDevice(dut, bus_bytes=bus_bytes, nr_queues=queues, mem_bytes=mem_bytes)
    dev.set_memory(rd_latency=latency, wr_latency=latency)
    dev.clear_faults()
    dev.set_stalls(0)
    await dev.reset()
    drv = (driver_cls or Driver)(dev, nr_queues=nr_queues or queues, ring_order=ring_order,
                                 **driver_args)
    await drv.probe()
    return dev, drv
