"""Host model of Linux page migration, shaped like mm/migrate.c.

What a kernel developer should recognize here (same names, same phases):

    move_pages(2) / migrate_pages(2)                 -> Kernel.move_pages / migrate_pages_syscall
      migrate_pages()         cut into batches of NR_MAX_BATCHED_MIGRATION pages
        migrate_pages_batch()
          migrate_folio_unmap()      per folio: alloc dst, try_to_migrate() (migration entries,
                                     TLB flush deferred)
          try_to_unmap_flush()       once per batch
          move phase, either
            migrate_folio_move()     per folio: metadata + content copy + PTE restore, or
            migrate_folios_batch_move()   the batched move of the offload series: metadata for
                                     all, one folios_copy() (CPU or offload) for all, PTE
                                     restore for all
          migrate_folio_undo_src/dst()    a folio that fails stays mapped at its source

Folios are metadata only; their bytes live in the Device's memory (``dev.mem_read/mem_write``)
and are copied by a copy path (harness/copy_paths.py): the CPU copy model or the DMA engine.
Every software step charges CPU cycles from ``harness.costs.Costs`` as simulated time
(``dev.wait_cycles``); t1..t4 are read from ``dev.now()`` exactly where the seed measured:
t1/t4 around migrate_pages(), t2/t3 around the folio content copy.

Simplifications (each one is on purpose, see the function that makes it):
  * refcounts: a mapping (one mm mapping the folio) holds 1 reference, isolation 1, a pin 1,
    the page cache nr_pages; the migration "expected refs" check happens where the kernel does
    it, in folio_migrate_mapping() (move phase), so a pinned folio is unmapped, retried, then
    undone -- as in 6.8;
  * a large folio is mapped as a whole (like a PMD mapping): mapcount 1 per mm;
  * no folio locks / writeback waits (one CPU, no concurrency); MIGRATE_SYNC and MIGRATE_ASYNC
    differ only in name;
  * one unmap/move retry count ``nr_pass`` (default 3; the kernel uses 10) and no
    migrate_pages_sync() second round;
  * -ENOMEM for one folio fails that folio only (the kernel stops the batch's unmap loop);
  * move_pages(2) stores -EBUSY for pages whose folio failed to migrate and goes on (the
    kernel returns the count of not-migrated pages at that point and leaves their status).
"""
from __future__ import annotations

import errno
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Callable

import numpy as np

from .costs import DEFAULT_COSTS, Costs

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
HPAGE_PMD_ORDER = 9                  #: 2 MiB folio
MAX_PAGE_ORDER = 10                  #: largest buddy block (4 MiB), as on x86-64
NR_MAX_BATCHED_MIGRATION = 512       #: pages per migrate_pages_batch() (mm/migrate.c)
NR_MAX_MIGRATE_PAGES_RETRY = 10      #: the kernel's pass count; the model defaults to fewer
DEFAULT_NR_PASS = 3

MIGRATEPAGE_SUCCESS = 0
MIGRATEPAGE_UNMAP = 1

MPOL_MF_MOVE = 1 << 1
MPOL_MF_MOVE_ALL = 1 << 2

EHWPOISON = getattr(errno, "EHWPOISON", 133)

#: flags folio_migrate_flags() carries over to the new folio
MIGRATE_FLAGS = frozenset({"PG_dirty", "PG_referenced", "PG_uptodate", "PG_active",
                           "PG_workingset", "PG_swapbacked", "PG_young", "PG_idle"})


class CopyResult(Enum):
    """What a content copy did to one folio (the copy path's answer to the move phase).

    COPIED      the destination holds the source's bytes (FOLIO_CONTENT_COPIED);
    FAILED      not copied, and nothing will write the destination any more: it may be freed;
    DST_UNSAFE  not copied, and a bus master that could not be stopped (a hung DMA engine,
                a CPU copy that never finished) may still write the destination: it is
                quarantined (never freed), as a kernel leaks pages a hung device may DMA into.

    Truthy only for COPIED, so ``if copied:`` reads as before.
    """

    COPIED = "copied"
    FAILED = "failed"
    DST_UNSAFE = "dst_unsafe"

    def __bool__(self) -> bool:
        return self is CopyResult.COPIED


class MigrateMode(Enum):
    """include/linux/migrate_mode.h (the model does not wait on locks: all behave alike)."""
    MIGRATE_ASYNC = 0
    MIGRATE_SYNC_LIGHT = 1
    MIGRATE_SYNC = 2


class MigrateReason(IntEnum):
    """enum migrate_reason; offload gating uses a mask of ``1 << reason``."""
    MR_COMPACTION = 0
    MR_MEMORY_FAILURE = 1
    MR_MEMORY_HOTPLUG = 2
    MR_SYSCALL = 3
    MR_MEMPOLICY_MBIND = 4
    MR_NUMA_MISPLACED = 5
    MR_CONTIG_RANGE = 6
    MR_LONGTERM_PIN = 7
    MR_DEMOTION = 8
    MR_DAMON = 9


MIGRATE_ASYNC = MigrateMode.MIGRATE_ASYNC
MIGRATE_SYNC_LIGHT = MigrateMode.MIGRATE_SYNC_LIGHT
MIGRATE_SYNC = MigrateMode.MIGRATE_SYNC
MR_COMPACTION = MigrateReason.MR_COMPACTION
MR_MEMORY_FAILURE = MigrateReason.MR_MEMORY_FAILURE
MR_MEMORY_HOTPLUG = MigrateReason.MR_MEMORY_HOTPLUG
MR_SYSCALL = MigrateReason.MR_SYSCALL
MR_MEMPOLICY_MBIND = MigrateReason.MR_MEMPOLICY_MBIND
MR_NUMA_MISPLACED = MigrateReason.MR_NUMA_MISPLACED
MR_CONTIG_RANGE = MigrateReason.MR_CONTIG_RANGE
MR_LONGTERM_PIN = MigrateReason.MR_LONGTERM_PIN
MR_DEMOTION = MigrateReason.MR_DEMOTION
MR_DAMON = MigrateReason.MR_DAMON


def reason_mask(*reasons: MigrateReason) -> int:
    """Bit mask of migration reasons, for migrate_offload_register()."""
    mask = 0
    for r in reasons:
        mask |= 1 << int(r)
    return mask


# =============================================================================== folios
class AddressSpace:
    """A file's page cache (struct address_space): index -> folio."""

    def __init__(self, name: str = "file"):
        self.name = name
        self.i_pages: dict[int, Folio] = {}


class AnonVma:
    """Marker for an anonymous folio's ``mapping`` (struct anon_vma)."""

    def __init__(self, mm: MMStruct):
        self.mm = mm


