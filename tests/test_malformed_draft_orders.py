"""Draft orders and selections the service cannot judge are a 400 naming the element, never a 200
with no cards (which reads as "nothing to worry about"): an order-select with no selection, or one
selection naming no draft beside others that do; a code, medication, reason or subject of the wrong
JSON shape; a draft for another patient than ``context.patientId``; two drafts with one id.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cds_service import wire
from cds_service.errors import BadRequest

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ESI: dict[str, Any] = {
    "resourceType": "ServiceRequest", "id": "sr-esi", "status": "draft", "intent": "order",
    "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "64483"}]},
    "subject": {"reference": "Patient/p"},
}  # fmt: skip
OXY: dict[str, Any] = {
    "resourceType": "MedicationRequest", "id": "mr-oxy", "status": "draft", "intent": "order",
    "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "7804"}]},
    "subject": {"reference": "Patient/p"},
}  # fmt: skip


def request(hook: str, drafts: list[dict[str, Any]], selections: list[str] | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/1",
        "patientId": "p",
        "draftOrders": {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": d} for d in drafts],
        },
    }
    if hook == "order-select":
        context["selections"] = (
            selections if selections is not None else [f"{drafts[0]['resourceType']}/{drafts[0]['id']}"]
        )
    return {"hook": hook, "hookInstance": "i-1", "context": context}


def rejected(body: dict[str, Any]) -> list[str]:
    with pytest.raises(BadRequest) as info:
        wire.parse_request(body)
    return list(info.value.expression)


def with_(resource: dict[str, Any], **fields: Any) -> dict[str, Any]:
    out = copy.deepcopy(resource)
    out.update(fields)
    return out


def test_order_select_without_a_selection_is_a_400() -> None:
    assert rejected(request("order-select", [ESI], [])) == ["context.selections"]


def test_one_selection_naming_no_draft_beside_one_that_does_is_a_400() -> None:
    assert rejected(request("order-select", [ESI], ["ServiceRequest/sr-esi", "ServiceRequest/gone"])) == [
        "context.selections"
    ]


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
@pytest.mark.parametrize(
    ("draft", "element"),
    [
        (with_(ESI, code="64483"), "code"),
        (with_(OXY, medicationCodeableConcept="oxycodone"), "medicationCodeableConcept"),
        (with_(ESI, reasonCode={"text": "sciatica"}), "reasonCode"),
        (with_(ESI, bodySite=["L5-S1"]), "bodySite"),
        (with_(ESI, subject="Patient/p"), "subject"),
        (with_(ESI, id=7), "id"),
    ],
)
def test_a_draft_element_of_the_wrong_shape_is_a_400_naming_it(
    hook: str, draft: dict[str, Any], element: str
) -> None:
    body = request(hook, [draft], [f"{draft['resourceType']}/sr-esi"] if element == "id" else None)
    assert rejected(body) == [f"context.draftOrders.entry[0].resource.{element}"]


def test_a_draft_for_another_patient_is_a_400() -> None:
    other = with_(ESI, subject={"reference": "https://ehr.example.org/fhir/Patient/someone-else"})
    assert rejected(request("order-sign", [other])) == ["context.draftOrders.entry[0].resource.subject"]


def test_two_drafts_with_one_id_are_a_400() -> None:
    assert rejected(request("order-sign", [ESI, with_(ESI, status="draft")])) == [
        "context.draftOrders.entry[1]"
    ]


def test_guard_well_formed_drafts_parse() -> None:
    req = wire.parse_request(request("order-select", [ESI, OXY], ["ServiceRequest/sr-esi"]))
    assert len(req.draft_orders) == 2


def test_guard_a_draft_without_a_subject_or_medication_is_read() -> None:
    """The public Sandbox drafts a MedicationRequest without intent or medication until a drug is chosen."""
    bare = {"resourceType": "MedicationRequest", "id": "mr-1", "status": "draft"}
    assert len(wire.parse_request(request("order-sign", [bare])).draft_orders) == 1
