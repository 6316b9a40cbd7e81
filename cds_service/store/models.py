"""The governance record as SQLAlchemy 2 typed ORM models.

What is kept: one row per invocation (audit), one per card issued and per suggestion offered (so
feedback joins to the rule that produced it), one per distinct feedback item, and the JWT ids seen
(replay protection). What is never kept: FHIR resources, JWTs, access tokens.

Times are stored in UTC. PostgreSQL keeps them as ``timestamptz``; SQLite has no time zone type,
so they are stored as naive UTC and handed back aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so migrations name the same objects on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends; naive input is refused rather than guessed at."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Invocation(Base):
    """One CDS call: the audit row."""

    __tablename__ = "invocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    service_id: Mapped[str] = mapped_column(String)
    hook: Mapped[str] = mapped_column(String)
    hook_instance: Mapped[str] = mapped_column(String)
    patient_id: Mapped[str | None] = mapped_column(String)
    user_id: Mapped[str | None] = mapped_column(String)
    status: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    card_count: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String)


class IssuedCard(Base):
    """A card the service returned; its uuid is what feedback names."""

    __tablename__ = "issued_card"
    __table_args__ = (Index(None, "service_id", "patient_id", "rule_id"),)

    uuid: Mapped[str] = mapped_column(String, primary_key=True)
    invocation_id: Mapped[int] = mapped_column(ForeignKey("invocation.id"), index=True)
    service_id: Mapped[str] = mapped_column(String)
    hook: Mapped[str] = mapped_column(String)
    hook_instance: Mapped[str] = mapped_column(String)
    rule_id: Mapped[str] = mapped_column(String)
    indicator: Mapped[str] = mapped_column(String)
    patient_id: Mapped[str | None] = mapped_column(String)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class IssuedSuggestion(Base):
    __tablename__ = "issued_suggestion"

    uuid: Mapped[str] = mapped_column(String, primary_key=True)
    card_uuid: Mapped[str] = mapped_column(ForeignKey("issued_card.uuid"), index=True)


class Feedback(Base):
    """One distinct feedback item. ``dedupe_key`` (a hash of its content) makes re-sends no-ops.

    ``card_known`` is False when the card uuid was never issued by this service (stored anyway, for
    the record); such feedback never snoozes anything. ``snooze_until`` is set when an override
    carried a snooze reason the card actually offered.
    """

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    service_id: Mapped[str] = mapped_column(String)
    card_uuid: Mapped[str] = mapped_column(String, index=True)
    card_known: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String)
    outcome_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_suggestions: Mapped[list[str] | None] = mapped_column(JSON)
    reason_system: Mapped[str | None] = mapped_column(String)
    reason_code: Mapped[str | None] = mapped_column(String)
    reason_display: Mapped[str | None] = mapped_column(String)
    user_comment: Mapped[str | None] = mapped_column(String)
    snooze_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class SeenJti(Base):
    """A JWT id already accepted; kept until the token expires. The key is a hash of (iss, jti)."""

    __tablename__ = "seen_jti"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AppSessionRow(Base):
    """A pathway app launch in progress (``kind`` "launch") or an app session ("session"), shared
    by every worker and replica. ``key`` is a hash of the browser's cookie value, never the value;
    ``payload`` is encrypted by the app (it holds the PKCE verifier or the access token and the
    patient id). A launch row is deleted when its callback takes it, a session row when it expires
    or ends; nothing else about the patient is kept."""

    __tablename__ = "app_session"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(String)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
