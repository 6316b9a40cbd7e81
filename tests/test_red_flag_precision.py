"""Red-flag precision (decision model §7.3, §7.6): what is and is not a red flag, on typed facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from pathway_builders import (
    TERM,
    TODAY,
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

from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks.cards import CardDraft, first_sentence, render_detail
from hooks.facts import ConditionFact, ObservationFact
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import RADICULOPATHY, history, inp, sr
from tests.orders_builders import TODAY as OTODAY
from tests.orders_builders import cond as ocond
from tests.orders_builders import obs as oobs
from tests.orders_builders import proc as oproc


def icd_cond(ref: str, code: str, display: str, *, onset: int, **kw: object) -> ConditionFact:
    """A Condition coded with any ICD-10-CM code (descendants of a listed header included)."""
    base = cond(ref, "lumbar_radiculopathy_conditions", onset=onset)
    return replace(base, codings=(Coding(ICD, code, display),), text=display, **kw)  # type: ignore[arg-type]


def test_generalised_weakness_is_not_a_motor_deficit() -> None:
    weak = icd_cond("weak", "M62.81", "Muscle weakness (generalized)", onset=3)
    cards = run(radic(days=60), *conservative(60), weak)
    assert "R2" not in states(cards) and "R1" not in states(cards)
    assert states(cards)[0] in ("P1", "P2")


def test_a_new_foot_drop_stays_critical() -> None:
    cards = run(radic(days=30), cond("drop", "red_flag_motor_deficit", "M21.371", onset=2))
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


@pytest.mark.parametrize(
    ("code", "onset", "fires"),
    [
        ("S32.010A", 30, True),  # initial encounter
        ("S32.010A", 2000, False),  # ... left on the problem list years before the leg pain began
        ("S32.010B", 10, True),
        ("S32.010D", 10, False),  # subsequent encounter, routine healing: history
        ("S32.010G", 10, False),
        ("S32.010K", 10, False),
        ("S32.010S", 10, False),  # sequela
        ("M80.08XA", 30, True),
        # a thoracolumbar (T11-T12) fracture presents as low back pain: the same rule
        ("S22.080A", 30, True),
        ("S22.080D", 10, False),
    ],
)
def test_fracture_codes_fire_only_as_initial_encounters(code: str, onset: int, fires: bool) -> None:
    frac = icd_cond("frac", code, "Fracture of lumbar vertebra", onset=onset)
    assert ("R3" in states(run(radic(days=10), frac))) is fires


@pytest.mark.parametrize(("onset", "fires"), [(30, True), (400, False)])
def test_a_fracture_without_an_encounter_character_counts_for_3_months(onset: int, fires: bool) -> None:
    frac = cond("frac", "red_flag_fracture", "426646004", onset=onset)  # SNOMED CT: no 7th character
    assert ("R3" in states(run(radic(days=10), frac))) is fires


def test_incomplete_emptying_alone_is_not_cauda_equina() -> None:
    weak = cond("bladder", "red_flag_sphincter_saddle_symptoms", "R39.14", onset=3)
    assert "R1" not in states(run(radic(days=20), weak))
    retention = cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=3)
    assert states(run(radic(days=20), weak, retention)) == ["R1"]


@pytest.mark.parametrize(
    ("site", "fires"),
    [("Perineum (saddle area)", True), ("Left foot", False)],
)
def test_saddle_paraesthesia_prompts_cauda_equina_screening(site: str, fires: bool) -> None:
    par = replace(cond("par", "skin_anaesthesia_unspecified_site", "R20.2", onset=2), body_site_text=site)
    cards = run(radic(days=20), par)
    assert ("R1" in states(cards)) is fires
    if fires:
        steps = " ".join(card_of(cards, "R1").next_steps).lower()
        assert "bladder" in steps and "bowel" in steps and "saddle" in steps


@pytest.mark.parametrize(
    ("text", "onset", "fires"),
    [
        ("New weakness of both legs since yesterday.", 1, True),
        ("Numbness in the legs bilaterally.", 3, True),
        ("No bilateral leg weakness; right leg only.", 1, False),  # denied
        ("New weakness of both legs since yesterday.", 60, False),  # not new
        ("Weakness of the right leg.", 1, False),  # one leg is radicular
        # denied after both legs are named, in another part of the sentence or in an answer
        ("Pain radiating to both legs, no numbness or weakness.", 1, False),
        ("Both legs: strength 5/5, no numbness.", 1, False),
        ("Bilateral lower extremities: denies weakness, numbness.", 1, False),
        ("Negative for bilateral leg weakness.", 1, False),
        ("Numbness in both legs? No.", 1, False),
        ("Weakness of the right leg, pain in both legs.", 1, False),  # one leg's weakness
        # reported, whatever else the sentence denies
        ("No bladder symptoms but new numbness in both legs.", 1, True),
        ("Denies incontinence and reports bilateral leg numbness.", 1, True),
        ("No weakness, bilateral leg numbness.", 1, True),
        ("Weakness and numbness, both legs, since yesterday.", 1, True),
    ],
)
def test_bilateral_leg_weakness_or_numbness_prompts_screening(text: str, onset: int, fires: bool) -> None:
    weak = cond("legs", "muscle_weakness_unspecified_site", "M62.81", onset=onset, notes=(text,))
    assert ("R1" in states(run(radic(days=30), weak))) is fires


@pytest.mark.parametrize(
    ("note", "fires"),
    [
        ("Both legs go numb and weak after walking 200 m; eased by sitting or bending forward.", False),
        ("Neurogenic claudication: numbness of both legs on standing, relieved by sitting.", False),
        ("New numbness of both legs at rest since this morning.", True),
    ],
)
def test_a_new_stenosis_with_neurogenic_claudication_is_not_cauda_equina(note: str, fires: bool) -> None:
    """Both legs numb on walking and eased by sitting is the stenosis itself: no emergency card."""
    cards = run(cond("st", "lumbar_spinal_stenosis", onset=5, notes=(note,)))
    assert ("R1" in states(cards)) is fires
    assert any(c.indicator == "critical" for c in cards) is fires


@pytest.mark.parametrize(
    "note",
    [
        "Pain radiating to both legs, no numbness or weakness.",
        "Bilateral leg pain. Denies weakness, numbness.",
    ],
)
def test_a_new_radiculopathy_that_denies_leg_weakness_is_not_cauda_equina(note: str) -> None:
    """The radicular diagnosis itself, new this week, with a note that denies weakness and numbness:
    no critical card (before, "both legs" with "numbness" anywhere in the sentence read as a cauda
    equina warning sign)."""
    for fact in (radic(days=5, notes=(note,)), radic(days=5, text=f"Lumbar radiculopathy. {note}")):
        cards = run(fact)
        assert "R1" not in states(cards) and all(c.indicator != "critical" for c in cards)


def test_a_condition_denies_its_text_line_by_line() -> None:
    """A denial in the Condition's text ("without myelopathy") does not reach its note."""
    numb = ("Bilateral leg numbness",)
    legs = replace(
        cond("legs", "muscle_weakness_unspecified_site", "M62.81", onset=1, notes=numb),
        text="Radiculopathy without myelopathy",
    )
    assert "R1" in states(run(radic(days=30), legs))


