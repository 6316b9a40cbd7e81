"""A corticosteroid burst drafted with a reason that is not the spine — an asthma or COPD
exacerbation, a gout flare, by reasonCode or by a reasonReference to the Condition — is no course
for sciatica: the order draws no "oral corticosteroid for sciatica" card, as the patient-view
rule (M3) already reads a recorded one. A reason that names the back or the leg keeps the card,
and so does a burst drafted with no reason stated.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from fhir_fixtures import fhir_builder as fb
from hooks.cards import CardDraft
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, mr

STEROID = "order.oral-steroid-sciatica"
RAD = cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy")
PREDNISONE = ("8640", "prednisone")


def _rules(order_extra: dict[str, Any], *facts: Any) -> list[str]:
    order = mr("p", *PREDNISONE, 40, "mg", 1, "d", route="Oral")
    order.update(order_extra)
    cards: list[CardDraft] = evaluate_orders(inp("order-sign", [order], history(RAD, *facts)))
    return [c.rule_id for c in cards]


def _reason(code: str, display: str) -> dict[str, Any]:
    return {"reasonCode": [{"coding": [{"system": fb.ICD10CM, "code": code, "display": display}]}]}


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("J45.901", "Unspecified asthma with (acute) exacerbation"),
        ("J44.1", "Chronic obstructive pulmonary disease with (acute) exacerbation"),
        ("M10.9", "Gout, unspecified"),
    ],
)
def test_a_burst_for_another_illness_draws_no_sciatica_card(code: str, display: str) -> None:
    assert STEROID not in _rules(_reason(code, display))


def test_a_burst_whose_reason_refers_to_a_copd_condition_draws_no_sciatica_card() -> None:
    copd = cond("copd", "J44.1", 2, "COPD exacerbation")
    assert STEROID not in _rules({"reasonReference": [{"reference": "Condition/copd"}]}, copd)


@pytest.mark.parametrize(
    ("code", "display"),
    [(RADICULOPATHY, "Radiculopathy, lumbar region"), ("M54.50", "Low back pain, unspecified")],
)
def test_guard_a_reason_naming_the_back_keeps_the_card(code: str, display: str) -> None:
    assert STEROID in _rules(_reason(code, display))


def test_guard_a_burst_with_no_reason_keeps_the_card() -> None:
    assert STEROID in _rules({})
