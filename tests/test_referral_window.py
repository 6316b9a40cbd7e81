"""A referral "to be seen within 2 weeks" carries that date as ``occurrencePeriod.end``: an EHR routes
a referral by its fields, and a routine referral with the deadline only in its note can wait months.
Every card that offers one (E2, R2, P1 with a weak muscle or severe pain, the order checks that hold
a procedure or an early MRI for a referral) sets the same date; referrals without a deadline set none.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pathway_builders import TODAY, card_of, conservative, obs, radic, run

from cds_service.fhir_adapter import parse_resource
from hooks.cards import CardDraft
from tests.orders_builders import RADICULOPATHY, cond, sr
from tests.orders_builders import TODAY as ORDERS_TODAY
from tests.orders_builders import obs as order_obs
from tests.test_deficits_and_postop_imaging import mrc
from tests.test_orders_checks import one
from tests.test_orders_checks import run as run_orders

REFERRAL = "183546007"
BY = (TODAY + timedelta(days=14)).isoformat()


def referrals(card: CardDraft) -> list[dict[str, Any]]:
    return [
        a.resource
        for s in card.suggestions
        for a in s.actions
        if a.type == "create"
        and a.resource
        and REFERRAL in {c.get("code") for c in a.resource.get("code", {}).get("coding", [])}
    ]


def test_e2_weak_muscle_referral_is_due_within_two_weeks() -> None:
    (ref,) = referrals(card_of(run(radic(21), mrc("s1", 4, 2), obs("p", "pain", 6, 2)), "E2"))
    assert ref["occurrencePeriod"] == {"end": BY}
    assert "within 2 weeks" in ref["note"][0]["text"]
    assert parse_resource(ref, "suggestion").occurrencePeriod.end.isoformat().startswith(BY)  # valid R4


def test_e2_severe_pain_referral_is_due_within_two_weeks() -> None:
    c = card_of(run(radic(21), obs("p", "pain", 9, 2), obs("o", "odi", 60, 2)), "E2")
    (ref,) = referrals(c)
    assert ref["occurrencePeriod"] == {"end": BY}


def test_r2_stable_deficit_referral_is_due_within_two_weeks() -> None:
    (ref,) = referrals(card_of(run(radic(21), mrc("s1", 3, 2), obs("p", "pain", 6, 2)), "R2"))
    assert ref["occurrencePeriod"] == {"end": BY}


def test_p1_weak_muscle_referral_is_due_within_two_weeks() -> None:
    c = card_of(run(radic(70), *conservative(60), mrc("s1", 4, 2), obs("p", "pain", 6, 2)), "P1")
    (ref,) = referrals(c)
    assert ref["occurrencePeriod"] == {"end": BY}


def test_guard_p1_without_weakness_or_severe_pain_sets_no_deadline() -> None:
    c = card_of(run(radic(70), *conservative(60), obs("p", "pain", 5, 2)), "P1")
    assert all("occurrencePeriod" not in r for r in referrals(c))


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_early_mri_replaced_by_a_referral_due_within_two_weeks(hook: str) -> None:
    facts = (
        cond("rad", RADICULOPATHY, 14, "Lumbar radiculopathy"),
        order_obs("p", "pain", 9, 1),
        order_obs("o", "odi", 60, 1, code="97909-6"),
    )
    c = one(run_orders(hook, [sr("m", "72148", "MRI lumbar")], *facts), "order.mri-early")
    (ref,) = referrals(c)
    assert ref["occurrencePeriod"] == {"end": (ORDERS_TODAY + timedelta(days=14)).isoformat()}
    assert ref["note"] == [{"text": "To be seen within 2 weeks: severe pain."}]
