"""Order checks after specialist review: device care is not elective, steroid renewals for other
indications, imaging after lumbar surgery, orders coded without a recognised CPT code, the ESI session
limit, operations rather than Procedure resources, a successful earlier ablation, the course of the
complaint, removed stimulators, pump replacements and trials still running."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from fhir_fixtures import fhir_builder as fb
from fhir_fixtures.fhir_builder import CPT as CPT_URI
from hooks.cards import CardDraft, render_detail
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import (
    RADICULOPATHY,
    SUBJECT,
    SUCCESSFUL,
    TERM,
    TODAY,
    UNSUCCESSFUL,
    cond,
    history,
    inp,
    med,
    mr,
    obs,
    proc,
    sr,
)

HOOKS = ("order-select", "order-sign")
RED_FLAG = "order.red-flag-elective"
NOT_CHECKED = "order.not-fully-checked"
STEROID = "order.oral-steroid-sciatica"
CPT_OID = "urn:oid:2.16.840.1.113883.6.12"


def run(hook: str, orders: list[dict[str, Any]], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(inp(hook, orders, history(*facts)))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def one(cards: list[CardDraft], rule: str) -> CardDraft:
    hits = [c for c in cards if c.rule_id == rule]
    assert len(hits) == 1, rules(cards)
    return hits[0]


def labels(card: CardDraft) -> list[str]:
    return [s.label for s in card.suggestions]


def why(card: CardDraft) -> str:
    return " | ".join(f.text for f in card.why)


def text_only(rid: str, text: str) -> dict[str, Any]:
    return fb.service_request(rid, {"text": text}, SUBJECT, status="draft", authored=TODAY.isoformat())


RAD = cond("rad", RADICULOPATHY, 200, "Lumbar radiculopathy")
MRI_DONE = proc("mri", "72148", 100, "MRI lumbar spine without contrast")
# One red flag of each family: suspected infection (R3), cauda equina (R1), new foot drop (R2).
RED_FLAGS = {
    "osteomyelitis": cond("osteo", "M46.26", 3, "Osteomyelitis of vertebra, lumbar region"),
    "cauda equina": cond("ces", "G83.4", 1, "Cauda equina syndrome"),
    "new foot drop": cond("fd", "M21.372", 3, "Foot drop, left foot"),
}
SCS_IMPLANTED = proc("ipg", "63685", 400, "Spinal cord stimulator pulse generator implant")
PUMP_IMPLANTED = proc("pump", "62362", 700, "Intrathecal programmable pump implant")


# --------------------------------------------------------------------- 1. device care is not elective
DEVICE_CARE = {
    "63688": "Removal of implanted spinal neurostimulator pulse generator",
    "63661": "Removal of percutaneous spinal neurostimulator electrodes",
    "63662": "Removal of paddle spinal neurostimulator electrodes",
    "63663": "Revision of percutaneous spinal neurostimulator electrodes",
    "63664": "Revision of paddle spinal neurostimulator electrodes",
    "62368": "Intrathecal pump analysis with reprogramming",
    "62370": "Intrathecal pump analysis with reprogramming and refill",
    "64999": "Unlisted procedure, nervous system",
}


@pytest.mark.parametrize("flag", sorted(RED_FLAGS))
@pytest.mark.parametrize("code", sorted(DEVICE_CARE))
def test_device_removal_revision_and_pump_refill_are_not_cancelled_for_a_red_flag(
    code: str, flag: str
) -> None:
    """Removing an infected stimulator treats the infection; stopping a pump refill risks withdrawal."""
    device = PUMP_IMPLANTED if code.startswith("623") else SCS_IMPLANTED
    for hook in HOOKS:
        cards = run(hook, [sr("x", code, DEVICE_CARE[code])], RAD, RED_FLAGS[flag], device)
        assert RED_FLAG not in rules(cards), (hook, code, flag)
        assert all(c.indicator != "critical" for c in cards)
        assert all("Cancel the" not in label for c in cards for label in labels(c))


@pytest.mark.parametrize("code", sorted(DEVICE_CARE))
def test_device_care_codes_are_not_elective_procedures(code: str) -> None:
    assert TERM.match("elective_spine_procedures", [Coding(CPT_URI, code)]) is None


PUMP_REPLACEMENT = sr("x", "62362", "Replacement of programmable intrathecal pump (battery end of life)")
# A known cancer (the pump may treat its pain) or a fracture does not hold a pump replacement.
NOT_HOLDING_A_REPLACEMENT = {
    "spinal metastasis": cond("ca", "C79.51", 30, "Secondary malignant neoplasm of bone"),
    "fracture": cond("fx", "S32.010A", 5, "Wedge compression fracture of first lumbar vertebra"),
}


@pytest.mark.parametrize("flag", sorted(NOT_HOLDING_A_REPLACEMENT))
def test_pump_replacement_is_not_held_for_a_known_cancer_or_a_fracture(flag: str) -> None:
    """Stopping an implanted pump risks withdrawal: its replacement is not cancelled for these flags
    (a new implant still is)."""
    found = NOT_HOLDING_A_REPLACEMENT[flag]
    for hook in HOOKS:
        assert RED_FLAG not in rules(run(hook, [PUMP_REPLACEMENT], RAD, found, PUMP_IMPLANTED)), hook
        assert RED_FLAG in rules(run(hook, [PUMP_REPLACEMENT], RAD, found)), hook


@pytest.mark.parametrize("flag", sorted(RED_FLAGS))
def test_pump_replacement_with_infection_cauda_equina_or_a_new_deficit_does_not_pass_silently(
    flag: str,
) -> None:
    """A new device is not implanted into a possibly infected field; cauda equina or a new deficit
    comes first (a catheter-tip mass can cause it). The card defers the replacement and asks to
    time it with the implanting team so the intrathecal drug does not stop abruptly."""
    for hook in HOOKS:
        card = one(run(hook, [PUMP_REPLACEMENT], RAD, RED_FLAGS[flag], PUMP_IMPLANTED), RED_FLAG)
        assert card.indicator == "critical"
        assert "replacing the intrathecal pump" in card.summary
        assert "replaces an implanted intrathecal pump" in why(card)
        assert any("implanting team" in s and "withdrawal" in s for s in card.next_steps)
        kept = ("Defer the pump replacement", "Urgent", "Stat")
        assert all(label.startswith(kept) for label in labels(card))
        detail = render_detail(card)
        assert "seed" not in detail.lower() and "decision model" not in detail.lower()
    cards = run("order-sign", [PUMP_REPLACEMENT], RAD, RED_FLAGS["osteomyelitis"], PUMP_IMPLANTED)
    infection = one(cards, RED_FLAG)
    assert any("No new pump while infection is suspected" in s for s in infection.next_steps)


# --------------------------------------------------------------------- 2. oral corticosteroid renewals
PREDNISONE = ("8640", "prednisone 5 MG Oral Tablet")


def prednisone_order(**extra: Any) -> dict[str, Any]:
    order = mr("p", *PREDNISONE, 5, "mg", 1, "d", route="Oral")
    order.update(extra)
    return order


ADDISON_REASON = {
    "reasonCode": [
        {
            "coding": [
                {"system": fb.ICD10CM, "code": "E27.1", "display": "Primary adrenocortical insufficiency"}
            ],
            "text": "Addison disease",
        }
    ]
}


def test_prednisone_for_addison_disease_by_reason_code_draws_no_sciatica_card() -> None:
    cards = run("order-sign", [prednisone_order(**ADDISON_REASON)], RAD)
    assert STEROID not in rules(cards)
    assert all("Remove this prescription" not in labels(c) for c in cards)


@pytest.mark.parametrize(
    ("code", "text"),
    [("M35.3", "Polymyalgia rheumatica"), ("E27.1", "Primary adrenal insufficiency (Addison disease)")],
)
def test_prednisone_with_a_current_steroid_indication_draws_no_sciatica_card(code: str, text: str) -> None:
    cards = run("order-sign", [prednisone_order()], RAD, cond("other", code, 900, text))
    assert STEROID not in rules(cards)


def test_renewal_of_prednisone_taken_for_months_draws_no_sciatica_card() -> None:
    """Already on the same steroid for months: a renewal, not a course for sciatica (adrenal crisis risk)."""
    taking = med("p0", *PREDNISONE, 200)
    cards = run("order-sign", [prednisone_order()], RAD, taking)
    assert STEROID not in rules(cards)


def test_a_new_prednisone_course_for_sciatica_still_draws_the_card() -> None:
    card = one(run("order-sign", [prednisone_order()], RAD), STEROID)
    assert "Remove this prescription" in labels(card)
    # a short course taken weeks ago is not long-term therapy
    recent = med("p0", *PREDNISONE, 40, end_days_ago=35, status="completed")
    assert STEROID in rules(run("order-sign", [prednisone_order()], RAD, recent))


def test_a_reason_naming_sciatica_keeps_the_card_despite_another_indication() -> None:
    reason = {"reasonCode": [{"coding": [{"system": fb.ICD10CM, "code": RADICULOPATHY}], "text": "sciatica"}]}
    cards = run("order-sign", [prednisone_order(**reason)], RAD, cond("pmr", "M35.3", 900, "PMR"))
    assert STEROID in rules(cards)


# --------------------------------------------------------------------- 3. imaging after lumbar surgery
@pytest.mark.parametrize("code", ["72158", "72148"])
def test_mri_for_new_radicular_pain_after_recent_lumbar_surgery_is_not_intercepted(code: str) -> None:
    surgery = proc("lam", "63030", 20, "L5-S1 microdiscectomy")
    pain = cond("rad2", "M54.17", 10, "Recurrent left S1 radiculopathy after discectomy")
    for hook in HOOKS:
        cards = run(hook, [sr("m", code, "MRI lumbar spine")], surgery, pain)
        assert "order.mri-early" not in rules(cards), hook


def test_mri_for_recurrent_sciatica_long_after_discectomy_is_not_intercepted() -> None:
    surgery = proc("lam", "63030", 400, "L5-S1 microdiscectomy")
    pain = cond("rad", RADICULOPATHY, 14, "Recurrent sciatica after discectomy")
    cards = run("order-sign", [sr("m", "72158", "MRI lumbar spine without and with contrast")], surgery, pain)
    assert "order.mri-early" not in rules(cards)


def test_an_mri_drafted_with_an_esi_for_severe_acute_sciatica_plans_it() -> None:
    """Day 18, NRS 9 and ODI 62: NICE NG59 lets a specialist consider an epidural now, and the MRI
    drafted with it plans it: no 'imaging not indicated, cancel'. Alone, or with tolerable pain,
    the early MRI still draws the card."""
    rad, mri = cond("rad", RADICULOPATHY, 18), sr("m", "72148", "MRI lumbar")
    esi = sr("e", "64483", "TFESI L5-S1")
    severe = (rad, obs("nrs", "pain", 9, 1), obs("odi", "odi", 62, 1, code="SURVEY-ODI"))
    assert "order.mri-early" not in rules(run("order-sign", [mri, esi], *severe))
    assert "order.mri-early" in rules(run("order-sign", [mri], *severe))
    mild = (rad, obs("nrs", "pain", 4, 1))
    assert "order.mri-early" in rules(run("order-sign", [mri, esi], *mild))


@pytest.mark.parametrize(
    ("priority", "fires"), [("stat", False), ("asap", False), ("urgent", True), (None, True)]
)
def test_an_asap_mri_for_cauda_equina_is_an_emergency_study(priority: str | None, fires: bool) -> None:
    """FHIR's asap is the next highest after stat: no critical 'make it stat' card for it."""
    extra = {"priority": priority} if priority else {}
    order = sr("m", "72148", "MRI lumbar", **extra)
    ces = cond("ces", "G83.4", 1, "Cauda equina syndrome")
    cards = run("order-sign", [order], cond("rad", RADICULOPATHY, 5), ces)
    assert ("order.mri-ces-emergency" in rules(cards)) is fires


