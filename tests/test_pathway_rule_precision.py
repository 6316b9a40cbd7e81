"""Precision of three pathway rules, on the real §3 assessment (no outcome stated by the test):

- A2 says "pain recurred, a repeat RFA is reasonable" only when the assessment shows the
  recurrence after durable relief — never for relief that still holds or a success with no
  later data.
- S0 warns on radicular pain after lumbar surgery read from leg-pain or site-unspecified scores;
  a back (wound) score alone is not radicular pain.
- F5 ("failed ESI, but the pain looks facet- or SI-joint-mediated") needs pain that is not
  leg-predominant and imaging on record; otherwise the case falls to F4/F3 as the tree goes.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import (
    card_of,
    codes_of,
    cond,
    conservative,
    context,
    obs,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import CardDraft, first_sentence, render_detail
from hooks.facts import ObservationFact
from hooks.pathway.failure import Outcome
from hooks.suggestions import ordered_codes

RFA_CODES = {"64635", "64636", "64625"}
MBB_CODES = {"64493", "64494", "64495"}
SI_BLOCK_CODES = {"27096", "64451", "G0260"}
MRI_PLAIN = "72148"
SPINE_REFERRAL = "183546007"
FACET_MRI = "Bilateral facet arthropathy at L4-5 and L5-S1. No disc herniation and no nerve root compression."
FORBIDDEN_WORDS = ("seed", "decision model", "§")


def sited(o: ObservationFact, site: str) -> ObservationFact:
    return replace(o, body_site_text=site)


def pain(ref: str, value: float, days: int, site: str | None = None) -> ObservationFact:
    o = obs(ref, "pain", value, days)
    return sited(o, site) if site else o


def all_codes(cards: list[CardDraft]) -> set[str]:
    return {code for c in cards for code in codes_of(c)}


def recommended_codes(card: CardDraft) -> set[str]:
    return {code for s in card.suggestions if s.is_recommended for _, code in ordered_codes(s)}


def card_text(card: CardDraft) -> str:
    return "\n".join(
        [card.summary, *card.next_steps, *card.avoid, *card.gaps, *(f.text for f in card.why)]
    ).lower()


def assert_clinician_text_clean(cards: list[CardDraft]) -> None:
    for c in cards:
        text = card_text(c)
        assert not any(w in text for w in FORBIDDEN_WORDS), (c.rule_id, text)


# ---------------------------------------------------------------------------------------------
# A2: repeat RFA only after durable relief and a recurrence
# ---------------------------------------------------------------------------------------------


def facet_rfa(days: int, **kw):  # type: ignore[no-untyped-def]
    return proc(
        "rfa",
        "facet_rfa_lumbar",
        "64635",
        days=days,
        level="L4-L5",
        outcome="procedure_outcome_successful",
        **kw,
    )


def facet() -> object:
    return cond("facet", "facet_mediated_pain", onset=400)


def test_a2_no_repeat_rfa_while_the_ablations_relief_still_holds() -> None:
    """RFA 200 days ago coded successful, pain 7 → 2, still 2 at 6.5 months: nothing recurred, so no
    "worked, then pain recurred" card and no repeat-RFA suggestion."""
    rfa = facet_rfa(200)
    cards = run(facet(), rfa, pain("b", 7, 205), pain("f1", 2, 158), pain("f2", 2, 110), pain("f3", 2, 5))
    assert "A2" not in states(cards)
    assert not all_codes(cards) & RFA_CODES
    assert not any("recurred" in card_text(c) for c in cards)


def test_a2_no_repeat_rfa_for_an_old_success_with_no_later_data() -> None:
    """RFA 3 years ago coded successful, no pain scores at all: a success with no later data is not a
    recurrence — no A2 card and no repeat-RFA suggestion."""
    cards = run(facet(), facet_rfa(1100))
    assert "A2" not in states(cards)
    assert not all_codes(cards) & RFA_CODES


def test_a2_durable_success_with_a_failed_esi_gives_no_repeat_rfa_and_no_block_first_card() -> None:
    """A facet RFA 400 days ago still helps (back pain 7 → 2, 2 at 7 months, 2 today) and a later
    TFESI failed (pain 7 → 7): no A2 (nothing recurred) and no F5 "diagnostic block before any RFA"
    (the ablation already proved the facet pathway)."""
    cards = run(
        radic(500),
        *conservative(480),
        facet(),
        report("mri", MRI_PLAIN, 450, FACET_MRI),
        facet_rfa(400),
        pain("b", 7, 405, "Lower back"),
        pain("f1", 2, 360, "Lower back"),
        pain("f2", 2, 320, "Lower back"),
        pain("d1", 2, 190, "Lower back"),
        proc("esi", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
        pain("eb", 7, 62),
        pain("ef", 7, 30),
        pain("now", 2, 5, "Lower back"),
    )
    assert "A2" not in states(cards)
    assert "F5" not in states(cards)
    assert not all_codes(cards) & RFA_CODES


def test_a2_still_fires_when_the_pain_came_back_after_durable_relief() -> None:
    """7 → 2 at 6-12 weeks, still 3 at 6-6.5 months, pain back to 7 at 10 months: A2 info naming the
    recurrence, with the repeat RFA at the same level recommended."""
    rfa = facet_rfa(320)
    cards = run(
        facet(),
        rfa,
        pain("b", 7, 322),
        pain("f1", 2, 280),
        pain("f2", 2, 240),
        pain("d1", 3, 140),
        pain("d2", 3, 120),
        pain("now", 7, 5),
    )
    c = card_of(cards, "A2")
    assert c.indicator == "info"
    assert "Procedure/rfa" in refs_of(c) and "Observation/now" in refs_of(c)
    assert any("pain back to 7/10" in f.text for f in c.why)
    assert "64635" in recommended_codes(c)
    assert_clinician_text_clean(cards)


# ---------------------------------------------------------------------------------------------
# S0: radicular pain after surgery is leg (or site-unspecified) pain, not wound pain
# ---------------------------------------------------------------------------------------------


def discectomy(days: int = 10):  # type: ignore[no-untyped-def]
    return proc("disc", "prior_lumbar_spine_surgery", "63030", days=days, level="L5-S1")


def test_s0_back_pain_after_surgery_with_settled_leg_pain_is_info_not_a_warning() -> None:
    """10 days after a microdiscectomy: back (wound) pain 5, leg pain 1. The leg pain has settled: S0
    stays (never silence) but as info, and no score is cited as pain after surgery."""
    cards = run(
        radic(200),
        discectomy(),
        pain("back", 5, 7, "Lower back"),
        pain("leg", 1, 7, "Left leg"),
    )
    c = card_of(cards, "S0")
    assert c.indicator == "info"
    assert not any(f.text.startswith("after surgery:") for f in c.why)
    assert "Observation/back" not in refs_of(c)
    assert any("no leg-pain score of 4/10 or more since the operation" in g for g in c.gaps)
    assert_clinician_text_clean(cards)


def test_s0_a_back_score_alone_is_not_radicular_pain() -> None:
    """Only a lower-back score of 6 after the operation: not radicular pain, so info, not a warning."""
    cards = run(radic(200), discectomy(), pain("back", 6, 5, "Lower back"))
    c = card_of(cards, "S0")
    assert c.indicator == "info"
    assert "Observation/back" not in refs_of(c)


def test_s0_a_score_named_for_the_back_is_not_radicular_pain() -> None:
    """A "low back pain" score with no body site of its own names the back all the same."""
    back = replace(obs("back", "pain", 6, 5), text="Low back pain intensity (0-10)")
    c = card_of(run(radic(200), discectomy(), back), "S0")
    assert c.indicator == "info"
    assert "Observation/back" not in refs_of(c)


def test_s0_leg_pain_after_surgery_warns_and_cites_the_leg_score() -> None:
    cards = run(
        radic(200),
        discectomy(),
        pain("back", 3, 7, "Lower back"),
        pain("leg", 6, 7, "Left leg"),
    )
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert "Observation/leg" in refs_of(c) and "Observation/back" not in refs_of(c)
    assert "contact the operating surgeon" in c.summary


def test_s0_a_score_that_names_no_site_still_warns() -> None:
    cards = run(radic(200), discectomy(), pain("nrs", 6, 5))
    c = card_of(cards, "S0")
    assert c.indicator == "warning"
    assert "Observation/nrs" in refs_of(c)


# ---------------------------------------------------------------------------------------------
# F5: axial-predominant pain with imaging on record
# ---------------------------------------------------------------------------------------------


def failed_tfesi_background() -> list:
    """Radicular pain for 200 days, conservative care, a TFESI 60 days ago (its scores add the site)."""
    return [
        radic(200),
        *conservative(180),
        cond("facet", "facet_mediated_pain", onset=1500),
        proc("esi", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
    ]


def test_f5_not_for_leg_predominant_pain_without_imaging() -> None:
    """The probe: failed TFESI, leg pain 8 → 8, no imaging, an old facet code — not "facet-joint
    mediated" pain; the tree goes on to F4, which orders the MRI."""
    cards = run(*failed_tfesi_background(), pain("b", 8, 62, "Left leg"), pain("f", 8, 30, "Left leg"))
    assert "F5" not in states(cards)
    c = card_of(cards, "F4")
    assert MRI_PLAIN in recommended_codes(c)
    assert not codes_of(c) & MBB_CODES
    assert "facet" not in c.summary.lower()
    assert_clinician_text_clean(cards)


