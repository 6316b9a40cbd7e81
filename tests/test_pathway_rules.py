"""Truth tables for the gate, the red flags, the early states and the §1.1 precedence, with
hand-built histories (tests/pathway_builders.py) evaluated at a frozen date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pathway_builders import (
    PATIENT,
    ago,
    card_of,
    codes_of,
    cond,
    conservative,
    context,
    encounter,
    med,
    obs,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import CardDraft, render_full
from hooks.facts import ConditionFact
from hooks.pathway.failure import Outcome

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# The gate (§1.1.1) and X1
# ---------------------------------------------------------------------------------------------


def stenosis(note: str) -> ConditionFact:
    return cond("sten", "lumbar_spinal_stenosis", "M48.061", notes=(note,))


@pytest.mark.parametrize(
    ("facts", "open_"),
    [
        ([radic()], True),
        ([radic(verification="refuted")], False),
        ([radic(verification="entered-in-error")], False),
        ([radic(status="resolved")], False),
        ([radic(status="inactive")], False),
        ([radic(abatement=5)], False),
        ([cond("fbss", "postlaminectomy_syndrome_fbss")], True),
        ([cond("sten", "lumbar_spinal_stenosis", "M48.061")], False),
        ([cond("sten", "lumbar_spinal_stenosis", "M48.061", notes=("bilateral leg pain on walking",))], True),
        ([cond("sten", "lumbar_spinal_stenosis", "M48.061", notes=("Back pain. Denies leg pain.",))], False),
        ([cond("sten", "lumbar_spinal_stenosis", "M48.061", notes=("No radiation, no sciatica.",))], False),
        # leg symptoms in words: a leg or foot named with a complaint
        ([stenosis("Numbness and tingling of the left leg.")], True),
        ([stenosis("Both feet go numb after walking.")], True),
        ([stenosis("Denies leg pain or numbness.")], False),
        ([stenosis("Back pain; legs strong.")], False),
        ([cond("sten", "neurogenic_claudication")], True),
        ([cond("disc", "lumbar_disc_displacement_without_radiculopathy")], False),
    ],
)
def test_gate_truth_table(facts: list, open_: bool) -> None:
    """The gate opens only for a current, non-refuted radicular condition, FBSS or stenosis with leg
    symptoms; disc codes, refuted, resolved and abated conditions never open it."""
    assert context(*facts).gate_open is open_


def test_x1_incidental_disc_finding_gives_no_card() -> None:
    """A disc code and an MRI finding without a radicular diagnosis give no card at all (X1)."""
    facts = [
        cond("disc", "lumbar_disc_displacement_without_radiculopathy", onset=40),
        report("mri-1", "72148", 40, "Incidental L4-5 disc bulge without nerve root compression."),
        obs("nrs", "pain", 3, 40),
    ]
    assert run(*facts) == []


def test_onset_falls_back_to_recorded_date_and_takes_the_earliest() -> None:
    """Symptom duration runs from the earliest onset, else recordedDate, of any radicular condition."""
    ctx = context(
        radic(days=20), cond("radic-2", "lumbar_radiculopathy_conditions", "M54.16", onset=None, recorded=50)
    )
    assert ctx.symptom_days == 50
    assert ctx.onset_condition is not None and ctx.onset_condition.ref == "Condition/radic-2"


# ---------------------------------------------------------------------------------------------
# R1 cauda equina
# ---------------------------------------------------------------------------------------------


def test_r1_cauda_equina_code_is_the_only_card() -> None:
    """A cauda equina diagnosis gives one critical card: emergency MRI and surgical assessment, and
    no cross-cutting card beside it even when gabapentin and a positive PHQ-9 are on file."""
    cards = run(
        radic(days=35),
        cond("ces", "red_flag_cauda_equina", onset=1, notes=("New urinary retention and saddle numbness.",)),
        med("gaba", "rx_gabapentinoids"),
        obs("phq", "phq9", 15, 3),
    )
    assert states(cards) == ["R1"]
    c = cards[0]
    assert c.indicator == "critical"
    assert "Condition/ces" in refs_of(c)
    assert {"72148", "183546007"} <= codes_of(c)
    assert "saddle numbness" in render_full(c)


@pytest.mark.parametrize(
    ("symptom", "fires"),
    [
        (cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2), True),
        (cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=14), True),
        (cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=15), False),
        (cond("inc", "red_flag_sphincter_saddle_symptoms", "R32", onset=1000, recorded=1000), False),
        (cond("skin", "red_flag_sphincter_saddle_symptoms", "R20.0", onset=2), False),
        (
            cond(
                "skin", "red_flag_sphincter_saddle_symptoms", "R20.0", onset=2, notes=("saddle anaesthesia",)
            ),
            True,
        ),
        (cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2, verification="refuted"), False),
    ],
)
def test_r1_new_sphincter_or_saddle_symptom_truth_table(symptom, fires: bool) -> None:  # type: ignore[no-untyped-def]
    """Sphincter symptoms are a red flag only when new (≤ 14 days); skin anaesthesia only in a saddle
    distribution; refuted symptoms never."""
    cards = run(radic(days=20), *conservative(19), symptom)
    assert ("R1" in states(cards)) is fires


def test_r1_fires_with_a_disc_code_even_though_the_gate_is_closed() -> None:
    """New urinary retention beside a lumbar disc diagnosis is suspected cauda equina even without a
    radicular code (the model names disc diagnoses for R1)."""
    cards = run(
        cond("disc", "lumbar_disc_displacement_without_radiculopathy"),
        cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=1),
    )
    assert states(cards) == ["R1"]


def test_r1_names_and_holds_a_pending_elective_order() -> None:
    """A booked SCS trial is named on the R1 card so it can be put on hold."""
    cards = run(
        radic(days=700),
        cond("ces", "red_flag_cauda_equina", onset=1),
        order("scs-order", "spinal_cord_stimulation", "63650"),
    )
    c = card_of(cards, "R1")
    assert "ServiceRequest/scs-order" in refs_of(c)
    assert any("on hold" in s for s in c.next_steps)


# ---------------------------------------------------------------------------------------------
# R2 motor deficit
# ---------------------------------------------------------------------------------------------


def test_r2_new_foot_drop_is_critical() -> None:
    cards = run(radic(days=28), cond("drop", "red_flag_motor_deficit", "M21.371", onset=1))
    c = card_of(cards, "R2")
    assert c.indicator == "critical" and states(cards) == ["R2"]
    assert "72148" in codes_of(c) and "183546007" in codes_of(c)


def test_r2_declining_strength_scores_are_critical() -> None:
    """MRC 4/5 falling to 2/5 over serial strength Observations is a progressive deficit."""
    cards = run(radic(days=40), obs("s1", "strength", 4, 30), obs("s2", "strength", 2, 2))
    c = card_of(cards, "R2")
    assert c.indicator == "critical"
    assert {"Observation/s1", "Observation/s2"} <= {r for f in c.why for r in f.refs}


def test_r2_stable_deficit_not_yet_referred_is_a_warning_that_preempts_the_pathway() -> None:
    """A stable foot drop never seen by a surgeon → warning, refer within 2 weeks; no P-card beside it."""
    cards = run(
        radic(days=70), *conservative(60), cond("drop", "red_flag_motor_deficit", "M21.371", onset=65)
    )
    assert states(cards) == ["R2"]
    c = cards[0]
    assert c.indicator == "warning"
    assert not codes_of(c) & {"62322", "62323", "64483"}


def test_r2_stable_deficit_already_referred_falls_back_to_the_pathway() -> None:
    cards = run(
        radic(days=70),
        *conservative(60),
        cond("drop", "red_flag_motor_deficit", "M21.371", onset=65),
        order("ref", "referral_spine_surgery", status="completed", authored=30),
    )
    assert "R2" not in states(cards)
    assert "P1" in states(cards)


def test_r2_warning_allows_cross_cutting_cards() -> None:
    """Cross-cutting cards may co-fire beside a red-flag warning (never beside a critical card)."""
    cards = run(
        radic(days=70), cond("drop", "red_flag_motor_deficit", "M21.371", onset=65), obs("phq", "phq9", 14, 3)
    )
    assert states(cards) == ["R2", "Y1"]


# ---------------------------------------------------------------------------------------------
# R3 malignancy / infection / fracture
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "pain_days", "fires"),
    [
        (cond("ca", "red_flag_malignancy", "Z85.3", onset=2000), 25, True),
        (cond("ca", "red_flag_malignancy", "Z85.3", onset=2000), 300, True),  # any duration (§7.3)
        (cond("met", "red_flag_malignancy", "C79.51", onset=10), 300, True),
        (cond("wl", "red_flag_malignancy", "R63.4", onset=20), 300, True),
        (cond("fever", "red_flag_infection", "R50.9", onset=3), 10, True),
        (cond("ster", "red_flag_infection", "Z79.52", onset=900), 20, True),
        (cond("ster", "red_flag_infection", "Z79.52", onset=900), 300, False),
        (cond("frac", "red_flag_fracture", "M80.08XA", onset=14), 14, True),
        (cond("fever", "red_flag_infection", "R50.9", onset=30, status="resolved"), 10, False),
    ],
)
def test_r3_truth_table(flag, pain_days: int, fires: bool) -> None:  # type: ignore[no-untyped-def]
    """Long-term steroids count only with new pain (< 12 weeks); a cancer history, metastasis,
    weight loss, fever and fracture codes count whenever current."""
    cards = run(radic(days=pain_days), flag)
    assert ("R3" in states(cards)) is fires
    if fires:
        assert states(cards) == ["R3"] and cards[0].indicator == "critical"


def test_r3_tumour_or_infection_asks_for_contrast_mri_and_fracture_for_plain_imaging() -> None:
    infection = card_of(run(radic(days=10), cond("fever", "red_flag_infection", "R50.9", onset=3)), "R3")
    assert "72158" in codes_of(infection) and "72148" not in codes_of(infection)
    fracture = card_of(run(radic(days=10), cond("frac", "red_flag_fracture", "M80.08XA", onset=10)), "R3")
    assert "72148" in codes_of(fracture) and "72158" not in codes_of(fracture)


def test_red_flag_order_is_r1_then_r2_then_r3() -> None:
    cards = run(
        radic(days=10),
        cond("fever", "red_flag_infection", "R50.9", onset=3),
        cond("drop", "red_flag_motor_deficit", "M21.371", onset=1),
        cond("ces", "red_flag_cauda_equina", onset=1),
    )
    assert states(cards) == ["R1"]
    cards = run(
        radic(days=10),
        cond("fever", "red_flag_infection", "R50.9", onset=3),
        cond("drop", "red_flag_motor_deficit", "M21.371", onset=1),
    )
    assert states(cards) == ["R2"]


# ---------------------------------------------------------------------------------------------
# E1 / E2 / P1 / P2
# ---------------------------------------------------------------------------------------------

NEVER_IN_E1 = {"72148", "72149", "72158", "62322", "62323", "64483", "64484", "183546007", "25480", "187832"}


def test_e1_acute_tolerable_offers_no_imaging_injection_or_referral() -> None:
    cards = run(
        radic(days=21),
        med("nsaid", "rx_nsaids", start=20),
        obs("nrs", "pain", 5, 2),
        obs("odi", "odi", 28, 2),
    )
    c = card_of(cards, "E1")
    assert c.indicator == "info" and states(cards) == ["E1"]
    assert not codes_of(c) & NEVER_IN_E1
    assert {"Condition/radic-1", "Observation/nrs", "Observation/odi"} <= refs_of(c)
    assert c.conflicts, "E1 shows where sources disagree (ESI timing, neuropathic agents, oral steroids)"


def test_e1_without_scores_says_so() -> None:
    c = card_of(run(radic(days=10)), "E1")
    assert any("NRS" in g for g in c.gaps) and any("ODI" in g for g in c.gaps)


@pytest.mark.parametrize(
    ("nrs", "odi", "state"),
    [
        (8, 50, "E2"),
        (8, None, "E2"),
        (None, 45, "E2"),
        (8, 30, "E1"),
        (5, 50, "E1"),
        (6, 39, "E1"),
        (7, 40, "E2"),
    ],
)
def test_e1_e2_severity_truth_table(nrs: float | None, odi: float | None, state: str) -> None:
    facts = [radic(days=19)]
    if nrs is not None:
        facts.append(obs("nrs", "pain", nrs, 1))
    if odi is not None:
        facts.append(obs("odi", "odi", odi, 1))
    cards = run(*facts)
    assert states(cards) == [state]


def test_e2_refers_within_two_weeks_and_shows_the_esi_timing_disagreement() -> None:
    c = card_of(run(radic(days=19), obs("nrs", "pain", 8, 1), obs("odi", "odi", 50, 1)), "E2")
    assert c.indicator == "warning"
    assert "183546007" in codes_of(c) and not codes_of(c) & {"72148", "72158"}
    assert any("Timing of epidural" in x.topic for x in c.conflicts)


def test_p1_after_six_weeks_suggests_mri_without_contrast() -> None:
    cards = run(radic(days=56), *conservative(50), obs("nrs", "pain", 6, 3))
    c = card_of(cards, "P1")
    assert c.indicator == "info"
    assert "72148" in codes_of(c) and "72158" not in codes_of(c)
    assert not c.gaps


def test_p1_without_documented_conservative_care_says_so() -> None:
    """The summary and the first step ask for the conservative care (the "Not recorded" line would
    say it a third time); physiotherapy is the recommended button and no MRI is offered until the care
    is done."""
    c = card_of(run(radic(days=56)), "P1")
    assert "no conservative care documented" in c.summary
    assert "conservative care before MRI" in c.next_steps[0]
    assert not any("conservative care" in g for g in c.gaps)
    assert [s.label for s in c.suggestions if s.is_recommended] == [
        "Refer to physiotherapy (active exercise programme)"
    ]
    assert "72148" not in codes_of(c)


def test_p1_reads_physiotherapy_recorded_as_visits() -> None:
    """Sessions an EHR records as finished Encounters typed with a physiotherapy code count as the
    Procedures would: P1 offers the MRI, not "no conservative care documented". A planned visit, or
    one of another type, does not count."""
    from dataclasses import replace

    from pathway_builders import code

    from hooks.facts import EncounterFact

    def visit(ref: str, days: int, status: str = "finished", member: str = "97110") -> EncounterFact:
        typed = (code("physical_therapy", member),)
        return replace(encounter(ref, days, "Physiotherapy"), types=typed, status=status)

    weekly = [visit(f"pt{i}", 50 - 7 * i) for i in range(7)]
    c = card_of(run(radic(days=56), *weekly, obs("nrs", "pain", 6, 3)), "P1")
    assert "no conservative care documented" not in c.summary
    assert "72148" in codes_of(c)
    assert any(f.ref.startswith("Encounter/pt") for f in c.why)
    planned = [visit(f"pt{i}", 50 - 7 * i, status="planned") for i in range(7)]
    assert "no conservative care documented" in card_of(run(radic(days=56), *planned), "P1").summary


def test_p1_with_mri_done_asks_to_review_it_instead_of_ordering_another() -> None:
    """An MRI on file whose report names no concordant lesion: no second MRI, no "MRI if" summary,
    and "Not recorded" names the missing finding rather than giving an instruction."""
    c = card_of(run(radic(days=60), *conservative(50), report("mri", "72148", 10, "L5-S1 protrusion.")), "P1")
    assert "72148" not in codes_of(c) and "MRI if" not in c.summary
    assert any(g.startswith("a lesion concordant with the symptoms") for g in c.gaps)
    assert not any("review" in g for g in c.gaps)


def test_p2_beats_p1_after_three_months_without_referral() -> None:
    cards = run(radic(days=100), *conservative(90))
    assert states(cards) == ["P2"]
    assert cards[0].indicator == "warning" and "183546007" in codes_of(cards[0])


def test_p2_is_silenced_by_a_referral_or_a_specialist_visit() -> None:
    assert states(run(radic(days=100), *conservative(90), order("ref", "referral_pain_management"))) == ["P1"]
    assert states(run(radic(days=100), *conservative(90), encounter("enc", 20, "Spine surgery clinic"))) == [
        "P1"
    ]


# ---------------------------------------------------------------------------------------------
# Cross-cutting M and Y, one card per topic
# ---------------------------------------------------------------------------------------------


def test_m1_long_term_opioids_with_benzodiazepine_offers_naloxone() -> None:
    opioids = [
        med(f"oxy-{i}", "rx_opioids", "7804", start=s, end=s - 30, daily_dose_mg=40)
        for i, s in enumerate((130, 100, 70, 40), start=1)
    ]
    opioids.append(med("oxy-5", "rx_opioids", "7804", start=10, end=None, daily_dose_mg=40))
    cards = run(radic(days=150), *conservative(140), *opioids, med("dz", "rx_benzodiazepines", start=20))
    c = card_of(cards, "M1")
    assert c.indicator == "warning"
    assert "7242" in codes_of(c)
    assert "MedicationRequest/dz" in refs_of(c)
    assert any("60 MME/day" in f.text for f in c.why)
    assert not codes_of(c) & {"7804", "5489", "3322"}


def test_m1_short_opioid_course_is_silent() -> None:
    cards = run(radic(days=20), med("oxy", "rx_opioids", "7804", start=5, daily_dose_mg=10))
    assert "M1" not in states(cards)


def test_m1_on_naloxone_already_offers_no_second_prescription() -> None:
    cards = run(
        radic(days=150), med("oxy", "rx_opioids", "7804", start=130), med("nal", "order_naloxone", start=60)
    )
    assert "7242" not in codes_of(card_of(cards, "M1"))


def test_m2_shows_the_evidence_conflict_and_never_suggests_the_drug() -> None:
    cards = run(radic(days=56), *conservative(50), med("gaba", "rx_gabapentinoids", "25480", start=28))
    c = card_of(cards, "M2")
    assert c.indicator == "info" and c.conflicts
    assert "Where sources disagree" in render_full(c)
    assert not codes_of(c)
    assert states(cards) == ["P1", "M2"]


def test_m2_started_less_than_four_weeks_ago_is_reassessed_from_four_weeks_not_now() -> None:
    """Benefit is judged from 4 weeks after starting: a pregabalin started 14 days ago is reassessed
    on that date, never "reassess benefit now" and taper; one started 6 weeks ago is judged now."""
    early = card_of(run(radic(days=30), med("pgb", "rx_gabapentinoids", "187832", start=14)), "M2")
    assert early.next_steps[0].startswith(f"Reassess benefit from {ago(14 - 28).isoformat()}, 4 weeks after")
    assert not any("now" in s for s in early.next_steps)
    late = card_of(run(radic(days=60), med("pgb", "rx_gabapentinoids", "187832", start=42)), "M2")
    assert late.next_steps[0].startswith("Reassess benefit now")


def test_m2_judges_the_benefit_on_a_current_score_not_one_from_long_ago() -> None:
    """A gabapentin started 300 days ago with pain 8 before it and 4 eight months ago: that score is
    not the pain now (``current_score_days``); the card asks for a current score instead of citing
    it as "pain now", and a score of last week is the pain now."""
    facts = (
        radic(days=330),
        *conservative(320),
        obs("nrs-0", "pain", 8, 305),
        obs("nrs-1", "pain", 4, 240),
        med("gaba", "rx_gabapentinoids", "25480", start=300),
    )
    stale = card_of(run(*facts), "M2")
    assert not any(f.text.startswith("pain now") for f in stale.why)
    assert "Observation/nrs-1" not in {f.ref for f in stale.why}
    assert any(g.startswith("record pain (NRS) now") for g in stale.gaps)
    current = card_of(run(*facts, obs("nrs-2", "pain", 5, 7)), "M2")
    now = [f for f in current.why if "pain now" in f.text]  # before and now, on one line
    assert [f.refs for f in now] == [("Observation/nrs-0", "Observation/nrs-2")]
    assert not any(g.startswith("record pain (NRS) now") for g in current.gaps)


def test_m2_for_an_antiepileptic_cites_no_source_for_it() -> None:
    """No guideline lists carbamazepine for sciatica (NICE CG173 names it for trigeminal neuralgia
    only): the card says NICE NG59 advises against antiepileptics and shows no "sources disagree"
    line that would cite CG173 for it."""
    c = card_of(run(radic(days=60), med("cbz", "rx_other_anticonvulsants", "2002", start=42)), "M2")
    assert "NICE NG59 advises against antiepileptics" in c.summary and "mixed" not in c.summary
    assert c.conflict_now is None


def test_a_pathway_card_leaves_the_medicines_disagreement_to_the_medicines_card() -> None:
    """A pregabalin beside acute sciatica: the M2 card carries the one-line disagreement, naming the
    drug it is about; the E1 card beside it does not repeat it with no drug to refer to."""
    cards = run(radic(days=20), med("pgb", "rx_gabapentinoids", "187832", start=14))
    assert states(cards) == ["E1", "M2"]
    assert card_of(cards, "M2").conflict_now is not None and card_of(cards, "E1").conflict_now is None


def test_m2_warns_about_opioid_with_gabapentinoid() -> None:
    """A gabapentinoid for sciatica with an opioid: M1's warning (respiratory depression, naloxone) leads
    the cross-cutting card, M2's advice on the gabapentinoid merged into it."""
    c = card_of(
        run(
            radic(days=20),
            med("gaba", "rx_gabapentinoids", "187832", start=10),
            med("oxy", "rx_opioids", "7804", start=5),
        ),
        "M1",
    )
    assert c.indicator == "warning" and "M2" in c.merged
    assert any("respiratory depression" in s for s in c.next_steps)