# --------------------------------------------------------------------- 4. codes the service must still read
CES = RED_FLAGS["cauda equina"]
WARFARIN = med("w", "11289", "warfarin 5 MG Oral Tablet", 400)
RECOGNISABLE = {
    "CPT OID": sr("e", "62323", "Lumbar interlaminar ESI, fluoroscopic", system=CPT_OID),
    "modifier -LT": sr("e", "64483-LT", "TFESI L5 left"),
    "modifier -50": sr("e", "64483-50", "TFESI L5 bilateral"),
    "modifier -KX": sr("e", "64483-KX", "TFESI L5 left"),
    "text only": text_only("e", "Lumbar transforaminal epidural steroid injection L5-S1 left"),
    "local code": sr(
        "e",
        "PROC1234",
        "IR lumbar epidural steroid injection L5-S1",
        system="urn:oid:1.2.840.114350.1.13.0.1.7.2.696580",
    ),
}


@pytest.mark.parametrize("variant", sorted(RECOGNISABLE))
def test_cauda_equina_stop_fires_on_an_esi_however_it_is_coded(variant: str) -> None:
    cards = run("order-sign", [RECOGNISABLE[variant]], RAD, CES, WARFARIN)
    card = one(cards, RED_FLAG)
    assert card.indicator == "critical"
    assert any(label.startswith("Cancel the procedure; stat MRI") for label in labels(card))