@pytest.mark.parametrize(
    ("note", "fires"),
    [
        ("Saddle anaesthesia since this morning.", True),
        ("Numb dorsum of the left foot; no saddle anaesthesia.", False),
        ("Denies perineal numbness.", False),
    ],
)
def test_skin_anaesthesia_counts_only_where_saddle_numbness_is_reported(note: str, fires: bool) -> None:
    skin = cond("skin", "red_flag_sphincter_saddle_symptoms", "R20.0", onset=2, notes=(note,))
    assert ("R1" in states(run(radic(days=20), skin))) is fires


@pytest.mark.parametrize(
    ("note", "fires"),
    [
        ("Injects heroin daily.", True),
        ("Oral oxycodone misuse; denies IV drug use.", False),
        ("Never injected.", False),
    ],
)
def test_injection_drug_use_counts_only_where_it_is_reported(note: str, fires: bool) -> None:
    """Opioid use disorder with new pain is an infection risk (R3) when the record says the drug is
    injected, not when it says it is not."""
    oud = cond("oud", "opioid_use_disorder", "F11.20", onset=1500, notes=(note,))
    assert ("R3" in states(run(radic(days=10), oud))) is fires


@pytest.mark.parametrize(
    ("value_set", "code", "days_ago", "fires"),
    [
        ("red_flag_infection", "R50.9", 5, True),  # fever this week
        ("red_flag_infection", "R50.9", 360, True),  # two months before the leg pain began
        ("red_flag_infection", "R50.9", 1000, False),  # two years before it: a stale entry
        ("red_flag_malignancy", "R63.4", 30, True),
        ("red_flag_malignancy", "R63.4", 2000, False),
        ("red_flag_malignancy", "Z85.46", 3000, True),  # a cancer history counts however old
        # a spinal infection that began this year is current; one that began more than a year ago,
        # still marked active (before the leg pain or during a long illness), is a stale entry
        ("red_flag_infection", "M46.46", 200, True),
        ("red_flag_infection", "M46.46", 600, False),
        ("red_flag_infection", "M46.46", 1000, False),
    ],
)
def test_fever_and_weight_loss_belong_to_the_present_illness(
    value_set: str, code: str, days_ago: int, fires: bool
) -> None:
    """Fever and weight loss recorded long before the leg pain began are stale problem-list entries:
    no same-day infection or malignancy card for a fever of two years ago."""
    flag = icd_cond("flag", code, code, onset=days_ago)
    cards = run(radic(days=300), *conservative(300), flag)
    assert TERM.match(value_set, flag.codings) is not None
    assert ("R3" in states(cards)) is fires


@pytest.mark.parametrize(
    ("code", "display", "fires"),
    [
        ("Z85.828", "Personal history of other malignant neoplasm of skin", False),  # basal/squamous cell
        ("Z85.820", "Personal history of malignant melanoma of skin", True),
        ("Z85.3", "Personal history of malignant neoplasm of breast", True),
    ],
)
def test_a_history_of_basal_or_squamous_cell_skin_cancer_is_not_a_red_flag(
    code: str, display: str, fires: bool
) -> None:
    """As the active skin cancer (C44) is not: no suspected-malignancy card for an excised basal cell
    carcinoma; a melanoma history still holds elective care until a contrast MRI."""
    history = icd_cond("skin", code, display, onset=3000)
    assert ("R3" in states(run(radic(days=60), *conservative(60), history))) is fires


@pytest.mark.parametrize("code", ["B20", "D84.9", "Z79.69", "Z79.52"])
def test_immunosuppression_with_new_pain_is_same_day_infection_work_up(code: str) -> None:
    flag = icd_cond("imm", code, "Immunosuppression", onset=900)
    cards = run(radic(days=20), flag)
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"
    text = " ".join(cards[0].next_steps).lower()
    assert "same-day" in text and "blood cultures" in text and "contrast" in text
    assert "R3" not in states(run(radic(days=300), flag))  # a risk context needs new pain


def test_cancer_history_is_a_red_flag_at_any_duration_until_a_contrast_mri() -> None:
    ca = cond("ca", "red_flag_malignancy", "Z85.46", onset=3000)
    cards = run(radic(days=119), *conservative(119), ca)
    assert states(cards) == ["R3"]
    r3 = card_of(cards, "R3")
    assert "72158" in codes_of(r3) and "72148" not in codes_of(r3)
    assert not any("remains an option" in s.lower() for s in r3.next_steps)
    assert "before any epidural injection" in " ".join(r3.next_steps)
    contrast = report("mri-c", "72158", 60, "Disc extrusion L5-S1; no marrow lesion, no enhancing mass.")
    assert "R3" not in states(run(radic(days=119), *conservative(119), ca, contrast))
    plain_before = report("mri-p", "72148", 60, "Disc extrusion L5-S1.")
    assert "R3" in states(run(radic(days=119), *conservative(119), ca, plain_before))


@pytest.mark.parametrize(
    ("value_set", "code", "member"),
    [
        ("red_flag_motor_deficit", "M62.81", False),
        ("red_flag_motor_deficit", "M21.371", True),
        ("red_flag_malignancy", "C79.51", True),
        ("weak_cauda_equina_evidence", "R39.14", True),
        ("red_flag_context_needs_new_pain", "B20", True),
        ("cancer_history", "Z85.46", True),
    ],
)
def test_red_flag_value_sets(value_set: str, code: str, member: bool) -> None:
    assert (TERM.match(value_set, [Coding(ICD, code)]) is not None) is member


# ---------------------------------------------------------------------------------------------
# the order checks read the same red flags
# ---------------------------------------------------------------------------------------------


def _order_rules(*facts: object) -> list[str]:
    cards = evaluate_orders(inp("order-sign", [sr("esi1", "62323")], history(*facts)))
    return [c.rule_id for c in cards]


def _held(*facts: object) -> bool:
    """The ESI is held as an emergency: a critical red-flag card. A stable motor deficit no surgeon has
    seen draws a warning from the same rule instead (surgical opinion before an elective injection)."""
    cards = evaluate_orders(inp("order-sign", [sr("esi1", "62323")], history(*facts)))
    return any(c.rule_id == "order.red-flag-elective" and c.indicator == "critical" for c in cards)


@pytest.mark.parametrize(
    ("flag", "blocks"),
    [
        (("M62.81", 2), False),  # generalised weakness
        (("S32.010D", 30), False),  # healed fracture, subsequent encounter
        (("R39.14", 3), False),  # weak bladder evidence alone
        (("S32.010A", 30), True),
        (("B20", 900), True),  # immunosuppression with new pain
        (("M21.371", 2), True),  # a new foot drop
    ],
)
def test_an_elective_order_is_held_only_for_a_real_red_flag(flag: tuple[str, int], blocks: bool) -> None:
    code, days = flag
    got = _order_rules(ocond("rad", RADICULOPATHY, 30), ocond("flag", code, days))
    assert ("order.red-flag-elective" in got) is blocks


def test_pain_worse_after_a_recent_injection_holds_the_next_one() -> None:
    base = (
        ocond("rad", RADICULOPATHY, 90),
        oproc("esi0", "64483", 10, level="L5-S1"),
        oobs("p0", "pain", 5, 12),
    )
    assert "order.red-flag-elective" in _order_rules(*base, oobs("p1", "pain", 8, 2))
    assert "order.red-flag-elective" not in _order_rules(*base, oobs("p1", "pain", 4, 2))


