"""Host model of Linux page migration, shaped like mm/migrate.c of ONE kernel.

The kernel followed: **Linux 7.1.5** (Makefile VERSION 7, PATCHLEVEL 1, SUBLEVEL 5), with the
offload series' batch copy (RFC v6: struct migrator, migrate_offload_register(),
FOLIO_CONTENT_COPIED in dst->migrate_info) on top. Read, not recalled:

  * Linux 7.1.5: the whole tree of github.com/danayer/linux-7.1.5 at commit
    9d1745cf8134cb84ec6b15a755a194f6dd32dc08 (mm/ and include/linux/ as imported in its
    first commit 7d33d86d5512a3689a1779cd4af19c3c354e4af0; the later commits touch neither):
    mm/migrate.c (blob 8a64291ab5b4), mm/swap.c (5cc44f0de987), include/linux/swap.h
    (7a09df6977a5), mm/huge_memory.c (3f0466729c75), mm/mempolicy.c (4e4421b22b59), mm/util.c
    (3cc949a0b7ed), include/linux/mm.h (80fce2515930). The same blobs of mm/migrate.c,
    mm/swap.c, mm/mempolicy.c, mm/util.c, include/linux/swap.h and include/linux/mm.h are in
    an independent import of Linux 7.1.3 (github.com/rikudousennin22/linux-7.1.3, commit
    6cc9f19420835e0abb629654a18a9c48f070b495); mm/huge_memory.c differs there by two stable
    fixes outside the split path.
  * The series: mm/migrate.c and mm/migrate_copy_offload.c of github.com/byrnedj/linux at
    commit 9b22ad59a37d09442372324328751d8c0bebfaa8 (a later mainline base; outside the
    series' changes its migrate_pages(), migrate_pages_sync(), migrate_pages_batch(),
    migrate_folio_unmap(), migrate_folio_move() and do_pages_move() read as 7.1.5's). Its
    parts: migrate_should_offload(reason), folio_can_batch_copy(), the unmap_batch /
    unmap_single lists, migrate_offload_batch_copy() after try_to_unmap_flush(), and
    __migrate_folio() consuming FOLIO_CONTENT_COPIED. Whether that tree is byte for byte
    the posted v6 could not be checked (the posting itself is not stored).

Why 7.1 and the series: the harness's fault model needs a content copy that can fail and a
per-folio fallback. 7.1 copies with folio_mc_copy() before switching the mapping in
__migrate_folio() (-EHWPOISON leaves nothing to undo but the PTEs); 7.1.x is the release
line of the series' v6 posting (June 2026) and 7.1.5 the newest of it whose whole tree
could be read (no plain v7.1 tree could be fetched; the full mainline history is beyond
the fetch size limit). The seed's base (v6.8 + RFC v1) has, by the reference facts file
(not read here), a folio_copy() that cannot fail, and v1 has no fallback: modelling it would
mean inventing both.

    move_pages(2)   kernel_move_pages -> do_pages_move        (syscalls.py)
                    lru_cache_disable(); per target node: add_folio_for_migration() ...
                    move_pages_and_store_status() -> do_move_pages_to_node(); lru_cache_enable()
    migrate_pages(2) kernel_migrate_pages -> do_migrate_pages -> migrate_to_node
                                                               (syscalls.py, mm/mempolicy.c)
      migrate_pages()           batches of NR_MAX_BATCHED_MIGRATION pages; split pieces after
        MIGRATE_ASYNC:          migrate_pages_batch(NR_MAX_MIGRATE_PAGES_RETRY passes)
        other modes:            migrate_pages_sync(): migrate_pages_batch() in MIGRATE_ASYNC
                                (NR_MAX_MIGRATE_ASYNC_RETRY), then each failed folio alone in
                                the caller's mode (NR_MAX_MIGRATE_SYNC_RETRY, no batched flush)
        migrate_pages_batch()
          freed under us             a folio whose last reference is ours: done, migrated
          migrate_folio_unmap()      per folio: alloc dst (-ENOMEM: split a large folio, or
                                     end the batch and migrate_pages()), lock / writeback per
                                     mode, try_to_migrate() (TTU_BATCH_FLUSH in ASYNC only);
                                     onto unmap_batch (folio_can_batch_copy()) or unmap_single
          try_to_unmap_flush()       once per batch
          batch copy (the series)    migrate_offload_batch_copy() of unmap_batch (offload or
                                     CPU); each copied dst marked FOLIO_CONTENT_COPIED
          migrate_folios_move()      per pass: unmap_batch, then unmap_single, -EAGAIN retried:
                                     migrate_folio_move() -> __migrate_folio(): refs check,
                                     folio_mc_copy() unless FOLIO_CONTENT_COPIED (the per-folio
                                     fallback), then mapping + flags; PTEs to dst
          migrate_folios_undo()      a folio still unmapped goes back to its source, mapped

Where each part lives, as in the kernel's tree (the types, as include/linux/mm_types.h,
migrate.h and migrate_mode.h are, sit below in harness/mm_types.py):

    page_alloc.py   mm/page_alloc.c: the buddy allocator per node, folio get/put/free
    rmap.py         mm/rmap.c: try_to_migrate(), try_to_unmap_flush(), remove_migration_ptes()
    migrate.py      mm/migrate.c: isolation, migrate_pages() and everything below it
    huge_memory.py  mm/huge_memory.c: split_folio_to_list()
    swap.py         mm/swap.c, include/linux/swap.h: lru_cache_disable() / lru_cache_enable()
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

Simplifications (each one on purpose; each function's docstring names its own):
  * refcounts: a mapping (one mm mapping the folio) holds 1 reference and 1 mapcount,
    isolation 1, a pin 1, the page cache nr_pages; a large folio is mapped as a whole (the
    kernel counts a reference and a mapcount per PTE) but page by page in the page table,
    so a split changes no PTE. folio_expected_ref_count() follows the same rule, so every
    "only the expected references" check of the kernel holds in the model;
  * locks: the model's own folio locks are implicit (one CPU); what is modelled is a folio
    someone ELSE holds: ``PG_locked`` / ``PG_writeback`` in its flags ("would block"), which
    MIGRATE_ASYNC gives up on (-EAGAIN / -EBUSY) and the sync modes wait out
    (Costs.folio_wait, after which the flag is gone), as migrate_folio_unmap() does;
  * THP migration is always supported (no split for lack of it), there are no hugetlb
    folios (migrate_hugetlbs() has nothing to do), no deferred-split queue, no KSM, no
    swap cache, no buffer heads, no mlock (FOLIO_WAS_MLOCKED is never set), no zero page,
    no ZONE_DEVICE memory, no PF_MEMALLOC caller;
  * the batch copy runs when the copy path says so (``batched`` and
    ``batch_copy_allowed(reason)``, harness/copy_paths.py): batch_cpu, with no migrator,
    batch-copies every reason with the CPU, the seed's "batch, CPU copy" configuration
    (the series batch-copies only for a registered migrator's reasons);
  * a destination a hung bus master may still write (CopyResult.DST_UNSAFE) is quarantined
    and its folio fails: no kernel counterpart (quarantine_folio());
  * the system calls act on the calling process (pid 0), with ``task_nodes`` for its
    cpuset and ``capable`` for CAP_SYS_NICE; node lists stand for nodemasks; user memory
    never faults (syscalls.py).
"""
from __future__ import annotations

