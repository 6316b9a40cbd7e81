"""A muscle scored MRC ≤ 3 is a motor deficit by itself (decision model §7.3: "a radicular or
myotomal weakness, foot drop or MRC ≤ 3"), not only a fall between two scores: R2 refers it within
2 weeks, and orders treat it as the red flag it is."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests import orders_builders as ob
from tests.pathway_builders import card_of, obs, order, radic, run, states
from tests.test_orders_checks import RADICULOPATHY, rules
from tests.test_orders_checks import run as run_orders


def strength(ref: str, value: float, days: int, text: str = "Right ankle dorsiflexion strength (MRC)"):
    return replace(obs(ref, "strength", value, days), text=text)


@pytest.mark.parametrize("grade", [0, 1, 2, 3])
def test_one_weak_score_is_a_stable_deficit_to_refer(grade: int) -> None:
    cards = run(radic(days=30), strength("s1", grade, 1))
    r2 = card_of(cards, "R2")
    assert r2.indicator == "warning"
    assert r2.summary.startswith("Motor deficit with radicular pain: refer to a spine surgeon")
    assert any(f.ref == "Observation/s1" and f"{grade}/5" in f.text for f in r2.why)
    assert "E1" not in states(cards)


def test_mrc_4_is_not_a_red_flag() -> None:
    assert "R2" not in states(run(radic(days=30), strength("s1", 4, 1)))


def test_a_muscle_that_recovered_is_not_weak() -> None:
    cards = run(radic(days=30), strength("s1", 2, 20), strength("s2", 5, 2))
    assert "R2" not in states(cards)


def test_another_muscle_scored_strong_does_not_hide_the_weak_one() -> None:
    cards = run(
        radic(days=30),
        strength("s1", 2, 5),
        strength("s2", 5, 2, text="Right hip flexion strength (MRC)"),
    )
    assert "R2" in states(cards)


def test_weakness_scored_before_the_pain_began_is_another_story() -> None:
    assert "R2" not in states(run(radic(days=30), strength("s1", 2, 400)))


def test_a_weak_muscle_already_seen_by_a_spine_surgeon_draws_no_card() -> None:
    weak = (radic(days=40), strength("s1", 3, 20))
    assert "R2" in states(run(*weak))
    assert "R2" not in states(run(*weak, order("ref-1", "spine_specialist_referral", authored=10)))


def test_a_fall_to_a_weak_grade_stays_critical() -> None:
    """The weak-score rule never lowers a progressive fall: 4/5 → 2/5 in days stays critical."""
    r2 = card_of(run(radic(days=30), strength("s1", 4, 10), strength("s2", 2, 2)), "R2")
    assert r2.indicator == "critical"


# orders ------------------------------------------------------------------------------------------


def ostrength(rid: str, value: float, days_ago: int):
    return replace(ob.obs(rid, "strength", value, days_ago), text="Right ankle dorsiflexion strength (MRC)")


def test_an_early_mri_for_a_weak_muscle_is_not_called_unnecessary() -> None:
    facts = (ob.cond("rad", RADICULOPATHY, 14), ostrength("s1", 1, 1))
    assert "order.mri-early" not in rules(run_orders("order-sign", [ob.sr("mri1", "72148")], *facts))
    # without the weak score the early MRI is questioned (the check is live)
    assert "order.mri-early" in rules(run_orders("order-sign", [ob.sr("mri1", "72148")], facts[0]))
