"""A contrast MRI after lumbar surgery that shows a new compressive lesion is a surgical target (S2).

Adjacent-segment disease — a disc extrusion or stenosis compressing a root at the level next to the
operated one — read on the contrast MRI the S1 card asks for goes to surgical re-evaluation (S2, worded
as adjacent-segment disease, not as a recurrence), never a request to repeat the contrast MRI beside a
report that already answers it, and never the stimulation pathway (S3) while the target exists. The
guards (``test_guard_*``, true before the change too) keep the recurrence reading, the epidural fibrosis
reading and the negations ("no adjacent segment disease", "without compression") as they were.
"""

from __future__ import annotations

from typing import Any

import pytest
from pathway_builders import (
    assert_house_rules,
    card_of,
    card_words,
    codes_of,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import CardDraft, render_full
from hooks.facts import ProcedureFact

CONTRAST_MRI = "72158"
SURGERY_REFERRAL = "183546007"
SCS_AND_FUSION = {"63650", "63685", "63655", "22612", "22614", "22630", "22633"}
ADJACENT = "Solid L4-5 fusion. Adjacent level L3-4 disc extrusion compressing the right L4 root."
FIBROSIS_ONLY = "Epidural fibrosis without recurrent herniation."


def fusion(days: int = 1500) -> ProcedureFact:
    return proc("fus", "lumbar_fusion", "22612", days=days)


def after_fusion(conclusion: str, *, mri_days: int = 30, extra: tuple[Any, ...] = ()) -> list[CardDraft]:
    # leg pain for 200 days: the 6 months of pain S3's stimulator evaluation needs (NICE TA159)
    return run(fusion(), radic(days=200), report("mri", CONTRAST_MRI, mri_days, conclusion), *extra)


def test_adjacent_level_extrusion_after_fusion_goes_to_surgical_re_evaluation() -> None:
    cards = after_fusion(ADJACENT)
    assert states(cards) == ["S2"]
    c = cards[0]
    assert_house_rules(c)
    assert c.indicator == "warning"
    assert c.summary.startswith("Adjacent-segment disease")
    assert "recurrent" not in c.summary.lower()
    assert {"Procedure/fus", "DiagnosticReport/mri"} <= refs_of(c)
    assert SURGERY_REFERRAL in codes_of(c)
    # the contrast MRI on record answers the question: it is not asked for again
    assert CONTRAST_MRI not in codes_of(c)
    assert not codes_of(c) & SCS_AND_FUSION
    words = card_words(c)
    assert "does not say clearly" not in words
    assert "not plain MRI" not in words
    assert "L3-4 disc extrusion compressing the right L4 root" in render_full(c)


@pytest.mark.parametrize(
    "conclusion",
    [
        "Adjacent segment disease at L3-4: severe left foraminal stenosis compressing the exiting L3 root.",
        "Postoperative changes at L4-5. New L3-4 disc protrusion at the adjacent level abutting the left "
        "L4 root.",
        "Adjacent-segment degeneration L3-4 with a sequestered disc fragment compressing the traversing "
        "L4 nerve root.",
    ],
)
def test_adjacent_segment_stenosis_or_disc_compressing_a_root_is_a_target(conclusion: str) -> None:
    cards = after_fusion(conclusion)
    assert states(cards) == ["S2"]
    c = cards[0]
    assert_house_rules(c)
    assert c.summary.startswith("Adjacent-segment disease")
    assert CONTRAST_MRI not in codes_of(c)


def test_a_new_compressive_lesion_not_called_adjacent_is_not_called_a_recurrence() -> None:
    cards = after_fusion(
        "Postoperative changes at L4-5. L3-4 disc extrusion compressing the right L4 nerve root."
    )
    assert states(cards) == ["S2"]
    c = cards[0]
    assert_house_rules(c)
    assert c.summary.startswith("New compressive lesion")
    assert "recurren" not in c.summary.lower()
    assert "revision discectomy" not in card_words(c)


def test_fibrosis_at_the_operated_level_does_not_hide_an_adjacent_target() -> None:
    # six months and more: without the adjacent lesion this would be the stimulation pathway (S3)
    cards = after_fusion(
        "Enhancing epidural fibrosis at L4-5. Adjacent L3-4 disc extrusion compressing the L4 root."
    )
    assert states(cards) == ["S2"]
    c = cards[0]
    assert_house_rules(c)
    assert "Spinal cord stimulation while a surgical target exists." in card_words(c)
    assert not codes_of(c) & SCS_AND_FUSION


# --- guards: true before the change as well ---------------------------------------------------


def test_guard_recurrent_disc_herniation_stays_s2_with_its_wording() -> None:
    cards = after_fusion("Recurrent disc herniation at L4-5 compressing the right L5 root.")
    assert states(cards) == ["S2"]
    c = cards[0]
    assert_house_rules(c)
    assert c.summary.startswith("Recurrent disc herniation after lumbar surgery")
    assert "revision discectomy" in card_words(c)


@pytest.mark.parametrize(
    "conclusion",
    [
        FIBROSIS_ONLY,
        "Enhancing scar tissue surrounding the disc space and abutting the left S1 root. No recurrent "
        "disc herniation.",
        "Enhancing epidural fibrosis at L4-5. No adjacent segment disease.",
    ],
)
def test_guard_epidural_fibrosis_without_recurrent_herniation_stays_s3(conclusion: str) -> None:
    cards = after_fusion(conclusion)
    assert states(cards) == ["S3"]
    assert_house_rules(cards[0])


@pytest.mark.parametrize(
    "conclusion",
    [
        "Solid L4-5 fusion. No adjacent segment disease; no nerve root compression.",
        "Solid L4-5 fusion. No adjacent level disc herniation compressing the nerve roots.",
        "Solid L4-5 fusion. Adjacent level L3-4 disc bulge without compression of the L4 root.",
    ],
)
def test_guard_no_adjacent_segment_disease_is_not_a_target(conclusion: str) -> None:
    cards = after_fusion(conclusion)
    assert "S2" not in states(cards)
    c = card_of(cards, "S1")
    assert_house_rules(c)
    assert CONTRAST_MRI not in codes_of(c)  # the contrast MRI is on record: reviewed, not repeated


def test_guard_a_later_scan_showing_only_fibrosis_speaks_for_now() -> None:
    older = report("mri-old", CONTRAST_MRI, 400, ADJACENT)
    cards = after_fusion(FIBROSIS_ONLY, extra=(older,))
    assert states(cards) == ["S3"]
    assert_house_rules(cards[0])
