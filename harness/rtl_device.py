"""RtlDevice: the Device interface backed by the cocotb simulation of rtl/sim/tb_top.v.

Only importable inside a cocotb test (it drives simulator handles). Registers go through an
HDL AXI4-Lite master in tb_top (one Python wake-up per access); memory goes through the
memory model's backdoor, which takes zero simulated cycles: under Icarus $readmemh/$writememh
on hex files in the simulator's working directory, under Verilator the model's C++ store
(rtl/sim/sparse_mem.cpp) read and written in place through ctypes (``SparseStore``); the interrupt and the CPU copy model are awaited on their edges,
so Python sleeps while the hardware works.

No wait on the hardware is unbounded: a register access, a CPU copy and an interrupt wait
each have a documented bound in fabric cycles and raise ``DeviceHangError`` naming what was
waited for when it passes (see ``REG_TIMEOUT_CYCLES``, ``cpu_copy_budget``,
``IRQ_WAIT_MAX_CYCLES``). Faults (``harness.faults.Fault``, up to ``MAX_FAULTS``) go into the
memory model's fault slots; ``allow_writes`` turns on its stray-write check.
"""
from __future__ import annotations

import ctypes
import os

import numpy as np
from cocotb.triggers import First, Lock, RisingEdge, Timer

from . import backdoor
from .backdoor import LINE  # memory model word: one 64-byte line
from .device import Device, DeviceError, DeviceHangError
from .faults import AXI_RESP, MAX_FAULTS, Fault, as_fault

CLOCK_NS = 2              #: tb_top clock period
NR_NODES = 4
PAGE = 4096               #: granule of the stray-write check
WRITE_ALLOW_FILE = "write_allow.hex"   #: numa_mem's WA_FILE (simulator working directory)


def _resolved(value) -> int:
    """A handle's value as an int, 0 if it is not resolvable (X/Z) or a plain int."""
    if isinstance(value, int):
        return value
    return int(value) if value.is_resolvable else 0


class SparseStore:
    """The Verilator memory model's store (rtl/sim/sparse_mem.cpp), reached with ctypes in
    the simulator process (the Verilator build exports its symbols). ``find()``: None when
    the simulator has none (Icarus)."""

    def __init__(self, lib):
        self._write = lib.simmem_host_write
        self._read = lib.simmem_host_read
        self._blocks = lib.simmem_blocks
        for fn in (self._write, self._read):
            fn.argtypes = [ctypes.c_uint64, ctypes.c_void_p, ctypes.c_uint64]
            fn.restype = ctypes.c_int
        self._blocks.argtypes = []
        self._blocks.restype = ctypes.c_uint64

    @classmethod
    def find(cls) -> SparseStore | None:
        try:
            lib = ctypes.CDLL(None)
            lib.simmem_host_write         # noqa: B018 (lookup: AttributeError if absent)
        except (OSError, AttributeError):
            return None
        return cls(lib)

    def write(self, addr: int, data: np.ndarray) -> None:
        data = np.ascontiguousarray(data, dtype=np.uint8)
        if self._write(addr, data.ctypes.data, data.size):
            raise ValueError(f"backdoor write [{addr:#x}, +{data.size:#x}) outside memory")

    def read(self, addr: int, nbytes: int) -> np.ndarray:
        out = np.empty(nbytes, dtype=np.uint8)
        if self._read(addr, out.ctypes.data, nbytes):
            raise ValueError(f"backdoor read [{addr:#x}, +{nbytes:#x}) outside memory")
        return out

    @property
    def bytes_allocated(self) -> int:
        """Host memory the store holds (64 KiB blocks written so far)."""
        return int(self._blocks()) << 16


