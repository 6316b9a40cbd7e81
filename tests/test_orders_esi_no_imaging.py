"""``order.esi-no-imaging``: a lumbar ESI ordered while no lumbar MRI or CT is on record.

Persistent radicular pain with no MRI yet: MRI lumbar spine without contrast for a candidate for an
injection (ACR 2021 variant 3), then an image-guided injection at the level and side it shows (NASS
2014). A transforaminal injection is aimed at the compressed root, which only the imaging shows.
The record below reproduces the gap: lumbar radiculopathy for 120 days, 7 physiotherapy sessions,
pain 7/10, no lumbar imaging ever, a draft TFESI L5-S1 right. Each silent case is set against the same
record one fact away, where the card fires, so no test passes merely because nothing fires.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from hooks.cards import ADVISORY, DETAIL_MAX, CardDraft, data_name, render_detail, render_full
from hooks.facts import PatientHistory, ReportFact, ServiceRequestFact
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import (
    RADICULOPATHY,
    SUCCESSFUL,
    ago,
    cond,
    history,
    inp,
    med,
    obs,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")
RULE = "order.esi-no-imaging"
NOT_CHECKED = "order.not-fully-checked"
CPT = "http://www.ama-assn.org/go/cpt"

RAD = cond("rad", RADICULOPATHY, 120, "Radiculopathy, lumbar region")
CARE = tuple(proc(f"pt-{i}", "97110", 110 - 10 * i, "Therapeutic exercises") for i in range(7))
PAIN = obs("pain", "pain", 7, 3)
REPRO = (RAD, *CARE, PAIN)
TFESI = sr("esi", "64483", "TFESI L5-S1 right")


def report(rid: str, code: str, title: str, days_ago: int, conclusion: str) -> ReportFact:
    return ReportFact(
        ref=f"DiagnosticReport/{rid}", codings=(Coding(CPT, code, title),), text=title, status="final",
        effective=ago(days_ago), conclusion=conclusion,
    )  # fmt: skip


def imaging_order(rid: str, code: str, title: str, status: str) -> ServiceRequestFact:
    return ServiceRequestFact(
        ref=f"ServiceRequest/{rid}", codings=(Coding(CPT, code, title),), text=title, status=status,
        intent="order", authored=ago(5),
    )  # fmt: skip


L5_S1 = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
MRI = report("mri", "72148", "MRI lumbar spine without contrast", 30, L5_S1)
CT = report("ct", "72131", "CT lumbar spine without contrast", 30, L5_S1)
XRAY = report("xray", "72100", "X-ray lumbar spine, 2-3 views", 30, "Degenerative disc disease L4-S1.")


def hist(*facts: Any, reports: tuple[ReportFact, ...] = (), orders: tuple[ServiceRequestFact, ...] = (),
         unavailable: dict[str, str] | None = None) -> PatientHistory:  # fmt: skip
    return replace(history(*facts, unavailable=unavailable), reports=reports, service_requests=orders)


def run(hook: str, orders: list[dict[str, Any]], h: PatientHistory) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, h))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def one(cards: list[CardDraft], rule: str = RULE) -> CardDraft:
    assert rules(cards) == [rule]
    return cards[0]


def actions(c: CardDraft) -> list[list[tuple[str, str | None, str | None]]]:
    """Each suggestion's actions: (type, resourceId, first code of the resource)."""
    return [
        [
            (a.type, a.resource_id, (a.resource or {}).get("code", {}).get("coding", [{}])[0].get("code"))
            for a in s.actions
        ]
        for s in c.suggestions
    ]


