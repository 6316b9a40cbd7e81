"""An early lumbar MRI ordered for severe, disabling acute sciatica.

The patient-view card (E2) refers severe pain (NRS ≥ 7 with ODI ≥ 40) to a spine specialist within
2 weeks. The early-imaging order check agrees with it: the MRI is still not for primary care to
order (NICE NG59 1.1.4), but its card says to refer within 2 weeks, names the scores that graded the
pain, and offers the referral in place of the MRI; never "reassess at 6 weeks", which would delay
the referral by a month. Pain that is not severe keeps the 6-week card.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest

from tests.orders_builders import RADICULOPATHY, cond, obs, sr
from tests.test_orders_checks import HOOKS, actions, codes, one, run

RULE = "order.mri-early"
REFERRAL = "183546007"


def early_mri_card(hook: str, pain: float, odi: float):  # type: ignore[no-untyped-def]
    facts = (
        cond("rad", RADICULOPATHY, 14, "Lumbar radiculopathy"),
        obs("p", "pain", pain, 1),
        obs("o", "odi", odi, 1, code="97909-6"),
    )
    return one(run(hook, [sr("m", "72148", "MRI lumbar")], *facts), RULE)


@pytest.mark.parametrize("hook", HOOKS)
def test_severe_pain_is_referred_within_two_weeks_not_reassessed_at_six(hook: str) -> None:
    c = early_mri_card(hook, 9, 60)
    assert c.summary == (
        "Lumbar imaging 14 days after onset with severe pain: refer to a spine specialist within 2 weeks, "
        "who plans the imaging"
    )
    assert {"Observation/p", "Observation/o"} <= {f.ref for f in c.why}
    assert c.next_steps[0].startswith(
        "Refer to a spine specialist to be seen within 2 weeks for the severe pain"
    )
    assert not any("reassess at 6 weeks" in s.label for s in c.suggestions)
    created = [x for kind, _, res in actions(c) if kind == "create" for x in codes(res)]
    assert created == [REFERRAL]
    assert c.suggestions[0].is_recommended


@pytest.mark.parametrize("hook", HOOKS)
def test_guard_pain_that_is_not_severe_keeps_the_six_week_card(hook: str) -> None:
    c = early_mri_card(hook, 5, 30)
    assert c.summary.endswith("without red flags is not indicated; reassess at 6 weeks (2026-12-18)")
    assert [s.label for s in c.suggestions] == ["Cancel the imaging order and reassess at 6 weeks"]
