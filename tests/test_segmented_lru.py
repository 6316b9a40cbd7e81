"""The segmented LRU behind the per-worker caches (``cds_service.segmented_lru``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cds_service.segmented_lru import SegmentedLru


def test_an_entry_used_again_outlasts_a_stream_of_entries_seen_once() -> None:
    cache: SegmentedLru[str, int] = SegmentedLru(10)
    cache.put("chart", 1)
    assert cache.get("chart") == 1  # looked up again: protected
    for i in range(1_000):  # a clinic list of charts opened once each
        cache.put(f"once-{i}", i)
    assert cache.get("chart") == 1
    assert len(cache) == 10
    # the stream kept only its most recent entries
    assert "once-999" in cache and "once-991" in cache and "once-990" not in cache  # 9 beside it


def test_with_nothing_used_twice_it_is_a_plain_lru_of_the_whole_capacity() -> None:
    cache: SegmentedLru[int, int] = SegmentedLru(5)
    for i in range(8):
        cache.put(i, i)
    assert [k for k, _ in cache.items()] == [3, 4, 5, 6, 7]


def test_the_protected_segment_is_bounded_and_demotes_to_probation() -> None:
    cache: SegmentedLru[int, str] = SegmentedLru(5)  # protected holds at most 4
    for i in range(5):
        cache.put(i, str(i))
        cache.get(i)
    assert len(cache._protected) == 4 and list(cache._probation) == [0]  # 0 pushed back, kept
    cache.put(9, "9")  # evicts from probation first: 0, the least recent there
    assert 0 not in cache and all(i in cache for i in (1, 2, 3, 4, 9))
    cache.put(10, "10")  # probation's 9 goes next, not a protected entry
    assert 9 not in cache and all(i in cache for i in (1, 2, 3, 4, 10))


def test_put_replaces_and_zero_capacity_keeps_nothing() -> None:
    cache: SegmentedLru[str, int] = SegmentedLru(3)
    cache.put("a", 1)
    cache.put("a", 2)
    assert cache.get("a") == 2 and len(cache) == 1
    cache.put("a", 3)  # now protected: replaced there
    assert cache.get("a") == 3 and len(cache) == 1
    off: SegmentedLru[str, int] = SegmentedLru(0)
    off.put("a", 1)
    assert off.get("a") is None and len(off) == 0
    with pytest.raises(ValueError, match="capacity"):
        SegmentedLru(-1)


@given(
    capacity=st.integers(min_value=0, max_value=12),
    ops=st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=30)), max_size=300),
)
def test_never_more_than_the_capacity_and_a_hit_is_what_was_put(
    capacity: int, ops: list[tuple[bool, int]]
) -> None:
    cache: SegmentedLru[int, int] = SegmentedLru(capacity)
    last: dict[int, int] = {}
    for n, (is_put, key) in enumerate(ops):
        if is_put:
            cache.put(key, n)
            last[key] = n
        else:
            got = cache.get(key)
            assert got is None or got == last[key]
        assert len(cache) <= capacity
        assert len(cache._protected) <= cache.protected_capacity
        assert not set(cache._protected) & set(cache._probation)
    if capacity and ops and ops[-1][0]:
        assert ops[-1][1] in cache  # the entry just put is kept