@dataclass(eq=False)
class Folio:
    """struct folio: 2**order contiguous base pages at ``pfn`` (naturally aligned).

    ``movable_ops`` None: an LRU folio (anon or file). Otherwise a non-LRU movable folio
    (zsmalloc, balloon) that migrates through its owner's callbacks.
    ``rmap``: (mm, vaddr) places that map this folio (the anon_vma / i_mmap walk's result);
    the PTEs there are present or migration entries.
    """

    pfn: int
    order: int
    node: int
    anon: bool = True
    mapping: object | None = None
    index: int = 0
    refcount: int = 1
    mapcount: int = 0
    flags: set = field(default_factory=set)
    movable_ops: object | None = None
    rmap: list = field(default_factory=list)
    private: object | None = None     #: migration state recorded on dst (page_was_mapped)

    @property
    def nr_pages(self) -> int:
        return 1 << self.order

    @property
    def addr(self) -> int:
        """Physical (= bus) address of the first byte."""
        return self.pfn << PAGE_SHIFT

    @property
    def nbytes(self) -> int:
        return self.nr_pages << PAGE_SHIFT

    @property
    def is_large(self) -> bool:
        return self.order > 0

    def __repr__(self) -> str:
        kind = "anon" if self.anon else "file"
        if self.movable_ops is not None:
            kind = "movable"
        return (f"Folio(pfn={self.pfn:#x}, order={self.order}, node={self.node}, {kind},"
                f" ref={self.refcount}, map={self.mapcount})")


def folio_expected_refs(folio: Folio) -> int:
    """References a folio may have when its mapping is switched: ours (isolation) + cache."""
    refs = 1
    if not folio.anon and folio.mapping is not None:
        refs += folio.nr_pages
        if "PG_private" in folio.flags:
            refs += 1
    return refs


class MovableOps:
    """struct movable_operations of a driver owning non-LRU movable folios (zsmalloc-like).

    ``pages``: the folios the owner holds (one reference each). migrate_page() copies the
    contents with the CPU and moves the owner's reference to the new folio.
    """

    def __init__(self, kernel: Kernel):
        self.kernel = kernel
        self.pages: set[Folio] = set()

    def isolate_page(self, folio: Folio, mode) -> bool:
        return folio in self.pages

    async def migrate_page(self, dst: Folio, src: Folio, mode) -> int:
        if not await self.kernel.dev.cpu_copy(src.addr, dst.addr, src.nbytes):
            return -EHWPOISON
        dst.refcount += 1                      # the owner's reference moves to dst
        dst.movable_ops = self
        self.pages.discard(src)
        self.pages.add(dst)
        src.refcount -= 1
        return MIGRATEPAGE_SUCCESS

    def putback_page(self, folio: Folio) -> None:
        pass


# ========================================================================== page tables
@dataclass
class PTE:
    """A present page-table entry."""
    pfn: int
    present: bool = True


@dataclass(frozen=True)
class MigrationEntry:
    """A non-present PTE holding a migration swap entry for ``pfn``: an access waits."""
    pfn: int
    present: bool = False


class MigrationEntryWait(Exception):
    """A CPU touched a page whose PTE is a migration entry (it would sleep in
    migration_entry_wait() until the move phase restores the PTE)."""


class PageTable:
    """Virtual page number -> PTE or MigrationEntry, plus this mm's cached translations (TLB).

    Unmapping replaces PTEs but leaves TLB entries stale until they are flushed.
    """

    def __init__(self):
        self.ptes: dict[int, PTE | MigrationEntry] = {}
        self.tlb: dict[int, int] = {}

    def lookup(self, vaddr: int) -> PTE | MigrationEntry | None:
        return self.ptes.get(vaddr >> PAGE_SHIFT)

    def access(self, vaddr: int) -> int:
        """A CPU load/store: -> the pfn it reaches (through the TLB, stale or not)."""
        vpn = vaddr >> PAGE_SHIFT
        if vpn in self.tlb:
            return self.tlb[vpn]
        entry = self.ptes.get(vpn)
        if entry is None:
            raise KeyError(f"page fault at {vaddr:#x}: nothing mapped")
        if not entry.present:
            raise MigrationEntryWait(f"{vaddr:#x} is under migration (pfn {entry.pfn:#x})")
        self.tlb[vpn] = entry.pfn
        return entry.pfn

    def flush_tlb(self, vpns=None) -> None:
        """Invalidate the cached translations for ``vpns`` (None: all of them)."""
        if vpns is None:
            self.tlb.clear()
        else:
            for vpn in vpns:
                self.tlb.pop(vpn, None)

    def stale_tlb_entries(self) -> list[int]:
        """TLB entries that no longer match a present PTE."""
        stale = []
        for vpn, pfn in self.tlb.items():
            entry = self.ptes.get(vpn)
            if entry is None or not entry.present or entry.pfn != pfn:
                stale.append(vpn)
        return stale


@dataclass
class VMA:
    start: int
    end: int
    anon: bool = True
    file: AddressSpace | None = None


class MMStruct:
    """struct mm_struct: VMAs and a page table."""

    def __init__(self, name: str = "mm"):
        self.name = name
        self.vmas: list[VMA] = []
        self.pgtable = PageTable()
        self.anon_vma = AnonVma(self)

    def find_vma(self, addr: int) -> VMA | None:
        for vma in self.vmas:
            if vma.start <= addr < vma.end:
                return vma
        return None

    def __repr__(self) -> str:
        return f"MMStruct({self.name})"


# ===================================================================== page allocator
class BuddyAllocator:
    """One node's free_area[]: naturally aligned free blocks of 2**order pages.

    ``reserved``: [lo, hi) byte ranges never handed out (the driver's rings at the top of
    node 0). Allocation takes the lowest free block (deterministic runs).
    """

    def __init__(self, node: int, start: int, end: int, reserved=()):
        self.node = node
        self.start_pfn = start >> PAGE_SHIFT
        self.end_pfn = end >> PAGE_SHIFT
        self.free_area: list[set[int]] = [set() for _ in range(MAX_PAGE_ORDER + 1)]
        holes = sorted((max(lo >> PAGE_SHIFT, self.start_pfn),
                        min(-(-hi >> PAGE_SHIFT), self.end_pfn)) for lo, hi in reserved)
        pfn = self.start_pfn
        for lo, hi in holes:
            if lo < hi:
                self._add_range(pfn, lo)
                pfn = max(pfn, hi)
        self._add_range(pfn, self.end_pfn)
        self.total_pages = self.nr_free_pages

    def _add_range(self, lo: int, hi: int) -> None:
        while lo < hi:
            order = MAX_PAGE_ORDER
            while order and (lo & ((1 << order) - 1) or lo + (1 << order) > hi):
                order -= 1
            self.free_area[order].add(lo)
            lo += 1 << order

    @property
    def nr_free_pages(self) -> int:
        return sum(len(s) << o for o, s in enumerate(self.free_area))

    def alloc(self, order: int) -> int | None:
        for o in range(order, MAX_PAGE_ORDER + 1):
            if self.free_area[o]:
                pfn = min(self.free_area[o])
                self.free_area[o].remove(pfn)
                while o > order:                      # expand(): split, keep the low half
                    o -= 1
                    self.free_area[o].add(pfn + (1 << o))
                return pfn
        return None

    def free(self, pfn: int, order: int) -> None:
        assert self.start_pfn <= pfn < self.end_pfn, f"pfn {pfn:#x} not on node {self.node}"
        while order < MAX_PAGE_ORDER:
            buddy = pfn ^ (1 << order)
            if buddy not in self.free_area[order]:
                break
            self.free_area[order].remove(buddy)
            pfn = min(pfn, buddy)
            order += 1
        assert pfn not in self.free_area[order], f"double free of pfn {pfn:#x}"
        self.free_area[order].add(pfn)