def test_f5_not_for_leg_predominant_pain_with_imaging() -> None:
    """Imaging on record (facet arthropathy, no compression), but the leg pain (8) is worse than the
    back pain (4): not facet pain mistaken for radiculopathy — F4, no medial branch block."""
    cards = run(
        *failed_tfesi_background(),
        report("mri", MRI_PLAIN, 100, FACET_MRI),
        pain("b", 8, 62, "Left leg"),
        pain("f", 8, 30, "Left leg"),
        pain("back", 4, 30, "Lower back"),
    )
    assert "F5" not in states(cards)
    assert states(cards)[0] == "F4"
    assert not all_codes(cards) & MBB_CODES


def test_f5_not_without_imaging_even_for_axial_pain() -> None:
    """Back pain 6 → 6 after the TFESI but no lumbar imaging at all: a compressive lesion is not
    excluded, so not F5; F4 recommends the MRI."""
    cards = run(*failed_tfesi_background(), pain("b", 6, 62, "Lower back"), pain("f", 6, 30, "Lower back"))
    assert "F5" not in states(cards)
    c = card_of(cards, "F4")
    assert MRI_PLAIN in recommended_codes(c)
    assert any("no lumbar imaging on record" in g for g in c.gaps)


def test_f5_for_axial_pain_with_imaging() -> None:
    """Back pain 6 → 6 after the TFESI, facet arthropathy on the MRI: F5 with a medial branch block."""
    cards = run(
        *failed_tfesi_background(),
        report("mri", MRI_PLAIN, 100, FACET_MRI),
        pain("b", 6, 62, "Lower back"),
        pain("f", 6, 30, "Lower back"),
    )
    c = card_of(cards, "F5")
    assert c.indicator == "info"
    assert codes_of(c) & MBB_CODES
    # the basis names the imaging F5 now requires
    assert any(f.text.startswith("lumbar imaging on record") for f in c.basis)
    assert "DiagnosticReport/mri" in {r for f in c.basis for r in (f.ref, *f.also) if r}


