"""Feedback and snoozes through the real app (``create_app``), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXED_NOW, draft, load_protocol, make_probe_service, snooze_feedback
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from store_helpers import (  # noqa: F401  (pytest fixtures)
    db_url_fixture,
    migrated_postgres_fixture,
    migrated_sqlite_fixture,
)

from cds_service.store import Store
from cds_service.store import models as m
from hooks.cards import SuggestionDraft
from hooks.override_reasons import OVERRIDE_SYSTEM

SVC = "radicular-pathway"  # a registry id, so the feedback endpoint knows it
SANDBOX_FEEDBACK = (
    Path(__file__).resolve().parent.parent.parent
    / "shared" / "cds-hooks" / "examples" / "observed-sandbox" / "observed-sandbox-feedback-request.json"
)  # fmt: skip


@pytest.fixture(name="store")
def store_fixture(db_url: str) -> Iterator[Store]:
    s = Store.from_url(db_url, migrate=False)
    yield s
    s.close()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)


@pytest.fixture
def client(make_app: Callable[..., Flask], clock: Clock) -> Any:
    """The pathway service id answering a warning card (rule A, one suggestion) and an info card (rule B);
    source.topic.code carries the rule id."""
    cards = [
        draft("A", "topic-a", "warning", suggestions=(SuggestionDraft("Refer to spine surgery"),)),
        draft("B", "topic-b", "info"),
    ]
    service = make_probe_service(lambda inp: list(cards), id=SVC)
    return make_app(services=(service,), clock=clock).test_client()


def call(client: Any) -> dict[str, dict[str, Any]]:
    resp = client.post(f"/cds-services/{SVC}", json=load_protocol("patient-view.full-prefetch.json"))
    assert resp.status_code == 200
    return {c["source"]["topic"]["code"]: c for c in resp.get_json()["cards"]}


def test_sandbox_shaped_feedback_is_stored_and_joins_its_card(client: Any, store: Store) -> None:
    """It stores the Sandbox's feedback body for a card it issued and joins it to that card's rule,
    hook instance and patient."""
    card = call(client)["A"]
    body = json.loads(SANDBOX_FEEDBACK.read_text())
    body["feedback"][0]["card"] = card["uuid"]
    body["feedback"][0]["acceptedSuggestions"] = [{"id": card["suggestions"][0]["uuid"]}]
    resp = client.post(f"/cds-services/{SVC}/feedback", json=body)
    assert resp.status_code == 200 and resp.get_json() == {"stored": 1, "duplicates": 0, "unknownCards": 0}
    with Session(store.engine) as s:
        row = s.execute(
            select(
                m.Feedback.outcome,
                m.Feedback.card_known,
                m.IssuedCard.rule_id,
                m.IssuedCard.indicator,
                m.IssuedCard.hook,
                m.IssuedCard.hook_instance,
                m.IssuedCard.patient_id,
                m.IssuedSuggestion.uuid,
            )
            .join(m.IssuedCard, m.IssuedCard.uuid == m.Feedback.card_uuid)
            .join(m.IssuedSuggestion, m.IssuedSuggestion.card_uuid == m.IssuedCard.uuid)
        ).one()
    request = load_protocol("patient-view.full-prefetch.json")
    assert tuple(row) == (
        "accepted",
        True,
        "A",
        "warning",
        "patient-view",
        request["hookInstance"],
        request["context"]["patientId"],
        card["suggestions"][0]["uuid"],
    )
    # the Sandbox re-sends: stored once
    assert client.post(f"/cds-services/{SVC}/feedback", json=body).get_json()["duplicates"] == 1


def test_override_without_display_like_the_sandbox(client: Any, store: Store) -> None:
    """It accepts an override whose reason Coding has no display, as the Sandbox sends it."""
    card = call(client)["A"]
    body = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": {"code": "patient-declines", "system": OVERRIDE_SYSTEM}},
                "outcomeTimestamp": "2026-11-20T14:31:00.123Z",
            }
        ]
    }
    assert client.post(f"/cds-services/{SVC}/feedback", json=body).status_code == 200
    with Session(store.engine) as s:
        assert s.scalars(select(m.Feedback.reason_code)).all() == ["patient-declines"]


def test_a_snoozed_card_stays_away_for_its_period_then_returns(client: Any, clock: Clock) -> None:
    """It drops the rule overridden with 'snooze 1 month' for that patient for 30 days, then shows it again;
    other rules are unaffected."""
    first = call(client)
    offered = {r["code"] for r in first["A"]["overrideReasons"]}
    assert "snooze-1m" in offered
    body = {
        "feedback": [
            {
                "card": first["A"]["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": {"system": OVERRIDE_SYSTEM, "code": "snooze-1m"}},
                "outcomeTimestamp": FIXED_NOW.isoformat().replace("+00:00", "Z"),
            }
        ]
    }
    assert client.post(f"/cds-services/{SVC}/feedback", json=body).status_code == 200

    clock.now = FIXED_NOW + timedelta(days=1)
    assert set(call(client)) == {"B"}
    clock.now = FIXED_NOW + timedelta(days=29, hours=23)
    assert set(call(client)) == {"B"}
    clock.now = FIXED_NOW + timedelta(days=30, hours=1)
    assert set(call(client)) == {"A", "B"}


def test_a_snooze_taken_on_a_rules_warning_never_hides_its_critical_card(
    make_app: Callable[..., Flask], clock: Clock
) -> None:
    """A rule that warns or alarms (a stable motor deficit is a warning, a progressive one critical):
    a snooze taken on its warning silences the warning, but the same rule's critical card, when the
    deficit progresses, is shown. Critical cards offer no snooze; none reaches them either."""
    shown: list[Any] = [draft("R2", "red-flag", "warning")]
    service = make_probe_service(lambda inp: list(shown), id=SVC)
    client = make_app(services=(service,), clock=clock).test_client()
    warning = call(client)["R2"]
    body = snooze_feedback(warning["uuid"])
    assert client.post(f"/cds-services/{SVC}/feedback", json=body).status_code == 200
    clock.now = FIXED_NOW + timedelta(days=7)
    assert call(client) == {}  # the warning is snoozed
    # the chart changes (a note on the diagnosis: the weakness is worse), and the rule now alarms
    chart = load_protocol("patient-view.full-prefetch.json")
    chart["prefetch"]["conditions"]["entry"][0]["resource"]["note"] = [{"text": "foot drop worse"}]
    shown[:] = [draft("R2", "red-flag", "critical")]
    resp = client.post(f"/cds-services/{SVC}", json=chart)
    assert resp.status_code == 200
    (critical,) = resp.get_json()["cards"]
    assert (critical["source"]["topic"]["code"], critical["indicator"]) == ("R2", "critical")


def test_a_plain_override_does_not_snooze(client: Any, clock: Clock) -> None:
    """It keeps showing a card overridden with a clinical (non-snooze) reason."""
    first = call(client)
    body = {
        "feedback": [
            {
                "card": first["A"]["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": {"system": OVERRIDE_SYSTEM, "code": "already-addressed"}},
                "outcomeTimestamp": "2026-11-20T14:31:00Z",
            }
        ]
    }
    assert client.post(f"/cds-services/{SVC}/feedback", json=body).status_code == 200
    clock.now = FIXED_NOW + timedelta(days=1)
    assert set(call(client)) == {"A", "B"}