@pytest.mark.parametrize(
    ("route", "start", "fires"),
    [(None, 3, True), ("oral", 60, True), ("epidural", 3, False), ("oral", 200, False)],
)
def test_m3_oral_corticosteroid_truth_table(route: str | None, start: int, fires: bool) -> None:
    cards = run(
        radic(days=12),
        med("pred", "rx_systemic_corticosteroids", "8640", start=start, end=start - 5, route=route),
    )
    assert ("M3" in states(cards)) is fires


@pytest.mark.parametrize(
    ("fact", "fires"),
    [
        (obs("phq", "phq9", 10, 5), True),
        (obs("phq", "phq9", 9, 5), False),
        (obs("gad", "gad7", 12, 5), True),
        # a STarT Back total: 8 or 9 is high risk whatever the items (the psychosocial subscale is at
        # least the total less the four physical items); 4-7 is medium or high, which it cannot tell
        (obs("sb", "startback", 8, 5), True),
        (obs("sb", "startback", 7, 5), False),
        (obs("sb", "startback", 4, 5), False),
        (cond("dep", "psychological_comorbidity", "F33.1"), True),
        (cond("cp", "psychosocial_comorbidity", "G89.29"), False),
    ],
)
def test_y1_truth_table(fact, fires: bool) -> None:  # type: ignore[no-untyped-def]
    cards = run(radic(days=20), fact)
    assert ("Y1" in states(cards)) is fires
    if fires:
        assert "308459004" in codes_of(card_of(cards, "Y1"))


