"""Rows of the pathway app's launches and sessions, in the service's database, so any worker or
replica can finish a launch another one started and serve the page of a session another one opened.

The rows are opaque to the store: ``key`` is a hash the app computes from its cookie value and
``payload`` is ciphertext. Every expired row is deleted whenever any row is written, taken or
read — so at the next launch, callback or page view of any session, at the latest.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, func, insert, select

from cds_service.store.models import AppSessionRow

LAUNCH = "launch"
SESSION = "session"


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("pass an aware datetime (UTC) to the store")
    return at.astimezone(UTC)


class AppSessionRows:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, key: str, kind: str, payload: str, expires_at: datetime, *, now: datetime) -> None:
        """Keep one row; every row already expired is deleted in the same transaction."""
        with self.engine.begin() as conn:
            conn.execute(delete(AppSessionRow).where(AppSessionRow.expires_at <= _aware(now)))
            conn.execute(
                insert(AppSessionRow),
                {"key": key, "kind": kind, "payload": payload, "expires_at": _aware(expires_at)},
            )

    def take(self, key: str, kind: str, *, now: datetime) -> str | None:
        """Delete the row and return its payload, in one statement: of two requests taking the
        same row at once (a replayed callback), exactly one gets it. An expired row gives nothing;
        every expired row is deleted."""
        stmt = (
            delete(AppSessionRow)
            .where(AppSessionRow.key == key, AppSessionRow.kind == kind)
            .returning(AppSessionRow.payload, AppSessionRow.expires_at)
        )
        with self.engine.begin() as conn:
            row = conn.execute(stmt).first()
            conn.execute(delete(AppSessionRow).where(AppSessionRow.expires_at <= _aware(now)))
        if row is None or row.expires_at <= _aware(now):
            return None
        return str(row.payload)

    def get(self, key: str, kind: str, *, now: datetime) -> str | None:
        """The row's payload while it lasts; every expired row, this one too, is deleted."""
        now = _aware(now)
        with self.engine.begin() as conn:
            conn.execute(delete(AppSessionRow).where(AppSessionRow.expires_at <= now))
            payload = conn.scalar(
                select(AppSessionRow.payload).where(AppSessionRow.key == key, AppSessionRow.kind == kind)
            )
        return None if payload is None else str(payload)  # an expired row was deleted above

    def delete(self, key: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(AppSessionRow).where(AppSessionRow.key == key)).rowcount)

    def purge_expired(self, *, now: datetime) -> int:
        with self.engine.begin() as conn:
            return int(
                conn.execute(delete(AppSessionRow).where(AppSessionRow.expires_at <= _aware(now))).rowcount
            )

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(AppSessionRow)) or 0)