# --------------------------------------------------------------------------------- fires
@pytest.mark.parametrize("hook", HOOKS)
def test_an_esi_with_no_lumbar_mri_or_ct_on_record_draws_an_info_card_to_image_first(hook: str) -> None:
    c = one(run(hook, [TFESI], hist(*REPRO)))
    assert c.indicator == "info"
    assert c.subject_key == "ServiceRequest/esi"
    assert c.summary == "ESI with no lumbar MRI or CT on record: image first to choose the level and side"
    assert len(c.summary) < 140
    # the facts: the draft order, the absence, the radicular diagnosis with its reference
    assert c.why[0].ref == "ServiceRequest/esi"
    assert c.why[1].brief == "no lumbar MRI or CT on record"
    assert any(f.ref == "Condition/rad" and "radiculopathy" in f.brief.lower() for f in c.why)
    # next: the MRI without contrast, then the image-guided injection at the level and side it shows
    assert c.next_steps[0].startswith("MRI lumbar spine without contrast first")
    assert "image-guided injection at the level and side" in c.next_steps[0]
    assert [g.key for g in c.evidence] == ["acr_lbp_2021", "nass_ldh"]
    # one suggestion, recommended: the ESI replaced by the MRI (removed, then the MRI created)
    assert [s.is_recommended for s in c.suggestions] == [True]
    assert actions(c) == [[("delete", "ServiceRequest/esi", None), ("create", None, "72148")]]
    created = c.suggestions[0].actions[1].resource or {}
    assert created["status"] == "draft" and {"reference": "Condition/rad"} in created["reasonReference"]
    detail = render_detail(c)
    assert ADVISORY in detail and len(detail) <= DETAIL_MAX
    assert "no lumbar MRI or CT on record" in detail and "MRI lumbar spine without contrast first" in detail
    text = "\n".join([c.summary, detail, render_full(c)])
    for internal in ("seed", "decision model", "§", "P1", "F2"):
        assert internal not in text, internal


def test_the_same_card_on_order_select_and_order_sign() -> None:
    select, sign = (one(run(h, [TFESI], hist(*REPRO))) for h in HOOKS)
    assert (select.rule_id, select.topic, select.summary) == (sign.rule_id, sign.topic, sign.summary)


def test_an_interlaminar_esi_is_judged_too_and_its_card_names_the_level_only() -> None:
    c = one(run("order-sign", [sr("esi", "62323", "ILESI L5-S1")], hist(*REPRO)))
    assert c.summary.endswith("image first to choose the level")


# --------------------------------------------------------------------------------- imaging on record
@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("study", [MRI, CT], ids=["MRI", "CT"])
def test_silent_with_a_lumbar_mri_or_ct_report(hook: str, study: ReportFact) -> None:
    assert rules(run(hook, [TFESI], hist(*REPRO))) == [RULE]
    assert run(hook, [TFESI], hist(*REPRO, reports=(study,))) == []


def test_silent_with_a_completed_imaging_procedure_and_no_report() -> None:
    done = proc("mri-done", "72148", 20, "MRI lumbar spine without contrast")
    assert rules(run("order-sign", [TFESI], hist(*REPRO))) == [RULE]
    assert run("order-sign", [TFESI], hist(*REPRO, done)) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_still_fires_with_only_a_plain_radiograph(hook: str) -> None:
    """Radiographs show alignment and degeneration, never the compressed nerve root."""
    c = one(run(hook, [TFESI], hist(*REPRO, reports=(XRAY,))))
    absence = c.why[1]
    assert absence.ref == "DiagnosticReport/xray" and "only radiographs" in absence.text
    assert any("Radiographs" in s for s in c.next_steps)
    assert actions(c) == [[("delete", "ServiceRequest/esi", None), ("create", None, "72148")]]


# --------------------------------------------------------------------------------- imaging planned
@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("status", ["active", "draft", "on-hold", "completed"])
def test_silent_with_a_pending_or_completed_mri_order(hook: str, status: str) -> None:
    ordered = imaging_order("mri-ordered", "72148", "MRI lumbar spine without contrast", status)
    assert rules(run(hook, [TFESI], hist(*REPRO))) == [RULE]
    assert run(hook, [TFESI], hist(*REPRO, orders=(ordered,))) == []


def test_a_withdrawn_mri_order_plans_nothing() -> None:
    revoked = imaging_order("mri-ordered", "72148", "MRI lumbar spine without contrast", "revoked")
    assert rules(run("order-sign", [TFESI], hist(*REPRO, orders=(revoked,)))) == [RULE]


