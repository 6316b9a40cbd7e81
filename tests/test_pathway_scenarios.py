"""The pathway scenarios run through the real service over HTTP.

Each ``fhir_fixtures/pathway/<scenario>.json`` is POSTed to ``/cds-services/radicular-pathway`` of
an app built by ``create_app`` (auth off, temporary SQLite store, the scenario's frozen evaluation
date). The response must hold exactly the expected cards — by state id in ``source.topic.code`` —
with the expected indicator, the resources named in the detail, the suggestion codes offered,
none of the forbidden codes, and the form every card owes the clinician: a summary of at most 139
characters, an https evidence link and the advisory line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from hooks.cards import ADVISORY, DETAIL_MAX, RULE_SYSTEM, SUMMARY_MAX

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "fhir_fixtures" / "pathway"
EXPECTED = sorted(PATHWAY.glob("*.expected.json"))
ENDPOINT = "/cds-services/radicular-pathway"


def _load(p: Path) -> dict[str, Any]:
    return json.loads(p.read_text(encoding="utf-8"))


def suggestion_codes(card: dict[str, Any]) -> set[str]:
    """Codes of everything a card's suggestions would create or change (orders and medications)."""
    out: set[str] = set()
    for s in card.get("suggestions", []):
        for action in s.get("actions", []):
            res = action.get("resource") or {}
            for key in ("code", "medicationCodeableConcept"):
                for c in (res.get(key) or {}).get("coding", []):
                    if c.get("code"):
                        out.add(c["code"])
    return out


def state_of(card: dict[str, Any]) -> str:
    return str(card.get("source", {}).get("topic", {}).get("code"))


def _acceptable(indicator: str | list[str]) -> list[str]:
    return indicator if isinstance(indicator, list) else [indicator]


def names(detail: str, ref: str) -> bool:
    """The detail names this resource ("Procedure/esi-1" but not "Procedure/esi-10")."""
    return re.search(re.escape(ref) + r"(?![\w.-])", detail) is not None


def check_card(card: dict[str, Any], exp: dict[str, Any]) -> list[str]:
    """Every way ``card`` falls short of the expected card ``exp`` (empty when it meets it)."""
    state = exp["state"]
    problems: list[str] = []
    if card["indicator"] not in _acceptable(exp["indicator"]):
        problems.append(f"{state}: indicator {card['indicator']!r}, expected {exp['indicator']!r}")
    detail = card.get("detail", "")
    missing = [r for r in exp.get("detail_refs", []) if not names(detail, r)]
    if missing:
        problems.append(f"{state}: detail does not name {missing}")
    any_refs = exp.get("detail_refs_any", [])
    if any_refs and not any(names(detail, r) for r in any_refs):
        problems.append(f"{state}: detail names none of {any_refs}")
    codes = suggestion_codes(card)
    lacking = [c for c in exp.get("suggestion_codes", []) if c not in codes]
    if lacking:
        problems.append(f"{state}: no suggestion for {lacking} (offered {sorted(codes)})")
    for group in exp.get("suggestion_code_groups", []):
        if not codes & set(group):
            problems.append(f"{state}: no suggestion from {group} (offered {sorted(codes)})")
    unsaid = [m for m in exp.get("detail_mentions", []) if m.lower() not in detail.lower()]
    if unsaid:
        problems.append(f"{state}: detail does not say {unsaid}")
    if exp.get("shows_disagreement") and "sources disagree" not in detail.lower():
        problems.append(f"{state}: detail does not show where the sources disagree")
    return problems


def check_form(card: dict[str, Any], record: frozenset[str] = frozenset()) -> list[str]:
    """What every card owes the clinician, whatever its state. ``record`` holds the references
    ("Condition/radic-1") of the resources in the request, which suggested orders' reasons must
    point at."""
    state = state_of(card)
    problems: list[str] = []
    if not card.get("summary") or len(card["summary"]) > SUMMARY_MAX:
        problems.append(f"{state}: summary missing or longer than {SUMMARY_MAX}: {card.get('summary')!r}")
    if card.get("indicator") not in ("info", "warning", "critical"):
        problems.append(f"{state}: indicator {card.get('indicator')!r}")
    detail = card.get("detail", "")
    if len(detail) > DETAIL_MAX:
        problems.append(f"{state}: detail is {len(detail)} characters (budget {DETAIL_MAX})")
    if not str(card.get("source", {}).get("url", "")).startswith("https://"):
        problems.append(f"{state}: source has no https link to the guideline it rests on")
    if ADVISORY not in detail:
        problems.append(f"{state}: detail lacks the advisory line")
    source = card.get("source", {})
    if not source.get("label") or source.get("topic", {}).get("system") != RULE_SYSTEM:
        problems.append(f"{state}: source label/topic missing")
    if card.get("suggestions") and card.get("selectionBehavior") not in ("at-most-one", "any"):
        problems.append(f"{state}: suggestions without selectionBehavior")
    for s in card.get("suggestions", []):
        for a in s.get("actions", []):
            res = a.get("resource") or {}
            if not (a.get("type") == "create" and res.get("resourceType") == "ServiceRequest"):
                continue
            label = s.get("label")
            if not str(res.get("subject", {}).get("reference", "")).startswith("Patient/"):
                problems.append(f"{state}: suggested order {label!r} has no subject")
            reasons = [r.get("reference", "") for r in res.get("reasonReference", [])]
            if not reasons:
                problems.append(f"{state}: suggested order {label!r} gives no reason (reasonReference)")
            dangling = [r for r in reasons if record and r not in record]
            if dangling:
                problems.append(f"{state}: suggested order {label!r} cites {dangling}, not in the record")
    return problems


