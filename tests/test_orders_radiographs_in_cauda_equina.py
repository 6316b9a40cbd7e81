"""Lumbar radiographs ordered while cauda equina is suspected (``order.mri-ces-emergency``).

Radiographs show neither the cauda equina nor a disc compressing it, and waiting for them delays the
emergency MRI (R1; ACR 2021 variant 4). They drew no card: order-select and order-sign answered with
nothing, which reads as "nothing to worry about". Now a critical card asks for the emergency MRI
instead: one suggestion cancels the radiographs and creates a stat MRI without contrast (one
transaction), one creates the stat spine-surgery referral. With saddle paraesthesia alone (R1's
questions first) the card asks the questions and offers both without pre-selecting them. An MRI or
CT drafted beside the radiographs is the study that decides, judged by its own check.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, render_detail, render_full
from hooks.orders import evaluate_orders
from tests.orders_builders import RADICULOPATHY, SCT, cond, history, inp, sr

HOOKS = ("order-select", "order-sign")
CES_RULE = "order.mri-ces-emergency"
RAD = cond("rad", RADICULOPATHY, 30, "Lumbar radiculopathy")
CES = cond("ces", "G83.4", 1, "Cauda equina syndrome")
SADDLE = replace(cond("par", "R20.2", 1, "Paraesthesia of skin"), body_site_text="Perineum (saddle area)")
XRAY = sr("xr", "72100", "XR lumbar spine 2-3 views")
MRI = sr("mri", "72148", "MRI lumbar spine without contrast", priority="stat")


def run(hook: str, *facts: Any, orders: list[dict[str, Any]] | None = None) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders or [XRAY], history(RAD, *facts)))


def text(c: CardDraft) -> str:
    return "\n".join([c.summary, render_detail(c), render_full(c), *(s.label for s in c.suggestions)])


@pytest.mark.parametrize("hook", HOOKS)
def test_radiographs_with_cauda_equina_draw_a_critical_card_for_the_emergency_mri(hook: str) -> None:
    cards = run(hook, CES)
    assert [c.rule_id for c in cards] == [CES_RULE]
    c = cards[0]
    assert c.indicator == "critical"
    assert c.summary == "Suspected cauda equina: radiographs cannot show it; emergency MRI today instead"
    assert len(c.summary) < 140
    assert ADVISORY in render_detail(c) and len(render_detail(c)) <= DETAIL_MAX
    # the order first, then the finding that fired it, then why radiographs do not answer it
    assert c.why[0].ref == "ServiceRequest/xr"
    assert any(f.ref == "Condition/ces" for f in c.why)
    assert any("neither the cauda equina" in f.text for f in c.why)
    assert any("Emergency MRI of the lumbar spine today" in s for s in c.next_steps)
    assert any("Radiographs in place of the MRI" in a for a in c.avoid)
    assert "ACR 2021" in render_full(c) and "seed" not in text(c).lower()
    # cancel the radiographs and create the stat MRI in one click; the stat referral beside it
    assert c.selection_behavior == "any"
    mri, referral = c.suggestions
    assert (mri.actions[0].type, mri.actions[0].resource_id) == ("delete", "ServiceRequest/xr")
    created = mri.actions[1].resource
    assert mri.actions[1].type == "create" and created is not None
    assert created["priority"] == "stat"
    assert [x["code"] for x in created["code"]["coding"]] == ["72148"]
    assert {"reference": "Condition/ces"} in created["reasonReference"]
    assert referral.actions[0].resource is not None and referral.actions[0].resource["priority"] == "stat"
    assert mri.is_recommended and referral.is_recommended


def test_saddle_paraesthesia_alone_asks_the_questions_and_preselects_nothing() -> None:
    cards = run("order-sign", SADDLE)
    assert [c.rule_id for c in cards] == [CES_RULE]
    c = cards[0]
    assert c.indicator == "critical"
    assert c.summary.startswith("Possible cauda equina: radiographs cannot show it; ask about bladder")
    assert any("Ask today about bladder, bowel and saddle sensation" in s for s in c.next_steps)
    assert [s.is_recommended for s in c.suggestions] == [False, False]


def test_guard_radiographs_beside_an_mri_leave_the_mri_to_its_own_check() -> None:
    """A stat MRI drafted with the radiographs: the MRI decides, and a stat MRI draws no card."""
    assert run("order-sign", CES, orders=[XRAY, MRI]) == []


def test_guard_radiographs_beside_a_routine_mri_draw_the_mri_card_only() -> None:
    routine = {**MRI, "priority": "routine"}
    cards = run("order-sign", CES, orders=[XRAY, routine])
    assert [(c.rule_id, c.subject_key) for c in cards] == [(CES_RULE, "ServiceRequest/mri")]


def test_guard_radiographs_without_a_red_flag_at_four_weeks_draw_the_early_imaging_card_only() -> None:
    assert [c.rule_id for c in run("order-sign")] == ["order.mri-early"]


def test_radiographs_beside_an_elective_order_on_hold_leave_the_stat_mri_to_its_card() -> None:
    """The red-flag card of the ESI drafted with them creates the stat MRI: one MRI, not two."""
    esi = sr("esi", "64483", "Transforaminal epidural injection L5-S1")
    cards = run("order-sign", CES, orders=[esi, XRAY])
    mris = [
        a
        for c in cards
        for s in c.suggestions
        for a in s.actions
        if a.type == "create" and a.resource is not None and "72148" in str(a.resource.get("code"))
    ]
    assert len(mris) == 1
    xr = next(c for c in cards if c.subject_key == "ServiceRequest/xr")
    assert [a.type for a in xr.suggestions[0].actions] == ["delete"]


def test_a_referral_drafted_is_not_suggested_again() -> None:
    """A stat spine-surgery referral already drafted beside an ESI held for cauda equina: the red-flag
    card creates no second referral (no suggestion of a response orders what is drafted)."""
    referral = sr("ref", "183546007", "Neurosurgical referral", system=SCT, priority="stat")
    esi = sr("esi", "64483", "Transforaminal epidural injection L5-S1")
    cards = run("order-sign", CES, orders=[esi, referral])
    assert cards
    codes = [
        str(a.resource.get("code"))
        for c in cards
        for s in c.suggestions
        for a in s.actions
        if a.type == "create" and a.resource is not None
    ]
    assert not any("183546007" in x for x in codes)


def test_guard_radiographs_after_the_emergency_mri_are_the_surgeons_films() -> None:
    """An MRI done this fortnight: radiographs now are pre-operative films, not in place of the MRI."""
    from tests.orders_builders import proc

    mri_done = proc("mri", "72148", 0, "MRI lumbar spine without contrast")
    assert [c.rule_id for c in run("order-sign", CES, mri_done)] == []


@pytest.mark.parametrize("study", [XRAY, {**MRI, "priority": "routine"}])
def test_a_routine_spine_referral_drafted_is_made_stat(study: dict[str, Any]) -> None:
    referral = sr("ref", "183546007", "Neurosurgical referral", system=SCT, priority="routine")
    (c,) = [c for c in run("order-sign", CES, orders=[study, referral]) if c.rule_id == CES_RULE]
    updates = [(a.resource_id or (a.resource or {}).get("id"), (a.resource or {}).get("priority"))
               for s in c.suggestions for a in s.actions if a.type == "update"]  # fmt: skip
    assert ("ref", "stat") in updates


def test_an_mri_from_before_the_cauda_equina_began_does_not_make_radiographs_pre_operative() -> None:
    from tests.orders_builders import proc

    before = proc("mri", "72148", 5, "MRI lumbar spine without contrast")  # CES began yesterday
    assert [c.rule_id for c in run("order-sign", CES, before)] == [CES_RULE]


def test_a_knee_referral_sharing_the_code_is_neither_made_stat_nor_a_reason_to_cancel() -> None:
    spine = sr("sr-ref", "183545006", "Referral to spine surgery", system=SCT, priority="routine")
    knee = sr("sr-knee", "183545006", "Orthopaedic referral - right knee osteoarthritis", system=SCT)
    (c,) = [c for c in run("order-sign", CES, orders=[XRAY, spine, knee]) if c.rule_id == CES_RULE]
    acted = [
        (a.type, a.resource_id or (a.resource or {}).get("id")) for s in c.suggestions for a in s.actions
    ]
    assert ("update", "sr-ref") in acted
    assert not any(ref in ("sr-knee", "ServiceRequest/sr-ref", "ServiceRequest/sr-knee") for _, ref in acted)


def test_a_routine_spine_referral_drafted_with_an_esi_becomes_one_stat_referral() -> None:
    esi = sr("esi", "64483", "Transforaminal epidural injection L5-S1")
    spine = sr("sr-ref", "183545006", "Referral to spine surgery", system=SCT, priority="routine")
    cards = run("order-sign", CES, orders=[esi, XRAY, spine])
    referral_actions = [
        (a.type, a.resource_id or (a.resource or {}).get("id"))
        for c in cards
        for s in c.suggestions
        for a in s.actions
        if "18354" in str((a.resource or {}).get("code")) or a.resource_id == "ServiceRequest/sr-ref"
    ]
    assert referral_actions == [("update", "sr-ref")]