RELIEF_AT_INJECTION = replace(oobs("p1", "pain", 1, 10), part_of=("Procedure/esi0",))
RELIEF_UNLINKED = replace(RELIEF_AT_INJECTION, part_of=())


@pytest.mark.parametrize(
    ("scores", "held"),
    [
        # the relief recorded just after the injection, then pain back at its baseline: it failed
        ((oobs("p0", "pain", 6, 12), RELIEF_AT_INJECTION, oobs("p2", "pain", 6, 1)), False),
        ((oobs("p0", "pain", 6, 12), RELIEF_UNLINKED, oobs("p2", "pain", 6, 1)), False),
        # the pre-procedure and the post-procedure score of the same day: the higher is where it began
        ((oobs("p0", "pain", 6, 10), RELIEF_UNLINKED, oobs("p2", "pain", 6, 1)), False),
        # worse than before the injection, whatever the relief just after it
        ((oobs("p0", "pain", 5, 12), RELIEF_AT_INJECTION, oobs("p2", "pain", 8, 1)), True),
    ],
    ids=["relief-linked", "relief-same-day", "pre-and-post-same-day", "worse"],
)
def test_pain_back_at_baseline_after_an_injection_is_not_worse(
    scores: tuple[object, ...], held: bool
) -> None:
    base = (ocond("rad", RADICULOPATHY, 90), oproc("esi0", "64483", 10, level="L5-S1"))
    assert ("order.red-flag-elective" in _order_rules(*base, *scores)) is held


def test_pain_back_at_baseline_after_an_injection_is_a_failed_injection_not_an_infection() -> None:
    esi = proc("esi1", "esi_lumbar_all", "64483", days=14, level="L5-S1")
    relief = obs("p1", "pain", 1, 14, part_of=("Procedure/esi1",))
    facts = (radic(days=120), *conservative(110), obs("p0", "pain", 6, 20), esi, relief)
    assert "R3" not in states(run(*facts, obs("p2", "pain", 6, 0)))
    assert states(run(*facts, obs("p2", "pain", 8, 0))) == ["R3"]


@pytest.mark.parametrize(
    ("code", "fires", "fires_after_contrast_mri"),
    [
        ("C50.911", True, False),  # active breast cancer: until contrast MRI has looked
        ("C61", True, False),
        ("C79.51", True, True),  # bone metastasis stays a red flag
        ("C41.2", True, True),  # vertebral tumour stays a red flag
        ("C44.91", False, False),  # basal cell skin cancer is not a spinal red flag
    ],
)
def test_active_cancer_codes(code: str, fires: bool, fires_after_contrast_mri: bool) -> None:
    ca = icd_cond("ca", code, "Malignant neoplasm", onset=400)
    chronic = (radic(days=200), *conservative(190), ca)
    assert ("R3" in states(run(*chronic))) is fires
    contrast = report("mri-c", "72158", 30, "Disc extrusion L4-5; no marrow lesion, no enhancing mass.")
    assert ("R3" in states(run(*chronic, contrast))) is fires_after_contrast_mri


def test_sciatic_nerve_palsy_is_a_mimic_not_a_red_flag() -> None:
    palsy = [Coding("http://snomed.info/sct", "247390002")]
    assert TERM.match("red_flag_motor_deficit", palsy) is None
    assert TERM.match("alternative_or_mimicking_diagnoses", palsy) is not None


def test_a_new_polyneuropathy_with_numb_feet_is_a_mimic_not_cauda_equina() -> None:
    """Symmetric numbness recorded as diabetic polyneuropathy is explained by that diagnosis: no
    critical cauda equina card (the same words on a generalised-weakness code still screen)."""
    neuropathy = icd_cond(
        "dpn", "E11.42", "Type 2 diabetes mellitus with diabetic polyneuropathy", onset=3,
        notes=("Numbness of both feet, stocking distribution.",),
    )  # fmt: skip
    assert "R1" not in states(run(radic(days=30), neuropathy))
    weak = cond(
        "legs", "muscle_weakness_unspecified_site", "M62.81", onset=3, notes=("Numbness of both feet.",)
    )
    assert "R1" in states(run(radic(days=30), weak))


# A finding long on the problem list is often coded again as an encounter diagnosis at the visit,
# with no onset of its own: that record dates from the problem-list entry, not from today.


def recoded_today(c: ConditionFact, **kw: object) -> ConditionFact:
    """``c`` coded again at today's visit as an encounter diagnosis, with no onset of its own."""
    return replace(
        c, ref=f"{c.ref}-visit", categories=("encounter-diagnosis",), onset=TODAY, recorded=TODAY, **kw
    )  # type: ignore[arg-type]


FOOT_DROP_2Y = cond("drop", "red_flag_motor_deficit", "M21.371", onset=700)
SURGEON_SAW_IT = order("ref", "referral_spine_surgery", status="completed", authored=650)
CHRONIC = (radic(days=800), *conservative(790))


def test_a_foot_drop_known_for_years_and_coded_again_today_is_not_progressive() -> None:
    cards = run(*CHRONIC, FOOT_DROP_2Y, recoded_today(FOOT_DROP_2Y))
    assert states(cards) == ["R2"] and cards[0].indicator == "warning"
    # one line for the foot drop, dated from the problem list, naming today's record too
    (line,) = [f for f in cards[0].why if f.text.startswith("motor deficit")]
    assert (line.ref, line.also) == ("Condition/drop", ("Condition/drop-visit",))
    assert f"since {FOOT_DROP_2Y.onset}" in line.text and f"coded again {TODAY}" in line.text
    # seen by a spine surgeon after it first appeared: the pathway goes on
    assert "R2" not in states(run(*CHRONIC, recoded_today(FOOT_DROP_2Y), FOOT_DROP_2Y, SURGEON_SAW_IT))


@pytest.mark.parametrize(
    "visit",
    [
        # the other foot
        replace(recoded_today(FOOT_DROP_2Y), codings=(TERM.coding("red_flag_motor_deficit", "M21.372"),)),
        # the same code on the other side, by body site
        recoded_today(FOOT_DROP_2Y, body_site_text="Left foot"),
        # with an onset of its own, this week
        replace(recoded_today(FOOT_DROP_2Y), onset=TODAY - timedelta(days=3)),
    ],
    ids=["other-foot", "other-side-by-site", "own-onset-this-week"],
)
def test_a_new_foot_drop_beside_an_old_one_stays_critical(visit: ConditionFact) -> None:
    old = replace(FOOT_DROP_2Y, body_site_text="Right foot")
    cards = run(*CHRONIC, old, visit, SURGEON_SAW_IT)
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


@pytest.mark.parametrize(
    "earlier",
    [
        replace(FOOT_DROP_2Y, clinical_status="resolved"),  # resolved, and now back
        replace(FOOT_DROP_2Y, categories=("encounter-diagnosis",)),  # an old visit's diagnosis only
    ],
    ids=["resolved", "old-encounter-diagnosis"],
)
def test_only_a_current_problem_list_entry_makes_todays_record_old(earlier: ConditionFact) -> None:
    cards = run(*CHRONIC, earlier, recoded_today(FOOT_DROP_2Y), SURGEON_SAW_IT)
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