def test_y1_asks_for_psychological_evaluation_when_neuromodulation_is_in_view() -> None:
    cards = run(radic(days=400), obs("phq", "phq9", 14, 5), order("trial", "scs_percutaneous_lead"))
    assert "90791" in codes_of(card_of(cards, "Y1"))


def test_one_card_per_topic_and_no_cross_cutting_card_beside_a_critical_one() -> None:
    cards = run(
        radic(days=56),
        *conservative(50),
        med("gaba", "rx_gabapentinoids", start=28),
        obs("phq", "phq9", 14, 3),
        med("pred", "rx_systemic_corticosteroids", "8640", start=10, end=5),
    )
    topics = [c.topic for c in cards]
    assert len(topics) == len(set(topics))
    assert states(cards) == ["P1", "M2"]  # the alert budget: one pathway card, one cross-cutting card
    assert cards[1].merged == ("M3", "Y1")
    assert "Also: oral corticosteroid, psychosocial risk." in cards[1].summary
    assert {"M2", "M3", "Y1"} <= {c.rule_id for c in cards} | set(cards[1].merged)
    cards = run(
        radic(days=56),
        cond("ces", "red_flag_cauda_equina", onset=1),
        med("gaba", "rx_gabapentinoids"),
        obs("phq", "phq9", 14, 3),
    )
    assert states(cards) == ["R1"]


