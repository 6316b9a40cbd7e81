"""An update that makes an order urgent, asap or stat removes the date it was booked for: "make this
an emergency (stat) study today" that kept a slot two weeks out would leave the patient waiting. The
clinician's notes stay, and one more says which booking was removed. A change that keeps the
priority keeps the booking.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.orders_builders import RADICULOPATHY, cond, sr
from tests.test_orders_checks import HOOKS, one, run

BOOKED = {"occurrenceDateTime": "2026-12-04", "note": [{"text": "Next available outpatient slot"}]}


def _updated(card: Any) -> dict[str, Any]:
    (resource,) = [a.resource for s in card.suggestions for a in s.actions if a.type == "update"]
    assert resource is not None
    return resource


@pytest.mark.parametrize("hook", HOOKS)
def test_stat_study_for_cauda_equina_drops_the_later_booking(hook: str) -> None:
    mri = sr("mri1", "72148", "MRI lumbar", priority="routine", **BOOKED)
    c = one(run(hook, [mri], cond("ces", "G83.4", 1, "Cauda equina syndrome")), "order.mri-ces-emergency")
    resource = _updated(c)
    assert resource["priority"] == "stat"
    assert "occurrenceDateTime" not in resource
    assert resource["note"] == [
        {"text": "Next available outpatient slot"},
        {"text": "Priority stat: the booking for 2026-12-04 is removed."},
    ]


def test_urgent_contrast_study_for_a_tumour_drops_a_booking_eight_weeks_out() -> None:
    mri = sr("mri1", "72148", "MRI lumbar", priority="routine", occurrencePeriod={"start": "2027-01-15"})
    cards = run(
        "order-sign", [mri], cond("rad", RADICULOPATHY, 60), cond("ca", "C79.51", 5, "Bone metastasis")
    )
    c = next(c for c in cards if any(a.type == "update" for s in c.suggestions for a in s.actions))
    resource = _updated(c)
    assert resource["priority"] == "urgent" and "occurrencePeriod" not in resource
    assert resource["note"][-1]["text"] == "Priority urgent: the booking for 2027-01-15 is removed."


def test_guard_a_change_that_keeps_an_urgent_priority_keeps_the_booking() -> None:
    mri = sr("mri1", "72148", "MRI lumbar", priority="urgent", occurrenceDateTime="2026-11-21")
    cards = run(
        "order-sign", [mri], cond("rad", RADICULOPATHY, 60), cond("ca", "C79.51", 5, "Bone metastasis")
    )
    updates = [a.resource for c in cards for s in c.suggestions for a in s.actions if a.type == "update"]
    assert updates and all(r is not None and r["occurrenceDateTime"] == "2026-11-21" for r in updates)


@pytest.mark.parametrize(
    "booking",
    [{"occurrenceTiming": {"repeat": {"count": 1}}}, {"occurrencePeriod": {"end": "2026-12-31"}}],
    ids=["timing", "period-with-end-only"],
)
def test_a_booking_without_a_start_date_is_named_plainly(booking: dict) -> None:  # type: ignore[type-arg]
    mri = sr("mri1", "72148", "MRI lumbar", priority="routine", **booking)
    c = one(
        run("order-sign", [mri], cond("ces", "G83.4", 1, "Cauda equina syndrome")), "order.mri-ces-emergency"
    )
    resource = _updated(c)
    assert not any(k.startswith("occurrence") for k in resource)
    assert resource["note"][-1] == {"text": "Priority stat: the booked time is removed."}