def test_the_latest_deficit_decides_whether_a_surgeon_has_seen_it() -> None:
    """A right foot drop seen by a surgeon, then a left one three weeks ago that no surgeon has seen:
    the warning stands, whichever order the record lists them in."""
    left = cond("drop-l", "red_flag_motor_deficit", "M21.372", onset=21)
    for facts in ((FOOT_DROP_2Y, left), (left, FOOT_DROP_2Y)):
        cards = run(*CHRONIC, *facts, SURGEON_SAW_IT)
        assert states(cards) == ["R2"] and cards[0].indicator == "warning"


def test_long_standing_incontinence_coded_again_today_is_not_cauda_equina() -> None:
    incontinence = cond("inc", "red_flag_sphincter_saddle_symptoms", "R32", onset=1000)
    visit = recoded_today(incontinence)
    assert "R1" not in states(run(radic(days=60), *conservative(50), incontinence, visit))
    assert states(run(radic(days=60), *conservative(50), visit)) == ["R1"]


def test_long_standing_weakness_of_both_legs_coded_again_today_does_not_screen() -> None:
    note = ("Weakness of both legs.",)
    weak = cond("legs", "muscle_weakness_unspecified_site", "M62.81", onset=400, notes=note)
    assert "R1" not in states(run(radic(days=30), weak, recoded_today(weak)))
    assert "R1" in states(run(radic(days=30), recoded_today(weak)))


def test_a_new_symptom_under_the_code_of_an_old_different_one_is_new() -> None:
    """Generic codes carry different findings: weakness of one leg two years ago does not make
    today's weakness of both legs old, nor foot numbness today's saddle anaesthesia."""
    right = ("Weakness of the right leg.",)
    one_leg = cond("w", "muscle_weakness_unspecified_site", "M62.81", onset=700, notes=right)
    both = replace(recoded_today(one_leg), notes=("New weakness of both legs since yesterday.",))
    assert states(run(radic(days=30), one_leg, both)) == ["R1"]
    numb_foot = ("Numb left foot dorsum.",)
    foot = cond("n", "red_flag_sphincter_saddle_symptoms", "R20.0", onset=700, notes=numb_foot)
    saddle = replace(recoded_today(foot), notes=("New saddle anaesthesia since this morning.",))
    assert states(run(radic(days=30), foot, saddle)) == ["R1"]


def test_a_decompressed_cauda_equina_coded_again_at_follow_up_is_history() -> None:
    ces = cond("ces", "red_flag_cauda_equina", onset=400)
    decompression = proc("lam", "prior_lumbar_spine_surgery", "63030", days=380)
    facts = (radic(days=420), *conservative(300), ces, decompression)
    assert "R1" not in states(run(*facts))
    assert "R1" not in states(run(*facts, recoded_today(ces)))


def test_an_order_is_not_held_for_an_old_foot_drop_coded_again_today() -> None:
    old = ocond("fd", "M21.371", 700, "Foot drop, right foot")
    visit = replace(
        old, ref="Condition/fd-visit", categories=("encounter-diagnosis",), onset=OTODAY, recorded=OTODAY
    )
    assert not _held(ocond("rad", RADICULOPATHY, 800), old, visit)
    assert _held(ocond("rad", RADICULOPATHY, 800), visit)


# Serial strength scores: one muscle's history is its own scores.


def strength(ref: str, name: str, value: float, days: int) -> ObservationFact:
    return replace(obs(ref, "strength", value, days), text=name)


EXAM_3_WEEKS_AGO = (
    strength("hip", "Right hip flexion strength (MRC)", 5, 21),
    strength("knee", "Right knee extension strength (MRC)", 5, 21),
    strength("ehl", "Right EHL strength (MRC)", 4, 21),
)
STILL_ACHING = (radic(days=90), *conservative(80))


def test_one_muscles_score_is_not_compared_with_anothers() -> None:
    """Hip flexion 5/5 and EHL 4/5 three weeks ago, EHL 4/5 today: nothing has fallen."""
    cards = run(*STILL_ACHING, *EXAM_3_WEEKS_AGO, strength("ehl-2", "Right EHL strength (MRC)", 4, 1))
    assert "R2" not in states(cards)
    other_side = (
        strength("l", "Left ankle dorsiflexion", 5, 10),
        strength("r", "Right ankle dorsiflexion", 4, 1),
    )
    assert "R2" not in states(run(*STILL_ACHING, *other_side))


@pytest.mark.parametrize(
    "today",
    [
        strength("ehl-2", "Extensor hallucis longus power, right", 3, 1),  # the same muscle in other words
        strength("ehl-2", "Right great toe extension (EHL)", 3, 1),
    ],
)
def test_a_fall_in_one_muscle_is_found_whatever_it_is_called(today: ObservationFact) -> None:
    cards = run(*STILL_ACHING, *EXAM_3_WEEKS_AGO, today)
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"
    assert cards[0].why[0].text.startswith("Right EHL strength (MRC) 4 on")


def test_strength_in_general_covers_every_muscle() -> None:
    """"Motor strength 5/5" last month and EHL 4/5 today: the EHL has fallen."""
    general = strength("all", "Motor strength, lower limbs", 5, 30)
    cards = run(*STILL_ACHING, general, strength("e", "Right EHL", 4, 1))
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


DORSIFLEXION = "Ankle dorsiflexion strength (MRC)"


@pytest.mark.parametrize(
    ("scores", "indicator"),
    [
        (((5, 900), (3, 410), (3, 2)), "warning"),  # fell a year ago, unchanged since: stable
        (((4, 60), (2, 30), (2, 1)), "warning"),  # fell a month ago, unchanged today
        (((4, 30), (2, 10), (2, 1)), "critical"),  # fell within two weeks
        (((4, 60), (2, 30)), "warning"),  # fell a month ago, not examined since: examine again
        (((5, 400), (3, 300)), "warning"),  # fell ten months ago, not examined since
        (((4, 30), (2, 10)), "critical"),  # fell within two weeks, not examined since
        (((5, 900), (3, 410), (2, 2)), "critical"),  # still falling
        (((4, 100), (2, 90), (4, 50), (2, 1)), "critical"),  # recovered, then fell again
    ],
)
def test_a_fall_in_strength_that_has_held_is_a_stable_deficit(
    scores: tuple[tuple[float, int], ...], indicator: str
) -> None:
    series = [strength(f"s{i}", DORSIFLEXION, v, d) for i, (v, d) in enumerate(scores)]
    cards = run(radic(days=1000), *conservative(990), *series)
    assert states(cards) == ["R2"] and cards[0].indicator == indicator


def test_a_fall_that_has_held_needs_no_card_once_a_surgeon_has_seen_it() -> None:
    series = [strength(f"s{i}", DORSIFLEXION, v, d) for i, (v, d) in enumerate(((5, 900), (3, 410), (3, 2)))]
    seen = order("ref", "referral_spine_surgery", status="completed", authored=380)
    assert "R2" not in states(run(radic(days=1000), *conservative(990), *series, seen))


def test_an_order_is_held_for_a_fall_in_strength_in_progress_even_with_no_deficit_coded() -> None:
    falling = (oobs("s1", "strength", 4, 30), oobs("s2", "strength", 2, 2))
    assert _held(ocond("rad", RADICULOPATHY, 120), *falling)
    held = (oobs("s0", "strength", 5, 900), oobs("s1", "strength", 3, 410), oobs("s2", "strength", 3, 2))
    assert not _held(ocond("rad", RADICULOPATHY, 1000), *held)