def record_refs(request: dict[str, Any]) -> frozenset[str]:
    """ "Type/id" of every resource in a request's prefetch."""
    out: set[str] = set()
    for value in (request.get("prefetch") or {}).values():
        if not isinstance(value, dict):
            continue
        resources = [value] + [e.get("resource", {}) for e in value.get("entry", [])]
        out |= {f"{r['resourceType']}/{r['id']}" for r in resources if r.get("resourceType") and r.get("id")}
    return frozenset(out)


def check_response(
    cards: list[dict[str, Any]], expected: dict[str, Any], record: frozenset[str] = frozenset()
) -> list[str]:
    """Every way a response's cards differ from the scenario's expectation."""
    problems: list[str] = []
    states = [state_of(c) for c in cards]
    required = {c["state"]: c for c in expected["cards"]}
    optional = {c["state"]: c for c in expected["optional_cards"]}
    if len(states) != len(set(states)):
        problems.append(f"duplicate cards: {states}")
    missing = sorted(set(required) - set(states))
    unexpected = sorted(set(states) - set(required) - set(optional))
    if missing:
        problems.append(f"missing card(s) {missing}")
    if unexpected:
        forbidden = sorted(set(unexpected) & set(expected["forbidden_states"]))
        problems.append(
            f"unexpected card(s) {unexpected}" + (f" (forbidden here: {forbidden})" if forbidden else "")
        )
    for card in cards:
        problems += check_form(card, record)
        exp = required.get(state_of(card)) or optional.get(state_of(card))
        if exp is not None:
            problems += check_card(card, exp)
    offered = {code: state_of(c) for c in cards for code in suggestion_codes(c)}
    bad = sorted(
        f"{code} (on {offered[code]})" for code in set(offered) & set(expected["forbidden_suggestion_codes"])
    )
    if bad:
        problems.append(f"forbidden suggestion code(s) offered: {bad}")
    if any(c["indicator"] == "critical" for c in cards) and len(cards) > 1:
        problems.append(f"a critical card must stand alone (§1.1.2/§1.1.5), got {states}")
    return problems


def summarise(cards: Iterable[dict[str, Any]]) -> str:
    return "; ".join(f"{state_of(c)}[{c.get('indicator')}] {c.get('summary')}" for c in cards) or "no cards"


@pytest.fixture
def post_scenario(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any]], Any]:
    """POST a scenario's request to an app frozen at the scenario's evaluation date."""

    def run(expected: dict[str, Any]) -> Any:
        app = make_app(settings_overrides={"evaluation_date": expected["evaluation_date"]})
        request = _load(PATHWAY / expected["fixture"])
        return app.test_client().post(ENDPOINT, json=request)

    return run


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.name.removesuffix(".expected.json"))
def test_scenario(path: Path, post_scenario: Callable[[dict[str, Any]], Any]) -> None:
    """The service answers the scenario with 200 and exactly the expected cards, each citing its data,
    offering the expected orders and nothing forbidden."""
    expected = _load(path)
    resp = post_scenario(expected)
    assert resp.status_code == 200, f"{resp.status_code}: {resp.get_data(as_text=True)[:800]}"
    body = resp.get_json()
    cards = body["cards"]
    problems = check_response(cards, expected, record_refs(_load(PATHWAY / expected["fixture"])))
    assert not problems, (
        f"{expected['scenario']} ({expected['title']})\n  got: {summarise(cards)}\n  - "
        + "\n  - ".join(problems)
        + f"\n  why this is expected: {expected['rationale']}"
    )


def test_checker_rejects_a_wrong_response() -> None:
    """The checker itself catches a wrong state, a forbidden code, a missing reference and a card
    beside a critical one (so a green run means the service really met the expectation)."""
    expected = {
        "cards": [{"state": "R1", "indicator": "critical", "detail_refs": ["Condition/ces-1"]}],
        "optional_cards": [],
        "forbidden_states": ["M2"],
        "forbidden_suggestion_codes": ["62323"],
    }
    esi = {
        "actions": [
            {
                "type": "create",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "subject": {"reference": "Patient/p"},
                    "code": {"coding": [{"code": "62323"}]},
                },
            }
        ]
    }
    cards = [
        {
            "indicator": "critical",
            "summary": "x",
            "detail": f"{ADVISORY}",
            "source": {"label": "L", "topic": {"system": RULE_SYSTEM, "code": "R1"}},
            "suggestions": [esi],
        },
        {
            "indicator": "info",
            "summary": "y",
            "detail": "no link",
            "source": {"label": "L", "topic": {"system": RULE_SYSTEM, "code": "M2"}},
        },
    ]
    problems = "\n".join(check_response(cards, expected))
    assert "unexpected card(s) ['M2'] (forbidden here: ['M2'])" in problems
    assert "does not name ['Condition/ces-1']" in problems
    assert "62323 (on R1)" in problems
    assert "critical card must stand alone" in problems
    assert "no https link to the guideline" in problems
    assert "gives no reason (reasonReference)" in problems
    assert "suggestions without selectionBehavior" in problems
    assert check_response(cards[:1], {**expected, "forbidden_suggestion_codes": []})  # still missing the ref
    assert not names("see `Procedure/esi-10`", "Procedure/esi-1")