# ---------------------------------------------------------------------------------------------
# Form of every card; suggestions; data gaps
# ---------------------------------------------------------------------------------------------


def _assert_well_formed(card: CardDraft) -> None:
    assert 0 < len(card.summary) <= 139
    assert card.why and all(f.text for f in card.why)
    assert card.evidence and all(g.url.startswith("https://") for g in card.evidence)
    assert card.topic_coding.code == card.rule_id
    if card.selection_behavior == "at-most-one":
        assert sum(s.is_recommended for s in card.suggestions) <= 1
    for s in card.suggestions:
        for a in s.actions:
            res = a.resource or {}
            assert a.type == "create"
            assert res["status"] == "draft" and res["intent"] in ("proposal", "order")
            assert res["subject"] == {"reference": f"Patient/{PATIENT}"}
            codings = (res.get("code") or res.get("medicationCodeableConcept"))["coding"]
            assert codings and all(c["system"].startswith("http") for c in codings)


def test_suggested_orders_are_draft_service_requests_for_the_gate_condition() -> None:
    cards = run(radic(days=56), *conservative(50))
    res = card_of(cards, "P1").suggestions[0].actions[0].resource
    assert res is not None
    assert res["resourceType"] == "ServiceRequest"
    assert res["reasonReference"] == [{"reference": "Condition/radic-1"}]
    assert res["code"]["coding"][0]["code"] == "72148"


