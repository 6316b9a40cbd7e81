"""An elective spine procedure ordered for leg pain within 3 months of a lumbar operation.

A transforaminal ESI drafted for new radicular pain 6 weeks after a microdiscectomy passed silently at
order-sign, while the patient-view card on the same chart (S0) said "contact the operating surgeon"
(early recurrent herniation, haematoma, infection, dural leak: §7.4 never silence). The order now
draws a warning naming the operation and the pain since, removal offered but not recommended (the
surgeon's team may have asked for it). The pre-operative pain settling since the operation draws no
card, nor does an operation more than 3 months ago.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, obs, proc, sr

ESI = sr("esi", "64483", "Transforaminal ESI L4-L5 left")


def _rules(*facts):  # type: ignore[no-untyped-def]
    cards = evaluate_orders(inp("order-sign", [ESI], history(*facts)))
    return {c.rule_id: c for c in cards}


def test_an_esi_six_weeks_after_a_discectomy_for_new_leg_pain_warns() -> None:
    cards = _rules(proc("disc", "63030", 46, "Lumbar microdiscectomy L4-L5 left"),
                   cond("rad", RADICULOPATHY, 19), obs("pain", "pain", 7, 3))  # fmt: skip
    card = cards["order.early-postop-procedure"]
    assert card.indicator == "warning" and "surgeon" in card.summary
    assert "Procedure/disc" in {f.ref for f in card.why}
    assert all(not s.is_recommended for s in card.suggestions)


def test_guard_an_esi_a_year_after_the_operation_draws_no_early_card() -> None:
    cards = _rules(proc("disc", "63030", 400, "Lumbar microdiscectomy L4-L5 left"),
                   cond("rad", RADICULOPATHY, 100), obs("pain", "pain", 7, 3))  # fmt: skip
    assert "order.early-postop-procedure" not in cards


def test_guard_no_operation_no_early_card() -> None:
    cards = _rules(cond("rad", RADICULOPATHY, 60), obs("pain", "pain", 7, 3))
    assert "order.early-postop-procedure" not in cards
