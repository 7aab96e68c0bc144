"""The page allocator (mm/page_alloc.c): one buddy allocator per node, and the folio
lifecycle (allocate, get, put, free) on top of it."""
from __future__ import annotations

from ..mm_types import MAX_PAGE_ORDER, PAGE_SHIFT, Folio


class BuddyAllocator:
    """One node's free_area[]: naturally aligned free blocks of 2**order pages.

    ``reserved``: [lo, hi) byte ranges never handed out (the driver's rings at the top of
    node 0). Allocation takes the lowest free block (deterministic runs).
    """

    def __init__(self, node: int, start: int, end: int, reserved=()):
        self.node = node
        self.start_pfn = start >> PAGE_SHIFT
        self.end_pfn = end >> PAGE_SHIFT
        self.free_area: list[set[int]] = [set() for _ in range(MAX_PAGE_ORDER + 1)]
        holes = sorted((max(lo >> PAGE_SHIFT, self.start_pfn),
                        min(-(-hi >> PAGE_SHIFT), self.end_pfn)) for lo, hi in reserved)
        pfn = self.start_pfn
        for lo, hi in holes:
            if lo < hi:
                self._add_range(pfn, lo)
                pfn = max(pfn, hi)
        self._add_range(pfn, self.end_pfn)
        self.total_pages = self.nr_free_pages

    def _add_range(self, lo: int, hi: int) -> None:
        while lo < hi:
            order = MAX_PAGE_ORDER
            while order and (lo & ((1 << order) - 1) or lo + (1 << order) > hi):
                order -= 1
            self.free_area[order].add(lo)
            lo += 1 << order

    @property
    def nr_free_pages(self) -> int:
        return sum(len(s) << o for o, s in enumerate(self.free_area))

    def alloc(self, order: int) -> int | None:
        for o in range(order, MAX_PAGE_ORDER + 1):
            if self.free_area[o]:
                pfn = min(self.free_area[o])
                self.free_area[o].remove(pfn)
                while o > order:                      # expand(): split, keep the low half
                    o -= 1
                    self.free_area[o].add(pfn + (1 << o))
                return pfn
        return None

    def free(self, pfn: int, order: int) -> None:
        assert self.start_pfn <= pfn < self.end_pfn, f"pfn {pfn:#x} not on node {self.node}"
        while order < MAX_PAGE_ORDER:
            buddy = pfn ^ (1 << order)
            if buddy not in self.free_area[order]:
                break
            self.free_area[order].remove(buddy)
            pfn = min(pfn, buddy)
            order += 1
        assert pfn not in self.free_area[order], f"double free of pfn {pfn:#x}"
        self.free_area[order].add(pfn)



class PageAlloc:
    """The Kernel's allocator side: node_data (one BuddyAllocator per node) and mem_map."""

    node_data: list[BuddyAllocator]
    mem_map: dict[int, Folio]

    def folio_alloc(self, order: int, nid: int) -> Folio | None:
        """__folio_alloc_node(): a new folio with refcount 1, or None."""
        pfn = self.node_data[nid].alloc(order)
        if pfn is None:
            return None
        folio = Folio(pfn=pfn, order=order, node=nid)
        for p in range(pfn, pfn + folio.nr_pages):
            self.mem_map[p] = folio
        return folio

    def free_folio(self, folio: Folio) -> None:
        assert folio.refcount == 0 and folio.mapcount == 0, f"freeing a live {folio}"
        for p in range(folio.pfn, folio.pfn + folio.nr_pages):
            del self.mem_map[p]
        self.node_data[folio.node].free(folio.pfn, folio.order)

    def folio_get(self, folio: Folio) -> None:
        folio.refcount += 1

    def folio_put(self, folio: Folio) -> None:
        assert folio.refcount > 0, f"folio_put on a free {folio}"
        folio.refcount -= 1
        if folio.refcount == 0:
            self.free_folio(folio)

    def pfn_folio(self, pfn: int) -> Folio | None:
        return self.mem_map.get(pfn)

    def nr_free_pages(self, nid: int) -> int:
        return self.node_data[nid].nr_free_pages