def test_f5_when_the_back_pain_is_worse_than_the_leg_pain() -> None:
    cards = run(
        *failed_tfesi_background(),
        report("mri", MRI_PLAIN, 100, FACET_MRI),
        pain("b", 7, 62, "Lower back"),
        pain("f", 7, 30, "Lower back"),
        pain("leg", 3, 30, "Left leg"),
    )
    assert "F5" in states(cards)


def test_f5_buttock_pain_is_where_si_joint_pain_refers_not_leg_pain() -> None:
    """SI-joint pain scored at the buttock (as bad as the back): not leg-predominant, F5 with an
    SI-joint block."""
    cards = run(
        radic(210),
        *conservative(190),
        cond("si", "sacroiliac_joint_pain", onset=100),
        report(
            "mri",
            MRI_PLAIN,
            160,
            "Mild disc desiccation L4-5 without disc herniation or nerve root compression.",
        ),
        pain("back", 6, 132, "Lower back"),
        proc("esi", "esi_transforaminal_lumbar", "64483", days=130, level="L5-S1"),
        pain("f1", 6, 110, "Right buttock"),
        pain("f2", 6, 100, "Right buttock"),
    )
    c = card_of(cards, "F5")
    assert codes_of(c) & SI_BLOCK_CODES


def test_n1_a_successful_trial_years_ago_is_no_reason_to_implant_now() -> None:
    """A successful stimulator trial 4 years ago never followed by an implant is history (the patient
    did not go on): no "proceed to a permanent implant"; one 3 weeks ago still gives N1."""
    old = proc("trial", "scs_percutaneous_lead", "63650", days=1460, outcome="procedure_outcome_successful")
    assert "N1" not in states(run(radic(2000), old, pain("now", 6, 3)))
    recent = proc("trial", "scs_percutaneous_lead", "63650", days=21, outcome="procedure_outcome_successful")
    assert "N1" in states(run(radic(2000), recent, pain("now", 6, 3)))


