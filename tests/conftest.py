"""Shared fixtures: settings with auth off, a temporary SQLite store, an app factory, a client,
the protocol request files, and a small probe service whose cards describe what it received.

Reuse: ``def test_x(make_app): app = make_app(services=(my_service,))`` or just ``client``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import cds_service.fhir_adapter  # noqa: F401  (first: the suite's FHIR models are built as the service builds them)
from cds_service.settings import Settings
from hooks.cards import CardDraft, Fact, SuggestionDraft
from hooks.evaluation import EvaluationInput
from hooks.evidence import guideline
from hooks.override_reasons import OVERRIDE_SYSTEM
from hooks.registry import REQUIRED_KEYS, ServiceDefinition, history_prefetch
from hooks.terminology import default_terminology

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_DIR = ROOT / "fhir_fixtures" / "protocol"
FIXED_NOW = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
EVALUATION_DATE = "2026-11-20"
FHIR_BASE = "https://ehr.example.org/fhir"


def load_protocol(name: str) -> dict[str, Any]:
    """A complete CDS Hooks request from fhir_fixtures/protocol/ (a fresh copy each time)."""
    return copy.deepcopy(json.loads((PROTOCOL_DIR / name).read_text()))


@pytest.fixture
def protocol() -> Callable[[str], dict[str, Any]]:
    return load_protocol


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Development settings: auth off (explicitly), a temporary SQLite file, a frozen date."""
    return Settings(
        auth_enabled=False,
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        evaluation_date=EVALUATION_DATE,
        fhir_timeout_seconds=2.0,
        fhir_total_budget_seconds=4.0,
        fhir_page_cap=3,
        max_request_bytes=64 * 1024,
        cors_origins=("https://sandbox.cds-hooks.org",),
        fhir_servers=(FHIR_BASE,),  # the fake EHR of the protocol tests (loopback is allowed anyway)
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Any]:
    from cds_service.store import Store

    s = Store.from_settings(settings)
    yield s
    s.close()


@pytest.fixture
def make_app(settings: Settings, store: Any) -> Callable[..., Flask]:
    """Build an app: ``make_app(services=(...,), **settings_overrides)``; store and date are fixed."""
    from cds_service.app import create_app

    def factory(
        *, services: Any = None, settings_overrides: dict[str, Any] | None = None, **kw: Any
    ) -> Flask:
        s = replace(settings, **(settings_overrides or {}))
        kw.setdefault("clock", lambda: FIXED_NOW)
        kw.setdefault("store", store)
        app = create_app(s, services=services, **kw)
        app.config["TESTING"] = True
        return app

    return factory


@pytest.fixture
def probe_service() -> ServiceDefinition:
    return make_probe_service()


@pytest.fixture
def app(make_app: Callable[..., Flask], probe_service: ServiceDefinition) -> Flask:
    return make_app(services=(probe_service,))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# ---------------------------------------------------------------------------------------------
# A probe service: same prefetch and required keys as the real services, and cards that say what
# it was given (so protocol tests can assert that data really flowed from prefetch or the server).


def probe_why(inp: EvaluationInput) -> tuple[Fact, ...]:
    """What the probe received, in at most three facts (a card shows three): the record, with every
    resource named; the draft orders; the evaluation date and hook."""
    h = inp.history
    parts = [(f"condition {c.text}", c.ref) for c in h.conditions]
    parts += [(f"procedure {p.text} on {p.performed_text}", p.ref) for p in h.procedures]
    parts += [(f"observation {o.kind} = {o.value:g}", o.ref) for o in h.observations if o.value is not None]
    why = []
    if parts:
        refs = [r for _, r in parts]
        why.append(Fact("; ".join(t for t, _ in parts), refs[0], tuple(refs[1:])))
    if inp.draft_orders:
        refs = ", ".join(f"{d.resource_type}/{d.id}" for d in inp.draft_orders)
        why.append(Fact(f"draft orders {refs}"))
    why.append(Fact(f"evaluated on {inp.today.isoformat()} for hook {inp.hook}"))
    return tuple(why)


def probe_draft(summary: str, why: tuple[Fact, ...], gaps: tuple[str, ...]) -> CardDraft:
    return CardDraft(
        rule_id="probe.history",
        topic="probe",
        indicator="info",
        summary=summary,
        title="Probe: what the service received",
        why=why,
        next_steps=(),
        avoid=(),
        evidence=(guideline("nice_ng59"),),
        gaps=gaps,
    )


def probe_evaluate(inp: EvaluationInput) -> list[CardDraft]:
    h = inp.history
    summary = (
        f"{len(h.conditions)} conditions, {len(h.procedures)} procedures, {len(h.observations)} observations"
    )
    gaps = tuple(f"{k}: {v}" for k, v in sorted(h.unavailable.items()))
    return [probe_draft(summary, probe_why(inp), gaps)]


def make_probe_service(
    evaluate: Callable[[EvaluationInput], list[CardDraft]] = probe_evaluate,
    *,
    id: str = "probe",
    hooks: tuple[str, ...] = ("patient-view", "order-select", "order-sign"),
) -> ServiceDefinition:
    return ServiceDefinition(
        id=id,
        hooks=hooks,
        title="Probe service",
        description="Describes the data it was given.",
        prefetch=history_prefetch(default_terminology()),
        required_prefetch=REQUIRED_KEYS,
        usage_requirements="Test only.",
        evaluate=evaluate,
    )


def snooze_feedback(card_uuid: str, code: str = "snooze-6m") -> dict[str, Any]:
    """The feedback body that overrides a card with a snooze reason (``snooze-1m``/``-3m``/``-6m``)."""
    return {
        "feedback": [
            {
                "card": card_uuid,
                "outcome": "overridden",
                "overrideReason": {"reason": {"system": OVERRIDE_SYSTEM, "code": code}},
                "outcomeTimestamp": FIXED_NOW.isoformat().replace("+00:00", "Z"),
            }
        ]
    }


def draft(rule_id: str, topic: str, indicator: str = "warning", **kw: Any) -> CardDraft:
    """A known card draft for protocol tests."""
    fields: dict[str, Any] = {
        "summary": f"{rule_id} summary",
        "title": f"{rule_id} title",
        "why": (Fact("the fact that fired it", "Condition/c1"),),
        "next_steps": ("do the next thing",),
        "avoid": (),
        "evidence": (guideline("nice_ng59"),),
        "suggestions": (),
    }
    fields.update(kw)
    return CardDraft(rule_id=rule_id, topic=topic, indicator=indicator, **fields)  # type: ignore[arg-type]


__all__ = [
    "EVALUATION_DATE",
    "FHIR_BASE",
    "FIXED_NOW",
    "SuggestionDraft",
    "draft",
    "load_protocol",
    "make_probe_service",
]
