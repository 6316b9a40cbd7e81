"""Fracture risk on the acute cards beyond osteoporosis (ACR Appropriateness Criteria Low Back Pain 2021,
variant 6: initial radiographs are appropriate for low back pain with radiculopathy and low-velocity
trauma, osteoporosis, an elderly individual or chronic steroid use). An 82-year-old who fell the day
before her sciatica began was told "no red flag" and advised against lumbar imaging (ACR variants 1-2);
recorded long-term steroid use was not read either. A fall or other trauma recorded with the present
illness from age 70 (``acute.TRAUMA_AGE_YEARS``), or long-term systemic steroid use, is now named on
the acute cards as the fact that decides it, with lumbar radiographs offered as for osteoporosis, and
an early lumbar MRI stands. It is not a red flag (no critical card). Age alone, a fall years before
the pain, or a fall before 70 changes nothing.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from pathway_builders import (
    TODAY,
    ago,
    assert_house_rules,
    card_of,
    cond,
    fake_assessor,
    make_input,
    obs,
    radic,
    states,
)

from fhir_fixtures.fhir_builder import ICD10CM
from hooks.cards import CardDraft, render_detail, render_full
from hooks.facts import ConditionFact, PatientFact
from hooks.pathway import evaluate_pathway
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules import acute
from hooks.terminology import Coding
from tests import orders_builders as ob
from tests.test_orders_checks import RADICULOPATHY, rules

XRAY = "72100"
VARIANT_6 = "ACR 2021 variant 6"


def born(years_before: int, today: date = TODAY) -> date:
    """A birth date that makes the patient ``years_before`` years old on ``today`` (a month past the
    birthday)."""
    return date(today.year - years_before, max(today.month - 1, 1), 1)


def fall(ref: str = "fall", days: int = 16, *, code: str = "W19.XXXA", text: str = "Unspecified fall, "
         "initial encounter", notes: tuple[str, ...] = ()) -> ConditionFact:  # fmt: skip
    """A fall recorded ``days`` ago (W19.XXXA: in ``trauma_low_back_and_falls``, and a fall by its words)."""
    d = ago(days)
    return ConditionFact(
        ref=f"Condition/{ref}", codings=(Coding(ICD10CM, code, text),), text=text, clinical_status="active",
        verification_status="confirmed", categories=("encounter-diagnosis",), onset=d, onset_text=None,
        recorded=d, abatement=None, notes=notes,
    )  # fmt: skip


STEROIDS = cond("ster", "red_flag_context_needs_new_pain", "Z79.52", onset=900)


def aged_input(age: int, *facts: Any) -> Any:
    inp = make_input(*facts)
    patient = PatientFact("Patient/pt-1", born(age), "female")
    return replace(inp, history=replace(inp.history, patient=patient))


def run_aged(age: int, *facts: Any) -> list[CardDraft]:
    inp = aged_input(age, *facts)
    return evaluate_pathway(inp, fake_assessor(inp, {}))


def created_codes(card: CardDraft) -> list[str]:
    return [
        c["code"]
        for s in card.suggestions
        for a in s.actions
        if a.type == "create" and a.resource is not None
        for c in a.resource["code"]["coding"]
    ]


def assert_as_today(e1: CardDraft) -> None:
    """E1 without a fracture risk: "no red flag", no imaging, nothing offered."""
    assert "no red flag" in render_detail(e1)
    assert any("Lumbar imaging" in a for a in e1.avoid)
    assert not e1.suggestions
    assert "radiographs" not in e1.summary


# ---------------------------------------------------------------------------------------------
# trauma with the present illness from age 70
# ---------------------------------------------------------------------------------------------


def test_fall_the_day_before_the_pain_at_82_offers_radiographs_and_names_the_fall() -> None:
    cards = run_aged(82, radic(days=15), fall(days=16), obs("p", "pain", 5, 1))
    assert states(cards) == ["E1"]
    (e1,) = cards
    assert_house_rules(e1)
    assert e1.indicator == "info"  # a fracture risk, not a red flag
    assert "fall" in e1.summary and "radiographs" in e1.summary and "age 82" in e1.summary
    first = e1.why[0]
    assert first.ref == "Condition/fall"
    assert first.text.startswith(f"fall on {ago(16).isoformat()} at age 82: fracture risk ({VARIANT_6})")
    detail = render_detail(e1)
    assert "no red flag" not in detail and "no imaging" not in detail.lower()
    assert "no red flag" not in render_full(e1)
    assert e1.next_steps[0].startswith(
        "Lumbar radiographs now to exclude a vertebral fracture (a fall at age 82;"
    )
    assert not any("Lumbar imaging" in a for a in e1.avoid)
    assert created_codes(e1) == [XRAY]
    assert all(s.is_recommended for s in e1.suggestions)


def test_lumbar_strain_with_fell_in_its_note_counts_as_the_fall() -> None:
    """S39.012A with "Fell down stairs yesterday" in its note, at 80: the note names the fall."""
    text = "Strain of muscle, fascia and tendon of lower back, initial encounter"
    strain = fall("inj", 16, code="S39.012A", text=text, notes=("Fell down stairs yesterday.",))
    (e1,) = run_aged(80, radic(days=15), strain)
    assert e1.why[0].ref == "Condition/inj" and "Fell down stairs" in e1.why[0].text
    assert "at age 80" in e1.why[0].text
    assert created_codes(e1) == [XRAY]
    assert "no red flag" not in render_detail(e1)


def test_a_lower_back_injury_by_its_code_alone_counts_as_an_injury() -> None:
    """S39.012A with no words of a fall: an injury of the lower back by its code
    (``trauma_low_back_and_falls``), at 80."""
    text = "Strain of muscle, fascia and tendon of lower back, initial encounter"
    (e1,) = run_aged(80, radic(days=15), fall("inj", 16, code="S39.012A", text=text))
    assert e1.why[0].ref == "Condition/inj" and "injury" in e1.why[0].text and "at age 80" in e1.why[0].text
    assert created_codes(e1) == [XRAY]


def test_the_relevance_screen_keeps_a_fall_and_a_lower_back_injury_by_their_codes() -> None:
    """A fall coded W19.XXXA or a strain of the lower back S39.012A reaches the rules: the screen keeps
    them by their value set, not by their words."""
    from cds_service.relevance import is_relevant
    from fhir_fixtures import fhir_builder as fb
    from hooks.terminology import default_terminology

    for code, display in (
        ("W19.XXXA", "Unspecified fall, initial encounter"),
        ("S39.012A", "Strain of muscle, fascia and tendon of lower back, initial encounter"),
    ):
        concept = fb.concept(fb.unchecked_coding(ICD10CM, code, display))
        raw = fb.condition("c", concept, {"reference": "Patient/p"}, onset=ago(2).isoformat())
        assert is_relevant(raw, default_terminology()), code


def test_fall_after_the_onset_counts_and_severe_pain_adds_the_radiographs_to_the_referral() -> None:
    cards = run_aged(82, radic(days=15), fall(days=3), obs("p", "pain", 9, 1), obs("o", "odi", 60, 1))
    e2 = card_of(cards, "E2")
    assert_house_rules(e2)
    assert e2.indicator == "warning"
    assert any(f.ref == "Condition/fall" and VARIANT_6 in f.text for f in e2.why)
    assert any(
        s.startswith("Lumbar radiographs now to exclude a vertebral fracture (a fall at age 82;")
        for s in e2.next_steps
    )
    assert XRAY in created_codes(e2)


def test_guard_fall_three_years_before_the_onset_changes_nothing() -> None:
    (e1,) = run_aged(82, radic(days=15), fall(days=15 + 3 * 365), obs("p", "pain", 5, 1))
    assert_as_today(e1)


def test_guard_fall_at_60_changes_nothing() -> None:
    (e1,) = run_aged(60, radic(days=15), fall(days=16), obs("p", "pain", 5, 1))
    assert_as_today(e1)


def test_guard_age_85_alone_changes_nothing() -> None:
    (e1,) = run_aged(85, radic(days=15), obs("p", "pain", 5, 1))
    assert_as_today(e1)


def test_guard_a_denied_fall_or_a_fall_risk_changes_nothing() -> None:
    for words in ("No fall or trauma.", "High risk of falls.", "Difficulty falling asleep."):
        note = fall("note", 10, code="M54.50", text="Low back pain, unspecified", notes=(words,))
        (e1,) = run_aged(82, radic(days=15), note, obs("p", "pain", 5, 1))
        assert_as_today(e1)


def test_the_words_of_a_trauma_are_read_as_the_card_reads_them() -> None:
    said = acute._trauma_event
    assert said(fall(notes=())) == ("fall", False)
    assert said(fall(code="M54.50", text="Low back pain", notes=("Sciatica after trauma to the back",))) == (
        "trauma",
        True,
    )
    assert said(fall(code="M54.50", text="Injury of lower back")) == ("injury", False)
    for not_trauma in (
        "Acute kidney injury",
        "Post-traumatic stress disorder",
        "History of falls",
        "Sciatica, fell 10 years ago",
    ):
        assert said(fall(code="X", text=not_trauma)) is None, not_trauma


# ---------------------------------------------------------------------------------------------
# long-term systemic steroid use (Z79.52)
# ---------------------------------------------------------------------------------------------


def test_long_term_steroids_are_a_fracture_risk_on_the_acute_card() -> None:
    """With new sciatica Z79.52 is also an infection-risk context, which R3 reads first (see the
    guard below); E1 itself names the steroids and offers the radiographs."""
    inp = make_input(radic(days=15), STEROIDS, obs("p", "pain", 5, 1))
    ctx = PathwayContext(inp, fake_assessor(inp, {}))
    assert acute.fracture_risk(ctx) == (STEROIDS,)
    e1 = acute.e1_acute_tolerable(ctx)
    assert_house_rules(e1)
    assert e1.why[0].ref == "Condition/ster" and VARIANT_6 in e1.why[0].text
    assert "steroids" in e1.summary and "radiographs" in e1.summary
    assert e1.next_steps[0].startswith(
        "Lumbar radiographs now to exclude a vertebral compression fracture (long-term systemic steroids;"
    )
    assert "no red flag" not in render_detail(e1)
    assert created_codes(e1) == [XRAY]


def test_guard_long_term_steroids_with_new_sciatica_stay_an_infection_red_flag() -> None:
    (r3,) = run_aged(60, radic(days=15), STEROIDS, obs("p", "pain", 5, 1))
    assert r3.rule_id == "R3" and "infection" in r3.summary


# ---------------------------------------------------------------------------------------------
# the order side: an early lumbar MRI stands
# ---------------------------------------------------------------------------------------------


def order_rules(age: int, *facts: ConditionFact) -> list[str]:
    hist = replace(ob.history(*facts), patient=PatientFact("Patient/p1", born(age, ob.TODAY), "female"))
    inp = ob.inp("order-select", [ob.sr("mri1", "72148")], hist)
    from hooks.orders import evaluate_orders

    return rules(evaluate_orders(inp))


def test_an_early_mri_after_a_fall_at_82_is_not_stopped() -> None:
    facts = (
        ob.cond("rad", RADICULOPATHY, 14),
        ob.cond("fall", "W19.XXXA", 15, "Unspecified fall, initial encounter"),
    )
    assert "order.mri-early" not in order_rules(82, *facts)


def test_guard_an_early_mri_after_a_fall_at_60_is_still_stopped() -> None:
    facts = (
        ob.cond("rad", RADICULOPATHY, 14),
        ob.cond("fall", "W19.XXXA", 15, "Unspecified fall, initial encounter"),
    )
    assert "order.mri-early" in order_rules(60, *facts)


def test_guard_an_early_mri_at_85_alone_is_still_stopped() -> None:
    assert "order.mri-early" in order_rules(85, ob.cond("rad", RADICULOPATHY, 14))


def test_guard_an_early_mri_for_a_patient_on_long_term_steroids_draws_no_early_imaging_card() -> None:
    """As for osteoporosis. Already so before this change: with new pain Z79.52 is an infection-risk
    red flag, which lets early imaging stand first."""
    facts = (
        ob.cond("rad", RADICULOPATHY, 14),
        ob.cond("ster", "Z79.52", 900, "Long term (current) use of systemic steroids"),
    )
    assert "order.mri-early" not in order_rules(60, *facts)
