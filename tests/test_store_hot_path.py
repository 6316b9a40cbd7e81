"""The store's per-call path: group commit of audit rows and the per-process snooze cache, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event, func, select
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
    store_fixture,
)
from test_store import SVC, T0, card, invocation, override

from cds_service.records import InvocationRecord
from cds_service.store import Store
from cds_service.store import models as m


def _count(store: Store, model: type) -> int:
    with store._read() as conn:  # takes no write lock: counts beside a transaction under way
        return int(conn.scalar(select(func.count()).select_from(model)) or 0)


def test_calls_finishing_together_share_one_commit_and_each_returns_only_after_it(store: Store) -> None:
    """While a transaction is being written, no caller returns; the rows queued meanwhile then
    commit together, in the next one."""
    assert store._group is not None
    blocked = threading.Event()
    release = threading.Event()
    real_write = store._audit.write

    def slow_write(conn: object, rec: InvocationRecord) -> None:
        if not blocked.is_set():  # the first row, inside its transaction
            blocked.set()
            release.wait(10)
        real_write(conn, rec)  # type: ignore[arg-type]

    store._audit.write = slow_write  # type: ignore[method-assign]
    returned: list[int] = []
    first = threading.Thread(
        target=lambda: (store.record_invocation(invocation(card("c-0"))), returned.append(0))
    )
    first.start()
    assert blocked.wait(10)  # the writer holds the first row and is "committing"
    others = [
        threading.Thread(
            target=lambda i=i: (store.record_invocation(invocation(card(f"c-{i}"))), returned.append(i))
        )
        for i in range(1, 11)
    ]
    for t in others:
        t.start()
    deadline = time.monotonic() + 5
    while store._group.queued < 10 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert returned == []  # nothing answered before its row is committed
    assert _count(store, m.Invocation) == 0
    batches_before = store._group.batches
    release.set()
    for t in (first, *others):
        t.join(10)
    assert sorted(returned) == list(range(11))
    assert _count(store, m.Invocation) == 11 and _count(store, m.IssuedCard) == 11
    assert store._group.batches - batches_before == 2  # the first row, then the ten queued behind it


def test_calls_finishing_while_the_leader_waits_for_the_write_lock_share_its_commit(store: Store) -> None:
    """The leader takes the queued rows only once its transaction has begun: the calls that
    finished while it waited for the write lock and its turn are committed with its own row."""
    assert store._group is not None
    turn = threading.Lock()
    store.take_turns_with(turn)
    threads = [
        threading.Thread(target=store.record_invocation, args=(invocation(card(f"w-{i}")),)) for i in range(5)
    ]
    with turn:  # a call evaluating: the leader waits for its turn
        for t in threads:
            t.start()
        deadline = time.monotonic() + 5
        while store._group.queued < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert store._group.queued == 5 and _count(store, m.Invocation) == 0
        batches_before = store._group.batches
    for t in threads:
        t.join(10)
    assert _count(store, m.Invocation) == 5
    assert store._group.batches - batches_before == 1


def _on_each_write(store: Store, note: Callable[[], object]) -> None:
    """Call ``note`` as each audit record is written, inside its transaction."""
    real_write = store._audit.write

    def write(conn: object, rec: InvocationRecord) -> None:
        note()
        real_write(conn, rec)  # type: ignore[arg-type]

    store._audit.write = write  # type: ignore[method-assign]


def test_a_call_alone_writes_its_own_row_on_its_own_thread(store: Store) -> None:
    """No writer thread to wake and wait for: with no transaction under way, the caller leads."""
    writers: list[int] = []
    _on_each_write(store, lambda: writers.append(threading.get_ident()))
    threads_before = threading.active_count()
    store.record_invocation(invocation(card("own-1")))
    store.record_invocation(invocation(card("own-2")))
    assert writers == [threading.get_ident()] * 2
    assert threading.active_count() == threads_before
    assert _count(store, m.Invocation) == 2 and store._group is not None and store._group.queued == 0


def test_the_audit_writer_takes_turns_with_evaluation(store: Store) -> None:
    """With a turn set, no audit transaction runs while a call evaluates (holds the turn), and each
    one runs holding it; the caller still returns only once its row is committed."""
    assert store._group is not None
    turn = threading.Lock()
    store.take_turns_with(turn)
    held_while_writing: list[bool] = []
    _on_each_write(store, lambda: held_while_writing.append(turn.locked()))
    done = threading.Event()
    with turn:  # a call evaluating
        caller = threading.Thread(
            target=lambda: (store.record_invocation(invocation(card("t-0"))), done.set())
        )
        caller.start()
        assert not done.wait(0.3)  # the writer waits for the evaluation to end
        assert held_while_writing == [] and _count(store, m.Invocation) == 0
    assert done.wait(10)
    caller.join(10)
    assert held_while_writing == [True]
    assert _count(store, m.Invocation) == 1


def test_a_row_that_cannot_be_stored_fails_only_its_own_call(store: Store) -> None:
    """A batch that fails is written again row by row: the bad row's caller gets the error, the
    others' rows are committed."""
    assert store._group is not None
    gate = threading.Event()
    real_write = store._group._write

    def gated(records: object) -> None:
        gate.wait(10)
        real_write(records)  # type: ignore[arg-type]

    store._group._write = gated
    results: dict[str, object] = {}

    def call(name: str, rec: InvocationRecord) -> None:
        try:
            store.record_invocation(rec)
            results[name] = "ok"
        except Exception as exc:
            results[name] = exc

    dup = card("same-uuid")
    threads = [
        threading.Thread(target=call, args=("a", invocation(card("a-1")))),
        threading.Thread(target=call, args=("b", invocation(dup))),
        threading.Thread(target=call, args=("c", invocation(dup))),  # same card uuid: primary key clash
        threading.Thread(target=call, args=("d", invocation(card("d-1")))),
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while store._group.queued < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.set()
    for t in threads:
        t.join(10)
    assert results["a"] == "ok" and results["d"] == "ok"
    failed = [k for k in ("b", "c") if results[k] != "ok"]
    assert len(failed) == 1 and isinstance(results[failed[0]], Exception)
    assert _count(store, m.Invocation) == 3


def _statements(store: Store) -> list[str]:
    seen: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _log(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and "issued_card" in statement:
            seen.append(statement)

    return seen


def test_snooze_stored_through_another_worker_takes_effect_at_the_next_call(db_url: str) -> None:
    """Two stores on one database stand for two workers (or replicas): a snooze recorded by one is
    honoured by the other at its next call (on PostgreSQL, its next call once the notice of the
    commit has arrived), though the other has the running snoozes cached."""
    a = Store.from_url(db_url, migrate=False)
    b = Store.from_url(db_url, migrate=False)
    try:
        a.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
        a.record_invocation(invocation(card("c-2", "mri-early"), patient="pat-1"))
        b.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
        day1 = T0 + timedelta(days=1)
        assert a.active_snoozes(SVC, "pat-1", day1) == frozenset({"esi-failed"})  # a caches it
        b.record_feedback(SVC, [override("c-2", "snooze-3m")], received_at=T0 + timedelta(minutes=2))
        both = frozenset({"esi-failed", "mri-early"})
        if a._snooze_notices is not None:
            # PostgreSQL: a's kept list is read again once the notice of b's commit has arrived
            # (milliseconds; tests/test_snooze_notices.py)
            deadline = time.monotonic() + 5
            while a.active_snoozes(SVC, "pat-1", day1) != both and time.monotonic() < deadline:
                time.sleep(0.01)
        assert a.active_snoozes(SVC, "pat-1", day1) == both
        assert a.active_snoozes(SVC, "pat-2", day1) == frozenset()
        # expiry needs no feedback: the 1-month snooze ends, the 3-month one runs on
        assert a.active_snoozes(SVC, "pat-1", T0 + timedelta(days=31)) == frozenset({"mri-early"})
    finally:
        a.close()
        b.close()


def test_a_snooze_already_cached_is_not_read_again(store: Store) -> None:
    """Once a running snooze is known, a call reads only the list of running snoozes, not their
    cards again."""
    store.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    store.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    day1 = T0 + timedelta(days=1)
    seen = _statements(store)
    assert store.active_snoozes(SVC, "pat-1", day1) == frozenset({"esi-failed"})
    assert len(seen) == 1  # what the new snooze silences
    seen.clear()
    for _ in range(3):
        assert store.active_snoozes(SVC, "pat-1", day1) == frozenset({"esi-failed"})
    assert seen == []


def test_the_per_call_snooze_read_takes_no_pooled_connection(store: Store) -> None:
    """With no snooze running (the usual call), the answer comes from the thread's own reader
    connection: no pool checkout, no transaction; after a snooze is stored, the same read sees it."""
    checkouts: list[object] = []
    event.listen(store.engine, "checkout", lambda *args: checkouts.append(args))
    day1 = T0 + timedelta(days=1)
    for _ in range(3):
        assert store.active_snoozes(SVC, "pat-1", day1) == frozenset()
    assert checkouts == []
    store.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    store.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    assert store.active_snoozes(SVC, "pat-1", day1) == frozenset({"esi-failed"})


def test_a_broken_reader_connection_is_replaced_and_the_call_answered(store: Store) -> None:
    """A reader connection that fails (a restarted database server) is dropped and the question
    asked again on a new one: the call still gets the running snoozes, not an error."""
    store.record_invocation(invocation(card("c-1", "esi-failed"), patient="pat-1"))
    store.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    day1 = T0 + timedelta(days=1)
    assert store.active_snoozes(SVC, "pat-1", day1) == frozenset({"esi-failed"})
    reader = store._running_snoozes
    assert reader is not None
    broken = reader._local.conn
    broken.close()
    store._running_ids.clear()  # PostgreSQL keeps what it read until a notice: read again now
    assert store.active_snoozes(SVC, "pat-1", day1) == frozenset({"esi-failed"})
    assert reader._local.conn is not broken


def test_a_call_thread_opens_its_snooze_connection_as_it_starts(store: Store) -> None:
    """``warm_up_thread`` opens the calling thread's connection for the per-call snooze read; that
    thread's calls then read on it and open none."""
    reader = store._running_snoozes
    assert reader is not None
    seen: dict[str, object] = {}

    def call_thread() -> None:
        before = len(reader._opened)
        store.warm_up_thread()
        seen["opened by the warm-up"] = len(reader._opened) - before
        conn = reader._local.conn
        assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=1)) == frozenset()
        seen["opened by the call"] = len(reader._opened) - before - 1
        seen["the same connection"] = reader._local.conn is conn

    thread = threading.Thread(target=call_thread)
    thread.start()
    thread.join()
    assert seen == {"opened by the warm-up": 1, "opened by the call": 0, "the same connection": True}


def test_the_service_writes_its_audit_rows_in_turn_with_its_evaluations(tmp_path: object) -> None:
    from pathlib import Path

    from cds_service.app import create_app
    from cds_service.settings import Settings

    db = Path(str(tmp_path)) / "turns.sqlite3"
    app = create_app(Settings(auth_enabled=False, database_url=f"sqlite:///{db}", log_level="WARNING"))
    store, engine = app.extensions["cds_store"], app.extensions["cds_engine"]
    assert store._group is not None and store._turn is engine.evaluating
    store.close()
