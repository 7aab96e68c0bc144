"""The system calls (mm/migrate.c's move_pages(2), mm/mempolicy.c's migrate_pages(2)):
per-page isolation onto a list, migrate_pages() per target node, putback, status."""
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


class Syscalls:
    """The Kernel's system-call side."""

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

