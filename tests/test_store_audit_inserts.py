"""The audit INSERTs run as SQL text on the DBAPI cursor (``cds_service.store.core._AuditInserts``):
the rows they store are those SQLAlchemy Core stores for the same record, on both backends, and
they take part in the store's transaction like any other statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, insert, select, text
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.records import InvocationRecord
from cds_service.records import IssuedCard as IssuedCardRecord
from cds_service.store import Store
from cds_service.store import models as m

AT = datetime(2026, 12, 3, 15, 4, 5, 123456, tzinfo=timezone(timedelta(hours=-5)))


def _record(suffix: str, *, cards: int = 2, error: str | None = None, at: datetime = AT) -> InvocationRecord:
    return InvocationRecord(
        at=at,
        service_id="radicular-pathway",
        hook="order-select",
        hook_instance=f"hi-{suffix}",
        patient_id=None if error else "pat-1",
        user_id="Practitioner/u-1",
        status=500 if error else 200,
        latency_ms=12.5,
        cards=tuple(
            IssuedCardRecord(
                f"{suffix}-c{i}", f"rule.{i}", "warning", tuple(f"{suffix}-c{i}-s{j}" for j in range(i))
            )
            for i in range(cards)
        ),
        error=error,
    )


def _core_write(conn: Connection, rec: InvocationRecord) -> None:
    """The same rows through SQLAlchemy Core statements."""
    at = rec.at.astimezone(UTC)
    inv_id = conn.execute(
        insert(m.Invocation).returning(m.Invocation.id),
        {
            "at": at,
            "service_id": rec.service_id,
            "hook": rec.hook,
            "hook_instance": rec.hook_instance,
            "patient_id": rec.patient_id,
            "user_id": rec.user_id,
            "status": rec.status,
            "latency_ms": float(rec.latency_ms),
            "card_count": len(rec.cards),
            "error": rec.error,
        },
    ).scalar_one()
    for card in rec.cards:
        conn.execute(
            insert(m.IssuedCard),
            {
                "uuid": card.uuid,
                "invocation_id": inv_id,
                "service_id": rec.service_id,
                "hook": rec.hook,
                "hook_instance": rec.hook_instance,
                "rule_id": card.rule_id,
                "indicator": card.indicator,
                "patient_id": rec.patient_id,
                "issued_at": at,
            },
        )
        for sug in card.suggestion_uuids:
            conn.execute(insert(m.IssuedSuggestion), {"uuid": sug, "card_uuid": card.uuid})


def _same(column: str, value: Any, prefix: str) -> Any:
    """The hook instance without the prefix that tells the two writers' records apart."""
    return value.removeprefix(prefix) if column == "hook_instance" else value


def _rows(store: Store, prefix: str) -> list[tuple[Any, ...]]:
    """Every stored value of the records whose hook instance starts with ``prefix`` (ids aside)."""
    with store.engine.connect() as conn:
        invocations = conn.execute(
            select(m.Invocation)
            .where(m.Invocation.hook_instance.startswith(prefix))
            .order_by(m.Invocation.id)
        ).all()
        out: list[tuple[Any, ...]] = []
        for inv in invocations:
            out.append((*(_same(k, v, prefix) for k, v in inv._mapping.items() if k != "id"), "invocation"))
            cards = conn.execute(
                select(m.IssuedCard).where(m.IssuedCard.invocation_id == inv.id).order_by(m.IssuedCard.uuid)
            ).all()
            for card in cards:
                kept = (
                    _same(k, v, prefix)
                    for k, v in card._mapping.items()
                    if k not in ("invocation_id", "uuid")
                )
                out.append((*kept, card.uuid.split("-", 1)[1]))
                sugs = conn.execute(
                    select(m.IssuedSuggestion.uuid).where(m.IssuedSuggestion.card_uuid == card.uuid)
                ).scalars()
                out.extend((s.split("-", 1)[1],) for s in sorted(sugs))
    return out


def _stored_times(store: Store, prefix: str) -> list[Any]:
    """The times as the database holds them, read without the columns' types (on SQLite, text)."""
    with store.engine.connect() as conn:
        return [
            *conn.execute(
                text("SELECT at FROM invocation WHERE hook_instance LIKE :p ORDER BY id"), {"p": f"{prefix}%"}
            ).scalars(),
            *conn.execute(
                text("SELECT issued_at FROM issued_card WHERE hook_instance LIKE :p ORDER BY uuid"),
                {"p": f"{prefix}%"},
            ).scalars(),
        ]


def test_the_stored_rows_are_those_core_stores(db_url: str) -> None:
    store = Store.from_url(db_url)
    try:
        # the second on a whole second: SQLite keeps ".000000" there, as Core writes it
        whole = AT.replace(microsecond=0)
        records = [_record("core"), _record("core2", cards=0, error="InternalError", at=whole)]
        with store.engine.begin() as conn:
            for rec in records:
                _core_write(conn, rec)
        store.record_invocation(_record("text"))
        store.record_invocation(_record("text2", cards=0, error="InternalError", at=whole))
        core, written = _rows(store, "hi-core"), _rows(store, "hi-text")
        assert len(core) == 1 + 2 + 1 + 1  # invocation, two cards, one suggestion; then an error row
        assert written == core
        assert _stored_times(store, "hi-text") == _stored_times(store, "hi-core")  # byte for byte
        stored_at = core[0][0]
        assert stored_at == AT and stored_at.tzinfo is not None  # handed back aware, in UTC
    finally:
        store.close()


def test_the_inserts_roll_back_with_their_transaction(db_url: str) -> None:
    store = Store.from_url(db_url)
    try:
        with store.engine.connect() as conn:
            tx = conn.begin()
            store._audit.write(conn, _record("gone"))
            tx.rollback()
        store.warm_up()  # writes one invocation and rolls it back
        assert _rows(store, "hi-") == []
        with store.engine.connect() as conn:
            assert conn.execute(select(m.Invocation.id)).first() is None
    finally:
        store.close()


def test_a_duplicate_card_fails_the_whole_record() -> None:
    """A card uuid already on record makes the INSERT fail: nothing of that record is kept (the
    group commit then fails only that call)."""
    store = Store.from_url("sqlite://")
    try:
        store.record_invocation(_record("dup", cards=1))
        with pytest.raises(Exception, match=r"UNIQUE|unique|duplicate"):
            store.record_invocation(_record("dup", cards=1))
        assert len(_rows(store, "hi-dup")) == 2  # the first record's invocation and card only
    finally:
        store.close()
