"""An ESI response that did not last (decision model §3.1: a repeat needs ≥ 50 % relief "still ≥ 50 %
at t0 + 60 … 120 d"; F1 "≥ 50 % relief sustained ≈ ≥ 3 months").

Relief ≥ 50 % in the 2-6-week window but 30-49 % at 60-120 days is PARTIAL ("not sustained"): below
the threshold for repeating the procedure, so it counts toward the refractory states like any partial
response and never reaches F1. An F1 card that still meets a response that did not last (no baseline
to measure it, or a functional gain) never calls it sustained and offers no repeat.

Tests marked "guard" also hold on the code before the fix; the others fail on it.
"""

from __future__ import annotations

import pytest

from hooks.cards import CardDraft, render_full
from hooks.pathway.failure import Modality, Outcome, assess_all, non_response_run
from tests.pathway_builders import (
    card_of,
    codes_of,
    cond,
    encounter,
    make_input,
    obs,
    proc,
    radic,
    run,
    states,
)
from tests.test_failure import pain, relief
from tests.test_failure import proc as raw_proc
from tests.test_failure import run as assess_run

# the reproduced case (evaluation date 2026-11-02): TFESI right L5-S1 at -250 and -100 days
REPRO = (
    radic(330),
    proc("mri-1", "imaging_mri_lumbar", "72148", days=300),
    cond("disc-1", "lumbar_radiculopathy_conditions", "M51.17", onset=300),
    encounter("enc-1", 260, "Pain clinic"),
    proc("esi-1", "esi_transforaminal_lumbar", "64483", days=250, level="L5-S1", laterality="right"),
    proc("esi-2", "esi_transforaminal_lumbar", "64483", days=100, level="L5-S1", laterality="right"),
    obs("p1", "pain", 8, 251),
    obs("p2", "pain", 2, 230),
    obs("p3", "pain", 2, 170),
    obs("p4", "pain", 8, 101),
    obs("p5", "pain", 2, 80),
    obs("p6", "pain", 2, 20),
    obs("p7", "pain", 7, 2),
)


def _text(card: CardDraft) -> str:
    return str(render_full(card))


def test_the_reproduced_esi_is_a_partial_response_not_sustained() -> None:
    """8 → 2 (75 %) at 3 weeks, median 4.5 (44 %) at 11-14 weeks: PARTIAL, not a responder."""
    inp = make_input(*REPRO)
    first, second = assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)
    assert first.outcome is Outcome.RESPONDED_THEN_RECURRED  # the first one did last, then recurred
    assert (second.outcome, second.basis, second.durable) == (Outcome.PARTIAL, "not sustained", False)
    assert second.outcome.counts_as_failure
    assert second.relief_pct == 75.0 and second.faded_pct == pytest.approx(43.75)
    assert second.faded_days == (80, 98)
    assert any(
        f.text == "relief 44 % at 11-14 weeks (below 50 %: not a sustained response)" for f in second.facts
    )
    assert non_response_run((first, second)) == (second,)


def test_the_reproduced_case_gets_no_f1_card_and_no_repeat_injection() -> None:
    cards = run(*REPRO)
    assert "F1" not in states(cards)
    for c in cards:
        assert "worked" not in c.summary
        assert "64483" not in codes_of(c), c.rule_id
        assert not any("sustained ≥ 50 % response" in s for s in c.next_steps)
    # the refractory branch: a concordant lesion (M51.17) after an injection that did not hold
    f3 = card_of(cards, "F3")
    assert any("not a sustained response" in f.text for f in f3.why)


@pytest.mark.parametrize("late", [6, 7])  # 40 % and 30 % at 3 months
def test_relief_of_30_to_49_percent_at_the_durability_horizon_is_partial(late: float) -> None:
    a = assess_run(raw_proc(), pain("b", -3, 10), pain("f", 28, 2), pain("d", 90, late), today=130)
    assert (a.outcome, a.basis, a.durable) == (Outcome.PARTIAL, "not sustained", False)


@pytest.mark.parametrize(
    ("late", "expected", "durable"),
    [
        (4, Outcome.RESPONDER, True),  # 60 % at 3 months: sustained
        (5, Outcome.RESPONDER, True),  # 50 %: sustained (the threshold itself)
        (8, Outcome.SHORT_LIVED, False),  # 20 %: short-lived
    ],
)
def test_guard_sustained_and_short_lived_responses_are_unchanged(
    late: float, expected: Outcome, durable: bool
) -> None:
    """Guard (holds before the fix too): the bands on either side of the partial one."""
    a = assess_run(raw_proc(), pain("b", -3, 10), pain("f", 28, 2), pain("d", 90, late), today=130)
    assert (a.outcome, a.durable) == (expected, durable)


def test_a_coded_success_that_fell_to_partial_relief_is_partial() -> None:
    """The durability check applies to an explicit success too (§3.1.1), as it already did for < 30 %."""
    a = assess_run(
        raw_proc(outcome="385669000"), pain("b", -3, 10), pain("f", 28, 2), pain("d", 90, 6), today=130
    )
    assert (a.outcome, a.basis, a.durable) == (Outcome.PARTIAL, "not sustained", False)


