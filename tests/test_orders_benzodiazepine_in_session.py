"""A benzodiazepine keeps its warning when the opioid beside it draws no card that names it.

``order.benzodiazepine-with-opioid`` stood down whenever an opioid was drafted in the session, on the
assumption that the opioid's own card names the benzodiazepine. It does not on order-select when only
the benzodiazepine is selected (the opioid is not judged: no card of it in the response), nor for a
patient on buprenorphine for opioid use disorder, whose opioid card is about coordinating with the
MOUD prescriber: both answered with no benzodiazepine warning and no naloxone. Now the warning stands
in both, naming the drafted opioid.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, cond, history, inp, med, mr

BENZO = "order.benzodiazepine-with-opioid"
ALPRAZOLAM = mr("alp", "596", "alprazolam", dose=0.5, per=2)
OXY_DRAFT = mr("oxy", "7804", "oxycodone hydrochloride 5 MG Oral Tablet", dose=5, per=4)
RAD = cond("rad", RADICULOPATHY, 200)


def test_order_select_with_only_the_benzodiazepine_selected_warns_of_the_drafted_opioid() -> None:
    cards = evaluate_orders(
        inp("order-select", [OXY_DRAFT, ALPRAZOLAM], history(RAD), selections=("MedicationRequest/alp",))
    )
    hits = [c for c in cards if c.rule_id == BENZO]
    assert len(hits) == 1 and hits[0].indicator == "warning"
    assert hits[0].summary.startswith("Benzodiazepine with an opioid drafted with it")
    assert any(f.ref == "MedicationRequest/oxy" for f in hits[0].why)
    assert any("naloxone" in s.label.lower() for s in hits[0].suggestions)


def test_on_moud_a_benzodiazepine_drafted_with_an_opioid_keeps_its_warning() -> None:
    bup = med("bup", "1819", "buprenorphine 8 MG / naloxone 2 MG Sublingual Film", 200)
    oud = cond("oud", "F11.20", 400, "Opioid dependence, uncomplicated")
    cards = evaluate_orders(inp("order-sign", [OXY_DRAFT, ALPRAZOLAM], history(RAD, oud, bup)))
    assert BENZO in [c.rule_id for c in cards], [c.summary for c in cards]


def test_guard_both_judged_without_moud_the_opioid_card_speaks_for_the_pair() -> None:
    cards = evaluate_orders(inp("order-sign", [OXY_DRAFT, ALPRAZOLAM], history(RAD)))
    assert BENZO not in [c.rule_id for c in cards]
    assert any("benzodiazepine" in " ".join(f.text for f in c.why).lower() for c in cards)
