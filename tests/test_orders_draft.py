"""Lenient reading of draftOrders at the service boundary (``cds_service.draft_orders``): resource
types, selections, dosage shapes, contained medications; and the order checks working from typed
``DraftOrder`` facts alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, get_type_hints

from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.draft_orders import read_draft_orders, read_order
from hooks.cards import CardDraft
from hooks.evaluation import EvaluationInput
from hooks.facts import Dose, DraftOrder, OriginalResource
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import CPT, RADICULOPATHY, RX, SUBJECT, TODAY, cond, history, inp, mr, sr


def test_order_select_marks_only_selections_and_accepts_a_bare_id() -> None:
    drafts = [sr("a", "72148"), sr("b", "62322"), mr("c", "7804", "oxycodone")]
    orders = read_draft_orders("order-select", drafts, ["ServiceRequest/a", "c"])
    assert [(o.ref, o.selected) for o in orders] == [
        ("ServiceRequest/a", True),
        ("ServiceRequest/b", False),
        ("MedicationRequest/c", True),
    ]
    assert all(o.selected for o in read_draft_orders("order-sign", drafts, []))


def test_r4_dose_and_rate_as_list_or_object_and_stu3_dose_quantity() -> None:
    r4 = read_order(mr("x", "7804", "oxycodone", dose=10, per=4), True)
    stu3 = read_order(mr("y", "7804", "oxycodone", dose=10, per=4, stu3=True), True)
    obj = mr("z", "7804", "oxycodone", dose=10, per=4)
    obj["dosageInstruction"][0]["doseAndRate"] = obj["dosageInstruction"][0]["doseAndRate"][0]
    assert r4.daily_dose_mg() == stu3.daily_dose_mg() == read_order(obj, True).daily_dose_mg() == 40.0


def test_frequency_per_hours_and_missing_parts() -> None:
    q6h = mr("x", "7804", "oxycodone", dose=5)
    q6h["dosageInstruction"][0]["timing"] = {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}}
    assert read_order(q6h, True).daily_dose_mg() == 20.0
    no_timing = mr("y", "7804", "oxycodone", dose=5)
    del no_timing["dosageInstruction"][0]["timing"]
    assert read_order(no_timing, True).daily_dose_mg() is None
    assert read_order(mr("z", None, ""), True).codings == ()


def test_contained_medication_codes_ingredients_and_strength() -> None:
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest", "id": "m", "status": "draft",
        "contained": [{"resourceType": "Medication", "id": "med",
                       "code": {"text": "Oxycodone 5 MG Oral Tablet"},
                       "ingredient": [{"itemCodeableConcept": {"coding": [
                           {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7804"}]},
                           "strength": {"numerator": {"value": 5, "unit": "mg"},
                                        "denominator": {"value": 1, "unit": "TAB"}}}]}],
        "medicationReference": {"reference": "#med"},
        "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "TAB"}}],
                               "timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}}}],
    }  # fmt: skip
    order = read_order(res, True)
    assert order.text == "Oxycodone 5 MG Oral Tablet"
    assert [c.code for c in order.ingredient_codings] == ["7804"]
    assert order.strength_mg == 5.0 and order.daily_dose_mg() == 30.0


def test_odd_resources_never_raise() -> None:
    odd = [
        {"resourceType": "NutritionOrder", "id": "n"},
        {"resourceType": "DeviceRequest", "id": "d", "codeCodeableConcept": {"text": "brace"}},
        {"resourceType": "ServiceRequest"},  # no id, no code
        {"resourceType": "MedicationRequest", "id": "m", "dosageInstruction": {"text": "one object"}},
        {"resourceType": "ServiceRequest", "id": "s", "code": {"coding": ["not-an-object", {"code": "x"}]}},
    ]
    orders = read_draft_orders("order-sign", odd, [])
    assert [o.ref for o in orders] == ["NutritionOrder/n", "DeviceRequest/d", "", "MedicationRequest/m",
                                       "ServiceRequest/s"]  # fmt: skip
    assert orders[1].text == "brace" and orders[3].doses[0].text == "one object"
    assert evaluate_orders(inp("order-sign", odd, history(cond("rad", RADICULOPATHY, 14)))) == []


def test_stu3_procedure_request_is_judged_like_a_service_request() -> None:
    blind = sr("p", "62322")
    blind["resourceType"] = "ProcedureRequest"
    cards = evaluate_orders(inp("order-sign", [blind], history(cond("rad", RADICULOPATHY, 70))))
    assert [(c.rule_id, c.subject_key) for c in cards] == [("order.esi-blind", "ProcedureRequest/p")]


def test_update_replaces_the_whole_resource_and_keeps_its_id() -> None:
    order = read_order(sr("mri", "72148", note=[{"text": "keep me"}]), True)
    from hooks.terminology import default_terminology

    new = order.replaced(default_terminology().first("mri_lumbar_with_and_without_contrast").coding())
    assert new["id"] == "mri" and new["note"] == [{"text": "keep me"}] and new["subject"] == SUBJECT
    assert new["code"]["coding"][0]["code"] == "72158"
    again = order.updated(priority="stat")  # the draft itself was not mutated
    assert again["code"]["coding"][0]["code"] == "72148" and again["priority"] == "stat"


def test_a_draft_without_an_id_gets_no_update_or_delete() -> None:
    blind = sr("x", "62322")
    del blind["id"]
    cards = evaluate_orders(inp("order-sign", [blind], history(cond("rad", RADICULOPATHY, 70))))
    (card,) = cards
    assert card.rule_id == "order.esi-blind" and card.suggestions == () and card.subject_key is None
    assert any("no id" in g for g in card.gaps)


def test_update_keeps_the_clinicians_notes_and_adds_its_own() -> None:
    from hooks.terminology import default_terminology

    order = read_order(sr("rfa", "64635", note=[{"text": "patient prefers mornings"}]), True)
    new = order.replaced(
        default_terminology().first("order_medial_branch_block").coding(), note=[{"text": "block"}]
    )
    assert new["note"] == [{"text": "patient prefers mornings"}, {"text": "block"}]


# Arbitrary JSON shaped like FHIR: the reader and every check must take whatever a client sends.
_WORDS = ("", "mg", "d", "h", "62322", "72148", "63685", "7804", "3322", "#m", "draft", "MedicationRequest/x",
          "http://www.ama-assn.org/go/cpt", "http://www.nlm.nih.gov/research/umls/rxnorm")  # fmt: skip
_KEYS = ("code", "coding", "system", "text", "value", "unit", "display", "doseQuantity", "doseAndRate",
         "timing", "repeat", "frequency", "period", "periodUnit", "reference", "id", "ingredient", "strength",
         "numerator")  # fmt: skip
_TOP = ("id", "code", "medicationCodeableConcept", "medicationReference", "contained", "dosageInstruction",
        "dispenseRequest", "bodySite", "status", "priority", "authoredOn")  # fmt: skip
_scalar = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=16),
                    st.sampled_from(_WORDS))  # fmt: skip
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    rtype=st.sampled_from(
        ["ServiceRequest", "MedicationRequest", "ProcedureRequest", "DeviceRequest", "Foo"]
    ),
    body=st.dictionaries(st.sampled_from(_TOP), _json, max_size=6),
)
def test_any_draft_shape_is_read_without_raising(rtype: str, body: dict[str, Any]) -> None:
    resource = {**body, "resourceType": rtype}
    orders = read_draft_orders("order-sign", [resource], [])
    assert len(orders) == 1
    evaluate_orders(inp("order-sign", [resource], history(cond("rad", RADICULOPATHY, 20))))


def _typed(rtype: str, rid: str, coding: Coding, **kw: Any) -> DraftOrder:
    """A draft order as a typed fact, built by hand: no FHIR JSON behind it at all."""
    return DraftOrder(
        ref=f"{rtype}/{rid}", resource_type=rtype, id=rid, codings=(coding,), ingredient_codings=(),
        text=coding.display or coding.code, status="draft", intent="order", priority=None, authored=TODAY,
        selected=True, original=OriginalResource({}), **kw,
    )  # fmt: skip


def test_the_checks_judge_typed_draft_orders_alone() -> None:
    """``EvaluationInput`` carries typed ``DraftOrder`` facts, and the checks judge those alone: orders
    built by hand, with an empty original resource, draw the same cards as the JSON a client sends."""
    hist = history(cond("rad", RADICULOPATHY, 70))
    sent = [sr("esi", "62322", "Blind lumbar ESI"), mr("oxy", "7804", "oxycodone", dose=10, per=4)]
    typed = (
        _typed("ServiceRequest", "esi", Coding(CPT, "62322", "Blind lumbar ESI")),
        _typed(
            "MedicationRequest", "oxy", Coding(RX, "7804", "oxycodone"),
            doses=(Dose("10 mg 4 times per d", 10.0, "mg", 4.0),),
        ),
    )  # fmt: skip
    by_hand = replace(inp("order-sign", [], hist), draft_orders=typed)
    assert get_type_hints(EvaluationInput)["draft_orders"] == tuple[DraftOrder, ...]

    def judged(cards: list[CardDraft]) -> list[tuple[str, str | None, str, str]]:
        return [(c.rule_id, c.subject_key, c.indicator, c.summary) for c in cards]

    from_json = evaluate_orders(inp("order-sign", sent, hist))
    assert {c.rule_id for c in from_json} >= {"order.esi-blind", "order.opioid-risk"}
    assert judged(evaluate_orders(by_hand)) == judged(from_json)


def test_the_original_resource_is_only_echoed() -> None:
    """What the client sent is kept to be sent back in an update, never read by a check."""
    original = read_order(sr("mri", "72148"), True).original
    assert not isinstance(original, Mapping) and not hasattr(original, "get")
    assert original.with_fields(priority="stat")["priority"] == "stat"
