"""An ablation's relief that lasted past 3 months but not 6, and the repeat-RFA order check.

What these tests show:

- Pathway (``failure._durability``, A1/A2): a facet RFA with ≥ 50 % relief still documented at or after
  3 months (``rfa_window_end_days``), lost before 6 months, is a response that did not last
  (RESPONDED_THEN_RECURRED, ``durable`` False, verdict "... did not last 6 months"), never SHORT_LIVED;
  the A2 card says a repeat is not justified (and holds a pending one) instead of A1 calling the
  ablation failed. Relief lost with no score showing it held to 3 months stays SHORT_LIVED (A1).
- Order check (``order.rfa-repeat-failed``): a repeat facet RFA at the same level after relief that did
  not last 6 months, within 6 months of the last ablation there, or as a third session in the region in
  12 months draws a card (Medicare facet LCD: repeat only after ≥ 50 % relief for ≥ 6 months, at most 2
  RF sessions per region per rolling 12 months); the card after a short-lived ablation says
  "short-lived", not "no relief".

``test_guard_*`` hold on the code before this change too; the others failed on it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hooks.cards import CardDraft
from hooks.orders import evaluate_orders
from hooks.pathway.failure import Modality, Outcome
from hooks.thresholds import DEFAULT_THRESHOLDS as T
from tests import orders_builders as ob
from tests import pathway_builders as pb
from tests import test_failure as tf

RFA = "64635"
REPEAT = "order.rfa-repeat-failed"

# ---------------------------------------------------------------------------------------------
# the assessment (failure._durability)
# ---------------------------------------------------------------------------------------------


def held_then_lost(**kw: Any):  # type: ignore[no-untyped-def]
    """Pain 8 → 2 at 6 and 13 weeks (day 90 still 75 %), 7 at 21 weeks."""
    rfa = tf.proc("esi", RFA, level="L4-L5", **kw)
    scores = (tf.pain("b", -3, 8), tf.pain("f", 40, 2), tf.pain("m", 90, 2), tf.pain("d", 145, 7))
    return tf.run(rfa, *scores, today=160)


def test_relief_still_documented_at_three_months_then_lost_is_a_response_that_did_not_last() -> None:
    a = held_then_lost()
    assert a.modality is Modality.RFA
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, False)
    assert not a.outcome.counts_as_failure
    assert a.facts[1].text == "relief fell to 12 % at 21 weeks, after 75 % at 13 weeks: did not last 6 months"
    assert [f.ref for f in a.recurrence] == ["Observation/d"]


def test_a_score_after_three_months_showing_relief_counts_too() -> None:
    """No score on day 90, one at 15 weeks (day 105) at 75 %, then 7 at 20 and 21 weeks: it held past 3
    months."""
    rfa = tf.proc("esi", RFA, level="L4-L5")
    scores = (
        tf.pain("b", -3, 8), tf.pain("f", 40, 2), tf.pain("h", 105, 2), tf.pain("d", 140, 7),
        tf.pain("e", 150, 7),
    )  # fmt: skip
    a = tf.run(rfa, *scores, today=160)
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, False)
    assert a.facts[1].text.startswith("relief fell to 12 % at 20-21 weeks, after 75 % at 15 weeks")


@pytest.mark.parametrize(
    "scores",
    [
        # the existing case: relieved at day 60, pain back at day 120, nothing at 3 months
        (tf.pain("b", -3, 8), tf.pain("f", 60, 2), tf.pain("d", 120, 7)),
        # a score at 3 months, but below 50 % relief: it had not held
        (tf.pain("b", -3, 8), tf.pain("f", 40, 2), tf.pain("m", 90, 5), tf.pain("d", 145, 7)),
    ],
)
def test_guard_relief_not_shown_to_hold_to_three_months_stays_short_lived(scores: tuple[Any, ...]) -> None:
    a = tf.run(tf.proc("esi", RFA, level="L4-L5"), *scores, today=160)
    assert a.outcome is Outcome.SHORT_LIVED
    assert a.outcome.counts_as_failure


def test_guard_an_esi_is_not_judged_by_the_ablation_rule() -> None:
    """An ESI relieved at 6 weeks and back by 3 months stays SHORT_LIVED (its own durability window)."""
    scores = (tf.pain("b", -3, 8), tf.pain("f", 28, 2), tf.pain("d", 90, 7))
    assert tf.run(tf.proc(), *scores, today=130).outcome is Outcome.SHORT_LIVED


# ---------------------------------------------------------------------------------------------
# the pathway card (A1/A2)
# ---------------------------------------------------------------------------------------------

FACET = pb.cond("fac", "facet_mediated_pain", "M47.816", onset=700)
MBB = pb.proc("mbb", "facet_medial_branch_block_lumbar", "64493", days=400)


def lasted_under_six_months(*extra: Any) -> list[CardDraft]:
    """RFA 150 days ago: pain 8 → 2 at 6 and 13 weeks, 7 at 21 weeks (the p4 case 16 history)."""
    return pb.run(
        FACET, MBB, pb.proc("rfa", "facet_rfa_lumbar", RFA, days=150),
        pb.obs("a", "pain", 8, 151), pb.obs("b", "pain", 2, 110), pb.obs("c", "pain", 2, 60),
        pb.obs("d", "pain", 7, 5), *extra,
    )  # fmt: skip


def test_the_card_does_not_call_it_failed_and_offers_no_repeat() -> None:
    cards = lasted_under_six_months()
    assert "A1" not in pb.states(cards)
    c = pb.card_of(cards, "A2")
    assert "failed" not in c.summary
    assert "under 6 months" in c.summary and "a repeat RFA is not justified" in c.summary
    assert any("did not last 6 months" in f.text for f in c.why[:3])
    assert RFA not in pb.codes_of(c)
    assert not any("reasonable" in s for s in c.next_steps)


def test_a_pending_repeat_is_held_and_the_card_says_why() -> None:
    cards = lasted_under_six_months(pb.order("rfa2", "facet_rfa_lumbar", RFA))
    assert "A1" not in pb.states(cards)
    c = pb.card_of(cards, "A2")
    assert "hold the pending repeat RFA" in c.summary
    assert "ServiceRequest/rfa2" in [f.ref for f in c.why[:3]]
    assert c.next_steps[0].startswith("Hold the pending repeat ablation order: the relief lasted under 6")


def test_guard_relief_that_lasted_six_months_then_recurred_still_offers_a_repeat() -> None:
    cards = pb.run(
        FACET, MBB, pb.proc("rfa", "facet_rfa_lumbar", RFA, days=330),
        pb.obs("a", "pain", 8, 331), pb.obs("b", "pain", 2, 290), pb.obs("c", "pain", 3, 130),
        pb.obs("d", "pain", 8, 30),
    )  # fmt: skip
    c = pb.card_of(cards, "A2")
    assert "a repeat RFA is reasonable" in c.summary
    assert RFA in pb.codes_of(c)


def test_guard_relief_lost_before_three_months_is_still_a_failed_ablation() -> None:
    cards = pb.run(
        FACET, MBB, pb.proc("rfa", "facet_rfa_lumbar", RFA, days=150),
        pb.obs("a", "pain", 8, 151), pb.obs("b", "pain", 2, 110), pb.obs("d", "pain", 7, 5),
    )  # fmt: skip
    assert "failed" in pb.card_of(cards, "A1").summary


# ---------------------------------------------------------------------------------------------
# the order check (order.rfa-repeat-failed)
# ---------------------------------------------------------------------------------------------

O_FACET = ob.cond("facet", "M47.816", 500, "Facet arthropathy lumbar")
O_MBB = ob.proc("mbb", "64493", 450, "Lumbar MBB L4-L5", outcome=ob.SUCCESSFUL, level="L4-L5")


def order_rfa(*facts: Any, text: str = "Lumbar facet RFA L4-L5") -> list[CardDraft]:
    return evaluate_orders(
        ob.inp("order-sign", [ob.sr("rfa", RFA, text)], ob.history(O_FACET, O_MBB, *facts))
    )


def repeat_card(cards: list[CardDraft]) -> CardDraft:
    found = [c for c in cards if c.rule_id == REPEAT]
    assert len(found) == 1, [c.rule_id for c in cards]
    return found[0]


def rfa(rid: str, days_ago: int, **kw: Any) -> Any:
    return ob.proc(rid, RFA, days_ago, "Lumbar facet RFA", level=kw.pop("level", "L4-L5"), **kw)


def pains(*values: tuple[float, int]) -> list[Any]:
    return [ob.obs(f"p{i}", "pain", v, d) for i, (v, d) in enumerate(values)]


@pytest.mark.parametrize(
    ("days_ago", "scores"),
    [
        # 75 % still at 13 weeks, 12 % at 21 weeks
        (160, ((8, 161), (2, 120), (2, 70), (7, 15))),
        # 75 % at 6 weeks, 38 % at 28 weeks: below 50 % at 6 months
        (250, ((8, 251), (2, 210), (5, 50))),
    ],
)
def test_a_repeat_after_relief_that_did_not_last_six_months_is_intercepted(
    days_ago: int, scores: tuple[tuple[float, int], ...]
) -> None:
    c = repeat_card(order_rfa(rfa("rfa0", days_ago), *pains(*scores)))
    assert c.indicator == "warning"
    assert "did not last 6 months" in c.summary and "not justified" in c.summary
    assert "no relief" not in c.summary and "re-evaluate" not in c.summary
    assert "Procedure/rfa0" in [f.ref for f in c.why]
    assert [s.label for s in c.suggestions if s.is_recommended] == ["Cancel the repeat RFA"]


def test_a_repeat_within_six_months_of_the_last_ablation_is_held() -> None:
    """Relief 75 % at 6, 13 and 16 weeks, still holding: too early to know whether it lasts."""
    c = repeat_card(order_rfa(rfa("rfa0", 120), *pains((8, 121), (2, 80), (2, 30), (2, 5))))
    judged = (ob.ago(120) + timedelta(days=T.rfa_durable_days)).isoformat()
    assert f"judge its relief at 6 months ({judged}) first" in c.summary
    assert "failed" not in c.summary and "no relief" not in c.summary
    assert c.why[1].ref == "Procedure/rfa0"


def test_a_third_facet_rfa_session_in_twelve_months_is_held_until_the_limit_allows() -> None:
    facts = (rfa("rf1", 300, outcome=ob.SUCCESSFUL), rfa("rf2", 190, outcome=ob.SUCCESSFUL, level="L2-L3"))
    until = (ob.ago(300) + timedelta(days=365)).isoformat()
    for text in ("Lumbar facet RFA L4-L5", "Lumbar facet RFA L3-L4"):  # the limit is per region
        c = repeat_card(order_rfa(*facts, text=text))
        assert c.summary.startswith(f"Facet RFA: {T.rfa_max_sessions_per_year} sessions already in 12 months")
        assert c.summary.endswith(f"hold this one until {until}")
        assert {"Procedure/rf1", "Procedure/rf2"} <= {f.ref for f in c.why}


def test_the_card_after_a_short_lived_ablation_says_short_lived_not_no_relief() -> None:
    """88 % relief at 6-9 weeks, 12 % at 14 weeks: the card must not say it gave no relief."""
    c = repeat_card(order_rfa(rfa("rf1", 100), *pains((8, 101), (1, 60), (1, 40), (7, 5))))
    assert "short-lived" in c.summary
    assert "no relief" not in c.summary and not any("no relief" in a for a in c.avoid)


def test_guard_a_repeat_after_six_months_of_relief_draws_no_objection() -> None:
    """75 % at 6 weeks, 62 % at 29 weeks, pain back at 43 weeks: the repeat criterion is met."""
    assert order_rfa(rfa("rfa0", 330), *pains((8, 331), (2, 290), (3, 130), (8, 30))) == []


def test_guard_a_second_session_in_twelve_months_is_allowed() -> None:
    """One ablation 300 days ago, coded successful: a second session in 12 months is within the limit."""
    assert order_rfa(rfa("rf1", 300, outcome=ob.SUCCESSFUL)) == []


def test_guard_a_failed_ablation_still_asks_for_the_block() -> None:
    c = repeat_card(order_rfa(rfa("rf1", 250, outcome=ob.UNSUCCESSFUL)))
    assert c.next_steps[0].startswith("Repeat the diagnostic block")


# ---------------------------------------------------------------------------------------------
# the last scored day of an ablation's long early window, and a repeat after an undocumented one
# ---------------------------------------------------------------------------------------------


def test_relief_held_at_14_weeks_then_gone_at_20_is_judged_by_the_last_day_not_the_median() -> None:
    """Pain 8 → 2 at 6 weeks, 3 at 14 weeks, 7 at 20 weeks and nothing at 6-9 months: the median of
    the 3-6-month scores (5/10, 38 %) hid that the relief had gone before 6 months."""
    rfa = tf.proc("esi", RFA, level="L4-L5")
    scores = (tf.pain("b", -8, 8), tf.pain("f", 41, 2), tf.pain("h", 100, 3), tf.pain("d", 142, 7))
    a = tf.run(rfa, *scores, today=297)
    assert (a.outcome, a.durable) == (Outcome.RESPONDED_THEN_RECURRED, False)
    assert a.facts[1].text.startswith("relief fell to 12 % at 20 weeks, after 62 % at 14 weeks")


def test_a_repeat_after_an_ablation_with_no_documented_relief_asks_for_it_first() -> None:
    """No baseline, pain 7/10 after it: whether the ablation helped is not documented; the Medicare
    facet LCD repeats only after ≥ 50 % relief for 6 months, so the repeat waits for that record."""
    facts = (
        ob.cond("facet", "M47.816", 500),
        ob.proc("rfa0", RFA, 297, "RFA L4-L5", level="L4-L5"),
        ob.proc("mbb", "64493", 330, outcome=ob.SUCCESSFUL, level="L4-L5"),
        ob.obs("p1", "pain", 7, 255),
        ob.obs("p2", "pain", 7, 227),
    )
    cards = evaluate_orders(ob.inp("order-sign", [ob.sr("rfa1", RFA, "RFA L4-L5")], ob.history(*facts)))
    (card,) = [c for c in cards if c.rule_id == REPEAT]
    assert "is not documented; record it first" in card.summary


def test_guard_a_repeat_after_an_ablation_that_lasted_draws_no_card() -> None:
    facts = (
        ob.cond("facet", "M47.816", 500),
        ob.proc("rfa0", RFA, 297, "RFA L4-L5", level="L4-L5", outcome=ob.SUCCESSFUL),
        ob.proc("mbb", "64493", 330, outcome=ob.SUCCESSFUL, level="L4-L5"),
    )
    cards = evaluate_orders(ob.inp("order-sign", [ob.sr("rfa1", RFA, "RFA L4-L5")], ob.history(*facts)))
    assert REPEAT not in [c.rule_id for c in cards]


def test_a_later_good_day_does_not_undo_relief_lost_before_six_months() -> None:
    """Pain 8 → 3 at 6 weeks, 7 at 13 and 17 weeks, then a single 3 at 25 weeks: the relief was gone
    before 6 months, whatever the last day shows (short-lived, as the median read it before)."""
    rfa = tf.proc("esi", RFA, level="L4-L5")
    scores = (
        tf.pain("b", -8, 8), tf.pain("f", 42, 3), tf.pain("m", 91, 7), tf.pain("n", 119, 7),
        tf.pain("l", 175, 3),
    )  # fmt: skip
    a = tf.run(rfa, *scores, today=300)
    assert a.outcome is Outcome.SHORT_LIVED