class FaultSlots:
    """numa_mem's NUM_FAULTS = MAX_FAULTS fault slots as seen from Python (tb_top or tb_mem).

    ``add(fault)`` takes the lowest free slot and (re)starts it: its ``after_beats`` count
    begins at 0 now. ``clear()`` frees every slot. Each call rewrites the packed vectors
    cfg_fault_lo / hi / after / from / ctl whole (one write per vector; numa_mem.v documents
    the encoding), from a shadow, so several calls in one time step all take effect.
    A fault with after_beats == from_cycle == 0 applies to bursts accepted from the next
    clock edge on; a timed one arms at the edge after its condition holds.
    """

    RESP_CODE = {"SLVERR": 0, "DECERR": 1, "HANG": 2}
    PORT_BITS = {"engine": 0b01, "cpu": 0b10, "both": 0b11}

    def __init__(self, dut):
        self.dut = dut
        self.faults: list[Fault] = []
        # continue from the generations in the bench (an earlier test of the same
        # simulation may have left some at 1): add() must flip them to restart a slot
        ctl = _resolved(dut.cfg_fault_ctl.value)
        self._generation = [(ctl >> (8 * s + 7)) & 1 for s in range(MAX_FAULTS)]

    def add(self, fault: Fault) -> int:
        """Put ``fault`` into a free slot -> its index. ValueError when all are taken."""
        if not isinstance(fault, Fault):
            raise TypeError(f"not a Fault: {fault!r}")
        if len(self.faults) >= MAX_FAULTS:
            raise ValueError(f"{MAX_FAULTS} faults are active: at most {MAX_FAULTS} at once")
        slot = len(self.faults)
        self.faults.append(fault)
        self._generation[slot] ^= 1
        self._write()
        return slot

    def clear(self) -> None:
        self.faults = []
        self._write()

    def _write(self) -> None:
        lo = hi = after = start = ctl = 0
        for s, f in enumerate(self.faults):
            lo |= f.lo << (64 * s)
            hi |= f.hi << (64 * s)
            after |= f.after_beats << (32 * s)
            start |= f.from_cycle << (64 * s)
            ctl |= (1 | (f.kind == "write") << 1 | self.RESP_CODE[f.resp] << 2
                    | self.PORT_BITS[f.port] << 4) << (8 * s)
        for s, gen in enumerate(self._generation):
            ctl |= gen << (8 * s + 7)
        dut = self.dut
        dut.cfg_fault_lo.value = lo
        dut.cfg_fault_hi.value = hi
        dut.cfg_fault_after.value = after
        dut.cfg_fault_from.value = start
        dut.cfg_fault_ctl.value = ctl


