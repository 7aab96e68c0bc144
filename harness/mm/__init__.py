"""Host model of Linux page migration, shaped like mm/migrate.c of ONE kernel.

The kernel followed: mainline Linux as it stands under the offload series' RFC v6
("mm/migrate: skip data copy for already-copied folios", "add batch-copy path in
migrate_pages_batch", June 2026), i.e. a kernel with folio_mc_copy() and the copy BEFORE the
mapping switch in __migrate_folio() (since v6.12), migrate_pages_sync() (since v6.5) and
nr_split (since v6.10). The batched move is RFC v6's. Why this pair: the harness's fault
model needs a content copy that can fail and a per-folio fallback; the seed's base (v6.8,
RFC v1) has neither (its folio_copy() cannot fail, and v1 has no fallback), so modelling
it would mean inventing both. Reference read for the control flow: torvalds/linux
mm/migrate.c as stored by the search tool (a v6.7/6.8-era revision; the full mainline
mirror was beyond the fetch size limit), which already has migrate_pages_sync(), the pass
constants, try_split_folio() and do_pages_move() as modelled here; the later changes
(__migrate_folio()'s order, folio_mc_copy(), nr_split, FOLIO_CONTENT_COPIED) come from the
kernel-offload facts file and the series' public patches.

    move_pages(2)   kernel_move_pages -> do_pages_move        (syscalls.py)
                    lru_cache_disable(); per target node: add_page_for_migration() ...
                    move_pages_and_store_status() -> do_move_pages_to_node(); lru_cache_enable()
    migrate_pages(2) do_migrate_pages -> migrate_to_node       (syscalls.py, mm/mempolicy.c)
      migrate_pages()           batches of NR_MAX_BATCHED_MIGRATION pages; split pieces after
        MIGRATE_ASYNC:          migrate_pages_batch(NR_MAX_MIGRATE_PAGES_RETRY passes)
        other modes:            migrate_pages_sync(): migrate_pages_batch() in MIGRATE_ASYNC
                                (NR_MAX_MIGRATE_ASYNC_RETRY), then each failed folio alone in
                                the caller's mode (NR_MAX_MIGRATE_SYNC_RETRY, no batched flush)
        migrate_pages_batch()
          migrate_folio_unmap()      per folio: alloc dst (-ENOMEM: split a large folio, or
                                     end the batch and migrate_pages()), lock / writeback per
                                     mode, try_to_migrate() (TTU_BATCH_FLUSH in ASYNC only)
          try_to_unmap_flush()       once per batch
          batch copy (RFC v6)        folios_copy() of the batch-eligible folios (offload or
                                     CPU); each copied dst marked FOLIO_CONTENT_COPIED
          migrate_folio_move()       per folio, -EAGAIN retried: __migrate_folio(): refs check,
                                     folio_mc_copy() unless FOLIO_CONTENT_COPIED (the per-folio
                                     fallback), then mapping + flags; PTEs to dst
          migrate_folio_undo_src/dst()    a folio that fails stays mapped at its source

Where each part lives, as in the kernel's tree (the types, as include/linux/mm_types.h,
migrate.h and migrate_mode.h are, sit below in harness/mm_types.py):

    page_alloc.py   mm/page_alloc.c: the buddy allocator per node, folio get/put/free
    rmap.py         mm/rmap.c: try_to_migrate(), try_to_unmap_flush(), remove_migration_ptes()
    migrate.py      mm/migrate.c: isolation, migrate_pages() and everything below it
    huge_memory.py  mm/huge_memory.c: split_folio_to_list()
    swap.py         mm/swap.c: lru_cache_disable() / lru_cache_enable()
    syscalls.py     mm/migrate.c's move_pages(2), mm/mempolicy.c's migrate_pages(2)
    kernel.py       the Kernel object that holds them together, and mmap() for workloads

The Kernel receives its copy path (a ``CopyPath``: see harness/copy_paths.py) and the ranges
no folio may use; ``harness.assemble`` builds device -> driver -> copy path -> kernel.
Validation lives outside the kernel model (harness/validate.py), as does bulk backdoor
access to memory (harness/backdoor.py).

Folios are metadata only; their bytes live in the Device's memory (``dev.mem_read/mem_write``)
and are copied by a copy path (harness/copy_paths.py): the CPU copy model or the DMA engine.
Every software step charges CPU cycles from ``harness.costs.Costs`` as simulated time
(``dev.wait_cycles``); t1..t4 are read from ``dev.now()`` exactly where the seed measured:
t1/t4 around migrate_pages(), t2/t3 around each content copy (the batch copy, and each
per-folio copy of the move phase).

Simplifications (each one on purpose):
  * refcounts: a mapping (one mm mapping the folio) holds 1 reference, isolation 1, a pin 1,
    the page cache nr_pages; a large folio is mapped as a whole (one mapcount per mm) but
    page by page in the page table, so a split changes no PTE;
  * locks: the model's own folio locks are implicit (one CPU); what is modelled is a folio
    someone ELSE holds: ``PG_locked`` / ``PG_writeback`` in its flags ("would block"), which
    MIGRATE_ASYNC gives up on (-EAGAIN / -EBUSY) and the sync modes wait out
    (Costs.folio_wait, after which the flag is gone), as migrate_folio_unmap() does;
  * THP migration is always supported (no split for lack of it), there are no hugetlb
    folios (migrate_hugetlbs() has nothing to do), no deferred-split queue, no KSM, no
    swap cache, no buffer heads, no mlock (FOLIO_WAS_MLOCKED is never set);
  * the batch-eligible folios move before the others within each move pass (RFC v6 moves
    the two lists separately; the order of folios inside a pass has no other effect here);
  * a destination a hung bus master may still write (CopyResult.DST_UNSAFE) is quarantined
    and its folio fails: no kernel counterpart (quarantine_folio());
  * move_pages(2) has no cpuset: every node is allowed unless ``task_nodes`` is given;
    migrate_pages(2) takes node lists instead of nodemasks and has no permission checks.
"""
from __future__ import annotations