def test_a_coded_retention_leads_with_the_emergency_not_the_screening_questions() -> None:
    """The questions about bladder, bowel and saddle sensation come first when both legs or saddle
    numbness raise cauda equina; a coded new retention already confirms it, and the one step a card
    shows is then the emergency MRI and surgical assessment."""
    retention = cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2)
    coded = card_of(run(radic(days=20), retention), "R1")
    assert coded.next_steps[0].startswith("Emergency MRI")
    assert not any("Ask today" in s for s in coded.next_steps)
    note = ("Numbness in the legs bilaterally.",)
    legs = cond("legs", "muscle_weakness_unspecified_site", "M62.81", onset=1, notes=note)
    assert card_of(run(radic(days=20), legs), "R1").next_steps[0].startswith("Ask today about bladder")


def test_a_cauda_equina_diagnosis_is_named_once_as_what_it_is() -> None:
    """A cauda equina syndrome whose note speaks of both legs is one fact, "cauda equina diagnosis",
    never also a "new bilateral leg symptom"."""
    ces = cond("ces", "red_flag_cauda_equina", onset=1, notes=("Numbness and weakness of both legs.",))
    c = card_of(run(radic(days=20), ces), "R1")
    assert [f.text.split(":")[0] for f in c.why if f.ref == "Condition/ces"] == ["cauda equina diagnosis"]


def test_the_elective_order_to_hold_is_among_the_facts_a_red_flag_card_shows() -> None:
    """A booked SCS trial beside cauda equina: the second fact, right after the finding, and its short
    form says to hold it (the card shows three facts; the spinal diagnoses come after)."""
    ces = cond("ces", "red_flag_cauda_equina", onset=1)
    trial = order("trial", "scs_percutaneous_lead", authored=20, status="active")
    c = card_of(run(radic(days=200), ces, trial), "R1")
    assert c.why[0].ref == "Condition/ces" and c.why[1].ref == "ServiceRequest/trial"
    assert c.why[1].brief.startswith("hold: ")


# A foot drop that a diagnosed peroneal (or sciatic) neuropathy explains (decision model §7.5).

PERONEAL_R = "Lesion of lateral popliteal nerve, right lower limb"
NEW_FOOT_DROP_R = cond("drop", "red_flag_motor_deficit", "M21.371", onset=3)


@pytest.mark.parametrize("neuropathy_onset", [5, 400], ids=["diagnosed-with-it", "known-before"])
def test_a_foot_drop_a_peroneal_neuropathy_explains_is_not_critical(neuropathy_onset: int) -> None:
    """A new right foot drop beside a right peroneal neuropathy: a warning that names the neuropathy
    and asks for the examination and EMG that tell it from an L5 root lesion, never the critical
    "progressive motor deficit" card on the foot drop code alone."""
    peroneal = icd_cond("per", "G57.31", PERONEAL_R, onset=neuropathy_onset)
    cards = run(radic(days=60), *conservative(60), peroneal, NEW_FOOT_DROP_R)
    assert states(cards) == ["R2"] and cards[0].indicator == "warning"
    r2 = cards[0]
    assert "peroneal neuropathy" in r2.summary and "critical" not in {c.indicator for c in cards}
    assert "Condition/per" in refs_of(r2) and "Condition/drop" in refs_of(r2)
    steps = " ".join(r2.next_steps)
    assert "EMG" in steps and "ankle inversion" in steps and "seed" not in steps.lower()
    emg = [s for s in r2.suggestions if "EMG" in s.label]
    assert emg and emg[0].is_recommended
    # the order checks read the same: not an emergency hold on the ESI
    got = _order_rules(
        ocond("rad", RADICULOPATHY, 60),
        ocond("per", "G57.31", neuropathy_onset, PERONEAL_R),
        ocond("fd", "M21.371", 3, "Foot drop, right foot"),
    )
    assert "order.red-flag-elective" not in got


@pytest.mark.parametrize(
    "peroneal",
    [
        icd_cond("per", "G57.32", "Lesion of lateral popliteal nerve, left lower limb", onset=5),  # other leg
        icd_cond("per", "G57.31", PERONEAL_R, onset=5, clinical_status="resolved"),
        icd_cond("per", "G57.31", PERONEAL_R, onset=5, verification_status="refuted"),
    ],
    ids=["other-side", "resolved", "refuted"],
)
def test_a_peroneal_neuropathy_that_does_not_explain_the_foot_drop_leaves_it_critical(
    peroneal: ConditionFact,
) -> None:
    cards = run(radic(days=60), *conservative(60), peroneal, NEW_FOOT_DROP_R)
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


def test_falling_strength_stays_critical_beside_a_peroneal_neuropathy() -> None:
    """A documented L5 radiculopathy with ankle dorsiflexion falling 4/5 → 2/5 this week: critical,
    whatever neuropathy is on record."""
    peroneal = icd_cond("per", "G57.31", PERONEAL_R, onset=200)
    falling = (strength("s1", DORSIFLEXION, 4, 30), strength("s2", DORSIFLEXION, 2, 3))
    cards = run(radic(days=60), *conservative(60), peroneal, NEW_FOOT_DROP_R, *falling)
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


def test_a_foot_drop_explained_and_tested_by_emg_needs_no_red_flag_card() -> None:
    peroneal = icd_cond("per", "G57.31", PERONEAL_R, onset=5)
    emg = proc("emg", "electrodiagnostic_emg_ncs", days=2)
    assert "R2" not in states(run(radic(days=60), *conservative(60), peroneal, NEW_FOOT_DROP_R, emg))
    before = proc("emg", "electrodiagnostic_emg_ncs", days=300)  # the EMG predates the foot drop
    cards = run(radic(days=60), *conservative(60), peroneal, NEW_FOOT_DROP_R, before)
    assert states(cards) == ["R2"] and cards[0].indicator == "warning"


def test_a_fall_in_strength_not_scored_since_asks_for_a_new_score() -> None:
    series = (strength("s0", DORSIFLEXION, 5, 400), strength("s1", DORSIFLEXION, 3, 300))
    cards = run(radic(days=1000), *conservative(990), *series)
    assert states(cards) == ["R2"] and cards[0].indicator == "warning"
    assert any("strength score since" in g for g in cards[0].gaps)
    held = (oobs("s0", "strength", 5, 400), oobs("s1", "strength", 3, 300))
    assert not _held(ocond("rad", RADICULOPATHY, 1000), *held)


# Opioid use disorder: current injection use only.


