"""A drafted benzodiazepine that renews one the patient takes, or that treats epilepsy, is never
offered for deletion at a click: stopping it abruptly risks withdrawal and seizures. The opioid card
says to reconsider the opioid or taper the benzodiazepine with its prescriber; the benzodiazepine's
own card says not to stop it abruptly. A new benzodiazepine is still offered for removal.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.orders_builders import RADICULOPATHY, cond, med, mr
from tests.test_orders_checks import HOOKS, actions, one, run

OPIOID = mr("oxy", "7804", "oxycodone", dose=5, per=4)
ALPRAZOLAM = mr("alp", "596", "alprazolam", dose=1, per=3)
TAKEN = med("alp-old", "596", "alprazolam", 60)  # prescribed two months ago, current
STALE = med("alp-old", "596", "alprazolam", 900)  # an order of 2024 never renewed: not current therapy
EPILEPSY = cond("epi", "G40.909", 2000, "Epilepsy")
FOR_EPILEPSY = {**ALPRAZOLAM, "reasonReference": [{"reference": "Condition/epi"}]}
RENEWAL = {**ALPRAZOLAM, "note": [{"text": "renewal"}]}
RENEWAL["medicationCodeableConcept"] = {
    **ALPRAZOLAM["medicationCodeableConcept"],
    "text": "alprazolam (renewal)",
}


def _deletes(card) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [rid for kind, rid, _ in actions(card) if kind == "delete"]


@pytest.mark.parametrize(
    ("benzo", "facts"),
    [(ALPRAZOLAM, (TAKEN,)), (FOR_EPILEPSY, (EPILEPSY,)), (RENEWAL, (STALE,))],
    ids=["renewal", "epilepsy", "renewal-words-of-an-old-order"],
)
def test_opioid_card_does_not_remove_a_continued_benzodiazepine(benzo: dict, facts: tuple) -> None:  # type: ignore[type-arg]
    c = one(run("order-sign", [OPIOID, benzo], cond("rad", RADICULOPATHY, 100), *facts), "order.opioid-risk")
    assert "MedicationRequest/alp" not in _deletes(c)
    assert "taper the current benzodiazepine gradually with its prescriber" in c.next_steps[0]
    assert "remove the drafted" not in c.next_steps[0]


@pytest.mark.parametrize("hook", HOOKS)
def test_benzodiazepine_card_for_a_renewal_says_do_not_stop_abruptly(hook: str) -> None:
    on_opioid = run(
        hook, [ALPRAZOLAM], cond("rad", RADICULOPATHY, 100), med("oxy-old", "7804", "oxycodone", 20), TAKEN
    )
    c = one(on_opioid, "order.benzodiazepine-with-opioid")
    assert _deletes(c) == []
    assert "do not stop it abruptly" in c.summary
    assert "MedicationRequest/alp-old" in [f.ref for f in c.why]


def test_guard_a_new_benzodiazepine_is_still_offered_for_removal() -> None:
    c = one(run("order-sign", [OPIOID, ALPRAZOLAM], cond("rad", RADICULOPATHY, 100)), "order.opioid-risk")
    assert _deletes(c) == ["MedicationRequest/alp"]
    assert "remove the drafted alprazolam" in c.next_steps[0]


def test_guard_an_ended_benzodiazepine_is_no_renewal() -> None:
    ended = med("alp-old", "596", "alprazolam", 900, end_days_ago=600, status="completed")
    c = one(
        run("order-sign", [OPIOID, ALPRAZOLAM], cond("rad", RADICULOPATHY, 100), ended), "order.opioid-risk"
    )
    assert _deletes(c) == ["MedicationRequest/alp"]


@pytest.mark.parametrize(
    "facts",
    [(STALE,), (EPILEPSY,), (cond("tn", "G50.0", 2000, "Trigeminal neuralgia"),)],
    ids=["stale-order-no-renewal-words", "epilepsy-not-the-reason", "trigeminal-neuralgia-on-the-list"],
)
def test_a_new_benzodiazepine_is_still_offered_for_removal(facts: tuple) -> None:  # type: ignore[type-arg]
    """An old order never renewed is not current therapy, and a condition elsewhere on the problem list
    is not the new prescription's reason: a new start carries no withdrawal risk (CDC 2022 rec. 11)."""
    c = one(
        run("order-sign", [OPIOID, ALPRAZOLAM], cond("rad", RADICULOPATHY, 100), *facts), "order.opioid-risk"
    )
    assert _deletes(c) == ["MedicationRequest/alp"]


def test_an_opioid_drafted_beside_an_epilepsy_benzodiazepine_is_not_told_to_taper_it() -> None:
    """The order card said "taper the current benzodiazepine gradually with its prescriber" for
    clonazepam taken for epilepsy, where the pathway's M1 says not to taper it (withdrawal can provoke
    seizures) and to reduce the opioid instead: the two now agree."""
    epilepsy = cond("epi", "G40.909", 3000, "Epilepsy, unspecified")
    clonazepam = replace(med("clz", "2598", "clonazepam", 60), reason_refs=("Condition/epi",))
    oxycodone = mr("oxy", "7804", "oxycodone", dose=5, per=4)
    radiculopathy = cond("rad", RADICULOPATHY, 100)
    card = one(run("order-sign", [oxycodone], radiculopathy, epilepsy, clonazepam), "order.opioid-risk")
    first = card.next_steps[0]
    assert "do not taper it without its prescriber" in first and "taper the current" not in first