def test_every_card_of_these_histories_is_well_formed() -> None:
    histories = [
        [radic(days=35), cond("ces", "red_flag_cauda_equina", onset=1)],
        [radic(days=28), cond("drop", "red_flag_motor_deficit", "M21.371", onset=1)],
        [radic(days=25), cond("ca", "red_flag_malignancy", "C79.51", onset=10)],
        [radic(days=21), obs("nrs", "pain", 5, 2)],
        [radic(days=19), obs("nrs", "pain", 8, 1), obs("odi", "odi", 50, 1)],
        [radic(days=56), *conservative(50), med("gaba", "rx_gabapentinoids", start=28)],
        [radic(days=100), *conservative(90), obs("phq", "phq9", 14, 3)],
        [radic(days=150), med("oxy", "rx_opioids", "7804", start=130, daily_dose_mg=60)],
    ]
    for facts in histories:
        for c in run(*facts):
            _assert_well_formed(c)


def test_unavailable_prefetch_is_named_on_the_card() -> None:
    """A card that needed data the EHR could not give says what went unchecked."""
    cards = run(radic(days=21), unavailable={"observations": "FHIR server timed out"})
    assert any("observations (unread: " in g for g in card_of(cards, "E1").gaps)


def test_errors_propagate_instead_of_becoming_an_empty_list() -> None:
    """A crashing assessment is an exception, never "no cards"."""
    from pathway_builders import make_input

    from hooks.pathway import evaluate_pathway

    def broken(p, m):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    inp = make_input(radic(days=100), proc("esi", "esi_transforaminal_lumbar", "64483", days=40))
    with pytest.raises(RuntimeError):
        evaluate_pathway(inp, broken)