@pytest.mark.parametrize(
    ("code", "display", "note", "fires"),
    [
        ("F11.21", "Opioid dependence, in remission", "", False),
        ("F11.11", "Opioid abuse, in remission", "", False),
        ("F11.21", "Opioid dependence, in remission", "History of IV heroin use.", False),
        ("F11.20", "Opioid dependence, uncomplicated", "Sublocade (buprenorphine injection).", False),
        ("F11.20", "Opioid dependence, uncomplicated", "Vivitrol injection monthly.", False),
        ("F11.20", "Opioid dependence, uncomplicated", "Naloxone injection kit given.", False),
        ("F11.20", "Opioid dependence, uncomplicated", "Former IVDU, abstinent since 2015.", False),
        ("F11.20", "Opioid dependence, uncomplicated", "IV drug use, in sustained remission.", False),
        ("F11.20", "Opioid dependence, uncomplicated", "Uses IV heroin daily.", True),
        ("F11.23", "Opioid dependence with withdrawal", "Injects heroin daily.", True),
        ("F11.20", "Opioid dependence, uncomplicated", "Injects heroin; started on buprenorphine.", True),
    ],
)
def test_only_current_injection_drug_use_is_an_infection_risk(
    code: str, display: str, note: str, fires: bool
) -> None:
    """An opioid use disorder coded in remission, an injected treatment (buprenorphine depot,
    naltrexone, naloxone) or injection use put in the past is no same-day infection work-up; any
    current F11 code with injection use now is."""
    oud = icd_cond("oud", code, display, onset=1500, notes=(note,) if note else ())
    cards = run(radic(days=10), oud)
    assert ("R3" in states(cards)) is fires
    assert (any(c.indicator == "critical" for c in cards)) is fires


# Ordinary EHR records: onsets in words, abatement, a treated cancer.


def _onset_in_words(c: ConditionFact) -> ConditionFact:
    """``c`` entered today with its onset sent as "years ago" (the reader keeps recordedDate as onset)."""
    return replace(c, onset=TODAY, recorded=TODAY, onset_unread="years ago", onset_from_record=True)


@pytest.mark.parametrize(
    ("finding", "state"),
    [
        (cond("drop", "red_flag_motor_deficit", "M21.371"), "R2"),
        (cond("inc", "red_flag_sphincter_saddle_symptoms", "R32"), "R1"),
        (cond("ces", "red_flag_cauda_equina"), "R1"),
        (icd_cond("frac", "S32.010A", "Fracture of first lumbar vertebra", onset=0), "R3"),
    ],
    ids=["foot-drop", "incontinence", "cauda-equina", "fracture"],
)
def test_a_finding_entered_today_with_an_onset_years_ago_is_not_new(
    finding: ConditionFact, state: str
) -> None:
    facts = (radic(days=200), *conservative(190))
    old = _onset_in_words(finding)
    assert all(c.indicator != "critical" for c in run(*facts, old))
    # the same record with a dated onset this week stays an emergency
    new = replace(old, onset=TODAY - timedelta(days=2), onset_unread=None)
    cards = run(*facts, new)
    assert states(cards) == [state] and cards[0].indicator == "critical"


def test_bilateral_leg_symptoms_that_have_abated_do_not_screen() -> None:
    note = ("New weakness of both legs.",)
    legs = cond("legs", "muscle_weakness_unspecified_site", "M62.81", onset=3, notes=note)
    assert "R1" in states(run(radic(days=30), legs))
    assert "R1" not in states(run(radic(days=30), replace(legs, abatement=TODAY - timedelta(days=1))))


@pytest.mark.parametrize("status", ["resolved", "inactive", "remission"])
def test_a_cancer_recorded_as_resolved_is_a_cancer_history(status: str) -> None:
    """A breast cancer treated years ago and left on the record as resolved is a history of cancer:
    a red flag until an MRI without and with contrast has looked (§7.3), as Z85.3 would be."""
    breast = "Malignant neoplasm of right female breast"
    ca = icd_cond("ca", "C50.911", breast, onset=2000, clinical_status=status)
    facts = (radic(days=200), *conservative(190), ca)
    cards = run(*facts)
    assert states(cards) == ["R3"]
    assert any(f.text.startswith("cancer history: ") for f in cards[0].why)
    contrast = report("mri-c", "72158", 30, "Disc extrusion L4-5; no marrow lesion, no enhancing mass.")
    assert "R3" not in states(run(*facts, contrast))
    weight = icd_cond("wl", "R63.4", "Abnormal weight loss", onset=20, clinical_status="resolved")
    assert "R3" not in states(run(radic(days=200), *conservative(190), weight))
    for ruled_out in ("refuted", "differential", "provisional"):
        suspected = replace(ca, verification_status=ruled_out)
        assert "R3" not in states(run(radic(days=200), *conservative(190), suspected))


# ---------------------------------------------------------------------------------------------
# R1: recorded saddle anaesthesia is the emergency; screening cards say they screen
# ---------------------------------------------------------------------------------------------

SADDLE_SITE = "Perineum and inner thighs (saddle area)"


def _saddle(ref: str, member: str, *, site: str = SADDLE_SITE, notes: tuple[str, ...] = ()) -> ConditionFact:
    skin = cond(ref, "skin_anaesthesia_unspecified_site", member, onset=1, notes=notes)
    return replace(skin, body_site_text=site, categories=("encounter-diagnosis",))


def _shown_step(card: CardDraft) -> str:
    """The next step as the card shows it: the first sentence of the first step."""
    return first_sentence(card.next_steps[0])


@pytest.mark.parametrize(
    ("finding", "name"),
    [
        (_saddle("saddle", "R20.0"), "saddle anaesthesia"),
        (_saddle("saddle", "R20.1"), "saddle numbness"),
        (
            _saddle("saddle", "R20.2", notes=("Perineal numbness and tingling since yesterday.",)),
            "saddle numbness",
        ),
    ],
    ids=["anaesthesia-R20.0", "hypoaesthesia-R20.1", "paraesthesia-code-numbness-reported"],
)
def test_recorded_saddle_anaesthesia_leads_with_the_emergency_not_the_questions(
    finding: ConditionFact, name: str
) -> None:
    """New saddle anaesthesia or numbness is itself a cauda equina criterion: the card does not ask the
    clinician to screen for the sign the record already holds; its one shown step is the emergency MRI,
    as its summary says, and the fact names the finding as saddle anaesthesia, not "Anesthesia of
    skin"."""
    c = card_of(run(radic(days=20), finding), "R1")
    assert c.indicator == "critical"
    assert "emergency MRI today" in c.summary
    assert _shown_step(c).startswith("Emergency MRI of the lumbar spine today")
    assert not any("Ask today" in s for s in c.next_steps)
    fact = next(f for f in c.why if f.ref == "Condition/saddle")
    assert fact.brief == f"new {name} since {finding.onset}"
    assert "of skin" not in fact.brief and "sphincter" not in fact.brief
    detail = render_detail(c)
    assert f"`Condition/saddle` new {name} since {finding.onset}" in detail
    assert "**Next:** Emergency MRI" in detail


def test_saddle_paraesthesia_alone_is_a_screening_card_and_says_so() -> None:
    """Tingling in the saddle area prompts the questions (§7.3): the summary says to ask today, not
    that an emergency MRI is due now, and the shown step asks them and says what follows if any is
    abnormal."""
    par = _saddle("par", "R20.2", site="Perineum (saddle area)", notes=("Tingling around the perineum.",))
    c = card_of(run(radic(days=20), par), "R1")
    assert c.indicator == "critical"
    assert "ask today about bladder, bowel and saddle sensation" in c.summary
    assert "emergency MRI today" not in c.summary
    shown = _shown_step(c)
    assert shown.startswith("Ask today about bladder, bowel and saddle sensation")
    assert "emergency MRI today" in shown
    fact = next(f for f in c.why if f.ref == "Condition/par")
    assert fact.brief == f"new saddle paraesthesia since {par.onset}"
    assert "Perineum (saddle area)" in fact.text  # the full reasoning keeps the site it was read from
    assert len(c.summary) <= 139


