"""An old benzodiazepine (or gabapentinoid) order still marked active, never stopped, beside
a drafted opioid is counted, as the NSAID check counts a stale partner, and the card asks to confirm it
is still taken (decision model §7.1: current therapy is an active order not stopped). Controls: a
current benzodiazepine's card is unchanged, and a stopped one draws nothing."""

from __future__ import annotations

import pytest

from tests.orders_builders import RADICULOPATHY, cond, med, mr
from tests.test_orders_checks import HOOKS, one, rules, run

OPIOID = mr("m", "7804", "oxycodone", 5, per=4)
RAD = cond("rad", RADICULOPATHY, 90, "Radiculopathy, lumbar region")
OLD_ALPRAZOLAM = med("a", "596", "alprazolam", 400)  # active, never stopped, no newer order
OLD_GABAPENTIN = med("g", "25480", "gabapentin", 400)


@pytest.mark.parametrize("hook", HOOKS)
def test_an_old_active_benzodiazepine_order_draws_the_opioid_benzodiazepine_card(hook: str) -> None:
    c = one(run(hook, [OPIOID], RAD, OLD_ALPRAZOLAM), "order.opioid-risk")
    assert c.indicator == "warning"  # as for a current benzodiazepine
    assert c.summary.startswith("Opioid with a benzodiazepine")
    fact = next(f for f in c.why if f.ref == "MedicationRequest/a")
    assert "still marked active: confirm it is taken" in fact.text
    assert "confirm with the patient that alprazolam" in c.next_steps[0]
    assert "is still taken" in c.next_steps[0]


@pytest.mark.parametrize("hook", HOOKS)
def test_an_old_active_gabapentinoid_order_is_named_to_confirm(hook: str) -> None:
    c = one(run(hook, [OPIOID], RAD, OLD_GABAPENTIN), "order.opioid-risk")
    assert "gabapentin" in c.summary
    fact = next(f for f in c.why if f.ref == "MedicationRequest/g")
    assert "confirm it is taken" in fact.text


@pytest.mark.parametrize("hook", HOOKS)
def test_control_a_current_benzodiazepine_card_is_unchanged(hook: str) -> None:
    c = one(run(hook, [OPIOID], RAD, med("a", "596", "alprazolam", 20)), "order.opioid-risk")
    assert c.indicator == "warning"
    assert [f.text for f in c.why if f.ref == "MedicationRequest/a"] == ["alprazolam: current benzodiazepine"]
    assert c.next_steps[0] == (
        "Avoid co-prescribing (CDC 2022 recommendation 11): reconsider this opioid, or taper the current "
        "benzodiazepine gradually with its prescriber; offer naloxone."
    )


def test_control_a_current_benzodiazepine_leaves_an_old_order_of_it_out() -> None:
    c = one(
        run("order-sign", [OPIOID], RAD, OLD_ALPRAZOLAM, med("b", "2598", "clonazepam", 20)),
        "order.opioid-risk",
    )
    assert "MedicationRequest/a" not in [f.ref for f in c.why]
    assert "confirm with the patient" not in c.next_steps[0]


def test_control_a_stopped_benzodiazepine_draws_no_card() -> None:
    stopped = med("a", "596", "alprazolam", 400, end_days_ago=300, status="stopped")
    assert "order.opioid-risk" not in rules(run("order-sign", [OPIOID], RAD, stopped))