def test_outcome_helpers_cover_every_outcome() -> None:
    """Every §3 outcome is routed somewhere (success, failure, undocumented or pending)."""
    from hooks.pathway.context import FAILED_OUTCOMES, SUCCESS_OUTCOMES, UNDOCUMENTED_OUTCOMES

    routed = set(FAILED_OUTCOMES) | set(SUCCESS_OUTCOMES) | set(UNDOCUMENTED_OUTCOMES) | {Outcome.PENDING}
    assert routed == set(Outcome)


_CODE_LITERAL = re.compile(
    r"""["'](?:\d{4,9}|\d{4}T|[A-TV-Z]\d{2}(?:\.[0-9A-Z]{1,4})?|\d{1,5}-\d|https?://(?:snomed|loinc|hl7\.org/fhir/sid|www\.ama|www\.nlm))"""
)


def test_pathway_rules_hold_no_raw_codes_or_system_urls() -> None:
    """Rules and suggestion builders name value sets; no code or code-system URL is written in them."""
    files = [
        *sorted((ROOT / "hooks" / "pathway" / "rules").glob("*.py")),
        ROOT / "hooks" / "pathway" / "__init__.py",
        ROOT / "hooks" / "pathway" / "context.py",
        ROOT / "hooks" / "suggestions.py",
    ]
    offenders = []
    for f in files:
        for i, line in enumerate(f.read_text().splitlines(), start=1):
            if _CODE_LITERAL.search(line):
                offenders.append(f"{f.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_r3_injection_drug_use_with_new_pain_is_an_infection_risk_named_on_the_card() -> None:
    oud = cond("oud", "opioid_use_disorder", "F11.20", onset=1500, notes=("Injection heroin use.",))
    cards = run(radic(days=10), oud, cond("fever", "red_flag_infection", "R50.9", onset=3))
    c = card_of(cards, "R3")
    assert {"Condition/oud", "Condition/fever"} <= refs_of(c)
    assert states(run(radic(days=10), oud)) == ["R3"]
    assert "R3" not in states(run(radic(days=300), oud))
    assert "R3" not in states(run(radic(days=10), cond("oud", "opioid_use_disorder", "F11.20", onset=1500)))


def test_r1_a_decompressed_cauda_equina_is_history_not_an_emergency() -> None:
    """A cauda equina diagnosis already treated by a decompression after its onset does not fire R1."""
    facts = [
        radic(days=400),
        cond("ces", "red_flag_cauda_equina", onset=300),
        proc("decomp", "lumbar_decompression_discectomy", "63030", days=299),
    ]
    assert "R1" not in states(run(*facts))


@pytest.mark.parametrize(
    ("ces_days_ago", "pain_days", "fires"),
    [
        (10, 30, True),  # with the present illness
        (2000, 30, False),  # years before this sciatica began: a lasting deficit's entry, not an emergency
        (2000, 2100, True),  # the leg pain is as old: nothing says the syndrome is over
    ],
)
def test_r1_a_cauda_equina_recorded_long_before_this_illness_is_history(
    ces_days_ago: int, pain_days: int, fires: bool
) -> None:
    ces = cond("ces", "red_flag_cauda_equina", onset=ces_days_ago)
    assert ("R1" in states(run(radic(days=pain_days), ces))) is fires
    retention = cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2)
    assert "R1" in states(run(radic(days=pain_days), ces, retention))  # new symptoms still do


