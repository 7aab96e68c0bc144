"""The Kernel: node allocators, mem_map, address spaces, and the migration code of
migrate.py / rmap.py / syscalls.py, as one object the experiments drive."""
from __future__ import annotations

import numpy as np

from .. import backdoor
from ..costs import DEFAULT_COSTS, Costs
from ..mm_types import (
    PAGE_SHIFT,
    PTE,
    VMA,
    AddressSpace,
    CopyPath,
    Folio,
    MMStruct,
    MovableOps,
)
from .huge_memory import HugeMemory
from .migrate import Migrate
from .page_alloc import BuddyAllocator, PageAlloc
from .rmap import Rmap
from .swap import Swap
from .syscalls import Syscalls


class Kernel(PageAlloc, Rmap, Migrate, HugeMemory, Swap, Syscalls):
    """The part of the kernel this harness plays: node allocators, mem_map, migration.

    ``copy_path``: how the move phase copies contents (a CopyPath).
    ``reserved``: [lo, hi) byte ranges no folio may use (a driver's rings and records).
    ``seed``: of the workload's bytes. Pass counts are the kernel's constants
    (types.NR_MAX_MIGRATE_*_RETRY), not settings.
    """

    def __init__(self, dev, copy_path: CopyPath, reserved=(), costs: Costs = DEFAULT_COSTS,
                 seed: int = 0):
        self.dev = dev
        self.costs = costs
        self.reserved = list(reserved)
        self.node_data = [BuddyAllocator(n, n * dev.node_bytes, (n + 1) * dev.node_bytes,
                                         self.reserved) for n in range(dev.nr_nodes)]
        self.mem_map: dict[int, Folio] = {}      # every pfn of a live folio -> the folio
        self.lru_disable_count = 0               # lru_cache_disable() nesting (mm/swap.c)
        self.rng = np.random.default_rng(seed)
        self.tlb_ubc: dict[MMStruct, set[int]] = {}   # pending deferred TLB flushes
        self.quarantined: list[Folio] = []       # destinations never to be freed (DST_UNSAFE)
        self.copy_path = copy_path

    # ---------------------------------------------------------------- time
    async def charge(self, cpu_cycles: float) -> None:
        """Spend ``cpu_cycles`` of CPU software time as simulated time."""
        n = self.costs.to_fabric(cpu_cycles)
        if n:
            await self.dev.wait_cycles(n)

    # ---------------------------------------------------------------- address spaces
    def mm_alloc(self, name: str = "mm") -> MMStruct:
        return MMStruct(name)

    async def mmap(self, mm: MMStruct, addr: int, nr_pages: int, node: int, order: int = 0,
                   anon: bool = True, file: AddressSpace | None = None,
                   populate: bool = True, fill: bool = True) -> list[Folio]:
        """mmap + touch: a VMA of ``nr_pages`` at ``addr``, faulted in with folios of
        ``order`` on ``node`` (contents random if ``fill``; the CPU's TLB caches every page).
        Setup only: no simulated time passes."""
        step = 1 << order
        if addr % (step << PAGE_SHIFT) or nr_pages % step:
            raise ValueError("addr and nr_pages must be multiples of the folio size")
        if not anon and file is None:
            file = AddressSpace()
        mm.vmas.append(VMA(addr, addr + (nr_pages << PAGE_SHIFT), anon, file))
        folios: list[Folio] = []
        if not populate:
            return folios
        for i in range(0, nr_pages, step):
            folio = self.folio_alloc(order, node)
            if folio is None:
                raise MemoryError(f"node {node} has no free order-{order} block")
            folio.anon = anon
            folio.index = (addr >> PAGE_SHIFT) + i
            folio.flags |= {"PG_lru", "PG_uptodate"} | ({"PG_swapbacked"} if anon else set())
            if anon:
                folio.mapping = mm.anon_vma
            else:
                assert file is not None
                folio.mapping = file
                file.i_pages[folio.index] = folio
                folio.refcount += folio.nr_pages     # the page cache's references
            va = addr + (i << PAGE_SHIFT)
            self.map_folio(mm, va, folio, take_ref=False)
            folios.append(folio)
        if fill:
            await backdoor.write_ranges(self.dev, [
                (f.addr, self.rng.integers(0, 256, f.nbytes, dtype=np.uint8)) for f in folios])
        return folios

    def map_folio(self, mm: MMStruct, vaddr: int, folio: Folio, take_ref: bool = True) -> None:
        """Install present PTEs for the whole folio at ``vaddr`` and touch it (fills TLB)."""
        vpn = vaddr >> PAGE_SHIFT
        for i in range(folio.nr_pages):
            mm.pgtable.ptes[vpn + i] = PTE(folio.pfn + i)
            mm.pgtable.tlb[vpn + i] = folio.pfn + i
        folio.mapcount += 1
        if take_ref:
            folio.refcount += 1
        folio.rmap.append((mm, vaddr))

    def alloc_movable(self, ops: MovableOps, node: int, order: int = 0) -> Folio:
        """A non-LRU movable folio owned by ``ops`` (one reference held by the owner)."""
        folio = self.folio_alloc(order, node)
        if folio is None:
            raise MemoryError(f"node {node} has no free order-{order} block")
        folio.movable_ops = ops
        folio.anon = False
        ops.pages.add(folio)
        return folio

