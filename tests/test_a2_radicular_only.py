"""A2 (an ablation that worked, then wore off) for a patient whose record holds only a radicular
diagnosis and no diagnostic block before the ablation: no repeat RFA is offered.

An outside facet RFA in a patient with an L5 radiculopathy, no facet or SI joint diagnosis and no
medial branch block, relieved the pain for months; A2 called a repeat RFA "reasonable" and
pre-selected one. RFA treats facet- or SI-mediated pain, never radicular leg pain, and only after
a positive diagnostic block (NICE NG59; ASRA 2020): the card now asks for the block first, holds a
pending repeat ablation, and the order check (``order.rfa-no-block``) agrees. With a facet diagnosis,
or a positive block before the ablation, A2 still offers the repeat.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import assert_house_rules, card_of, codes_of, cond, order, proc, refs_of, run, states
from test_pathway_rules_treatments import RFA_CODES, background, facet_background, rfa

from hooks.pathway.failure import Outcome
from hooks.terminology import Coding

ICD = "http://hl7.org/fhir/sid/icd-10-cm"

RECURRED = {"Procedure/rfa-1": Outcome.RESPONDED_THEN_RECURRED}
MBB = "64493"


def a2(*facts: object, outcomes: dict[str, Outcome] = RECURRED):  # type: ignore[no-untyped-def]
    cards = run(*facts, outcomes=outcomes)
    assert "A2" in states(cards)
    c = card_of(cards, "A2")
    assert_house_rules(c)
    return c


def test_radicular_only_without_a_block_asks_for_the_block_not_a_repeat_rfa() -> None:
    c = a2(*background(600), rfa(days=320))
    assert c.summary.startswith("Pain back after the ablation on ")
    assert c.summary.endswith("diagnostic block before any repeat RFA")
    assert MBB in codes_of(c) and not codes_of(c) & RFA_CODES
    assert any("no positive diagnostic medial branch block" in f.text for f in c.why)
    assert "Radiofrequency ablation does not treat radicular leg pain (NICE NG59)." in c.next_steps


def test_a_pending_repeat_rfa_is_held() -> None:
    pending = order("rep", "facet_rfa_or_si_rfa", status="active", authored=5)
    c = a2(*background(600), rfa(days=320), pending)
    assert c.indicator == "warning"
    assert "ServiceRequest/rep" in refs_of(c)
    assert c.next_steps[0].startswith("Hold the pending repeat ablation")


def test_guard_with_a_facet_diagnosis_and_a_block_the_repeat_is_offered() -> None:
    c = a2(*facet_background(), rfa(days=320), outcomes={"Procedure/esi-1": Outcome.FAILED, **RECURRED})
    assert "64635" in codes_of(c)


def test_guard_a_positive_block_before_the_ablation_is_enough_without_a_facet_code() -> None:
    block = proc("mbb-1", "facet_medial_branch_block_lumbar", "64493", days=400)
    outcomes = {"Procedure/mbb-1": Outcome.RESPONDER, **RECURRED}
    c = a2(*background(600), block, rfa(days=320), outcomes=outcomes)
    assert "64635" in codes_of(c)


def test_axial_low_back_pain_coded_keeps_the_repeat_on_offer() -> None:
    """M54.50 beside the radiculopathy: the ablation treated the back pain, and its ≥ 50 % relief for
    6 months is what a repeat needs (Medicare facet LCD)."""
    lbp = cond("lbp", "lumbar_radiculopathy_conditions", onset=600)
    lbp = replace(lbp, codings=(Coding(ICD, "M54.50", "Low back pain, unspecified"),), text="Low back pain")
    c = a2(*background(600), lbp, rfa(days=320))
    assert "64635" in codes_of(c)
