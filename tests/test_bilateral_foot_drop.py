"""A new foot drop of each leg, coded one leg at a time (M21.371 and M21.372), is weakness of both
legs: R1's cauda equina screen (ask today about bladder, bowel and saddle sensation), as one entry
saying "both legs" is (decision model R1). One new foot drop, or an old one beside a new one, is not.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, cond, radic, run, states

RIGHT, LEFT = "M21.371", "M21.372"


def test_new_foot_drop_of_each_leg_opens_the_cauda_equina_screen() -> None:
    cards = run(
        radic(days=8),
        cond("r", "red_flag_motor_deficit", RIGHT, onset=1),
        cond("l", "red_flag_motor_deficit", LEFT, onset=1),
    )
    c = card_of(cards, "R1")
    assert c.indicator == "critical"
    assert {"Condition/r", "Condition/l"} <= {f.ref for f in c.why}
    assert any("both legs weak" in (f.short or "") for f in c.why)


def test_guard_one_new_foot_drop_is_r2_not_r1() -> None:
    states_ = states(run(radic(days=8), cond("r", "red_flag_motor_deficit", RIGHT, onset=1)))
    assert "R1" not in states_ and "R2" in states_


def test_guard_an_old_foot_drop_beside_a_new_one_is_no_bilateral_sign() -> None:
    cards = run(
        radic(days=8),
        cond("r", "red_flag_motor_deficit", RIGHT, onset=1),
        cond("l", "red_flag_motor_deficit", LEFT, onset=2000),
    )
    assert "R1" not in states(cards)
