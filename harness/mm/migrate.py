"""Page migration, mm/migrate.c of the kernel named in harness/mm/__init__.py (Linux 7.1.5,
with the offload series' batch copy): isolation and putback, migrate_pages() ->
migrate_pages_sync() / migrate_pages_batch(), the unmap and move steps, the batch copy before
the per-folio move, large-folio split on -ENOMEM, undo, and the quarantine of destinations a
hung bus master may still write (the last one has no kernel counterpart: see
quarantine_folio()). Functions carry the kernel's names; where they simplify, their
docstrings say what and why."""
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
    folio_expected_ref_count,
)


class Migrate:
    """The Kernel's migration side."""

    # ---------------------------------------------------------------- isolation
    def folio_isolate_lru(self, folio: Folio) -> bool:
        """folio_isolate_lru() (mm/vmscan.c): take an LRU folio off its LRU with a
        reference; False if it is not on an LRU (already isolated, or not an LRU folio)."""
        if folio.movable_ops is not None or "PG_lru" not in folio.flags:
            return False
        folio.flags.discard("PG_lru")
        self.folio_get(folio)
        return True

    def isolate_movable_ops_page(self, folio: Folio, mode=MIGRATE_SYNC) -> bool:
        """isolate_movable_ops_page(): a non-LRU movable folio, isolated through its owner's
        isolate_page() and marked isolated, with a reference."""
        if folio.movable_ops is None or "PG_isolated" in folio.flags:
            return False
        if not folio.movable_ops.isolate_page(folio, mode):
            return False
        folio.flags.add("PG_isolated")
        self.folio_get(folio)
        return True

    def isolate_folio(self, folio: Folio) -> bool:
        """isolate_folio_to_list() without the list (callers keep their own): the
        movable_ops page or the LRU folio isolation, whichever fits the folio."""
        if folio.movable_ops is not None:
            return self.isolate_movable_ops_page(folio)
        return self.folio_isolate_lru(folio)

    async def putback_movable_pages(self, folios: list[Folio]) -> None:
        """Return isolated folios that were not migrated to their LRU / owner
        (putback_movable_ops_page() or folio_putback_lru(), each dropping the isolation
        reference)."""
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
        """__folio_migrate_mapping(): freeze the expected references (-EAGAIN if someone
        holds an extra one, a pin) and switch the page-cache slot and its references to
        dst; an anonymous folio only hands over index and mapping. Called after the content
        copy (__migrate_folio()), so a failed copy never has a mapping to undo."""
        await self.charge(self.costs.metadata)
        if src.refcount != folio_expected_ref_count(src) + 1:       # folio_ref_freeze()
            return -errno.EAGAIN
        dst.anon = src.anon
        dst.index = src.index
        dst.mapping = src.mapping
        if not src.anon and isinstance(src.mapping, AddressSpace):
            src.mapping.i_pages[src.index] = dst
            dst.refcount += src.nr_pages                            # folio_ref_add(dst, nr)
            src.refcount -= src.nr_pages                            # folio_ref_unfreeze()
        return 0

    def folio_migrate_flags(self, dst: Folio, src: Folio) -> None:
        """folio_migrate_flags(): the flags that carry over (MIGRATE_FLAGS); PG_active is
        moved, not copied (folio_test_clear_active(src))."""
        dst.flags |= src.flags & MIGRATE_FLAGS
        src.flags.discard("PG_active")

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
        """folio_mc_copy() (mm/util.c): copy page by page with machine-check recovery;
        -EHWPOISON at the first page that cannot be read. A copy that never finished
        (CopyResult.DST_UNSAFE, no kernel counterpart) also fails the folio, and its
        destination is quarantined."""
        copied = await self._timed_copy(stats, copy_path.folio_copy(dst, src))
        if copied:
            return 0
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
        """migrate_pages(): migrate the isolated folios on ``from_list``. Returns the number
        of folios not migrated (a split large folio counts as one, however its pieces fared;
        0 when the list ends up empty), or -ENOMEM: the batch that ran out of memory moved
        the folios it had unmapped before; its untried folios and every later batch's are
        still on ``from_list``.

        Folios that were not migrated are left on ``from_list`` (still isolated: the caller
        puts them back), the permanent failures first (list_splice(&ret_folios, from)), the
        pieces of a split large folio among them. ``private``: a MigrationTargetControl (or
        a node number) for ``get_new_folio`` (default alloc_migration_target). ``stats``
        accumulates.

        Batches: folios are taken until their pages reach NR_MAX_BATCHED_MIGRATION; the folio
        that reaches it is included (list_cut_before() at the next one), so 600 x 4K -> 512 +
        88 and a 2 MiB folio fills a batch alone. MIGRATE_ASYNC runs each batch through
        migrate_pages_batch() with NR_MAX_MIGRATE_PAGES_RETRY passes, the other modes
        through migrate_pages_sync(). Split pieces get one MIGRATE_ASYNC pass afterwards,
        whose failures are not counted. The model has no hugetlb folios:
        migrate_hugetlbs() would have nothing to do.
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
        """migrate_pages_sync(): the whole batch in MIGRATE_ASYNC first
        (NR_MAX_MIGRATE_ASYNC_RETRY passes), then every folio that failed there alone, in
        ``mode``, with NR_MAX_MIGRATE_SYNC_RETRY passes (a batch of one: no batched TLB
        flush, and a folio may wait for its lock or writeback without holding other
        folios' locks). Of the async attempt, the successes and splits count (a split large
        folio as one failed folio, and nr_thp_failed for a THP), not its failures: those
        folios are retried. The kernel counts the async attempt in a separate
        migrate_pages_stats and adds what counts; the model counts in place and takes back
        what does not (its own counters, nr_retries and the like, keep everything)."""
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
        """migrate_pages_batch(): unmap every folio (up to ``nr_pass`` passes for -EAGAIN),
        flush the TLB once, batch-copy the eligible folios (the offload series), move (up to
        ``nr_pass`` passes for -EAGAIN). Returns the folios not migrated, or -ENOMEM (the
        unmap loop stopped at a folio with no destination; the folios unmapped so far are
        still moved).

        On return, migrated folios are gone from ``from_list``; folios that failed for good
        are on ``ret_folios``; folios still -EAGAIN after ``nr_pass`` unmap passes, and the
        untried rest after -ENOMEM, stay on ``from_list``; the pieces of a split large folio
        are on ``split_folios``.

        Per folio, in the kernel's order: a folio whose isolation reference is the last one
        was freed under us (counted as migrated); otherwise migrate_folio_unmap(), whose
        -ENOMEM splits a large folio (try_split_folio(), not for MR_NUMA_MISPLACED; a
        MR_LONGTERM_PIN split that gets -EAGAIN is retried) or ends the loop. An unmapped
        folio goes on the batch list if the batch copy is on for ``reason``
        (migrate_should_offload()) and folio_can_batch_copy() says so, else on the single
        list; each move pass moves the batch list, then the single list.

        Not modelled: the deferred-split queue (a partially mapped folio split on sight) and
        architectures without THP migration (a PMD-sized folio split on sight): the model
        has neither."""
        stats.nr_batches += 1
        nosplit = reason == MigrateReason.MR_NUMA_MISPLACED
        offload = self.migrate_should_offload(reason, copy_path)
        nr_failed = 0
        rc_saved = 0
        unmap_batch: list[tuple[Folio, Folio]] = []       # unmap_batch / dst_batch
        unmap_single: list[tuple[Folio, Folio]] = []      # unmap_single / dst_single

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
                is_thp = self.folio_test_pmd_mappable(folio)
                nr_pages = folio.nr_pages
                if folio.movable_ops is None and folio.refcount == 1:
                    # we hold the last reference: the folio was freed from under us
                    folio.flags -= {"PG_active", "PG_unevictable"}
                    from_list.remove(folio)
                    await self.migrate_folio_done(folio, reason)
                    self._count_success(folio, stats)
                    continue
                rc, dst = await self.migrate_folio_unmap(get_new_folio, private, folio, mode,
                                                         ret_folios, stats)
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
                            nr_failed -= 1                  # undo duplicated failure counting
                            stats.nr_thp_failed -= is_thp
                            continue
                    stats.nr_failed_pages += nr_pages + nr_retry_pages
                    stats.nr_thp_failed += thp_retry       # nr_failed isn't updated: not used
                    rc_saved = rc
                    enomem = True
                    break
                if rc == -errno.EAGAIN:                  # stays on from_list, next pass
                    retry += 1
                    thp_retry += is_thp
                    nr_retry_pages += nr_pages
                    stats.nr_retries += 1
                elif rc == 0:
                    assert dst is not None
                    from_list.remove(folio)
                    if offload and self.folio_can_batch_copy(folio):
                        unmap_batch.append((folio, dst))
                    else:
                        unmap_single.append((folio, dst))
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
        if enomem and not unmap_batch and not unmap_single:
            return rc_saved                              # goto out: nothing to undo

        # -- move: one TLB shootdown for the whole batch
        await self.try_to_unmap_flush(stats)
        if hasattr(copy_path, "batch_start"):
            copy_path.batch_start()                      # its first CPU copy starts cold

        # -- the offload series' batch copy of the batch list
        if unmap_batch:
            nr_failed += await self.migrate_offload_batch_copy(unmap_batch, reason,
                                                               ret_folios, stats, copy_path)

        # -- migrate_folios_move() per list, per pass, -EAGAIN retried
        retry = 1
        for _ in range(nr_pass):
            if not retry:
                break
            retry = thp_retry = nr_retry_pages = 0
            for unmapped in (unmap_batch, unmap_single):
                r, t, n, f = await self.migrate_folios_move(unmapped, mode, reason,
                                                            ret_folios, stats, copy_path)
                retry, thp_retry, nr_retry_pages = retry + r, thp_retry + t, nr_retry_pages + n
                nr_failed += f
        nr_failed += retry
        stats.nr_thp_failed += thp_retry
        stats.nr_failed_pages += nr_retry_pages
        rc = rc_saved or nr_failed
        # -- out: folios still unmapped go back to their source, onto ret_folios
        await self.migrate_folios_undo(unmap_batch, ret_folios)
        await self.migrate_folios_undo(unmap_single, ret_folios)
        return rc

    async def migrate_folios_move(self, unmapped: list[tuple[Folio, Folio]], mode, reason,
                                  ret_folios, stats: MigrateStats, copy_path):
        """migrate_folios_move(): migrate_folio_move() for each unmapped folio; migrated and
        failed ones leave ``unmapped``, -EAGAIN ones stay for the next pass.
        -> (retry, thp_retry, nr_retry_pages, nr_failed) of this pass."""
        retry = thp_retry = nr_retry_pages = nr_failed = 0
        for src, dst in list(unmapped):
            is_thp = self.folio_test_pmd_mappable(src)
            rc = await self.migrate_folio_move(dst, src, mode, reason, ret_folios, stats,
                                               copy_path)
            if rc == -errno.EAGAIN:
                retry += 1
                thp_retry += is_thp
                nr_retry_pages += src.nr_pages
                stats.nr_retries += 1
                continue
            unmapped.remove((src, dst))
            if rc == 0:
                self._count_success(src, stats)
            else:
                nr_failed += 1
                self._count_failure(src, stats)
        return retry, thp_retry, nr_retry_pages, nr_failed

    @staticmethod
    def folio_test_pmd_mappable(folio: Folio) -> bool:
        """folio_test_pmd_mappable(): at least PMD-sized (what the THP counters count)."""
        return folio.order >= HPAGE_PMD_ORDER

    def _count_success(self, folio: Folio, stats: MigrateStats) -> None:
        stats.nr_succeeded += folio.nr_pages
        stats.nr_thp_succeeded += self.folio_test_pmd_mappable(folio)

    def _count_failure(self, folio: Folio, stats: MigrateStats) -> None:
        stats.nr_failed_pages += folio.nr_pages
        stats.nr_thp_failed += self.folio_test_pmd_mappable(folio)

    async def try_split_folio(self, folio: Folio, from_list: list[Folio],
                              split_folios: list[Folio], mode) -> int:
        """try_split_folio(): lock the large folio (MIGRATE_ASYNC only tries: -EAGAIN if
        someone else holds it) and split it to order 0 (split_folio_to_list(),
        mm/huge_memory.c): the tails go onto ``split_folios``, then the head
        (list_move_tail()). -> 0 or split_folio_to_list()'s -errno."""
        if "PG_locked" in folio.flags:
            if mode == MIGRATE_ASYNC:
                return -errno.EAGAIN
            await self.folio_wait(folio, "PG_locked")
        rc = await self.split_folio_to_list(folio, split_folios)
        if rc == 0:
            from_list.remove(folio)
            split_folios.append(folio)                   # list_move_tail(head, split_folios)
        return rc

    async def migrate_folio_unmap(self, get_new_folio, private, src: Folio, mode,
                                  ret: list[Folio], stats: MigrateStats | None = None
                                  ) -> tuple[int, Folio | None]:
        """migrate_folio_unmap(): allocate dst, lock src, wait for its writeback if the mode
        may, replace its PTEs by migration entries. -> (0, dst) unmapped, or (rc, None):
        -ENOMEM (no dst; src stays on the caller's list), -EAGAIN (locked by someone else
        and the mode may not wait, or still mapped; src stays on the list), -EBUSY (under
        writeback and the mode is not MIGRATE_SYNC; src undone onto ``ret``).

        Not modelled: PF_MEMALLOC callers (direct compaction, which may not wait for a
        lock), mlocked folios (FOLIO_WAS_MLOCKED), anon_vma references, and mapping-less
        folios with buffers to free: the model has none of them."""
        await self.charge(self.costs.alloc)
        dst = get_new_folio(src, private)
        if dst is None:
            return -errno.ENOMEM, None
        dst.private = 0

        await self.charge(self.costs.unmap)
        rc = -errno.EAGAIN
        old_folio_state = 0
        if "PG_locked" in src.flags:                     # folio_trylock() failed
            if mode == MIGRATE_ASYNC or (mode == MIGRATE_SYNC_LIGHT
                                         and "PG_uptodate" not in src.flags):
                return await self._unmap_out(src, dst, rc, old_folio_state, ret)
            await self.folio_wait(src, "PG_locked")     # folio_lock()
        if "PG_writeback" in src.flags:
            if mode != MIGRATE_SYNC:
                return await self._unmap_out(src, dst, -errno.EBUSY, old_folio_state, ret)
            await self.folio_wait(src, "PG_writeback")  # folio_wait_writeback()

        if src.movable_ops is not None:
            dst.private = old_folio_state                # __migrate_folio_record()
            return 0, dst
        if src.mapcount:
            nr_flushes = self.try_to_migrate(src, batch_flush=mode == MIGRATE_ASYNC)
            old_folio_state |= FOLIO_WAS_MAPPED
            if nr_flushes:                               # no TTU_BATCH_FLUSH: flushed now
                await self.charge(nr_flushes * self.costs.tlb_flush)
                if stats is not None:
                    stats.nr_tlb_flushes += nr_flushes
        if not src.mapcount:
            dst.private = old_folio_state                # __migrate_folio_record()
            return 0, dst
        return await self._unmap_out(src, dst, rc, old_folio_state, ret)

    async def _unmap_out(self, src, dst, rc, old_folio_state, ret):
        """migrate_folio_unmap()'s out: label: undo; a -EAGAIN folio stays on its list."""
        await self.migrate_folio_undo_src(src, old_folio_state & FOLIO_WAS_MAPPED,
                                          None if rc == -errno.EAGAIN else ret)
        self.migrate_folio_undo_dst(dst)
        return rc, None

    # ---------------------------------------------------------------- batch copy (series)
    def migrate_should_offload(self, reason, copy_path) -> bool:
        """migrate_should_offload(reason): the batch copy is on for ``reason``. The series:
        a migrator is registered and its reason mask holds ``reason``. The model asks the
        copy path (harness/copy_paths.py): ``batched`` and ``batch_copy_allowed(reason)``,
        which for batch_cpu (no migrator) is every reason: the seed's "batch, CPU copy"
        configuration, which the series reaches only through a registered migrator."""
        allowed = getattr(copy_path, "batch_copy_allowed", None)
        return (bool(getattr(copy_path, "batched", False))
                and (allowed is None or bool(allowed(reason))))

    def folio_can_batch_copy(self, folio: Folio) -> bool:
        """folio_can_batch_copy() (the series): not a movable_ops folio, no PG_private (no
        buffer heads or other private data a copy ahead of migrate_folio() would bypass),
        and only the expected references (a GUP pin could write src between the batch copy
        and the move). The series also refuses mappings whose migrate_folio() is not one of
        the generic ones: the model's page cache uses the generic one."""
        if folio.movable_ops is not None or "PG_private" in folio.flags:
            return False
        return folio.refcount == folio_expected_ref_count(folio) + 1

    async def migrate_offload_batch_copy(self, batch: list[tuple[Folio, Folio]], reason,
                                         ret_folios, stats: MigrateStats, copy_path) -> int:
        """migrate_offload_batch_copy(dst_batch, unmap_batch, nr_batch) (the series): after
        the TLB flush, copy the contents of the batch list in one folios_copy() (the
        registered migrator's offload_copy(), or the CPU) and mark each dst that was copied
        FOLIO_CONTENT_COPIED, so that __migrate_folio() skips its own copy; a folio that was
        not copied is copied again, by the CPU, in the move step (the per-folio fallback).
        The series ignores the call's return value; so does the model.

        A DST_UNSAFE result (a bus master that could not be stopped may still write dst)
        has no kernel counterpart: the folio fails here, goes back to its source, and dst
        is quarantined. -> folios failed here."""
        for src, _ in batch:
            self.assert_no_stale_tlb(src)
        results = await self._timed_copy(stats, copy_path.folios_copy(
            [d for _, d in batch], [s for s, _ in batch], reason))
        nr_failed = 0
        for (src, dst), result in zip(list(batch), results):
            if result is CopyResult.COPIED:
                dst.private |= FOLIO_CONTENT_COPIED
            elif result is CopyResult.DST_UNSAFE:
                self.quarantine_folio(dst, stats)
                await self.migrate_folio_undo_src(src, dst.private & FOLIO_WAS_MAPPED,
                                                  ret_folios)
                self.migrate_folio_undo_dst(dst)
                batch.remove((src, dst))
                nr_failed += 1
                self._count_failure(src, stats)
        return nr_failed

    # ---------------------------------------------------------------- move step, per folio
    async def migrate_folio_move(self, dst: Folio, src: Folio, mode, reason, ret, stats,
                                 copy_path) -> int:
        """migrate_folio_move(): copy contents (unless the batch copy did) and metadata,
        restore the PTEs to dst (a movable_ops folio: its owner's migrate_page() instead),
        release src. -> 0, -EAGAIN (src stays unmapped, dst keeps its record, retried), or
        -errno (src undone onto ``ret``, dst freed)."""
        old_folio_state = dst.private & FOLIO_WAS_MAPPED      # __migrate_folio_extract():
        dst.private &= FOLIO_CONTENT_COPIED                   # ... keeps CONTENT_COPIED
        if src.movable_ops is not None:
            # migrate_movable_ops_page(): the owner's migrate_page() copies (timed as the
            # content copy); no LRU, no PTEs
            rc = await self._timed_copy(stats, src.movable_ops.migrate_page(dst, src, mode))
        else:
            rc = await self.move_to_new_folio(dst, src, mode, stats, copy_path)
        if rc == -errno.EAGAIN:
            dst.private = old_folio_state                     # __migrate_folio_record()
            return rc
        if rc:
            await self.migrate_folio_undo_src(src, old_folio_state, ret)
            self.migrate_folio_undo_dst(dst)
            return rc
        if src.movable_ops is None:
            dst.flags.add("PG_lru")                           # folio_add_lru(dst)
            if old_folio_state & FOLIO_WAS_MAPPED:
                await self.remove_migration_ptes(src, dst)
        dst.private = 0
        self.folio_put(dst)                                   # the allocation reference
        src.rmap.clear()
        stats.moved[src.pfn] = dst.pfn
        if stats.first_folio_cycles is None:
            stats.first_folio_cycles = self.dev.now() - stats.t1
        await self.migrate_folio_done(src, reason)
        return 0

    async def move_to_new_folio(self, dst: Folio, src: Folio, mode, stats, copy_path) -> int:
        """move_to_new_folio(): an LRU folio's migrate_folio() (anonymous: migrate_folio();
        the model's page cache: filemap_migrate_folio(), the same __migrate_folio()); on
        success a page-cache src loses its mapping."""
        rc = await self.migrate_folio(dst, src, stats, copy_path)
        if rc == 0 and not src.anon:
            src.mapping = None
        return rc

    async def migrate_folio(self, dst: Folio, src: Folio, stats, copy_path) -> int:
        """migrate_folio() -> __migrate_folio() (the series' version): consume dst's
        FOLIO_CONTENT_COPIED mark (so a retry copies afresh), check src's references
        (-EAGAIN), copy the contents with folio_mc_copy() unless the mark was there, then
        switch the mapping (__folio_migrate_mapping()) and copy the flags. A failed copy
        returns before the mapping is touched: nothing to undo but the PTEs."""
        already_copied = bool(dst.private & FOLIO_CONTENT_COPIED)
        dst.private &= ~FOLIO_CONTENT_COPIED
        if src.refcount != folio_expected_ref_count(src) + 1:
            return -errno.EAGAIN
        if not already_copied:
            self.assert_no_stale_tlb(src)
            rc = await self.folio_mc_copy(dst, src, stats, copy_path)
            if rc:
                return rc
        rc = await self.folio_migrate_mapping(dst, src)
        if rc:
            return rc
        self.folio_migrate_flags(dst, src)
        return 0

    async def migrate_folio_done(self, src: Folio, reason) -> None:
        """migrate_folio_done(): drop the isolation reference of a folio that is done (src
        after a move, or a folio freed under us). The kernel keeps the reference for
        MR_MEMORY_FAILURE (page_handle_poison() releases it): no caller of the model
        migrates for that reason."""
        await self.charge(self.costs.putback)
        if src.movable_ops is not None:
            src.flags.discard("PG_isolated")
            src.movable_ops = None
        self.folio_put(src)

    # ---------------------------------------------------------------- undo
    async def migrate_folios_undo(self, pairs, ret_folios) -> None:
        """migrate_folios_undo(): folios still unmapped at the end of a batch (-EAGAIN after
        every pass, already counted): map the sources back onto ``ret_folios``, free the
        dsts."""
        for src, dst in pairs:
            await self.migrate_folio_undo_src(src, dst.private & FOLIO_WAS_MAPPED, ret_folios)
            self.migrate_folio_undo_dst(dst)
        pairs.clear()

    async def migrate_folio_undo_src(self, src: Folio, page_was_mapped, ret) -> None:
        """migrate_folio_undo_src(): restore src's PTEs (migration entries -> src again);
        queue it on ``ret`` (list_move_tail(); None: it stays where it is)."""
        if page_was_mapped:
            await self.remove_migration_ptes(src, src)
        if ret is not None:
            ret.append(src)

    def migrate_folio_undo_dst(self, dst: Folio) -> None:
        """migrate_folio_undo_dst(): free the unused destination folio (folio_put(); the
        model's callers pass no put_new_folio); a quarantined one keeps its reference and
        is never freed."""
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
