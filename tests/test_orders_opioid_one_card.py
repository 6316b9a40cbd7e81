"""One card per opioid decision, not one per drafted opioid or per concern about the same order.

- Two opioids drafted together at a high total dose draw one "opioid prescribing risk" card naming
  both drafts and the total, where each drew its own card with the same summary.
- An extended-release, long-acting or transdermal opioid for an opioid-naive patient draws one card
  (start with a low-dose immediate-release opioid; remove it), its dose a fact of that card, where a
  second card said "start lower" or "dose not checked" about the same order.
- A co-prescription (a benzodiazepine) keeps its own card: it is another decision.
- The dose of one opioid alone is said once ("60 MME/day ≥ 50"), not "60 MME/day (this order 60)".

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from hooks.cards import CardDraft, render_full
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, med, mr

RISK, ER = "order.opioid-risk", "order.opioid-er-naive"
RAD = cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy")
OXYCODONE = mr("o1", "7804", "oxycodone", 5, "mg", 4, "d", route="Oral")  # 30 MME/day
HYDROCODONE = mr("o2", "5489", "hydrocodone", 10, "mg", 4, "d", route="Oral")  # 40 MME/day


def _cards(hook: str, orders: list[dict[str, Any]], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, history(RAD, *facts)))


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_two_opioids_drafted_together_draw_one_card_with_the_total(hook: str) -> None:
    cards = _cards(hook, [OXYCODONE, HYDROCODONE])
    (card,) = [c for c in cards if c.rule_id == RISK]
    assert [f.ref for f in card.why[:2]] == ["MedicationRequest/o1", "MedicationRequest/o2"]
    assert "70 MME/day (MedicationRequest/o1 30 + MedicationRequest/o2 40)" in render_full(card)


@pytest.mark.parametrize(
    "order",
    [
        mr("m", "6813", "methadone", 10, "mg", 3, "d", route="Oral"),  # 141 MME/day
        mr("f", "4337", "fentanyl 25 MCG/HR Transdermal System", dose=25, unit="ug/h"),  # 60 MME/day
    ],
)
def test_a_long_acting_start_at_a_high_dose_draws_one_card(order: dict[str, Any]) -> None:
    cards = _cards("order-sign", [order])
    assert [c.rule_id for c in cards] == [ER]
    assert "MME/day ≥ 50" in render_full(cards[0])
    # at a high dose naloxone is still offered, should the prescriber go ahead (CDC 2022 rec. 8)
    offered = [(s.label, s.is_recommended) for s in cards[0].suggestions]
    assert ("Prescribe naloxone (opioid overdose reversal)", False) in offered
    assert cards[0].selection_behavior == "any"


def test_guard_a_benzodiazepine_beside_a_long_acting_start_keeps_its_own_card() -> None:
    methadone = mr("m", "6813", "methadone", 10, "mg", 3, "d", route="Oral")
    cards = _cards("order-sign", [methadone], med("dzp", "3322", "diazepam", 10))
    assert {c.rule_id for c in cards} == {RISK, ER}


def test_one_opioid_at_a_high_dose_draws_its_card_naming_the_dose_once() -> None:
    high = mr("o3", "7804", "oxycodone", 10, "mg", 4, "d", route="Oral")  # 60 MME/day
    (card,) = _cards("order-sign", [high])
    assert card.rule_id == RISK and "60 MME/day ≥ 50" in render_full(card)


def test_naloxone_is_offered_under_the_same_name_at_order_time_as_on_the_chart() -> None:
    from hooks import suggestions as sx
    from hooks.orders.checks.medications import naloxone_suggestion
    from hooks.terminology import default_terminology

    assert naloxone_suggestion(default_terminology(), "p1", recommended=True).label == sx.NALOXONE.label