R1_VARIANTS = {
    "diagnosis": cond("ces", "red_flag_cauda_equina", onset=1),
    "retention": cond("ret", "red_flag_sphincter_saddle_symptoms", "R33.9", onset=2),
    "saddle-anaesthesia": _saddle("saddle", "R20.0"),
    "saddle-numbness": _saddle("saddle", "R20.1"),
    "saddle-paraesthesia": _saddle("saddle", "R20.2"),
    "both-legs": cond(
        "legs", "muscle_weakness_unspecified_site", "M62.81", onset=1, notes=("New weakness of both legs.",)
    ),
}


@pytest.mark.parametrize("variant", sorted(R1_VARIANTS))
def test_every_r1_card_shows_first_the_action_its_summary_states(variant: str) -> None:
    """Summary and shown step agree on every cauda equina card: an emergency card's first step is the
    emergency MRI; a screening card's summary and first step both ask today."""
    c = card_of(run(radic(days=20), R1_VARIANTS[variant]), "R1")
    shown = _shown_step(c)
    detail = render_detail(c)
    if c.summary.startswith("Suspected cauda equina syndrome: emergency MRI today"):
        assert shown.startswith("Emergency MRI of the lumbar spine today"), variant
        assert not any("Ask today" in s for s in c.next_steps), variant
        assert variant in ("diagnosis", "retention", "saddle-anaesthesia", "saddle-numbness")
    else:
        assert c.summary.startswith("Possible cauda equina syndrome: ask today"), c.summary
        assert shown.startswith("Ask today about bladder, bowel and saddle sensation"), variant
        assert variant in ("saddle-paraesthesia", "both-legs")
    assert f"**Next:** {shown.split(';')[0]}" in detail
    assert "72148" in codes_of(c)  # the emergency MRI is offered on every variant
    # pre-selected only where the card says the MRI is due today; a screening card offers it
    mri = next(s for s in c.suggestions if "MRI" in s.label)
    assert mri.is_recommended == c.summary.startswith("Suspected cauda equina syndrome"), variant


def test_a_screening_card_offers_the_stat_mri_without_pre_selecting_it() -> None:
    """The questions decide whether the emergency MRI is needed today: the stat MRI is offered, not
    pre-selected, on the screening card (it was pre-selected as on the emergency card)."""
    for variant in ("saddle-paraesthesia", "both-legs"):
        c = card_of(run(radic(days=20), R1_VARIANTS[variant]), "R1")
        assert c.summary.startswith("Possible cauda equina syndrome"), variant
        mri = next(s for s in c.suggestions if s.label.startswith("Stat: order MRI"))
        assert not mri.is_recommended, variant
        assert "72148" in codes_of(c)
    emergency = card_of(run(radic(days=20), R1_VARIANTS["retention"]), "R1")
    assert next(s for s in emergency.suggestions if "MRI" in s.label).is_recommended


def test_an_infection_card_names_the_operation_weeks_before() -> None:
    """Fever and suspected discitis four weeks after a microdiscectomy: the operation decides the
    infection risk and is among the facts the card shows, beside the discitis."""
    cards = run(
        radic(days=120),
        proc("disc-op", "lumbar_decompression_discectomy", "63030", days=28, level="L4-L5"),
        cond("fever", "red_flag_infection", "R50.9", onset=3, category=("encounter-diagnosis",)),
        cond(
            "discitis", "red_flag_infection", "M46.46", onset=2, verification="provisional",
            category=("encounter-diagnosis",),
        ),
    )  # fmt: skip
    c = card_of(cards, "R3")
    refs = [f.ref for f in c.why]
    assert "Procedure/disc-op" in refs[:3], refs
    detail = render_detail(c)
    assert "`Procedure/disc-op`" in detail and "4 weeks ago" in detail
    assert "`Condition/discitis`" in detail
    # an operation years ago is not named as the infection's cause
    old = run(
        radic(days=1200),
        proc("disc-op", "lumbar_decompression_discectomy", "63030", days=900, level="L4-L5"),
        cond("discitis", "red_flag_infection", "M46.46", onset=2, verification="provisional"),
    )
    assert "Procedure/disc-op" not in [f.ref for f in card_of(old, "R3").why]


# ---------------------------------------------------------------------------------------------
# R3: an infected stimulator or intrathecal pump (ICD-10-CM T85.73x, initial encounter)
# ---------------------------------------------------------------------------------------------

DEVICE_INFECTIONS = {
    "T85.733A": "Infection and inflammatory reaction due to implanted electronic neurostimulator of "
    "spinal cord, electrode (lead), initial encounter",
    "T85.734A": "Infection and inflammatory reaction due to implanted electronic neurostimulator, "
    "generator, initial encounter",
    "T85.735A": "Infection and inflammatory reaction due to cranial or spinal infusion catheter, "
    "initial encounter",
    "T85.738A": "Infection and inflammatory reaction due to other nervous system device, implant or "
    "graft, initial encounter",
}


@pytest.mark.parametrize("code", sorted(DEVICE_INFECTIONS))
def test_device_infection_codes_are_infection_red_flags_as_the_release_names_them(code: str) -> None:
    member = TERM.match("red_flag_infection", [Coding(ICD, code)])
    assert member is not None and member.display == DEVICE_INFECTIONS[code]
    assert TERM.match("implanted_device_infection", [Coding(ICD, code)]) is not None
    assert TERM.match("red_flag_any_condition", [Coding(ICD, code)]) is not None


@pytest.mark.parametrize("code", sorted(DEVICE_INFECTIONS))
def test_an_infected_stimulator_or_pump_is_a_same_day_infection_red_flag(code: str) -> None:
    infected = icd_cond("dev", code, DEVICE_INFECTIONS[code], onset=3)
    scs = proc("ipg", "spinal_cord_stimulation", "63685", days=700)
    cards = run(radic(days=900), *conservative(900), scs, infected)
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"
    r3 = cards[0]
    assert "infection" in r3.summary and "same-day" in r3.summary
    assert "Condition/dev" in refs_of(r3)
    assert any(f.text.startswith("implanted device infection: ") for f in r3.why)
    steps = " ".join(r3.next_steps)
    assert "blood cultures" in steps and "implanting team" in steps
    assert "72158" in codes_of(r3)


@pytest.mark.parametrize("seventh", ["D", "S"])
def test_a_device_infection_coded_as_follow_up_or_sequela_is_not_a_red_flag(seventh: str) -> None:
    """Only the initial encounter (7th character A) is an active infection, as for fracture codes;
    subsequent-encounter and sequela codes are not members of the value set."""
    code = f"T85.734{seventh}"
    assert TERM.match("red_flag_infection", [Coding(ICD, code)]) is None
    later = icd_cond("dev", code, "Infection due to implanted neurostimulator generator", onset=3)
    assert "R3" not in states(run(radic(days=900), *conservative(900), later))


ORDER_RED_FLAG = "order.red-flag-elective"
PUMP_IMPLANTED = oproc("pump", "62362", 700, "Intrathecal programmable pump implant")
SCS_IMPLANTED = oproc("ipg", "63685", 400, "Spinal cord stimulator pulse generator implant")