@pytest.mark.parametrize("variant", sorted(RECOGNISABLE))
def test_anticoagulant_check_fires_on_an_esi_however_it_is_coded(variant: str) -> None:
    cards = run("order-sign", [RECOGNISABLE[variant]], RAD, WARFARIN)
    card = one(cards, "order.antithrombotic-procedure")
    assert card.indicator == "warning"
    assert "warfarin" in why(card)


def test_an_esi_read_from_its_text_says_its_code_was_not_recognised() -> None:
    order = text_only("e", "Lumbar transforaminal epidural steroid injection L5-S1 left")
    card = one(run("order-sign", [order], RAD), NOT_CHECKED)
    assert card.indicator == "info"
    assert "no recognised procedure code" in card.summary
    assert "read from its text as a lumbar epidural steroid injection" in card.summary
    assert "not one the service recognises: no code" in why(card)
    assert any("CPT procedure code" in s for s in card.next_steps)
    detail = render_detail(card)
    assert "§" not in detail and "decision model" not in detail.lower()


def test_a_spine_procedure_the_text_cannot_place_gets_the_not_fully_checked_card() -> None:
    order = text_only("f", "Posterior lumbar interbody fusion L4-5")
    card = one(run("order-sign", [order], RAD, CES), NOT_CHECKED)
    assert card.summary == "Not fully checked: no recognised procedure code for this spine procedure"
    assert "Cauda equina syndrome" in why(card)
    assert any("Red flag active (suspected cauda equina syndrome)" in s for s in card.next_steps)


def test_an_uncoded_order_that_names_no_spine_procedure_draws_no_card() -> None:
    assert run("order-sign", [text_only("k", "Physiotherapy review of the knee")], RAD) == []


def test_an_esi_read_from_its_text_is_judged_by_the_repeat_limit() -> None:
    sessions = [
        proc(f"e{i}", "64483", d, "TFESI L5 left", outcome=SUCCESSFUL)
        for i, d in enumerate((330, 250, 170, 90))
    ]
    order = sr("e", "64483-RT", "TFESI L5 right")
    card = one(run("order-sign", [order], RAD, *sessions), "order.esi-repeat")
    assert "session 5" in card.summary


# --------------------------------------------------------------------- 5. the ESI session limit
def test_the_fourth_esi_session_in_twelve_months_is_within_the_limit() -> None:
    sessions = [
        proc(f"e{i}", "64483", d, "TFESI L5 left", outcome=SUCCESSFUL) for i, d in enumerate((330, 220, 110))
    ]
    cards = run("order-sign", [sr("e", "64483", "TFESI L5 left")], RAD, *sessions)
    assert "order.esi-repeat" not in rules(cards)


def test_the_fifth_esi_session_in_twelve_months_is_intercepted() -> None:
    sessions = [
        proc(f"e{i}", "64483", d, "TFESI L5 left", outcome=SUCCESSFUL)
        for i, d in enumerate((330, 250, 170, 90))
    ]
    card = one(run("order-sign", [sr("e", "64483", "TFESI L5 left")], RAD, *sessions), "order.esi-repeat")
    assert card.summary.startswith("Lumbar ESI session 5 in 12 months")
    assert "the limit is 4 sessions per region" in why(card)
    assert "Cancel the ESI and refer to a spine surgeon" in labels(card)


# --------------------------------------------------------------------- 6. operations, not resources
HERNIATION = cond("rad", "M51.17", 300, "Lumbosacral disc herniation with radiculopathy")


@pytest.mark.parametrize(("primary", "add_on"), [("63030", "63035"), ("63047", "63048")])
def test_a_primary_code_and_its_add_on_are_one_operation(primary: str, add_on: str) -> None:
    one_operation = (
        proc("d1", primary, 400, "Lumbar decompression"),
        proc("d2", add_on, 400, "Add-on level"),
    )
    card = one(
        run("order-sign", [sr("f", "22630", "PLIF L5-S1")], HERNIATION, *one_operation),
        "order.fusion-no-instability",
    )
    assert "Change to a lumbar discectomy" in labels(card)


def test_two_discectomies_on_different_days_allow_fusion() -> None:
    two = (
        proc("d1", "63030", 700, "Discectomy L5-S1"),
        proc("d2", "63030", 300, "Revision discectomy L5-S1"),
    )
    assert run("order-sign", [sr("f", "22630", "PLIF L5-S1")], HERNIATION, *two) == []


# --------------------------------------------------------------------- 7. a successful earlier ablation
FACET = cond("fa", "M47.816", 800, "Lumbar facet arthropathy")


def test_repeat_rfa_after_an_ablation_that_gave_months_of_relief_needs_no_new_block() -> None:
    earlier = proc("r1", "64635", 300, "Facet RFA L4-5 right", level="L4-L5")
    scores = [
        obs("b0", "pain", 8, 302),
        obs("f1", "pain", 2, 260),
        obs("f2", "pain", 2, 220),
        obs("f3", "pain", 3, 150),
        obs("f4", "pain", 7, 20),
    ]
    order = sr("r", "64635", "Facet RFA L4-5 right", bodySite=[{"text": "L4-L5"}])
    assert "order.rfa-no-block" not in rules(run("order-sign", [order], FACET, earlier, *scores))


def test_repeat_rfa_after_an_ablation_recorded_successful_needs_no_new_block() -> None:
    earlier = proc("r1", "64635", 300, "Facet RFA L4-5 right", outcome=SUCCESSFUL, level="L4-L5")
    cards = run(
        "order-sign", [sr("r", "64635", "Facet RFA L4-5 right")], FACET, earlier, obs("f4", "pain", 7, 20)
    )
    assert "order.rfa-no-block" not in rules(cards)


def test_a_successful_ablation_at_another_level_does_not_replace_the_block() -> None:
    earlier = proc("r1", "64635", 300, "Facet RFA L2-3 right", outcome=SUCCESSFUL, level="L2-L3")
    order = sr("r", "64635", "Facet RFA L4-5 right", bodySite=[{"text": "L4-L5"}])
    card = one(run("order-sign", [order], FACET, earlier), "order.rfa-no-block")
    assert "Change to a diagnostic lumbar medial branch block" in labels(card)