# ---------------------------------------------------------------------------------------------
# A2 after a success recorded without a baseline pain score
# ---------------------------------------------------------------------------------------------


def test_a2_after_a_coded_success_without_a_baseline_when_the_pain_came_back() -> None:
    """RFA 320 days ago coded successful, no pain score before it; pain 2 at 6-12 weeks and 2 at 6.5
    months, 7 now: the recurrence is checked all the same — A2 with the repeat RFA."""
    cards = run(facet(), facet_rfa(320), pain("f1", 2, 270), pain("d1", 2, 125), pain("now", 7, 5))
    c = card_of(cards, "A2")
    assert "Observation/now" in refs_of(c)
    assert any("pain back to 7/10" in f.text for f in c.why)
    assert "64635" in recommended_codes(c)
    assert_clinician_text_clean(cards)


def test_a2_after_a_recorded_relief_without_a_baseline_when_the_pain_came_back() -> None:
    """No outcome code and no baseline score: 80 % relief recorded 8 weeks after the RFA, pain 2 at 6.5
    months, 8 now: A2."""
    rfa = proc("rfa", "facet_rfa_lumbar", "64635", days=320, level="L4-L5")
    relief = obs("relief", "relief_pct", 80, 264, part_of=("Procedure/rfa",))
    cards = run(facet(), rfa, relief, pain("d1", 2, 125), pain("now", 8, 5))
    c = card_of(cards, "A2")
    assert {"Procedure/rfa", "Observation/now"} <= refs_of(c)


def test_no_a2_without_a_baseline_while_the_pain_stays_low() -> None:
    """Coded success, no baseline; pain 2 at 7 months and 3 now: nothing came back, no repeat RFA."""
    cards = run(facet(), facet_rfa(320), pain("d1", 2, 110), pain("now", 3, 5))
    assert "A2" not in states(cards)
    assert not all_codes(cards) & RFA_CODES


def test_no_a2_without_a_baseline_for_a_later_sciatica() -> None:
    """Coded facet RFA success, back pain 2 at 7 months; the later 8/10 is leg pain (sciatica), not the
    facet pain coming back: no A2."""
    cards = run(
        facet(), facet_rfa(320), pain("d1", 2, 110, "Lower back"), pain("leg", 8, 5, "Left leg")
    )
    assert "A2" not in states(cards)
    assert not all_codes(cards) & RFA_CODES


# ---------------------------------------------------------------------------------------------
# the clinician review: imaging, held orders, mimics, agreeing suggestions, F8 counts, claudication
# ---------------------------------------------------------------------------------------------

CONCORDANT_MRI = "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root."
TFESI_CODES = {"64483", "64484"}
ESI_CODES = {"62321", "62322", "62323", "62326", "62327", "64479", "64480", "64483", "64484"}
MILD_CODES = {"0275T", "G0276"}
DDD_XRAY = "Multilevel degenerative disc disease L3-S1. No listhesis."
LF_STENOSIS = "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy."
DECOMPRESSION_MRI = "MRI lumbar spine without contrast if the patient is a candidate for decompression "


def failed_esi_with(*extra: object, outcome: Outcome = Outcome.FAILED) -> list[CardDraft]:
    return run(
        radic(200),
        *conservative(180),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"),
        *extra,
        outcomes={"Procedure/esi-1": outcome},
    )


def test_a_plain_radiograph_is_not_the_imaging_work_up_after_a_failed_esi() -> None:
    """The only imaging is a 72100 radiograph ("multilevel DDD"): it cannot show root compression, so
    F4 recommends the MRI first (as with no imaging) and says only radiographs are on record."""
    cards = failed_esi_with(report("xr", "72100", 150, DDD_XRAY))
    c = card_of(cards, "F4")
    assert recommended_codes(c) == {MRI_PLAIN}
    assert c.next_steps[0].startswith("MRI lumbar spine without contrast first")
    assert "MRI" in c.summary and "re-evaluate with imaging review" not in c.summary
    assert "no MRI or CT; only radiographs" in render_detail(c)
    assert "DiagnosticReport/xr" in refs_of(c)
    assert_clinician_text_clean(cards)


