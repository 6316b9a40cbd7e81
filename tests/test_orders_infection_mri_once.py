"""With a spinal infection suspected, the MRI drafted is made urgent and is never ordered twice.

The card changing a drafted MRI without contrast to one without and with contrast kept it routine,
though a suspected infection needs same-day assessment (decision model §7.3); and a steroid drafted
in the same session drew a second card creating another contrast MRI, urgent: accepting both left
two studies with different priorities. Now the change makes the MRI urgent (unless it already is as
urgent), and the steroid card creates no MRI while one is drafted.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from hooks.cards import CardDraft
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, mr, sr

RAD = cond("rad", RADICULOPATHY, 20)
FEVER = cond("fever", "R50.9", 2, "Fever")
MRI = sr("mri", "72148", "MRI lumbar spine without contrast")
PRED = mr("pred", "8640", "prednisone 20 MG Oral Tablet", dose=20, per=1)


def run(*orders: dict[str, Any]) -> list[CardDraft]:
    return evaluate_orders(inp("order-sign", list(orders), history(RAD, FEVER)))


def created_or_updated_mris(cards: list[CardDraft]) -> list[tuple[str, str | None]]:
    out = []
    for c in cards:
        for s in c.suggestions:
            for a in s.actions:
                codes = [x.get("code") for x in ((a.resource or {}).get("code") or {}).get("coding", [])]
                if a.type in ("create", "update") and "72158" in codes:
                    out.append((a.type, (a.resource or {}).get("priority")))
    return out


def test_the_contrast_change_makes_a_routine_mri_urgent() -> None:
    assert created_or_updated_mris(run(MRI)) == [("update", "urgent")]


def test_guard_a_stat_mri_keeps_its_priority() -> None:
    assert created_or_updated_mris(run({**MRI, "priority": "stat"})) == [("update", "stat")]


def test_a_steroid_drafted_beside_the_mri_creates_no_second_mri() -> None:
    assert created_or_updated_mris(run(PRED, MRI)) == [("update", "urgent")]


def test_guard_a_steroid_alone_still_offers_the_urgent_contrast_mri() -> None:
    assert created_or_updated_mris(run(PRED)) == [("create", "urgent")]
