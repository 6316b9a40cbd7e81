"""A card states one recommendation and the few facts that decide it, and its one-click suggestions do
what the card says: a repeat injection repeats the injection that worked (its approach, level and
side); a mimic beside a failed treatment is excluded before any spine step is pre-selected; the SI
joint is not handled as a facet joint; a failed trial does not show a "sources disagree" line; a
window that has not opened is not missing data; counts read as words."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

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
    report,
    run,
    states,
)

from hooks.cards import CardDraft, SuggestionDraft, render_detail, render_full
from hooks.conflicts import SCS_SELECTION
from hooks.pathway.failure import Outcome
from hooks.pathway.rules.common import count
from hooks.suggestions import ordered_codes

CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
DISCORDANT = "Mild multilevel degenerative disc disease without nerve root compression."
LF_STENOSIS = "Severe central canal stenosis at L4-5 due to ligamentum flavum hypertrophy."
SPINE_SURGERY_REFERRAL = "183546007"
EMG_NCS = "95910"
MRI = "72148"
INTERNAL_WORDS = ("seed", "decision model", "§", "site setting")


def background(days: int = 330) -> list[Any]:
    return [radic(days=days), *conservative(days - 10)]


def resource(s: SuggestionDraft) -> dict[str, Any]:
    (action,) = s.actions
    assert action.resource is not None
    return action.resource


def card_text(c: CardDraft) -> str:
    """Everything a clinician can read on the card: summary, detail, full reasoning, suggestions."""
    labels = [s.label for s in c.suggestions]
    notes = [n["text"] for s in c.suggestions for n in resource(s).get("note", [])]
    return "\n".join([c.summary, render_detail(c), render_full(c), *labels, *notes])


def recommended(c: CardDraft) -> list[str]:
    return [code for s in c.suggestions if s.is_recommended for _, code in ordered_codes(s)]


def assert_clinician_words(c: CardDraft) -> None:
    text = card_text(c).lower()
    assert not [w for w in INTERNAL_WORDS if w in text], text
    assert "session(s)" not in text and "block(s)" not in text


# ---------------------------------------------------------------------------------------------
# F1: the repeat repeats the injection that worked
# ---------------------------------------------------------------------------------------------


def f1_card(esi: Any, outcome: Outcome = Outcome.RESPONDED_THEN_RECURRED) -> CardDraft:
    cards = run(*background(), report("mri", MRI, 290, CONCORDANT), esi, outcomes={esi.ref: outcome})
    assert states(cards) == ["F1"]
    return cards[0]


def test_f1_repeat_after_an_interlaminar_esi_is_an_image_guided_interlaminar_at_its_level() -> None:
    c = f1_card(
        proc("esi-1", "esi_interlaminar_caudal_lumbar", "62323", days=250, level="L5-S1", laterality="right")
    )
    (s,) = c.suggestions
    assert codes_of(c) == {"62323"}, "an interlaminar injection is repeated interlaminar, not transforaminal"
    res = resource(s)
    assert res["bodySite"] == [{"text": "right L5-S1"}]
    assert "interlaminar" in res["code"]["text"].lower()
    assert "interlaminar" in s.label and "right L5-S1" in s.label
    assert not s.is_recommended and c.selection_behavior == "at-most-one"
    assert_clinician_words(c)


def test_f1_repeat_after_a_transforaminal_esi_stays_transforaminal_and_names_the_level() -> None:
    c = f1_card(
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=250, level="L4-L5", laterality="left")
    )
    (s,) = c.suggestions
    assert codes_of(c) == {"64483"}
    assert resource(s)["bodySite"] == [{"text": "left L4-L5"}]
    assert "transforaminal" in s.label and "left L4-L5" in s.label


def test_f1_a_blind_injection_that_worked_is_repeated_with_image_guidance() -> None:
    c = f1_card(proc("esi-1", "esi_without_image_guidance", "62322", days=250, level="L4-L5"))
    assert codes_of(c) == {"62323"}, "never a blind repeat, never a change of approach"


def test_f1_without_a_stated_level_the_order_names_no_site() -> None:
    c = f1_card(proc("esi-1", "esi_transforaminal_lumbar", "64483", days=250))
    (s,) = c.suggestions
    assert "bodySite" not in resource(s)
    assert s.label == "Order a repeat image-guided transforaminal ESI at the same level"


def test_f1_when_pain_recurred_the_next_step_does_not_say_if_it_recurs() -> None:
    c = f1_card(proc("esi-1", "esi_interlaminar_caudal_lumbar", "62323", days=250, level="L5-S1"))
    assert "pain recurred" in c.summary
    assert not c.next_steps[0].startswith("If pain recurs")
    assert c.next_steps[0].startswith("A repeat image-guided interlaminar ESI at the same level (L5-S1)")
    assert "if pain" not in c.suggestions[0].label.lower()


def test_f1_when_it_worked_and_has_not_recurred_every_line_says_if_it_recurs() -> None:
    c = f1_card(proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1"), Outcome.SUCCESS)
    assert c.summary.endswith("repeat only if pain recurs")
    # 60 days after it, whether the response lasts is not yet known: reassessed first, then the repeat
    assert c.next_steps[1].startswith(
        "If it holds and then pain recurs, a repeat image-guided transforaminal ESI"
    )
    assert c.suggestions[0].label.endswith("(if pain recurs)")


# ---------------------------------------------------------------------------------------------
# counts in words
# ---------------------------------------------------------------------------------------------


def test_count_reads_as_words() -> None:
    assert count(0, "lumbar ESI session") == "no lumbar ESI sessions"
    assert count(1, "lumbar ESI session") == "1 lumbar ESI session"
    assert count(2, "lumbar ESI session") == "2 lumbar ESI sessions"
    assert (
        count(0, "positive diagnostic medial branch block") == "no positive diagnostic medial branch blocks"
    )


def test_f1_names_one_session_in_the_singular() -> None:
    c = f1_card(proc("esi-1", "esi_transforaminal_lumbar", "64483", days=250, level="L5-S1"))
    assert "1 lumbar ESI session in the last 12 months" in {f.text for f in c.why}
    assert_clinician_words(c)


def test_f1_an_injection_older_than_a_year_counts_no_sessions() -> None:
    esi = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=400, level="L5-S1")
    cards = run(
        *background(500),
        report("mri", MRI, 450, CONCORDANT),
        esi,
        outcomes={esi.ref: Outcome.RESPONDED_THEN_RECURRED},
    )
    c = card_of(cards, "F1")
    assert "no lumbar ESI sessions in the last 12 months" in {f.text for f in c.why}


def test_f8_names_two_sessions_in_the_plural() -> None:
    cards = run(
        *background(200),
        report("mri", MRI, 180, CONCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=150, level="L5-S1"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1"),
        outcomes={"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED},
    )
    c = card_of(cards, "F8")
    assert any("2 lumbar ESI sessions in the last 12 months" in f.text for f in c.why)
    assert_clinician_words(c)


# ---------------------------------------------------------------------------------------------
# F0: a window that has not opened is not missing data
# ---------------------------------------------------------------------------------------------


def test_f0_too_early_has_no_not_recorded_line() -> None:
    cards = run(
        *background(70),
        report("mri", MRI, 25, CONCORDANT),
        obs("nrs-1", "pain", 7, 8),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=6, level="L5-S1"),
    )
    assert states(cards) == ["F0"]
    c = cards[0]
    assert c.gaps == ()
    assert "Not recorded" not in render_detail(c) and "Not recorded" not in render_full(c)
    assert c.next_steps[0].startswith("Record the leg-pain score (NRS 0–10) and ODI between ")


def test_f0_an_outcome_never_recorded_is_still_said() -> None:
    esi = proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L5-S1")
    cards = run(
        *background(150), report("mri", MRI, 90, CONCORDANT), esi, outcomes={esi.ref: Outcome.UNKNOWN}
    )
    assert states(cards) == ["F0"]
    c = cards[0]
    # said in the summary and as the next step (the card shows), not a third time as "Not recorded"
    assert "is not recorded" in c.summary and c.next_steps[0].startswith("Record leg-pain NRS and ODI")
    assert "Record leg-pain NRS and ODI" in render_detail(c)


# ---------------------------------------------------------------------------------------------
# mimics: excluded before any spine step is pre-selected
# ---------------------------------------------------------------------------------------------


def test_p1_with_hip_osteoarthritis_excludes_the_hip_before_the_mri() -> None:
    cards = run(radic(days=60), *conservative(55), cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900))
    c = card_of(cards, "P1")
    assert "hip osteoarthritis" in c.summary and "exclude it first" in c.summary
    assert "MRI" not in c.summary
    assert MRI in codes_of(c), "the MRI stays on offer"
    assert recommended(c) == [], "but nothing is pre-selected before the hip is excluded"
    assert "hip radiograph" in c.next_steps[0]
    assert "offers no order for it" in c.next_steps[0], "no verified code: the card says so"
    assert_clinician_words(c)


def test_p1_with_an_emg_mimic_offers_and_recommends_emg_first() -> None:
    cards = run(
        radic(days=60), *conservative(55), cond("per", "mimic_peroneal_neuropathy", "G57.3", onset=200)
    )
    c = card_of(cards, "P1")
    first = c.suggestions[0]
    assert [code for _, code in ordered_codes(first)] == [EMG_NCS] and first.is_recommended
    assert recommended(c) == [EMG_NCS]
    assert "Condition/per" in {r["reference"] for r in resource(first)["reasonReference"]}
    assert MRI in codes_of(c)
    assert "offers no order" not in c.next_steps[0]


def f6_cards(*extra: Any) -> list[CardDraft]:
    return run(
        cond("sten", "neurogenic_claudication", onset=400),
        radic(days=400),
        *conservative(380),
        report("mri", MRI, 300, LF_STENOSIS),
        proc("esi-1", "esi_image_guided", "62323", days=90, level="L4-L5"),
        *extra,
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )


def test_f6_with_arterial_claudication_excludes_it_before_the_surgical_referral() -> None:
    c = card_of(f6_cards(cond("pad", "mimic_arterial_claudication", "I70.21", onset=300)), "F6")
    assert "peripheral arterial disease" in c.summary and "exclude it first" in c.summary
    assert "decompression" not in c.summary
    assert len(c.summary) <= 139
    assert SPINE_SURGERY_REFERRAL in codes_of(c)
    assert recommended(c) == [], "the spine-surgery referral is not pre-selected before PAD is excluded"
    assert "ankle-brachial index" in c.next_steps[0] and "offers no order for it" in c.next_steps[0]
    assert_clinician_words(c)


def test_f6_without_a_mimic_still_recommends_the_surgical_referral() -> None:
    c = card_of(f6_cards(), "F6")
    assert recommended(c) == [SPINE_SURGERY_REFERRAL]
    assert "decompression" in c.summary


def test_f4_hip_mimic_says_the_radiograph_is_not_offered_and_preselects_no_spine_procedure() -> None:
    cards = run(
        radic(days=150),
        *conservative(140),
        report("mri", MRI, 120, CONCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1"),
        cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F4")
    assert recommended(c) == []
    assert "a hip radiograph — order it in the EHR: this card offers no order for it" in c.next_steps[0]
    assert c.next_steps[0].count("in the EHR") == 1  # said once


DIAGNOSTIC_SNRB = "64483"


@pytest.mark.parametrize(
    ("mimic", "member", "code", "emg"),
    [
        ("hip", "mimic_hip_osteoarthritis", "M16", False),
        ("dpn", "mimic_peripheral_neuropathy", None, True),
        ("sciatic", "mimic_sciatic_neuropathy", None, True),
    ],
)
def test_f4_with_a_mimic_to_exclude_offers_no_spine_procedure(
    mimic: str, member: str, code: str | None, emg: bool
) -> None:
    """"Exclude it before another spine procedure" and a diagnostic root block on offer say two
    things: while the mimic is unexcluded no spine procedure is offered; the mimic's test is."""
    cards = run(
        radic(days=150),
        *conservative(140),
        report("mri", MRI, 120, DISCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1"),
        cond(mimic, member, code, onset=900),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F4")
    assert "exclude it before another spine procedure" in c.summary
    assert DIAGNOSTIC_SNRB not in codes_of(c)
    assert recommended(c) == ([EMG_NCS] if emg else [])


def test_f4_without_a_mimic_still_offers_the_diagnostic_root_block() -> None:
    cards = run(
        radic(days=150),
        *conservative(140),
        report("mri", MRI, 120, DISCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert DIAGNOSTIC_SNRB in codes_of(card_of(cards, "F4"))


def test_f4_names_a_diabetic_neuropathy_the_same_way_in_summary_fact_and_step() -> None:
    cards = run(
        radic(days=150),
        *conservative(140),
        report("mri", MRI, 120, DISCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=70, level="L5-S1"),
        cond("dpn", "mimic_peripheral_neuropathy", onset=900),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F4")
    detail = render_detail(c)
    assert "peripheral neuropathy" in c.summary and "peripheral neuropathy" in c.next_steps[0]
    assert "possible mimic: peripheral neuropathy" in detail
    assert "amyotrophy" not in c.summary


# ---------------------------------------------------------------------------------------------
# F5: the SI joint is not a facet joint
# ---------------------------------------------------------------------------------------------


def f5_card(generator: Any) -> CardDraft:
    cards = run(
        *background(210),
        generator,
        report(
            "mri", MRI, 160, "Mild disc desiccation L4-5 without disc herniation or nerve root compression."
        ),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=130, level="L5-S1"),
        replace(obs("back", "pain", 6, 100), body_site_text="Lower back"),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    assert states(cards) == ["F5"]
    return cards[0]


def test_f5_si_joint_card_asks_for_an_si_block_and_cites_the_si_joint_policy() -> None:
    c = f5_card(cond("si", "sacroiliac_joint_pain", "M46.1", onset=100))
    assert "SI-joint block" in c.summary
    assert c.next_steps[0].startswith("Diagnostic SI-joint block")
    assert "≥ 75 % relief" in c.next_steps[0]
    assert not any("medial branch" in s for s in c.next_steps)
    keys = [g.key for g in c.evidence]
    assert "cms_si_lcd" in keys
    assert "asra_facet_2020" not in keys and "cms_facet_lcd" not in keys
    assert any("39455" in g.url for g in c.evidence)
    assert_clinician_words(c)


def test_f5_facet_card_keeps_the_facet_sources_without_jargon() -> None:
    c = f5_card(cond("facet", "facet_mediated_pain", "M47.816", onset=90))
    assert c.next_steps[0].startswith("Diagnostic medial branch blocks (positive = ≥ 50 % relief)")
    assert [g.key for g in c.evidence][:3] == ["asra_facet_2020", "nice_ng59", "cms_facet_lcd"]
    assert "cms_si_lcd" not in {g.key for g in c.evidence}
    assert_clinician_words(c)


# ---------------------------------------------------------------------------------------------
# N2: a failed trial is not a disagreement
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("booked", [True, False])
def test_n2_failed_trial_shows_no_sources_disagree_line(booked: bool) -> None:
    cards = run(
        *background(900),
        report("mri", MRI, 840, DISCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=800, level="L5-S1"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=720, level="L5-S1"),
        order(
            "ref",
            "referral_spine_surgery",
            status="completed",
            authored=660,
            notes=("Seen by spine surgery: no surgical target.",),
        ),
        proc(
            "trial-1",
            "scs_percutaneous_lead",
            days=25,
            text="Spinal cord stimulator trial, percutaneous leads",
        ),
        *([order("ipg", "scs_permanent_system")] if booked else []),
        outcomes={
            "Procedure/esi-1": Outcome.FAILED,
            "Procedure/esi-2": Outcome.FAILED,
            "Procedure/trial-1": Outcome.FAILED,
        },
    )
    c = card_of(cards, "N2")
    assert c.conflict_now is None
    assert "Sources disagree" not in render_detail(c)
    assert SCS_SELECTION in c.conflicts, "the disagreement stays in the full reasoning"
    assert ("ServiceRequest/ipg" in {f.ref for f in c.why}) is booked


# ---------------------------------------------------------------------------------------------
# F2: the first image-guided TFESI the card recommends is on offer, aimed where the MRI shows
# ---------------------------------------------------------------------------------------------

TFESI = "64483"
REPEAT_NOTE = "Repeat only after a sustained response"


def blind_esi(days: int = 70) -> Any:
    return proc("esi-1", "esi_without_image_guidance", "62322", days=days, level="L4-L5")


def f2_card(*facts: Any) -> CardDraft:
    cards = run(*background(150), *facts, outcomes={"Procedure/esi-1": Outcome.FAILED})
    assert states(cards) == ["F2"], states(cards)
    return cards[0]


def tfesi_suggestions(c: CardDraft) -> list[SuggestionDraft]:
    return [s for s in c.suggestions if "transforaminal ESI" in s.label]


def test_f2_after_a_blind_injection_offers_a_first_tfesi_at_the_level_and_side_the_mri_shows() -> None:
    c = f2_card(report("mri", MRI, 100, CONCORDANT), blind_esi())
    (s,) = tfesi_suggestions(c)
    assert [code for _, code in ordered_codes(s)] == [TFESI]
    assert s.is_recommended, "the card's first step is this injection"
    assert c.next_steps[0].startswith("An image-guided (fluoroscopic/CT) transforaminal ESI")
    # the report names the compressed root: the injection goes to that root's foramen (S1), not to
    # the disc level's (L5-S1), which reaches the exiting L5 root
    assert "repeat" not in s.label.lower() and s.label.endswith("at the right S1 nerve root (S1 foramen)")
    res = resource(s)
    assert res["bodySite"] == [{"text": "right S1 nerve root (S1 foramen)"}]
    assert "repeat" not in res["code"]["text"].lower()
    notes = [n["text"] for n in res["note"]]
    assert not any(REPEAT_NOTE in n for n in notes), "a first injection is not a repeat"
    assert any("right S1 nerve root" in n and "MRI" in n for n in notes)
    assert res["status"] == "draft" and res["intent"] == "proposal"
    assert_clinician_words(c)


def test_f2_at_a_discordant_level_recommends_the_tfesi_at_the_mri_level_and_offers_the_block() -> None:
    c = f2_card(
        report("mri", MRI, 100, CONCORDANT),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L3-L4"),
    )
    (s,) = tfesi_suggestions(c)
    assert s.is_recommended and resource(s)["bodySite"] == [{"text": "right S1 nerve root (S1 foramen)"}]
    block = next(x for x in c.suggestions if "nerve root block" in x.label)
    assert not block.is_recommended
    assert "nerve root block" not in first_step(c)


def test_f2_when_the_mri_shows_no_lesion_the_tfesi_is_offered_not_preselected_and_names_no_site() -> None:
    c = f2_card(report("mri", MRI, 100, DISCORDANT), blind_esi())
    (s,) = tfesi_suggestions(c)
    assert not s.is_recommended
    res = resource(s)
    assert "bodySite" not in res
    assert any("shows no compressive lesion" in n["text"] for n in res["note"])
    assert not any(REPEAT_NOTE in n["text"] for n in res["note"])


def test_f2_without_an_mri_offers_the_mri_first_and_no_injection() -> None:
    c = f2_card(blind_esi())
    assert recommended(c) == [MRI]
    assert TFESI not in codes_of(c)


def test_f2_offers_no_injection_once_the_yearly_session_limit_is_reached() -> None:
    blinds = [
        proc(f"esi-{i}", "esi_without_image_guidance", "62322", days=d, level="L4-L5")
        for i, d in enumerate((300, 220, 140, 60), start=1)
    ]
    cards = run(
        *background(400),
        report("mri", MRI, 350, CONCORDANT),
        *blinds,
        outcomes={b.ref: Outcome.FAILED for b in blinds},
    )
    c = card_of(cards, "F2")
    assert TFESI not in codes_of(c)


def first_step(c: CardDraft) -> str:
    return c.next_steps[0].split(". ")[0]


def test_no_card_offers_a_first_injection_worded_as_a_repeat() -> None:
    """The repeat order (its note: only after a sustained response) is F1's alone, where an injection
    worked; every other card that offers a transforaminal injection offers the first-time order."""
    histories = [
        (report("mri", MRI, 100, CONCORDANT), blind_esi()),
        (report("mri", MRI, 100, DISCORDANT), blind_esi()),
        (
            report("mri", MRI, 100, CONCORDANT),
            proc("esi-1", "esi_transforaminal_lumbar", "64483", days=60, level="L3-L4"),
        ),
    ]
    for facts in histories:
        for c in run(*background(150), *facts, outcomes={"Procedure/esi-1": Outcome.FAILED}):
            for s in c.suggestions:
                notes = " ".join(n["text"] for n in resource(s).get("note", []))
                assert (REPEAT_NOTE in notes or "repeat" in s.label.lower()) is (c.rule_id == "F1"), (
                    c.rule_id,
                    s.label,
                )


@pytest.mark.parametrize(
    ("finding", "site"),
    [
        ("Left paracentral protrusion at L4-5 contacting the traversing left L5 nerve root.",
         "left L5 nerve root (L5-S1 foramen)"),
        ("Right foraminal disc extrusion at L4-L5 compressing the exiting right L4 root.",
         "right L4 nerve root (L4-L5 foramen)"),
        ("Right paracentral disc extrusion at L5-S1 with nerve root compression.", "right L5-S1"),
    ],
)  # fmt: skip
def test_the_first_tfesi_goes_to_the_compressed_root_when_the_report_names_it(
    finding: str, site: str
) -> None:
    """A TFESI at a disc level's foramen reaches the root leaving there, not the one a paracentral disc
    compresses as it traverses the level: the order names the root and its foramen; a report naming
    no root gives the level, and the note says which root each kind of disc compresses."""
    c = f2_card(report("mri", MRI, 100, finding), blind_esi())
    (s,) = tfesi_suggestions(c)
    res = resource(s)
    assert res["bodySite"] == [{"text": site}]
    notes = " ".join(n["text"] for n in res["note"])
    assert ("names no root" in notes) == ("root (" not in site), notes
