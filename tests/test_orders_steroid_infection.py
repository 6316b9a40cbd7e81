"""A corticosteroid course drafted while a spinal infection is suspected (decision model R3, "must
not": "ESI or any steroid (infection)"): held until infection is excluded, with the infection
work-up offered, instead of the evidence-conflict note for sciatica."""

from __future__ import annotations

import pytest

from tests.orders_builders import cond, med, mr
from tests.test_orders_checks import HOOKS, RADICULOPATHY, rules, run

PREDNISONE = mr("pred", "8640", "prednisone", 40, route="oral")
FEVER = cond("fever", "R50.9", 2, "Fever, unspecified")


@pytest.mark.parametrize("hook", HOOKS)
def test_a_steroid_course_with_a_fever_is_held(hook: str) -> None:
    cards = run(hook, [PREDNISONE], cond("rad", RADICULOPATHY, 10), FEVER)
    assert rules(cards) == ["order.steroid-suspected-infection"]  # not the evidence-conflict note too
    c = cards[0]
    assert c.indicator == "critical"  # as the R3 card and the hold on an elective procedure
    assert (
        c.summary
        == "Corticosteroid while a spinal infection is suspected: hold it until infection is excluded"
    )
    assert any(f.ref == "Condition/fever" for f in c.why)
    assert c.selection_behavior == "any"
    kinds = [
        [(a.type, a.resource_id or (a.resource or {}).get("resourceType")) for a in s.actions]
        for s in c.suggestions
    ]
    assert kinds == [[("delete", "MedicationRequest/pred")], [("create", "ServiceRequest")]]
    assert all(s.is_recommended for s in c.suggestions)
    mri = c.suggestions[1].actions[0].resource
    assert mri is not None and mri["priority"] == "urgent"
    assert [x["code"] for x in mri["code"]["coding"] if "cpt" in x["system"].lower()] == ["72158"]
    assert "Condition/fever" in [r["reference"] for r in mri.get("reasonReference", [])]


def test_vertebral_osteomyelitis_holds_it_too() -> None:
    cards = run("order-sign", [PREDNISONE], cond("rad", RADICULOPATHY, 10), cond("osteo", "M46.26", 3))
    assert rules(cards) == ["order.steroid-suspected-infection"]


def test_without_a_red_flag_it_is_the_evidence_conflict_note() -> None:
    assert rules(run("order-sign", [PREDNISONE], cond("rad", RADICULOPATHY, 10))) == [
        "order.oral-steroid-sciatica"
    ]


def test_an_old_fever_does_not_hold_it() -> None:
    old = cond("fever", "R50.9", 1000, "Fever, unspecified")
    assert rules(run("order-sign", [PREDNISONE], cond("rad", RADICULOPATHY, 10), old)) == [
        "order.oral-steroid-sciatica"
    ]


def test_renewing_long_term_steroid_therapy_is_never_held() -> None:
    """Stopping a glucocorticoid taken for months risks adrenal crisis: no hold card."""
    long_term = med("pred-old", "8640", "prednisone", 200)
    assert run("order-sign", [PREDNISONE], cond("rad", RADICULOPATHY, 10), FEVER, long_term) == []


def test_an_epidural_injectate_is_not_a_course() -> None:
    dex = mr("dex", "3264", "dexamethasone", 10, route="epidural")
    assert "order.steroid-suspected-infection" not in rules(
        run("order-sign", [dex], cond("rad", RADICULOPATHY, 10), FEVER)
    )
