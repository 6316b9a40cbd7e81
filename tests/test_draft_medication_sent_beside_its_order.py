"""A MedicationRequest whose drug is a Medication sent as its own draftOrders entry (an EHR may send
it that way rather than contained) is judged as that drug: diazepam drafted so beside oxycodone on
record drew no card, because the order's only words were the reference. The Medication is then part
of its order, not an order of its own; a Medication no order names is read as before."""

from __future__ import annotations

from typing import Any

from orders_builders import cond, history, inp, med

from cds_service.draft_orders import read_draft_orders
from hooks.orders import evaluate_orders

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _diazepam(rid: str = "diaz") -> dict[str, Any]:
    return {
        "resourceType": "Medication",
        "id": rid,
        "code": {"coding": [{"system": RXNORM, "code": "3322", "display": "diazepam"}]},
    }


def _request(reference: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": "mr1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationReference": {"reference": reference},
        "authoredOn": "2026-11-02",
    }


def _cards(drafts: list[dict[str, Any]]) -> list[tuple[str, str]]:
    oxycodone = med("o", "7804", "oxycodone", 100)
    hist = history(cond("rad", "M54.16", 90, "Radiculopathy, lumbar region"), oxycodone)
    return [(c.rule_id, c.indicator) for c in evaluate_orders(inp("order-sign", drafts, hist))]


def test_the_drug_of_an_order_sent_as_its_own_entry_is_read_with_the_order() -> None:
    orders = read_draft_orders("order-sign", [_request("Medication/diaz"), _diazepam()], ())
    assert [o.ref for o in orders] == ["MedicationRequest/mr1"]
    assert orders[0].text == "diazepam"
    assert any(c.code == "3322" for c in orders[0].codings)


def test_a_benzodiazepine_sent_so_beside_an_opioid_on_record_draws_its_card() -> None:
    cards = _cards([_request("Medication/diaz"), _diazepam()])
    assert cards == [("order.benzodiazepine-with-opioid", "warning")]


def test_a_reference_to_a_medication_not_sent_reads_nothing_more() -> None:
    orders = read_draft_orders("order-sign", [_request("Medication/elsewhere"), _diazepam("other")], ())
    assert [o.ref for o in orders] == ["MedicationRequest/mr1", "Medication/other"]
    assert orders[0].codings == ()
