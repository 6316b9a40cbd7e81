"""A drafted medication sent with a code no value set lists and no name cannot be told from an
anticoagulant or a benzodiazepine: it gets the "not fully checked" card, never silence. A draft with
no medication chosen yet (as the public Sandbox sends), or one with a name, does not.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from tests.orders_builders import RADICULOPATHY, RX, cond
from tests.test_orders_checks import rules, run


def _drug(rid: str, code: str | None, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
    }
    if code is not None:
        coding = {"system": RX, "code": code, **({"display": display} if display else {})}
        out["medicationCodeableConcept"] = {"coding": [coding]}
    return out


def test_unlisted_code_without_a_name_is_not_fully_checked() -> None:
    cards = run("order-sign", [_drug("mr-x", "1364445")], cond("rad", RADICULOPATHY, 60))
    assert rules(cards) == ["order.not-fully-checked"]
    (card,) = cards
    assert card.summary.startswith("Not fully checked: the drafted medication could not be identified")
    assert "1364445" in card.why[0].text and card.why[0].ref == "MedicationRequest/mr-x"


def test_guard_a_draft_with_no_medication_chosen_draws_nothing() -> None:
    assert run("order-sign", [_drug("mr-x", None)], cond("rad", RADICULOPATHY, 60)) == []


def test_guard_a_named_drug_outside_the_value_sets_draws_nothing() -> None:
    assert run("order-sign", [_drug("mr-x", "723", "amoxicillin")], cond("rad", RADICULOPATHY, 60)) == []
