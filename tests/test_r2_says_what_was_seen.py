"""R2's critical summary says what the record shows: "Progressive" only for strength seen to fall
between two scores; a foot drop first recorded in the last days is "New", not "Progressive" (nothing
shows it progressing); a muscle first scored MRC 2 or less is "New severe".

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import card_of, cond, radic, run
from test_deficits_and_postop_imaging import mrc

TAIL = " motor deficit: urgent MRI and urgent spine surgery referral within days"


def test_a_new_foot_drop_is_new_not_progressive() -> None:
    c = card_of(run(radic(30), cond("fd", "red_flag_motor_deficit", "M21.371", onset=3)), "R2")
    assert c.indicator == "critical" and c.summary == "New" + TAIL


def test_guard_strength_seen_to_fall_is_progressive() -> None:
    c = card_of(run(radic(30), mrc("s1", 4, 10), mrc("s2", 2, 1)), "R2")
    assert c.summary == "Progressive" + TAIL


def test_guard_a_first_score_of_mrc_2_is_new_severe() -> None:
    c = card_of(run(radic(30), mrc("s1", 2, 1)), "R2")
    assert c.summary == "New severe" + TAIL
