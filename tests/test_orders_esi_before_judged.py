"""``order.esi-before-judged``: a lumbar ESI ordered while the last one is still too recent to judge.

Decision model F0 lists "repeat ESI" under Avoid while the last injection is PENDING (before its
2–6-week assessment window opens); F1 allows a repeat only after a sustained ≥ 50 % response. The
check reads the assessment ``hooks.pathway.failure.assess`` gave the last ESI of the episode, so
every boundary comes from ``Thresholds``. Each silent case below is set against the same record
one fact away, where the card fires, so no test passes merely because nothing fires.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, render_detail, render_full
from hooks.orders import evaluate_orders
from hooks.thresholds import DEFAULT_THRESHOLDS, Thresholds
from tests.orders_builders import RADICULOPATHY, UNSUCCESSFUL, ago, cond, history, inp, obs, proc, sr

HOOKS = ("order-select", "order-sign")
RULE = "order.esi-before-judged"
REPEAT = "order.esi-repeat"
EARLY = "order.esi-too-early"
T = DEFAULT_THRESHOLDS

# Radicular pain for 4 months with a pain score before the injection: no other ESI check applies.
RAD = cond("rad", RADICULOPATHY, 120)
BEFORE = obs("p0", "pain", 7, 40)
TFESI = sr("esi-new", "64483", "Transforaminal epidural injection L5-S1")
# the lumbar MRI the injections are aimed by (without it, order.esi-no-imaging speaks)
MRI_DONE = proc("mri", "72148", 150, "MRI lumbar spine without contrast")


def last_esi(days_ago: int, **kw: Any) -> Any:
    return proc("esi-last", "64483", days_ago, "Transforaminal ESI L5-S1", level="L5-S1", **kw)


def run(hook: str, orders: list[dict[str, Any]], *facts: Any, thresholds: Thresholds = T) -> list[CardDraft]:
    return evaluate_orders(replace(inp(hook, orders, history(*facts, MRI_DONE)), thresholds=thresholds))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def one(cards: list[CardDraft]) -> CardDraft:
    assert rules(cards) == [RULE]
    return cards[0]


@pytest.mark.parametrize("hook", HOOKS)
def test_an_esi_ten_days_after_the_last_one_draws_a_warning_to_judge_that_one_first(hook: str) -> None:
    c = one(run(hook, [TFESI], RAD, BEFORE, last_esi(10)))
    t0 = ago(10)
    opens = (t0 + timedelta(days=T.esi_window_start_days)).isoformat()
    closes = (t0 + timedelta(days=T.esi_window_end_days)).isoformat()
    assert c.indicator == "warning"
    assert c.subject_key == "ServiceRequest/esi-new"
    assert c.summary.startswith("Repeat ESI 10 days after the last one: too early to judge it")
    assert opens in c.summary and len(c.summary) < 140
    # the earlier injection, with its date and reference
    earlier = [f for f in c.why if f.ref == "Procedure/esi-last"]
    assert earlier and t0.isoformat() in earlier[0].text
    # the assessment window's dates, the response threshold and the session limit
    assert opens in c.next_steps[0] and closes in c.next_steps[0]
    assert "NRS" in c.next_steps[0] and "ODI" in c.next_steps[0]
    assert any("sustained ≥ 50 % response" in s and "4 sessions" in s for s in c.next_steps)
    assert c.avoid and any(opens in a for a in c.avoid)
    assert [g.key for g in c.evidence] == ["nass_ldh", "cms_esi_lcd"]
    # the recommended suggestion cancels the draft
    assert [(s.is_recommended, [(a.type, a.resource_id) for a in s.actions]) for s in c.suggestions] == [
        (True, [("delete", "ServiceRequest/esi-new")])
    ]
    detail = render_detail(c)
    assert ADVISORY in detail and len(detail) <= DETAIL_MAX
    text = "\n".join([c.summary, detail, render_full(c)])
    assert "seed" not in text.lower() and "decision model" not in text.lower() and "F0" not in text


def too_early(cards: list[CardDraft]) -> bool:
    return any(c.rule_id == RULE and "too early to judge" in c.summary for c in cards)


def test_too_early_until_the_assessment_window_opens_then_record_the_outcome() -> None:
    """The last day before the window opens the repeat is too early; from the day it opens (and at 20
    days, with no outcome recorded yet) the injection is no longer PENDING: the card asks for its
    outcome to be recorded (information), as the pathway's F0 does."""
    start = T.esi_window_start_days
    assert too_early(run("order-sign", [TFESI], RAD, BEFORE, last_esi(start - 1)))
    for days in (start, 20):
        c = one(run("order-sign", [TFESI], RAD, BEFORE, last_esi(days)))
        assert c.indicator == "info" and c.summary.endswith("whose outcome is not recorded: record it first")


