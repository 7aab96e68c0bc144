"""Large-folio split (mm/huge_memory.c): split_folio_to_list(), what migrate_pages_batch()
falls back to when a large folio gets no destination (-ENOMEM)."""
from __future__ import annotations

import errno

from ..mm_types import PAGE_SHIFT, AddressSpace, Folio, folio_expected_ref_count


class HugeMemory:
    """The Kernel's huge_memory side."""

    def folio_check_splittable(self, folio: Folio) -> int:
        """folio_check_splittable() for a split to order 0: -EBUSY for a folio with neither a
        mapping nor anon (just truncated, or a movable_ops folio) and for one under
        writeback; 0 otherwise (the model has no swap cache and no huge zero folio)."""
        if folio.movable_ops is not None or (folio.mapping is None and not folio.anon):
            return -errno.EBUSY
        if "PG_writeback" in folio.flags:
            return -errno.EBUSY
        return 0

    def can_split_folio(self, folio: Folio) -> bool:
        """__folio_split()'s "racy check": no references but the expected ones (mappings,
        page cache, PG_private) and the caller's (the isolation)."""
        return folio_expected_ref_count(folio) == folio.refcount - 1

    async def split_folio_to_list(self, folio: Folio, split_list: list[Folio]) -> int:
        """split_folio_to_list() -> __folio_split() to order 0: the tails go onto
        ``split_list`` in address order, each with a reference for the list (the head stays
        where it is: try_split_folio() moves it). -> 0, or -EBUSY
        (folio_check_splittable(); an anonymous folio that is no longer mapped, whose
        anon_vma folio_get_anon_vma() cannot find; a page-cache folio with PG_private, whose
        private data filemap_release_folio() cannot release: the model has no
        release_folio()), or -EAGAIN when someone holds an extra reference.

        Model: the head Folio object becomes the first order-0 folio (its identity is kept,
        as the head page is); every piece keeps the pfn, node, flags, mapping and index it
        had, is mapped (one PTE) wherever the large folio was, and holds one reference per
        mapping, one for the page cache (file) and one for the list (the head: the isolation
        reference the caller took for the large folio). The PTEs already point at the
        pieces' pfns (the model maps a large folio page by page), so no page-table entry
        changes. Not modelled: remap_page() with TTU_USE_SHARED_ZEROPAGE maps a piece of an
        anonymous folio that is all zeroes to the shared zero page instead (and the piece is
        freed); the harness fills every mapped folio with random bytes (Kernel.mmap's
        default), so no piece is all zeroes."""
        if not folio.is_large:
            return 0
        rc = self.folio_check_splittable(folio)
        if rc:
            return rc
        if folio.anon and not folio.mapcount:
            return -errno.EBUSY                      # folio_get_anon_vma() found none
        if not folio.anon and "PG_private" in folio.flags:
            return -errno.EBUSY                      # filemap_release_folio() failed
        if not self.can_split_folio(folio):
            return -errno.EAGAIN
        await self.charge(self.costs.split_folio + folio.nr_pages * self.costs.split_page)
        nr, rmap = folio.nr_pages, list(folio.rmap)
        cache = folio.mapping if isinstance(folio.mapping, AddressSpace) else None
        per_piece = 1 + len(rmap) + (1 if cache is not None and not folio.anon else 0)
        tails = []
        for i in range(1, nr):
            tail = Folio(pfn=folio.pfn + i, order=0, node=folio.node, anon=folio.anon,
                         mapping=folio.mapping, index=folio.index + i, refcount=per_piece,
                         mapcount=folio.mapcount, flags=set(folio.flags),
                         rmap=[(mm, va + (i << PAGE_SHIFT)) for mm, va in rmap])
            self.mem_map[tail.pfn] = tail
            if cache is not None and not folio.anon:
                cache.i_pages[tail.index] = tail
            tails.append(tail)
        folio.order = 0
        folio.refcount = per_piece
        split_list.extend(tails)
        return 0
