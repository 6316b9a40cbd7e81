"""A lumbar MRI already ordered is not offered a second time after an injection either.

F2 (an inadequate ESI trial: blind injections, or a level that misses the imaging) and F4 (a failed
image-guided ESI, diagnosis uncertain) offer an MRI lumbar spine without contrast when none is on
file (ACR 2021 variant 3). When that MRI is already ordered — a ServiceRequest still pending (draft,
active, on hold) — the card names the order and its date among its facts, offers no second MRI,
and its first step reviews the ordered study before the rest of the card's plan; the summary says
the MRI is ordered, not "MRI first", and the "Not recorded" line asks for its report, not for
imaging that is on its way. P1 and P2 already do this (tests/test_p1_pending_mri.py).

Tests marked "guard" also hold on the code before the fix; the others fail on it.
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
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import CardDraft, render_detail
from hooks.pathway.failure import Outcome

MRI = "72148"
MRI_CONTRAST = "72158"
ESI_CODES = {"62321", "62322", "62323", "64483", "64484"}
CONCORDANT = "Right paracentral disc extrusion at L5-S1 compressing the traversing right S1 nerve root."
DDD_XRAY = "Multilevel degenerative disc disease L3-S1. No listhesis."


def background_facts(days: int) -> list[Any]:
    """A radiculopathy of ``days`` with documented conservative care."""
    return [radic(days=days), *conservative(days - 10)]


def blind(ref: str, days: int) -> Any:
    return proc(ref, "esi_without_image_guidance", "62322", days=days, level="L4-L5")


def tfesi(ref: str, days: int, level: str = "L5-S1") -> Any:
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level)


def mri_order(days: int = 3, *, status: str = "active", member: str = MRI) -> Any:
    return order("mri-ord", "imaging_mri_lumbar", member, authored=days, status=status)


def f2(*extra: Any, injections: int = 1) -> CardDraft:
    """Blind injections that did not work (70 and 120 days ago), no lumbar imaging."""
    esis = [blind("esi-1", 70), blind("esi-2", 120)][:injections]
    cards = run(*background_facts(150), *esis, *extra, outcomes={e.ref: Outcome.FAILED for e in esis})
    assert states(cards) == ["F2"], states(cards)
    return cards[0]


def f4(*extra: Any, outcome: Outcome = Outcome.FAILED) -> CardDraft:
    """A failed TFESI 60 days ago, no lumbar MRI or CT."""
    return card_of(
        run(*background_facts(150), tfesi("esi-1", 60), *extra, outcomes={"Procedure/esi-1": outcome}), "F4"
    )


# ---------------------------------------------------------------------------------------------
# F2: an inadequate trial, the MRI already ordered
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 3, 20])
def test_f2_with_an_mri_already_ordered_reviews_it_and_offers_no_second(days: int) -> None:
    when = ago(days).isoformat()
    c = f2(mri_order(days))
    assert MRI not in codes_of(c), "the MRI is already ordered: no second order"
    assert not any("MRI" in s.label for s in c.suggestions)
    assert not codes_of(c) & ESI_CODES, "no injection before the MRI is read"
    # the order among the facts, named by its date, and on the card a clinician sees
    assert "ServiceRequest/mri-ord" in refs_of(c)
    assert "ServiceRequest/mri-ord" in render_detail(c) and f"MRI ordered {when}" in render_detail(c)
    # the summary says the MRI is ordered, not "MRI first"
    assert f"MRI ordered {when}" in c.summary and "review" in c.summary
    assert "MRI first" not in c.summary
    assert c.summary.startswith("The only ESI was without image guidance: not an adequate trial; ")
    # the first step reviews the ordered MRI, then the rest of the plan: the image-guided TFESI
    assert c.next_steps[0].startswith(
        f"Review the MRI lumbar spine without contrast already ordered on {when}"
    )
    assert "image-guided (fluoroscopic/CT) transforaminal ESI at the level concordant" in c.next_steps[0]
    assert not any(s.startswith("MRI lumbar spine without contrast") for s in c.next_steps)
    assert next_line(c).startswith("**Next:** Review the MRI lumbar spine without contrast already ordered")
    assert when in next_line(c)
    # "Not recorded": the report of the ordered study, not "no lumbar imaging on record"
    assert not any("no lumbar imaging on record" in g for g in c.gaps)
    assert any(g.startswith(f"the report of the MRI ordered {when}") for g in c.gaps)
    assert_house_rules(c)


def test_f2_after_several_blind_injections_the_summary_still_fits_and_names_the_order() -> None:
    c = f2(mri_order(), injections=2)
    when = ago(3).isoformat()
    assert c.summary.startswith("The ESIs so far were all without image guidance")
    assert f"review the MRI ordered {when}" in c.summary
    # the order is among the facts the card shows, not pushed out by the injections
    assert "ServiceRequest/mri-ord" in {f.ref for f in c.why[:3]}
    assert any("the level of the injections cannot be checked until it is read" in g for g in c.gaps)
    assert MRI not in codes_of(c)
    assert_house_rules(c)


@pytest.mark.parametrize("status", ["draft", "on-hold"])
def test_f2_a_draft_or_held_mri_order_counts_but_a_revoked_one_does_not(status: str) -> None:
    c = f2(mri_order(status=status))
    assert MRI not in codes_of(c)
    assert c.next_steps[0].startswith("Review the MRI")
    # an order that will not happen leaves the MRI to offer (and recommend)
    c = f2(mri_order(status="revoked"))
    assert MRI in codes_of(c)
    assert "ServiceRequest/mri-ord" not in refs_of(c)


def test_f2_a_contrast_mri_already_ordered_is_named_as_ordered_and_not_doubled() -> None:
    c = f2(mri_order(member=MRI_CONTRAST))
    assert not codes_of(c) & {MRI, MRI_CONTRAST}
    assert c.next_steps[0].startswith("Review the MRI lumbar spine without and with contrast already ordered")


def test_f2_at_a_level_that_misses_the_ct_with_an_mri_ordered() -> None:
    """A TFESI at L3-L4 that failed, a CT showing the lesion at L5-S1, an MRI ordered: the MRI is
    reviewed, not ordered again; the nerve root block stays on offer; the CT on record is not called
    "no lumbar imaging" (before the fix this summary ran past the CDS Hooks limit)."""
    cards = run(
        *background_facts(150),
        report("ct", "72131", 100, CONCORDANT),
        tfesi("esi-1", 60, level="L3-L4"),
        mri_order(),
        outcomes={"Procedure/esi-1": Outcome.FAILED},
    )
    c = card_of(cards, "F2")
    assert MRI not in codes_of(c)
    assert c.summary.startswith("The only ESI was at a level that does not match the imaging")
    assert f"MRI ordered {ago(3).isoformat()}" in c.summary
    assert c.next_steps[0].startswith("Review the MRI lumbar spine without contrast already ordered")
    assert any("nerve root block" in s.label for s in c.suggestions)
    assert not any("no lumbar imaging" in g for g in c.gaps)
    assert_house_rules(c)


def test_guard_f2_without_an_mri_order_still_offers_and_recommends_the_mri() -> None:
    """Guard (holds before the fix too)."""
    c = f2()
    assert [s.is_recommended for s in c.suggestions if "MRI" in s.label] == [True]
    assert "MRI first" in c.summary
    assert c.next_steps[0].startswith("MRI lumbar spine without contrast to define the level")
    assert any("no lumbar imaging on record" in g for g in c.gaps)


def test_guard_f2_with_an_mri_on_file_ignores_an_mri_order() -> None:
    """Guard (holds before the fix too): an MRI on file is what the card works from."""
    c = f2(report("mri", MRI, 100, CONCORDANT), mri_order())
    assert MRI not in codes_of(c)
    assert "ServiceRequest/mri-ord" not in refs_of(c)
    assert not any(s.startswith("Review the MRI") for s in c.next_steps)
    assert "64483" in codes_of(c), "the image-guided TFESI at the level the MRI shows"


# ---------------------------------------------------------------------------------------------
# F4: a failed image-guided ESI, no MRI or CT, the MRI already ordered
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 3, 20])
def test_f4_with_an_mri_already_ordered_reviews_it_and_offers_no_second(days: int) -> None:
    when = ago(days).isoformat()
    c = f4(mri_order(days))
    assert MRI not in codes_of(c)
    assert not any("MRI" in s.label for s in c.suggestions)
    # the order among the facts the card shows, beside "no lumbar imaging on record"
    assert "ServiceRequest/mri-ord" in {f.ref for f in c.why[:3]}
    assert f"MRI ordered {when}" in render_detail(c)
    # the summary: ordered, then the re-evaluation; not "MRI lumbar spine first"
    assert c.summary == (
        f"Failed ESI with no MRI or CT yet, MRI ordered {when}: review it, then re-evaluate the diagnosis"
    )
    assert c.next_steps[0].startswith(
        f"Review the MRI lumbar spine without contrast already ordered on {when}"
    )
    assert "re-evaluate the diagnosis" in c.next_steps[0]
    assert not any(s.startswith("MRI lumbar spine without contrast first") for s in c.next_steps)
    assert next_line(c).startswith("**Next:** Review the MRI lumbar spine without contrast already ordered")
    # the rest of the plan stays: EMG/NCS, a diagnostic root block, other pain generators
    assert any(s.startswith("EMG/nerve conduction studies") for s in c.next_steps)
    assert any(s.startswith("Diagnostic selective nerve root block") for s in c.next_steps)
    # "Not recorded": the MRI's report, not "obtain an MRI"
    assert not any("obtain an MRI" in g for g in c.gaps)
    assert any(g.startswith(f"the report of the MRI ordered {when}") for g in c.gaps)
    assert_house_rules(c)


def test_f4_with_radiographs_only_and_an_mri_ordered() -> None:
    c = f4(report("xr", "72100", 150, DDD_XRAY), mri_order())
    assert MRI not in codes_of(c)
    assert c.next_steps[0].startswith("Review the MRI lumbar spine without contrast already ordered")
    assert "MRI ordered" in c.summary and "MRI lumbar spine first" not in c.summary
    assert "no MRI or CT; only radiographs" in render_detail(c), "the radiograph is still said for what it is"
    assert not any("obtain an MRI" in g for g in c.gaps)
    assert_house_rules(c)


def test_f4_with_a_mimic_and_an_mri_ordered_excludes_the_mimic_first_then_reviews_the_mri() -> None:
    c = f4(cond("hip", "mimic_hip_osteoarthritis", "M16", onset=900), mri_order())
    assert MRI not in codes_of(c)
    assert c.next_steps[0].startswith("Before the next spine procedure, exclude hip osteoarthritis")
    assert c.next_steps[1].startswith("Review the MRI lumbar spine without contrast already ordered")
    assert "ServiceRequest/mri-ord" in refs_of(c)
    assert_house_rules(c)


def test_guard_f4_a_revoked_mri_order_leaves_the_mri_to_offer() -> None:
    """Guard (holds before the fix too)."""
    c = f4(mri_order(status="revoked"))
    assert MRI in codes_of(c)
    assert c.next_steps[0].startswith("MRI lumbar spine without contrast first")


def test_guard_f4_without_an_mri_order_still_offers_and_recommends_the_mri() -> None:
    """Guard (holds before the fix too)."""
    c = f4()
    assert [s.is_recommended for s in c.suggestions if "MRI" in s.label] == [True]
    assert c.summary == (
        "Failed ESI with no MRI or CT on record: MRI lumbar spine first, then re-evaluate the diagnosis"
    )
    assert any("no lumbar imaging on record" in g for g in c.gaps)
