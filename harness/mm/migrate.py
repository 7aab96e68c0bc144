"""Page migration (mm/migrate.c of the kernel named in harness/mm/__init__.py): isolation and
putback, migrate_pages() -> migrate_pages_sync() / migrate_pages_batch(), the unmap and move
phases, the batch copy of the offload series (RFC v6) before the per-folio move, large-folio
split on -ENOMEM, undo, and the quarantine of destinations a hung bus master may still write
(the last one has no kernel counterpart: see quarantine_folio())."""
from __future__ import annotations

import errno
from typing import Callable

from ..mm_types import (
    EHWPOISON,
    FOLIO_CONTENT_COPIED,
    FOLIO_WAS_MAPPED,
    HPAGE_PMD_ORDER,
    MIGRATE_ASYNC,
    MIGRATE_FLAGS,
    MIGRATE_SYNC,
    MIGRATE_SYNC_LIGHT,
    MIGRATEPAGE_SUCCESS,
    MIGRATEPAGE_UNMAP,
    NR_MAX_BATCHED_MIGRATION,
    NR_MAX_MIGRATE_ASYNC_RETRY,
    NR_MAX_MIGRATE_PAGES_RETRY,
    NR_MAX_MIGRATE_SYNC_RETRY,
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
        """__folio_migrate_mapping(): freeze the expected references and switch the mapping
        (page-cache slot) to dst; -EAGAIN if someone holds an extra reference (a pin). Called
        after the content copy, so a failed copy never has a mapping to undo."""
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

    async def folio_mc_copy(self, dst: Folio, src: Folio, stats: MigrateStats,
                            copy_path) -> int:
        """mm/util.c folio_mc_copy(): copy page by page with machine-check recovery;
        -EHWPOISON at the first page that cannot be read. A copy that never finished
        (CopyResult.DST_UNSAFE) also fails the folio, and its destination is quarantined."""
        copied = await self._timed_copy(stats, copy_path.folio_copy(dst, src))
        if copied:
            return MIGRATEPAGE_SUCCESS
        if copied is CopyResult.DST_UNSAFE:
            self.quarantine_folio(dst, stats)
        return -EHWPOISON

    # ---------------------------------------------------------------- would-block states
    async def folio_wait(self, folio: Folio, flag: str) -> None:
        """folio_lock() / folio_wait_writeback(): sleep until the other holder lets go. The
        model's other holder lets go after Costs.folio_wait CPU cycles."""
        await self.charge(self.costs.folio_wait)
        folio.flags.discard(flag)

    # ---------------------------------------------------------------- migrate_pages()
    def alloc_migration_target(self, src: Folio, private: MigrationTargetControl) -> Folio | None:
        """get_new_folio for syscalls: a folio of src's order on private.nid."""
        return self.folio_alloc(src.order, private.nid)

    async def migrate_pages(self, from_list: list[Folio],
                            get_new_folio: Callable | None = None, private=None,
                            mode: MigrateMode = MIGRATE_SYNC,
                            reason: MigrateReason = MigrateReason.MR_SYSCALL,
                            stats: MigrateStats | None = None, copy_path=None) -> int:
        """Migrate the isolated folios on ``from_list``. Returns the number of folios not
        migrated (a split large folio counts as one, however its pieces fared; 0 when the
        list ends up empty), or -ENOMEM: then the folios of the batch that ran out of memory
        and every later one were not tried and are all still on ``from_list``.

        Folios that were not migrated are left on ``from_list`` (still isolated: the caller
        puts them back), with the split pieces of a large folio in its place. ``private``:
        a MigrationTargetControl (or a node number) for ``get_new_folio`` (default
        alloc_migration_target). ``stats`` accumulates.

        Batches: folios are taken until their pages reach NR_MAX_BATCHED_MIGRATION; the folio
        that reaches it is included (as in the kernel), so 600 x 4K -> 512 + 88 and a 2 MiB
        folio fills a batch alone. MIGRATE_ASYNC runs each batch through
        migrate_pages_batch() with NR_MAX_MIGRATE_PAGES_RETRY passes, the other modes
        through migrate_pages_sync(). Split pieces get one MIGRATE_ASYNC pass afterwards.
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
        split_folios: list[Folio] = []
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
            if mode == MIGRATE_ASYNC:
                rc = await self.migrate_pages_batch(folios, get_new_folio, private, mode,
                                                    reason, ret_folios, split_folios, stats,
                                                    NR_MAX_MIGRATE_PAGES_RETRY, copy_path)
            else:
                rc = await self.migrate_pages_sync(folios, get_new_folio, private, mode,
                                                   reason, ret_folios, split_folios, stats,
                                                   copy_path)
            ret_folios.extend(folios)
            if rc < 0:
                rc_gather = rc
                ret_folios.extend(split_folios)
                split_folios.clear()
                break
            if split_folios:
                # not counted again: the large folio already counts as one failure
                await self.migrate_pages_batch(split_folios, get_new_folio, private,
                                               MIGRATE_ASYNC, reason, ret_folios, None, stats,
                                               1, copy_path)
                ret_folios.extend(split_folios)
                split_folios.clear()
            rc_gather += rc
        from_list[:0] = ret_folios                       # list_splice(&ret_folios, from)
        if not from_list:
            rc_gather = 0

        stats.t4 = self.dev.now()
        stats.migrate_cycles += stats.t4 - t1
        if rc_gather > 0:
            stats.nr_failed += rc_gather
        return rc_gather

    async def migrate_pages_sync(self, from_list: list[Folio], get_new_folio, private, mode,
                                 reason, ret_folios: list[Folio], split_folios,
                                 stats: MigrateStats, copy_path) -> int:
        """The sync modes: the whole batch in MIGRATE_ASYNC first (NR_MAX_MIGRATE_ASYNC_RETRY
        passes), then every folio that failed there alone, in ``mode``, with
        NR_MAX_MIGRATE_SYNC_RETRY passes (a batch of one: no batched TLB flush, and a
        folio may wait for its lock or writeback without holding other folios' locks).
        Failures of the async attempt are not counted (the folios are retried), except
        split large folios."""
        failed_pages0, thp_failed0 = stats.nr_failed_pages, stats.nr_thp_failed
        thp_split0, split0 = stats.nr_thp_split, stats.nr_split
        folios: list[Folio] = []
        rc = await self.migrate_pages_batch(from_list, get_new_folio, private, MIGRATE_ASYNC,
                                            reason, folios, split_folios, stats,
                                            NR_MAX_MIGRATE_ASYNC_RETRY, copy_path)
        if rc < 0:
            ret_folios.extend(folios)
            return rc
        # the async pass's failures are retried below: keep only its splits as failures
        stats.nr_failed_pages = failed_pages0
        stats.nr_thp_failed = thp_failed0 + (stats.nr_thp_split - thp_split0)
        nr_failed = stats.nr_split - split0
        from_list.extend(folios)                         # list_splice_tail_init(&folios, from)
        while from_list:
            one = [from_list.pop(0)]
            rc = await self.migrate_pages_batch(one, get_new_folio, private, mode, reason,
                                                ret_folios, split_folios, stats,
                                                NR_MAX_MIGRATE_SYNC_RETRY, copy_path)
            ret_folios.extend(one)
            if rc < 0:
                return rc
            nr_failed += rc
        return nr_failed

    async def migrate_pages_batch(self, from_list: list[Folio], get_new_folio, private,
                                  mode, reason, ret_folios: list[Folio], split_folios,
                                  stats: MigrateStats, nr_pass: int, copy_path) -> int:
        """Unmap every folio, flush the TLB once, batch-copy, move. Returns the folios not
        migrated, or -ENOMEM (the unmap loop stopped at a folio with no destination; the
        folios unmapped so far are still moved).

        On return, migrated folios are gone from ``from_list``; folios that failed for good
        are on ``ret_folios``; folios still -EAGAIN after ``nr_pass`` unmap passes, and the
        untried rest after -ENOMEM, stay on ``from_list``; split pieces of large folios are
        on ``split_folios``."""
        stats.nr_batches += 1
        nosplit = reason == MigrateReason.MR_NUMA_MISPLACED
        nr_failed = 0
        rc_saved = 0
        unmapped: list[tuple[Folio, Folio]] = []

        # -- unmap: allocate dst, replace PTEs by migration entries (TLB flush deferred
        #    in MIGRATE_ASYNC)
        retry = 1
        thp_retry = nr_retry_pages = 0
        enomem = False
        for _ in range(nr_pass):
            if not retry:
                break
            retry = thp_retry = nr_retry_pages = 0
            for folio in list(from_list):
                is_large = folio.order > 0
                is_thp = folio.order == HPAGE_PMD_ORDER
                nr_pages = folio.nr_pages
                rc, dst = await self.migrate_folio_unmap(get_new_folio, private, folio, mode,
                                                         reason, ret_folios, stats)
                if rc == -errno.ENOMEM:
                    nr_failed += 1
                    stats.nr_thp_failed += is_thp
                    if is_large and not nosplit and split_folios is not None:
                        ret = await self.try_split_folio(folio, from_list, split_folios, mode)
                        if ret == 0:
                            stats.nr_thp_split += is_thp
                            stats.nr_split += 1
                            continue
                        if reason == MigrateReason.MR_LONGTERM_PIN and ret == -errno.EAGAIN:
                            retry += 1
                            thp_retry += is_thp
                            nr_retry_pages += nr_pages
                            nr_failed -= 1
                            stats.nr_thp_failed -= is_thp
                            continue
                    stats.nr_failed_pages += nr_pages + nr_retry_pages
                    stats.nr_thp_failed += thp_retry
                    rc_saved = rc
                    enomem = True
                    break
                if rc == -errno.EAGAIN:                  # stays on from_list, next pass
                    retry += 1
                    thp_retry += is_thp
                    nr_retry_pages += nr_pages
                    stats.nr_retries += 1
                elif rc == MIGRATEPAGE_SUCCESS:          # freed under us: nothing to move
                    from_list.remove(folio)
                    self._count_success(folio, stats)
                elif rc == MIGRATEPAGE_UNMAP:
                    assert dst is not None
                    from_list.remove(folio)
                    unmapped.append((folio, dst))
                else:                                    # undone onto ret_folios
                    from_list.remove(folio)
                    nr_failed += 1
                    self._count_failure(folio, stats)
            if enomem:
                break
        if not enomem:
            nr_failed += retry
            stats.nr_thp_failed += thp_retry
            stats.nr_failed_pages += nr_retry_pages
        if enomem and not unmapped:
            return rc_saved

        # -- one TLB shootdown for the whole batch
        await self.try_to_unmap_flush(stats)
        if hasattr(copy_path, "batch_start"):
            copy_path.batch_start()                      # its first CPU copy starts cold

        # -- the offload series' batch copy of the batch-eligible folios
        nr_failed += await self.migrate_folios_batch_copy(unmapped, reason, ret_folios,
                                                          stats, copy_path)

        # -- move: migrate_folio_move() per folio, -EAGAIN retried
        retry = 1
        for _ in range(nr_pass):
            if not retry or not unmapped:
                break
            retry = thp_retry = nr_retry_pages = 0
            again = []
            for src, dst in unmapped:
                is_thp = src.order == HPAGE_PMD_ORDER
                rc = await self.migrate_folio_move(dst, src, mode, reason, ret_folios, stats,
                                                   copy_path)
                if rc == MIGRATEPAGE_SUCCESS:
                    self._count_success(src, stats)
                elif rc == -errno.EAGAIN:
                    again.append((src, dst))
                    retry += 1
                    thp_retry += is_thp
                    nr_retry_pages += src.nr_pages
                    stats.nr_retries += 1
                else:
                    nr_failed += 1
                    self._count_failure(src, stats)
            unmapped = again
        if unmapped:
            nr_failed += retry
            stats.nr_thp_failed += thp_retry
            stats.nr_failed_pages += nr_retry_pages
        rc = rc_saved or nr_failed
        # -- out: folios still unmapped go back to their source, onto ret_folios
        await self.migrate_folios_undo(unmapped, ret_folios)
        return rc

    def _count_success(self, folio: Folio, stats: MigrateStats) -> None:
        stats.nr_succeeded += folio.nr_pages
        stats.nr_thp_succeeded += folio.order == HPAGE_PMD_ORDER

    def _count_failure(self, folio: Folio, stats: MigrateStats) -> None:
        stats.nr_failed_pages += folio.nr_pages
        stats.nr_thp_failed += folio.order == HPAGE_PMD_ORDER

    async def try_split_folio(self, folio: Folio, from_list: list[Folio],
                              split_folios: list[Folio], mode) -> int:
        """Lock the large folio (MIGRATE_ASYNC only tries) and split it onto split_folios
        (split_folio_to_list(), mm/huge_memory.c); 0 or -errno (-EAGAIN: pinned / locked)."""
        if "PG_locked" in folio.flags:
            if mode == MIGRATE_ASYNC:
                return -errno.EAGAIN
            await self.folio_wait(folio, "PG_locked")
        rc = await self.split_folio_to_list(folio, split_folios)
        if rc == 0:
            from_list.remove(folio)
            split_folios.append(folio)                   # list_move_tail(head, split_folios)
        return rc

    async def migrate_folio_unmap(self, get_new_folio, private, src: Folio, mode, reason,
                                  ret: list[Folio], stats: MigrateStats | None = None
                                  ) -> tuple[int, Folio | None]:
        """Allocate dst, lock src, wait for its writeback if the mode may, unmap it.
        -> (MIGRATEPAGE_UNMAP, dst) or (rc, None): MIGRATEPAGE_SUCCESS (freed under us),
        -ENOMEM (no dst; src stays on the caller's list), -EAGAIN (locked in
        MIGRATE_ASYNC, or still mapped; stays on the list), -EBUSY (under writeback and the
        mode may not wait; src undone onto ``ret``)."""
        if src.refcount == 1 and src.movable_ops is None:
            # Only our isolation reference is left: the folio was freed from under us.
            src.flags.discard("PG_active")
            await self.migrate_folio_done(src, reason)
            return MIGRATEPAGE_SUCCESS, None

        await self.charge(self.costs.alloc)
        dst = get_new_folio(src, private)
        if dst is None:
            return -errno.ENOMEM, None
        dst.private = 0

        await self.charge(self.costs.unmap)
        rc = -errno.EAGAIN
        page_was_mapped = 0
        if "PG_locked" in src.flags:                     # folio_trylock() failed
            if mode == MIGRATE_ASYNC or (mode == MIGRATE_SYNC_LIGHT
                                         and "PG_uptodate" not in src.flags):
                return await self._unmap_out(src, dst, rc, page_was_mapped, ret)
            await self.folio_wait(src, "PG_locked")     # folio_lock()
        if "PG_writeback" in src.flags:
            if mode != MIGRATE_SYNC:
                return await self._unmap_out(src, dst, -errno.EBUSY, page_was_mapped, ret)
            await self.folio_wait(src, "PG_writeback")  # folio_wait_writeback()

        if src.movable_ops is not None:
            dst.private = page_was_mapped                # __migrate_folio_record()
            return MIGRATEPAGE_UNMAP, dst
        if src.mapcount:
            nr_flushes = self.try_to_migrate(src, batch_flush=mode == MIGRATE_ASYNC)
            page_was_mapped = FOLIO_WAS_MAPPED
            if nr_flushes:                               # no TTU_BATCH_FLUSH: flushed now
                await self.charge(nr_flushes * self.costs.tlb_flush)
                if stats is not None:
                    stats.nr_tlb_flushes += nr_flushes
        if not src.mapcount:
            dst.private = page_was_mapped                # __migrate_folio_record()
            return MIGRATEPAGE_UNMAP, dst
        return await self._unmap_out(src, dst, rc, page_was_mapped, ret)

    async def _unmap_out(self, src, dst, rc, page_was_mapped, ret):
        """migrate_folio_unmap()'s out: label: undo; a -EAGAIN folio stays on its list."""
        await self.migrate_folio_undo_src(src, page_was_mapped,
                                          None if rc == -errno.EAGAIN else ret)
        self.migrate_folio_undo_dst(dst)
        return rc, None

    # ---------------------------------------------------------------- batch copy (RFC v6)
    def folio_batch_copy_eligible(self, src: Folio, reason, copy_path) -> bool:
        """A folio joins the batch copy when the registered copier takes ``reason``, its
        references are the expected ones, and it is not a movable_ops (non-LRU) folio."""
        allowed = getattr(copy_path, "batch_copy_allowed", None)
        return (bool(getattr(copy_path, "batched", False))
                and (allowed is None or allowed(reason))
                and src.movable_ops is None
                and src.refcount == folio_expected_refs(src))

    async def migrate_folios_batch_copy(self, unmapped: list[tuple[Folio, Folio]], reason,
                                        ret_folios, stats: MigrateStats, copy_path) -> int:
        """After the TLB flush: copy the contents of every batch-eligible folio in one
        folios_copy() (the offload_copy() of the registered migrator, or the CPU) and mark
        each dst that was copied FOLIO_CONTENT_COPIED, so that __migrate_folio() skips its
        own copy; a folio that was not copied is copied again, by the CPU, in the move
        phase (the per-folio fallback). Eligible folios move first, the others after them.

        A DST_UNSAFE result (a bus master that could not be stopped may still write dst)
        has no kernel counterpart: the folio fails here, goes back to its source, and dst
        is quarantined. -> folios failed here."""
        batch = [(s, d) for s, d in unmapped if self.folio_batch_copy_eligible(s, reason,
                                                                              copy_path)]
        if not batch:
            return 0
        single = [(s, d) for s, d in unmapped if (s, d) not in batch]
        for src, _ in batch:
            self.assert_no_stale_tlb(src)
        results = await self._timed_copy(stats, copy_path.folios_copy(
            [d for _, d in batch], [s for s, _ in batch], reason))
        nr_failed = 0
        kept = []
        for (src, dst), result in zip(batch, results):
            if result is CopyResult.COPIED:
                dst.private |= FOLIO_CONTENT_COPIED
            elif result is CopyResult.DST_UNSAFE:
                self.quarantine_folio(dst, stats)
                await self.migrate_folio_undo_src(src, dst.private & FOLIO_WAS_MAPPED,
                                                  ret_folios)
                self.migrate_folio_undo_dst(dst)
                nr_failed += 1
                self._count_failure(src, stats)
                continue
            kept.append((src, dst))
        unmapped[:] = kept + single
        return nr_failed

    # ---------------------------------------------------------------- move phase, per folio
    async def migrate_folio_move(self, dst: Folio, src: Folio, mode, reason, ret, stats,
                                 copy_path) -> int:
        """Copy contents (unless the batch copy did) and metadata, restore the PTEs to
        dst, release src. -EAGAIN: src stays unmapped and is retried."""
        page_was_mapped = dst.private & FOLIO_WAS_MAPPED     # __migrate_folio_extract()
        dst.private &= FOLIO_CONTENT_COPIED                  # ... keeps CONTENT_COPIED
        rc = await self.move_to_new_folio(dst, src, mode, stats, copy_path)
        if rc == -errno.EAGAIN:
            dst.private |= page_was_mapped                   # __migrate_folio_record()
            return rc
        if rc != MIGRATEPAGE_SUCCESS:
            await self.migrate_folio_undo_src(src, page_was_mapped, ret)
            self.migrate_folio_undo_dst(dst)
            return rc
        if src.movable_ops is None:
            dst.flags.add("PG_lru")                          # folio_add_lru(dst)
            if page_was_mapped:
                await self.remove_migration_ptes(src, dst)
        dst.private = 0
        self.folio_put(dst)                                  # the allocation reference
        src.rmap.clear()
        stats.moved[src.pfn] = dst.pfn
        if stats.first_folio_cycles is None:
            stats.first_folio_cycles = self.dev.now() - stats.t1
        await self.migrate_folio_done(src, reason)
        return MIGRATEPAGE_SUCCESS

    async def move_to_new_folio(self, dst: Folio, src: Folio, mode, stats, copy_path) -> int:
        if src.movable_ops is None:
            return await self.migrate_folio(dst, src, stats, copy_path)
        # non-LRU movable: the owner's migrate_page() copies (timed as the content copy)
        return await self._timed_copy(stats, src.movable_ops.migrate_page(dst, src, mode))

    async def migrate_folio(self, dst: Folio, src: Folio, stats, copy_path) -> int:
        """migrate_folio() -> __migrate_folio(): check the references, copy the contents
        with folio_mc_copy() (skipped when the batch copy marked dst
        FOLIO_CONTENT_COPIED; the mark is consumed here, so a retry copies afresh), then
        switch the mapping and copy the flags. A failed copy returns before the mapping
        is touched: nothing to undo but the PTEs."""
        already_copied = bool(dst.private & FOLIO_CONTENT_COPIED)
        dst.private &= ~FOLIO_CONTENT_COPIED
        if src.refcount != folio_expected_refs(src):
            return -errno.EAGAIN
        if not already_copied:
            self.assert_no_stale_tlb(src)
            rc = await self.folio_mc_copy(dst, src, stats, copy_path)
            if rc:
                return rc
        rc = await self.folio_migrate_mapping(dst, src)
        if rc != MIGRATEPAGE_SUCCESS:
            return rc
        self.folio_migrate_flags(dst, src)
        return MIGRATEPAGE_SUCCESS

    async def migrate_folio_done(self, src: Folio, reason) -> None:
        """Drop the isolation reference of a folio that is done (src after a move)."""
        await self.charge(self.costs.putback)
        if src.movable_ops is not None:
            src.flags.discard("PG_isolated")
            src.movable_ops = None
        self.folio_put(src)

    # ---------------------------------------------------------------- undo
    async def migrate_folios_undo(self, pairs, ret_folios) -> None:
        """Folios still unmapped at the end of a batch (-EAGAIN after every pass, already
        counted): map the sources back onto ``ret_folios``, free the dsts."""
        for src, dst in pairs:
            await self.migrate_folio_undo_src(src, dst.private & FOLIO_WAS_MAPPED, ret_folios)
            self.migrate_folio_undo_dst(dst)

    async def migrate_folio_undo_src(self, src: Folio, page_was_mapped, ret) -> None:
        """Restore src's PTEs (migration entries -> src again); queue it on ``ret``."""
        if page_was_mapped:
            await self.remove_migration_ptes(src, src)
        if ret is not None:
            ret.append(src)

    def migrate_folio_undo_dst(self, dst: Folio) -> None:
        """Free the unused destination folio (put_new_folio / folio_put); a quarantined one
        keeps its reference and is never freed."""
        dst.private = 0
        dst.mapping = None
        dst.flags.clear()
        if dst in self.quarantined:
            return
        self.folio_put(dst)

    def quarantine_folio(self, dst: Folio, stats: MigrateStats) -> None:
        """Never free ``dst``: a bus master that could not be stopped may still write it.

        No kernel counterpart in mm/migrate.c: the folio keeps its allocation reference for
        the rest of the run (a kernel leaks the pages a hung device may DMA into rather than
        hand them to someone else)."""
        if dst not in self.quarantined:
            self.quarantined.append(dst)
            stats.nr_quarantined += 1
