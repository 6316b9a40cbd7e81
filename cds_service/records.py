"""What the service hands to the store after each invocation (audit + cards issued)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IssuedCard:
    uuid: str
    rule_id: str
    indicator: str
    suggestion_uuids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InvocationRecord:
    """One CDS call, as the governance record keeps it: no FHIR resources, JWTs or tokens."""

    at: datetime
    service_id: str
    hook: str
    hook_instance: str
    patient_id: str | None
    user_id: str | None
    status: int
    latency_ms: float
    cards: tuple[IssuedCard, ...] = ()
    error: str | None = None  # short error class/title for non-2xx; never request content
