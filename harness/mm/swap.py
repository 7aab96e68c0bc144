"""The per-CPU LRU caches (mm/swap.c; lru_cache_enable() is an inline in
include/linux/swap.h): lru_cache_disable() / lru_cache_enable(), which do_pages_move()
(move_pages(2)) and do_migrate_pages() (migrate_pages(2)) wrap around their work so that no
folio waits in a per-CPU folio batch where isolation cannot see it."""
from __future__ import annotations


class Swap:
    """The Kernel's mm/swap.c side."""

    async def lru_cache_disable(self) -> None:
        """lru_cache_disable(): atomic_inc(&lru_disable_count), synchronize_rcu_expedited()
        and drain every CPU's LRU folio batches (__lru_add_drain_all(true)): charged as
        Costs.lru_cache_disable. The model keeps no per-CPU batches (a folio is on its LRU
        as soon as it is mapped), so only the time and the count are modelled."""
        self.lru_disable_count += 1
        await self.charge(self.costs.lru_cache_disable)

    async def lru_cache_enable(self) -> None:
        """lru_cache_enable(): atomic_dec(&lru_disable_count); Costs.lru_cache_enable."""
        assert self.lru_disable_count > 0, "lru_cache_enable() without lru_cache_disable()"
        self.lru_disable_count -= 1
        await self.charge(self.costs.lru_cache_enable)
