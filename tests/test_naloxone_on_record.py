"""Naloxone is offered with a risky opioid prescription only when none is current on record: a
second naloxone prescription beside an active one is a duplicate order.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from tests.orders_builders import RADICULOPATHY, cond, med, mr
from tests.test_orders_checks import actions, one, run

OPIOID = mr("oxy", "7804", "oxycodone", dose=5, per=4)
BENZO = mr("dzp", "3322", "diazepam", dose=5, per=2)
NALOXONE_CODE = "7242"


def _naloxone_created(card) -> bool:  # type: ignore[no-untyped-def]
    return any(
        kind == "create"
        and res is not None
        and res["medicationCodeableConcept"]["coding"][0]["code"] == NALOXONE_CODE
        for kind, _, res in actions(card)
    )


def test_naloxone_already_prescribed_is_not_offered_again() -> None:
    facts = (cond("rad", RADICULOPATHY, 100), med("nal", NALOXONE_CODE, "naloxone nasal spray", 30))
    c = one(run("order-sign", [OPIOID, BENZO], *facts), "order.opioid-risk")
    assert not _naloxone_created(c)
    assert [kind for kind, _, _ in actions(c)] == ["delete"]


def test_guard_without_naloxone_on_record_it_is_offered() -> None:
    c = one(run("order-sign", [OPIOID, BENZO], cond("rad", RADICULOPATHY, 100)), "order.opioid-risk")
    assert _naloxone_created(c)


def test_guard_an_ended_naloxone_prescription_does_not_count() -> None:
    ended = med("nal", NALOXONE_CODE, "naloxone", 800, end_days_ago=700, status="completed")
    c = one(run("order-sign", [OPIOID, BENZO], cond("rad", RADICULOPATHY, 100), ended), "order.opioid-risk")
    assert _naloxone_created(c)
