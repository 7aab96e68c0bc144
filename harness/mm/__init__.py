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

Where each part lives, as in the kernel's tree (the types, as include/linux/mm_types.h,
migrate.h and migrate_mode.h are, sit below in harness/mm_types.py):

    page_alloc.py  mm/page_alloc.c: the buddy allocator per node, folio get/put/free
    rmap.py        mm/rmap.c: try_to_migrate(), try_to_unmap_flush(), remove_migration_ptes()
    migrate.py     mm/migrate.c: isolation, migrate_pages() and everything below it
    syscalls.py    mm/migrate.c's move_pages(2), mm/mempolicy.c's migrate_pages(2)
    kernel.py      the Kernel object that holds them together, and mmap() for workloads

The Kernel receives its copy path (a ``CopyPath``: see harness/copy_paths.py) and the ranges
no folio may use; ``harness.assemble`` builds device -> driver -> copy path -> kernel.
Validation lives outside the kernel model (harness/validate.py), as does bulk backdoor
access to memory (harness/backdoor.py).

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

from ..mm_types import (
                    DEFAULT_NR_PASS,
                    EHWPOISON,
                    HPAGE_PMD_ORDER,
                    MAX_PAGE_ORDER,
                    MIGRATE_ASYNC,
                    MIGRATE_SYNC,
                    MIGRATEPAGE_SUCCESS,
                    MIGRATEPAGE_UNMAP,
                    MPOL_MF_MOVE,
                    MPOL_MF_MOVE_ALL,
                    NR_MAX_BATCHED_MIGRATION,
                    PAGE_SHIFT,
                    PAGE_SIZE,
                    PTE,
                    VMA,
                    AddressSpace,
                    AnonVma,
                    CopyPath,
                    CopyResult,
                    Folio,
                    MigrateMode,
                    MigrateReason,
                    MigrateStats,
                    MigrationEntry,
                    MigrationEntryWait,
                    MigrationTargetControl,
                    MMStruct,
                    MovableOps,
                    PageTable,
                    folio_expected_refs,
                    reason_mask,
)
from .kernel import Kernel
from .page_alloc import BuddyAllocator

__all__ = [
    "BuddyAllocator", "CopyPath", "CopyResult", "DEFAULT_NR_PASS", "EHWPOISON",
    "HPAGE_PMD_ORDER", "MAX_PAGE_ORDER", "MIGRATE_ASYNC", "MIGRATE_SYNC", "MIGRATEPAGE_SUCCESS",
    "MIGRATEPAGE_UNMAP", "MPOL_MF_MOVE", "MPOL_MF_MOVE_ALL", "NR_MAX_BATCHED_MIGRATION",
    "PAGE_SHIFT", "PAGE_SIZE", "PTE", "VMA", "AddressSpace", "AnonVma", "Folio", "Kernel",
    "MigrateMode", "MigrateReason", "MigrateStats", "MigrationEntry", "MigrationEntryWait",
    "MigrationTargetControl", "MMStruct", "MovableOps", "PageTable", "folio_expected_refs",
    "reason_mask",
]