# --------------------------------------------------------------------- 8. how long the complaint has lasted
def test_a_condition_recorded_days_ago_after_months_of_injections_is_not_early() -> None:
    recorded = replace(cond("rad", RADICULOPATHY, 3, "Lumbar radiculopathy"), onset=None, onset_text=None)
    injections = (proc("e0", "64483", 300, "TFESI L5 left"), proc("e1", "64483", 150, "TFESI L5 left"))
    for code, rule in (("72148", "order.mri-early"), ("64483", "order.esi-too-early")):
        cards = run("order-sign", [sr("x", code, "order")], recorded, *injections)
        assert rule not in rules(cards), code


def recorded_only(days: int) -> Any:
    """A radiculopathy recorded ``days`` ago with no onset of its own (as the FHIR reader marks it)."""
    return replace(cond("rad", RADICULOPATHY, days, "Lumbar radiculopathy"), onset_from_record=True)


def test_physiotherapy_before_a_recent_record_without_onset_means_a_longer_course() -> None:
    """Recorded 5 days ago with no onset, physiotherapy 100 days ago: the complaint is older than its
    record. An onset of its own 5 days ago is when it began, whatever was treated before."""
    earlier = (proc("pt", "97110", 100, "Physical therapy"), proc("d", "63030", 730, "L5-S1 discectomy"))
    cards = run("order-sign", [sr("e", "64483", "TFESI L5")], recorded_only(5), *earlier)
    assert "order.esi-too-early" not in rules(cards)
    own_onset = cond("rad", RADICULOPATHY, 5, "Lumbar radiculopathy")
    esi = sr("e", "64483", "TFESI L5")
    assert "order.esi-too-early" in rules(run("order-sign", [esi], own_onset, *earlier))


def test_the_card_says_when_the_duration_counts_from_the_first_treatment() -> None:
    physio = proc("pt", "97110", 20, "Physical therapy")
    cards = run("order-sign", [sr("m", "72148", "MRI lumbar")], recorded_only(5), physio)
    card = one(cards, "order.mri-early")
    assert card.summary.startswith("Lumbar imaging 20 days after the first lumbar treatment")
    assert "first physiotherapy on record: Physical therapy" in why(card)
    assert "Lumbar radiculopathy: recorded" in why(card)


# --------------------------------------------------------------------- 9. a removed stimulator
PSYCH = proc("psy", "90791", 100, "Psychological evaluation for SCS")
OLD_TRIAL = proc("tr", "63650", 1510, "SCS trial percutaneous leads", outcome=SUCCESSFUL)
OLD_SYSTEM = proc("ipg", "63685", 1500, "SCS IPG implant")
EXPLANT = (
    proc("ex", "63688", 400, "Removal of SCS pulse generator: loss of efficacy"),
    proc("ex2", "63661", 400, "Removal of SCS leads: loss of efficacy"),
)


def test_a_new_permanent_stimulator_after_the_system_was_removed_needs_a_new_trial() -> None:
    order = sr("x", "63685", "SCS permanent IPG")
    card = one(run("order-sign", [order], RAD, PSYCH, OLD_TRIAL, OLD_SYSTEM, *EXPLANT), "order.scs-no-trial")
    assert "no spinal cord stimulator trial on record since the system was removed" in why(card)
    assert "Change to a spinal cord stimulator trial" in labels(card)


def test_a_generator_replacement_of_an_implanted_system_is_still_not_judged() -> None:
    order = sr("x", "63685", "SCS generator replacement")
    assert run("order-sign", [order], RAD, PSYCH, OLD_TRIAL, OLD_SYSTEM) == []


# --------------------------------------------------------------------- 10. 62326 is a blind injection
def test_62326_epidural_catheter_without_imaging_is_a_blind_injection() -> None:
    assert TERM.match("esi_without_image_guidance", [Coding(CPT_URI, "62326")]) is not None
    assert TERM.match("esi_image_guided", [Coding(CPT_URI, "62326")]) is None
    order = sr("e", "62326", "Lumbar epidural catheter infusion, no imaging guidance")
    card = one(run("order-sign", [order], RAD), "order.esi-blind")
    assert "Change to an epidural catheter with imaging guidance" in labels(card)


# --------------------------------------------------------------------- 11. pump replacement, trial running
def test_pump_replacement_needs_no_new_psychological_evaluation() -> None:
    order = sr("x", "62362", "Replacement of programmable intrathecal pump (battery end of life)")
    assert "order.neuromod-psych-eval" not in rules(run("order-sign", [order], RAD, PUMP_IMPLANTED))
    # a first pump still needs it
    assert "order.neuromod-psych-eval" in rules(run("order-sign", [order], RAD))


def test_a_trial_in_progress_is_awaited_not_repeated() -> None:
    running = replace(proc("tr", "63650", 4, "SCS trial percutaneous leads"), status="in-progress")
    card = one(
        run("order-sign", [sr("x", "63685", "SCS permanent IPG")], RAD, PSYCH, running), "order.scs-no-trial"
    )
    assert "still in progress" in card.summary
    assert "in progress since" in why(card)
    assert "no spinal cord stimulator trial on record" not in why(card)
    assert any(s.startswith("Await the end of the trial") for s in card.next_steps)
    assert labels(card) == ["Hold the permanent implant until the trial result is recorded"]


# --------------------------------------------------------------------- review of the fixes above
def test_repeated_steroid_bursts_are_repeated_courses_not_long_term_therapy() -> None:
    """Four earlier 6-day prednisone bursts a month apart, each with its end: about 28 days of
    steroid, the repeated courses NICE NG59 advises against, not months of long-term therapy."""
    bursts = [med(f"b{i}", *PREDNISONE, s, end_days_ago=s - 6) for i, s in enumerate((112, 84, 56, 28))]
    assert STEROID in rules(run("order-sign", [prednisone_order()], RAD, *bursts))


