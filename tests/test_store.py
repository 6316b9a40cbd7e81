"""Store behaviour, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
    store_fixture,
)

from cds_service.records import InvocationRecord, IssuedCard
from cds_service.settings import Settings
from cds_service.store import FeedbackItem, Store
from cds_service.store import models as m
from hooks.override_reasons import OVERRIDE_SYSTEM

T0 = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
SVC = "radicular-pathway"


def invocation(
    *cards: IssuedCard, patient: str = "pat-1", at: datetime = T0, service: str = SVC
) -> InvocationRecord:
    return InvocationRecord(
        at=at,
        service_id=service,
        hook="patient-view",
        hook_instance="hi-" + (cards[0].uuid if cards else "none"),
        patient_id=patient,
        user_id="Practitioner/dr-1",
        status=200,
        latency_ms=12.5,
        cards=cards,
    )


def card(
    uuid: str, rule: str = "esi-failed", indicator: str = "warning", sugs: tuple[str, ...] = ()
) -> IssuedCard:
    return IssuedCard(uuid=uuid, rule_id=rule, indicator=indicator, suggestion_uuids=sugs)


def override(
    card_uuid: str, code: str | None, at: datetime = T0, system: str = OVERRIDE_SYSTEM
) -> FeedbackItem:
    return FeedbackItem(
        card=card_uuid,
        outcome="overridden",
        outcome_at=at,
        reason_system=system if code else None,
        reason_code=code,
    )


def test_record_invocation_keeps_audit_cards_and_suggestions(store: Store) -> None:
    """It stores one audit row, one row per card with its rule and indicator, and the suggestion uuids."""
    store.record_invocation(
        invocation(card("c-1", "esi-failed", "warning", ("s-1", "s-2")), card("c-2", "red-flag", "critical"))
    )
    with Session(store.engine) as s:
        inv = s.scalars(select(m.Invocation)).one()
        assert (inv.service_id, inv.hook, inv.patient_id, inv.user_id, inv.status, inv.card_count) == (
            SVC,
            "patient-view",
            "pat-1",
            "Practitioner/dr-1",
            200,
            2,
        )
        assert inv.at == T0 and inv.at.tzinfo is not None
        cards = {c.uuid: c for c in s.scalars(select(m.IssuedCard))}
        assert {u: (c.rule_id, c.indicator, c.patient_id, c.invocation_id) for u, c in cards.items()} == {
            "c-1": ("esi-failed", "warning", "pat-1", inv.id),
            "c-2": ("red-flag", "critical", "pat-1", inv.id),
        }
        assert cards["c-1"].hook_instance == "hi-c-1" and cards["c-1"].issued_at == T0
        sugs = {(x.uuid, x.card_uuid) for x in s.scalars(select(m.IssuedSuggestion))}
        assert sugs == {("s-1", "c-1"), ("s-2", "c-1")}


def test_an_invocation_without_cards_is_still_audited(store: Store) -> None:
    """It keeps the audit row of a failed call (no cards, error title)."""
    rec = InvocationRecord(
        at=T0,
        service_id=SVC,
        hook="patient-view",
        hook_instance="h",
        patient_id=None,
        user_id=None,
        status=412,
        latency_ms=3.0,
        error="PreconditionFailed",
    )
    store.record_invocation(rec)
    with Session(store.engine) as s:
        inv = s.scalars(select(m.Invocation)).one()
        assert (inv.status, inv.error, inv.card_count) == (412, "PreconditionFailed", 0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    """It refuses a naive datetime rather than guessing its zone."""
    with pytest.raises(ValueError, match="aware"):
        store.active_snoozes(SVC, "pat-1", datetime(2025, 3, 1))


def test_snooze_silences_the_rule_for_its_period_then_lets_it_return(store: Store) -> None:
    """It silences the rule of a card overridden with 'snooze 1 month' for 30 days, for that patient only."""
    store.record_invocation(invocation(card("c-1", "esi-failed"), card("c-2", "other-rule")))
    store.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=1)) == frozenset({"esi-failed"})
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=29, hours=23)) == frozenset({"esi-failed"})
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=30, minutes=1)) == frozenset()
    assert store.active_snoozes(SVC, "pat-2", T0 + timedelta(days=1)) == frozenset()
    assert store.active_snoozes("radicular-order-guardrails", "pat-1", T0 + timedelta(days=1)) == frozenset()


@pytest.mark.parametrize("lookup_limit", [500, 1], ids=["from-running-snoozes", "from-patient-cards"])
def test_snooze_lookup_gives_the_same_answer_whichever_side_it_starts_from(
    store: Store, lookup_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few running snoozes are looked up from the snoozes, many from the patient's cards: same rules."""
    monkeypatch.setattr(store, "SNOOZE_LOOKUP_LIMIT", lookup_limit)
    store.record_invocation(invocation(card("a-1", "esi-failed"), card("a-2", "mri-early"), patient="pat-a"))
    store.record_invocation(invocation(card("b-1", "esi-failed"), card("b-2", "fusion"), patient="pat-b"))
    store.record_invocation(invocation(card("c-1", "fusion"), patient="pat-c"))  # no snooze
    received = T0 + timedelta(minutes=1)
    store.record_feedback(
        SVC, [override("a-1", "snooze-1m"), override("a-2", "snooze-3m")], received_at=received
    )
    store.record_feedback(SVC, [override("b-2", "snooze-1m")], received_at=received)
    at = T0 + timedelta(days=40)  # a-1 and b-2 (1 month) have run out; a-2 (3 months) runs on
    assert store.active_snoozes(SVC, "pat-a", T0 + timedelta(days=1)) == frozenset(
        {"esi-failed", "mri-early"}
    )
    assert store.active_snoozes(SVC, "pat-a", at) == frozenset({"mri-early"})
    assert store.active_snoozes(SVC, "pat-b", T0 + timedelta(days=1)) == frozenset({"fusion"})
    assert store.active_snoozes(SVC, "pat-b", at) == frozenset()
    assert store.active_snoozes(SVC, "pat-c", T0 + timedelta(days=1)) == frozenset()


