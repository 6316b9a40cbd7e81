"""Two order-time misses: a repeat ESI after ONE failed image-guided ESI, and lumbar radiographs in
week 3 without red flags.

(a) ``order.esi-repeat`` fired only after two consecutive non-responding injections or at the session
limit (F8). A repeat lumbar ESI ordered when the latest image-guided lumbar ESI at the same level (or
with the level of either not stated) was judged FAILED or SHORT-LIVED by ``failure.assess`` now draws
the card too (F3 "repeating the same failed ESI", F4/F5 "repeat ESI" under must-not; the Medicare ESI
LCD allows a repeat only after a sustained >= 50 % response): info on order-select, warning on
order-sign, naming the failed injection and its date, re-evaluate, cancel the draft. Not after a
partial response, a blind injection, a failure at another stated level, or an injection still pending;
when F8 applies its card is the only one.

(b) ``order.mri-early`` judged MRI and CT only. Lumbar radiographs (72100) at 3 weeks without a red
flag are "usually not appropriate" too (ACR 2021 variant 1) and now draw the card, naming the
radiographs; not with osteoporosis (fracture risk, ACR 2021 variant 6), a red flag, or after 6 weeks.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, render_detail, render_full
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import (
    RADICULOPATHY,
    SUCCESSFUL,
    UNSUCCESSFUL,
    ago,
    cond,
    history,
    inp,
    obs,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")
INDICATOR = {"order-select": "info", "order-sign": "warning"}
REPEAT = "order.esi-repeat"
EARLY = "order.mri-early"

RAD = cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy")
MRI = proc("mri", "72148", 150, "MRI lumbar spine without contrast")  # the level an ESI is aimed at
DRAFT = sr("esi-new", "64483", "Transforaminal epidural injection L5-S1")


def esi(
    rid: str, days_ago: int, outcome: Coding | None = None, level: str | None = "L5-S1", code: str = "64483"
) -> Any:
    return proc(rid, code, days_ago, f"ESI {level}" if level else "ESI", outcome=outcome, level=level)


def run(hook: str, *facts: Any, orders: list[dict[str, Any]] | None = None) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders or [DRAFT], history(RAD, MRI, *facts)))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def only(cards: list[CardDraft], rule: str) -> CardDraft:
    assert rules(cards) == [rule]
    return cards[0]


def text(c: CardDraft) -> str:
    return "\n".join([c.summary, render_detail(c), render_full(c), *(s.label for s in c.suggestions)])


def assert_house_rules(c: CardDraft, order_ref: str) -> None:
    assert len(c.summary) < 140
    assert ADVISORY in render_detail(c) and len(render_detail(c)) <= DETAIL_MAX
    assert c.why[0].ref == order_ref and c.subject_key == order_ref
    words = text(c).lower()
    assert "seed" not in words and "decision model" not in words


# ------------------------------------------------------------------ (a) repeat ESI after one failure
FAILED_HERE = esi("e1", 60, UNSUCCESSFUL)  # the firing case: one explicit failure at L5-S1, 60 days ago


@pytest.mark.parametrize("hook", HOOKS)
def test_one_failed_image_guided_esi_at_the_same_level_draws_the_repeat_card(hook: str) -> None:
    c = only(run(hook, FAILED_HERE), REPEAT)
    assert c.indicator == INDICATOR[hook]
    assert_house_rules(c, "ServiceRequest/esi-new")
    assert c.summary == (
        f"Repeat ESI after the failed image-guided ESI at L5-S1 of {ago(60).isoformat()}: re-evaluate "
        "instead of injecting again"
    )
    assert "Procedure/e1" in [f.ref for f in c.why]
    steps = " ".join(c.next_steps)
    assert "Medicare ESI LCD" in steps and "sustained ≥ 50 % response" in steps and "NASS 2014" in steps
    assert "imaging" in steps and "Surgical opinion" in steps and "nerve-root block" in steps
    assert {"Medicare ESI LCD", "NASS 2014"} <= {e.label for e in c.evidence}
    ((suggestion,),) = [c.suggestions]
    assert suggestion.is_recommended
    assert [(a.type, a.resource_id) for a in suggestion.actions] == [("delete", "ServiceRequest/esi-new")]


def test_a_failure_judged_from_the_pain_scores_draws_the_card() -> None:
    """Baseline 8, 7 in the 2-6-week window: < 30 % and < 2 points, FAILED by ``assess``."""
    facts = (esi("e1", 60), obs("b", "pain", 8, 62), obs("f", "pain", 7, 30))
    assert rules(run("order-sign", *facts)) == [REPEAT]


def test_short_lived_relief_draws_the_card_saying_it_was_short_lived() -> None:
    """62 % in the window, under 30 % by the durability horizon: SHORT-LIVED, never "failed"."""
    facts = (esi("e1", 100), obs("b", "pain", 8, 102), obs("f", "pain", 3, 75), obs("g", "pain", 7, 20))
    c = only(run("order-sign", *facts), REPEAT)
    assert "short-lived" in c.summary and "failed" not in c.summary
    assert ago(100).isoformat() in c.summary and len(c.summary) < 140


def test_the_level_not_stated_on_the_earlier_injection_counts_as_the_same_and_says_so() -> None:
    c = only(run("order-sign", esi("e1", 60, UNSUCCESSFUL, level=None)), REPEAT)
    assert f"ESI of {ago(60).isoformat()}" in c.summary
    assert any("level" in g and "not stated" in g for g in c.gaps)


def test_the_level_not_stated_on_the_draft_counts_as_the_same() -> None:
    draft = sr("esi-new", "64483", "Transforaminal epidural injection")
    assert rules(run("order-sign", FAILED_HERE, orders=[draft])) == [REPEAT]


def test_guard_a_partial_response_draws_no_repeat_card() -> None:
    """Baseline 8, 5 in the window: 38 % and 3 points, PARTIAL (7 in the window is FAILED and fires)."""
    assert rules(run("order-sign", esi("e1", 60), obs("b", "pain", 8, 62), obs("f", "pain", 5, 30))) == []


def test_guard_a_blind_injection_draws_no_repeat_card() -> None:
    """F2: a blind injection is no adequate trial; the image-guided one at the level is the advice."""
    assert REPEAT not in rules(run("order-sign", esi("e1", 60, UNSUCCESSFUL, code="62322")))


@pytest.mark.parametrize(
    "words", ["Transforaminal epidural injection L4-5 and L5-S1", "TFESI L5-S1, L4-5"]
)
def test_a_two_level_order_that_includes_the_failed_level_is_a_repeat(words: str) -> None:
    """Every level the draft names counts, not the first: "L4-5 and L5-S1" repeats a failed L5-S1 ESI."""
    two = sr("esi-new", "64483", words)
    assert rules(run("order-sign", esi("e1", 60, UNSUCCESSFUL), orders=[two])) == [REPEAT]


def test_guard_a_two_level_order_elsewhere_draws_no_repeat_card() -> None:
    two = sr("esi-new", "64483", "Transforaminal epidural injection L3-4 and L4-5")
    assert REPEAT not in rules(run("order-sign", esi("e1", 60, UNSUCCESSFUL), orders=[two]))


def test_guard_a_failure_at_another_stated_level_draws_no_repeat_card() -> None:
    assert REPEAT not in rules(run("order-sign", esi("e1", 60, UNSUCCESSFUL, level="L4-L5")))


def test_an_explicit_failure_is_judged_once_the_window_opens() -> None:
    """The firing case of the pending guard: a failure coded 3 weeks on is judged; one coded 10 days
    on is too early to judge (F0), and the judge-first card holds the repeat instead."""
    assert rules(run("order-sign", esi("e1", 21, UNSUCCESSFUL))) == [REPEAT]
    assert rules(run("order-sign", esi("e1", 10, UNSUCCESSFUL))) == ["order.esi-before-judged"]


def test_guard_an_injection_still_pending_draws_no_repeat_card() -> None:
    """Ten days ago without an outcome: too early to judge; the judge-first card says so instead."""
    assert rules(run("order-sign", esi("e1", 10))) == ["order.esi-before-judged"]


def test_guard_a_later_response_at_the_level_draws_no_repeat_card() -> None:
    assert REPEAT not in rules(run("order-sign", esi("e0", 120, UNSUCCESSFUL), esi("e1", 60, SUCCESSFUL)))


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_two_consecutive_failures_keep_the_single_f8_card(hook: str) -> None:
    c = only(run(hook, esi("e0", 120, UNSUCCESSFUL), FAILED_HERE), REPEAT)
    assert c.indicator == "warning"
    assert c.summary == "Repeat ESI after 2 non-responding injections: re-evaluate instead of injecting again"


# ------------------------------------------------------------------ (b) lumbar radiographs in week 3
XRAY = sr("xr", "72100", "Radiologic examination, spine, lumbosacral; 2 or 3 views")


def radiograph_cards(hook: str, onset_days: int, *facts: Any) -> list[CardDraft]:
    return evaluate_orders(
        inp(hook, [XRAY], history(cond("rad", RADICULOPATHY, onset_days, "Lumbar radiculopathy"), *facts))
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_radiographs_at_three_weeks_without_red_flags_draw_the_early_imaging_card(hook: str) -> None:
    c = only(radiograph_cards(hook, 21), EARLY)
    assert c.indicator == "info"
    assert_house_rules(c, "ServiceRequest/xr")
    reassess = ago(21 - 42).isoformat()
    assert c.summary == (
        f"Lumbar radiographs 21 days after onset without red flags are not indicated; reassess at 6 weeks "
        f"({reassess})"
    )
    assert "MRI" not in c.summary
    assert any("radiographs" in a and "ACR 2021 variant 1" in a for a in c.avoid)
    assert [s.label for s in c.suggestions] == ["Cancel the radiographs and reassess at 6 weeks"]
    assert [(a.type, a.resource_id) for s in c.suggestions for a in s.actions] == [
        ("delete", "ServiceRequest/xr")
    ]


def test_guard_radiographs_with_osteoporosis_draw_no_card() -> None:
    """Fracture risk makes initial radiographs appropriate (ACR 2021 variant 6)."""
    assert radiograph_cards("order-sign", 21, cond("op", "M81.0", 400, "Age-related osteoporosis")) == []


def test_guard_radiographs_with_a_red_flag_draw_no_card() -> None:
    assert radiograph_cards("order-sign", 21, cond("fd", "M21.372", 3, "Foot drop, left")) == []


def test_guard_radiographs_after_six_weeks_draw_no_card() -> None:
    assert radiograph_cards("order-sign", 56) == []


@pytest.mark.parametrize("code", ["72110", "72114", "72120"])
def test_radiographs_of_any_views_are_judged_as_the_two_view_study(code: str) -> None:
    """Four or more views, a complete study with bending views, or bending views only: lumbar
    radiographs all the same at 3 weeks without red flags."""
    xr = sr("xr", code, "Radiologic examination, spine, lumbosacral")
    cards = evaluate_orders(
        inp("order-sign", [xr], history(cond("rad", RADICULOPATHY, 21, "Lumbar radiculopathy")))
    )
    assert [c.rule_id for c in cards] == [EARLY]