from ..mm_types import (
                    EHWPOISON,
                    FOLIO_CONTENT_COPIED,
                    FOLIO_WAS_MAPPED,
                    HPAGE_PMD_ORDER,
                    MAX_PAGE_ORDER,
                    MIGRATE_ASYNC,
                    MIGRATE_SYNC,
                    MIGRATE_SYNC_LIGHT,
                    MIGRATEPAGE_SUCCESS,
                    MIGRATEPAGE_UNMAP,
                    MPOL_MF_MOVE,
                    MPOL_MF_MOVE_ALL,
                    NR_MAX_BATCHED_MIGRATION,
                    NR_MAX_MIGRATE_ASYNC_RETRY,
                    NR_MAX_MIGRATE_PAGES_RETRY,
                    NR_MAX_MIGRATE_SYNC_RETRY,
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
from .syscalls import STATUS_NOT_WRITTEN, MovePagesStatus

__all__ = [
    "BuddyAllocator", "CopyPath", "CopyResult", "EHWPOISON", "FOLIO_CONTENT_COPIED",
    "FOLIO_WAS_MAPPED", "HPAGE_PMD_ORDER", "MAX_PAGE_ORDER", "MIGRATE_ASYNC", "MIGRATE_SYNC",
    "MIGRATE_SYNC_LIGHT", "MIGRATEPAGE_SUCCESS", "MIGRATEPAGE_UNMAP", "MPOL_MF_MOVE",
    "MPOL_MF_MOVE_ALL", "MovePagesStatus", "NR_MAX_BATCHED_MIGRATION",
    "NR_MAX_MIGRATE_ASYNC_RETRY", "NR_MAX_MIGRATE_PAGES_RETRY", "NR_MAX_MIGRATE_SYNC_RETRY",
    "STATUS_NOT_WRITTEN",
    "PAGE_SHIFT", "PAGE_SIZE", "PTE", "VMA", "AddressSpace", "AnonVma", "Folio", "Kernel",
    "MigrateMode", "MigrateReason", "MigrateStats", "MigrationEntry", "MigrationEntryWait",
    "MigrationTargetControl", "MMStruct", "MovableOps", "PageTable", "folio_expected_refs",
    "reason_mask",
]
