"""An arm's strength scores grade no lumbosacral root (decision model §7.3: a radicular or myotomal
weakness is the motor red flag).

A grip strength falling 5 → 3 beside three weeks of sciatica drew a critical R2 ("progressive motor
deficit: urgent MRI and urgent spine surgery referral"), and a wrist extension of 3/5 a warning to see
a spine surgeon within two weeks: a lumbar MRI does not explain a weak hand. Scores of a leg's muscle,
and scores that name no muscle ("motor strength"), are read as before.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import card_of, obs, radic, run, states

from hooks.facts import ObservationFact
from hooks.text import upper_limb_only


def strength(ref: str, value: float, days: int, name: str) -> ObservationFact:
    return replace(obs(ref, "strength", value, days), text=name)


@pytest.mark.parametrize(
    "name",
    ["Right grip strength (MRC grade 0-5)", "Left wrist extension strength", "Shoulder abduction strength",
     "Deltoid power (MRC)", "Right hand intrinsic strength", "C6 myotome strength",
     "Right finger abductors (MRC)", "Left shoulder abductors (C5)", "Thumb abductor strength",
     "Right hand intrinsics / finger abductors"],
)  # fmt: skip
def test_an_arm_s_falling_strength_is_no_lumbar_red_flag(name: str) -> None:
    cards = run(radic(days=21), strength("s1", 5, 14, name), strength("s2", 3, 2, name))
    assert "R2" not in states(cards)
    assert not any(c.indicator == "critical" for c in cards)
    assert states(cards) == ["E1"]


def test_an_arm_s_weak_score_draws_no_referral_warning() -> None:
    cards = run(radic(days=21), strength("s1", 3, 2, "Left wrist extension strength (MRC)"))
    assert "R2" not in states(cards) and states(cards) == ["E1"]


@pytest.mark.parametrize(
    "name",
    ["Left ankle dorsiflexion strength (MRC)", "Left EHL strength", "Motor strength", "Left leg strength",
     "Right hip flexion strength", "Hand-held dynamometry, left tibialis anterior (MRC)",
     "Motor exam: grip 5/5 bilaterally; left tibialis anterior",
     "Hand-held dynamometer strength - gastrocnemius", "Left peroneus longus strength, hand-held",
     "Left iliopsoas (MRC), pinch test normal"],
)  # fmt: skip
def test_guard_a_leg_s_or_a_general_falling_strength_stays_critical(name: str) -> None:
    cards = run(radic(days=21), strength("s1", 5, 14, name), strength("s2", 2, 2, name))
    r2 = card_of(cards, "R2")
    assert r2.indicator == "critical"


@pytest.mark.parametrize(
    ("words", "arm"),
    [
        (("Right grip strength",), True),
        (("Strength", "Left upper arm structure"), True),
        (("Strength of arm and leg",), False),  # a leg named too: read as the leg's
        (("Ankle dorsiflexion",), False),
        (("Motor strength",), False),
        (("L5 myotome strength",), False),
    ],
)
def test_which_scores_are_an_arm_s(words: tuple[str, ...], arm: bool) -> None:
    assert upper_limb_only(*words) is arm
