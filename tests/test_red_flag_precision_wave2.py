"""Red-flag precision, second wave (decision model §1.2 R2-R3, §7.3), on typed facts.

1. An old spinal infection diagnosis (discitis of 2019 still marked active) is no same-day infection
   card for new sciatica: it began more than ``stale_infection_days`` before the leg pain. The card
   that appears names it as history to confirm resolved, never "no red flag", and an epidural
   injection is not held for it. A recent one, or an old one beside a fever of the present illness,
   stays critical.
2. A muscle first scored MRC 2 or less (no movement against gravity) within
   ``new_motor_deficit_days`` is a new severe deficit: critical, as a new foot drop is. A first
   score of MRC 3 or 4, or an MRC 2 scored long ago, stays as it was.
3. A fracture alone: the R3 card speaks of the fracture (imaging, spine referral, no manipulation),
   not of infection, tumour or oncology.
4. A cancer-history code (Z85) is labelled "cancer history", not "malignancy flag".
5. A risk context (long-term steroids) is labelled "infection risk", not "infection flag".
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import ago, card_of, cond, conservative, radic, run, states

from hooks.cards import CardDraft
from hooks.facts import ConditionFact, ObservationFact
from hooks.orders import evaluate_orders
from hooks.terminology import Coding
from tests.orders_builders import RADICULOPATHY, history, inp, sr
from tests.orders_builders import cond as ocond
from tests.test_red_flag_precision import icd_cond, strength

LOINC = "http://loinc.org"
DISCITIS = ("M46.46", "Discitis, unspecified, lumbar region")
# about 2019: seven and a half years before the evaluation date
YEARS_AGO = 2800


def discitis(onset: int) -> ConditionFact:
    return icd_cond("dis", *DISCITIS, onset=onset)


def fever(days: int, celsius: float = 38.6) -> ObservationFact:
    return ObservationFact(
        ref="Observation/temp",
        codings=(Coding(LOINC, "8310-5", "Body temperature"),),
        text="Body temperature",
        kind="other",
        effective=ago(days),
        effective_text=None,
        value=celsius,
        unit="Cel",
        status="final",
    )


def why_text(card: CardDraft) -> str:
    return "\n".join(f.text for f in card.why)


def avoid_and_steps(card: CardDraft) -> str:
    return "\n".join([*card.next_steps, *card.avoid])


# ---------------------------------------------------------------------------------------------
# 1. an old spinal infection still marked active
# ---------------------------------------------------------------------------------------------


def test_a_discitis_of_years_ago_still_marked_active_is_no_same_day_infection_card() -> None:
    cards = run(radic(days=16), discitis(YEARS_AGO))
    assert "R3" not in states(cards)
    assert all(c.indicator != "critical" for c in cards)


def test_the_card_that_appears_names_the_old_discitis_to_confirm_and_never_says_no_red_flag() -> None:
    cards = run(radic(days=16), discitis(YEARS_AGO))
    assert states(cards)[0] == "E1"
    text = why_text(cards[0])
    assert "discitis" in text and "still marked active: confirm it has resolved" in text
    assert str(ago(YEARS_AGO)) in text
    assert "no red flag" not in text
    # the guard one fact away: without the old discitis, the card says "no red flag" as before
    assert "no red flag" in why_text(run(radic(days=16))[0])


def test_the_old_discitis_is_among_the_facts_the_sidebar_shows_beside_the_scores() -> None:
    """Beside a pain score and an ODI, the line naming the old discitis came fourth and the card's
    detail (three facts) cut it: it now comes right after the first deciding fact."""
    from pathway_builders import obs

    from hooks.cards import render_detail

    cards = run(radic(days=16), discitis(YEARS_AGO), obs("nrs", "pain", 5, 2), obs("odi", "odi", 28, 2))
    assert states(cards)[0] == "E1"
    assert "still marked active: confirm it has resolved" in cards[0].why[1].text
    assert "still marked active: confirm it has resolved" in render_detail(cards[0])


@pytest.mark.parametrize(
    ("onset", "fires"),
    [
        (YEARS_AGO, False),  # 2019
        (16 + 400, False),  # began more than a year before the leg pain
        (16 + 300, True),  # began within a year of it: still the present illness
        (10, True),  # began after it
    ],
)
def test_only_a_spinal_infection_that_began_long_before_the_leg_pain_is_history(
    onset: int, fires: bool
) -> None:
    cards = run(radic(days=16), discitis(onset))
    assert ("R3" in states(cards)) is fires
    if fires:
        assert states(cards) == ["R3"] and cards[0].indicator == "critical"


@pytest.mark.parametrize("status", ["recurrence", "relapse"])
def test_an_old_discitis_marked_as_a_recurrence_is_current(status: str) -> None:
    cards = run(radic(days=16), replace(discitis(YEARS_AGO), clinical_status=status))
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"


def test_an_old_discitis_counts_again_beside_a_fever_measured_now() -> None:
    cards = run(radic(days=16), discitis(YEARS_AGO), fever(1))
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"
    r3 = cards[0]
    assert "Condition/dis" in {f.ref for f in r3.why}
    assert "infection flag: Discitis" in why_text(r3)


def test_an_old_discitis_counts_again_beside_a_fever_coded_with_the_present_illness() -> None:
    fever_now = icd_cond("fev", "R50.9", "Fever, unspecified", onset=3)
    cards = run(radic(days=16), discitis(YEARS_AGO), fever_now)
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"
    assert "Condition/dis" in {f.ref for f in cards[0].why}
    # a fever coded years ago is as stale as the discitis: no card
    fever_then = icd_cond("fev", "R50.9", "Fever, unspecified", onset=YEARS_AGO)
    assert "R3" not in states(run(radic(days=16), discitis(YEARS_AGO), fever_then))


def test_a_discitis_named_in_words_only_is_read_by_the_same_rule() -> None:
    words = replace(
        discitis(YEARS_AGO),
        codings=(Coding("http://snomed.info/sct", "999999999", "Lumbar discitis"),),
        text="Lumbar discitis",
    )
    assert "R3" not in states(run(radic(days=16), words))
    assert states(run(radic(days=16), replace(words, onset=ago(10)))) == ["R3"]


def test_another_infection_red_flag_names_the_old_discitis_as_history() -> None:
    steroids = icd_cond("ster", "Z79.52", "Long term (current) use of systemic steroids", onset=900)
    cards = run(radic(days=16), steroids, discitis(YEARS_AGO))
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"
    text = why_text(cards[0])
    assert "history: discitis" in text and "confirm it has resolved" in text
    assert "infection flag: Discitis" not in text


def _esi_cards(*facts: object) -> list[CardDraft]:
    return evaluate_orders(inp("order-sign", [sr("esi1", "62323")], history(*facts)))


def _held(*facts: object) -> bool:
    return any(
        c.rule_id == "order.red-flag-elective" and c.indicator == "critical" for c in _esi_cards(*facts)
    )


def test_an_epidural_injection_is_not_held_for_a_discitis_of_years_ago() -> None:
    rad = ocond("rad", RADICULOPATHY, 16)
    assert not _held(rad, ocond("dis", "M46.46", YEARS_AGO))
    assert _held(rad, ocond("dis", "M46.46", 30))  # a recent discitis still holds it


# ---------------------------------------------------------------------------------------------
# 2. a first strength score of MRC 2 or less
# ---------------------------------------------------------------------------------------------

DORSIFLEXION = "Left ankle dorsiflexion strength (MRC)"


@pytest.mark.parametrize("value", [2, 1, 0])
def test_a_first_strength_score_of_mrc_2_or_less_two_days_ago_is_critical(value: float) -> None:
    cards = run(radic(days=30), strength("s1", DORSIFLEXION, value, 2))
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"
    assert cards[0].summary.startswith("New severe motor deficit: urgent MRI")
    assert "Observation/s1" in {f.ref for f in cards[0].why}


def test_a_new_mrc_2_is_as_critical_as_a_new_foot_drop() -> None:
    drop = run(radic(days=30), cond("drop", "red_flag_motor_deficit", "M21.371", onset=2))
    score = run(radic(days=30), strength("s1", DORSIFLEXION, 2, 2))
    assert drop[0].indicator == score[0].indicator == "critical"


@pytest.mark.parametrize("value", [3, 4])
def test_a_first_score_of_mrc_3_or_4_is_not_made_critical(value: float) -> None:
    cards = run(radic(days=30), strength("s1", DORSIFLEXION, value, 2))
    assert all(c.indicator != "critical" for c in cards)
    if value == 3:
        assert states(cards) == ["R2"] and cards[0].indicator == "warning"
    else:
        assert "R2" not in states(cards)


def test_an_mrc_2_first_scored_beyond_the_new_deficit_window_stays_a_warning() -> None:
    cards = run(radic(days=90), *conservative(80), strength("s1", DORSIFLEXION, 2, 30))
    assert states(cards) == ["R2"] and cards[0].indicator == "warning"


def test_an_mrc_2_scored_again_is_new_only_while_its_first_score_is() -> None:
    within = (strength("s0", DORSIFLEXION, 2, 10), strength("s1", DORSIFLEXION, 2, 1))
    assert run(radic(days=30), *within)[0].indicator == "critical"
    beyond = (strength("s0", DORSIFLEXION, 2, 20), strength("s1", DORSIFLEXION, 2, 1))
    cards = run(radic(days=30), *beyond)
    assert states(cards) == ["R2"] and cards[0].indicator == "warning"


def test_another_muscle_scored_before_does_not_make_the_first_score_old() -> None:
    other = strength("s0", "Right ankle dorsiflexion strength (MRC)", 2, 60)
    cards = run(radic(days=90), *conservative(80), other, strength("s1", DORSIFLEXION, 2, 2))
    assert states(cards) == ["R2"] and cards[0].indicator == "critical"


# ---------------------------------------------------------------------------------------------
# 3-5. wording of the R3 card
# ---------------------------------------------------------------------------------------------

FRACTURE = ("S32.010A", "Wedge compression fracture of first lumbar vertebra, initial encounter")


def test_a_fracture_alone_speaks_of_the_fracture_only() -> None:
    cards = run(radic(days=10), icd_cond("fx", *FRACTURE, onset=12))
    r3 = card_of(cards, "R3")
    said = avoid_and_steps(r3)
    assert "variant 6" in said and "Urgent spine referral" in said and "manipulation" in said
    assert "oncology" not in said.lower()
    assert "infection" not in said.lower() and "tumour" not in said.lower()


def test_a_fracture_with_a_cancer_history_keeps_the_oncology_and_tumour_words() -> None:
    ca = icd_cond("ca", "Z85.3", "Personal history of malignant neoplasm of breast", onset=2000)
    r3 = card_of(run(radic(days=10), icd_cond("fx", *FRACTURE, onset=12), ca), "R3")
    said = avoid_and_steps(r3)
    assert "oncology input" in said and "infection or tumour" in said


def test_a_cancer_history_code_is_labelled_cancer_history() -> None:
    ca = icd_cond("ca", "Z85.3", "Personal history of malignant neoplasm of breast", onset=2000)
    r3 = card_of(run(radic(days=16), ca), "R3")
    text = why_text(r3)
    assert "cancer history: Personal history of malignant neoplasm of breast" in text
    assert "malignancy flag" not in text
    # the guard one fact away: a metastasis is a malignancy flag
    met = icd_cond("met", "C79.51", "Secondary malignant neoplasm of bone", onset=20)
    assert "malignancy flag: Secondary malignant neoplasm" in why_text(
        card_of(run(radic(days=16), met), "R3")
    )


def test_long_term_steroids_with_new_pain_are_an_infection_risk_not_an_infection() -> None:
    steroids = icd_cond("ster", "Z79.52", "Long term (current) use of systemic steroids", onset=900)
    cards = run(radic(days=11), steroids)
    assert states(cards) == ["R3"] and cards[0].indicator == "critical"  # it still fires
    text = why_text(cards[0])
    assert "infection risk: Long term (current) use of systemic steroids" in text
    assert "infection flag" not in text
    # the guard one fact away: a discitis found now is an infection flag
    assert "infection flag: Discitis" in why_text(run(radic(days=11), discitis(10))[0])
    # and the risk context still needs new pain
    assert "R3" not in states(run(radic(days=300), *conservative(300), steroids))


# ---------------------------------------------------------------------------------------------
# the order side reads the same: a new severe deficit holds, a cancer history is named as one, and
# a contrast MRI beside an old discitis is not questioned
# ---------------------------------------------------------------------------------------------


def test_an_esi_for_a_new_mrc_2_is_held_as_the_patient_view_card_is_critical() -> None:
    from tests.orders_builders import obs as oobs

    rad = ocond("rad", RADICULOPATHY, 30)
    assert _held(rad, replace(oobs("s1", "strength", 2, 2), text=DORSIFLEXION))
    assert not _held(
        rad, replace(oobs("s1", "strength", 3, 2), text=DORSIFLEXION)
    )  # MRC 3: stable, a warning


def test_the_order_hold_names_a_cancer_history_as_a_cancer_history() -> None:
    cards = _esi_cards(
        ocond("rad", RADICULOPATHY, 16), ocond("ca", "Z85.3", 2000, "History of breast cancer")
    )
    (hold,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    assert any(f.ref == "Condition/ca" and f.text.startswith("red flag, cancer history") for f in hold.why)


def test_a_contrast_mri_beside_a_discitis_of_years_ago_is_not_steered_to_a_plain_study() -> None:
    mri = sr("mri", "72158", "MRI lumbar spine without and with contrast")
    rad = ocond("rad", RADICULOPATHY, 90)
    old = evaluate_orders(inp("order-sign", [mri], history(rad, ocond("dis", "M46.46", YEARS_AGO))))
    assert "order.mri-contrast-no-indication" not in [c.rule_id for c in old]
    plain = evaluate_orders(inp("order-sign", [mri], history(rad)))
    assert "order.mri-contrast-no-indication" in [c.rule_id for c in plain]


def test_an_injection_beside_a_discitis_of_years_ago_asks_to_confirm_it_has_resolved() -> None:
    """No emergency hold for a discitis that began years before the leg pain, but the injection is
    not silent either: a warning to confirm the infection has resolved first, naming it."""
    cards = _esi_cards(ocond("rad", RADICULOPATHY, 16), ocond("dis", "M46.46", YEARS_AGO))
    (c,) = [c for c in cards if c.rule_id == "order.red-flag-elective"]
    assert c.indicator == "warning"
    assert c.summary.startswith(
        "Spinal infection still marked active: confirm it has resolved before the injection"
    )
    assert any(f.ref == "Condition/dis" for f in c.why)


def test_a_discitis_of_two_years_ago_in_a_longer_sciatica_is_history_too() -> None:
    """Sciatica for three years, a discitis coded two years ago and never closed: more than a year old
    today, so no same-day card, though it began after the leg pain."""
    cards = run(radic(days=1100), *conservative(1000), discitis(730))
    assert "R3" not in states(cards)
    assert "R3" in states(run(radic(days=1100), *conservative(1000), discitis(200)))  # this year's counts


def test_early_imaging_beside_a_discitis_of_years_ago_is_not_told_to_cancel() -> None:
    """Three weeks of sciatica and a discitis of years ago still marked active: an MRI to confirm it has
    resolved (as the injection warning asks) draws no early-imaging card."""
    mri = sr("mri", "72158", "MRI lumbar spine without and with contrast")
    rad = ocond("rad", RADICULOPATHY, 20)
    stale = evaluate_orders(inp("order-sign", [mri], history(rad, ocond("dis", "M46.46", YEARS_AGO))))
    assert "order.mri-early" not in [c.rule_id for c in stale]
    assert "order.mri-early" in [c.rule_id for c in evaluate_orders(inp("order-sign", [mri], history(rad)))]


def test_a_first_mrc_2_explained_otherwise_is_not_a_new_severe_deficit() -> None:
    """An MRC 2 score whose note calls it chronic since a stroke, or limited by hip pain: a deficit to
    refer, not a new severe one."""
    for note in ("Chronic since 2015 stroke, unchanged.", "Limited by hip pain."):
        weak = replace(strength("s1", DORSIFLEXION, 2, 2), notes=(note,))
        r2 = card_of(run(radic(days=30), weak), "R2")
        assert r2.indicator == "warning", note


def test_the_persistent_pain_card_names_a_discitis_of_years_ago_before_its_mri_and_injection() -> None:
    """Eight weeks of sciatica after conservative care, a discitis of years ago still marked active: the
    P1 card, which recommends an MRI and then an injection, names the old infection to confirm it has
    resolved, after its first deciding fact; it is said once."""
    c = card_of(run(radic(days=60), *conservative(60), discitis(YEARS_AGO)), "P1")
    named = [f for f in c.why if "Condition/dis" in f.refs]
    assert (
        len(named) == 1
        and named[0].text.startswith("history: ")
        and "confirm it has resolved" in named[0].text
    )
    assert c.why.index(named[0]) == 1


def test_guard_without_the_old_discitis_the_persistent_pain_card_names_no_infection() -> None:
    c = card_of(run(radic(days=60), *conservative(60)), "P1")
    assert not any("discitis" in f.text for f in c.why)
