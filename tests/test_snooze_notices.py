"""PostgreSQL: the running snoozes a worker read are kept until feedback starts one
(``cds_service.store.core._SnoozeNotices``, the trigger of migration 0003)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from store_helpers import PostgresSchema, migrated_postgres_fixture  # noqa: F401  (pytest fixture)
from test_store import SVC, T0, card, invocation, override

from cds_service.store import Store
from cds_service.store.core import _SnoozeNotices

pytestmark = pytest.mark.postgres

DAY1 = T0 + timedelta(days=1)


@pytest.fixture(name="pg_url")
def pg_url_fixture(_migrated_postgres: PostgresSchema) -> str:
    _migrated_postgres.empty_tables()
    return _migrated_postgres.url


@pytest.fixture(name="two_workers")
def two_workers_fixture(pg_url: str) -> Iterator[tuple[Store, Store]]:
    a, b = Store.from_url(pg_url, migrate=False), Store.from_url(pg_url, migrate=False)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def _count_reads(store: Store) -> list[int]:
    """Counts the store's reads of the running snoozes' ids (one element per read)."""
    reader = store._running_snoozes
    assert reader is not None
    reads: list[int] = []
    real: Callable[..., Any] = reader.__call__
    close = reader.close

    class Counting:
        def __call__(self, *args: Any) -> Any:
            reads.append(1)
            return real(*args)

        def close(self) -> None:
            close()

    store._running_snoozes = Counting()  # type: ignore[assignment]
    return reads


def _eventually(check: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def test_with_no_new_snooze_the_usual_call_reads_nothing(two_workers: tuple[Store, Store]) -> None:
    a, _ = two_workers
    reads = _count_reads(a)
    for _ in range(5):
        assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset()
    assert len(reads) == 1  # the first call read; the others kept it


def test_a_snooze_stored_by_another_worker_is_read_once_its_notice_arrives(
    two_workers: tuple[Store, Store],
) -> None:
    a, b = two_workers
    a.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    reads = _count_reads(a)
    assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset()
    b.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    assert _eventually(lambda: a.active_snoozes(SVC, "pat-1", DAY1) == frozenset({"esi-failed"}))
    settled = len(reads)
    for _ in range(3):
        assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset({"esi-failed"})
    assert len(reads) == settled  # read again once, then kept
    # feedback that starts no snooze sends no notice
    a.record_invocation(invocation(card("c-2", "mri-early"), patient="pat-1"))
    b.record_feedback(SVC, [override("c-2", None)], received_at=T0 + timedelta(minutes=2))
    time.sleep(0.2)
    assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset({"esi-failed"})
    assert len(reads) == settled
    # the snooze ends by its date, with no notice and no read
    assert a.active_snoozes(SVC, "pat-1", T0 + timedelta(days=40)) == frozenset()
    assert len(reads) == settled


def test_an_earlier_time_than_the_kept_read_is_read_again(two_workers: tuple[Store, Store]) -> None:
    """What was read at day 40 does not hold the snoozes that had ended by then."""
    a, _ = two_workers
    a.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    a.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    assert a.active_snoozes(SVC, "pat-1", T0 + timedelta(days=40)) == frozenset()
    assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset({"esi-failed"})


def test_without_a_listener_nothing_kept_is_relied_on(two_workers: tuple[Store, Store]) -> None:
    """A listener connection that failed (a restarted server) counts as a change: the next call
    reads, and a new listener is opened."""
    a, b = two_workers
    a.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    reads = _count_reads(a)
    assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset()
    notices = a._snooze_notices
    assert notices is not None and notices._conn is not None
    broken = notices._conn
    broken.close()
    b._snooze_notices = None  # b's own listener plays no part
    b.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset({"esi-failed"})  # no wait needed
    assert len(reads) == 2
    assert _eventually(lambda: notices.generation() > 0 and notices._conn is not None)
    assert notices._conn is not broken


def test_what_was_read_is_relied_on_for_a_bounded_time(
    two_workers: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = two_workers
    monkeypatch.setattr(_SnoozeNotices, "MAX_AGE_SECONDS", 0.05)
    reads = _count_reads(a)
    a.active_snoozes(SVC, "pat-1", DAY1)
    a.active_snoozes(SVC, "pat-1", DAY1)
    assert len(reads) == 1
    time.sleep(0.06)
    a.active_snoozes(SVC, "pat-1", DAY1)
    assert len(reads) == 2


def test_a_forked_worker_opens_its_own_listener(two_workers: tuple[Store, Store]) -> None:
    a, _ = two_workers
    notices = a._snooze_notices
    assert notices is not None
    first = notices.generation()
    inherited = notices._conn
    notices._pid = -1  # as in a child process: the parent's connection is not used
    assert notices.generation() == first + 1
    assert notices._conn is not inherited
    inherited.close()


def test_feedback_stored_by_this_worker_counts_at_its_next_call(two_workers: tuple[Store, Store]) -> None:
    """The worker that stored the snooze reads the list again at once, without its notice."""
    a, _ = two_workers
    a.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset()
    notices = a._snooze_notices
    assert notices is not None
    listener = notices._conn

    class Silent:  # as if the notice were slow: the listener reads nothing meanwhile
        def notifies(self, timeout: float) -> list[Any]:
            return []

    notices._conn = Silent()
    try:
        a.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
        assert a.active_snoozes(SVC, "pat-1", DAY1) == frozenset({"esi-failed"})
    finally:
        notices._conn = listener
