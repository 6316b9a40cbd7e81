"""Two misreadings found by probing charts on 2026-12-06.

(a) ``order.esi-repeat`` after ONE failed image-guided ESI fired for a RIGHT L5-S1 transforaminal
injection drafted after a failed LEFT L5-S1 one: the other side is another nerve root (as the ablation
check reads a staged contralateral ablation, ``failure.sides_concordant``). It no longer fires when both
state a side and the sides differ; no side stated (an interlaminar injection) or bilateral counts as
the same side. The two-failure (F8) card is unchanged.

(b) A fall coded as a subsequent encounter (W19.XXXD) or a sequela (W19.XXXS), or a note dating the fall
in a year before the radicular onset ("Fall in 2019 with wrist fracture, healed"), recorded today, was
read as a new fall of the present illness ("fall on 2026-12-06 at age 82"). It is history now.

``test_guard_*`` hold on the code before this change; every other test fails on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from pathway_builders import ago, fake_assessor, obs, radic

from hooks.cards import CardDraft
from hooks.pathway.context import PathwayContext
from hooks.pathway.rules import acute
from tests.orders_builders import UNSUCCESSFUL, proc, sr
from tests.test_acute_fracture_risk import aged_input, assert_as_today, fall, run_aged
from tests.test_orders_repeat_after_one_failure import HOOKS, REPEAT, rules, run

LEFT_FAILED = proc(
    "e1", "64483", 60, "Transforaminal epidural injection left L5-S1", outcome=UNSUCCESSFUL, level="L5-S1"
)
RIGHT_DRAFT = sr("esi-new", "64483", "Transforaminal epidural injection right L5-S1")
LEFT_DRAFT = sr("esi-new", "64483", "Transforaminal epidural injection left L5-S1")


def _orders(hook: str, failed: Any, draft: dict[str, Any], *more: Any) -> list[CardDraft]:
    return run(hook, *more, failed, orders=[draft])


# ------------------------------------------------------------------ (a) the other side
@pytest.mark.parametrize("hook", HOOKS)
def test_a_failed_left_tfesi_draws_no_repeat_card_for_a_right_tfesi_at_the_level(hook: str) -> None:
    assert REPEAT not in rules(_orders(hook, LEFT_FAILED, RIGHT_DRAFT))


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_a_failed_left_tfesi_still_draws_the_card_for_a_left_tfesi(hook: str) -> None:
    assert rules(_orders(hook, LEFT_FAILED, LEFT_DRAFT)) == [REPEAT]


def test_guard_an_interlaminar_failure_with_no_side_counts_for_either_side() -> None:
    il = proc("e1", "62323", 60, "Interlaminar epidural injection L5-S1", outcome=UNSUCCESSFUL, level="L5-S1")
    assert rules(_orders("order-sign", il, RIGHT_DRAFT)) == [REPEAT]


def test_guard_a_failed_bilateral_injection_counts_for_either_side() -> None:
    bilat = proc(
        "e1",
        "64483",
        60,
        "Transforaminal epidural injection bilateral L5-S1",
        outcome=UNSUCCESSFUL,
        level="L5-S1",
    )
    assert rules(_orders("order-sign", bilat, RIGHT_DRAFT)) == [REPEAT]


def test_guard_two_failures_keep_the_f8_card_whatever_the_side() -> None:
    earlier = proc(
        "e0",
        "64483",
        120,
        "Transforaminal epidural injection left L5-S1",
        outcome=UNSUCCESSFUL,
        level="L5-S1",
    )
    (c,) = _orders("order-sign", LEFT_FAILED, RIGHT_DRAFT, earlier)
    assert c.rule_id == REPEAT
    assert c.summary.startswith("Repeat ESI after 2 non-responding injections")


# ------------------------------------------------------------------ (b) a fall that is history
@pytest.mark.parametrize(
    ("code", "text"),
    [("W19.XXXD", "Unspecified fall, subsequent encounter"), ("W19.XXXS", "Unspecified fall, sequela")],
)
def test_a_fall_coded_as_a_later_encounter_or_sequela_is_not_a_trauma_of_the_illness(
    code: str, text: str
) -> None:
    (e1,) = run_aged(82, radic(days=20), fall(days=0, code=code, text=text), obs("p", "pain", 5, 1))
    assert_as_today(e1)
    assert not acute.trauma_with_illness(_ctx(82, radic(days=20), fall(days=0, code=code, text=text)))


def test_a_fall_dated_in_a_past_year_in_the_note_is_not_a_trauma_of_the_illness() -> None:
    note = fall(
        days=0, code="M54.50", text="Low back pain", notes=("Fall in 2019 with wrist fracture, healed",)
    )
    (e1,) = run_aged(82, radic(days=20), note, obs("p", "pain", 5, 1))
    assert_as_today(e1)


def test_guard_an_initial_encounter_fall_yesterday_at_82_still_counts() -> None:
    (t,) = acute.trauma_with_illness(_ctx(82, radic(days=20), fall(days=1)))
    assert t.event == "fall" and t.age == 82


def test_guard_a_fall_note_dated_in_the_onset_year_still_counts() -> None:
    year = ago(20).year  # the radicular onset's year
    note = fall(days=1, code="M54.50", text="Low back pain", notes=(f"Fell at home in {year}, pain since",))
    (t,) = acute.trauma_with_illness(_ctx(82, radic(days=20), note))
    assert t.event == "fall" and t.in_notes


def _ctx(age: int, *facts: Any) -> PathwayContext:
    inp = aged_input(age, *facts)
    return PathwayContext(inp, fake_assessor(inp, {}))
