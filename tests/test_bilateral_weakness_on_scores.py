"""New weakness of both legs shown by strength scores is R1's cauda equina screen (decision model
§7.3: new bilateral leg weakness prompts R1's questions), as two coded foot drops are: a weak score
each side first found within 14 days, or a score on one side beside a new foot drop coded on the
other. Not one leg, an old weakness, a weakness given another cause, or a score naming no side."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import card_of, cond, radic, run, states
from pathway_builders import obs as pobs

from hooks.facts import ObservationFact
from hooks.orders import evaluate_orders
from tests.orders_builders import history, inp, sr


def score(ref: str, value: float, days: int, muscle: str, notes: tuple[str, ...] = ()) -> ObservationFact:
    return replace(pobs(ref, "strength", value, days), text=f"{muscle} strength (MRC)", notes=notes)


BOTH = (
    score("l0", 5, 30, "Left ankle dorsiflexion"),
    score("r0", 5, 30, "Right ankle dorsiflexion"),
    score("l1", 2, 2, "Left ankle dorsiflexion"),
    score("r1", 3, 2, "Right EHL"),
)


def test_weak_scores_in_both_legs_draw_the_cauda_equina_screen() -> None:
    cards = run(radic(days=40), *BOTH)
    assert states(cards) == ["R1"]
    r1 = card_of(cards, "R1")
    assert r1.indicator == "critical"
    assert r1.summary.startswith("Possible cauda equina syndrome: ask today about bladder, bowel")
    refs = {r for f in r1.why for r in f.refs}
    assert {"Observation/l1", "Observation/r1"} <= refs


def test_a_weak_score_beside_a_new_foot_drop_on_the_other_side_is_both_legs() -> None:
    left = cond("fd", "red_flag_motor_deficit", "M21.372", onset=3, text="Foot drop, left foot")
    cards = run(radic(days=40), left, score("r1", 2, 1, "Right ankle dorsiflexion"))
    assert states(cards) == ["R1"]
    refs = {r for f in card_of(cards, "R1").why for r in f.refs}
    assert {"Condition/fd", "Observation/r1"} <= refs


def test_an_elective_injection_is_held_and_the_mri_made_an_emergency_at_order_time() -> None:
    from tests.orders_builders import RADICULOPATHY
    from tests.orders_builders import cond as ocond
    from tests.orders_builders import obs as oobs

    def oscore(ref: str, value: float, days: int, muscle: str) -> ObservationFact:
        return replace(oobs(ref, "strength", value, days), text=f"{muscle} strength (MRC)")

    drafts = [sr("esi", "64483", "TFESI L5-S1"), sr("mri", "72148", "MRI lumbar spine without contrast")]
    chart = history(
        ocond("rad", RADICULOPATHY, 40),
        oscore("l1", 2, 2, "Left ankle dorsiflexion"),
        oscore("r1", 3, 2, "Right EHL"),
    )
    rules = {c.rule_id for c in evaluate_orders(inp("order-sign", drafts, chart))}
    assert {"order.red-flag-elective", "order.mri-ces-emergency"} <= rules


def pair(value: float, days: int) -> tuple[ObservationFact, ObservationFact]:
    left, right = "Left ankle dorsiflexion", "Right ankle dorsiflexion"
    return score("l1", value, days, left), score("r1", value, days, right)


@pytest.mark.parametrize(
    "scores",
    [
        (score("l1", 2, 2, "Left ankle dorsiflexion"),),  # one leg: R2's
        pair(3, 40),  # old
        (
            score("l1", 3, 2, "Left ankle dorsiflexion", ("limited by pain",)),
            score("r1", 3, 2, "Right ankle dorsiflexion", ("limited by pain",)),
        ),
        (score("a1", 3, 2, "Ankle dorsiflexion"), score("b1", 3, 2, "EHL")),  # no side named
        pair(4, 2),  # MRC 4
    ],
    ids=["one-leg", "old", "limited-by-pain", "no-side", "mrc-4"],
)
def test_guard_no_cauda_equina_screen(scores: tuple[ObservationFact, ...]) -> None:
    assert "R1" not in states(run(radic(days=60), *scores))
