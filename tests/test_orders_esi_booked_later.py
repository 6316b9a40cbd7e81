"""An ESI ordered in week 3 but booked for after the 6-week point is not told to cancel.

The card "complete 6 weeks of conservative care first" recommended cancelling and "reassess on
2026-12-12" for an injection booked for 2026-12-21 (day 51): booking lead times for ESIs are weeks.
The order's ``occurrenceDateTime`` (or ``occurrencePeriod.start``) on or after the end of the
conservative-care period means it is given on time.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from datetime import timedelta

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, TODAY, cond, history, inp, sr

EARLY = "order.esi-too-early"


def rules(**booking: object) -> list[str]:
    esi = sr("esi", "64483", "Transforaminal epidural injection L5-S1", **booking)
    return [
        c.rule_id for c in evaluate_orders(inp("order-sign", [esi], history(cond("rad", RADICULOPATHY, 20))))
    ]


def test_booked_after_six_weeks_is_not_too_early() -> None:
    assert EARLY not in rules(occurrenceDateTime=(TODAY + timedelta(days=31)).isoformat())
    assert EARLY not in rules(occurrencePeriod={"start": (TODAY + timedelta(days=31)).isoformat()})


def test_guard_booked_before_six_weeks_or_unbooked_is_too_early() -> None:
    assert EARLY in rules(occurrenceDateTime=(TODAY + timedelta(days=5)).isoformat())
    assert EARLY in rules()