def test_a_radiograph_does_not_count_as_imaging_on_record_for_facet_pain() -> None:
    """Axial pain and a facet code but only radiographs: a compressive lesion is not excluded, so
    not F5 (which needs MRI or CT), F4 with the MRI."""
    cards = run(
        *failed_tfesi_background(),
        report("xr", "72100", 100, "Facet arthropathy L4-5 and L5-S1."),
        pain("b", 6, 62, "Lower back"),
        pain("f", 6, 30, "Lower back"),
    )
    assert "F5" not in states(cards)
    assert MRI_PLAIN in recommended_codes(card_of(cards, "F4"))


def test_an_mri_after_a_radiograph_is_what_the_concordance_is_read_from() -> None:
    cards = failed_esi_with(
        report("xr", "72100", 170, DDD_XRAY), report("mri", MRI_PLAIN, 150, CONCORDANT_MRI)
    )
    assert states(cards)[0] == "F3"


def test_f3_holds_a_pending_repeat_esi_after_one_failed_injection() -> None:
    cards = failed_esi_with(
        report("mri", MRI_PLAIN, 150, CONCORDANT_MRI),
        order("esi-order", "esi_transforaminal_lumbar", "64483"),
    )
    c = card_of(cards, "F3")
    assert c.indicator == "warning"
    held = [f for f in c.why if f.ref == "ServiceRequest/esi-order"]
    assert held and held[0].brief.startswith("hold pending order: ")
    assert c.next_steps[0].startswith("Hold the pending ESI order")
    detail = render_detail(c)
    assert "ServiceRequest/esi-order" in detail and "Hold the pending ESI order" in detail
    assert not all_codes(cards) & ESI_CODES


def test_f3_without_a_pending_order_still_leads_with_the_surgical_referral() -> None:
    c = card_of(failed_esi_with(report("mri", MRI_PLAIN, 150, CONCORDANT_MRI)), "F3")
    assert c.next_steps[0].startswith("Refer to a spine surgeon")
    assert not any(f.ref and f.ref.startswith("ServiceRequest/") for f in c.why)


def test_f6_with_arterial_claudication_offers_no_spine_procedure_and_shows_the_failed_esi() -> None:
    cards = run(
        cond("sten", "neurogenic_claudication", onset=400),
        radic(days=400),
        *conservative(380),
        report("mri", MRI_PLAIN, 300, LF_STENOSIS),
        proc("esi-1", "esi_image_guided", "62323", days=90, level="L4-L5"),
        cond("pad", "mimic_arterial_claudication", "I70.21", onset=300),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F6")
    assert not codes_of(c) & MILD_CODES, "exclude PAD first: no MILD order on the card"
    assert recommended_codes(c) == set()
    detail = render_detail(c)
    assert "Procedure/esi-1" in detail, "the failed ESI that fired the card is shown"
    assert "ankle-brachial index" in detail and "in the EHR" in detail
    assert "Spinal stenosis" not in detail


def test_p1_mimic_line_before_any_spine_procedure_when_there_has_been_none() -> None:
    cards = run(radic(days=60), *conservative(55), cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900))
    c = card_of(cards, "P1")
    assert c.next_steps[0].startswith("Before any spine procedure, exclude hip osteoarthritis")
    assert "next spine procedure" not in card_text(c)
    assert "order it in the EHR" in render_detail(c)


def test_f4_hip_mimic_card_says_where_the_radiograph_is_ordered() -> None:
    c = card_of(
        failed_esi_with(
            report("mri", MRI_PLAIN, 150, CONCORDANT_MRI),
            cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900),
        ),
        "F4",
    )
    # in the sentence the card shows (a short card may drop the clause, never the test)
    assert "hip radiograph — order it in the EHR" in first_sentence(c.next_steps[0])
    assert "hip radiograph" in render_detail(c)
    assert recommended_codes(c) == set()


