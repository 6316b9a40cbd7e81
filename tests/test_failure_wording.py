"""A card says what the injection did, no more and no less.

F1 — an ESI response is "worked" only when it is known to have lasted (``Assessment.durable`` True:
still ≥ 50 % at 60-120 days, or recurred after that). A responder at 4 weeks whose 60-120-day
score cannot exist yet gave relief "so far", to be reassessed then; one past that horizon with no
score in it has a duration that is "not recorded". A response by function says so; an outcome coded
successful is named as such, not as a measured ≥ 50 % relief. The Medicare ESI LCDs repeat an
injection only after a sustained ≥ 50 % response, so the steps never claim one that is not known.

F3–F6 — the summary opens with the latest image-guided injection's result: "Failed ESI" (< 30 %,
coded unsuccessful, or probable failure), "Partial ESI relief" (30-49 %), "Short-lived ESI relief"
(a response gone below 30 % by the horizon) or "ESI relief did not last" (a response down to 30-49 %
at the horizon). A clinician reading "Failed ESI" for an injection that gave 40 % relief, or relief
that lasted six weeks, is misinformed.

Tests marked "guard" also hold on the code before the fix; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from pathway_builders import (
    ago,
    assert_house_rules,
    card_of,
    codes_of,
    cond,
    conservative,
    make_input,
    obs,
    order,
    proc,
    radic,
    report,
    run,
    states,
)

from hooks.cards import SUMMARY_MAX, CardDraft, render_detail
from hooks.pathway.failure import Outcome, assess_all

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
DISCORDANT = "Mild multilevel degenerative disc disease without nerve root compression."
FACET_MRI = "Bilateral facet arthropathy at L4-5 and L5-S1. No nerve root compression."
LF_STENOSIS = "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy."


def background(days: int = 150) -> list[Any]:
    return [
        radic(days=days),
        *conservative(days - 10),
        proc("mri-1", "imaging_mri_lumbar", "72148", days=120),
    ]


def esi(days: int, **kw: Any) -> Any:
    return proc(
        "esi-1", "esi_transforaminal_lumbar", "64483", days=days, level="L5-S1", laterality="right", **kw
    )


def assessed(*facts: Any) -> Any:
    inp = make_input(*facts)
    return assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)[-1]


def f1(*facts: Any) -> CardDraft:
    cards = run(*background(), *facts)
    assert states(cards) == ["F1"], states(cards)
    return cards[0]


# ---------------------------------------------------------------------------------------------
# F1: "worked" only when the response is known to have lasted
# ---------------------------------------------------------------------------------------------

SO_FAR = (esi(30), obs("b", "pain", 8, 31), obs("f", "pain", 3, 3))  # 62 % at 4 weeks


def test_f1_a_responder_before_the_durability_horizon_gave_relief_so_far() -> None:
    a = assessed(*background(), *SO_FAR)
    assert (a.outcome, a.basis, a.durable) == (Outcome.RESPONDER, "pain scores", None)
    c = f1(*SO_FAR)
    when = ago(30).isoformat()
    assert c.summary == (
        f"ESI on {when} gave ≥ 50 % relief so far: not a failure; reassess at 60–120 days; repeat only if "
        "pain recurs"
    )
    assert "worked" not in c.summary
    # the first step reassesses at the horizon, with its dates; the repeat is for a response that held
    lo, hi = ago(30) + timedelta(days=60), ago(30) + timedelta(days=120)
    assert c.next_steps[0].startswith(f"Reassess leg-pain NRS and ODI between {lo} and {hi} (60–120 days")
    assert "a repeat needs the ≥ 50 % relief to hold then (Medicare ESI LCD)" in c.next_steps[0]
    assert c.next_steps[1].startswith(
        "If it holds and then pain recurs, a repeat image-guided transforaminal"
    )
    # no line claims a sustained response that is not known
    assert not any("sustained ≥ 50 % response; Medicare ESI LCD" in s for s in c.next_steps)
    assert "Reassess leg-pain NRS and ODI" in render_detail(c)
    # the repeat stays on offer, not pre-selected, for when pain recurs
    assert [s.is_recommended for s in c.suggestions] == [False]
    assert c.suggestions[0].label.endswith("(if pain recurs)")
    assert_house_rules(c)


def test_f1_past_the_horizon_without_a_score_says_the_duration_is_not_recorded() -> None:
    facts = (esi(200), obs("b", "pain", 8, 201), obs("f", "pain", 3, 175))
    assert assessed(*background(), *facts).durable is None
    c = f1(*facts)
    when = ago(200).isoformat()
    assert c.summary == (
        f"ESI on {when} gave ≥ 50 % relief, duration not recorded: not a failure; record how long it lasted "
        "before any repeat"
    )
    assert "worked" not in c.summary and "so far" not in c.summary
    assert c.next_steps[0].startswith("Record how long the relief lasted")
    assert "a repeat needs a sustained ≥ 50 % response (Medicare ESI LCD)" in c.next_steps[0]
    assert any("whether the response lasted is unknown" in g for g in c.gaps)
    assert_house_rules(c)


def test_f1_a_functional_gain_before_the_horizon_is_a_gain_so_far() -> None:
    facts = (
        esi(30),
        obs("p0", "pain", 8, 31), obs("o0", "odi", 60, 31),
        obs("p1", "pain", 8, 3), obs("o1", "odi", 30, 3),
    )  # fmt: skip
    a = assessed(*background(), *facts)
    assert (a.basis, a.durable) == ("function", None)
    c = f1(*facts)
    assert c.summary == (
        f"ESI on {ago(30).isoformat()} improved function ≥ 50 % (ODI) so far: not a failure; reassess at "
        "60–120 days; repeat only if the gain wanes"
    )
    assert "≥ 50 % functional gain to hold then" in c.next_steps[0]
    assert c.next_steps[1].startswith("If it holds and then the functional gain wanes")
    assert_house_rules(c)


def test_f1_an_outcome_coded_successful_before_the_horizon_is_not_called_50_percent_relief() -> None:
    """A coded success measures no relief: it is named as recorded, and it is "so far"."""
    facts = (esi(30, outcome="procedure_outcome_successful"),)
    a = assessed(*background(), *facts)
    assert (a.outcome, a.basis, a.durable) == (Outcome.SUCCESS, "explicit outcome", None)
    c = f1(*facts)
    assert c.summary.startswith(f"ESI on {ago(30).isoformat()} helped (recorded successful) so far: ")
    assert "≥ 50 % relief" not in c.summary and "worked" not in c.summary
    assert c.next_steps[0].startswith("Reassess leg-pain NRS and ODI")
    assert_house_rules(c)


def test_f1_an_outcome_coded_successful_that_lasted_worked() -> None:
    """Coded successful, no baseline: pain 2/10 at 4 and at 14 weeks — still relieved at the horizon."""
    facts = (
        esi(130, outcome="procedure_outcome_successful"),
        obs("f", "pain", 2, 100),
        obs("d", "pain", 2, 30),
    )
    a = assessed(*background(), *facts)
    assert (a.outcome, a.basis, a.durable) == (Outcome.SUCCESS, "explicit outcome", True)
    c = f1(*facts)
    assert c.summary == (
        f"ESI on {ago(130).isoformat()} worked (recorded successful, relief lasted): not a failure; repeat "
        "only if pain recurs"
    )
    assert c.next_steps[0].startswith("If pain recurs, a repeat image-guided transforaminal ESI")
    assert_house_rules(c)


def test_f1_a_long_written_date_still_leaves_a_whole_summary() -> None:
    """The injection's date as written (``performed_text``) may be long: the summary is one of its
    whole forms within the CDS Hooks limit, never cut inside a word."""
    long_date = "sometime in early October 2026 at an outside pain clinic (patient report)"
    facts = (replace(SO_FAR[0], performed_text=long_date), *SO_FAR[1:])
    c = f1(*facts)
    assert len(c.summary) <= SUMMARY_MAX
    assert long_date in c.summary and "so far" in c.summary
    assert c.summary.endswith(("pain recurs", "60–120 days"))


def test_guard_f1_a_sustained_response_still_worked() -> None:
    """Guard (holds before the fix too): ≥ 50 % at 13 weeks is a sustained response."""
    facts = (esi(130), obs("b", "pain", 8, 131), obs("f", "pain", 3, 100), obs("d", "pain", 3, 40))
    assert assessed(*background(), *facts).durable is True
    c = f1(*facts)
    assert c.summary == (
        f"ESI on {ago(130).isoformat()} worked (≥ 50 % relief): not a failure; repeat only if pain recurs"
    )
    assert c.next_steps[0] == (
        "If pain recurs, a repeat image-guided transforaminal ESI at the same level (right L5-S1) is "
        "reasonable (sustained ≥ 50 % response; Medicare ESI LCD)."
    )


def test_guard_f1_a_sustained_functional_gain_keeps_its_wording() -> None:
    """Guard (holds before the fix too)."""
    facts = (
        esi(130),
        obs("p0", "pain", 8, 131), obs("o0", "odi", 60, 131),
        obs("p1", "pain", 8, 100), obs("o1", "odi", 30, 100), obs("o2", "odi", 25, 30),
    )  # fmt: skip
    assert assessed(*background(), *facts).durable is True
    c = f1(*facts)
    assert c.summary == (
        f"ESI on {ago(130).isoformat()} improved function ≥ 50 % (ODI): not a failure; repeat only if the "
        "gain wanes"
    )


def test_guard_f1_worked_then_recurred_keeps_its_wording() -> None:
    """Guard (holds before the fix too)."""
    facts = (
        esi(200),
        obs("b", "pain", 8, 201), obs("f", "pain", 2, 180), obs("d", "pain", 2, 110), obs("r", "pain", 8, 5),
    )  # fmt: skip
    c = f1(*facts)
    assert "worked, then pain recurred" in c.summary and "64483" in codes_of(c)


# ---------------------------------------------------------------------------------------------
# F3–F6: the summary opens with what the injection did
# ---------------------------------------------------------------------------------------------

OPENINGS = [
    (Outcome.PARTIAL, "Partial ESI relief"),
    (Outcome.SHORT_LIVED, "Short-lived ESI relief"),
    (Outcome.FAILED, "Failed ESI"),  # guard
    (Outcome.PROBABLE_FAILED, "Failed ESI"),  # guard
]


def refractory(*extra: Any, outcome: Outcome, state: str, days: int = 200) -> CardDraft:
    cards = run(
        radic(days=days),
        *conservative(days - 10),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
        *extra,
        outcomes={"Procedure/esi-1": outcome},
    )
    return card_of(cards, state)


@pytest.mark.parametrize(("outcome", "opening"), OPENINGS)
def test_f3_opens_with_what_the_injection_did(outcome: Outcome, opening: str) -> None:
    c = refractory(report("mri", "72148", 100, CONCORDANT), outcome=outcome, state="F3")
    assert c.summary == (
        f"{opening} with a concordant compressive lesion: refer for a surgical opinion (discectomy/"
        "decompression)"
    )
    assert c.summary.startswith("Failed ESI") is (opening == "Failed ESI")
    assert_house_rules(c)


@pytest.mark.parametrize(("outcome", "opening"), OPENINGS)
def test_f3_with_a_repeat_esi_ordered_opens_with_what_the_injection_did(
    outcome: Outcome, opening: str
) -> None:
    c = refractory(
        report("mri", "72148", 100, CONCORDANT),
        order("esi-ord", "esi_transforaminal_lumbar", "64483", authored=2),
        outcome=outcome,
        state="F3",
    )
    assert c.summary == (
        f"{opening} with a concordant compressive lesion: hold the repeat ESI; refer for a surgical opinion"
    )
    assert_house_rules(c)


def test_f3_holding_a_repeat_after_partial_relief_does_not_call_it_failed() -> None:
    c = refractory(
        report("mri", "72148", 100, CONCORDANT),
        order("esi-ord", "esi_transforaminal_lumbar", "64483", authored=2),
        outcome=Outcome.PARTIAL,
        state="F3",
    )
    assert c.next_steps[0].startswith("Hold the pending ESI order (another epidural injection after one ")
    assert "without a sustained ≥ 50 % response is not recommended" in c.next_steps[0]
    assert "one that failed" not in c.next_steps[0]


@pytest.mark.parametrize(("outcome", "opening"), OPENINGS)
def test_f4_opens_with_what_the_injection_did(outcome: Outcome, opening: str) -> None:
    uncertain = refractory(report("mri", "72148", 100, DISCORDANT), outcome=outcome, state="F4")
    assert uncertain.summary == (
        f"{opening} with uncertain diagnosis: re-evaluate with imaging review, EMG/NCS and a diagnostic SNRB"
    )
    no_imaging = refractory(outcome=outcome, state="F4")
    assert no_imaging.summary == (
        f"{opening} with no MRI or CT on record: MRI lumbar spine first, then re-evaluate the diagnosis"
    )
    mimic = refractory(cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900), outcome=outcome, state="F4")
    assert mimic.summary.startswith(f"{opening}, but hip osteoarthritis can mimic radicular pain")
    for c in (uncertain, no_imaging, mimic):
        assert_house_rules(c)


@pytest.mark.parametrize(("outcome", "opening"), OPENINGS)
def test_f5_opens_with_what_the_injection_did(outcome: Outcome, opening: str) -> None:
    c = refractory(
        cond("facet", "facet_mediated_pain", "M47.816", onset=90),
        report("mri", "72148", 160, FACET_MRI),
        replace(obs("back", "pain", 6, 30), body_site_text="Lower back"),
        outcome=outcome,
        state="F5",
    )
    assert c.summary == (
        f"{opening} but pain looks facet-joint mediated: diagnostic medial branch block before any RFA"
    )
    assert_house_rules(c)


@pytest.mark.parametrize(("outcome", "opening"), OPENINGS)
def test_f6_opens_with_what_the_injection_did(outcome: Outcome, opening: str) -> None:
    c = refractory(
        cond("sten", "neurogenic_claudication", onset=400),
        report("mri", "72148", 300, LF_STENOSIS),
        outcome=outcome,
        state="F6",
        days=400,
    )
    assert c.summary == (
        f"{opening} with stenosis and neurogenic claudication: refer for decompression (or MILD); no more "
        "ESIs"
    )
    assert_house_rules(c)


# the same, with the outcome read from the pain scores by the real assessment: a TFESI right L5-S1
# 100 days ago, a concordant lesion on the MRI, relief at 2-6 weeks and at 60-120 days
def scored_f3(*scores: Any, days: int = 100) -> tuple[Any, CardDraft]:
    facts = (
        radic(330),
        *conservative(320),
        report("mri", "72148", 300, CONCORDANT),
        esi(days),
        *scores,
    )
    return assessed(*facts), card_of(run(*facts), "F3")


def test_f3_relief_that_did_not_last_is_said_so() -> None:
    """8 → 2 (75 %) at 3 weeks, 4.5 (44 %) at 11-14 weeks: a response that was not sustained."""
    a, c = scored_f3(
        obs("b", "pain", 8, 101), obs("f", "pain", 2, 80), obs("d1", "pain", 4, 20), obs("d2", "pain", 5, 5)
    )
    assert (a.outcome, a.basis) == (Outcome.PARTIAL, "not sustained")
    assert c.summary.startswith("ESI relief did not last, with a concordant compressive lesion: ")
    assert "Failed" not in c.summary
    assert_house_rules(c)


def test_f3_partial_relief_by_the_scores_is_partial() -> None:
    """8 → 5 (38 %) at 4 weeks."""
    a, c = scored_f3(obs("b", "pain", 8, 101), obs("f", "pain", 5, 72))
    assert (a.outcome, a.basis) == (Outcome.PARTIAL, "pain scores")
    assert c.summary.startswith("Partial ESI relief with a concordant compressive lesion: ")


def test_f3_short_lived_relief_by_the_scores_is_short_lived() -> None:
    """8 → 2 (75 %) at 3 weeks, back to 7 (12 %) at 11-14 weeks."""
    a, c = scored_f3(obs("b", "pain", 8, 101), obs("f", "pain", 2, 80), obs("d", "pain", 7, 15))
    assert a.outcome is Outcome.SHORT_LIVED
    assert c.summary.startswith("Short-lived ESI relief with a concordant compressive lesion: ")


def test_guard_f3_no_relief_by_the_scores_is_a_failed_esi() -> None:
    """Guard (holds before the fix too): 8 → 8 at 4 weeks."""
    a, c = scored_f3(obs("b", "pain", 8, 101), obs("f", "pain", 8, 72))
    assert a.outcome is Outcome.FAILED
    assert c.summary.startswith("Failed ESI with a concordant compressive lesion: ")
