"""The kernel's types (include/linux/mm_types.h, migrate.h, migrate_mode.h), below every layer
that uses them (the mm model, the copy paths, validation), as headers are in the kernel:
page-size constants, folios and their owners, page tables with migration entries and a TLB,
VMAs and mm_structs, migration modes, reasons and statistics, and CopyResult, the content
copy's answer to the move phase."""
from __future__ import annotations

import errno
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Protocol

from .costs import DEFAULT_COSTS, Costs

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
HPAGE_PMD_ORDER = 9                  #: 2 MiB folio
MAX_PAGE_ORDER = 10                  #: largest buddy block (4 MiB), as on x86-64
NR_MAX_BATCHED_MIGRATION = 512       #: pages per migrate_pages_batch(): HPAGE_PMD_NR (mm/migrate.c)
#: passes of migrate_pages_batch() (mm/migrate.c): MIGRATE_ASYNC batches get
#: NR_MAX_MIGRATE_PAGES_RETRY; migrate_pages_sync() splits it into the async batch's
#: NR_MAX_MIGRATE_ASYNC_RETRY and each folio's own sync retry, NR_MAX_MIGRATE_SYNC_RETRY
NR_MAX_MIGRATE_PAGES_RETRY = 10
NR_MAX_MIGRATE_ASYNC_RETRY = 3
NR_MAX_MIGRATE_SYNC_RETRY = NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY

#: dst->migrate_info state bits of the offload series (mm/migrate.c there; 7.1.5 records the
#: first two as PAGE_WAS_MAPPED / PAGE_WAS_MLOCKED in dst->private): recorded on the
#: destination at unmap time (__migrate_folio_record()), read back by the move and undo
#: steps (__migrate_folio_extract(), which keeps FOLIO_CONTENT_COPIED)
FOLIO_WAS_MAPPED = 1 << 0
FOLIO_WAS_MLOCKED = 1 << 1
FOLIO_OLD_STATES = FOLIO_WAS_MAPPED | FOLIO_WAS_MLOCKED
FOLIO_CONTENT_COPIED = 1 << 2        #: set by the batch copy; __migrate_folio() skips its copy

MPOL_MF_MOVE = 1 << 1
MPOL_MF_MOVE_ALL = 1 << 2

#: node numbers a nodemask can hold (CONFIG_NODES_SHIFT = 10, x86-64 distribution kernels):
#: move_pages(2) answers -ENODEV beyond it, migrate_pages(2)'s get_nodes() -EINVAL
MAX_NUMNODES = 1 << 10

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


class CopyPath(Protocol):
    """What the move phase needs of a content copier (harness/copy_paths.py builds them):
    ``batched`` picks the move phase (per folio, or the offload series' batched move)."""

    batched: bool

    def batch_start(self) -> None:
        """A batch's move phase begins."""

    async def folio_copy(self, dst: Folio, src: Folio) -> CopyResult:
        """Copy one folio's contents."""

    async def folios_copy(self, dst_list: list[Folio], src_list: list[Folio],
                          reason: MigrateReason) -> list[CopyResult]:
        """Copy a batch of folios' contents (offloaded or by the CPU)."""


class MigrateMode(Enum):
    """include/linux/migrate_mode.h. What the modes change in the model, as in the kernel:
    a folio locked by someone else (``PG_locked`` in its flags) makes MIGRATE_ASYNC give up
    with -EAGAIN (retried in the next pass) while the sync modes wait for the lock
    (MIGRATE_SYNC_LIGHT only for an uptodate folio); a folio under writeback
    (``PG_writeback``) fails MIGRATE_ASYNC and MIGRATE_SYNC_LIGHT with -EBUSY while
    MIGRATE_SYNC waits for the writeback to end. The wait is the model's: the other holder
    lets go (the flag is cleared) after ``Costs.folio_wait`` CPU cycles."""
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
    private: int = 0                  #: migration state recorded on dst (FOLIO_WAS_MAPPED,
                                      #: FOLIO_CONTENT_COPIED)

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


def folio_expected_ref_count(folio: Folio) -> int:
    """folio_expected_ref_count() (include/linux/mm.h): the references a folio is expected to
    hold: one per page from the page cache (a file folio), one for PG_private, one per
    mapping (the model's mapping holds one reference, see harness/mm/__init__.py). The caller's
    own reference (the isolation) is not included: callers compare with refcount - 1."""
    refs = 0
    if not folio.anon:
        refs += folio.nr_pages if folio.mapping is not None else 0
        refs += "PG_private" in folio.flags
    return refs + folio.mapcount


class MovableOps:
    """struct movable_operations of a driver owning non-LRU movable folios (zsmalloc-like).

    ``pages``: the folios the owner holds (one reference each). migrate_page() copies the
    contents with the CPU and moves the owner's reference to the new folio.
    """

    def __init__(self, kernel):
        self.kernel = kernel            #: the Kernel: its device does the owner's copy
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
        return 0

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
    nr_thp_split: int = 0        #: PMD-sized folios split before migrating (THP_MIGRATION_SPLIT)
    nr_split: int = 0            #: large folios of any order split before migrating
    nr_failed: int = 0           #: folios not migrated (sum of migrate_pages() returns)
    nr_pages: int = 0            #: pages handed to migrate_pages()
    nr_folios: int = 0
    nr_calls: int = 0
    nr_batches: int = 0
    nr_tlb_flushes: int = 0
    nr_retries: int = 0          #: -EAGAIN results of the unmap or move step
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