from ..mm_types import (
                    EHWPOISON,
                    FOLIO_CONTENT_COPIED,
                    FOLIO_WAS_MAPPED,
                    HPAGE_PMD_ORDER,
                    MAX_NUMNODES,
                    MAX_PAGE_ORDER,
                    MIGRATE_ASYNC,
                    MIGRATE_SYNC,
                    MIGRATE_SYNC_LIGHT,
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
                    folio_expected_ref_count,
                    reason_mask,
)
from .kernel import Kernel
from .page_alloc import BuddyAllocator
from .syscalls import STATUS_NOT_WRITTEN, MovePagesStatus

__all__ = [
    "BuddyAllocator", "CopyPath", "CopyResult", "EHWPOISON", "FOLIO_CONTENT_COPIED",
    "FOLIO_WAS_MAPPED", "HPAGE_PMD_ORDER", "MAX_PAGE_ORDER", "MIGRATE_ASYNC", "MIGRATE_SYNC",
    "MIGRATE_SYNC_LIGHT", "MAX_NUMNODES", "MPOL_MF_MOVE",
    "MPOL_MF_MOVE_ALL", "MovePagesStatus", "NR_MAX_BATCHED_MIGRATION",
    "NR_MAX_MIGRATE_ASYNC_RETRY", "NR_MAX_MIGRATE_PAGES_RETRY", "NR_MAX_MIGRATE_SYNC_RETRY",
    "STATUS_NOT_WRITTEN",
    "PAGE_SHIFT", "PAGE_SIZE", "PTE", "VMA", "AddressSpace", "AnonVma", "Folio", "Kernel",
    "MigrateMode", "MigrateReason", "MigrateStats", "MigrationEntry", "MigrationEntryWait",
    "MigrationTargetControl", "MMStruct", "MovableOps", "PageTable", "folio_expected_ref_count",
    "reason_mask",
]