def test_silent_with_an_mri_drafted_with_the_injection() -> None:
    mri = sr("mri-new", "72148", "MRI lumbar spine without contrast")
    assert rules(run("order-sign", [TFESI], hist(*REPRO))) == [RULE]
    assert RULE not in rules(run("order-sign", [TFESI, mri], hist(*REPRO)))


def test_silent_when_the_order_says_the_mri_was_reviewed() -> None:
    """An order that says "MRI reviewed": the imaging exists outside this record ("no MRI" does not)."""
    assert run("order-sign", [sr("esi", "64483", "TFESI L5-S1 right, MRI reviewed")], hist(*REPRO)) == []
    assert rules(run("order-sign", [sr("esi", "64483", "TFESI L5-S1 right, no MRI")], hist(*REPRO))) == [RULE]


# --------------------------------------------------------------------------------- not an ESI to judge
@pytest.mark.parametrize("hook", HOOKS)
def test_silent_for_a_diagnostic_nerve_root_block(hook: str) -> None:
    assert rules(run(hook, [TFESI], hist(*REPRO))) == [RULE]
    for snrb in (
        sr("snrb", "64483-KX", "TFESI L5-S1 right"),
        sr("snrb", "64483", "Diagnostic selective nerve root block L5, lidocaine only"),
    ):
        assert run(hook, [snrb], hist(*REPRO)) == [], snrb["code"]


def test_silent_without_a_radicular_diagnosis() -> None:
    """No radicular pain on record: the injection is judged by the checks for what it treats."""
    stenosis = cond("ns", "M48.061", 300, "Spinal stenosis, lumbar region without neurogenic claudication")
    assert rules(run("order-sign", [TFESI], hist(stenosis, RAD))) == [RULE]
    assert run("order-sign", [TFESI], hist(stenosis)) == []


def test_silent_after_an_injection_that_gave_a_sustained_response() -> None:
    """A repeat after a sustained response is reasonable without a re-work-up."""
    worked = proc("esi-1", "64483", 150, "Transforaminal ESI L5-S1", outcome=SUCCESSFUL, level="L5-S1")
    facts = (cond("rad", RADICULOPATHY, 300), obs("p", "pain", 7, 5))
    assert rules(run("order-sign", [TFESI], hist(*facts))) == [RULE]
    assert run("order-sign", [TFESI], hist(*facts, worked)) == []


# --------------------------------------------------------------------------------- one card per order
@pytest.mark.parametrize("hook", HOOKS)
def test_no_second_card_when_the_too_early_card_fires(hook: str) -> None:
    """Three weeks in with moderate pain: the too-early card is the advice; with severe, disabling
    pain (which waives the wait) this card is the one left."""
    early = (cond("rad", RADICULOPATHY, 21), obs("p", "pain", 5, 2))
    assert rules(run(hook, [TFESI], hist(*early))) == ["order.esi-too-early"]
    severe = (cond("rad", RADICULOPATHY, 21), obs("p", "pain", 8, 2), obs("o", "odi", 50, 2, "97909-6"))
    assert rules(run(hook, [TFESI], hist(*severe))) == [RULE]


@pytest.mark.parametrize("hook", HOOKS)
def test_no_second_card_when_the_red_flag_card_fires(hook: str) -> None:
    ces = cond("ces", "G83.4", 1, "Cauda equina syndrome")
    assert rules(run(hook, [TFESI], hist(*REPRO))) == [RULE]
    assert rules(run(hook, [TFESI], hist(*REPRO, ces))) == ["order.red-flag-elective"]


def test_no_second_card_when_the_blind_injection_card_fires() -> None:
    blind = sr("esi", "62322", "Lumbar interlaminar epidural injection without imaging guidance")
    assert rules(run("order-sign", [sr("esi", "62323", "ILESI L5-S1")], hist(*REPRO))) == [RULE]
    assert rules(run("order-sign", [blind], hist(*REPRO))) == ["order.esi-blind"]


def test_beside_the_bleeding_risk_card_which_is_other_advice() -> None:
    """Holding an anticoagulant is about the procedure's safety, not its aim: both cards stand."""
    cards = run("order-sign", [TFESI], hist(*REPRO, med("apixaban", "1364430", "apixaban", 200)))
    assert rules(cards) == ["order.antithrombotic-procedure", RULE]