def test_the_window_comes_from_the_thresholds() -> None:
    """A site that judges ESIs from 3 weeks keeps the too-early card at 20 days; the default does not."""
    late = replace(T, esi_window_start_days=21)
    assert not too_early(run("order-sign", [TFESI], RAD, BEFORE, last_esi(20)))
    c = one(run("order-sign", [TFESI], RAD, BEFORE, last_esi(20), thresholds=late))
    assert (ago(20) + timedelta(days=21)).isoformat() in c.summary


def test_silent_when_the_last_esi_has_an_explicit_outcome_once_its_window_opens() -> None:
    """An explicit Procedure.outcome judges the injection from the day its window opens (2 weeks):
    the repeat of a failed injection is then its own card. Coded sooner, it is what the procedure
    did, not what it gave: still PENDING, and this card holds the repeat (F0: never labelled failed
    that early)."""
    assert rules(run("order-sign", [TFESI], RAD, BEFORE, last_esi(10))) == [RULE]
    early = run("order-sign", [TFESI], RAD, BEFORE, last_esi(10, outcome=UNSUCCESSFUL))
    assert rules(early) == [RULE]
    judged = run("order-sign", [TFESI], RAD, BEFORE, last_esi(20, outcome=UNSUCCESSFUL))
    assert RULE not in rules(judged)  # judged: the repeat of a failed injection is its own card
    assert rules(judged) == ["order.esi-repeat"]


@pytest.mark.parametrize("hook", HOOKS)
def test_silent_for_a_diagnostic_nerve_root_block_order(hook: str) -> None:
    facts = (RAD, BEFORE, last_esi(10))
    assert rules(run(hook, [TFESI], *facts)) == [RULE]
    for snrb in (
        sr("snrb", "64483-KX", "TFESI L5-S1"),
        sr("snrb", "64483", "Diagnostic selective nerve root block L5, lidocaine only"),
    ):
        assert run(hook, [snrb], *facts) == [], snrb["code"]


def test_a_diagnostic_block_done_ten_days_ago_is_no_last_esi() -> None:
    """A nerve root block given as a diagnostic test is not an injection to judge by its relief
    weeks later; a therapeutic ESI afterwards is not a repeat."""
    snrb = proc("snrb", "64483", 10, "Diagnostic selective nerve root block L5, lidocaine only")
    assert rules(run("order-sign", [TFESI], RAD, BEFORE, last_esi(10))) == [RULE]
    assert run("order-sign", [TFESI], RAD, BEFORE, snrb) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_no_second_card_when_the_repeat_card_fires(hook: str) -> None:
    """Two earlier non-responders (or the session limit) and a pending third: the repeat card alone."""
    failed = [
        proc(f"esi-f{i}", "64483", days, "Transforaminal ESI L5-S1", outcome=UNSUCCESSFUL, level="L5-S1")
        for i, days in enumerate((200, 100))
    ]
    assert rules(run(hook, [TFESI], RAD, BEFORE, failed[1], last_esi(10))) == [RULE]
    assert rules(run(hook, [TFESI], RAD, BEFORE, *failed, last_esi(10))) == [REPEAT]
    limit = [
        proc(f"esi-s{i}", "64483", days, "Transforaminal ESI L5-S1", level="L5-S1")
        for i, days in enumerate((300, 220, 150))
    ]
    assert len(limit) + 1 == T.esi_max_sessions_per_year
    assert rules(run(hook, [TFESI], RAD, BEFORE, *limit, last_esi(10))) == [REPEAT]


