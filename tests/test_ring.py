"""Ring arithmetic of the driver: pure functions, no device."""
import pytest

from harness.driver import (
    Queue,
    default_dma_region,
    ring_advance,
    ring_free,
    ring_size,
    ring_spans,
    ring_used,
)


def test_empty_and_full():
    order = 4
    assert ring_size(order) == 16
    assert ring_used(5, 5, order) == 0
    assert ring_free(5, 5, order) == 15          # one slot always stays empty
    assert ring_used(5, 4, order) == 15          # tail just behind head: full
    assert ring_free(5, 4, order) == 0
    assert ring_used(0, 15, order) == 15
    assert ring_free(0, 15, order) == 0


def test_wrap():
    order = 3
    assert ring_advance(6, 1, order) == 7
    assert ring_advance(7, 1, order) == 0
    assert ring_advance(6, 5, order) == 3
    assert ring_used(6, 2, order) == 4           # 6, 7, 0, 1
    assert ring_free(6, 2, order) == 3
    for head in range(8):
        for n in range(8):
            tail = ring_advance(head, n, order)
            assert ring_used(head, tail, order) == n
            assert ring_free(head, tail, order) == 7 - n


def test_spans():
    order = 3
    assert ring_spans(2, 0, order) == []
    assert ring_spans(2, 3, order) == [(2, 3)]
    assert ring_spans(5, 3, order) == [(5, 3)]
    assert ring_spans(6, 5, order) == [(6, 2), (0, 3)]
    assert ring_spans(0, 8, order) == [(0, 8)]
    with pytest.raises(ValueError):
        ring_spans(0, 9, order)


def test_queue_addresses_and_state():
    q = Queue(2, ring_base=0x10000, comp_base=0x20000, order=4)
    assert q.desc_addr(3) == 0x10000 + 3 * 32
    assert q.comp_addr(15) == 0x20000 + 15 * 32
    assert q.free == 15 and q.used == 0
    q.tail = ring_advance(q.tail, 15, q.order)
    assert q.free == 0 and q.used == 15
    q.head = 10
    assert q.used == 5 and q.free == 10
    assert q.spans(q.tail, q.free) == [(15, 1), (0, 9)]
    assert q.reg("TAIL") == 0x100 + 2 * 0x80 + 0x14
    with pytest.raises(ValueError):
        Queue(0, 0, 0, order=0)


def test_default_region_top_of_node0():
    lo, hi = default_dma_region(16 << 20, nr_queues=2, ring_order=9)
    assert hi <= 16 << 20 and lo % 4096 == 0
    assert hi - lo == 2 * 2 * 512 * 32