@pytest.mark.parametrize(
    "text",
    [
        "MRI lumbar spine without and with contrast - rule out epidural abscess",
        "MRI L-spine STAT: cauda equina / epidural compression",
    ],
)
def test_an_uncoded_mri_naming_its_reason_is_not_read_as_an_injection(text: str) -> None:
    """An MRI with a local code whose reason names the epidural space is imaging, never an elective
    injection to cancel for the red flag it is ordered to exclude."""
    mri = sr("m", "IMG5521", text, system="urn:oid:1.2.840.114350.1.13.0.1.7.2.696580", priority="stat")
    osteo = cond("osteo", "M46.26", 2, "Osteomyelitis of vertebra, lumbar")
    cards = run("order-sign", [mri], cond("rad", RADICULOPATHY, 20), osteo)
    assert RED_FLAG not in rules(cards) and not any(c.indicator == "critical" for c in cards)
    # a CT-guided injection named only in words is still read as one
    text = "CT-guided transforaminal epidural steroid injection L5-S1"
    guided = sr("e", "LOCAL-1", text, system="urn:local")
    assert RED_FLAG in rules(run("order-sign", [guided], cond("rad", RADICULOPATHY, 20), osteo))


def test_the_trial_leads_removed_at_the_end_of_a_successful_trial_are_no_explant() -> None:
    """A successful trial whose leads were removed a week later (as every trial ends), then the
    permanent generator ordered: no 'order the trial first'."""
    trial = proc("tr", "63650", 60, "SCS trial percutaneous leads", outcome=SUCCESSFUL)
    removal = proc("rm", "63661", 53, "Removal of trial leads")
    cards = run("order-sign", [sr("ipg", "63685", "SCS IPG implant")], RAD, PSYCH, trial, removal)
    assert "order.scs-no-trial" not in rules(cards)


# --------------------------------------------------------------------- one ESI session, several orders
REPEAT = "order.esi-repeat"
BLIND = "order.esi-blind"
FOUR_SESSIONS = tuple(proc(f"s{i}", "64483", d, "TFESI L5-S1") for i, d in enumerate((300, 220, 140, 60)))
TWO_FAILED = tuple(
    proc(f"f{i}", "64483", d, "TFESI L5-S1", outcome=UNSUCCESSFUL) for i, d in enumerate((200, 100))
)
ONE_SESSION = [
    sr("l", "64483", "TFESI L5-S1 left"),
    sr("r", "64483", "TFESI L5-S1 right"),
    sr("n", "64484", "TFESI L4-5 (additional level)"),
]


@pytest.mark.parametrize("hook", HOOKS)
def test_one_esi_session_ordered_as_three_service_requests_draws_one_repeat_card(hook: str) -> None:
    """Bilateral or two-level injection drafted as one ServiceRequest each is one session (CMS ESI
    LCDs): one card names every draft order, keeps each in its basis, and cancels them all."""
    card = one(run(hook, ONE_SESSION, RAD, *FOUR_SESSIONS), REPEAT)
    assert "session 5" in card.summary
    refs = ["ServiceRequest/l", "ServiceRequest/r", "ServiceRequest/n"]
    assert [f.ref for f in card.why[:3]] == refs
    assert [f.ref for f in card.basis] == refs
    assert card.subject_key == "ServiceRequest/l"
    for s in card.suggestions:
        deleted = [a.resource_id for a in s.actions if a.type == "delete"]
        created = [a for a in s.actions if a.type == "create"]
        assert deleted == refs and len(created) == 1, s.label
        assert s.actions[-1].type == "create"


def test_cards_that_differ_between_orders_are_not_merged() -> None:
    """Only the same advice is merged: a blind injection beside an image-guided one keeps its own card."""
    orders = [sr("g", "64483", "TFESI L5-S1 left"), sr("b", "62322", "Lumbar epidural injection, no imaging")]
    card = one(run("order-sign", orders, RAD), BLIND)
    assert card.subject_key == "ServiceRequest/b"
    assert [f.ref for f in card.why if f.ref] == ["ServiceRequest/b"]


# --------------------------------------------------------------------- CPT modifiers on an ESI order
@pytest.mark.parametrize("code", ["64483-LT", "64483 RT", "64483-50", "64483RT", "64483-59"])
def test_a_tfesi_with_modifiers_is_judged_as_an_esi(code: str) -> None:
    assert REPEAT in rules(run("order-sign", [sr("a", code, "TFESI L5-S1")], RAD, *TWO_FAILED))


@pytest.mark.parametrize("code", ["64483-KX", "64483 KX", "64483KX", "64483-LT-KX", "64483 RT KX"])
def test_a_tfesi_with_the_kx_modifier_is_a_diagnostic_nerve_root_block(code: str) -> None:
    """CMS billing articles for the ESI LCDs mark a diagnostic selective nerve root block with -KX: it
    is what the repeat-ESI card recommends, not a repeat ESI. The safety checks still judge it."""
    order = sr("a", code, "TFESI L5-S1")
    for hook in HOOKS:
        assert rules(run(hook, [order], RAD, *TWO_FAILED)) == [], hook
        assert rules(run(hook, [order], RAD, CES)) == [RED_FLAG], hook
        assert "order.antithrombotic-procedure" in rules(run(hook, [order], RAD, WARFARIN)), hook


def test_a_kx_modifier_sent_as_a_coding_of_its_own_is_read() -> None:
    order = sr("a", "64483", "TFESI L5-S1")
    order["code"]["coding"].append({"system": CPT_URI, "code": "KX"})
    assert REPEAT not in rules(run("order-sign", [order], RAD, *TWO_FAILED))


@pytest.mark.parametrize(
    ("text", "is_esi"),
    [
        ("Diagnostic selective nerve root block L5, lidocaine only", False),
        ("Selective nerve root block L5 left", False),
        ("Selective nerve root block L5 with triamcinolone", True),
        ("Diagnostic and therapeutic TFESI L5-S1", True),
        ("64483-KX TFESI L5-S1 with dexamethasone", True),
    ],
)
def test_a_64483_order_written_as_a_diagnostic_block_is_not_a_repeat_esi(text: str, is_esi: bool) -> None:
    code = "64483-KX" if text.startswith("64483-KX") else "64483"
    cards = run("order-sign", [sr("a", code, text)], RAD, *TWO_FAILED)
    assert (REPEAT in rules(cards)) is is_esi


def test_seven_digits_are_not_read_as_a_cpt_code_with_a_modifier() -> None:
    """'6448326' is no CPT code with a modifier (a modifier straight after the code starts with a letter)."""
    cards = run("order-sign", [sr("a", "6448326", "Order 6448326")], RAD, *TWO_FAILED)
    assert REPEAT not in rules(cards)


# --------------------------------------------------------------------- image guidance of a text-only ESI
CONFIRM_GUIDANCE = "Confirm the injection is done with fluoroscopic or CT guidance"


