"""A taper's dosage steps follow one another: the day's dose is the largest step's, not their sum.

Oxycodone 5 mg, 1 tablet every 6 hours for 3 days then every 8 hours for 2 days (two dosage
instructions, sequence 1 and 2) was counted as both at once, 52.5 MME/day instead of at most 30,
and drew "start lower" for an opioid-naive patient. FHIR's ``Dosage.sequence`` orders instructions one
after another; instructions sharing a sequence, or giving none, are still taken together and added.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from cds_service.draft_orders import read_order
from cds_service.fhir_facts import build_history
from hooks.orders import evaluate_orders
from hooks.orders.checks.medications import order_mme
from hooks.orders.context import OrderContext
from hooks.terminology import default_terminology
from tests.orders_builders import RADICULOPATHY, cond, history, inp

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def dosage(per_hours: int, sequence: int | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "timing": {"repeat": {"frequency": 1, "period": per_hours, "periodUnit": "h"}},
        "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
    }
    if sequence is not None:
        d["sequence"] = sequence
    return d


def oxycodone(*dosages: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest", "id": "oxy", "status": "draft", "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1049621",
                                                  "display": "oxycodone hydrochloride 5 MG Oral Tablet"}]},
        "dosageInstruction": list(dosages),
    }  # fmt: skip


def mme(resource: dict[str, Any]) -> float | None:
    request = inp("order-sign", [resource], history(cond("rad", RADICULOPATHY, 60)))
    return order_mme(OrderContext(request), read_order(resource, True))


def test_a_tapers_steps_count_the_largest_not_their_sum() -> None:
    assert mme(oxycodone(dosage(6, 1), dosage(8, 2))) == 30


def test_the_taper_draws_no_start_lower_card_for_an_opioid_naive_patient() -> None:
    cards = evaluate_orders(inp("order-sign", [oxycodone(dosage(6, 1), dosage(8, 2))],
                                history(cond("rad", RADICULOPATHY, 60))))  # fmt: skip
    assert not any("≥ 50 MME" in c.summary for c in cards), [c.summary for c in cards]


def test_guard_instructions_without_a_sequence_are_taken_together() -> None:
    assert mme(oxycodone(dosage(6, None), dosage(8, None))) == 52.5


def test_a_recorded_taper_is_read_the_same_way() -> None:
    recorded = {**oxycodone(dosage(6, 1), dosage(8, 2)), "status": "active", "authoredOn": "2026-11-01"}
    (m,) = build_history([recorded], default_terminology()).medications
    assert [d.sequence for d in m.doses] == [1, 2]
