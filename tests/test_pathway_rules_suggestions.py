"""The suggestion builders shared by the pathway and the order checks: every orderable resolves to a
value-set member, and the draft resources have the shape a CDS client can create."""

from __future__ import annotations

import pytest

from hooks import suggestions as sx
from hooks.terminology import default_terminology

TERM = default_terminology()


@pytest.mark.parametrize("spec", sx.ALL_ORDERS, ids=lambda s: s.key)
def test_every_order_builder_resolves_to_a_value_set_member(spec: sx.OrderSpec) -> None:
    member = TERM.first(spec.value_set)
    assert member.code and member.system.startswith("http")
    assert len({s.key for s in sx.ALL_ORDERS}) == len(sx.ALL_ORDERS)


def test_service_request_is_a_draft_for_the_patient_with_its_reasons() -> None:
    res = sx.service_request(
        sx.MRI_WITH_AND_WITHOUT_CONTRAST,
        TERM,
        patient_id="p1",
        reasons=("Condition/a", "Condition/a", "Condition/b"),
        priority="urgent",
        note="after lumbar surgery",
    )
    assert res["resourceType"] == "ServiceRequest"
    assert res["status"] == "draft" and res["intent"] == "proposal" and res["priority"] == "urgent"
    assert res["subject"] == {"reference": "Patient/p1"}
    assert res["reasonReference"] == [{"reference": "Condition/a"}, {"reference": "Condition/b"}]
    assert res["code"]["coding"][0]["code"] == "72158"
    assert res["note"] == [{"text": "after lumbar surgery"}]


def test_suggest_wraps_one_create_action_and_marks_priority_in_the_label() -> None:
    s = sx.suggest(sx.SPINE_SURGERY_REFERRAL, TERM, patient_id="p1", priority="stat", recommended=True)
    assert s.is_recommended and s.label.startswith("Stat: ")
    assert [a.type for a in s.actions] == ["create"]
    assert sx.ordered_codes(s) == [("http://snomed.info/sct", "183546007")]


def test_superseding_removes_the_pending_orders_before_creating_the_new_one() -> None:
    s = sx.suggest(sx.MRI_WITH_AND_WITHOUT_CONTRAST, TERM, patient_id="p1", recommended=True)
    plain = [("ServiceRequest/plain", "MRI lumbar spine without contrast")]
    both = sx.superseding(s, plain, label="Replace")
    removal, creation = both.actions
    assert (removal.type, removal.resource_id) == ("delete", "ServiceRequest/plain")
    assert (creation.type, creation.resource_id) == ("create", None)
    assert both.label == "Replace" and both.is_recommended
    assert sx.superseding(s, []) is s


def test_diagnostic_snrb_says_it_is_diagnostic() -> None:
    res = sx.service_request(sx.DIAGNOSTIC_SNRB, TERM, patient_id="p1")
    assert res["code"]["coding"][0]["code"] == "64483"
    assert "local anaesthetic only" in res["note"][0]["text"]


def test_medication_request_reasons_only_name_conditions_or_observations() -> None:
    res = sx.medication_request(
        sx.NALOXONE, TERM, patient_id="p1", reasons=("Condition/a", "MedicationRequest/oxy")
    )
    assert res["resourceType"] == "MedicationRequest" and res["status"] == "draft"
    assert res["medicationCodeableConcept"]["coding"][0]["code"] == "7242"
    assert res["reasonReference"] == [{"reference": "Condition/a"}]
    assert res["dosageInstruction"][0]["text"]


def test_the_first_tfesi_is_the_transforaminal_order_and_not_worded_as_a_repeat() -> None:
    """The first image-guided transforaminal ESI (CPT 64483, imaging guidance included) comes from the
    transforaminal order value set, as the repeat does; its words never say repeat."""
    res = sx.service_request(sx.TFESI, TERM, patient_id="p1", body_site=sx.BodySite("left L4-L5"))
    assert res["code"]["coding"][0]["code"] == "64483"
    assert TERM.first(sx.TFESI.value_set).code == TERM.first(sx.REPEAT_TFESI.value_set).code
    assert res["bodySite"] == [{"text": "left L4-L5"}]
    words = " ".join([sx.TFESI.label, sx.TFESI.text, sx.TFESI.note or ""]).lower()
    assert "repeat" not in words and "image-guided" in words
    assert sx.TFESI in sx.ALL_ORDERS