def p1_with_mri(*extra: object) -> CardDraft:
    cards = run(radic(60), *conservative(55), report("mri", MRI_PLAIN, 20, CONCORDANT_MRI), *extra)
    return card_of(cards, "P1")


def test_p1_with_a_concordant_mri_recommends_the_injection_its_first_step_proposes() -> None:
    c = p1_with_mri()
    assert c.next_steps[0].startswith("Consider an image-guided")
    assert recommended_codes(c) & TFESI_CODES
    assert SPINE_REFERRAL not in recommended_codes(c)


def test_p1_already_referred_with_a_concordant_mri_still_offers_the_injection() -> None:
    c = p1_with_mri(order("ref", "referral_spine_surgery", status="completed", authored=10))
    assert c.next_steps[0].startswith("Consider an image-guided")
    assert recommended_codes(c) & TFESI_CODES


def test_p1_with_an_mri_that_does_not_show_the_lesion_leads_with_the_referral() -> None:
    cards = run(radic(60), *conservative(55), report("mri", MRI_PLAIN, 20, FACET_MRI))
    c = card_of(cards, "P1")
    assert c.next_steps[0].startswith("Refer to a spine specialist")
    assert recommended_codes(c) == {SPINE_REFERRAL}


def test_p1_neurogenic_claudication_asks_for_mri_for_decompression_not_for_an_epidural() -> None:
    cards = run(
        cond("sten", "neurogenic_claudication", "M48.062", onset=56),
        radic(56),
        *conservative(50),
    )
    c = card_of(cards, "P1")
    first = c.next_steps[0]
    assert first.startswith(DECOMPRESSION_MRI)
    assert "physiotherapy" in first and "epidural injection or surgery" not in first
    assert not all_codes(cards) & ESI_CODES


def tfesi_at(ref: str, days: int, level: str) -> object:
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level)


def test_f8_does_not_count_an_injection_at_another_level_as_a_failed_repeat() -> None:
    """L4-5 then L5-S1 (the MRI shows L5-S1), both failed: one failed trial at the target, not two."""
    cards = run(
        radic(300),
        *conservative(280),
        report("mri", MRI_PLAIN, 250, CONCORDANT_MRI),
        tfesi_at("esi-1", 150, "L4-L5"),
        tfesi_at("esi-2", 70, "L5-S1"),
        order("esi-order", "esi_transforaminal_lumbar", "64483"),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED},
    )
    assert "F8" not in states(cards)
    assert states(cards)[0] == "F3"


def test_f8_names_every_injection_it_counts() -> None:
    """Two failed TFESIs, a working stimulator implanted since and a new ESI order: the summary's
    "2 ESIs" is shown as both injections, beside the order and the stimulator."""
    cards = run(
        radic(900),
        *conservative(880),
        report("mri", MRI_PLAIN, 850, CONCORDANT_MRI),
        tfesi_at("esi-1", 800, "L5-S1"),
        tfesi_at("esi-2", 720, "L5-S1"),
        proc("scs-1", "scs_permanent_system", "63685", days=400),
        order("esi-order", "esi_transforaminal_lumbar", "64483"),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED},
    )
    c = card_of(cards, "F8")
    assert "after 2 ESIs without benefit" in c.summary
    detail = render_detail(c)
    assert "ServiceRequest/esi-order" in detail
    assert "Procedure/esi-1" in detail and "Procedure/esi-2" in detail


def test_f8_partial_relief_is_not_called_without_benefit() -> None:
    cards = run(
        radic(300),
        *conservative(280),
        report("mri", MRI_PLAIN, 250, CONCORDANT_MRI),
        tfesi_at("esi-1", 150, "L5-S1"),
        tfesi_at("esi-2", 70, "L5-S1"),
        order("esi-order", "esi_transforaminal_lumbar", "64483"),
        outcomes={"Procedure/esi-1": Outcome.PARTIAL, "Procedure/esi-2": Outcome.PARTIAL},
    )
    c = card_of(cards, "F8")
    assert "without benefit" not in card_text(c)
    assert "partial relief only" in c.summary


def test_a_condition_named_mid_sentence_loses_its_capital() -> None:
    ctx = context(cond("si", "sacroiliac_joint_pain", "M46.1"))
    c = ctx.conditions("sacroiliac_joint_pain")[0]
    assert ctx.cond_fact(c, "pain generator: ").brief.startswith("pain generator: sacroiliitis")
    assert ctx.cond_fact(c).brief.startswith("Sacroiliitis")