def test_snooze_holds_across_store_instances(db_url: str) -> None:
    """It decides snoozes from the database, so a second process (or a restart) sees them."""
    a = Store.from_url(db_url)
    b = Store.from_url(db_url)
    try:
        a.record_invocation(invocation(card("c-1")))
        a.record_feedback(SVC, [override("c-1", "snooze-6m")], received_at=T0)
        assert b.active_snoozes(SVC, "pat-1", T0 + timedelta(days=181)) == {"esi-failed"}
        assert b.active_snoozes(SVC, "pat-1", T0 + timedelta(days=183)) == frozenset()
    finally:
        a.close()
        b.close()


@pytest.mark.parametrize(
    ("indicator", "code", "system"),
    [
        ("critical", "snooze-3m", OVERRIDE_SYSTEM),  # a red flag offers no snooze
        ("warning", "patient-declines", OVERRIDE_SYSTEM),  # clinical reason, not a snooze
        ("warning", "snooze-3m", "http://example.org/other-system"),  # foreign code system
        ("warning", None, OVERRIDE_SYSTEM),  # overridden without a reason
    ],
)
def test_overrides_that_do_not_snooze(store: Store, indicator: str, code: str | None, system: str) -> None:
    """It snoozes only on a snooze reason from our code system that the card offered."""
    store.record_invocation(invocation(card("c-1", "rule-x", indicator)))
    res = store.record_feedback(SVC, [override("c-1", code, system=system)], received_at=T0)
    assert res.stored == 1
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=1)) == frozenset()


def test_accepted_feedback_does_not_snooze(store: Store) -> None:
    """It never snoozes on an accepted card."""
    store.record_invocation(invocation(card("c-1", sugs=("s-1",))))
    item = FeedbackItem(card="c-1", outcome="accepted", outcome_at=T0, accepted_suggestions=("s-1",))
    store.record_feedback(SVC, [item], received_at=T0)
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=1)) == frozenset()


