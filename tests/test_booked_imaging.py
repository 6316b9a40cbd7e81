"""An early lumbar MRI booked for after the conservative-care period is ordered early and done on
time: no "cancel and reassess at 6 weeks" card, as for an ESI booked so. Booked before the mark, the
card stands.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest

from tests.orders_builders import RADICULOPATHY, cond, sr
from tests.test_orders_checks import HOOKS, run


@pytest.mark.parametrize("hook", HOOKS)
def test_mri_booked_for_the_six_week_mark_is_not_told_to_wait_for_it(hook: str) -> None:
    """Ordered at day 14 and booked for day 46 (after the 6-week reassessment): ordered early, done
    on time, as an ESI booked so is."""
    booked = sr("mri1", "72148", "MRI lumbar", occurrenceDateTime="2026-12-21")
    assert run(hook, [booked], cond("rad", RADICULOPATHY, 14)) == []


def test_guard_mri_booked_before_the_six_week_mark_still_draws_the_early_imaging_card() -> None:
    booked = sr("mri1", "72148", "MRI lumbar", occurrenceDateTime="2026-11-27")
    assert [c.rule_id for c in run("order-sign", [booked], cond("rad", RADICULOPATHY, 14))] == [
        "order.mri-early"
    ]