class WriteAllowMap:
    """numa_mem's stray-write check as seen from Python: which 4 KiB pages may be written.

    ``allow(ranges)`` writes the page bitmap (64 pages a hex word, ``mem_bytes / 256 KiB``
    words: 4096 lines for 1 GiB) to ``path``, toggles wa_load (loaded at the next clock edge,
    which also zeroes the count) and turns counting on. ``allow_all()`` turns it off (and
    zeroes the count the same way). Synchronous: no simulated time passes.
    """

    def __init__(self, dut, mem_bytes: int, path: str):
        self.dut = dut
        self.mem_bytes = mem_bytes
        self.path = path
        self._toggle = _resolved(dut.wa_load.value)   # the bench's, so that _load changes it

    def pages(self, ranges) -> np.ndarray:
        """Bool per 4 KiB page of memory: True if some [lo, hi) of ``ranges`` touches it."""
        nr_pages = max(64, self.mem_bytes // PAGE)
        allowed = np.zeros(nr_pages, dtype=bool)
        for lo, hi in ranges:
            if not 0 <= lo <= hi:
                raise ValueError(f"bad write range [{lo:#x}, {hi:#x})")
            if hi > lo:
                allowed[lo // PAGE: min(nr_pages, -(-hi // PAGE))] = True
        return allowed

    def allow(self, ranges) -> None:
        self._load(self.pages(ranges))
        self.dut.cfg_wr_check.value = 1

    def allow_all(self) -> None:
        self._load(np.ones(max(64, self.mem_bytes // PAGE), dtype=bool))
        self.dut.cfg_wr_check.value = 0

    def _load(self, allowed: np.ndarray) -> None:
        words = np.packbits(allowed, bitorder="little").view("<u8")
        backdoor.remove(self.path)             # a new file, not a truncated one
        with open(self.path, "w") as f:
            f.write("".join(f"{int(w):016x}\n" for w in words))
        self._toggle ^= 1
        self.dut.wa_load.value = self._toggle


class RtlDevice(Device):
    """The engine in tb_top, its NUMA memory model and the CPU copy model."""

    #: bound of one register access: no answer within this many fabric cycles raises
    #: DeviceHangError (an access takes ~5 cycles when the engine answers)
    REG_TIMEOUT_CYCLES = 10_000
    #: bound of wait_irq(None): 2**31 fabric cycles (~4.3 s of simulated time at 500 MHz),
    #: longer than any workload the harness runs, short of forever
    IRQ_WAIT_MAX_CYCLES = 1 << 31
    #: CPU copy bound (cpu_copy_budget): fixed part, and a per-line part on top of the
    #: configured latencies and bandwidth
    CPU_COPY_BASE_CYCLES = 10_000
    CPU_COPY_LINE_CYCLES = 16

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
        self._fault_slots = FaultSlots(dut)
        self._write_allow = WriteAllowMap(dut, mem_bytes, os.path.abspath(WRITE_ALLOW_FILE))
        self._register_wedged: str | None = None   # an access the register port swallowed
        self.store = SparseStore.find()    # Verilator: the memory model's C++ store

    # ------------------------------------------------------------------ bring-up
    async def reset(self, cycles: int = 8) -> None:
        self.dut.rst.value = 1
        await self._cycles(cycles)
        self.dut.rst.value = 0
        await RisingEdge(self.dut.clk)
        self._register_wedged = None       # rst freed the register master

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

    #: the old ``ports`` names of inject_fault -> Fault.port ("dma" is the engine)
    def inject_fault(self, fault: Fault | str, lo: int | None = None, hi: int | None = None,
                     ports: str = "both") -> None:
        """Add a fault to the memory model (at most MAX_FAULTS active at once, ValueError
        beyond). ``fault``: a ``harness.faults.Fault`` (then lo, hi, ports are not given), or
        the old form ``inject_fault(kind, lo, hi, ports)``: an SLVERR fault of kind 'read' or
        'write' on [lo, hi), seen by ports 'dma' (the engine), 'cpu' or 'both', armed at once.
        It applies to bursts accepted from the next clock edge on."""
        self._fault_slots.add(as_fault(fault, lo, hi, ports))

    def clear_faults(self) -> None:
        """Remove every injected fault (bursts already accepted keep their response)."""
        self._fault_slots.clear()

    @property
    def faults(self) -> tuple[Fault, ...]:
        """The faults active now, in slot order."""
        return tuple(self._fault_slots.faults)

    # ------------------------------------------------------------ stray-write check
    def allow_writes(self, ranges) -> None:
        """Count every write burst (either memory port) that touches a 4 KiB page outside
        ``ranges`` (list of [lo, hi) byte ranges, rounded out to whole pages). Zeroes
        ``stray_writes``; takes effect at the next clock edge."""
        self._write_allow.allow(ranges)

    def allow_all_writes(self) -> None:
        """Every write allowed, nothing counted (the default); zeroes ``stray_writes``."""
        self._write_allow.allow_all()

    @property
    def stray_writes(self) -> int:
        """Write bursts that touched a page not allowed since the last allow_*writes()."""
        return int(self.dut.stray_writes.value)

    @property
    def first_stray_addr(self) -> int | None:
        """Address of the first stray write (its first byte in a page not allowed, or that
        page's start), None if there was none."""
        return int(self.dut.stray_addr.value) if self.stray_writes else None

    # ------------------------------------------------------- hardware that stops answering
    def hang_register_port(self, on: bool) -> None:
        """Make the engine's AXI4-Lite port stop (on) or resume (off) answering tb_top's
        register master. An access it swallowed leaves that master waiting: read_reg /
        write_reg raise DeviceHangError, and keep raising it until hard_reset()."""
        self.dut.cfg_reg_hang.value = int(bool(on))

    async def hard_reset(self, cycles: int = 8) -> None:
        """Pulse tb_top's rst: the engine, the register master, the CPU copy model and every
        in-flight state of the memory model (hung bursts included) start afresh; memory
        contents, timing settings, stalls and the stray-write check are kept; faults are
        cleared and the register port answers again. ``now()`` restarts at 0 (tb_top's
        cycle counter is reset too). A Driver must probe the engine again afterwards."""
        self.clear_faults()
        self.hang_register_port(False)
        self.dut.reg_req.value = 0
        self.dut.cpu_start.value = 0
        await self.reset(cycles)

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
        """One AXI4-Lite access by tb_top's HDL master; Python sleeps until it is done.

        DeviceHangError if no answer comes within REG_TIMEOUT_CYCLES (and on every later
        access until hard_reset(): the master is still busy with the swallowed one);
        DeviceError on an AXI error response."""
        dut = self.dut
        what = f"register {'write' if write else 'read'} at {offset:#x}"
        async with self._registers:
            if self._register_wedged is not None:
                raise DeviceHangError(f"{what}: the register port still owes the answer to an "
                                      f"earlier {self._register_wedged}; hard_reset() needed")
            await RisingEdge(dut.clk)
            dut.reg_addr.value = offset
            dut.reg_write.value = int(write)
            dut.reg_wdata.value = value & 0xFFFF_FFFF
            dut.reg_req.value = 1
            done = dut.reg_done.value_change
            fired = await First(done, Timer(self.REG_TIMEOUT_CYCLES * CLOCK_NS, unit="ns"))
            dut.reg_req.value = 0
            if fired is not done:
                self._register_wedged = what
                raise DeviceHangError(f"{what}: no answer in {self.REG_TIMEOUT_CYCLES} cycles")
            resp = int(dut.reg_resp.value)
            if resp:
                name = {v: k for k, v in AXI_RESP.items()}.get(resp, "EXOKAY")
                raise DeviceError(f"{what}: AXI response {name} ({resp:#04b})")
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
            if self.store is not None:
                self.store.write(addr, data)
                await Timer(2, unit="ps")         # as long as the hex-file load below
                return
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
            if self.store is not None:
                data = self.store.read(addr, nbytes)
                await Timer(2, unit="ps")         # as long as the hex-file dump below
                return data
            lines = await self._dump(lo, hi)
        return lines[addr - lo * LINE: addr - lo * LINE + nbytes].copy()

    async def _dump(self, lo: int, hi: int) -> np.ndarray:
        if hi <= lo:                           # nothing to read (as long as a dump)
            await Timer(2, unit="ps")
            return np.zeros(0, dtype=np.uint8)
        backdoor.remove(self._out_file)        # $writememh creates it anew (see remove)
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
        """See Device.wait_irq. ``timeout_cycles`` None: wait at most IRQ_WAIT_MAX_CYCLES,
        then raise DeviceHangError (the engine never raised its interrupt)."""
        if int(self.dut.irq.value):
            return True
        bound = self.IRQ_WAIT_MAX_CYCLES if timeout_cycles is None else max(1, timeout_cycles)
        edge = RisingEdge(self.dut.irq)
        fired = await First(edge, Timer(bound * CLOCK_NS, unit="ns"))
        await self._settle()
        if timeout_cycles is None and fired is not edge and not int(self.dut.irq.value):
            raise DeviceHangError(f"interrupt: the irq line stayed low for {bound} cycles")
        return bool(int(self.dut.irq.value))

    # ----------------------------------------------------------------- CPU copy
    def set_cpu(self, max_reads: int | None = None, max_writes: int | None = None) -> None:
        """Outstanding line reads / writes of the CPU copy model (a core's fill buffers)."""
        if max_reads is not None:
            self.dut.cpu_max_reads.value = max_reads
        if max_writes is not None:
            self.dut.cpu_max_writes.value = max_writes

    def cpu_copy_budget(self, nbytes: int) -> int:
        """Fabric cycles cpu_copy waits for a copy of ``nbytes`` before it gives up:
        CPU_COPY_BASE_CYCLES + lines x (CPU_COPY_LINE_CYCLES + 2 x (the largest read latency
        + the largest write latency of any node) + 2 x the cycles a line costs at the
        smallest bandwidth of any node). That is every line waiting a full read and write
        round trip alone at the slowest node, twice over: a bound, not an estimate."""
        def words(name):
            shadow = self.__dict__.get("_mem_cfg", {})
            word = shadow.get(name, int(getattr(self.dut, name).value))
            return [(word >> (16 * n)) & 0xFFFF for n in range(NR_NODES)]
        latency = max(words("cfg_rd_latency")) + max(words("cfg_wr_latency"))
        slowest = min(words("cfg_bandwidth"))
        line_cost = 0 if slowest == 0 else -(-256 // slowest)
        lines = -(-nbytes // LINE)
        return (self.CPU_COPY_BASE_CYCLES
                + lines * (self.CPU_COPY_LINE_CYCLES + 2 * latency + 2 * line_cost))

    async def cpu_copy(self, src: int, dst: int, nbytes: int) -> bool:
        """See Device.cpu_copy. DeviceHangError if the copy is not done within
        cpu_copy_budget(nbytes) cycles (e.g. a HANG fault on the CPU port); the CPU copy
        model then stays busy until hard_reset()."""
        if nbytes == 0:
            return True
        dut = self.dut
        budget = self.cpu_copy_budget(nbytes)
        await RisingEdge(dut.clk)
        dut.cpu_src.value = src
        dut.cpu_dst.value = dst
        dut.cpu_len.value = nbytes
        dut.cpu_start.value = 1
        await RisingEdge(dut.clk)
        dut.cpu_start.value = 0
        done = RisingEdge(dut.cpu_done)
        fired = await First(done, Timer(budget * CLOCK_NS, unit="ns"))
        await self._settle()
        if fired is not done and not int(dut.cpu_done.value):
            raise DeviceHangError(f"CPU copy of {nbytes:#x} bytes {src:#x} -> {dst:#x}: not done"
                                  f" in {budget} cycles")
        return not int(dut.cpu_error.value)


DEFAULT_MEM_BYTES = 64 << 20     #: tb_top's default MEM_BYTES
