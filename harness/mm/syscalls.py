"""The system calls: mm/migrate.c's move_pages(2) (kernel_move_pages -> do_pages_move) and
mm/mempolicy.c's migrate_pages(2) (do_migrate_pages -> migrate_to_node), with the kernel's
return values: per-page results in status[], the call's own result as its return value."""
from __future__ import annotations

import errno

from ..mm_types import (
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

    # ------------------------------------------------------------------ move_pages(2)
    async def move_pages(self, mm: MMStruct, pages: list[int], nodes: list[int],
                         stats: MigrateStats | None = None, flags: int = MPOL_MF_MOVE,
                         status: list[int] | None = None,
                         task_nodes=None) -> MovePagesStatus:
        """move_pages(2) from user space: ``status`` (default STATUS_NOT_WRITTEN for every
        page) is the array the call writes; -> that array after the call, with ``.ret``
        the call's return value (see kernel_move_pages)."""
        if len(pages) != len(nodes):
            raise ValueError("pages and nodes differ in length")
        status = [STATUS_NOT_WRITTEN] * len(pages) if status is None else list(status)
        ret = await self.kernel_move_pages(mm, pages, nodes, status,
                                           MigrateStats() if stats is None else stats,
                                           flags, task_nodes)
        return MovePagesStatus(status, ret)

    async def kernel_move_pages(self, mm: MMStruct, pages, nodes, status: list[int],
                                stats: MigrateStats, flags: int = MPOL_MF_MOVE,
                                task_nodes=None) -> int:
        """-> 0 when every page was handled (status[] says how each one fared), the number
        of pages not migrated when a migrate_pages() call failed some (the call stops
        there: that batch's pages and every later page are not written in status[]), or
        -errno for the call: -EINVAL (flags), -ENODEV (a target node that does not exist),
        -EACCES (a node outside ``task_nodes``, the cpuset's mems_allowed; default all)."""
        if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
            return -errno.EINVAL
        await self.charge(self.costs.syscall)            # entry + exit
        return await self.do_pages_move(mm, pages, nodes, status, stats, flags, task_nodes)

    async def do_pages_move(self, mm: MMStruct, pages, nodes, status: list[int],
                            stats: MigrateStats, flags: int, task_nodes=None) -> int:
        """Queue pages for one target node until the node changes or a page is not queued;
        then migrate that list (move_pages_and_store_status). All inside
        lru_cache_disable() / lru_cache_enable()."""
        nr_pages = len(pages)
        await self.lru_cache_disable()
        pagelist: list[Folio] = []
        current_node, start, err, i = None, 0, 0, 0
        flush = True
        while i < nr_pages:
            node = nodes[i]
            if not 0 <= node < self.dev.nr_nodes:
                err = -errno.ENODEV                      # goto out_flush
                break
            if task_nodes is not None and node not in task_nodes:
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
            err = await self.add_page_for_migration(mm, pages[i], current_node, pagelist,
                                                    flags & MPOL_MF_MOVE_ALL)
            if err > 0:                                  # queued
                i += 1
                continue
            status[i] = err if err else current_node
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

    async def add_page_for_migration(self, mm: MMStruct, addr: int, node: int,
                                     pagelist: list[Folio], migrate_all) -> int:
        """Look the page up and isolate its folio onto pagelist: 1, or 0 if it already is on
        ``node``, or -errno (-EFAULT no VMA, -ENOENT nothing mapped, -EACCES shared without
        MPOL_MF_MOVE_ALL, -EBUSY not isolated, e.g. already on the list)."""
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

    async def move_pages_and_store_status(self, node: int | None, pagelist: list[Folio],
                                          status: list[int], start: int, i: int,
                                          nr_pages: int, stats: MigrateStats) -> int:
        """Migrate ``pagelist`` to ``node``; on success store ``node`` for pages start..i-1.
        -> 0, or (migrate_pages() failed some) its return plus the pages not yet attempted
        (nr_pages - i), or -errno; nothing is stored then."""
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
        err = await self.migrate_pages(pagelist, self.alloc_migration_target,
                                       MigrationTargetControl(node), MIGRATE_SYNC,
                                       MigrateReason.MR_SYSCALL, stats)
        if err:
            await self.putback_movable_pages(pagelist)
        return err

    # ------------------------------------------------------------------ migrate_pages(2)
    async def migrate_pages_syscall(self, mm: MMStruct, old_nodes, new_nodes,
                                    stats: MigrateStats | None = None,
                                    flags: int = MPOL_MF_MOVE) -> int:
        """migrate_pages(2): move every page of ``mm`` on old_nodes to new_nodes (the i-th
        old node to the i-th new node, as node_remap()). -> the number of folios not
        migrated (do_migrate_pages()'s nr_failed: migrate_pages() returns plus folios that
        could not be isolated), or -errno (-EINVAL: a node that does not exist; a
        migrate_pages() error such as -ENOMEM ends the call)."""
        stats = MigrateStats() if stats is None else stats
        await self.charge(self.costs.syscall)
        frm, to = sorted(set(old_nodes)), sorted(set(new_nodes))
        for n in frm + to:
            if not 0 <= n < self.dev.nr_nodes:
                return -errno.EINVAL
        return await self.do_migrate_pages(mm, frm, to, flags, stats)

    async def do_migrate_pages(self, mm: MMStruct, frm, to, flags, stats) -> int:
        await self.lru_cache_disable()
        nr_failed, err = 0, 0
        tmp = list(frm)
        while tmp and to:
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
        return err if err < 0 else nr_failed

    async def migrate_to_node(self, mm: MMStruct, source: int, dest: int, flags: int,
                              stats: MigrateStats) -> int:
        """Isolate every folio of ``mm`` on ``source`` (queue_pages_range(): a folio mapped
        by more than one mm is skipped without MPOL_MF_MOVE_ALL and not counted; one that
        cannot be isolated counts as failed) and migrate them. -> migrate_pages()'s
        return + the folios not isolated, or its -errno."""
        pagelist: list[Folio] = []
        seen: set[int] = set()
        nr_failed = 0
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
            else:
                nr_failed += 1
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
