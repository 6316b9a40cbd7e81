"""A treatment that failed long ago does not speak for a patient whose pain has since settled.

A transforaminal ESI that failed in 2022 beside a concordant extrusion, with leg pain 0/10 and ODI 4 %
ten days ago, drew F3's warning "refer for a surgical opinion (discectomy/decompression)"; two failed
ESIs three years ago with pain 1/10 now drew F8 ("stop injecting; surgical opinion", EMG, CBT); a
stimulator trial that failed in 2023, before a discectomy that worked, still drew N2 "do not implant".
Leg pain of 2/10 drew P2 "refer to a spine specialist now". Surgery, a stimulator and more
injections are for pain that persists (NASS 2014, NICE NG59): pain settled is mild pain at most
(``resolved_pain_nrs``, 2/10) with no more than minimal disability (ODI ≤ 20 %), on the latest leg
score of the last ``resolved_score_days`` or, after a failed injection, on the latest leg score taken
after the injection's outcome window with nothing newer.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import (
    FAILED_TFESI,
    conservative,
    failed_tfesi_chart,
    leg_score,
    obs,
    proc,
    radic,
    run,
    sited_score,
    states,
)

from hooks.pathway.failure import Outcome

ESI = FAILED_TFESI
leg = leg_score
_failed_esi_chart = failed_tfesi_chart


def test_pain_gone_now_after_a_failure_years_ago_draws_no_surgical_referral() -> None:
    cards = _failed_esi_chart(leg("now", 0, 10), obs("odi", "odi", 4, 10))
    assert not {"F3", "F4", "F8"} & set(states(cards)), [c.summary for c in cards]


def test_pain_settled_since_the_failure_counts_even_without_a_score_this_month() -> None:
    cards = _failed_esi_chart(leg("later", 1, 90))
    assert not {"F3", "F4", "F8"} & set(states(cards)), [c.summary for c in cards]


def test_guard_pain_back_after_settling_is_still_refractory() -> None:
    cards = _failed_esi_chart(leg("later", 1, 300), leg("now", 7, 10))
    assert "F3" in states(cards) or "F4" in states(cards), [c.summary for c in cards]


def test_guard_a_failed_injection_with_no_score_since_still_speaks() -> None:
    cards = _failed_esi_chart()
    assert "F3" in states(cards) or "F4" in states(cards), [c.summary for c in cards]


def test_mild_pain_of_two_is_settled_and_draws_no_referral() -> None:
    cards = run(radic(days=150), *conservative(140), leg("nrs", 2, 3))
    assert "P2" not in states(cards) and "P1" not in states(cards), [c.summary for c in cards]


def test_guard_pain_of_three_still_draws_the_referral() -> None:
    assert states(run(radic(days=150), *conservative(140), leg("nrs", 3, 3))) == ["P2"]


def test_a_stimulator_trial_that_failed_before_the_pain_settled_draws_no_do_not_implant_card() -> None:
    trial = proc("trial-1", "scs_percutaneous_lead", days=700, text="Spinal cord stimulator trial")
    settled = run(
        radic(days=900), *conservative(880), trial, leg("now", 1, 10), outcomes={trial.ref: Outcome.FAILED}
    )
    assert "N2" not in states(settled) and "L1" not in states(settled), [c.summary for c in settled]
    still = run(
        radic(days=900), *conservative(880), trial, leg("now", 6, 10), outcomes={trial.ref: Outcome.FAILED}
    )
    assert "N2" in states(still), [c.summary for c in still]


sited = sited_score


def test_guard_back_pain_still_high_is_not_settled() -> None:
    """Leg 1/10 beside back 8/10: the back pain F5 speaks for is not settled."""
    cards = _failed_esi_chart(leg("now", 1, 5), sited("back", 8, 5, "Low back"))
    assert {"F3", "F4", "F5"} & set(states(cards)), [c.summary for c in cards]


def test_guard_the_other_leg_or_a_newer_unsited_score_still_high_is_not_settled() -> None:
    other_leg = _failed_esi_chart(sited("right", 8, 6, "Right leg"), leg("now", 1, 5))
    unsited = _failed_esi_chart(leg("leg", 2, 30), obs("nrs", "pain", 8, 2))
    for cards in (other_leg, unsited):
        assert {"F3", "F4"} & set(states(cards)), [c.summary for c in cards]


def test_guard_a_score_in_the_days_after_a_block_is_not_settled_pain() -> None:
    block = proc("mbb", "facet_medial_branch_block_lumbar", days=1)
    cards = _failed_esi_chart(block, leg("post", 0, 1))
    assert {"F3", "F4"} & set(states(cards)), [c.summary for c in cards]


def test_guard_a_low_score_during_a_failed_stimulator_trial_keeps_its_card() -> None:
    trial = proc("trial-1", "scs_percutaneous_lead", days=30, text="Spinal cord stimulator trial")
    cards = run(
        radic(days=900), *conservative(880), trial, leg("during", 2, 25), outcomes={trial.ref: Outcome.FAILED}
    )
    assert "N2" in states(cards), [c.summary for c in cards]


def test_guard_pain_settled_once_years_ago_with_nothing_since_is_not_settled_now() -> None:
    cards = _failed_esi_chart(leg("then", 2, 640))
    assert {"F3", "F4"} & set(states(cards)), [c.summary for c in cards]


def test_guard_one_good_day_just_after_severe_pain_is_not_settled() -> None:
    """Leg 8/10 on day -45 and 1/10 on day -40: the weeks before the low score reach back past the
    window the score was chosen from."""
    cards = _failed_esi_chart(leg("bad", 8, 45), leg("good", 1, 40))
    assert {"F3", "F4"} & set(states(cards)), [c.summary for c in cards]


def test_guard_a_procedure_in_those_weeks_keeps_the_pain_from_reading_as_settled() -> None:
    """A block 5 days ago with 7/10 before it that morning, beside a 2/10 a month ago."""
    block = proc("mbb", "facet_medial_branch_block_lumbar", days=5)
    cards = _failed_esi_chart(leg("old", 2, 30), block, leg("pre", 7, 5))
    assert {"F3", "F4"} & set(states(cards)), [c.summary for c in cards]