def test_every_decision_model_state_has_a_rule_citing_verified_guidelines() -> None:
    """All 30 states are implemented (X1 by design without a card); every card-bearing rule leads with a
    verified guideline over https (it becomes the card's source)."""
    import inspect

    from hooks.evidence import guideline
    from hooks.pathway.rules import (
        ablation,
        acute,
        esi_outcome,
        incidental,
        medication,
        neuromodulation,
        persistent,
        post_surgical,
        psychosocial,
        red_flags,
        refractory,
    )
    from hooks.pathway.rules.common import Rule

    modules = (
        ablation,
        acute,
        esi_outcome,
        medication,
        neuromodulation,
        persistent,
        post_surgical,
        psychosocial,
        red_flags,
        refractory,
    )
    from hooks.catalogue import CATALOGUE

    rules = [v for m in (*modules, incidental) for v in vars(m).values() if isinstance(v, Rule)]
    ids = {r.id for r in rules}
    catalogued = {r.id for r in CATALOGUE if r.hooks == ("patient-view",) and "." not in r.id}
    assert ids == catalogued  # every declared state is in the catalogue, and nothing else
    assert len(catalogued) == 34  # R1–R3, E1–E2, P1–P2, F0–F8, S0–S4, N1–N3, A1–A2, L1, M1–M5, Y1, X1
    for r in rules:
        first = guideline(r.evidence[0])
        if r is refractory.F5_SI:
            # no clinical guideline here covers SI-joint blocks (NICE NG59 advises against spinal
            # injections for low back pain): the SI-joint LCD and its ≥ 75 % block threshold lead
            assert first.key == "cms_si_lcd" and first.url.startswith("https://"), r.id
            continue
        assert first.kind == "guideline" and first.url.startswith("https://"), r.id
    for m in (*modules, incidental):
        for name, fn in inspect.getmembers(m, inspect.isfunction):
            if fn.__module__ == m.__name__ and name[:1] in "rempfsnalyx" and name[1:2].isdigit():
                doc = fn.__doc__ or ""
                assert "When" in doc or "(documentation)" in doc, (
                    f"{m.__name__}.{name} lacks When/Then/Evidence"
                )