@pytest.mark.parametrize(
    "text",
    [
        "Blind lumbar epidural steroid injection L5-S1",
        "Lumbar epidural steroid injection without fluoroscopy",
        "Lumbar interlaminar ESI L4-5, landmark technique",
    ],
)
def test_a_text_only_esi_written_as_blind_draws_the_blind_card(text: str) -> None:
    cards = run("order-sign", [text_only("e", text)], RAD)
    assert one(cards, BLIND).indicator == "warning"
    assert one(cards, NOT_CHECKED).indicator == "info"


@pytest.mark.parametrize(
    "text",
    [
        "Lumbar interlaminar ESI L5-S1 under fluoroscopy",
        "Caudal epidural steroid injection, CT-guided",
        "Lumbar epidural steroid injection under CT",
        "Lumbar transforaminal epidural steroid injection L5-S1 left",
    ],
)
def test_a_text_only_esi_written_as_guided_is_not_questioned(text: str) -> None:
    cards = run("order-sign", [text_only("e", text)], RAD)
    assert BLIND not in rules(cards)
    card = one(cards, NOT_CHECKED)
    assert not any(CONFIRM_GUIDANCE in s for s in card.next_steps)


@pytest.mark.parametrize(
    "text", ["Lumbar interlaminar epidural steroid injection L5-S1", "Lumbar ESI L5-S1, MRI reviewed"]
)
def test_a_text_only_esi_silent_on_guidance_asks_to_confirm_it_without_a_stop(text: str) -> None:
    """No guess either way: not judged blind (no false stop), but never assumed guided in silence."""
    for hook in HOOKS:
        cards = run(hook, [text_only("e", text)], RAD, MRI_DONE)
        assert rules(cards) == [NOT_CHECKED], hook
        card = cards[0]
        assert card.indicator == "info"
        assert any(CONFIRM_GUIDANCE in s for s in card.next_steps)
        assert "does not say whether the injection is done with imaging guidance" in why(card)


# --------------------------------------------------------------------- order status
@pytest.mark.parametrize(("status", "judged"), [("draft", True), ("active", True), ("revoked", False),
                                                 ("entered-in-error", False)])  # fmt: skip
def test_a_withdrawn_draft_order_is_not_judged(status: str, judged: bool) -> None:
    """Draft and active orders are judged alike; one sent back revoked or entered in error is not."""
    order = sr("a", "64483", "TFESI L5-S1", status=status)
    assert (RED_FLAG in rules(run("order-sign", [order], RAD, CES))) is judged


# --------------------------------------------------------------------- facts shown whole, not cut
DOWN = "FHIR server answered 500"
MEDS_UNREAD = {"medicationRequests": DOWN, "medicationStatements": DOWN}
PROCS_UNREAD = {"procedures": "FHIR server answered 503", "serviceRequests": "timed out"}
SCS_ORDER = sr("x", "63685", "SCS permanent IPG")
LOCAL_ESI = sr(
    "e", "LOCAL-1", "CT-guided transforaminal epidural steroid injection L5-S1", system="urn:local"
)
TEXT_ESI = text_only("e", "Lumbar transforaminal epidural steroid injection L5-S1 left")
TEXT_PUMP = text_only("p", "Replacement of programmable intrathecal pump (battery end of life)")
TWO_FLAGS = (RED_FLAGS["cauda equina"], RED_FLAGS["osteomyelitis"])
# (draft order, history, unread prefetch keys): data that could not be read, a pump replacement held
# for two red flags, a stimulator ordered after the old system was removed, orders read from words
UNCUT: dict[str, tuple[dict[str, Any], tuple[Any, ...], dict[str, str]]] = {
    "benzodiazepine, medications unread": (mr("dzp", "3322", "diazepam", dose=5, per=2), (RAD,), MEDS_UNREAD),
    "ESI, medications and observations unread": (
        sr("esi", "64483", "TFESI L5-S1 left"),
        (RAD,),
        {**MEDS_UNREAD, "observations": "timed out"},
    ),
    "stimulator, medications unread": (SCS_ORDER, (RAD,), MEDS_UNREAD),
    "pump replacement, two red flags": (PUMP_REPLACEMENT, (RAD, *TWO_FLAGS, PUMP_IMPLANTED), {}),
    "pump replacement, medications unread": (PUMP_REPLACEMENT, (RAD,), MEDS_UNREAD),
    "pump, procedures unread": (PUMP_REPLACEMENT, (RAD,), PROCS_UNREAD),
    "stimulator after removal": (SCS_ORDER, (RAD, PSYCH, OLD_TRIAL, OLD_SYSTEM, *EXPLANT), {}),
    "stimulator after removal, procedures unread": (
        SCS_ORDER,
        (RAD, PSYCH, OLD_TRIAL, OLD_SYSTEM, *EXPLANT),
        PROCS_UNREAD,
    ),
    "local code ESI": (LOCAL_ESI, (RAD,), {}),
    "local code ESI, observations unread": (LOCAL_ESI, (RAD,), {"observations": "timed out"}),
    "text-only ESI, medications unread": (TEXT_ESI, (RAD,), MEDS_UNREAD),
    "text-only ESI, guidance unstated, medications unread": (
        text_only("e", "Lumbar epidural steroid injection"),
        (RAD,),
        MEDS_UNREAD,
    ),
    "text-only pump replacement, infection": (TEXT_PUMP, (RAD, RED_FLAGS["osteomyelitis"]), {}),
}


@pytest.mark.parametrize("scenario", sorted(UNCUT))
def test_order_card_facts_are_shown_whole_not_cut(scenario: str) -> None:
    """Each fact on the card is whole: its short form says what decides ("medicationRequests could not
    be read", "code not recognised: LOCAL-1", the pump replacement at battery end of life), never half
    a sentence with " … " in its middle."""
    order, facts, unread = UNCUT[scenario]
    for hook in HOOKS:
        cards = evaluate_orders(inp(hook, [order], history(*facts, unavailable=unread)))
        assert cards, (scenario, hook)
        for card in cards:
            lines = [line for line in render_detail(card).splitlines() if line.startswith("- ")]
            assert lines, (scenario, card.rule_id)
            assert not [line for line in lines if " … " in line], (scenario, hook, card.rule_id)


