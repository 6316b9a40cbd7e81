"""A failed ablation in a patient whose record holds only a radicular diagnosis does not speak for the
radiculopathy.

A facet RFA (done elsewhere, no block before it) failed in a patient with an L5 radiculopathy and no
facet, SI joint or axial back pain diagnosis. A1 took the patient's one pathway card and pre-selected
a diagnostic medial branch block: the radicular step the patient needed (an MRI and an image-guided
ESI, or after a failed ESI the re-evaluation or surgical opinion) was never shown. An ablation does
not treat radicular leg pain (NICE NG59), so its failure says nothing of where the radiculopathy
stands: the radicular step now leads and names the ablation ("does not treat leg pain; no further
RFA"). A repeat ablation held (A1's warning) still leads, and with a facet diagnosis, or after an
ablation that helped (A2), the ablation's card keeps the lead.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hooks.pathway import pathway_step
from hooks.pathway.failure import Outcome
from tests import pathway_builders as pb

FAILED_RFA = {"Procedure/rfa-1": Outcome.FAILED}
CONCORDANT = "Left paracentral disc extrusion at L5-S1 compressing the traversing left S1 nerve root."
FACET = pb.cond("fac", "facet_mediated_pain", "M47.816", onset=700)


def rfa(days: int = 120) -> Any:
    return pb.proc("rfa-1", "facet_rfa_lumbar", "64635", days=days, level="L4-L5")


def tfesi(days: int = 300) -> Any:
    return pb.proc("esi-1", "esi_transforaminal_lumbar", "64483", days=days, level="L5")


def background() -> list[Any]:
    return [pb.radic(days=600), *pb.conservative(590)]


def test_a_failed_rfa_does_not_take_the_radicular_step_before_any_esi() -> None:
    cards = pb.run(*background(), rfa(), outcomes=FAILED_RFA)
    assert pb.states(cards) in (["P1"], ["P2"]), pb.states(cards)
    (c,) = cards
    pb.assert_house_rules(c)
    named = [f for f in c.why if f.ref == "Procedure/rfa-1"]
    assert named and "does not treat radicular leg pain" in named[0].text
    assert "no further RFA" in named[0].text


def test_after_a_failed_esi_the_refractory_step_leads_not_the_ablation() -> None:
    outcomes = {**FAILED_RFA, "Procedure/esi-1": Outcome.FAILED}
    cards = pb.run(*background(), tfesi(), rfa(), outcomes=outcomes)
    (state,) = pb.states(cards)
    assert state.startswith("F"), state
    assert "Procedure/rfa-1" in pb.refs_of(cards[0])


def test_the_order_checks_read_the_same_refractory_step() -> None:
    outcomes = {**FAILED_RFA, "Procedure/esi-1": Outcome.FAILED}
    ctx = pb.context(*background(), tfesi(), rfa(), outcomes=outcomes)
    step = pathway_step(ctx)
    assert step is not None and step.rule_id.startswith("F")


def test_guard_a_held_repeat_rfa_still_leads_as_a_warning() -> None:
    held = pb.order("rep", "facet_rfa_or_si_rfa", status="active", authored=5)
    cards = pb.run(*background(), rfa(), held, outcomes=FAILED_RFA)
    assert pb.states(cards) == ["A1"]
    assert cards[0].indicator == "warning"


def test_guard_with_a_facet_diagnosis_the_failed_ablation_leads() -> None:
    cards = pb.run(*background(), FACET, rfa(), outcomes=FAILED_RFA)
    assert pb.states(cards) == ["A1"]


def test_guard_an_ablation_that_helped_then_wore_off_keeps_its_card() -> None:
    recurred = {"Procedure/rfa-1": Outcome.RESPONDED_THEN_RECURRED}
    cards = pb.run(*background(), rfa(days=320), outcomes=recurred)
    assert pb.states(cards) == ["A2"]


def test_a_held_repeat_rfa_leads_even_beside_a_radicular_warning() -> None:
    """Failed ESI with a concordant lesion (F3, a warning when an ESI is pending) and a pending repeat
    RFA: both warnings, and the held repeat must not vanish."""
    held = pb.order("rep", "facet_rfa_or_si_rfa", status="active", authored=5)
    esi_order = pb.order("esi-rep", "esi_transforaminal_lumbar", "64483", status="active", authored=3)
    mri = pb.report("mri", "72148", 400, CONCORDANT)
    outcomes = {**FAILED_RFA, "Procedure/esi-1": Outcome.FAILED}
    cards = pb.run(*background(), mri, tfesi(), rfa(), held, esi_order, outcomes=outcomes)
    assert cards[0].indicator == "warning"
    assert "ServiceRequest/rep" in pb.refs_of(cards[0]), [(c.rule_id, c.summary) for c in cards]


def test_a_positive_block_before_the_ablation_keeps_a1_leading() -> None:
    block = pb.proc("mbb-1", "facet_medial_branch_block_lumbar", "64493", days=200, level="L4-L5")
    cards = pb.run(*background(), block, rfa(), outcomes={**FAILED_RFA, "Procedure/mbb-1": Outcome.RESPONDER})
    assert pb.states(cards) == ["A1"]


def test_back_pain_scored_above_the_leg_keeps_a1_leading() -> None:
    back = pb.obs("b", "pain", 7, 5)
    back = replace(back, body_site_text="Lower back", text="Low back pain score")
    leg = replace(pb.obs("l", "pain", 3, 5), body_site_text="Left leg", text="Leg pain score")
    cards = pb.run(*background(), rfa(), back, leg, outcomes=FAILED_RFA)
    assert pb.states(cards) == ["A1"]