# ---------------------------------------------------------------------------------------------
# Pain-clinic probes: what the card shows must carry the deciding facts; no silent or duplicate advice
# ---------------------------------------------------------------------------------------------


def test_s2_shows_the_mri_that_found_the_recurrence_beside_a_long_coded_operation() -> None:
    """Recurrent herniation 8 months after a microdiscectomy coded by its CPT descriptor: the long
    descriptor must not crowd out the contrast MRI that decides the card."""
    cards = run(
        proc("mdx", "lumbar_decompression_discectomy", "63030", days=240, level="L5-S1"),
        radic(30),
        pain("p", 8, 3),
        report(
            "mri",
            "72158",
            10,
            "Recurrent left paracentral disc extrusion at L5-S1, non-enhancing, compressing the left S1 "
            "nerve root. Postoperative enhancing granulation tissue.",
        ),
    )
    detail = render_detail(card_of(cards, "S2"))
    assert "DiagnosticReport/mri" in detail and "recurrent" in detail.lower()
    assert "Procedure/mdx" in detail and "Laminotomy" in detail


def test_p2_shows_that_no_referral_is_on_record() -> None:
    """80-year-old with neurogenic claudication for 13 months, physiotherapy, an NSAID and an MRI but
    no referral: the card's reason — not yet referred — is among the facts shown."""
    cards = run(
        cond("sten", "neurogenic_claudication", "M48.062", onset=400),
        *conservative(300),
        report("mri", MRI_PLAIN, 200, "Severe central canal stenosis at L4-5, flavum hypertrophy."),
        pain("p", 7, 3),
    )
    detail = render_detail(card_of(cards, "P2"))
    assert "no spine or pain specialist referral" in detail


def test_p1_does_not_offer_an_esi_already_ordered_and_asks_for_its_baseline() -> None:
    """Concordant MRI and a TFESI already ordered: the card names the order, asks for the baseline
    NRS/ODI, and does not offer (let alone pre-select) a second ESI order."""
    cards = run(
        radic(70),
        *conservative(65),
        report("mri", MRI_PLAIN, 20, CONCORDANT_MRI),
        order("esi-order", "esi_transforaminal_lumbar", "64483"),
    )
    c = card_of(cards, "P1")
    assert not codes_of(c) & {"64483", "62323"}
    assert "already ordered" in c.next_steps[0] and "baseline" in first_sentence(c.next_steps[0])
    assert "ESI ordered" in c.summary
    assert "ServiceRequest/esi-order" in render_detail(c)


def test_an_explanted_stimulator_does_not_silence_the_pathway() -> None:
    """Two failed TFESIs, then a stimulator implanted and explanted for infection two years ago; leg
    pain 8/10 now. The stimulator is out: the pathway card speaks again and never calls it helping."""
    cards = run(
        radic(1500),
        *conservative(1400),
        report("mri", MRI_PLAIN, 1300, CONCORDANT_MRI),
        tfesi_at("esi-1", 1200, "L5-S1"),
        tfesi_at("esi-2", 1100, "L5-S1"),
        proc("scs-t", "scs_percutaneous_lead", "63650", days=1000),
        proc("scs", "scs_permanent_system", "63685", days=950),
        proc("explant", "scs_lead_removal", "63661", days=750),
        pain("p", 8, 3),
        outcomes={
            "Procedure/esi-1": Outcome.FAILED,
            "Procedure/esi-2": Outcome.FAILED,
            "Procedure/scs-t": Outcome.SUCCESS,
        },
    )
    assert cards, "an explanted stimulator left the patient with no card"
    assert not any("still helping" in card_text(c) or "stimulator in place" in card_text(c) for c in cards)


def test_score_facts_give_the_date_when_the_score_has_no_date_text() -> None:
    """A score dated only by effective[x] (no text as written) is shown with its date, never "None"."""
    cards = run(
        radic(200),
        *conservative(180),
        report("mri", MRI_PLAIN, 150, CONCORDANT_MRI),
        tfesi_at("esi-1", 16, "L5-S1"),
        pain("b", 8, 18),
        pain("f", 8, 1),
    )
    text = "\n".join(f.text for c in cards for f in c.why)
    assert "baseline pain 8/10 on" in text
    assert "None" not in text
