"""The system calls: mm/migrate.c's move_pages(2) (kernel_move_pages -> do_pages_move /
do_pages_stat) and mm/mempolicy.c's migrate_pages(2) (kernel_migrate_pages ->
do_migrate_pages -> migrate_to_node), with the kernel's return values: per-page results in
status[], the call's own result as its return value.

Simplified: the calling process is the target process (pid 0: no ptrace or LSM checks,
-ESRCH / -EPERM for another task cannot happen), its cpuset's mems_allowed is ``task_nodes``
(default: every node of the machine, all of which have memory), CAP_SYS_NICE is the
``capable`` argument (default: an unprivileged caller), node lists stand for nodemasks, every
VMA is migratable (vma_migratable()), and user memory never faults (put_user() and
get_user() succeed)."""
from __future__ import annotations

import errno

from ..mm_types import (
    MAX_NUMNODES,
    MIGRATE_SYNC,
    MPOL_MF_MOVE,
    MPOL_MF_MOVE_ALL,
    Folio,
    MigrateReason,
    MigrateStats,
    MigrationTargetControl,
    MMStruct,
)

#: what move_pages() puts in status[] before the call: an entry the kernel did not write
#: (the call stopped before it, or its batch failed) keeps it. Not an errno.
STATUS_NOT_WRITTEN = -(1 << 31)


class MovePagesStatus(list):
    """move_pages()'s status[] as user space reads it after the call, with ``ret``: what
    the system call returned (0, the number of pages not migrated, or -errno)."""

    def __init__(self, status, ret: int):
        super().__init__(status)
        self.ret = ret


