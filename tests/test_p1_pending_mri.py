"""A lumbar MRI already ordered is not offered a second time.

P1 (radicular pain past 6 weeks despite conservative care, no MRI, no ESI) recommends an MRI lumbar
spine without contrast (ACR 2021 variant 3), then an image-guided ESI at the level it shows (NASS
2014). When the MRI is already ordered — a ServiceRequest still pending (draft, active, on hold) —
the card says so, naming the order and its date, offers no second MRI, and its next step is what
follows the MRI: review it, then the injection at the concordant level. P2 (three months and not
referred) offers the MRI beside the referral: not when one is already ordered either.
"""

from __future__ import annotations

from typing import Any

import pytest
from pathway_builders import (
    ago,
    assert_house_rules,
    card_of,
    codes_of,
    cond,
    conservative,
    next_line,
    order,
    refs_of,
    report,
    run,
)

from hooks.cards import render_detail

MRI = "72148"
MRI_CONTRAST = "72158"
ESI_CODES = {"62321", "62323", "64483", "64484"}
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."


def p1_history() -> list[Any]:
    """Eight weeks of lumbar radiculopathy (M54.16), physiotherapy and an NSAID; no MRI, no ESI."""
    return [
        cond("radic-1", "lumbar_radiculopathy_conditions", "M54.16", onset=56),
        *conservative(55),
    ]


def mri_order(days: int = 3, *, status: str = "active", member: str = MRI) -> Any:
    return order("mri-ord", "imaging_mri_lumbar", member, authored=days, status=status)


@pytest.mark.parametrize("days", [0, 3, 20])
def test_p1_with_an_mri_already_ordered_offers_no_second_mri(days: int) -> None:
    when = ago(days).isoformat()
    c = card_of(run(*p1_history(), mri_order(days)), "P1")
    assert MRI not in codes_of(c), "the MRI is already ordered: no second order"
    assert not any("MRI" in s.label for s in c.suggestions)
    # the card says it is ordered, naming the order and its date
    assert "ServiceRequest/mri-ord" in refs_of(c)
    assert "ServiceRequest/mri-ord" in render_detail(c)
    assert f"MRI ordered {when}" in c.summary
    assert "MRI if an injection or surgical candidate" not in c.summary
    # the next step is what follows the MRI: review it, then the image-guided ESI at the level it shows
    step = c.next_steps[0]
    assert step.startswith("Review the MRI lumbar spine without contrast already ordered on " + when)
    assert "image-guided epidural steroid injection at the level concordant" in step
    assert "Review the MRI" in next_line(c) and when in next_line(c)
    assert not any(s.startswith("MRI lumbar spine without contrast if") for s in c.next_steps)
    # no injection is ordered before the MRI is read
    assert not codes_of(c) & ESI_CODES
    assert_house_rules(c)


@pytest.mark.parametrize("status", ["draft", "on-hold"])
def test_a_draft_or_held_mri_order_counts_but_a_revoked_one_does_not(status: str) -> None:
    c = card_of(run(*p1_history(), mri_order(status=status)), "P1")
    assert MRI not in codes_of(c)
    assert c.next_steps[0].startswith("Review the MRI")
    # an order that will not happen leaves the MRI to offer (and recommend)
    c = card_of(run(*p1_history(), mri_order(status="revoked")), "P1")
    assert MRI in codes_of(c)
    assert "ServiceRequest/mri-ord" not in refs_of(c)


def test_a_contrast_mri_already_ordered_is_not_doubled_with_a_plain_one() -> None:
    c = card_of(run(*p1_history(), mri_order(member=MRI_CONTRAST)), "P1")
    assert not codes_of(c) & {MRI, MRI_CONTRAST}
    assert c.next_steps[0].startswith("Review the MRI lumbar spine without and with contrast already ordered")


def test_p1_with_neurogenic_claudication_and_an_mri_ordered_reviews_it_for_decompression() -> None:
    c = card_of(
        run(*p1_history(), mri_order(), cond("sten", "neurogenic_claudication", onset=56)),
        "P1",
    )
    assert MRI not in codes_of(c) and not codes_of(c) & ESI_CODES
    assert c.next_steps[0].startswith("Review the MRI lumbar spine without contrast already ordered")
    assert "decompression opinion" in c.next_steps[0]
    assert "MRI ordered" in c.summary and "decompression opinion" in c.summary
    assert_house_rules(c)


def test_p1_short_of_room_still_says_to_review_the_ordered_mri() -> None:
    """An ESI order beside it puts the timing disagreement on the card: the next step, cut to what
    fits, still names the MRI ordered and its date, never "MRI … if the patient is a candidate"."""
    esi = order("esi-ord", "esi_transforaminal_lumbar", "64483", authored=1)
    c = card_of(run(*p1_history(), mri_order(), esi), "P1")
    assert MRI not in codes_of(c)
    line = next_line(c)
    assert line.startswith("**Next:** Review the MRI lumbar spine without contrast already ordered on ")
    assert ago(3).isoformat() in line
    assert_house_rules(c)


def test_p2_with_an_mri_already_ordered_names_it_and_offers_no_second() -> None:
    cards = run(
        cond("radic-1", "lumbar_radiculopathy_conditions", "M54.16", onset=100),
        *conservative(95),
        mri_order(),
    )
    c = card_of(cards, "P2")
    assert MRI not in codes_of(c)
    assert "ServiceRequest/mri-ord" in refs_of(c)
    assert f"MRI ordered {ago(3).isoformat()}" in render_detail(c)
    assert_house_rules(c)


def test_an_mri_on_file_is_unchanged_by_an_order_and_the_mri_still_offered_without_one() -> None:
    # without an order the MRI is offered and recommended, as before
    c = card_of(run(*p1_history()), "P1")
    assert MRI in codes_of(c)
    assert [s.is_recommended for s in c.suggestions if "MRI" in s.label] == [True]
    # with an MRI on file, P1 works from it whatever else is ordered
    done = report("mri", MRI, 20, CONCORDANT)
    c = card_of(run(*p1_history(), done, mri_order()), "P1")
    assert c.next_steps[0].startswith("Consider an image-guided")
    assert "ServiceRequest/mri-ord" not in refs_of(c)
    # and a P1 chart with the MRI ordered never offers the MRI (the defect this file pins)
    c = card_of(run(*p1_history(), mri_order()), "P1")
    assert MRI not in codes_of(c)
