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
    obs,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import CardDraft
from hooks.facts import ObservationFact
from hooks.suggestions import ordered_codes

RFA_CODES = {"64635", "64636", "64625"}
MBB_CODES = {"64493", "64494", "64495"}
SI_BLOCK_CODES = {"27096", "64451", "G0260"}
MRI_PLAIN = "72148"
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