@pytest.mark.parametrize("hook", HOOKS)
def test_one_card_per_order_before_the_too_early_card(hook: str) -> None:
    """Three weeks after onset, an ESI given 10 days ago, moderate pain: the order is too early both
    ways; the card about the injection just given is the one shown, on both hooks alike."""
    facts = (cond("rad", RADICULOPATHY, 21), obs("p", "pain", 5, 12), last_esi(10))
    assert rules(run(hook, [TFESI], *facts[:2])) == [EARLY]  # no injection yet: the too-early card
    cards = run(hook, [TFESI], *facts)
    c = one(cards)
    assert (c.rule_id, c.subject_key) == (RULE, "ServiceRequest/esi-new")


def test_same_card_identity_on_order_select_and_order_sign() -> None:
    facts = (RAD, BEFORE, last_esi(10))
    select, sign = (one(run(h, [TFESI], *facts)) for h in HOOKS)
    assert (select.rule_id, select.topic, select.summary) == (sign.rule_id, sign.topic, sign.summary)


def test_severe_pain_does_not_waive_it() -> None:
    """Severe, disabling pain waives the 6-week wait (NICE NG59), not the judgement of the last ESI."""
    facts = (cond("rad", RADICULOPATHY, 21), obs("p", "pain", 8, 2), obs("o", "odi", 50, 2, "97909-6"))
    assert run("order-sign", [TFESI], *facts) == []
    assert rules(run("order-sign", [TFESI], *facts, last_esi(10))) == [RULE]


# A repeat ESI ordered while the last injection has helped but its relief is not yet known to last
# (before the 60-120-day horizon) passed at order-sign while the chart's F1 card said to hold it. The
# order check now holds it too, with the durability window's dates.
def test_a_repeat_while_the_last_injection_has_helped_so_far_waits_for_its_durability() -> None:
    facts = (
        cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy"),
        proc("esi0", "64483", 42, "TFESI L4-L5 left", level="L4-L5"),
        obs("n0", "pain", 8, 46),
        obs("n1", "pain", 3, 24),
        obs("n2", "pain", 4, 6),
    )
    cards = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], history(*facts)))
    (card,) = [c for c in cards if c.rule_id == "order.esi-before-judged"]
    assert "helped so far" in card.summary and card.indicator == "warning"
    assert card.next_steps[0].startswith("Record leg-pain NRS and ODI between")


def test_no_relief_so_far_is_claimed_when_the_latest_score_shows_the_pain_back() -> None:
    facts = (
        cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy"),
        proc("esi0", "64483", 49, "TFESI L4-L5 left", level="L4-L5"),
        obs("n0", "pain", 8, 53),
        obs("n1", "pain", 3, 31),
        obs("n2", "pain", 9, 2),
    )
    cards = evaluate_orders(inp("order-sign", [sr("esi", "64483", "TFESI L4-L5 left")], history(*facts)))
    assert not any("helped so far" in c.summary for c in cards)


# ------------------------------------------------------------------ an outcome never recorded
@pytest.mark.parametrize("hook", HOOKS)
def test_a_repeat_after_an_injection_whose_outcome_was_never_recorded_asks_for_it(hook: str) -> None:
    """Three months after an injection with no outcome and no score after it, a repeat is ordered: the
    Medicare ESI LCD repeats only after a sustained ≥ 50 % response, so the card asks for the result
    first (information: nothing says the injection failed), and offers to hold the order."""
    c = one(run(hook, [TFESI], RAD, BEFORE, last_esi(90)))
    assert (c.rule_id, c.indicator) == (RULE, "info")
    when = ago(90).isoformat()
    assert c.summary == f"Repeat ESI after the ESI of {when}, whose outcome is not recorded: record it first"
    assert c.next_steps[0].startswith(f"Record the result of the ESI of {ago(90).isoformat()}")
    assert "Medicare ESI LCD" in c.next_steps[1]
    assert [s.label for s in c.suggestions] == ["Hold the ESI until its outcome is recorded"]
    assert not any(s.is_recommended for s in c.suggestions)


def test_guard_an_injection_more_than_a_year_ago_or_scores_not_read_draw_no_such_card() -> None:
    assert RULE not in rules(run("order-sign", [TFESI], cond("rad", RADICULOPATHY, 600), last_esi(400)))
    facts = history(RAD, BEFORE, last_esi(90), MRI_DONE, unavailable={"observations": "timed out"})
    cards = evaluate_orders(inp("order-sign", [TFESI], facts))
    assert RULE not in rules(cards)
