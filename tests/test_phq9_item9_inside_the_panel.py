"""PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered inside the PHQ-9 total's
Observation, as a component, is read as the same answer sent as an Observation of its own: Y1 warns
and asks for a suicide-risk assessment today."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

FIXTURE = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "pathway" / "y1_phq9_with_f3.json"
LOINC = "http://loinc.org"


def with_item9(answer: dict[str, Any] | None) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(FIXTURE.read_text())  # PHQ-9 15 beside a failed ESI (F3 + Y1)
    phq = next(
        e["resource"] for e in body["prefetch"]["observations"]["entry"] if e["resource"]["id"] == "phq9-1"
    )
    if answer is not None:
        phq["component"] = [{"code": {"coding": [{"system": LOINC, "code": "44260-8"}]}, **answer}]
    return body


@pytest.fixture
def y1(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    client = make_app(settings_overrides={"evaluation_date": "2026-11-02"}).test_client()

    def call(body: dict[str, Any]) -> dict[str, Any]:
        resp = client.post("/cds-services/radicular-pathway", json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        cards = resp.get_json()["cards"]
        card: dict[str, Any] = next(c for c in cards if c["source"]["topic"]["code"] == "Y1")
        return card

    return call


@pytest.mark.parametrize(
    "answer",
    [
        {"valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA6571-9"}]}},
        {"valueInteger": 2},
    ],
    ids=["coded", "scored"],
)
def test_a_self_harm_answer_inside_the_panel_warns(y1: Callable[..., Any], answer: dict[str, Any]) -> None:
    card = y1(with_item9(answer))
    assert card["indicator"] == "warning"
    assert "suicide risk" in card["summary"] or "self-harm" in card["summary"]
    assert "PHQ-9 item 9" in card["detail"]


def test_not_at_all_inside_the_panel_leaves_the_screen_as_it_was(y1: Callable[..., Any]) -> None:
    not_at_all = {"valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA6568-5"}]}}
    for body in (with_item9(not_at_all), with_item9(None)):
        card = y1(body)
        assert card["indicator"] == "info" and "self-harm" not in card["summary"]
