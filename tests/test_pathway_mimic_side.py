"""A mimic on the other side from the radicular pain is no mimic; a mimic's test is said once.

Hip osteoarthritis on the right cannot cause a left S1 radicular pain: a mimic whose side is stated
and is the other side from the stated side of the radicular pain (its Conditions' body site or
words, this episode's injections) does not hold back the card the pathway would show without it —
the surgical referral stays the recommendation. When either side is unstated, or bilateral, the
mimic counts as before. And each instruction is given once: the hip radiograph, which the card
cannot order, is said to be ordered in the EHR once; EMG/nerve conduction studies, the test for a
peroneal neuropathy, is one next step, not two.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import (
    assert_house_rules,
    card_of,
    codes_of,
    cond,
    conservative,
    context,
    obs,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import CardDraft, render_detail
from hooks.facts import ConditionFact
from hooks.pathway.rules.mimics import MIMICS, mimic_step, mimics_found, other_side, radicular_side
from hooks.suggestions import ordered_codes
from hooks.terminology import Coding

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
EMG_NCS = "95910"
SPINE_SURGERY_REFERRAL = "183546007"
LEFT_MRI = "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root."
RIGHT_MRI = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
RIGHT_HIP = ("M16.11", "Unilateral primary osteoarthritis, right hip")
LEFT_HIP = ("M16.12", "Unilateral primary osteoarthritis, left hip")
HIP_UNSIDED = ("M16.9", "Osteoarthritis of hip, unspecified")
RIGHT_PERONEAL = ("G57.31", "Lesion of lateral popliteal nerve, right lower limb")


def mimic(code: str, display: str, ref: str = "mimic") -> ConditionFact:
    """A current mimic Condition as an EHR sends it: the ICD-10-CM leaf code and its display."""
    c = cond(ref, "lumbar_radiculopathy_conditions", "M54.17", onset=900)
    return replace(c, codings=(Coding(ICD10, code, display),), text=display)


def sided_radic(side: str | None, days: int = 150) -> ConditionFact:
    """S1 radiculopathy; ``side`` stated in its body site ("Left leg (S1 distribution)")."""
    c = radic(days=days)
    return replace(c, body_site_text=f"{side.capitalize()} leg (S1 distribution)") if side else c


def failed_tfesi(side: str | None, mri: str) -> list[Any]:
    """Five months of S1 radiculopathy on ``side``, conservative care, an MRI and a TFESI on that side
    5 weeks ago whose pain stayed at 7/10 at 4 weeks: a failed injection, no surgical referral."""
    return [
        sided_radic(side),
        *conservative(140),
        report("mri", "72148", 120, mri),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=35, level="L5-S1", laterality=side),
        obs("pain-0", "pain", 7, 36),
        obs("pain-4w", "pain", 7, 7),
    ]


def recommended(c: CardDraft) -> list[str]:
    return [code for s in c.suggestions if s.is_recommended for _, code in ordered_codes(s)]


# ---------------------------------------------------------------------------------------------
# the side of a mimic
# ---------------------------------------------------------------------------------------------


def test_a_right_hip_beside_a_left_radiculopathy_is_no_mimic() -> None:
    ctx = context(*failed_tfesi("left", LEFT_MRI), mimic(*RIGHT_HIP))
    assert radicular_side(ctx) == "left"
    (hip,) = [c for c in ctx.history.conditions if c.ref == "Condition/mimic"]
    assert other_side(ctx, hip)
    assert mimics_found(ctx) == ()


def test_the_radicular_side_may_come_from_the_injection_alone() -> None:
    """The Condition names no side; the injection given for it was on the left."""
    facts = failed_tfesi(None, LEFT_MRI)
    facts[-3] = replace(facts[-3], laterality="left")
    ctx = context(*facts, mimic(*RIGHT_HIP))
    assert radicular_side(ctx) == "left"
    assert mimics_found(ctx) == ()


@pytest.mark.parametrize(
    ("radic_side", "esi_side", "hip"),
    [
        ("right", "right", RIGHT_HIP),  # same side
        ("left", "left", HIP_UNSIDED),  # the hip's side unstated
        (None, None, RIGHT_HIP),  # the radicular pain's side unstated
        ("bilateral", None, RIGHT_HIP),  # the radicular pain on both sides
        ("left", "right", RIGHT_HIP),  # the record disagrees on the pain's side: both
    ],
    ids=["same-side", "hip-unsided", "pain-unsided", "pain-bilateral", "pain-sides-disagree"],
)
def test_a_mimic_on_the_same_or_an_unstated_side_still_counts(
    radic_side: str | None, esi_side: str | None, hip: tuple[str, str]
) -> None:
    facts = failed_tfesi(radic_side, RIGHT_MRI)
    facts[-3] = replace(facts[-3], laterality=esi_side)
    ctx = context(*facts, mimic(*hip))
    assert [c.ref for c, _ in mimics_found(ctx)] == ["Condition/mimic"]


# ---------------------------------------------------------------------------------------------
# the card: a contralateral mimic holds back nothing
# ---------------------------------------------------------------------------------------------


def test_contralateral_hip_oa_leaves_the_surgical_referral_warning_of_persistent_pain() -> None:
    """Four months of left S1 radiculopathy after conservative care, never referred: the card warns to
    refer for a surgical opinion, the referral pre-selected. A right hip is not the pain's cause: it
    neither turns the card to the hip nor takes the referral's pre-selection away."""
    cards = run(sided_radic("left", days=120), *conservative(110), mimic(*RIGHT_HIP))
    c = card_of(cards, "P2")
    assert c.indicator == "warning"
    assert recommended(c) == [SPINE_SURGERY_REFERRAL]
    assert "hip" not in c.summary
    assert not any("hip" in s for s in c.next_steps[:1])
    assert "Condition/mimic" not in refs_of(c)
    assert_house_rules(c)