def test_future_dated_override_snoozes_from_receipt(store: Store) -> None:
    """It starts the snooze no later than when the feedback arrived, whatever the client's clock says."""
    store.record_invocation(invocation(card("c-1")))
    store.record_feedback(SVC, [override("c-1", "snooze-1m", at=T0 + timedelta(days=300))], received_at=T0)
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=29)) == {"esi-failed"}
    assert store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=31)) == frozenset()


def test_unknown_card_is_stored_flagged_and_snoozes_nothing(store: Store) -> None:
    """It keeps feedback for a card never issued (or issued by another service), flagged, with no effect."""
    store.record_invocation(invocation(card("c-guard"), service="radicular-order-guardrails"))
    res = store.record_feedback(
        SVC, [override("never-issued", "snooze-1m"), override("c-guard", "snooze-1m")], received_at=T0
    )
    assert (res.stored, res.duplicates, res.unknown_cards) == (2, 0, 2)
    with Session(store.engine) as s:
        assert {(f.card_uuid, f.card_known) for f in s.scalars(select(m.Feedback))} == {
            ("never-issued", False),
            ("c-guard", False),
        }
    assert store.active_snoozes("radicular-order-guardrails", "pat-1", T0 + timedelta(days=1)) == frozenset()


def test_duplicate_feedback_is_stored_once(store: Store) -> None:
    """It stores a re-sent item once, whether repeated in one batch, re-posted, or re-sent with a display."""
    store.record_invocation(invocation(card("c-1")))
    item = override("c-1", "patient-declines")
    first = store.record_feedback(SVC, [item, item], received_at=T0)
    again = store.record_feedback(SVC, [item], received_at=T0 + timedelta(seconds=5))
    with_display = FeedbackItem(
        card="c-1",
        outcome="overridden",
        outcome_at=T0,
        reason_system=OVERRIDE_SYSTEM,
        reason_code="patient-declines",
        reason_display="Patient declines",
    )
    third = store.record_feedback(SVC, [with_display], received_at=T0)
    assert (first.stored, first.duplicates) == (1, 1)
    assert (again.stored, again.duplicates) == (0, 1)
    assert (third.stored, third.duplicates) == (0, 1)
    other = store.record_feedback(SVC, [override("c-1", "already-addressed")], received_at=T0)
    assert other.stored == 1
    with Session(store.engine) as s:
        assert len(s.scalars(select(m.Feedback)).all()) == 2


def test_feedback_rows_keep_what_the_clinician_said(store: Store) -> None:
    """It keeps outcome, time (UTC), accepted suggestion ids, coded reason and comment."""
    store.record_invocation(invocation(card("c-1", sugs=("s-1",))))
    ts = datetime(2025, 3, 1, 11, 0, tzinfo=UTC)
    store.record_feedback(
        SVC,
        [
            FeedbackItem(card="c-1", outcome="accepted", outcome_at=ts, accepted_suggestions=("s-1",)),
            FeedbackItem(
                card="c-1",
                outcome="overridden",
                outcome_at=ts,
                reason_system="urn:x",
                reason_code="r",
                user_comment="seen by spine team",
            ),
        ],
        received_at=ts,
    )
    with Session(store.engine) as s:
        rows = {f.outcome: f for f in s.scalars(select(m.Feedback))}
    assert rows["accepted"].accepted_suggestions == ["s-1"] and rows["accepted"].outcome_at == ts
    assert (rows["overridden"].reason_system, rows["overridden"].reason_code) == ("urn:x", "r")
    assert rows["overridden"].user_comment == "seen by spine team"
    assert rows["overridden"].card_known is True


