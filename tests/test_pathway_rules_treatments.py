"""Truth tables for the treatment states: after epidural injections (F0–F8), after lumbar surgery
(S1–S4), stimulation (N1–N3, L1) and ablation (A1–A2), with §3 outcomes stated by the test."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import (
    card_of,
    codes_of,
    cond,
    conservative,
    obs,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import render_detail, render_full
from hooks.pathway.failure import Outcome
from hooks.suggestions import ordered_codes

ESI_CODES = {"62322", "62323", "62326", "62327", "64483", "64484"}
RFA_CODES = {"64635", "64636", "64625"}
SCS_PERMANENT = {"63685", "63655"}
FUSION = {"22612", "22614", "22630", "22632", "22633", "22634", "22558"}
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
DISCORDANT = "Mild multilevel degenerative disc disease without nerve root compression."


def tfesi(ref: str, days: int, level: str = "L5-S1", **kw):  # type: ignore[no-untyped-def]
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level, **kw)


def blind(ref: str, days: int):  # type: ignore[no-untyped-def]
    return proc(ref, "esi_without_image_guidance", "62322", days=days, level="L4-L5")


def background(days: int = 150) -> list:
    """A radiculopathy of ``days`` with documented conservative care."""
    return [radic(days=days), *conservative(days - 10)]


# ---------------------------------------------------------------------------------------------
# F0, F1, F2, F8
# ---------------------------------------------------------------------------------------------


def test_f0_esi_six_days_ago_is_too_early_and_never_refractory() -> None:
    """The real §3 inference calls a 6-day-old injection PENDING: info only, no escalation."""
    cards = run(
        *background(70),
        report("mri", "72148", 25, CONCORDANT),
        obs("nrs-1", "pain", 7, 8),
        tfesi("esi-1", 6),
        obs("nrs-2", "pain", 6, 3),
    )
    assert states(cards) == ["F0"]
    c = cards[0]
    assert c.indicator == "info" and not c.suggestions
    # the outcome window has not opened: nothing is missing yet, the next step says when to record it
    assert not c.gaps and c.next_steps[0].startswith("Record the leg-pain score")


def test_f0_records_an_undocumented_outcome_instead_of_guessing() -> None:
    """One proxy alone (POSSIBLE_FAILED) earns only the 'record the outcome' card."""
    for outcome in (Outcome.POSSIBLE_FAILED, Outcome.UNKNOWN):
        cards = run(
            *background(),
            report("mri", "72148", 90, CONCORDANT),
            tfesi("esi-1", 60),
            outcomes={"Procedure/esi-1": outcome},
        )
        assert states(cards) == ["F0"], outcome
        c = cards[0]
        # said once in the summary and once as the next step, not a third time as "Not recorded"
        assert "is not recorded" in c.summary and c.next_steps[0].startswith("Record leg-pain NRS and ODI")
        assert not any("outcome" in g for g in c.gaps)


@pytest.mark.parametrize("outcome", [Outcome.SUCCESS, Outcome.RESPONDER, Outcome.RESPONDED_THEN_RECURRED])
def test_f1_a_worked_injection_is_not_a_failure(outcome: Outcome) -> None:
    cards = run(
        *background(330),
        report("mri", "72148", 290, CONCORDANT),
        tfesi("esi-1", 240),
        outcomes={"Procedure/esi-1": outcome},
    )
    assert states(cards) == ["F1"]
    c = cards[0]
    assert c.indicator == "info"
    assert "64483" in codes_of(c)
    assert not codes_of(c) & (SCS_PERMANENT | RFA_CODES | {"63650", "62322"})


def test_f1_offers_no_repeat_when_the_yearly_limit_is_reached() -> None:
    """At four sessions in 12 months the frequency limit wins: F8, no fifth injection."""
    esis = [tfesi(f"esi-{i}", d) for i, d in enumerate((340, 250, 160, 70), start=1)]
    outcomes = {e.ref: Outcome.RESPONDER for e in esis}
    cards = run(*background(400), report("mri", "72148", 380, CONCORDANT), *esis, outcomes=outcomes)
    assert states(cards) == ["F8"]
    assert not codes_of(cards[0]) & ESI_CODES


def test_f2_blind_injections_are_an_inadequate_trial() -> None:
    cards = run(*background(), blind("esi-1", 70), outcomes={"Procedure/esi-1": Outcome.FAILED})
    assert states(cards) == ["F2"]
    c = cards[0]
    assert c.indicator == "warning"
    assert "72148" in codes_of(c)
    assert not codes_of(c) & ({"62322", "62326"} | SCS_PERMANENT | RFA_CODES | {"63650"})
    assert "Procedure/esi-1" in refs_of(c)


def test_f2_with_mri_on_record_does_not_order_another() -> None:
    cards = run(
        *background(),
        report("mri", "72148", 100, CONCORDANT),
        blind("esi-1", 70),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F2"] and "72148" not in codes_of(cards[0])


def test_f2_a_blind_injection_that_worked_is_f1() -> None:
    cards = run(
        *background(), blind("esi-1", 200), outcomes={"Procedure/esi-1": Outcome.RESPONDED_THEN_RECURRED}
    )
    assert states(cards) == ["F1"]


def test_f2_injection_at_a_level_that_misses_the_lesion() -> None:
    """A failed TFESI at L3-L4 when the MRI shows the lesion at L5-S1 is not a real trial."""
    cards = run(
        *background(),
        report("mri", "72148", 100, CONCORDANT),
        tfesi("esi-1", 60, level="L3-L4"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F2"]
    c = cards[0]
    assert "64483" in codes_of(c)  # a diagnostic SNRB to settle the level
    assert "level does not match" in render_full(c)


def test_f8_two_consecutive_failures_stop_the_injections() -> None:
    cards = run(
        *background(200),
        report("mri", "72148", 180, CONCORDANT),
        tfesi("esi-1", 150),
        tfesi("esi-2", 70),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.PARTIAL},
    )
    assert states(cards) == ["F8"]
    c = cards[0]
    assert c.indicator == "warning" and not codes_of(c) & ESI_CODES
    assert {"Procedure/esi-1", "Procedure/esi-2"} <= refs_of(c)


def test_f8_names_a_pending_injection_order() -> None:
    cards = run(
        *background(200),
        report("mri", "72148", 180, DISCORDANT),
        tfesi("esi-1", 150),
        tfesi("esi-2", 70),
        order("esi-order", "esi_transforaminal_lumbar", "64483"),
        cond("dm", "alternative_or_mimicking_diagnoses", "E11.42"),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED},
    )
    c = card_of(cards, "F8")
    assert "ServiceRequest/esi-order" in refs_of(c)


# ---------------------------------------------------------------------------------------------
# F3–F7
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "referred", "indicator"),
    [(150, False, "warning"), (150, True, "info"), (77, False, "info")],
)
def test_f3_concordant_lesion_truth_table(days: int, referred: bool, indicator: str) -> None:
    facts = [*background(days), report("mri", "72148", days - 25, CONCORDANT), tfesi("esi-1", 40)]
    if referred:
        facts.append(order("ref", "referral_spine_surgery", status="completed", authored=10))
    cards = run(*facts, outcomes={"Procedure/esi-1": Outcome.FAILED})
    assert states(cards) == ["F3"]
    c = cards[0]
    assert c.indicator == indicator
    assert {"Procedure/esi-1", "DiagnosticReport/mri"} <= refs_of(c)
    assert not codes_of(c) & (ESI_CODES | FUSION | RFA_CODES | {"63650"})
    if not referred:
        assert "183546007" in codes_of(c)
    assert any(x.topic == "Fusion" for x in c.conflicts)


def test_f3_without_a_stated_level_offers_a_diagnostic_snrb() -> None:
    cards = run(
        *background(),
        report("mri", "72148", 110, CONCORDANT),
        tfesi("esi-1", 60, level=None),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert "64483" in codes_of(card_of(cards, "F3"))


def test_f3_falls_back_to_a_disc_with_radiculopathy_diagnosis_when_the_report_is_unclear() -> None:
    cards = run(
        cond("radic-1", "disc_herniation_with_radiculopathy", "M51.17", onset=150),
        *conservative(140),
        report("mri", "72148", 110, "See images."),
        tfesi("esi-1", 60),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F3")
    assert any("review the imaging for a concordant lesion" in g for g in c.gaps)


def test_f4_mimic_or_discordant_imaging_means_re_evaluation() -> None:
    cards = run(
        *background(210),
        cond("dm", "alternative_or_mimicking_diagnoses", "E11.42", onset=3000),
        report("mri", "72148", 170, DISCORDANT),
        tfesi("esi-1", 100),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F4"]
    c = cards[0]
    assert "95910" in codes_of(c)
    assert {"Procedure/esi-1", "Condition/dm"} <= refs_of(c)
    assert not codes_of(c) & {"62322", "62323", "64484", "63030", "63047"}


def test_f4_without_imaging_orders_mri_first() -> None:
    cards = run(*background(100), tfesi("esi-1", 50), outcomes={"Procedure/esi-1": Outcome.FAILED})
    c = card_of(cards, "F4")
    assert "72148" in codes_of(c)
    assert any("no lumbar imaging" in g for g in c.gaps)


@pytest.mark.parametrize(("pending", "indicator"), [(False, "info"), (True, "warning")])
def test_f5_facet_pain_mistaken_for_radicular(pending: bool, indicator: str) -> None:
    facts = [
        *background(200),
        cond("facet", "facet_mediated_pain", "M47.816", onset=90),
        report(
            "mri", "72148", 160, "Bilateral facet arthropathy at L4-5 and L5-S1. No nerve root compression."
        ),
        tfesi("esi-1", 120),
        replace(obs("back", "pain", 6, 90), body_site_text="Lower back"),
    ]
    if pending:
        facts.append(order("esi-order", "esi_transforaminal_lumbar", "64483"))
    cards = run(*facts, outcomes={"Procedure/esi-1": Outcome.FAILED})
    assert states(cards) == ["F5"]
    c = cards[0]
    assert c.indicator == indicator
    assert "64493" in codes_of(c)
    assert not codes_of(c) & (RFA_CODES | ESI_CODES)
    assert ("ServiceRequest/esi-order" in refs_of(c)) is pending
    assert any("Radiofrequency" in x.topic for x in c.conflicts)


def test_f5_yields_to_f3_when_a_concordant_lesion_exists() -> None:
    cards = run(
        *background(200),
        cond("facet", "facet_mediated_pain", "M47.816"),
        report("mri", "72148", 160, CONCORDANT),
        tfesi("esi-1", 120),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F3"]


def test_f6_stenosis_with_neurogenic_claudication() -> None:
    cards = run(
        cond("sten", "neurogenic_claudication", onset=400),
        radic(days=400),
        *conservative(380),
        report(
            "mri", "72148", 300, "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy."
        ),
        proc("esi-1", "esi_image_guided", "62323", days=90, level="L4-L5"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F6"]
    c = cards[0]
    assert "183546007" in codes_of(c) and not codes_of(c) & (ESI_CODES | FUSION)
    assert any("claudication" in x.topic for x in c.conflicts)
    assert "ligamentum flavum" in render_full(c)
    assert "0275T" in codes_of(c), "MILD is offered for ligamentum-flavum stenosis without instability"


def test_f7_no_surgical_target_chronic_pain() -> None:
    cards = run(
        *background(330),
        report("mri", "72148", 130, "Interval resorption. No residual nerve root compression."),
        tfesi("esi-1", 270),
        tfesi("esi-2", 180),
        order(
            "ref",
            "referral_spine_surgery",
            status="completed",
            authored=125,
            notes=("Seen by spine surgery: no surgical target; multidisciplinary pain management.",),
        ),
        obs("nrs", "pain", 7, 4),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED},
    )
    assert states(cards) == ["F7"]
    c = cards[0]
    assert {"90791", "308459004"} <= codes_of(c)
    assert not codes_of(c) & (ESI_CODES | SCS_PERMANENT | FUSION)
    assert any("neuropathic" in x.topic.lower() or "Gabapentinoids" in x.topic for x in c.conflicts)


def test_f7_needs_six_months_and_real_pain() -> None:
    """With NRS 3 the same history is not F7 (repeated failures → F8 instead)."""
    cards = run(
        *background(330),
        report("mri", "72148", 130, DISCORDANT),
        tfesi("esi-1", 270),
        tfesi("esi-2", 180),
        order(
            "ref", "referral_spine_surgery", status="completed", authored=125, notes=("no surgical target",)
        ),
        obs("nrs", "pain", 3, 4),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED},
    )
    assert states(cards) == ["F8"]


def test_refractory_without_documented_conservative_care_says_so() -> None:
    cards = run(
        radic(days=150),
        report("mri", "72148", 110, CONCORDANT),
        tfesi("esi-1", 60),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert any("conservative care" in g for g in card_of(cards, "F3").gaps)


def test_a_diagnostic_nerve_root_block_is_not_an_esi() -> None:
    cards = run(
        *background(100),
        tfesi("snrb-1", 30, notes=("Diagnostic selective nerve root block, lidocaine only",)),
    )
    # no ESI yet: still the persistent-pain state; the block was done by a specialist, so P1, never
    # P2's "not yet referred"
    assert states(cards) == ["P1"]


# ---------------------------------------------------------------------------------------------
# S1–S4
# ---------------------------------------------------------------------------------------------


def discectomy(days: int = 400):  # type: ignore[no-untyped-def]
    return proc("disc-1", "lumbar_decompression_discectomy", "63030", days=days, level="L5-S1")


def test_s1_new_pain_after_surgery_asks_for_contrast_mri() -> None:
    cards = run(discectomy(), radic(days=35))
    assert states(cards) == ["S1"]
    c = cards[0]
    assert c.indicator == "info"
    assert "72158" in codes_of(c) and "72148" not in codes_of(c)
    assert "Procedure/disc-1" in refs_of(c)


def test_s1_warns_when_only_a_plain_mri_is_ordered() -> None:
    cards = run(discectomy(500), radic(days=120), order("mri-order", "mri_lumbar_without_contrast"))
    c = card_of(cards, "S1")
    assert c.indicator == "warning" and "ServiceRequest/mri-order" in refs_of(c)


def test_s1_replaces_the_pending_plain_mri_order_in_the_same_click() -> None:
    """Accepting the contrast MRI must leave one MRI order, not the plain one beside it: the one
    suggestion removes the pending non-contrast order and creates 72158."""
    cards = run(discectomy(500), radic(days=120), order("mri-order", "mri_lumbar_without_contrast"))
    c = card_of(cards, "S1")
    (mri,) = [s for s in c.suggestions if ("http://www.ama-assn.org/go/cpt", "72158") in ordered_codes(s)]
    assert mri.is_recommended
    assert [(a.type, a.resource_id) for a in mri.actions if a.type != "create"] == [
        ("delete", "ServiceRequest/mri-order")
    ]
    assert [a.type for a in mri.actions].count("create") == 1
    # no other suggestion creates a second MRI
    assert sum("72158" in {code for _, code in ordered_codes(s)} for s in c.suggestions) == 1


def test_s1_without_a_pending_plain_mri_only_creates_the_contrast_mri() -> None:
    c = card_of(run(discectomy(), radic(days=35)), "S1")
    assert all(a.type == "create" for s in c.suggestions for a in s.actions)


def test_s1_does_not_fire_in_the_early_post_operative_weeks() -> None:
    """Within 3 months of the operation the card is S0 (contact the operating surgeon), never silence."""
    assert states(run(discectomy(30), radic(days=20))) == ["S0"]


def test_s_branch_is_taken_for_m96_1_without_a_procedure() -> None:
    cards = run(cond("fbss", "postlaminectomy_syndrome_fbss", onset=600))
    assert states(cards) == ["S1"]


def test_s2_recurrent_herniation() -> None:
    rep = report(
        "mri",
        "72158",
        30,
        "Non-enhancing recurrent right paracentral disc extrusion at L4-5 compressing the "
        "traversing right L5 nerve root; thin enhancing granulation tissue only.",
    )
    cards = run(
        discectomy(420),
        radic(days=120),
        rep,
        cond("annulus", "annulus_fibrosus_defect_post_discectomy", "M51.A2", onset=30),
    )
    assert states(cards) == ["S2"]
    c = cards[0]
    assert c.indicator == "warning"
    assert "DiagnosticReport/mri" in refs_of(c) and "183546007" in codes_of(c)
    assert not codes_of(c) & (SCS_PERMANENT | {"63650"} | FUSION | ESI_CODES)


def test_s3_fibrosis_without_target() -> None:
    rep = report(
        "mri",
        "72158",
        60,
        "Enhancing epidural fibrosis encasing the left S1 root. No recurrent disc "
        "herniation. No instability.",
    )
    cards = run(
        proc("lam", "lumbar_decompression_discectomy", "63047", days=800),
        cond("fbss", "postlaminectomy_syndrome_fbss", onset=600),
        radic(days=600),
        rep,
        obs("nrs", "pain", 7, 10),
    )
    assert states(cards) == ["S3"]
    c = cards[0]
    assert {"DiagnosticReport/mri", "Condition/fbss"} <= refs_of(c)
    assert "90791" in codes_of(c) and not codes_of(c) & (SCS_PERMANENT | FUSION)


def test_s4_instability_with_failed_esi_goes_to_surgery_where_fusion_may_fit() -> None:
    xr = report("xray", "72114", 170, "Anterolisthesis of L4 on L5, 4 mm in extension and 9 mm in flexion.")
    cards = run(
        *background(200),
        cond("spon", "spondylolisthesis_instability", "M43.16", onset=180),
        xr,
        report(
            "mri", "72148", 165, "Severe right foraminal stenosis at L4-5 compressing the exiting L4 root."
        ),
        tfesi("esi-1", 110, level="L4-L5"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["S4"]
    c = cards[0]
    assert c.indicator == "warning"
    assert {"Condition/spon", "DiagnosticReport/xray"} <= refs_of(c)
    assert "183546007" in codes_of(c) and not codes_of(c) & ({"0275T"} | RFA_CODES | ESI_CODES)


def test_s4_without_dynamic_films_offers_them() -> None:
    cards = run(
        *background(200),
        cond("spon", "spondylolisthesis_instability", "M43.16"),
        report("mri", "72148", 165, CONCORDANT),
        tfesi("esi-1", 110),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert "72114" in codes_of(card_of(cards, "S4"))


# ---------------------------------------------------------------------------------------------
# N1–N3, L1
# ---------------------------------------------------------------------------------------------


def chronic(days: int = 900) -> list:
    return [
        *background(days),
        report("mri", "72148", days - 60, DISCORDANT),
        tfesi("esi-1", days - 100),
        tfesi("esi-2", days - 180),
        order(
            "ref",
            "referral_spine_surgery",
            status="completed",
            authored=days - 240,
            notes=("Seen by spine surgery: no surgical target.",),
        ),
    ]


FAILED_ESIS = {"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED}


def trial(ref: str, days: int, text: str = "Spinal cord stimulator trial, percutaneous leads"):  # type: ignore[no-untyped-def]
    return proc(ref, "scs_percutaneous_lead", days=days, text=text)


def test_n1_successful_trial_leads_to_the_permanent_implant_and_hides_old_f_states() -> None:
    cards = run(
        *chronic(), trial("trial-1", 12), outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.SUCCESS}
    )
    assert states(cards) == ["N1"]
    assert codes_of(cards[0]) & SCS_PERMANENT


def test_n2_failed_trial_never_implants() -> None:
    cards = run(
        *chronic(),
        trial("trial-1", 25),
        order("ipg", "scs_permanent_system"),
        outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.FAILED},
    )
    assert states(cards) == ["N2"]
    c = cards[0]
    assert c.indicator == "warning"
    assert not codes_of(c) & (SCS_PERMANENT | {"62350", "62351", "62360", "62361", "62362"})
    assert "ServiceRequest/ipg" in refs_of(c)


def test_l1_when_stimulation_is_exhausted_and_there_is_no_target() -> None:
    cards = run(
        *chronic(1000),
        trial("trial-1", 330),
        trial("drg-1", 150, text="Dorsal root ganglion stimulator trial, left L5 and S1"),
        outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.FAILED, "Procedure/drg-1": Outcome.FAILED},
    )
    assert states(cards) == ["L1"]
    c = cards[0]
    assert {"Procedure/trial-1", "Procedure/drg-1"} <= refs_of(c)
    assert "90791" in codes_of(c) and not codes_of(c) & (SCS_PERMANENT | {"63650"})


def test_l1_is_not_reached_three_weeks_after_a_first_failed_trial() -> None:
    cards = run(
        *chronic(), trial("trial-1", 21), outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.FAILED}
    )
    assert states(cards) == ["N2"]


def test_n1_record_card_when_the_trial_outcome_is_missing() -> None:
    cards = run(
        *chronic(), trial("trial-1", 30), outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.UNKNOWN}
    )
    c = card_of(cards, "N1")
    assert c.indicator == "info" and not c.suggestions and c.gaps


def test_n3_implant_losing_effect() -> None:
    cards = run(
        *chronic(1100),
        obs("nrs-0", "pain", 8, 525),
        trial("trial-1", 520),
        proc("ipg", "scs_permanent_system", "63685", days=450),
        obs("nrs-1", "pain", 3, 400),
        obs("nrs-2", "pain", 2, 300),
        obs("nrs-3", "pain", 6, 60),
        obs("nrs-4", "pain", 8, 6),
        outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.SUCCESS},
    )
    assert states(cards) == ["N3"]
    c = cards[0]
    assert "Procedure/ipg" in refs_of(c)
    assert not codes_of(c) & {"63661", "63662", "63688"}


def test_n3_stays_silent_while_the_implant_works() -> None:
    cards = run(
        *chronic(1100),
        trial("trial-1", 520),
        proc("ipg", "scs_permanent_system", "63685", days=450),
        obs("nrs-1", "pain", 3, 400),
        obs("nrs-2", "pain", 3, 6),
        outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.SUCCESS},
    )
    assert "N3" not in states(cards)


def test_n3_compares_leg_pain_with_leg_pain() -> None:
    """Leg pain 8 before the trial, 2-3 since the implant; back pain 6 today is not the leg pain
    coming back (the relief scored on the day of the implant is not its baseline either)."""
    leg = {"body_site_text": "Left leg"}
    base = (
        *chronic(1100),
        replace(obs("nrs-0", "pain", 8, 525), **leg),
        trial("trial-1", 520),
        proc("ipg", "scs_permanent_system", "63685", days=450),
        replace(obs("nrs-1", "pain", 2, 400), **leg),
        replace(obs("nrs-2", "pain", 3, 6), **leg),
    )
    outcomes = {**FAILED_ESIS, "Procedure/trial-1": Outcome.SUCCESS}
    back = replace(obs("back", "pain", 6, 5), text="Low back pain")
    assert "N3" not in states(run(*base, back, outcomes=outcomes))
    assert states(run(*base, replace(obs("nrs-3", "pain", 7, 5), **leg), outcomes=outcomes)) == ["N3"]


def test_n3_a_score_from_long_ago_does_not_say_the_stimulator_is_losing_effect_today() -> None:
    """Pain 2 after the implant, then 7 four hundred days ago and nothing since: that score is not
    the pain now (``current_score_days``), so no "losing effect" card today; a current score that
    is up again raises it."""
    base = (
        *chronic(1400),
        obs("nrs-0", "pain", 8, 1000),
        trial("trial-1", 990),
        proc("ipg", "scs_permanent_system", "63685", days=950),
        obs("nrs-1", "pain", 3, 900),
        obs("nrs-2", "pain", 2, 800),
        obs("nrs-3", "pain", 7, 400),
    )
    outcomes = {**FAILED_ESIS, "Procedure/trial-1": Outcome.SUCCESS}
    assert "N3" not in states(run(*base, outcomes=outcomes))
    cards = run(*base, obs("nrs-4", "pain", 7, 10), outcomes=outcomes)
    assert states(cards) == ["N3"]
    assert "Observation/nrs-4" in {r for f in cards[0].why for r in f.refs}


# ---------------------------------------------------------------------------------------------
# A1, A2
# ---------------------------------------------------------------------------------------------


def facet_background() -> list:
    return [
        *background(600),
        cond("facet", "facet_mediated_pain", "M47.816", onset=400),
        report("mri", "72148", 550, "Bilateral facet arthropathy. No nerve root compression."),
        tfesi("esi-1", 500),
        proc("mbb-1", "facet_medial_branch_block_lumbar", "64493", days=300),
    ]


def rfa(ref: str = "rfa-1", days: int = 120, level: str | None = "L4-L5"):  # type: ignore[no-untyped-def]
    return proc(ref, "facet_rfa_lumbar", "64635", days=days, level=level)


def test_a1_failed_ablation_never_repeats_it() -> None:
    cards = run(
        *facet_background(),
        rfa(),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/rfa-1": Outcome.FAILED},
    )
    assert states(cards) == ["A1"]
    c = cards[0]
    assert c.indicator == "info"
    assert "64493" in codes_of(c) and not codes_of(c) & (RFA_CODES | {"64640"} | FUSION)


def test_a1_warns_when_a_repeat_ablation_is_pending_or_done_after_a_failure() -> None:
    pending = run(
        *facet_background(),
        rfa(),
        order("rfa-order", "facet_rfa_lumbar", "64635"),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/rfa-1": Outcome.FAILED},
    )
    assert card_of(pending, "A1").indicator == "warning"
    repeated = run(
        *facet_background(),
        rfa("rfa-1", 200),
        rfa("rfa-2", 60),
        outcomes={
            "Procedure/esi-1": Outcome.FAILED,
            "Procedure/rfa-1": Outcome.FAILED,
            "Procedure/rfa-2": Outcome.PENDING,
        },
    )
    c = card_of(repeated, "A1")
    assert c.indicator == "warning" and "Procedure/rfa-2" in refs_of(c)


def test_a2_ablation_that_wore_off_may_be_repeated() -> None:
    cards = run(
        *facet_background(),
        rfa(days=320),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/rfa-1": Outcome.RESPONDED_THEN_RECURRED},
    )
    assert states(cards) == ["A2"]
    c = cards[0]
    assert "64635" in codes_of(c) and not codes_of(c) & {"63650", "63685"}


def test_ablation_card_hides_the_stale_facet_f_state() -> None:
    cards = run(
        *facet_background(),
        rfa(),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/rfa-1": Outcome.FAILED},
    )
    assert "F5" not in states(cards)


def test_no_rfa_suggestion_for_radicular_states() -> None:
    """Across the radicular F-states no card ever suggests a facet/SI ablation or a gabapentinoid."""
    histories = [
        ([*background(), report("mri", "72148", 110, CONCORDANT), tfesi("esi-1", 60)], Outcome.FAILED),
        ([*background(210), report("mri", "72148", 170, DISCORDANT), tfesi("esi-1", 100)], Outcome.FAILED),
        ([*background(), tfesi("esi-1", 60)], Outcome.RESPONDER),
    ]
    for facts, outcome in histories:
        for c in run(*facts, outcomes={"Procedure/esi-1": outcome}):
            assert not codes_of(c) & (RFA_CODES | {"25480", "187832"}), c.rule_id


def test_f5_si_joint_pain_asks_for_an_si_block_not_a_medial_branch_block() -> None:
    """Sacroiliitis with an MRI that denies compression ("without disc herniation or nerve root
    compression") is SI-joint pain: an SI-joint block, no medial branch block, no ESI."""
    cards = run(
        *background(210),
        cond("si", "sacroiliac_joint_pain", "M46.1", onset=100),
        report(
            "mri",
            "72148",
            160,
            "Mild disc desiccation L4-5 without disc herniation or nerve root "
            "compression. Right sacroiliac joint subchondral oedema.",
        ),
        tfesi("esi-1", 130),
        replace(obs("back", "pain", 6, 100), body_site_text="Right buttock"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F5"]
    c = cards[0]
    assert "27096" in codes_of(c) and "64493" not in codes_of(c)
    assert "SI-joint" in c.summary


def test_f3_a_pain_clinic_referral_is_not_a_surgical_opinion() -> None:
    cards = run(
        *background(150),
        report("mri", "72148", 110, CONCORDANT),
        tfesi("esi-1", 60),
        order("pain", "referral_pain_management", status="completed", authored=100),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F3")
    assert c.indicator == "warning" and "183546007" in codes_of(c)


@pytest.mark.parametrize(
    ("conclusion", "status"),
    [
        (CONCORDANT, "concordant"),
        ("No residual nerve root compression.", "discordant"),
        ("Interval resorption of the L5-S1 disc extrusion compressing the root.", "discordant"),
        (
            "L4-5 bulge without nerve root compression; L5-S1 extrusion compressing the left S1 root.",
            "concordant",
        ),
        ("Mild disc desiccation L4-5 without disc herniation or nerve root compression.", "discordant"),
        ("See images.", "unknown"),
    ],
)
def test_imaging_concordance_reads_negation_clause_by_clause(conclusion: str, status: str) -> None:
    from pathway_builders import context

    ctx = context(radic(days=100), report("mri", "72148", 30, conclusion))
    assert ctx.concordance.status == status


def test_an_old_undocumented_injection_is_history_not_a_documentation_chore() -> None:
    """One image-guided ESI 2 years ago without any recorded outcome: the persistent-pain state
    (naming that injection), not a 'record the outcome' card about it; P1, not P2's "not yet
    referred": whoever gave the injection has seen the patient."""
    cards = run(*background(900), tfesi("esi-1", 730), outcomes={"Procedure/esi-1": Outcome.UNKNOWN})
    assert states(cards) == ["P1"]
    assert "Procedure/esi-1" in refs_of(cards[0])


def test_old_undocumented_trial_or_ablation_gets_no_record_card() -> None:
    old_trial = run(
        *chronic(1500), trial("trial-1", 800), outcomes={**FAILED_ESIS, "Procedure/trial-1": Outcome.UNKNOWN}
    )
    assert "N1" not in states(old_trial)
    old_rfa = run(
        *facet_background(),
        rfa(days=500),
        replace(obs("back", "pain", 6, 30), body_site_text="Lower back"),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/rfa-1": Outcome.UNKNOWN},
    )
    assert "A1" not in states(old_rfa)
    assert "F5" in states(old_rfa), "without an ablation card the injection-based state still speaks"


def test_a_long_free_text_date_never_breaks_the_summary_limit() -> None:
    esi = replace(
        tfesi("esi-1", 6), performed_text="2026-10-27T08:15:00.000+01:00 (theatre 3, late list)" * 2
    )
    cards = run(*background(70), esi)
    assert all(len(c.summary) <= 139 for c in cards)


# ---------------------------------------------------------------------------------------------
# Reviewer findings: an implanted stimulator and MRI, a surgical target before an implant, DRG trials
# ---------------------------------------------------------------------------------------------

MR_SAFETY = "MR-conditional labelling"
MRI_CODES = {"72148", "72149", "72158"}


def _mri_notes(card) -> list[str]:  # type: ignore[no-untyped-def]
    """The notes on every lumbar MRI order the card offers."""
    resources = [a.resource or {} for s in card.suggestions for a in s.actions]
    mri = [r for r in resources if {c.get("code") for c in r.get("code", {}).get("coding", [])} & MRI_CODES]
    return [n["text"] for r in mri for n in r.get("note", [])]


def failed_back_surgery_with_stimulator(latest_pain: float = 3, *, implant_days: int = 300) -> list:
    """Radiculopathy for years; laminectomy ~1000 days ago; SCS trial and implant ~300 days ago;
    pain 8 before the stimulator, 3 after it."""
    return [
        radic(900),
        proc("lam", "lumbar_decompression_discectomy", "63047", days=1000),
        proc("scs-lead", "scs_percutaneous_lead", "63650", days=implant_days),
        proc("ipg", "scs_permanent_system", "63685", days=implant_days),
        obs("p0", "pain", 8, implant_days + 20),
        obs("p1", "pain", 3, implant_days - 100),
        obs("p2", "pain", latest_pain, 20),
    ]


def test_s1_is_silent_while_a_stimulator_implanted_after_the_surgery_still_helps() -> None:
    """Pain 8 → 3 → 3 with a permanent stimulator implanted after the laminectomy: the radicular pain
    after surgery is the stimulator's, not new; no contrast-MRI card (the old code advised one without
    naming the stimulator)."""
    cards = run(*failed_back_surgery_with_stimulator())
    assert "S1" not in states(cards)
    assert not any(codes_of(c) & {"72148", "72158"} for c in cards)


def test_pain_rising_again_under_the_stimulator_is_n3s_card() -> None:
    cards = run(*failed_back_surgery_with_stimulator(latest_pain=8))
    assert states(cards)[0] == "N3"


def test_s1_with_a_stimulator_implanted_before_the_surgery_names_the_device_for_the_mri() -> None:
    """The stimulator predates the operation: S1 still advises the contrast MRI, and the card and the
    MRI order both say to clear the scan against the device's MR labelling first."""
    cards = run(
        radic(900),
        proc("ipg", "scs_permanent_system", "63685", days=1200),
        proc("lam", "lumbar_decompression_discectomy", "63047", days=400),
        obs("p1", "pain", 6, 30),
    )
    c = card_of(cards, "S1")
    assert "72158" in codes_of(c)
    notes = _mri_notes(c)
    assert notes and all(MR_SAFETY in n and "implanting team" in n for n in notes)
    device = next(f for f in c.why if f.ref == "Procedure/ipg")
    assert c.why.index(device) == 1
    detail = render_detail(c)
    assert "`Procedure/ipg`" in detail and MR_SAFETY in detail


def test_an_emergency_mri_with_an_intrathecal_pump_names_the_pump() -> None:
    cards = run(
        radic(30),
        cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2),
        proc("pump", "intrathecal_pump_device", days=400),
    )
    c = card_of(cards, "R1")
    assert any("intrathecal pump" in n and MR_SAFETY in n for n in _mri_notes(c))
    assert "`Procedure/pump`" in render_detail(c)


def test_no_device_note_without_a_device_or_after_the_leads_were_removed() -> None:
    plain = card_of(run(radic(900), proc("lam", "lumbar_decompression_discectomy", "63047", days=400)), "S1")
    assert not _mri_notes(plain)
    removed = card_of(
        run(
            radic(900),
            proc("ipg", "scs_permanent_system", "63685", days=1200),
            proc("explant", "scs_lead_removal", "63661", days=900),
            proc("lam", "lumbar_decompression_discectomy", "63047", days=400),
        ),
        "S1",
    )
    assert not _mri_notes(removed)


def _concordant_with_trial(*extra) -> list:  # type: ignore[no-untyped-def]
    return [
        *background(900),
        report("mri", "72148", 400, "Left paracentral extrusion L5-S1 compressing S1 nerve root."),
        tfesi("esi-1", 300),
        trial("trial-1", 12),
        *extra,
    ]


def test_n1_with_a_concordant_lesion_and_no_surgical_opinion_asks_for_one_first() -> None:
    cards = run(
        *_concordant_with_trial(),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/trial-1": Outcome.SUCCESS},
    )
    c = card_of(cards, "N1")
    assert "surgical opinion" in c.summary
    assert not codes_of(c) & SCS_PERMANENT
    referral = [s for s in c.suggestions if "spine surgeon" in s.label.lower()]
    assert referral and referral[0].is_recommended
    assert "DiagnosticReport/mri" in refs_of(c)


def test_n1_with_a_pending_surgical_referral_waits_for_it_and_offers_no_second_one() -> None:
    cards = run(
        *_concordant_with_trial(order("surg", "referral_spine_surgery", status="active", authored=10)),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/trial-1": Outcome.SUCCESS},
    )
    c = card_of(cards, "N1")
    assert "surgical opinion" in c.summary and not c.suggestions
    assert "ServiceRequest/surg" in refs_of(c)


def test_n1_after_a_surgeon_found_no_target_proceeds_to_the_implant() -> None:
    cards = run(
        *_concordant_with_trial(
            order("surg", "referral_spine_surgery", status="completed", authored=200,
                  notes=("Seen by spine surgery: no surgical target.",)),
        ),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/trial-1": Outcome.SUCCESS},
    )  # fmt: skip
    c = card_of(cards, "N1")
    assert "proceed to permanent implant" in c.summary
    assert codes_of(c) & SCS_PERMANENT


def test_a_drg_trial_is_named_as_such_cites_nacc_drg_and_offers_a_drg_implant() -> None:
    cards = run(
        *chronic(),
        trial("drg-1", 12, text="Dorsal root ganglion stimulator trial, left L5"),
        proc("psy", "psychological_evaluation", days=60),  # evaluated: the implant is the one offer
        outcomes={**FAILED_ESIS, "Procedure/drg-1": Outcome.SUCCESS},
    )
    c = card_of(cards, "N1")
    assert c.summary.startswith("DRG stimulator trial on ") and "Drg" not in c.summary
    assert "nacc_drg_2019" in {g.key for g in c.evidence}
    (s,) = c.suggestions
    assert "DRG" in s.label and "spinal cord" not in s.label.lower()
    assert codes_of(c) <= SCS_PERMANENT  # the generator code a DRG system is billed with; no new code
    failed = run(
        *chronic(),
        trial("drg-1", 12, text="Dorsal root ganglion stimulator trial, left L5"),
        outcomes={**FAILED_ESIS, "Procedure/drg-1": Outcome.FAILED},
    )
    assert any("failed DRG stimulator trial" in a for a in card_of(failed, "L1").avoid)
