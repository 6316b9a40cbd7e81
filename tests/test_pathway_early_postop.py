"""S0, radicular pain early after lumbar surgery (decision model §7.4): "New or recurrent radicular
pain within 3 months of a lumbar operation: contact the operating surgeon — never silence. Beyond
that, S1–S4."

- The window is 3 months (``early_postoperative_days``, 92 days: any 3 calendar months), not 12 weeks.
- The card is for new or recurrent pain: a radicular diagnosis dated after the operation, or scores
  showing the pain come back (risen by ``postoperative_pain_change_points`` over the lowest since the
  operation, or back to the pre-operative level). The pre-operative diagnosis alone, with scores
  since the operation showing relief, is the pre-operative pain settling: no card.
- With nothing to tell (no score since the operation) the card stays: never silence when unsure.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import card_of, cond, obs, proc, radic, refs_of, run, states

from hooks.cards import CardDraft
from hooks.facts import ConditionFact, ObservationFact, ProcedureFact
from hooks.thresholds import DEFAULT_THRESHOLDS

PATHWAY_STATES = {"E1", "E2", "P1", "P2", "S0", "S1", "S2", "S3", "S4"}


def discectomy(days: int) -> ProcedureFact:
    return proc("disc", "lumbar_decompression_discectomy", "63030", days=days, level="L5-S1")


def leg(ref: str, value: float, days: int) -> ObservationFact:
    return replace(obs(ref, "pain", value, days), body_site_text="Left leg")


def pre_op_diagnosis() -> ConditionFact:
    """The radiculopathy the operation was for, still active on the problem list."""
    return radic(days=200)


def new_diagnosis(days: int) -> ConditionFact:
    return cond("radic-new", "lumbar_radiculopathy_conditions", "M54.17", onset=days)


def pathway_states(cards: list[CardDraft]) -> list[str]:
    return [s for s in states(cards) if s in PATHWAY_STATES]


# ---------------------------------------------------------------------------------------------
# the window: 3 months, not 12 weeks
# ---------------------------------------------------------------------------------------------


def test_new_leg_pain_88_days_after_a_discectomy_is_for_the_operating_surgeon() -> None:
    """88 days (12.6 weeks) is within 3 months: the early card, not the contrast-MRI step."""
    cards = run(discectomy(88), radic(days=6), obs("nrs", "pain", 7, 2))
    assert pathway_states(cards) == ["S0"]
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert "contact the operating surgeon" in c.summary
    assert "Condition/radic-1" in refs_of(c)


def test_the_early_window_ends_at_3_months() -> None:
    """92 days is the last day of the window (any 3 calendar months); from 93 days, and at 100, the
    post-surgical steps beyond it (S1 here) apply and the early card does not."""
    assert DEFAULT_THRESHOLDS.early_postoperative_days == 92
    for days, expected in ((92, "S0"), (93, "S1"), (100, "S1")):
        cards = run(discectomy(days), radic(days=6), obs("nrs", "pain", 7, 2))
        assert pathway_states(cards) == [expected], days


# ---------------------------------------------------------------------------------------------
# new or recurrent pain, not the pre-operative pain settling
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [42, 88])
def test_recovering_scores_after_surgery_draw_no_early_card(days: int) -> None:
    """Leg pain 8 before the operation, 3 and then 2 since, the pre-operative radiculopathy still on
    the problem list and no new diagnosis: normal recovery, no 'contact the operating surgeon' card
    (nor, inside 3 months, the contrast-MRI step)."""
    cards = run(
        pre_op_diagnosis(),
        leg("pre", 8, days + 3),
        discectomy(days),
        leg("post-1", 3, days - 14),
        leg("post-2", 2, 3),
    )
    assert "S0" not in states(cards)
    assert pathway_states(cards) == []


@pytest.mark.parametrize("days", [30, 88])
def test_pre_op_diagnosis_without_post_op_scores_keeps_the_early_card(days: int) -> None:
    """The pre-operative diagnosis with nothing since the operation (no score, no new diagnosis):
    whether the pain is new cannot be told, so the card stays, as info, asking."""
    cards = run(pre_op_diagnosis(), leg("pre", 8, days + 3), discectomy(days))
    assert pathway_states(cards) == ["S0"]
    c = card_of(cards, "S0")
    assert c.indicator == "info"
    assert any("no pain score or new diagnosis since the operation" in g for g in c.gaps)


@pytest.mark.parametrize("days", [42, 90])
def test_a_radicular_diagnosis_dated_after_surgery_draws_the_early_card_despite_relief(days: int) -> None:
    """Scores since the operation show relief (8 → 2), but a new radiculopathy is coded 5 days ago:
    new pain, a warning naming the new diagnosis."""
    cards = run(
        pre_op_diagnosis(),
        leg("pre", 8, days + 3),
        discectomy(days),
        leg("post-1", 2, days - 14),
        new_diagnosis(5),
    )
    assert pathway_states(cards) == ["S0"]
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert any(f.ref == "Condition/radic-new" and "after surgery" in f.text for f in c.why)


def test_leg_pain_rising_back_after_relief_draws_the_early_card() -> None:
    """Leg pain 8 before, 2 three weeks after, 6 now: the pain has come back; a warning citing the
    low point and the latest score."""
    cards = run(
        pre_op_diagnosis(),
        leg("pre", 8, 45),
        discectomy(42),
        leg("low", 2, 21),
        leg("now", 6, 2),
    )
    assert pathway_states(cards) == ["S0"]
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert {"Observation/low", "Observation/now"} <= refs_of(c)
    assert any(f.ref == "Observation/now" and "back up" in f.text for f in c.why)


def test_a_small_rise_of_two_points_counts_even_below_4() -> None:
    """Leg pain 1 after the operation, then 3: risen by 2 points, pain come back, a warning (a score
    under 4/10 alone would have been info)."""
    cards = run(pre_op_diagnosis(), leg("pre", 8, 45), discectomy(42), leg("low", 1, 21), leg("now", 3, 2))
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert "Observation/low" in refs_of(c)


def test_leg_pain_back_to_the_pre_operative_level_draws_the_early_card() -> None:
    """Leg pain 3 before the operation and 3 since: not relieved, the pre-operative level: a
    warning citing both scores."""
    cards = run(pre_op_diagnosis(), leg("pre", 3, 45), discectomy(42), leg("now", 3, 2))
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert {"Observation/pre", "Observation/now"} <= refs_of(c)