def test_remember_jti_detects_replays_across_instances(db_url: str) -> None:
    """It answers False for an (iss, jti) already seen, also from another store on the same database."""
    a = Store.from_url(db_url)
    b = Store.from_url(db_url)
    exp = datetime.now(UTC) + timedelta(minutes=5)
    try:
        assert a.remember_jti("https://ehr.example.org", "jti-1", exp) is True
        assert a.remember_jti("https://ehr.example.org", "jti-1", exp) is False
        assert b.remember_jti("https://ehr.example.org", "jti-1", exp) is False
        assert b.remember_jti("https://other-ehr.example.org", "jti-1", exp) is True
    finally:
        a.close()
        b.close()


def test_remember_jti_lets_exactly_one_of_many_concurrent_callers_win(db_url: str) -> None:
    """It admits a jti once when several workers race to record it."""
    stores = [Store.from_url(db_url) for _ in range(4)]
    exp = datetime.now(UTC) + timedelta(minutes=5)
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(stores))

    def worker(st: Store) -> None:
        barrier.wait()
        ok = st.remember_jti("https://ehr.example.org", "race", exp)
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=worker, args=(st,)) for st in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in stores:
        st.close()
    assert sorted(results) == [False, False, False, True]


def test_jti_and_snooze_state_is_kept_without_any_token(store: Store) -> None:
    """It stores a hash of (iss, jti), never the raw values."""
    store.remember_jti("https://ehr.example.org", "jti-visible", datetime.now(UTC) + timedelta(minutes=5))
    with Session(store.engine) as s:
        keys = s.scalars(select(m.SeenJti.key)).all()
    assert len(keys) == 1 and "jti-visible" not in keys[0] and len(keys[0]) == 64


def test_purge_deletes_old_records_but_keeps_running_snoozes(store: Store) -> None:
    """It removes audit, cards and feedback older than the cut-off, except a snooze still running."""
    old, recent = T0 - timedelta(days=400), T0
    store.record_invocation(invocation(card("old-1", sugs=("os-1",)), at=old))
    store.record_invocation(invocation(card("old-snoozed", "snoozed-rule"), at=old, patient="pat-9"))
    store.record_invocation(invocation(card("new-1"), at=recent))
    store.record_feedback(SVC, [override("old-1", "patient-declines", at=old)], received_at=old)
    # Overridden long ago but the client reports it only now: its snooze is still running.
    store.record_feedback(SVC, [override("old-snoozed", "snooze-6m", at=recent)], received_at=recent)
    store.remember_jti("i", "expired", T0 - timedelta(hours=1))
    store.remember_jti("i", "live", T0 + timedelta(hours=1))

    res = store.purge(T0 - timedelta(days=365), now=T0)

    assert (res.invocations, res.cards, res.suggestions, res.feedback, res.jtis) == (1, 1, 1, 1, 1)
    with Session(store.engine) as s:
        assert set(s.scalars(select(m.IssuedCard.uuid))) == {"old-snoozed", "new-1"}
        assert set(s.scalars(select(m.Feedback.card_uuid))) == {"old-snoozed"}
        assert s.scalar(select(text("count(*)")).select_from(m.Invocation)) == 2
    assert store.active_snoozes(SVC, "pat-9", T0 + timedelta(days=1)) == {"snoozed-rule"}
    assert store.remember_jti("i", "live", T0 + timedelta(hours=1)) is False