class Syscalls:
    """The Kernel's system-call side."""

    def folio_maybe_mapped_shared(self, folio: Folio) -> bool:
        """folio_maybe_mapped_shared() (include/linux/mm.h): a small folio mapped more than
        once; a large folio mapped by more than one mm (CONFIG_MM_ID tracks the mms; the
        model reads them from the folio's rmap)."""
        if not folio.is_large:
            return folio.mapcount > 1
        if folio.mapcount <= 1:
            return False
        return len({id(mm) for mm, _ in folio.rmap}) > 1

    def task_nodes(self, task_nodes=None) -> set[int]:
        """cpuset_mems_allowed(): ``task_nodes``, or every node of the machine."""
        return set(range(self.dev.nr_nodes)) if task_nodes is None else set(task_nodes)

    # ------------------------------------------------------------------ move_pages(2)
    async def move_pages(self, mm: MMStruct, pages: list[int], nodes: list[int] | None,
                         stats: MigrateStats | None = None, flags: int = MPOL_MF_MOVE,
                         status: list[int] | None = None, task_nodes=None,
                         capable: bool = False) -> MovePagesStatus:
        """move_pages(2) from user space: ``status`` (default STATUS_NOT_WRITTEN for every
        page) is the array the call writes; -> that array after the call, with ``.ret``
        the call's return value (see kernel_move_pages). ``nodes`` None: the query form
        (do_pages_stat()). ``capable``: the caller has CAP_SYS_NICE."""
        if nodes is not None and len(pages) != len(nodes):
            raise ValueError("pages and nodes differ in length")
        status = [STATUS_NOT_WRITTEN] * len(pages) if status is None else list(status)
        ret = await self.kernel_move_pages(mm, pages, nodes, status,
                                           MigrateStats() if stats is None else stats,
                                           flags, task_nodes, capable)
        return MovePagesStatus(status, ret)

    async def kernel_move_pages(self, mm: MMStruct, pages, nodes, status: list[int],
                                stats: MigrateStats, flags: int = MPOL_MF_MOVE,
                                task_nodes=None, capable: bool = False) -> int:
        """kernel_move_pages(): -EINVAL for flags other than MPOL_MF_MOVE(_ALL), -EPERM for
        MPOL_MF_MOVE_ALL without CAP_SYS_NICE; then do_pages_move(), or do_pages_stat()
        when ``nodes`` is None. -> 0 when every page was handled (status[] says how each
        one fared), the number of pages not migrated when a migrate_pages() call failed
        some (the call stops there: that batch's pages and every later page are not
        written in status[]), or -errno for the whole call: -ENODEV (a target node that
        does not exist or has no memory), -EACCES (a node outside ``task_nodes``, the
        cpuset's mems_allowed; default all)."""
        if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
            return -errno.EINVAL
        if flags & MPOL_MF_MOVE_ALL and not capable:
            return -errno.EPERM
        await self.charge(self.costs.syscall)            # entry + exit
        if nodes is None:
            return self.do_pages_stat(mm, pages, status)
        return await self.do_pages_move(mm, self.task_nodes(task_nodes), pages, nodes,
                                        status, stats, flags)

    def do_pages_stat(self, mm: MMStruct, pages, status: list[int]) -> int:
        """do_pages_stat() -> do_pages_stat_array(): the node of each page's folio, -EFAULT
        (no VMA) or -ENOENT (nothing mapped, or a migration entry) in status[]. -> 0."""
        for i, addr in enumerate(pages):
            if mm.find_vma(addr) is None:
                status[i] = -errno.EFAULT
                continue
            entry = mm.pgtable.lookup(addr)
            folio = self.pfn_folio(entry.pfn) if entry is not None and entry.present else None
            status[i] = folio.node if folio is not None else -errno.ENOENT
        return 0

    async def do_pages_move(self, mm: MMStruct, task_nodes: set[int], pages, nodes,
                            status: list[int], stats: MigrateStats, flags: int) -> int:
        """do_pages_move(): queue pages for one target node until the node changes or a
        page is not queued; then migrate that list (move_pages_and_store_status()). All
        inside lru_cache_disable() / lru_cache_enable(). A node check that fails ends the
        loop at out_flush: the pages queued before it are still migrated (their status
        stored) and the call returns the node's error, not the flush's ("make sure we do
        not overwrite the existing error"). A migrate_pages() failure ends it at out:
        nothing more is migrated."""
        nr_pages = len(pages)
        await self.lru_cache_disable()
        pagelist: list[Folio] = []
        current_node, start, err, i = None, 0, 0, 0
        flush = True
        while i < nr_pages:
            node = nodes[i]
            if not 0 <= node < MAX_NUMNODES or not 0 <= node < self.dev.nr_nodes:
                err = -errno.ENODEV                      # no such node, or !N_MEMORY
                break                                    # goto out_flush
            if node not in task_nodes:
                err = -errno.EACCES
                break
            if current_node is None:
                current_node, start = node, i
            elif node != current_node:
                err = await self.move_pages_and_store_status(current_node, pagelist, status,
                                                             start, i, nr_pages, stats)
                if err:
                    flush = False                        # goto out
                    break
                current_node, start = node, i
            # errors of the lookup or isolation are not fatal: reported in status[]
            err = await self.add_folio_for_migration(mm, pages[i], current_node, pagelist,
                                                     flags & MPOL_MF_MOVE_ALL)
            if err > 0:                                  # queued
                i += 1
                continue
            status[i] = err if err else current_node     # store_status(): never faults here
            err = await self.move_pages_and_store_status(current_node, pagelist, status,
                                                         start, i, nr_pages, stats)
            if err:
                if err > 0:
                    err -= 1                             # page i is accounted for
                flush = False
                break
            current_node = None
            i += 1
        if flush:                                        # out_flush: keep an earlier error
            err1 = await self.move_pages_and_store_status(current_node, pagelist, status,
                                                          start, i, nr_pages, stats)
            if err >= 0:
                err = err1
        await self.lru_cache_enable()
        return err

    async def add_folio_for_migration(self, mm: MMStruct, addr: int, node: int,
                                      pagelist: list[Folio], migrate_all) -> int:
        """add_folio_for_migration(): look the page up (folio_walk_start()) and isolate its
        folio onto pagelist (__add_folio_for_migration()). -> 1 queued, 0 already on
        ``node``, or -errno: -EFAULT no VMA, -ENOENT nothing mapped there (or a migration
        entry: folio_walk_start() is not asked for those), -EACCES mapped shared
        (folio_maybe_mapped_shared()) without MPOL_MF_MOVE_ALL, -EBUSY not isolated (e.g.
        a large folio already isolated through another of its pages). The model has no
        zero page and no ZONE_DEVICE folios (-EFAULT / -ENOENT there)."""
        await self.charge(self.costs.isolate)
        if mm.find_vma(addr) is None:
            return -errno.EFAULT
        entry = mm.pgtable.lookup(addr)
        if entry is None or not entry.present:
            return -errno.ENOENT
        folio = self.pfn_folio(entry.pfn)
        if folio is None:
            return -errno.ENOENT
        return self._add_folio_for_migration(folio, node, pagelist, migrate_all)

    def _add_folio_for_migration(self, folio: Folio, node: int, pagelist: list[Folio],
                                 migrate_all) -> int:
        """__add_folio_for_migration(): the folio's part of add_folio_for_migration()."""
        if folio.node == node:
            return 0
        if self.folio_maybe_mapped_shared(folio) and not migrate_all:
            return -errno.EACCES
        if not self.folio_isolate_lru(folio):
            return -errno.EBUSY
        pagelist.append(folio)
        return 1

    async def move_pages_and_store_status(self, node: int | None, pagelist: list[Folio],
                                          status: list[int], start: int, i: int,
                                          nr_pages: int, stats: MigrateStats) -> int:
        """move_pages_and_store_status(): migrate ``pagelist`` to ``node``; on success store
        ``node`` for pages start..i-1. -> 0, or (migrate_pages() failed some) its return
        plus the pages not yet attempted (nr_pages - i), or its -errno; nothing is stored
        then."""
        if not pagelist or node is None:
            return 0
        err = await self.do_move_pages_to_node(pagelist, node, stats)
        if err:
            if err > 0:
                err += nr_pages - i
            return err
        for j in range(start, i):
            status[j] = node
        return 0

    async def do_move_pages_to_node(self, pagelist: list[Folio], node: int,
                                    stats: MigrateStats) -> int:
        """do_move_pages_to_node(): migrate_pages(MIGRATE_SYNC, MR_SYSCALL); on any
        non-zero return the folios left on the list are put back."""
        err = await self.migrate_pages(pagelist, self.alloc_migration_target,
                                       MigrationTargetControl(node), MIGRATE_SYNC,
                                       MigrateReason.MR_SYSCALL, stats)
        if err:
            await self.putback_movable_pages(pagelist)
        return err

    # ------------------------------------------------------------------ migrate_pages(2)
    async def migrate_pages_syscall(self, mm: MMStruct, old_nodes, new_nodes,
                                    stats: MigrateStats | None = None, task_nodes=None,
                                    capable: bool = False) -> int:
        """migrate_pages(2), kernel_migrate_pages(): move every page of ``mm`` on old_nodes
        to new_nodes (the i-th old node to the i-th new node, as node_remap()).

        -> -EINVAL for a node number a nodemask cannot hold (get_nodes()); -EPERM when a new
        node is outside ``task_nodes`` (cpuset_mems_allowed()) and the caller lacks
        CAP_SYS_NICE (``capable``); -EINVAL when no new node is left inside ``task_nodes``
        (a capable caller's nodes outside it are dropped); else do_migrate_pages() with
        MPOL_MF_MOVE_ALL for a capable caller, MPOL_MF_MOVE otherwise: the number of
        folios not migrated, or migrate_pages()'s -errno. Old nodes are not checked: one
        without pages moves nothing."""
        stats = MigrateStats() if stats is None else stats
        await self.charge(self.costs.syscall)
        allowed = self.task_nodes(task_nodes)
        frm, to = set(old_nodes), set(new_nodes)
        if any(not 0 <= n < MAX_NUMNODES for n in frm | to):
            return -errno.EINVAL
        if not to <= allowed and not capable:
            return -errno.EPERM
        to &= allowed
        if not to:
            return -errno.EINVAL
        return await self.do_migrate_pages(mm, sorted(frm), sorted(to),
                                           MPOL_MF_MOVE_ALL if capable else MPOL_MF_MOVE,
                                           stats)

    async def do_migrate_pages(self, mm: MMStruct, frm, to, flags, stats) -> int:
        """do_migrate_pages(): pick <source, dest> pairs so that a destination is not still
        to be emptied (node_remap(); with node sets of different weights a source that is
        also a destination is skipped), migrate_to_node() each, inside
        lru_cache_disable() / lru_cache_enable(). -> the sum of their results (capped at
        INT_MAX), or the first -errno, which ends the call."""
        await self.lru_cache_disable()
        nr_failed, err = 0, 0
        tmp = list(frm)
        while tmp:
            source, dest = None, None
            for s in tmp:
                if len(frm) != len(to) and s in to:
                    continue
                d = to[frm.index(s) % len(to)]                  # node_remap()
                if s == d:
                    continue
                source, dest = s, d
                if dest not in tmp:
                    break
            if source is None or dest is None:
                break
            tmp.remove(source)
            err = await self.migrate_to_node(mm, source, dest, flags, stats)
            if err > 0:
                nr_failed += err
            if err < 0:
                break
        await self.lru_cache_enable()
        if err < 0:
            return err
        return min(nr_failed, (1 << 31) - 1)

    async def migrate_to_node(self, mm: MMStruct, source: int, dest: int, flags: int,
                              stats: MigrateStats) -> int:
        """migrate_to_node(): isolate every folio of ``mm`` on ``source``
        (queue_pages_range() -> queue_folios_pte_range(), in address order) and migrate
        them (MIGRATE_SYNC, MR_SYSCALL). -> migrate_pages()'s return + the count
        queue_pages_range() reports, or migrate_pages()'s -errno.

        queue_folios_pte_range()'s count, as the kernel keeps it: +1 for each PTE that is a
        migration entry; for a folio that cannot be isolated, +1 per PTE of it in that run
        (folio_pte_batch(): a large folio counts its pages, not 1); a folio mapped shared
        (folio_maybe_mapped_shared()) without MPOL_MF_MOVE_ALL is skipped and not counted;
        a large folio is looked at once per run of its PTEs (qp->large), a small folio at
        each of its PTEs (a second one fails isolation: already isolated)."""
        pagelist: list[Folio] = []
        nr_failed = 0
        large = None                                             # qp->large
        vpns = sorted(mm.pgtable.ptes)
        i = 0
        while i < len(vpns):
            vpn = vpns[i]
            entry = mm.pgtable.ptes[vpn]
            i += 1
            if not entry.present:
                nr_failed += 1                                   # a migration entry
                continue
            folio = self.pfn_folio(entry.pfn)
            if folio is None or folio.node != source:            # queue_folio_required()
                continue
            nr = 1
            while (folio.is_large and i < len(vpns) and vpns[i] == vpn + nr
                   and mm.pgtable.ptes[vpns[i]] == type(entry)(entry.pfn + nr)
                   and entry.pfn + nr < folio.pfn + folio.nr_pages):
                nr += 1                                          # folio_pte_batch()
                i += 1
            if folio.is_large:
                if folio is large:
                    continue
                large = folio
            await self.charge(self.costs.isolate)
            if not self.migrate_folio_add(folio, pagelist, flags):
                nr_failed += nr
        err = 0
        if pagelist:
            err = await self.migrate_pages(pagelist, self.alloc_migration_target,
                                           MigrationTargetControl(dest), MIGRATE_SYNC,
                                           MigrateReason.MR_SYSCALL, stats)
            if err:
                await self.putback_movable_pages(pagelist)
        if err >= 0:
            err += nr_failed
        return err

    def migrate_folio_add(self, folio: Folio, pagelist: list[Folio], flags: int) -> bool:
        """migrate_folio_add() (mm/mempolicy.c): isolate the folio onto ``pagelist`` unless
        it is mapped shared and the caller did not ask for MPOL_MF_MOVE_ALL (skipped, not a
        failure). -> False if it could not be isolated."""
        if flags & MPOL_MF_MOVE_ALL or not self.folio_maybe_mapped_shared(folio):
            if not self.folio_isolate_lru(folio):
                return False
            pagelist.append(folio)
        return True
