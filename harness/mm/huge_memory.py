"""Large-folio split (mm/huge_memory.c): split_folio_to_list(), what migrate_pages_batch()
falls back to when a large folio gets no destination (-ENOMEM)."""
from __future__ import annotations

import errno

from ..mm_types import PAGE_SHIFT, AddressSpace, Folio


class HugeMemory:
    """The Kernel's huge_memory side."""

    def can_split_folio(self, folio: Folio) -> bool:
        """No extra pins: the references are the mappings', the page cache's and the
        caller's (the isolation) only."""
        extra_pins = folio.nr_pages if (not folio.anon and folio.mapping is not None) else 0
        return folio.refcount == folio.mapcount + extra_pins + 1

    async def split_folio_to_list(self, folio: Folio, split_list: list[Folio]) -> int:
        """Split a large folio into order-0 folios; the tails go onto ``split_list`` (the
        head stays where it is: try_split_folio() moves it). -> 0, or -EAGAIN when someone
        holds an extra reference, -EBUSY for a non-LRU movable folio.

        Model: the head Folio object becomes the first order-0 folio (its identity is kept,
        as the head page is); every piece keeps the pfn, node, flags, mapping and index it
        had, is mapped (one PTE) wherever the large folio was, and holds one reference per
        mapping, one for the page cache (file) and the isolation reference the caller took
        for the large folio. The PTEs already point at the pieces' pfns (the model maps a
        large folio page by page), so no page-table entry changes."""
        if not folio.is_large:
            return 0
        if folio.movable_ops is not None:
            return -errno.EBUSY
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
