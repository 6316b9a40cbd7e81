"""A red flag the clinician gives as a drafted order's reason (reasonCode) counts as the Condition
would: a lumbar MRI with contrast "for bone metastasis" is the right study, not one to downgrade, and
an early MRI for a cancer history is not "without red flags". Other reasons (the radiculopathy
itself) add nothing.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from fhir_fixtures.fhir_builder import ICD10CM
from hooks.cards import render_full
from tests.orders_builders import RADICULOPATHY, cond, sr
from tests.test_orders_checks import HOOKS, rules, run


def _reason(code: str, display: str) -> dict[str, Any]:
    return {"reasonCode": [{"coding": [{"system": ICD10CM, "code": code, "display": display}]}]}


@pytest.mark.parametrize("hook", HOOKS)
def test_contrast_mri_for_bone_metastasis_stated_on_the_order_is_not_downgraded(hook: str) -> None:
    mri = sr(
        "mri", "72158", "MRI lumbar spine with and without contrast", **_reason("C79.51", "Bone metastasis")
    )
    cards = run(hook, [mri], cond("rad", RADICULOPATHY, 60))
    assert cards == [], [(c.rule_id, c.summary) for c in cards]


@pytest.mark.parametrize("hook", HOOKS)
def test_early_plain_mri_for_a_cancer_history_asks_for_contrast_not_to_wait(hook: str) -> None:
    mri = sr("mri", "72148", "MRI lumbar", **_reason("Z85.3", "History of breast cancer"))
    cards = run(hook, [mri], cond("rad", RADICULOPATHY, 10))
    assert "order.mri-early" not in rules(cards)
    (card,) = cards
    assert "without and with contrast" in card.summary
    assert "the reason for MRI lumbar" in render_full(card)


def test_guard_without_a_stated_reason_the_contrast_study_is_questioned() -> None:
    cards = run(
        "order-sign", [sr("mri", "72158", "MRI lumbar spine with contrast")], cond("rad", RADICULOPATHY, 60)
    )
    assert cards and all(c.indicator != "critical" for c in cards)


def test_guard_a_radicular_reason_adds_nothing() -> None:
    plain = sr("mri", "72148", "MRI lumbar")
    with_reason = sr("mri", "72148", "MRI lumbar", **_reason("M54.16", "Lumbar radiculopathy"))
    facts = (cond("rad", RADICULOPATHY, 10),)
    assert rules(run("order-sign", [with_reason], *facts)) == rules(run("order-sign", [plain], *facts))


def test_guard_an_old_fracture_copied_into_a_physiotherapy_reason_holds_nothing() -> None:
    """An L1 fracture of 2015 on the problem list, copied into a physiotherapy order's reason beside an
    ESI: the reason adds nothing; the problem-list entry is old."""
    pt = sr("pt", "97110", "Physiotherapy", **_reason("S32.010A", "Wedge compression fracture of L1"))
    facts = (cond("rad", RADICULOPATHY, 100), cond("old-frac", "S32.010A", 4000, "L1 wedge fracture"))
    cards = run("order-sign", [pt, sr("esi", "64483", "TFESI L5-S1 left")], *facts)
    assert all(c.indicator != "critical" for c in cards), [(c.rule_id, c.summary) for c in cards]


def test_a_fracture_reason_on_an_mri_already_on_the_problem_list_keeps_its_own_dates() -> None:
    mri = sr("mri", "72148", "MRI lumbar", **_reason("S32.010A", "Wedge compression fracture of L1"))
    facts = (cond("rad", RADICULOPATHY, 100), cond("old-frac", "S32.010A", 4000, "L1 wedge fracture"))
    assert all(c.indicator != "critical" for c in run("order-sign", [mri], *facts))
