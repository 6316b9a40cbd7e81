"""Osteoporosis as a fracture-risk context (ACR Appropriateness Criteria Low Back Pain 2021, variant 6:
osteoporosis makes initial imaging appropriate, where variants 1-2 say no imaging in the first 6
weeks). An 88-year-old with osteoporosis and new radicular pain was told "no red flag" and advised
against lumbar imaging, citing ACR against its own variant; an early lumbar MRI ordered for her drew
the early-imaging card. Osteoporosis is not a red flag (no critical card): the acute cards name it,
offer lumbar radiographs to exclude a vertebral compression fracture, and early imaging stands.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from typing import Any

from pathway_builders import assert_house_rules, card_of, cond, obs, radic, run, states

from cds_service.fhir_facts import build_history
from cds_service.relevance import is_relevant
from fhir_fixtures.fhir_builder import ICD10CM
from hooks.cards import CardDraft, render_detail
from tests import orders_builders as ob
from tests.test_orders_checks import RADICULOPATHY, rules
from tests.test_orders_checks import run as run_orders

OSTEOPOROSIS = cond("osteo", "fracture_risk_osteoporosis", "M81", onset=2000)
XRAY = "72100"


def created_codes(card: CardDraft) -> list[str]:
    return [
        c["code"]
        for s in card.suggestions
        for a in s.actions
        if a.type == "create" and a.resource is not None
        for c in a.resource["code"]["coding"]
    ]


def test_acute_pain_with_osteoporosis_offers_radiographs_and_never_says_no_red_flag() -> None:
    cards = run(radic(days=15), obs("p", "pain", 5, 1), OSTEOPOROSIS)
    assert states(cards) == ["E1"]
    e1 = cards[0]
    assert_house_rules(e1)
    assert e1.indicator == "info"  # a fracture risk, not a red flag
    assert "osteoporosis" in e1.summary and "radiographs" in e1.summary
    assert e1.why[0].ref == "Condition/osteo" and "ACR 2021 variant 6" in e1.why[0].text
    assert "no red flag" not in render_detail(e1)
    assert e1.next_steps[0].startswith(
        "Lumbar radiographs now to exclude a vertebral compression fracture (osteoporosis;"
    )
    assert not any("Lumbar imaging" in a for a in e1.avoid)
    assert created_codes(e1) == [XRAY]
    assert all(s.is_recommended for s in e1.suggestions)


def test_severe_acute_pain_with_osteoporosis_adds_the_radiographs_to_the_referral() -> None:
    cards = run(radic(days=15), obs("p", "pain", 9, 1), obs("o", "odi", 60, 1), OSTEOPOROSIS)
    e2 = card_of(cards, "E2")
    assert_house_rules(e2)
    assert any(f.ref == "Condition/osteo" for f in e2.why)
    assert any(
        s.startswith("Lumbar radiographs now to exclude a vertebral compression fracture (osteoporosis;")
        for s in e2.next_steps
    )
    assert XRAY in created_codes(e2)


def test_an_early_mri_for_a_patient_with_osteoporosis_is_not_stopped() -> None:
    facts = (ob.cond("rad", RADICULOPATHY, 14), ob.cond("osteo", "M81.0", 4000, "Age-related osteoporosis"))
    assert "order.mri-early" not in rules(run_orders("order-select", [ob.sr("mri1", "72148")], *facts))


def test_osteoporosis_sent_as_fhir_is_kept_by_the_relevance_screen_and_read() -> None:
    from hooks.terminology import default_terminology

    term = default_terminology()
    raw: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "osteo",
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {"coding": [{"system": ICD10CM, "code": "M81.0", "display": "Age-related osteoporosis"}]},
        "onsetDateTime": "2019-03-01",
    }
    assert is_relevant(raw, term)
    (fact,) = build_history([raw], term).conditions
    assert term.match("fracture_risk_osteoporosis", fact.codings) is not None


def test_guard_acute_pain_without_osteoporosis_keeps_no_imaging() -> None:
    (e1,) = run(radic(days=15), obs("p", "pain", 5, 1))
    assert "no red flag" in render_detail(e1)
    assert any("Lumbar imaging" in a for a in e1.avoid)
    assert not e1.suggestions


def test_guard_an_early_mri_without_osteoporosis_is_still_stopped() -> None:
    facts = (ob.cond("rad", RADICULOPATHY, 14),)
    assert "order.mri-early" in rules(run_orders("order-select", [ob.sr("mri1", "72148")], *facts))