@dataclass
class MigrationTargetControl:
    """struct migration_target_control: where alloc_migration_target() allocates."""
    nid: int


# ========================================================================= statistics
@dataclass
class MigrateStats:
    """struct migrate_pages_stats, plus the seed's timestamps (fabric cycles).

    Accumulates over calls: ``migrate_cycles`` sums t4 - t1 per migrate_pages() call,
    ``copy_cycles`` sums the content-copy intervals (per folio on the generic path, per batch
    on the batched path); t1..t4 are those of the last call (t2: its first copy start, t3: its
    last copy end).
    """

    nr_succeeded: int = 0        #: pages migrated
    nr_failed_pages: int = 0     #: pages not migrated
    nr_thp_succeeded: int = 0
    nr_thp_failed: int = 0
    nr_failed: int = 0           #: folios not migrated (sum of migrate_pages() returns)
    nr_pages: int = 0            #: pages handed to migrate_pages()
    nr_folios: int = 0
    nr_calls: int = 0
    nr_batches: int = 0
    nr_tlb_flushes: int = 0
    nr_retries: int = 0          #: -EAGAIN results that were retried
    nr_copies: int = 0           #: content-copy invocations timed (folio_copy or folios_copy)
    nr_quarantined: int = 0      #: destination folios quarantined (CopyResult.DST_UNSAFE)
    t1: int | None = None
    t2: int | None = None
    t3: int | None = None
    t4: int | None = None
    migrate_cycles: int = 0
    copy_cycles: int = 0
    first_folio_cycles: int | None = None   #: t1 -> first folio's PTEs restored (last call)
    moved: dict = field(default_factory=dict)   #: src pfn -> dst pfn of migrated folios

    def per_page(self, costs: Costs = DEFAULT_COSTS) -> dict:
        """The seed's metrics in CPU cycles per 4 KiB page, and F = folio_copy / migrate_pages."""
        pages = max(self.nr_pages, 1)
        mig = costs.to_cpu(self.migrate_cycles) / pages
        cpy = costs.to_cpu(self.copy_cycles) / pages
        return {"migrate_pages": mig, "folio_copy": cpy, "F": cpy / mig if mig else 0.0}


class MigrationValidationError(AssertionError):
    """Bytes or mappings after a migration are not what they must be."""


@dataclass
class FolioSnapshot:
    folio: Folio
    pfn: int
    nr_pages: int
    data: np.ndarray
    mappings: list


@dataclass
class ValidationReport:
    bytes_validated: int = 0
    nr_migrated: int = 0
    nr_stayed: int = 0


