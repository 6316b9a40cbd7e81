"""Methadone coded by its ingredient alone is a long-acting opioid at order time; a fentanyl patch for
an opioid-naive patient is contraindicated, its removal recommended.

The ER/LA check knew methadone only through a resolved clinical drug ("methadone hydrochloride 5 MG
Oral Tablet"), so an order coded with the ingredient (as many EHR drafts and the shipped fixtures
code oxycodone) drew no "start with immediate-release" warning for an opioid-naive patient (CDC 2022
recommendation 3; methadone's delayed respiratory depression at initiation).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, mr

ER_LA = "order.opioid-er-naive"


def rules_for(*orders: dict) -> list[str]:  # type: ignore[type-arg]
    return [
        c.rule_id
        for c in evaluate_orders(inp("order-sign", list(orders), history(cond("rad", RADICULOPATHY, 60))))
    ]


def test_methadone_coded_by_ingredient_for_an_opioid_naive_patient_is_long_acting() -> None:
    assert ER_LA in rules_for(mr("mtd", "6813", "methadone", dose=2.5, per=2))


def test_guard_oxycodone_coded_by_ingredient_is_not_long_acting() -> None:
    assert ER_LA not in rules_for(mr("oxy", "7804", "oxycodone", dose=5, per=2))


def test_a_fentanyl_patch_for_an_opioid_naive_patient_is_contraindicated_and_removal_recommended() -> None:
    patch = mr("fent", "4337", "fentanyl 25 MCG/HR Transdermal System", dose=25, unit="ug/h")
    cards = evaluate_orders(inp("order-sign", [patch], history(cond("rad", RADICULOPATHY, 60))))
    (c,) = [c for c in cards if c.rule_id == ER_LA]
    assert c.summary.startswith("Fentanyl patch for an opioid-naive patient: contraindicated")
    # removal is the recommendation; naloxone (60 MME/day) is offered beside it, not pre-selected
    assert [(s.label, s.is_recommended) for s in c.suggestions] == [
        ("Remove the extended-release opioid prescription", True),
        ("Prescribe naloxone (opioid overdose reversal)", False),
    ]


def test_guard_a_buprenorphine_patch_is_not_called_a_fentanyl_patch() -> None:
    patch = mr("bup", "1819", "buprenorphine 5 MCG/HR Transdermal System", dose=5, unit="ug/h")
    cards = evaluate_orders(inp("order-sign", [patch], history(cond("rad", RADICULOPATHY, 60))))
    assert not any(c.summary.startswith("Fentanyl patch") for c in cards)