def test_same_side_hip_oa_still_holds_back_the_surgical_referral_of_persistent_pain() -> None:
    """Guard: the hip on the side of the pain is excluded first, as before."""
    cards = run(sided_radic("right", days=120), *conservative(110), mimic(*RIGHT_HIP))
    c = card_of(cards, "P2")
    assert "hip osteoarthritis" in c.summary and "exclude it first" in c.summary
    assert recommended(c) == []
    assert c.next_steps[0].startswith("Before any spine procedure, exclude hip osteoarthritis")


def test_contralateral_hip_oa_after_a_failed_esi_gets_the_surgical_referral() -> None:
    """Right hip osteoarthritis, a left S1 radiculopathy, a failed left TFESI and a matching left
    extrusion, 21 weeks, no surgical referral: the warning to refer for a surgical opinion (F3)."""
    cards = run(*failed_tfesi("left", LEFT_MRI), mimic(*RIGHT_HIP))
    assert states(cards)[:1] == ["F3"], states(cards)
    c = cards[0]
    assert c.indicator == "warning"
    assert "surgical opinion" in c.summary and "hip" not in c.summary
    assert SPINE_SURGERY_REFERRAL in recommended(c)
    assert c.next_steps[0].startswith("Refer to a spine surgeon")


def test_same_side_hip_oa_after_a_failed_esi_is_excluded_first() -> None:
    """Guard: the same chart with the hip on the side of the pain keeps the mimic card."""
    cards = run(*failed_tfesi("right", RIGHT_MRI), mimic(*RIGHT_HIP))
    c = card_of(cards, "F4")
    assert "hip osteoarthritis" in c.summary and "exclude it" in c.summary
    assert "Condition/mimic" in refs_of(c)
    assert recommended(c) == []
    assert SPINE_SURGERY_REFERRAL not in recommended(c)


def test_unsided_hip_oa_after_a_failed_esi_is_excluded_first() -> None:
    """Guard: a hip osteoarthritis that states no side may be the pain's cause."""
    cards = run(*failed_tfesi("left", LEFT_MRI), mimic(*HIP_UNSIDED))
    c = card_of(cards, "F4")
    assert "hip osteoarthritis" in c.summary
    assert c.next_steps[0].startswith("Before the next spine procedure, exclude hip osteoarthritis")


# ---------------------------------------------------------------------------------------------
# each instruction once
# ---------------------------------------------------------------------------------------------


def _said(c: CardDraft, words: str) -> int:
    return sum(s.count(words) for s in c.next_steps)


def test_the_hip_radiograph_is_said_to_be_ordered_in_the_ehr_once() -> None:
    c = card_of(run(*failed_tfesi("right", RIGHT_MRI), mimic(*RIGHT_HIP)), "F4")
    assert _said(c, "in the EHR") == 1, c.next_steps[0]
    assert _said(c, "offers no order") == 1, c.next_steps[0]
    assert "hip radiograph — order it in the EHR: this card offers no order for it" in c.next_steps[0]
    assert "order it in the EHR" in render_detail(c), "said in the line the card shows"
    assert_house_rules(c)


def test_the_hip_radiograph_is_said_to_be_ordered_in_the_ehr_once_before_any_spine_procedure() -> None:
    cards = run(radic(days=60), *conservative(55), mimic(*HIP_UNSIDED))
    c = card_of(cards, "P1")
    assert _said(c, "in the EHR") == 1, c.next_steps[0]
    assert _said(c, "offers no order") == 1


def test_two_tests_without_a_code_are_said_to_be_ordered_in_the_ehr_once() -> None:
    hip, pad = (
        m for m in MIMICS if m.value_set in ("mimic_hip_osteoarthritis", "mimic_arterial_claudication")
    )
    step = mimic_step(((cond("h", hip.value_set), hip), (cond("p", pad.value_set), pad)))
    assert step.count("in the EHR") == 1, step
    assert "order the hip radiograph and the ankle-brachial index in the EHR" in step
    assert "this card offers no order for them" in step


def test_emg_is_one_next_step_beside_a_peroneal_neuropathy() -> None:
    c = card_of(run(*failed_tfesi("right", RIGHT_MRI), mimic(*RIGHT_PERONEAL)), "F4")
    emg_steps = [s for s in c.next_steps if "EMG/nerve conduction studies" in s]
    assert len(emg_steps) == 1, c.next_steps
    assert emg_steps[0].startswith("Before the next spine procedure, exclude peroneal neuropathy")
    assert recommended(c) == [EMG_NCS]
    assert EMG_NCS in codes_of(c)


def test_emg_is_one_next_step_beside_a_peroneal_neuropathy_and_discordant_imaging() -> None:
    """Discordant imaging is a reason of its own for EMG: still one step names it."""
    discordant = "Mild multilevel degenerative disc disease without nerve root compression."
    c = card_of(run(*failed_tfesi("right", discordant), mimic(*RIGHT_PERONEAL)), "F4")
    assert sum("EMG/nerve conduction studies" in s for s in c.next_steps) == 1, c.next_steps
    assert recommended(c) == [EMG_NCS]


def test_emg_is_named_once_for_two_nerve_mimics() -> None:
    peroneal, sciatic = (
        m for m in MIMICS if m.value_set in ("mimic_peroneal_neuropathy", "mimic_sciatic_neuropathy")
    )
    step = mimic_step(((cond("p", peroneal.value_set), peroneal), (cond("s", sciatic.value_set), sciatic)))
    assert step.count("EMG/nerve conduction studies") == 1, step
    assert "peroneal neuropathy and sciatic neuropathy (EMG/nerve conduction studies)" in step