def test_governance_report_counts_per_rule(store: Store) -> None:
    """It counts cards issued, accepted and overridden per rule in the period, with override reasons."""
    store.record_invocation(invocation(card("a1", "esi-failed"), card("b1", "red-flag", "critical")))
    store.record_invocation(invocation(card("a2", "esi-failed"), patient="pat-2"))
    store.record_invocation(invocation(card("a3", "esi-failed"), patient="pat-3"))
    store.record_invocation(invocation(card("out", "esi-failed"), at=T0 + timedelta(days=40)))
    store.record_feedback(
        SVC,
        [
            override("a1", "snooze-1m"),
            override("a2", "snooze-1m"),
            FeedbackItem(card="a3", outcome="accepted", outcome_at=T0, accepted_suggestions=("s",)),
            override("b1", None),
            override("ghost", "patient-declines"),
        ],
        received_at=T0,
    )
    rep = store.governance_report(T0 - timedelta(days=1), T0 + timedelta(days=30))
    rules = {r.rule_id: r for r in rep.rules}
    esi, flag = rules["esi-failed"], rules["red-flag"]
    assert (esi.issued, esi.accepted, esi.overridden) == (3, 1, 2)
    assert esi.override_rate == pytest.approx(2 / 3)
    assert [(r.code, r.display, r.count) for r in esi.reasons] == [("snooze-1m", "Snooze for 1 month", 2)]
    assert (flag.issued, flag.accepted, flag.overridden) == (1, 0, 1)
    assert [(r.code, r.display, r.count) for r in flag.reasons] == [(None, "(no reason given)", 1)]
    assert rep.unmatched_feedback == 1


def test_sqlite_default_creates_its_directory_and_uses_wal(tmp_path: Path) -> None:
    """It creates the SQLite file's directory and switches the database to WAL."""
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'cds.sqlite3'}"
    st = Store.from_settings(Settings(database_url=url))
    try:
        assert (tmp_path / "nested" / "dir" / "cds.sqlite3").exists()
        with st.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        st.close()


def test_unsupported_backend_is_refused() -> None:
    """It refuses a database URL that is neither SQLite nor PostgreSQL."""
    with pytest.raises(ValueError, match="unsupported database backend"):
        Store.from_url("mysql://u@h/db")


def test_retention_purges_old_records_automatically(db_url: str) -> None:
    """It drops audit rows older than the retention period after recording a call, at most hourly."""
    ticks = [0.0]
    st = Store(
        Store.from_url(db_url, migrate=False).engine,
        retention_days=30,
        monotonic=lambda: ticks[0],
        purge_runner=lambda job: job(),
    )
    now = datetime.now(UTC)
    try:
        st.record_invocation(invocation(card("ancient"), at=now - timedelta(days=40)))  # purged at once
        st.record_invocation(invocation(card("old"), at=now - timedelta(days=40)))  # purge not yet due
        st.record_invocation(invocation(card("fresh"), at=now - timedelta(days=1)))
        with Session(st.engine) as s:
            assert set(s.scalars(select(m.IssuedCard.uuid))) == {"old", "fresh"}
        ticks[0] += Store.PURGE_INTERVAL_SECONDS
        st.record_invocation(invocation(card("today"), at=now))
        with Session(st.engine) as s:
            assert set(s.scalars(select(m.IssuedCard.uuid))) == {"fresh", "today"}
    finally:
        st.close()


def test_a_warming_store_runs_its_first_purge_then_and_not_after_its_first_call(db_url: str) -> None:
    """``warm_up`` starts the process's first retention purge, so its first call records without a
    purge behind it (whose write lock the next call would wait for); an hour on, a call starts the
    next. No retention, no purge."""
    ticks = [0.0]
    jobs: list[object] = []
    engine = Store.from_url(db_url, migrate=False).engine
    st = Store(engine, retention_days=30, monotonic=lambda: ticks[0], purge_runner=jobs.append)
    plain = Store(engine, purge_runner=jobs.append)
    try:
        plain.warm_up()
        assert jobs == []
        st.warm_up()
        assert len(jobs) == 1
        st.record_invocation(invocation(card("first"), at=datetime.now(UTC)))
        assert len(jobs) == 1
        ticks[0] += Store.PURGE_INTERVAL_SECONDS
        st.record_invocation(invocation(card("an hour on"), at=datetime.now(UTC)))
        assert len(jobs) == 2
    finally:
        st.close()