def test_a_recorded_relief_response_that_fell_to_partial_is_partial() -> None:
    a = assess_run(
        raw_proc(), pain("b", -3, 10), relief("r", 28, 70, part_of="Procedure/esi"), pain("d", 90, 6),
        today=130,
    )  # fmt: skip
    assert (a.outcome, a.durable) == (Outcome.PARTIAL, False)


def test_guard_an_ablation_at_partial_relief_at_six_months_stays_a_responder() -> None:
    """Guard (holds before the fix too): an ablation's 6-month horizon only decides whether a repeat is
    justified (A2); relief that lasted past 3 months is no failed ablation (A1)."""
    rfa = raw_proc("esi", "64635", level="L4-L5")
    a = assess_run(rfa, pain("b", -3, 10), pain("f", 60, 2), pain("d", 200, 6), today=260)
    assert (a.modality, a.outcome, a.durable) == (Modality.RFA, Outcome.RESPONDER, False)


def test_two_injections_that_did_not_hold_are_f8_with_relief_that_did_not_last() -> None:
    facts = (
        radic(400),
        proc("mri-1", "imaging_mri_lumbar", "72148", days=380),
        cond("disc-1", "lumbar_radiculopathy_conditions", "M51.17", onset=380),
        encounter("enc-1", 370, "Pain clinic"),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=300, level="L5-S1", laterality="right"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=150, level="L5-S1", laterality="right"),
        obs("a0", "pain", 8, 301), obs("a1", "pain", 2, 280), obs("a2", "pain", 5, 210),
        obs("b0", "pain", 8, 151), obs("b1", "pain", 2, 130), obs("b2", "pain", 5, 60),
    )  # fmt: skip
    cards = run(*facts)
    assert "F1" not in states(cards)
    f8 = card_of(cards, "F8")
    assert "2 consecutive ESIs with relief that did not last" in f8.summary
    assert "partial relief only" not in f8.summary


def _no_baseline_success() -> tuple[object, ...]:
    """A coded success with no score before it: pain 2 at 4 weeks, 7 at 13 weeks (back)."""
    return (
        radic(330),
        proc("mri-1", "imaging_mri_lumbar", "72148", days=300),
        proc(
            "esi-1", "esi_transforaminal_lumbar", "64483", days=100, level="L5-S1", laterality="right",
            outcome="procedure_outcome_successful",
        ),
        obs("f", "pain", 2, 72),
        obs("d", "pain", 7, 10),
    )  # fmt: skip


def test_f1_never_calls_a_response_that_did_not_last_sustained_nor_offers_a_repeat() -> None:
    """Without a baseline the relief cannot be measured (no failure), but the pain was back at the
    durability horizon: F1 says the response did not hold and offers no repeat injection."""
    inp = make_input(*_no_baseline_success())
    (a,) = assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)
    assert (a.outcome, a.durable) == (Outcome.SUCCESS, False)
    f1 = card_of(run(*_no_baseline_success()), "F1")
    assert "worked" not in f1.summary and "not sustained" in f1.summary
    assert not f1.suggestions and "64483" not in codes_of(f1)
    assert f1.next_steps[0].startswith("A repeat injection needs a sustained ≥ 50 % response")
    assert not any("is reasonable" in s for s in f1.next_steps)
    text = _text(f1).lower()
    assert "seed" not in text and "decision model" not in text and "§" not in text


def test_f1_for_a_functional_gain_that_fell_below_half_offers_no_repeat() -> None:
    """ODI 60 → 30 at 4 weeks (a response by function), 60 → 40 (33 %) at 12 weeks: not sustained."""
    facts = (
        radic(150),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=100, level="L5-S1"),
        obs("p0", "pain", 8, 103), obs("o0", "odi", 60, 103),
        obs("p1", "pain", 8, 72), obs("o1", "odi", 30, 72),
        obs("o2", "odi", 40, 16),
    )  # fmt: skip
    inp = make_input(*facts)
    (a,) = assess_all(inp.history, inp.today, inp.thresholds, inp.terminology)
    assert (a.outcome, a.basis, a.durable) == (Outcome.RESPONDER, "function", False)
    f1 = card_of(run(*facts), "F1")
    assert "functional gain did not hold" in f1.summary
    assert not f1.suggestions
    assert not any("functional gain; Medicare ESI LCD" in s for s in f1.next_steps)


def test_guard_a_sustained_response_keeps_its_repeat() -> None:
    """Guard (holds before the fix too): still ≥ 50 % at 3 months, then pain back → F1 with the repeat."""
    facts = (
        radic(330),
        proc("mri-1", "imaging_mri_lumbar", "72148", days=300),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=200, level="L5-S1", laterality="right"),
        obs("b", "pain", 8, 201), obs("f", "pain", 2, 180), obs("d", "pain", 2, 110), obs("r", "pain", 8, 5),
    )  # fmt: skip
    f1 = card_of(run(*facts), "F1")
    assert "worked, then pain recurred" in f1.summary and "64483" in codes_of(f1)