def test_m1_high_dose_short_course_is_not_called_long_term() -> None:
    """≥ 50 MME/day for two weeks earns M1, but its summary does not claim long-term therapy."""
    cards = run(radic(days=20), med("oxy", "rx_opioids", "7804", start=14, daily_dose_mg=40))
    c = card_of(cards, "M1")
    assert "Long-term" not in c.summary and "naloxone" in c.summary


def test_p1_for_neurogenic_claudication_does_not_push_an_epidural() -> None:
    """Stenosis with neurogenic claudication: P1 steers to physiotherapy and a decompression opinion and
    shows the NICE/ASIPP disagreement on epidurals instead of recommending one."""
    c = card_of(run(cond("sten", "neurogenic_claudication", onset=60), *conservative(50)), "P1")
    assert "epidural" not in c.summary.lower() and "ESI" not in c.summary
    assert any("claudication" in x.topic for x in c.conflicts)
    assert not any(s.startswith("Consider an image-guided") for s in c.next_steps)


def test_cards_link_the_guidelines_they_rest_on() -> None:
    c = card_of(run(radic(days=56), *conservative(50)), "P1")
    assert c.links and all(link.url.startswith("https://") and link.type == "absolute" for link in c.links)
    assert {link.url for link in c.links} <= {g.url for g in c.evidence}


def test_card_text_says_the_thresholds_in_force() -> None:
    """A site that sets the conservative-care period to 8 weeks sees "8 weeks" on E1, never "6 weeks"."""
    from dataclasses import replace

    from pathway_builders import make_input

    from hooks.cards import render_detail, render_full
    from hooks.pathway import evaluate_pathway
    from hooks.thresholds import DEFAULT_THRESHOLDS

    site = replace(DEFAULT_THRESHOLDS, conservative_care_days=56)
    [card] = evaluate_pathway(replace(make_input(radic(days=45)), thresholds=site))
    assert card.rule_id == "E1"  # 45 days is acute under an 8-week period
    text = card.summary + render_detail(card) + render_full(card)
    assert "under 8 weeks" in card.summary and "reassess at 8 weeks" in text
    assert "under 6 weeks" not in text and "at 6 weeks" not in text  # "(6 weeks)" is the patient's own


@pytest.mark.parametrize(("now", "said"), [(6, "no gain since starting"), (3, "pain improved")])
def test_m2_says_what_the_scores_already_show(now: float, said: str) -> None:
    """Pain 6 → 6 ten weeks into duloxetine is the review's answer: the card plans the taper rather
    than asking to reassess; pain 6 → 3 is a gain, never "taper if no gain"."""
    cards = run(
        radic(days=120), *conservative(110), med("dul", "rx_antidepressants_neuropathic", start=70),
        obs("p1", "pain", 6, 72), obs("p2", "pain", now, 3),
    )  # fmt: skip
    c = card_of(cards, "M2")
    assert said in c.summary and "taper if no" not in c.summary, c.summary
    step = c.next_steps[0]
    assert ("plan a supervised taper" in step.lower()) == (now == 6) and "if there is no" not in step, step


def test_m2_with_a_current_score_but_none_before_the_medicine_asks_for_the_baseline() -> None:
    """Pain 7/10 two days ago and no score before gabapentin started: the gap is the baseline, never
    "record pain now" beside a score taken this week."""
    facts = (
        radic(days=200),
        *conservative(190),
        obs("nrs-now", "pain", 7, 2),
        med("gaba", "rx_gabapentinoids", "25480", start=100),
    )
    m2 = card_of(run(*facts), "M2")
    assert not any(g.startswith("record pain (NRS) now") for g in m2.gaps)
    assert any(
        g.startswith("no pain score (NRS) in the 30 days before the medicine started") for g in m2.gaps
    )
