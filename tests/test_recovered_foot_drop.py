"""A foot drop coded in the last two weeks is a new motor deficit (R2, critical) on the code alone,
unless the strength of its dorsiflexors scored since shows it recovering (2/5, then 4/5, 5/5): then it
is a deficit on record, R2's warning (refer within 2 weeks), the latest score named on the card."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import card_of, cond, obs, radic, run, states

from hooks.facts import ObservationFact


def dorsiflexion(ref: str, value: float, days: int, side: str = "Left") -> ObservationFact:
    return replace(obs(ref, "strength", value, days), text=f"{side} ankle dorsiflexion strength (MRC)")


FOOT_DROP = cond("fd", "red_flag_motor_deficit", "M21.372", onset=13, text="Foot drop, left foot")


@pytest.mark.parametrize("latest", [4, 5])
def test_a_foot_drop_recovering_since_it_was_coded_is_no_critical_card(latest: float) -> None:
    scores = (dorsiflexion("m0", 2, 13), dorsiflexion("m1", 3, 6), dorsiflexion("m2", latest, 1))
    cards = run(radic(days=35), FOOT_DROP, *scores)
    r2 = card_of(cards, "R2")
    assert r2.indicator == "warning"
    assert any(f.ref == "Observation/m2" and f"{latest:g}/5" in f.text for f in r2.why)


@pytest.mark.parametrize(
    "scores",
    [
        (),  # the code alone
        (("m0", 2, 13), ("m1", 3, 1)),  # still weak
        (("m0", 5, 20),),  # scored strong before the foot drop was coded
    ],
)
def test_guard_a_new_foot_drop_not_shown_recovering_stays_critical(
    scores: tuple[tuple[str, float, int], ...],
) -> None:
    cards = run(radic(days=35), FOOT_DROP, *(dorsiflexion(*s) for s in scores))
    assert states(cards)[0] == "R2" and card_of(cards, "R2").indicator == "critical"


def test_guard_the_other_leg_recovering_says_nothing_of_this_foot() -> None:
    cards = run(radic(days=35), FOOT_DROP, dorsiflexion("r0", 5, 1, side="Right"))
    assert card_of(cards, "R2").indicator == "critical"