# ================================================================================ kernel
class Kernel:
    """The part of the kernel this harness plays: node allocators, mem_map, migration.

    ``copy_path``: a CopyPath (harness/copy_paths.py) or its name ('generic', 'batch_cpu',
    'batch_dma_v1', 'batch_dma'; the DMA ones need ``driver``).
    ``reserved``: [lo, hi) byte ranges no folio may use; default: ``driver.dma_region``.
    """

    def __init__(self, dev, costs: Costs = DEFAULT_COSTS, copy_path="generic", driver=None,
                 reserved=None, nr_pass: int = DEFAULT_NR_PASS, seed: int = 0):
        self.dev = dev
        self.costs = costs
        self.driver = driver
        if reserved is None:
            reserved = [driver.dma_region] if driver is not None else []
        self.reserved = list(reserved)
        self.node_data = [BuddyAllocator(n, n * dev.node_bytes, (n + 1) * dev.node_bytes,
                                         self.reserved) for n in range(dev.nr_nodes)]
        self.mem_map: dict[int, Folio] = {}      # every pfn of a live folio -> the folio
        self.nr_pass = nr_pass
        self.rng = np.random.default_rng(seed)
        self.tlb_ubc: dict[MMStruct, set[int]] = {}   # pending deferred TLB flushes
        self.quarantined: list[Folio] = []       # destinations never to be freed (DST_UNSAFE)
        if isinstance(copy_path, str):
            from .copy_paths import make_copy_path
            copy_path = make_copy_path(copy_path, dev, costs=costs, driver=driver)
        self.copy_path = copy_path

    # ---------------------------------------------------------------- time
    async def charge(self, cpu_cycles: float) -> None:
        """Spend ``cpu_cycles`` of CPU software time as simulated time."""
        n = self.costs.to_fabric(cpu_cycles)
        if n:
            await self.dev.wait_cycles(n)

    # ---------------------------------------------------------------- folio lifecycle
    def folio_alloc(self, order: int, nid: int) -> Folio | None:
        """__folio_alloc_node(): a new folio with refcount 1, or None."""
        pfn = self.node_data[nid].alloc(order)
        if pfn is None:
            return None
        folio = Folio(pfn=pfn, order=order, node=nid)
        for p in range(pfn, pfn + folio.nr_pages):
            self.mem_map[p] = folio
        return folio

    def free_folio(self, folio: Folio) -> None:
        assert folio.refcount == 0 and folio.mapcount == 0, f"freeing a live {folio}"
        for p in range(folio.pfn, folio.pfn + folio.nr_pages):
            del self.mem_map[p]
        self.node_data[folio.node].free(folio.pfn, folio.order)

    def folio_get(self, folio: Folio) -> None:
        folio.refcount += 1

    def folio_put(self, folio: Folio) -> None:
        assert folio.refcount > 0, f"folio_put on a free {folio}"
        folio.refcount -= 1
        if folio.refcount == 0:
            self.free_folio(folio)

    def pfn_folio(self, pfn: int) -> Folio | None:
        return self.mem_map.get(pfn)

    def nr_free_pages(self, nid: int) -> int:
        return self.node_data[nid].nr_free_pages

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
        folios = []
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
                folio.mapping = file
                file.i_pages[folio.index] = folio
                folio.refcount += folio.nr_pages     # the page cache's references
            va = addr + (i << PAGE_SHIFT)
            self.map_folio(mm, va, folio, take_ref=False)
            folios.append(folio)
        if fill:
            await self.write_ranges([(f.addr, self.rng.integers(0, 256, f.nbytes, dtype=np.uint8))
                                     for f in folios])
        return folios

    # ---------------------------------------------------------------- backdoor in bulk
    #: ranges closer than this are read with one backdoor access (each access has a fixed
    #: cost in the simulator: a file written and parsed; one per folio dominated make sim)
    BULK_GAP = 256 << 10

    async def read_ranges(self, ranges: list[tuple[int, int]]) -> list[np.ndarray]:
        """Memory of every (addr, nbytes), reading runs of nearby ranges at once."""
        out: list[np.ndarray | None] = [None] * len(ranges)
        order = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
        k = 0
        while k < len(order):
            lo = ranges[order[k]][0]
            hi = lo + ranges[order[k]][1]
            j = k + 1
            while j < len(order) and ranges[order[j]][0] <= hi + self.BULK_GAP:
                hi = max(hi, ranges[order[j]][0] + ranges[order[j]][1])
                j += 1
            run = np.asarray(await self.dev.mem_read(lo, hi - lo), dtype=np.uint8)
            for i in order[k:j]:
                a, n = ranges[i]
                out[i] = run[a - lo:a - lo + n].copy()
            k = j
        return out

    async def write_ranges(self, items: list[tuple[int, np.ndarray]]) -> None:
        """Write every (addr, data), adjacent ranges with one backdoor access."""
        items = sorted(items, key=lambda it: it[0])
        k = 0
        while k < len(items):
            j, end = k + 1, items[k][0] + items[k][1].size
            while j < len(items) and items[j][0] == end:
                end += items[j][1].size
                j += 1
            await self.dev.mem_write(items[k][0], np.concatenate([d for _, d in items[k:j]]))
            k = j

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

    # ---------------------------------------------------------------- isolation
    def folio_isolate_lru(self, folio: Folio) -> bool:
        if folio.movable_ops is not None or "PG_lru" not in folio.flags:
            return False
        folio.flags.discard("PG_lru")
        self.folio_get(folio)
        return True

    def isolate_movable_page(self, folio: Folio, mode=MIGRATE_SYNC) -> bool:
        if folio.movable_ops is None or "PG_isolated" in folio.flags:
            return False
        if not folio.movable_ops.isolate_page(folio, mode):
            return False
        folio.flags.add("PG_isolated")
        self.folio_get(folio)
        return True

    def isolate_folio(self, folio: Folio) -> bool:
        """folio_isolate_lru() or isolate_movable_page(), whichever fits the folio."""
        if folio.movable_ops is not None:
            return self.isolate_movable_page(folio)
        return self.folio_isolate_lru(folio)

    async def putback_movable_pages(self, folios: list[Folio]) -> None:
        """Return isolated folios that were not migrated to their LRU / owner."""
        for folio in folios:
            await self.charge(self.costs.putback)
            if folio.movable_ops is not None:
                folio.movable_ops.putback_page(folio)
                folio.flags.discard("PG_isolated")
            else:
                folio.flags.add("PG_lru")
            self.folio_put(folio)
        folios.clear()

    # ---------------------------------------------------------------- rmap / TLB
    def try_to_migrate(self, folio: Folio) -> None:
        """Replace every PTE mapping ``folio`` by a migration entry; defer the TLB flush
        (TTU_BATCH_FLUSH: the mm and pages are queued on tlb_ubc)."""
        for mm, va in folio.rmap:
            pt = mm.pgtable
            vpn = va >> PAGE_SHIFT
            entry = pt.ptes.get(vpn)
            if not (entry is not None and entry.present and entry.pfn == folio.pfn):
                continue
            for i in range(folio.nr_pages):
                pt.ptes[vpn + i] = MigrationEntry(folio.pfn + i)
            self.tlb_ubc.setdefault(mm, set()).update(range(vpn, vpn + folio.nr_pages))
            folio.mapcount -= 1
            self.folio_put(folio)

    async def try_to_unmap_flush(self, stats: MigrateStats) -> None:
        """Flush every deferred TLB entry in one go (one shootdown for the batch)."""
        if not self.tlb_ubc:
            return
        await self.charge(self.costs.tlb_flush)
        stats.nr_tlb_flushes += 1
        for mm, vpns in self.tlb_ubc.items():
            mm.pgtable.flush_tlb(vpns)
            stale = mm.pgtable.stale_tlb_entries()
            assert not stale, (f"{mm}: stale TLB entries after try_to_unmap_flush():"
                               f" {[hex(v << PAGE_SHIFT) for v in stale[:4]]}")
        self.tlb_ubc.clear()

    def assert_no_stale_tlb(self, folio: Folio) -> None:
        """Before copying ``folio``: no CPU may still reach it through a cached translation."""
        for mm, va in folio.rmap:
            vpn = va >> PAGE_SHIFT
            for i in range(folio.nr_pages):
                pfn = mm.pgtable.tlb.get(vpn + i)
                assert pfn is None or mm.pgtable.ptes.get(vpn + i) == PTE(pfn), (
                    f"{mm}: stale TLB entry for {(vpn + i) << PAGE_SHIFT:#x} -> pfn {pfn:#x}"
                    f" while {folio} is copied (missing try_to_unmap_flush()?)")

    async def remove_migration_ptes(self, src: Folio, dst: Folio) -> None:
        """Turn the migration entries for ``src`` into present PTEs to ``dst`` (dst may be src:
        undo)."""
        await self.charge(self.costs.remap)
        for mm, va in list(src.rmap):
            pt = mm.pgtable
            vpn = va >> PAGE_SHIFT
            if pt.ptes.get(vpn) != MigrationEntry(src.pfn):
                continue
            for i in range(src.nr_pages):
                assert pt.ptes.get(vpn + i) == MigrationEntry(src.pfn + i)
                pt.ptes[vpn + i] = PTE(dst.pfn + i)
            dst.mapcount += 1
            self.folio_get(dst)
            if dst is not src:
                dst.rmap.append((mm, va))

    # ---------------------------------------------------------------- metadata
    async def folio_migrate_mapping(self, dst: Folio, src: Folio) -> int:
        """Check the references and switch the mapping (page-cache slot) to dst; -EAGAIN if
        someone holds an extra reference (a pin): the folio cannot move now."""
        await self.charge(self.costs.metadata)
        if src.refcount != folio_expected_refs(src):
            return -errno.EAGAIN
        dst.anon = src.anon
        dst.index = src.index
        dst.mapping = src.mapping
        if not src.anon and isinstance(src.mapping, AddressSpace):
            src.mapping.i_pages[src.index] = dst
            dst.refcount += src.nr_pages
            src.refcount -= src.nr_pages
        return MIGRATEPAGE_SUCCESS

    def folio_restore_mapping(self, src: Folio, dst: Folio) -> None:
        """Undo folio_migrate_mapping() for a folio whose contents could not be copied.

        No kernel counterpart: the batched move copies metadata before contents, so a folio
        that then fails its copy must get its page-cache slot and references back."""
        if not src.anon and isinstance(src.mapping, AddressSpace):
            src.mapping.i_pages[src.index] = src
            src.refcount += src.nr_pages
            dst.refcount -= src.nr_pages
        dst.mapping = None

    def folio_migrate_flags(self, dst: Folio, src: Folio) -> None:
        dst.flags |= src.flags & MIGRATE_FLAGS

    # ---------------------------------------------------------------- copy timing
    async def _timed_copy(self, stats: MigrateStats, coro):
        """Run a content copy between t2 and t3 and add its time to stats.copy_cycles."""
        t2 = self.dev.now()
        result = await coro
        t3 = self.dev.now()
        if stats.t2 is None:
            stats.t2 = t2
        stats.t3 = t3
        stats.copy_cycles += t3 - t2
        stats.nr_copies += 1
        return result

    # ---------------------------------------------------------------- migrate_pages()
    def alloc_migration_target(self, src: Folio, private: MigrationTargetControl) -> Folio | None:
        """get_new_folio for syscalls: a folio of src's order on private.nid."""
        return self.folio_alloc(src.order, private.nid)

    async def migrate_pages(self, from_list: list[Folio],
                            get_new_folio: Callable | None = None, private=None,
                            mode: MigrateMode = MIGRATE_SYNC,
                            reason: MigrateReason = MigrateReason.MR_SYSCALL,
                            stats: MigrateStats | None = None, copy_path=None) -> int:
        """Migrate the isolated folios on ``from_list``; return how many were not migrated.

        ``private``: a MigrationTargetControl (or a node number) for ``get_new_folio``
        (default alloc_migration_target). Folios that were not migrated are left on
        ``from_list`` (still isolated: the caller puts them back). ``stats`` accumulates.

        Batches: folios are taken until their pages reach NR_MAX_BATCHED_MIGRATION; the folio
        that reaches it is included (as in the kernel), so 600 x 4K -> 512 + 88 and a 2 MiB
        folio fills a batch alone (one 4K before it makes a batch of 513 pages).
        """
        stats = MigrateStats() if stats is None else stats
        copy_path = self.copy_path if copy_path is None else copy_path
        get_new_folio = self.alloc_migration_target if get_new_folio is None else get_new_folio
        if isinstance(private, int):
            private = MigrationTargetControl(private)

        t1 = self.dev.now()
        stats.t1, stats.t2, stats.t3, stats.first_folio_cycles = t1, None, None, None
        stats.nr_calls += 1
        stats.nr_pages += sum(f.nr_pages for f in from_list)
        stats.nr_folios += len(from_list)
        await self.charge(self.costs.migrate_pages_setup)

        ret_folios: list[Folio] = []
        rc_gather = 0
        while from_list:
            nr_pages = 0
            cut = len(from_list)
            for i, folio in enumerate(from_list):
                nr_pages += folio.nr_pages
                if nr_pages >= NR_MAX_BATCHED_MIGRATION:
                    cut = i + 1
                    break
            folios = from_list[:cut]
            del from_list[:cut]
            rc_gather += await self.migrate_pages_batch(folios, get_new_folio, private, mode,
                                                        reason, ret_folios, stats, copy_path)
            ret_folios.extend(folios)          # retried to the end and still failing
        from_list.extend(ret_folios)

        stats.t4 = self.dev.now()
        stats.migrate_cycles += stats.t4 - t1
        stats.nr_failed += rc_gather
        return rc_gather

    async def migrate_pages_batch(self, from_list: list[Folio], get_new_folio, private,
                                  mode, reason, ret_folios: list[Folio], stats: MigrateStats,
                                  copy_path) -> int:
        """Unmap every folio, flush the TLB once, move. Return the folios not migrated.

        On return, migrated folios are gone from ``from_list``, folios that failed for good
        are on ``ret_folios`` and folios still -EAGAIN after nr_pass tries stay on
        ``from_list``."""
        stats.nr_batches += 1
        nr_failed = 0
        src_folios: list[Folio] = []
        dst_folios: list[Folio] = []

        # -- unmap: allocate dst, replace PTEs by migration entries, defer the TLB flush
        retry = 1
        for _ in range(self.nr_pass):
            if not retry:
                break
            retry = 0
            still: list[Folio] = []
            for folio in from_list:
                rc, dst = await self.migrate_folio_unmap(get_new_folio, private, folio, mode,
                                                         reason, ret_folios)
                if rc == MIGRATEPAGE_UNMAP:
                    src_folios.append(folio)
                    dst_folios.append(dst)
                elif rc == MIGRATEPAGE_SUCCESS:          # freed under us: nothing to move
                    self._count_success(folio, stats)
                elif rc == -errno.EAGAIN:                # stays on from_list, next pass
                    still.append(folio)
                    retry += 1
                    stats.nr_retries += 1
                else:                                    # undone onto ret_folios
                    nr_failed += 1
                    self._count_failure(folio, stats)
            from_list[:] = still
        for folio in from_list:                          # still -EAGAIN
            nr_failed += 1
            self._count_failure(folio, stats)

        # -- one TLB shootdown for the whole batch
        await self.try_to_unmap_flush(stats)

        # -- move
        if not src_folios:
            return nr_failed
        if hasattr(copy_path, "batch_start"):
            copy_path.batch_start()                     # its first CPU copy starts cold
        if copy_path.batched:
            nr_failed += await self.migrate_folios_batch_move(src_folios, dst_folios, mode,
                                                              reason, ret_folios, stats,
                                                              copy_path)
        else:
            nr_failed += await self.migrate_folios_move(src_folios, dst_folios, mode, reason,
                                                        ret_folios, stats, copy_path)
        return nr_failed

    def _count_success(self, folio: Folio, stats: MigrateStats) -> None:
        stats.nr_succeeded += folio.nr_pages
        stats.nr_thp_succeeded += folio.order == HPAGE_PMD_ORDER

    def _count_failure(self, folio: Folio, stats: MigrateStats) -> None:
        stats.nr_failed_pages += folio.nr_pages
        stats.nr_thp_failed += folio.order == HPAGE_PMD_ORDER

    async def migrate_folio_unmap(self, get_new_folio, private, src: Folio, mode, reason,
                                  ret: list[Folio]) -> tuple[int, Folio | None]:
        """Allocate dst and unmap src. -> (MIGRATEPAGE_UNMAP, dst) or (rc, None)."""
        if src.refcount == 1 and src.movable_ops is None:
            # Only our isolation reference is left: the folio was freed from under us.
            src.flags.discard("PG_active")
            await self.migrate_folio_done(src, reason)
            return MIGRATEPAGE_SUCCESS, None

        await self.charge(self.costs.alloc)
        dst = get_new_folio(src, private)
        if dst is None:
            await self.migrate_folio_undo_src(src, False, ret)
            return -errno.ENOMEM, None

        await self.charge(self.costs.unmap)
        page_was_mapped = False
        if src.mapcount:
            self.try_to_migrate(src)
            page_was_mapped = True
        if src.mapcount:                                 # could not unmap everything
            await self.migrate_folio_undo_src(src, page_was_mapped, None)
            self.migrate_folio_undo_dst(dst)
            return -errno.EAGAIN, None
        dst.private = page_was_mapped                    # __migrate_folio_record()
        return MIGRATEPAGE_UNMAP, dst

    # ---------------------------------------------------------------- move phase, per folio
    async def migrate_folios_move(self, src_folios, dst_folios, mode, reason, ret_folios,
                                  stats, copy_path) -> int:
        """The generic move phase: migrate_folio_move() per folio, with -EAGAIN retries."""
        nr_failed = 0
        pairs = list(zip(src_folios, dst_folios))
        for _ in range(self.nr_pass):
            if not pairs:
                break
            again = []
            for src, dst in pairs:
                rc = await self.migrate_folio_move(dst, src, mode, reason, ret_folios, stats,
                                                   copy_path)
                if rc == MIGRATEPAGE_SUCCESS:
                    self._count_success(src, stats)
                elif rc == -errno.EAGAIN:
                    again.append((src, dst))
                    stats.nr_retries += 1
                else:
                    nr_failed += 1
                    self._count_failure(src, stats)
            pairs = again
        nr_failed += await self.migrate_folios_undo(pairs, ret_folios, stats)
        return nr_failed

    async def migrate_folio_move(self, dst: Folio, src: Folio, mode, reason, ret, stats,
                                 copy_path) -> int:
        """Copy metadata and contents, restore the PTEs to dst, release src."""
        rc = await self.move_to_new_folio(dst, src, mode, stats, copy_path)
        if rc == -errno.EAGAIN:
            return rc                                    # stays unmapped, retried
        if rc != MIGRATEPAGE_SUCCESS:
            await self.migrate_folio_undo_src(src, dst.private, ret)
            self.migrate_folio_undo_dst(dst)
            return rc
        await self._migrate_folio_finish(dst, src, reason, stats)
        return MIGRATEPAGE_SUCCESS

    async def move_to_new_folio(self, dst: Folio, src: Folio, mode, stats, copy_path) -> int:
        if src.movable_ops is None:
            return await self.migrate_folio(dst, src, stats, copy_path)
        # non-LRU movable: the owner's migrate_page() copies (timed as the content copy)
        return await self._timed_copy(stats, src.movable_ops.migrate_page(dst, src, mode))

    async def migrate_folio(self, dst: Folio, src: Folio, stats, copy_path) -> int:
        """migrate_folio() as in 6.8: mapping, then content copy, then flags."""
        rc = await self.folio_migrate_mapping(dst, src)
        if rc != MIGRATEPAGE_SUCCESS:
            return rc
        self.assert_no_stale_tlb(src)
        copied = await self._timed_copy(stats, copy_path.folio_copy(dst, src))
        if not copied:
            self.folio_restore_mapping(src, dst)
            if copied is CopyResult.DST_UNSAFE:
                self.quarantine_folio(dst, stats)
            return -EHWPOISON
        self.folio_migrate_flags(dst, src)
        return MIGRATEPAGE_SUCCESS

    async def _migrate_folio_finish(self, dst: Folio, src: Folio, reason, stats) -> None:
        """The tail of migrate_folio_move(): LRU, PTEs to dst, drop references, free src."""
        if src.movable_ops is None:
            dst.flags.add("PG_lru")                      # folio_add_lru(dst)
            if dst.private:
                await self.remove_migration_ptes(src, dst)
        dst.private = None
        self.folio_put(dst)                              # the allocation reference
        src.rmap.clear()
        stats.moved[src.pfn] = dst.pfn
        if stats.first_folio_cycles is None:
            stats.first_folio_cycles = self.dev.now() - stats.t1
        await self.migrate_folio_done(src, reason)

    async def migrate_folio_done(self, src: Folio, reason) -> None:
        """Drop the isolation reference of a folio that is done (src after a move)."""
        await self.charge(self.costs.putback)
        if src.movable_ops is not None:
            src.flags.discard("PG_isolated")
            src.movable_ops = None
        self.folio_put(src)

    # ---------------------------------------------------------------- move phase, batched
    async def migrate_folios_batch_move(self, src_folios, dst_folios, mode, reason,
                                        ret_folios, stats, copy_path) -> int:
        """The offload series' move: metadata for all, one folios_copy() for all, PTEs for
        all. Non-LRU movable folios take the per-folio path, as in the series."""
        nr_failed = 0
        pairs = []
        non_lru_src, non_lru_dst = [], []
        for src, dst in zip(src_folios, dst_folios):
            if src.movable_ops is None:
                pairs.append((src, dst))
            else:
                non_lru_src.append(src)
                non_lru_dst.append(dst)

        for _ in range(self.nr_pass):
            if not pairs:
                break
            # 1. metadata (mapping + flags) for every folio
            ready, again = [], []
            for src, dst in pairs:
                rc = await self.folio_migrate_mapping(dst, src)
                if rc == MIGRATEPAGE_SUCCESS:
                    self.folio_migrate_flags(dst, src)
                    ready.append((src, dst))
                elif rc == -errno.EAGAIN:
                    again.append((src, dst))
                    stats.nr_retries += 1
                else:
                    await self.migrate_folio_undo_src(src, dst.private, ret_folios)
                    self.migrate_folio_undo_dst(dst)
                    nr_failed += 1
                    self._count_failure(src, stats)
            # 2. one content copy for the whole batch
            if ready:
                for src, _ in ready:
                    self.assert_no_stale_tlb(src)
                copied = await self._timed_copy(stats, copy_path.folios_copy(
                    [d for _, d in ready], [s for s, _ in ready], reason))
                # 3. PTEs to dst for every copied folio; undo the others
                for (src, dst), ok in zip(ready, copied):
                    if ok:
                        await self._migrate_folio_finish(dst, src, reason, stats)
                        self._count_success(src, stats)
                    else:
                        self.folio_restore_mapping(src, dst)
                        if ok is CopyResult.DST_UNSAFE:
                            self.quarantine_folio(dst, stats)
                        await self.migrate_folio_undo_src(src, dst.private, ret_folios)
                        self.migrate_folio_undo_dst(dst)
                        nr_failed += 1
                        self._count_failure(src, stats)
            pairs = again
        nr_failed += await self.migrate_folios_undo(pairs, ret_folios, stats)

        if non_lru_src:
            nr_failed += await self.migrate_folios_move(non_lru_src, non_lru_dst, mode, reason,
                                                        ret_folios, stats, copy_path)
        return nr_failed

    # ---------------------------------------------------------------- undo
    async def migrate_folios_undo(self, pairs, ret_folios, stats) -> int:
        """Folios still -EAGAIN after every pass: map the sources back, free the dsts."""
        for src, dst in pairs:
            await self.migrate_folio_undo_src(src, dst.private, ret_folios)
            self.migrate_folio_undo_dst(dst)
            self._count_failure(src, stats)
        return len(pairs)

    async def migrate_folio_undo_src(self, src: Folio, page_was_mapped, ret) -> None:
        """Restore src's PTEs (migration entries -> src again); queue it on ``ret``."""
        if page_was_mapped:
            await self.remove_migration_ptes(src, src)
        if ret is not None:
            ret.append(src)

    def migrate_folio_undo_dst(self, dst: Folio) -> None:
        """Free the unused destination folio (put_new_folio / folio_put); a quarantined one
        keeps its reference and is never freed."""
        dst.private = None
        dst.mapping = None
        dst.flags.clear()
        if dst in self.quarantined:
            return
        self.folio_put(dst)

    def quarantine_folio(self, dst: Folio, stats: MigrateStats) -> None:
        """Never free ``dst``: a bus master that could not be stopped may still write it.

        The folio keeps its allocation reference for the rest of the run (a kernel leaks
        the pages a hung device may DMA into rather than hand them to someone else)."""
        if dst not in self.quarantined:
            self.quarantined.append(dst)
            stats.nr_quarantined += 1

    # ================================================================ system calls
    async def move_pages(self, mm: MMStruct, pages: list[int], nodes: list[int],
                         stats: MigrateStats | None = None,
                         flags: int = MPOL_MF_MOVE) -> list[int]:
        """move_pages(2): move each page to its node; -> status per page: the node it is on,
        or -errno (-EFAULT: no VMA, -ENOENT: not mapped, -EBUSY: could not isolate or
        migrate, -EACCES: shared without MPOL_MF_MOVE_ALL, -ENODEV: bad node)."""
        if len(pages) != len(nodes):
            raise ValueError("pages and nodes differ in length")
        stats = MigrateStats() if stats is None else stats
        await self.charge(self.costs.syscall)            # entry + exit
        status = [0] * len(pages)
        pagelist: list[Folio] = []
        owner: dict[int, Folio] = {}       # page index -> the folio queued for it
        current_node, start = None, 0
        for i, (addr, node) in enumerate(zip(pages, nodes)):
            if not 0 <= node < self.dev.nr_nodes:
                err = -errno.ENODEV
            else:
                if current_node is None:
                    current_node, start = node, i
                elif node != current_node:
                    await self.move_pages_and_store_status(current_node, pagelist, owner,
                                                           status, start, i, stats)
                    current_node, start = node, i
                err = await self.add_page_for_migration(mm, addr, current_node, pagelist,
                                                        flags & MPOL_MF_MOVE_ALL)
                if err > 0:
                    owner[i] = pagelist[-1]
                    continue
            status[i] = err if err else current_node
            if current_node is not None:
                await self.move_pages_and_store_status(current_node, pagelist, owner, status,
                                                       start, i, stats)
            current_node = None
        if current_node is not None:
            await self.move_pages_and_store_status(current_node, pagelist, owner, status,
                                                   start, len(pages), stats)
        return status

    async def add_page_for_migration(self, mm: MMStruct, addr: int, node: int,
                                     pagelist: list[Folio], migrate_all) -> int:
        """Look the page up and isolate its folio onto pagelist: 1, or 0 if it already is on
        ``node``, or -errno."""
        await self.charge(self.costs.isolate)
        if mm.find_vma(addr) is None:
            return -errno.EFAULT
        entry = mm.pgtable.lookup(addr)
        if entry is None or not entry.present:
            return -errno.ENOENT
        folio = self.pfn_folio(entry.pfn)
        if folio is None:
            return -errno.ENOENT
        if folio.node == node:
            return 0
        if folio.mapcount > 1 and not migrate_all:
            return -errno.EACCES
        if not self.folio_isolate_lru(folio):
            return -errno.EBUSY
        pagelist.append(folio)
        return 1

    async def move_pages_and_store_status(self, node: int, pagelist: list[Folio], owner: dict,
                                          status: list[int], start: int, end: int,
                                          stats: MigrateStats) -> None:
        if not pagelist:
            return
        failed = await self.do_move_pages_to_node(pagelist, node, stats)
        for i in range(start, end):
            if i in owner:
                status[i] = -errno.EBUSY if owner.pop(i) in failed else node

    async def do_move_pages_to_node(self, pagelist: list[Folio], node: int,
                                    stats: MigrateStats) -> set[Folio]:
        await self.migrate_pages(pagelist, self.alloc_migration_target,
                                 MigrationTargetControl(node), MIGRATE_SYNC,
                                 MigrateReason.MR_SYSCALL, stats)
        failed = set(pagelist)
        await self.putback_movable_pages(pagelist)
        return failed

    async def migrate_pages_syscall(self, mm: MMStruct, old_nodes, new_nodes,
                                    stats: MigrateStats | None = None,
                                    flags: int = MPOL_MF_MOVE) -> int:
        """migrate_pages(2): move every page of ``mm`` on old_nodes to new_nodes (the i-th
        old node to the i-th new node, as node_remap()). -> pages not moved, or -errno."""
        stats = MigrateStats() if stats is None else stats
        await self.charge(self.costs.syscall)
        frm, to = sorted(set(old_nodes)), sorted(set(new_nodes))
        for n in frm + to:
            if not 0 <= n < self.dev.nr_nodes:
                return -errno.EINVAL
        busy = 0
        tmp = list(frm)
        while tmp and to:
            source, dest = None, None
            for s in tmp:                                       # do_migrate_pages()
                if len(frm) != len(to) and s in to:
                    continue
                d = to[frm.index(s) % len(to)]                  # node_remap()
                if s == d:
                    continue
                source, dest = s, d
                if dest not in tmp:
                    break
            if source is None:
                break
            tmp.remove(source)
            err = await self.migrate_to_node(mm, source, dest, flags, stats)
            if err < 0:
                return err
            busy += err
        return busy

    async def migrate_to_node(self, mm: MMStruct, source: int, dest: int, flags: int,
                              stats: MigrateStats) -> int:
        """Isolate every folio of ``mm`` on ``source`` (queue_pages_range) and migrate them."""
        pagelist: list[Folio] = []
        seen: set[int] = set()
        for vpn in sorted(mm.pgtable.ptes):
            entry = mm.pgtable.ptes[vpn]
            if not entry.present:
                continue
            folio = self.pfn_folio(entry.pfn)
            if folio is None or folio.node != source or id(folio) in seen:
                continue
            seen.add(id(folio))
            if folio.mapcount > 1 and not flags & MPOL_MF_MOVE_ALL:
                continue
            await self.charge(self.costs.isolate)
            if self.folio_isolate_lru(folio):
                pagelist.append(folio)
        if not pagelist:
            return 0
        nr_pages_before = stats.nr_failed_pages
        await self.migrate_pages(pagelist, self.alloc_migration_target,
                                 MigrationTargetControl(dest), MIGRATE_SYNC,
                                 MigrateReason.MR_SYSCALL, stats)
        await self.putback_movable_pages(pagelist)
        return stats.nr_failed_pages - nr_pages_before

    # ================================================================ validation
    async def snapshot(self, folios: list[Folio]) -> list[FolioSnapshot]:
        """Record the contents and mappings of ``folios`` before a migration."""
        datas = await self.read_ranges([(f.addr, f.nbytes) for f in folios])
        return [FolioSnapshot(f, f.pfn, f.nr_pages, data, list(f.rmap))
                for f, data in zip(folios, datas)]

    async def verify_migration(self, snaps: list[FolioSnapshot],
                               stats: MigrateStats) -> ValidationReport:
        """After a migration: every folio is in exactly one of two states, nothing else.

        Migrated: its bytes are at its destination, every mapping points there, and its
        source, unless handed out again since, still holds the bytes (nothing wrote a
        source). Not migrated: intact at its source, mapped there, back on the LRU and no
        longer isolated. Raises MigrationValidationError on the first problem found; see
        ``audit_migration`` for all of them, classified."""
        report, problems = await self.audit_migration(snaps, stats)
        if problems:
            raise MigrationValidationError(problems[0][1])
        return report

    async def audit_migration(self, snaps: list[FolioSnapshot], stats: MigrateStats
                              ) -> tuple[ValidationReport, list[tuple[str, str]]]:
        """Check every snapshotted folio (see ``verify_migration``) -> (report, problems).

        A problem is (class, message); classes: 'lost' (a folio's bytes are not where its
        mappings say it lives), 'half_migrated' (migration entries left, mappings, LRU or
        isolation state neither migrated nor restored), 'source_written' (the source of a
        migrated folio changed although nobody owns it now), 'quarantine' (a quarantined
        destination was freed or mapped)."""
        report = ValidationReport()
        problems: list[tuple[str, str]] = []

        # where each folio's bytes must be now, and each migrated folio's old source (if no
        # one owns it again), read in bulk
        wheres = [stats.moved.get(s.pfn, s.pfn) for s in snaps]
        vacated = [s for s in snaps
                   if s.pfn in stats.moved and self.pfn_folio(s.pfn) is None]
        contents = await self.read_ranges(
            [(w << PAGE_SHIFT, s.nr_pages << PAGE_SHIFT) for w, s in zip(wheres, snaps)]
            + [(s.pfn << PAGE_SHIFT, s.nr_pages << PAGE_SHIFT) for s in vacated])
        for s, got in zip(vacated, contents[len(snaps):]):
            got = np.asarray(got, dtype=np.uint8)
            if not np.array_equal(got, s.data):
                bad = int(np.flatnonzero(got != s.data)[0])
                problems.append(("source_written", f"source of migrated pfn {s.pfn:#x} was"
                                 f" written at byte {bad:#x} (address"
                                 f" {(s.pfn << PAGE_SHIFT) + bad:#x})"))
        for s, got in zip(snaps, contents):
            dst_pfn = stats.moved.get(s.pfn)
            state = []
            if dst_pfn is not None:
                where, report.nr_migrated = dst_pfn, report.nr_migrated + 1
                folio = self.pfn_folio(dst_pfn)
                if folio is None or folio.pfn != dst_pfn:
                    problems.append(("lost", f"pfn {s.pfn:#x} moved to {dst_pfn:#x}, but no"
                                     " folio lives there"))
                    continue
            else:
                where, report.nr_stayed = s.pfn, report.nr_stayed + 1
                folio = s.folio
                if self.pfn_folio(s.pfn) is not folio:
                    problems.append(("lost", f"{folio} was not migrated but is no longer at"
                                     f" pfn {s.pfn:#x}"))
                    continue
                if folio.movable_ops is None and "PG_lru" not in folio.flags:
                    state.append("was not put back on the LRU")
                if "PG_isolated" in folio.flags:
                    state.append("is still isolated")
            got = np.asarray(got, dtype=np.uint8)
            if not np.array_equal(got, s.data):
                bad = int(np.flatnonzero(got != s.data)[0])
                what = "destination" if dst_pfn is not None else "source (not migrated)"
                problems.append(("lost", f"{what} of pfn {s.pfn:#x} differs at byte {bad:#x}"
                                 f" (address {(where << PAGE_SHIFT) + bad:#x})"))
            for mm, va in s.mappings:
                vpn = va >> PAGE_SHIFT
                for i in range(s.nr_pages):
                    entry = mm.pgtable.ptes.get(vpn + i)
                    if entry != PTE(where + i):
                        state.append(f"{mm} {(vpn + i) << PAGE_SHIFT:#x}: {entry}, expected"
                                     f" PTE(pfn={where + i:#x})")
                        break
            if folio.mapcount != len(s.mappings):
                state.append(f"mapcount {folio.mapcount}, mapped {len(s.mappings)} times")
            if state:
                migrated = "migrated" if dst_pfn is not None else "not migrated"
                problems.append(("half_migrated", f"{folio} ({migrated}): " + "; ".join(state)))
            report.bytes_validated += s.nr_pages << PAGE_SHIFT
        for dst in self.quarantined:
            if self.pfn_folio(dst.pfn) is not dst or dst.refcount < 1 or dst.mapcount:
                problems.append(("quarantine", f"quarantined {dst} was freed or mapped"))
        return report, problems