def test_the_deciding_words_of_these_facts_reach_the_card() -> None:
    def shown(order: dict[str, Any], *facts: Any, unread: dict[str, str] | None = None) -> str:
        cards = evaluate_orders(inp("order-sign", [order], history(*facts, unavailable=unread)))
        return "\n".join(render_detail(c) for c in cards)

    unread = shown(mr("dzp", "3322", "diazepam", dose=5, per=2), RAD, unread=MEDS_UNREAD)
    assert "prescriptions could not be read" in unread
    assert "medication statements could not be read" in unread
    assert "(battery end of life)" in shown(PUMP_REPLACEMENT, RAD, *TWO_FLAGS, PUMP_IMPLANTED)
    local = shown(LOCAL_ESI, RAD, unread={"observations": "timed out"})
    assert "code not recognised: LOCAL-1" in local and "read from its text" in local
    removed = shown(SCS_ORDER, RAD, PSYCH, OLD_TRIAL, OLD_SYSTEM, *EXPLANT)
    assert "Removal of SCS leads: loss of efficacy on 2025-10-16: no longer implanted" in removed


# --------------------------------------------------------------------- cauda equina: imaging and surgeon
ROUTINE_MRI = sr("m", "72148", "MRI lumbar spine without contrast", priority="routine")
CES_MRI = "order.mri-ces-emergency"
MAKE_STAT = "Make this an emergency (stat) study today"
REFER_STAT = "Stat: refer to a spine surgeon"


def referrals(cards: list[CardDraft]) -> list[str]:
    """The spine-surgery referrals the response's suggestions would create."""
    return [
        s.label
        for c in cards
        for s in c.suggestions
        for a in s.actions
        if a.type == "create" and "Referral to spine surgery" in a.description
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_a_routine_mri_in_cauda_equina_offers_the_stat_study_and_the_surgical_referral(hook: str) -> None:
    """Cauda equina needs the emergency MRI and the emergency surgical assessment (ACR 2021 variant 4;
    NASS 2014): both offered, both recommended, taken together."""
    card = one(run(hook, [ROUTINE_MRI], RAD, CES), CES_MRI)
    assert labels(card) == [MAKE_STAT, REFER_STAT]
    assert all(s.is_recommended for s in card.suggestions)
    assert card.selection_behavior == "any"
    created = card.suggestions[1].actions[0].resource
    assert created is not None and created["priority"] == "stat"
    assert {"reference": "Condition/ces"} in created["reasonReference"]
    assert "emergency spine-surgery assessment" in render_detail(card)


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("first", ["mri", "esi"])
def test_the_stat_referral_is_offered_once_with_an_esi_in_the_same_request(hook: str, first: str) -> None:
    """The ESI drafted with the MRI draws the red-flag card, which offers the referral: the MRI card
    keeps its stat change and does not offer a second referral."""
    esi = sr("e", "64483", "TFESI L5-S1 left")
    orders = [ROUTINE_MRI, esi] if first == "mri" else [esi, ROUTINE_MRI]
    cards = run(hook, orders, RAD, CES)
    assert labels(one(cards, CES_MRI)) == [MAKE_STAT]
    assert RED_FLAG in rules(cards)
    assert referrals(cards) == [REFER_STAT]


def test_the_mri_card_refers_when_the_esi_beside_it_is_not_judged_or_a_referral_is_drafted() -> None:
    esi = sr("e", "64483", "TFESI L5-S1 left")
    # only the MRI selected: the ESI draws no card in this response, so the MRI card refers
    cards = evaluate_orders(inp("order-select", [ROUTINE_MRI, esi], history(RAD, CES), ("ServiceRequest/m",)))
    assert rules(cards) == [CES_MRI] and referrals(cards) == [REFER_STAT]
    # a spine-surgery referral already drafted: no second one; one not stat is made stat
    drafted = sr("r", "183546007", "Referral to spine surgery", system=fb.SNOMED)
    stat = sr("r", "183546007", "Referral to spine surgery", system=fb.SNOMED, priority="stat")
    for hook in HOOKS:
        made_stat = [MAKE_STAT, "Make the spine-surgery referral stat"]
        assert labels(one(run(hook, [ROUTINE_MRI, drafted], RAD, CES), CES_MRI)) == made_stat
        assert labels(one(run(hook, [ROUTINE_MRI, stat], RAD, CES), CES_MRI)) == [MAKE_STAT]


# --------------------------------------------------------------------- one session, one order selected
SAME_CODE_SESSION = [
    sr("a", "64483", "TFESI L5-S1 left"),
    sr("b", "64483", "TFESI L5-S1 right"),
    sr("c", "64483", "TFESI L4-5 left"),
]
SESSION_HISTORIES = {
    "four sessions": (RAD, *FOUR_SESSIONS),
    "two failed": (RAD, *TWO_FAILED),
    "cauda equina": (RAD, CES),
    "infection": (RAD, RED_FLAGS["osteomyelitis"]),
    "warfarin": (RAD, WARFARIN),
}


@pytest.mark.parametrize("orders", [SAME_CODE_SESSION, ONE_SESSION], ids=["same code", "two levels"])
@pytest.mark.parametrize("past", sorted(SESSION_HISTORIES))
def test_order_select_on_one_order_of_a_session_acts_on_that_order_only(
    orders: list[dict[str, Any]], past: str
) -> None:
    """order-select judges the selection: its card names and changes the selected order only (the
    siblings are judged when selected or signed), and the siblings are not counted as sessions."""
    refs = [f"ServiceRequest/{o['id']}" for o in orders]
    for selected in refs:
        hist = history(*SESSION_HISTORIES[past])
        cards = evaluate_orders(inp("order-select", orders, hist, (selected,)))
        assert cards, (past, selected)
        for card in cards:
            assert card.subject_key == selected
            named = {r for f in (*card.why, *card.basis) for r in f.refs}
            assert not named & (set(refs) - {selected}), (past, selected, card.rule_id)
            for s in card.suggestions:
                for a in s.actions:
                    if a.type == "delete":
                        assert a.resource_id == selected
                    elif a.type == "update":
                        assert a.resource is not None and f"ServiceRequest/{a.resource['id']}" == selected
            assert "session 6" not in card.summary and "session 7" not in card.summary
        assert len(referrals(cards)) <= 1


def test_the_red_flag_card_shows_the_order_and_the_flag_not_a_restatement() -> None:
    """The summary says the order is elective; the card's facts are the order and the red flag that
    holds it, never a bare fragment ("- An elective procedure")."""
    esi = sr("x", "62323", "Lumbar interlaminar epidural injection with imaging guidance")
    for hook in HOOKS:
        card = one(run(hook, [esi], RAD, RED_FLAGS["cauda equina"]), RED_FLAG)
        facts = [ln for ln in render_detail(card).splitlines() if ln.startswith("- ")]
        assert facts[0].startswith("- `ServiceRequest/x` Draft order:"), facts
        assert any(ln.startswith("- `Condition/ces` red flag") for ln in facts), facts
        assert not any("elective" in ln.lower() for ln in facts), facts


# --------------------------------------------------------------------- an implanted device and MRI
@pytest.mark.parametrize("hook", HOOKS)
def test_a_card_that_offers_an_mri_names_the_implanted_stimulator(hook: str) -> None:
    """A plain MRI after surgery is changed to a contrast MRI; with a stimulator implanted, the card
    and the changed order say to confirm its MR-conditional labelling and MRI mode with the implanting
    team before scanning. Without the device, neither says so."""
    facts = (
        proc("ipg", "63685", 900, "Spinal cord stimulator pulse generator implant"),
        proc("lam", "63030", 400, "Discectomy L5-S1"),
        cond("rad", RADICULOPATHY, 60, "Recurrent sciatica"),
    )
    c = one(run(hook, [sr("mri2", "72148", "MRI lumbar w/o")], *facts), "order.mri-postop-contrast")
    device = next(f for f in c.why if f.ref == "Procedure/ipg")
    assert "MR-conditional labelling" in device.text and "implanting team" in device.text
    assert "`Procedure/ipg`" in render_detail(c)
    (s,) = c.suggestions
    notes = [n["text"] for a in s.actions for n in (a.resource or {}).get("note", [])]
    assert any("MR-conditional labelling and MRI mode with the implanting team" in n for n in notes)
    plain = one(run(hook, [sr("mri2", "72148", "MRI lumbar w/o")], *facts[1:]), "order.mri-postop-contrast")
    assert "Procedure/ipg" not in [f.ref for f in plain.why]
    assert not [n for a in plain.suggestions[0].actions for n in (a.resource or {}).get("note", [])
                if "MR-conditional" in n["text"]]  # fmt: skip


# --------------------------------------------------------------------- probe: orders a pain clinic sends
def text_drug(rid: str, text: str, *dose: Any) -> dict[str, Any]:
    """A MedicationRequest sent with only the drug's name (no RxNorm code), as order entry often does."""
    order = mr(rid, "0", text, *dose)
    order["medicationCodeableConcept"] = {"text": text}
    return order


@pytest.mark.parametrize("hook", HOOKS)
def test_moud_renewal_sent_by_name_only_draws_no_opioid_card(hook: str) -> None:
    """Buprenorphine-naloxone film for opioid use disorder, named only in text, is MOUD: no "reassess
    and taper" card (CDC 2022 recommendation 12). An oxycodone order for the same patient, named only
    in text, is still an opioid beside MOUD."""
    oud = cond("oud", "F11.20", 300, "Opioid use disorder, moderate")
    film = text_drug("b", "Buprenorphine-naloxone 8 mg-2 mg sublingual film", 1, "{film}", 2)
    assert run(hook, [film], RAD, oud) == []
    on_moud = replace(
        med("m", "1819", "Buprenorphine 8 mg / naloxone 2 mg sublingual film", 200),
        ingredient_codings=(Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "1819", "buprenorphine"),),
    )
    oxy = text_drug("o", "Oxycodone 5 mg tablet every 6 hours as needed", 5, "mg", 4)
    assert "order.opioid-with-moud" in rules(run(hook, [oxy], RAD, oud, on_moud))