# --------------------------------------------------------------------------------- data not read
@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("key", ["diagnosticReports", "serviceRequests"])
def test_when_the_imaging_could_not_be_read_the_order_is_not_fully_checked(hook: str, key: str) -> None:
    assert rules(run(hook, [TFESI], hist(*REPRO))) == [RULE]
    c = one(run(hook, [TFESI], hist(*REPRO, unavailable={key: "FHIR server timed out"})), NOT_CHECKED)
    assert c.indicator == "info" and c.subject_key == "ServiceRequest/esi"
    assert data_name(key) in c.summary  # "imaging reports", as a clinician names the data
    assert any("MRI or CT" in s for s in c.next_steps)
    assert any(key in g and "FHIR server timed out" in g for g in c.gaps)


# --------------------------------------------------------------------------------- after surgery
def test_after_lumbar_surgery_the_mri_offered_is_with_and_without_contrast() -> None:
    """New or recurrent radicular pain after surgery is imaged without and with contrast (ACR 2021
    variant 5); the card offers that study, not the plain one."""
    discectomy = proc("disc", "63030", 400, "Laminotomy with discectomy L5-S1", level="L5-S1")
    c = one(run("order-sign", [TFESI], hist(*REPRO, discectomy)))
    assert c.next_steps[0].startswith("MRI lumbar spine without and with contrast first")
    assert actions(c) == [[("delete", "ServiceRequest/esi", None), ("create", None, "72158")]]


def test_it_defers_only_to_checks_that_run_before_it() -> None:
    """``defers_to`` reads the cards already found on the order: every rule it names belongs to a
    check earlier in ``CHECKS``, or the deference could never happen."""
    from hooks.orders import CHECKS
    from hooks.orders.checks import esi_no_imaging

    position = CHECKS.index(esi_no_imaging.CHECK)
    earlier = {rid for c in CHECKS[:position] for rid in c.rule_ids}
    assert esi_no_imaging.CHECK.defers_to and set(esi_no_imaging.CHECK.defers_to) <= earlier


# An MRI taken before the operation shows the spine before the surgery changed it: after lumbar
# surgery the injection waits for imaging since (ACR 2021 variant 5). An ESI drafted on a pre-operative
# MRI alone passed; it now draws the card, naming that MRI and the operation.
def test_after_lumbar_surgery_an_mri_before_the_operation_is_no_imaging_for_the_injection() -> None:
    discectomy = proc("disc", "63030", 400, "Laminotomy with discectomy L5-S1", level="L5-S1")
    pre_op = report("mri0", "72148", "MRI lumbar spine without contrast", 500, L5_S1)
    c = one(run("order-sign", [TFESI], hist(*REPRO, discectomy, reports=(pre_op,))))
    assert c.summary.startswith("ESI with no lumbar MRI or CT since the operation")
    assert "DiagnosticReport/mri0" in [f.ref for f in c.why]
    assert actions(c) == [[("delete", "ServiceRequest/esi", None), ("create", None, "72158")]]


def test_an_mri_order_from_before_the_operation_plans_no_imaging_after_it() -> None:
    discectomy = proc("disc", "63030", 400, "Laminotomy with discectomy L5-S1", level="L5-S1")
    old_order = replace(imaging_order("mri-o", "72148", "MRI lumbar spine", "completed"), authored=ago(520))
    assert rules(run("order-sign", [TFESI], hist(*REPRO, discectomy, orders=(old_order,)))) == [RULE]


def test_guard_after_lumbar_surgery_an_mri_since_the_operation_is_imaging() -> None:
    discectomy = proc("disc", "63030", 400, "Laminotomy with discectomy L5-S1", level="L5-S1")
    post_op = report("mri1", "72158", "MRI lumbar spine without and with contrast", 30, L5_S1)
    assert RULE not in rules(run("order-sign", [TFESI], hist(*REPRO, discectomy, reports=(post_op,))))