def _order_cards(order_: dict[str, object], *facts: object) -> list[CardDraft]:
    return evaluate_orders(inp("order-sign", [order_], history(*facts)))


@pytest.mark.parametrize("code", ["T85.735A", "T85.738A"])
def test_a_pump_replacement_with_an_infected_pump_is_held(code: str) -> None:
    """A new pump is not implanted into an infected field: the replacement order is held, the card
    names the infection and plans the device removal with the implanting team."""
    order_ = sr("x", "62362", "Replacement of programmable intrathecal pump (battery end of life)")
    infected = ocond("dev", code, 5, DEVICE_INFECTIONS[code])
    rad = ocond("rad", RADICULOPATHY, 900)
    cards = _order_cards(order_, rad, infected, PUMP_IMPLANTED)
    held = [c for c in cards if c.rule_id == ORDER_RED_FLAG]
    assert len(held) == 1, [c.rule_id for c in cards]
    card = held[0]
    assert card.indicator == "critical"
    assert "infection" in card.summary and "replacing the intrathecal pump" in card.summary
    assert any(f.ref == "Condition/dev" for f in card.why)
    # the card the clinician reads names the infection, not only the order it holds
    assert "`Condition/dev` red flag: infection of" in render_detail(card)
    assert any("No new pump while infection is suspected" in s for s in card.next_steps)
    assert all(s.label.startswith(("Defer the pump replacement", "Urgent", "Stat")) for s in card.suggestions)
    # the same replacement with the infection coded as a later encounter passes
    follow_up = ocond("dev", code.replace("A", "D"), 5, DEVICE_INFECTIONS[code])
    assert ORDER_RED_FLAG not in [c.rule_id for c in _order_cards(order_, rad, follow_up, PUMP_IMPLANTED)]


def test_a_generator_replacement_with_an_infected_stimulator_is_held() -> None:
    order_ = sr("x", "63685", "SCS generator replacement")
    infected = ocond("dev", "T85.734A", 5, DEVICE_INFECTIONS["T85.734A"])
    cards = _order_cards(order_, ocond("rad", RADICULOPATHY, 900), infected, SCS_IMPLANTED)
    card = next(c for c in cards if c.rule_id == ORDER_RED_FLAG)
    assert card.indicator == "critical" and "infection" in card.summary
    assert any(f.ref == "Condition/dev" for f in card.why)
    assert "`Condition/dev` red flag: infection of" in render_detail(card)
    # without the infection the replacement is not held
    clean = _order_cards(order_, ocond("rad", RADICULOPATHY, 900), SCS_IMPLANTED)
    assert ORDER_RED_FLAG not in [c.rule_id for c in clean]


# ---------------------------------------------------------------------------------------------
# R1 screening: the shown step keeps the emergency MRI with the questions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("held", [False, True], ids=["no-order", "held-order"])
@pytest.mark.parametrize("variant", ["both-legs", "saddle-paraesthesia"])
def test_the_screening_step_keeps_the_emergency_mri_however_short_the_room(variant: str, held: bool) -> None:
    """A screening card (symptoms of both legs, saddle paraesthesia) shows the questions and what
    follows if any answer is abnormal in one step: with an elective order to hold among the facts
    the room is short, and the questions alone would read as routine."""
    extra = [order("esi", "esi_lumbar_all")] if held else []
    c = card_of(run(radic(days=20), R1_VARIANTS[variant], *extra), "R1")
    assert c.summary.startswith("Possible cauda equina syndrome: ask today")
    detail = render_detail(c)
    nxt = next(line for line in detail.splitlines() if line.startswith("**Next:**"))
    assert "Ask today about bladder, bowel and saddle sensation" in nxt
    assert "emergency MRI today if any is abnormal" in nxt
    assert not nxt.endswith("…")
    if held:
        assert "`ServiceRequest/esi` hold:" in detail


def test_new_symptoms_of_both_legs_are_named_as_the_record_says_them() -> None:
    """The fact says what the note records of both legs, not the display of the code it was written
    under ("Muscle weakness (generalized)" → "generalized")."""
    for note, said in (
        ("Numbness in the legs bilaterally.", "new numbness of both legs"),
        ("New weakness and numbness of both legs.", "new weakness and numbness of both legs"),
    ):
        legs = cond("legs", "muscle_weakness_unspecified_site", "M62.81", onset=1, notes=(note,))
        c = card_of(run(radic(days=20), legs), "R1")
        fact = next(f for f in c.why if f.ref == "Condition/legs")
        assert fact.brief == f"{said} since {legs.onset}"
        assert note in fact.text  # the full reasoning keeps the note and the code
        assert f"`Condition/legs` {said}" in render_detail(c)


# ---------------------------------------------------------------------------------------------
# R3: a fever with its onset in words
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pain_days", "onset_words", "fires"),
    [
        (20, "years ago", False),  # ≥ 1 year before pain of 20 days: far outside the lead window
        (60, "2 years ago", False),
        (200, "years ago", False),  # ≥ 365 days, pain 200: ≥ 165 days before it
        (300, "years ago", True),  # ≥ 365 days, pain 300: only ≥ 65 days before it, not proven stale
        (20, "3 days ago", True),  # a fever of this illness
    ],
)
def test_a_fever_with_its_onset_in_words_is_stale_only_when_the_bound_proves_it(
    pain_days: int, onset_words: str, fires: bool
) -> None:
    """The reader keeps recordedDate (today) as the onset of a fever sent as "years ago"; ``began``
    reads the words as at least a year back. That bound is stale when it lies more than
    ``red_flag_finding_lead_days`` before the leg pain began, and only then."""
    fever = replace(
        icd_cond("fever", "R50.9", "Fever, unspecified", onset=0),
        recorded=TODAY,
        onset_unread=onset_words,
        onset_from_record=True,
    )
    cards = run(radic(days=pain_days), *conservative(max(pain_days, 50)), fever)
    assert ("R3" in states(cards)) is fires, states(cards)
    # sent with no date at all (no recordedDate either), the bound counts from today the same way
    undated = replace(fever, onset=None, recorded=None, onset_from_record=False)
    assert ("R3" in states(run(radic(days=pain_days), *conservative(max(pain_days, 50)), undated))) is fires


@pytest.mark.parametrize(
    ("code", "display"),
    [
        ("I73.9", "Peripheral vascular disease, unspecified"),
        ("I70.213", "Atherosclerosis of native arteries of extremities with intermittent claudication"),
        ("M16.11", "Unilateral primary osteoarthritis, right hip"),
    ],
)
def test_new_weakness_of_both_legs_on_a_hip_or_arterial_mimic_still_screens(code: str, display: str) -> None:
    """A hip, arterial or bursal mimic explains no new numbness and weakness of both legs: the words
    still prompt the cauda equina questions (a nerve mimic's own symptoms do not, above)."""
    mimic = icd_cond("pad", code, display, onset=3, notes=("New numbness and weakness of both legs.",))
    assert "R1" in states(run(radic(days=30), mimic))
    settled = icd_cond("pad", code, display, onset=3, notes=("Calf pain on walking, relieved by rest.",))
    assert "R1" not in states(run(radic(days=30), settled))
