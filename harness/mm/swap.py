"""The per-CPU LRU caches (mm/swap.c): lru_cache_disable() / lru_cache_enable(), which
move_pages(2) and migrate_pages(2) wrap around their work so that no folio waits in a
per-CPU folio batch where isolation cannot see it."""
from __future__ import annotations


class Swap:
    """The Kernel's mm/swap.c side."""

    async def lru_cache_disable(self) -> None:
        """Raise lru_disable_count, wait for an expedited RCU grace period and drain every
        CPU's LRU folio batches (__lru_add_drain_all(true)): charged as
        Costs.lru_cache_disable. The model keeps no per-CPU batches, so only the time and
        the count are modelled."""
        self.lru_disable_count += 1
        await self.charge(self.costs.lru_cache_disable)

    async def lru_cache_enable(self) -> None:
        """Drop lru_disable_count (an atomic decrement): Costs.lru_cache_enable."""
        assert self.lru_disable_count > 0, "lru_cache_enable() without lru_cache_disable()"
        self.lru_disable_count -= 1
        await self.charge(self.costs.lru_cache_enable)
