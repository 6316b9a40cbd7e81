"""A compressive lesion is concordant only on the symptomatic side: a right S1 radiculopathy after a
failed right L5-S1 transforaminal ESI, beside an MRI that shows the lesion on the left, is no surgical
target (NICE NG59, NASS 2014: decompression only when imaging is consistent with the symptoms; the
decision model's F4 lists "surgery on discordant imaging" under must-not). Such a patient gets F4's
re-evaluation (imaging review, EMG/NCS, a diagnostic root block), never F3's surgical referral.

The side is judged only when both parts state one: a central or bilateral lesion, a report naming no
side, symptoms of no stated side or of both sides keep the level-only judgement (``test_guard_*``:
these pass before and after the side check was added)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import (
    card_of,
    codes_of,
    cond,
    conservative,
    context,
    proc,
    radic,
    report,
    run,
    states,
)

from hooks.cards import CardDraft
from hooks.facts import ConditionFact
from hooks.pathway.failure import Outcome

MRI = "72148"
SPINE_SURGERY_REFERRAL = "183546007"
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
# the probe charts' reports (v04_same_level_wrong_side, c35_discordant_side)
LEFT_SAME_LEVEL = (
    "L5-S1 left paracentral disc extrusion compressing the traversing left S1 nerve root. "
    "Right lateral recess patent."
)
LEFT_ADJACENT_LEVEL = (
    "Left L4-5 foraminal stenosis contacting the exiting left L4 root. L5-S1 disc normal; "
    "no right-sided compression."
)
FAILED = {"Procedure/esi-1": Outcome.FAILED}


def right_radic() -> ConditionFact:
    """Right S1 radiculopathy: M54.17 with its side in the body site, as the probe charts have it."""
    return replace(radic(days=150), body_site_text="Right leg (S1 distribution)")


def tfesi(laterality: str | None = "right", level: str = "L5-S1") -> Any:
    return proc("esi-1", "esi_transforaminal_lumbar", "64483", days=70, level=level, laterality=laterality)


def refractory(conclusion: str, *facts: Any, esi: Any = None) -> list[CardDraft]:
    """A failed image-guided ESI after conservative care, with an MRI reading ``conclusion``."""
    return run(
        *(facts or (right_radic(),)),
        *conservative(140),
        report("mri", MRI, 120, conclusion),
        esi if esi is not None else tfesi(),
        outcomes=FAILED,
    )


def assert_no_surgical_referral(cards: list[CardDraft]) -> None:
    assert "F3" not in states(cards), states(cards)
    assert states(cards) == ["F4"], states(cards)
    assert SPINE_SURGERY_REFERRAL not in codes_of(card_of(cards, "F4"))


def assert_surgical_referral(cards: list[CardDraft]) -> None:
    assert states(cards) == ["F3"], states(cards)
    assert SPINE_SURGERY_REFERRAL in codes_of(cards[0])


# ---------------------------------------------------------------------------------------------
# a lesion on the other side is not concordant (these failed before the side check)
# ---------------------------------------------------------------------------------------------


def test_wrong_side_lesion_at_the_same_level_is_not_a_surgical_target() -> None:
    cards = refractory(LEFT_SAME_LEVEL)
    assert_no_surgical_referral(cards)


def test_wrong_side_lesion_at_an_adjacent_level_is_not_a_surgical_target() -> None:
    cards = refractory(LEFT_ADJACENT_LEVEL)
    assert_no_surgical_referral(cards)


def test_wrong_side_lesion_reads_discordant_and_says_why() -> None:
    ctx = context(right_radic(), report("mri", MRI, 120, LEFT_SAME_LEVEL), tfesi(), outcomes=FAILED)
    assert ctx.concordance.status == "discordant"
    assert ctx.symptom_side == "right"
    assert "left-sided lesion" in ctx.concordance.detail and "right-sided symptoms" in ctx.concordance.detail


@pytest.mark.parametrize(
    ("why", "condition", "esi_side"),
    [
        ("code M54.41 (right), no side written", cond("radic-1", "lumbar_radiculopathy_conditions", "M54.41",
                                                      onset=150), None),
        ("code M54.41 sent without a display", replace(
            cond("radic-1", "lumbar_radiculopathy_conditions", "M54.41", onset=150), text="Sciatica"
        ), None),
        ("the Condition's own words", replace(radic(days=150), text="Right S1 radiculopathy"), None),
        ("the failed injection's side only", radic(days=150), "right"),
    ],
)  # fmt: skip
def test_symptom_side_from_each_source_makes_a_left_lesion_discordant(
    why: str, condition: ConditionFact, esi_side: str | None
) -> None:
    if "without a display" in why:
        condition = replace(condition, codings=tuple(replace(c, display=None) for c in condition.codings))
    cards = refractory(LEFT_SAME_LEVEL, condition, esi=tfesi(esi_side))
    assert_no_surgical_referral(cards)


def test_left_symptoms_and_a_right_lesion_are_discordant_too() -> None:
    left = cond("radic-1", "lumbar_radiculopathy_conditions", "M54.42", onset=150)
    cards = refractory(CONCORDANT, left, esi=tfesi("left"))
    assert_no_surgical_referral(cards)


# ---------------------------------------------------------------------------------------------
# guards: what the side check must leave as it was
# ---------------------------------------------------------------------------------------------


def test_guard_same_side_lesion_stays_concordant() -> None:
    cards = refractory(CONCORDANT)
    assert_surgical_referral(cards)
    ctx = context(right_radic(), report("mri", MRI, 120, CONCORDANT), tfesi(), outcomes=FAILED)
    assert ctx.concordance.status == "concordant"


@pytest.mark.parametrize(
    "conclusion",
    [
        "Large central disc extrusion at L5-S1 compressing the traversing S1 nerve roots.",
        "Bilateral foraminal stenosis at L5-S1 compressing the exiting L5 nerve roots.",
        "L5-S1 disc extrusion compressing the traversing S1 nerve root.",
    ],
)
def test_guard_central_bilateral_or_unsided_lesion_stays_concordant(conclusion: str) -> None:
    assert_surgical_referral(refractory(conclusion))


def test_guard_lesion_also_on_the_symptomatic_side_stays_concordant() -> None:
    both = (
        "L5-S1 left paracentral disc extrusion compressing the traversing left S1 nerve root. "
        "Also right foraminal narrowing compressing the exiting right L5 nerve root."
    )
    assert_surgical_referral(refractory(both))


def test_guard_symptoms_of_no_stated_side_keep_the_level_only_judgement() -> None:
    cards = refractory(LEFT_SAME_LEVEL, radic(days=150), esi=tfesi(None))
    assert_surgical_referral(cards)


def test_guard_symptoms_on_both_sides_keep_the_level_only_judgement() -> None:
    both = replace(radic(days=150), body_site_text="Both legs, right worse than left")
    assert_surgical_referral(refractory(LEFT_SAME_LEVEL, both, esi=tfesi(None)))
    bilateral = replace(radic(days=150), body_site_text="Bilateral legs (S1)")
    assert_surgical_referral(refractory(LEFT_SAME_LEVEL, bilateral, esi=tfesi(None)))


def test_guard_level_discordance_is_judged_as_before() -> None:
    ctx = context(
        right_radic(),
        report("mri", MRI, 120, "Right L2-3 foraminal stenosis compressing the exiting right L2 root."),
        tfesi(),
        outcomes=FAILED,
    )
    assert ctx.concordance.status == "discordant"
    assert ctx.concordance.detail == "lesion at L2, L2-L3 but injections at L5-S1"
