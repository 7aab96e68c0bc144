"""Reverse mapping (mm/rmap.c): try_to_migrate() replaces a folio's PTEs by migration
entries with the TLB flush deferred (the batched flush, try_to_unmap_flush()), and
remove_migration_ptes() turns them into PTEs to the new folio (or back to the old one)."""
from __future__ import annotations

from ..mm_types import PAGE_SHIFT, PTE, Folio, MigrateStats, MigrationEntry


class Rmap:
    """The Kernel's rmap side."""

    def try_to_migrate(self, folio: Folio, batch_flush: bool = True) -> int:
        """try_to_migrate() -> try_to_migrate_one(): replace every PTE mapping ``folio`` by
        a migration entry. With TTU_BATCH_FLUSH (``batch_flush``, what migrate_folio_unmap()
        passes in MIGRATE_ASYNC only) the TLB flush is deferred (should_defer_flush(): the
        model takes the mm to be live on other CPUs, arch_tlbbatch_should_defer()): the mm
        and pages are queued on tlb_ubc for try_to_unmap_flush(). Without it each PTE is
        flushed at once (ptep_clear_flush(), page by page for a large folio): -> the number
        of such immediate shootdowns, for the caller to charge."""
        flushes = 0
        for mm, va in folio.rmap:
            pt = mm.pgtable
            vpn = va >> PAGE_SHIFT
            entry = pt.ptes.get(vpn)
            if not (entry is not None and entry.present and entry.pfn == folio.pfn):
                continue
            for i in range(folio.nr_pages):
                pt.ptes[vpn + i] = MigrationEntry(folio.pfn + i)
            vpns = range(vpn, vpn + folio.nr_pages)
            if batch_flush:
                self.tlb_ubc.setdefault(mm, set()).update(vpns)
            else:
                pt.flush_tlb(vpns)
                flushes += folio.nr_pages
            folio.mapcount -= 1
            self.folio_put(folio)
        return flushes

    async def try_to_unmap_flush(self, stats: MigrateStats) -> None:
        """Flush every deferred TLB entry in one go (one shootdown for the batch)."""
        if not self.tlb_ubc:
            return
        await self.charge(self.costs.tlb_flush)
        stats.nr_tlb_flushes += 1
        for mm, vpns in self.tlb_ubc.items():
            mm.pgtable.flush_tlb(vpns)
            stale = mm.pgtable.stale_tlb_entries()
            assert not stale, (f"{mm}: stale TLB entries after try_to_unmap_flush():"
                               f" {[hex(v << PAGE_SHIFT) for v in stale[:4]]}")
        self.tlb_ubc.clear()

    def assert_no_stale_tlb(self, folio: Folio) -> None:
        """Before copying ``folio``: no CPU may still reach it through a cached translation."""
        for mm, va in folio.rmap:
            vpn = va >> PAGE_SHIFT
            for i in range(folio.nr_pages):
                pfn = mm.pgtable.tlb.get(vpn + i)
                assert pfn is None or mm.pgtable.ptes.get(vpn + i) == PTE(pfn), (
                    f"{mm}: stale TLB entry for {(vpn + i) << PAGE_SHIFT:#x} -> pfn {pfn:#x}"
                    f" while {folio} is copied (missing try_to_unmap_flush()?)")

    async def remove_migration_ptes(self, src: Folio, dst: Folio) -> None:
        """Turn the migration entries for ``src`` into present PTEs to ``dst`` (dst may be src:
        undo)."""
        await self.charge(self.costs.remap)
        for mm, va in list(src.rmap):
            pt = mm.pgtable
            vpn = va >> PAGE_SHIFT
            if pt.ptes.get(vpn) != MigrationEntry(src.pfn):
                continue
            for i in range(src.nr_pages):
                assert pt.ptes.get(vpn + i) == MigrationEntry(src.pfn + i)
                pt.ptes[vpn + i] = PTE(dst.pfn + i)
            dst.mapcount += 1
            self.folio_get(dst)
            if dst is not src:
                dst.rmap.append((mm, va))

