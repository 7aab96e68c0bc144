"""Page migration (mm/migrate.c): isolation and putback, migrate_pages() and its batches,
the unmap and move phases (per folio, or the offload series' batched move), undo, and the
quarantine of destinations a hung bus master may still write."""
from __future__ import annotations

import errno
from typing import Callable

from ..mm_types import (
    EHWPOISON,
    HPAGE_PMD_ORDER,
    MIGRATE_FLAGS,
    MIGRATE_SYNC,
    MIGRATEPAGE_SUCCESS,
    MIGRATEPAGE_UNMAP,
    NR_MAX_BATCHED_MIGRATION,
    AddressSpace,
    CopyResult,
    Folio,
    MigrateMode,
    MigrateReason,
    MigrateStats,
    MigrationTargetControl,
    folio_expected_refs,
)


class Migrate:
    """The Kernel's migration side."""

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