def test_the_default_purge_never_holds_up_the_call_that_made_it_due(db_url: str) -> None:
    """record_invocation returns while a slow retention purge is still running on its own thread."""
    st = Store(Store.from_url(db_url, migrate=False).engine, retention_days=30)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    real_purge = st.purge

    def slow_purge(before: datetime, *, now: datetime | None = None):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(10)
        try:
            return real_purge(before, now=now)
        finally:
            finished.set()

    st.purge = slow_purge  # type: ignore[method-assign]
    try:
        st.record_invocation(invocation(card("first"), at=datetime.now(UTC)))
        assert started.wait(5), "the purge was not started"
        assert not release.is_set()  # we are back from record_invocation while the purge still waits
    finally:
        release.set()
        finished.wait(10)
        st.close()


def test_warm_up_leaves_no_trace(db_url: str) -> None:
    """Store.warm_up writes a synthetic invocation and rolls it back: no audit, card or suggestion row."""
    st = Store.from_url(db_url, migrate=False)
    try:
        st.warm_up()
        st.warm_up()  # twice: the synthetic ids must not collide with a kept row
        with Session(st.engine) as s:
            assert s.scalar(select(func.count()).select_from(m.Invocation)) == 0
            assert s.scalar(select(func.count()).select_from(m.IssuedCard)) == 0
            assert s.scalar(select(func.count()).select_from(m.IssuedSuggestion)) == 0
    finally:
        st.close()


def test_retention_zero_keeps_everything(db_url: str) -> None:
    """It keeps every record when retention is 0 (off)."""
    st = Store.from_url(db_url, migrate=False, retention_days=0)
    try:
        st.record_invocation(invocation(card("ancient"), at=datetime(2001, 1, 1, tzinfo=UTC)))
        with Session(st.engine) as s:
            assert s.scalars(select(m.IssuedCard.uuid)).all() == ["ancient"]
    finally:
        st.close()


def test_from_settings_takes_the_configured_retention(tmp_path: Path) -> None:
    """It reads the retention period from settings (CDS_AUDIT_RETENTION_DAYS)."""
    settings = Settings.from_env(
        {"CDS_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}", "CDS_AUDIT_RETENTION_DAYS": "90"}
    )
    st = Store.from_settings(settings)
    try:
        assert st.retention == timedelta(days=90)
    finally:
        st.close()


def test_the_same_feedback_from_racing_workers_is_stored_once(db_url: str) -> None:
    """It stores a feedback entry once when several workers receive the same re-send at the same moment."""
    setup = Store.from_url(db_url, migrate=False)
    setup.record_invocation(invocation(card("c-1")))
    setup.close()
    stores = [Store.from_url(db_url, migrate=False) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    stored: list[int] = []
    lock = threading.Lock()

    def worker(st: Store) -> None:
        barrier.wait()
        res = st.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0)
        with lock:
            stored.append(res.stored)

    threads = [threading.Thread(target=worker, args=(st,)) for st in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(stored) == [0, 0, 0, 1]
        with Session(stores[0].engine) as s:
            assert len(s.scalars(select(m.Feedback)).all()) == 1
    finally:
        for st in stores:
            st.close()


def test_sqlite_snooze_lookup_does_not_wait_for_another_workers_write(tmp_path: Path) -> None:
    """The per-call snooze read takes no write lock: it answers while another process holds one
    (with a write lock it would wait out the 30 s busy timeout)."""
    import sqlite3

    url = f"sqlite:///{tmp_path / 'locks.sqlite3'}"
    store = Store.from_url(url)
    store.record_invocation(invocation(card("c-1", "esi-failed")))
    store.record_feedback(SVC, [override("c-1", "snooze-1m")], received_at=T0 + timedelta(minutes=1))
    other = sqlite3.connect(tmp_path / "locks.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another worker in the middle of its audit write
    try:
        done: list[frozenset[str]] = []
        reader = threading.Thread(
            target=lambda: done.append(store.active_snoozes(SVC, "pat-1", T0 + timedelta(days=1)))
        )
        reader.start()
        reader.join(timeout=5)
        assert done == [frozenset({"esi-failed"})]
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()