def _visit(text: str, status: str = "finished") -> Any:
    from hooks.facts import EncounterFact

    return EncounterFact("Encounter/psy", status, TODAY.replace(month=9), text=text)


@pytest.mark.parametrize(
    ("visit", "warned"),
    [
        ("Psychological evaluation for spinal cord stimulator candidacy - cleared", False),
        ("Pre-SCS psych clearance", False),
        ("Psychiatric diagnostic evaluation", False),
        ("Psychotherapy session", True),
        ("Physical therapy re-evaluation", True),
    ],
)
def test_a_psychological_evaluation_recorded_as_a_visit_counts_before_a_stimulator_trial(
    visit: str, warned: bool
) -> None:
    """Clinics record the pre-implant psychological evaluation as an Encounter: the trial order is not
    stopped for an evaluation that was done. A cancelled visit does not count."""
    trial = sr("t", "63650", "Percutaneous spinal cord stimulator trial")
    base = history(RAD, cond("fbss", "M96.1", 400, "Postlaminectomy syndrome"))
    hist = replace(base, encounters=(_visit(visit),))
    cards = evaluate_orders(inp("order-sign", [trial], hist))
    assert ("order.neuromod-psych-eval" in rules(cards)) is warned, visit
    cancelled = replace(base, encounters=(_visit("Psychological evaluation for SCS", "cancelled"),))
    assert "order.neuromod-psych-eval" in rules(evaluate_orders(inp("order-sign", [trial], cancelled)))


@pytest.mark.parametrize("hook", HOOKS)
def test_rfa_after_blocks_whose_relief_is_not_recorded_asks_for_the_relief_not_another_block(
    hook: str,
) -> None:
    """Two medial branch blocks done, their relief not recorded: the card asks for the relief of those
    blocks before ablation (summary, first step, latest block first); it does not recommend a third
    block. With no block at all it still recommends the block."""
    blocks = (
        proc("m1", "64493", 60, "Lumbar medial branch block L4-5 L5-S1"),
        proc("m2", "64493", 30, "Lumbar medial branch block L4-5 L5-S1"),
    )
    order = sr("r", "64635", "Lumbar facet radiofrequency ablation L4-5 L5-S1")
    c = one(run(hook, [order], FACET, *blocks), "order.rfa-no-block")
    dates = f"{blocks[1].performed_text} and {blocks[0].performed_text}"
    assert f"relief after the medial branch blocks of {dates} not recorded" in c.summary
    assert "do the block first" not in c.summary
    detail = render_detail(c)
    step = f"**Next:** Ablate only once ≥ 50 % relief is recorded for the medial branch blocks of {dates}"
    assert step in detail
    assert "`Procedure/m2` medial branch block" in detail  # the latest block is the one shown
    assert not any(s.is_recommended for s in c.suggestions)
    none = one(run(hook, [order], FACET), "order.rfa-no-block")
    assert "do the block first" in none.summary
    assert [s.label for s in none.suggestions if s.is_recommended] == [
        "Change to a diagnostic lumbar medial branch block"
    ]
