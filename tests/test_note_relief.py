"""A "% relief" written in the procedure's own note is a recorded relief (decision model §0: read an SCS
trial's outcome from Procedure.outcome/notes; §2: also read Procedure.note) when no Observation
records it: for a block or trial it is the diary result, for an ESI or ablation ≥ 50 % is a response
(then the durability check) and less stays a sign of failure among the proxies. The order checks see
it through ``failure.assess``; the fact says where the number came from.

Tests marked "guard" also hold on the code before the fix; the others fail on it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from hooks.cards import CardDraft
from hooks.orders import evaluate_orders
from hooks.pathway.failure import Modality, Outcome
from tests import pathway_builders as pb
from tests.orders_builders import cond, history, inp, proc, sr
from tests.test_failure import pain, relief
from tests.test_failure import proc as raw_proc
from tests.test_failure import run as assess_run

TRIAL_NOTES = ("60% relief", "reported 70 % pain relief during the trial", "relief 65%")
BLOCK_NOTES = ("80% relief for 6 hours", "relief for 6 hours, 80%", "Relief lasted 6 h at 80 %")


def order_sign(order: dict[str, Any], *facts: Any) -> list[CardDraft]:
    return evaluate_orders(inp("order-sign", [order], history(*facts)))


def rules(cards: list[CardDraft]) -> list[str]:
    return [c.rule_id for c in cards]


def scs_chart(note: str) -> tuple[Any, ...]:
    """The reproduced chart (evaluation date 2026-11-20): an SCS trial 20 days ago with ``note``, a
    psychological evaluation and failed back surgery syndrome."""
    return (
        cond("fbss", "M96.1", 500),
        proc("trial", "63650", 20, notes=(note,)),
        proc("psy", "90791", 60),
    )


@pytest.mark.parametrize("note", TRIAL_NOTES)
def test_a_permanent_stimulator_after_a_trial_whose_note_records_success_draws_no_warning(note: str) -> None:
    cards = order_sign(sr("ipg", "63685", "SCS generator"), *scs_chart(note))
    assert cards == [], [c.summary for c in cards]


@pytest.mark.parametrize(
    ("note", "pct"),
    [("60% relief", 60), ("reported 70 % pain relief during the trial", 70), ("relief 65%", 65)],
)
def test_the_trial_is_judged_by_its_note_and_says_so(note: str, pct: int) -> None:
    a = assess_run(raw_proc("esi", "63650", level=None, note=[{"text": note}]), today=20)
    assert (a.modality, a.outcome, a.basis) == (Modality.SCS_TRIAL, Outcome.RESPONDER, "relief in note")
    assert a.relief_pct == pct
    assert a.facts[0].text.endswith(f"note on the procedure records {pct} % relief (threshold 50 %)")
    assert a.facts[0].ref == "Procedure/esi"


@pytest.mark.parametrize(
    "note", ["40% relief", "relief less than 50%", "did not get 50% relief", "Relief < 50 % during the trial"]
)
def test_a_trial_note_below_the_threshold_is_a_failed_trial(note: str) -> None:
    cards = order_sign(sr("ipg", "63685", "SCS generator"), *scs_chart(note))
    assert rules(cards) == ["order.scs-failed-trial"]
    assert any("note on the procedure records" in f.text for f in cards[0].why)


def test_guard_a_trial_note_with_an_upper_bound_above_the_threshold_decides_nothing() -> None:
    """Guard: "less than 80 %" does not say whether 50 % was reached: the trial's result is still
    unrecorded."""
    cards = order_sign(sr("ipg", "63685", "SCS generator"), *scs_chart("less than 80% relief"))
    assert rules(cards) == ["order.scs-no-trial"]


def test_the_pathway_names_the_note_on_the_n1_card() -> None:
    facts = (
        pb.cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=500),
        pb.radic(500),
        pb.proc("trial", "scs_percutaneous_lead", "63650", days=20, notes=("60% relief",)),
        pb.proc("psy", "psychological_evaluation", "90791", days=60),
    )
    n1 = pb.card_of(pb.run(*facts), "N1")
    assert any("note on the procedure records 60 % relief" in f.text for f in n1.why)


@pytest.mark.parametrize("note", BLOCK_NOTES)
def test_an_ablation_after_a_block_whose_note_records_relief_draws_no_warning(note: str) -> None:
    facts = (cond("facet", "M47.816", 400), proc("mbb", "64493", 30, notes=(note,), level="L4-L5"))
    cards = order_sign(sr("rfa1", "64635", "RFA L4-L5"), *facts)
    assert "order.rfa-no-block" not in rules(cards), [c.summary for c in cards]


def test_a_block_note_below_the_threshold_is_a_negative_block_not_an_unrecorded_one() -> None:
    facts = (cond("facet", "M47.816", 400), proc("mbb", "64493", 30, notes=("30% relief",), level="L4-L5"))
    (card,) = order_sign(sr("rfa1", "64635", "RFA L4-L5"), *facts)
    assert card.rule_id == "order.rfa-no-block"
    assert "not recorded" not in card.summary
    assert any("note on the procedure records 30 % relief" in f.text for f in card.why)


def test_guard_a_recorded_relief_wins_over_the_note() -> None:
    """Guard: a pain-diary "% relief" linked to the block is its result; the note is not read."""
    mbb = raw_proc("esi", "64493", level="L4-L5", note=[{"text": "80% relief"}])
    a = assess_run(mbb, relief("r", 0, 30, part_of="Procedure/esi"), today=5)
    assert (a.outcome, a.basis) == (Outcome.FAILED, "recorded relief")


def test_guard_pain_scores_win_over_the_note() -> None:
    mbb = raw_proc("esi", "64493", level="L4-L5", note=[{"text": "80% relief"}])
    a = assess_run(mbb, pain("b", -7, 8), pain("post", 0, 7, part_of="Procedure/esi"), today=5)
    assert (a.outcome, a.basis) == (Outcome.FAILED, "pain scores")


def test_an_esi_note_with_a_response_is_a_response_then_checked_for_durability() -> None:
    """70 % in the note, pain 8 before and 3 at 3 months: a durable response from the note."""
    esi = raw_proc(note=[{"text": "Follow-up call: 70% relief"}])
    a = assess_run(esi, pain("b", -3, 8), pain("d", 90, 3), today=130)
    assert (a.outcome, a.basis, a.durable) == (Outcome.RESPONDER, "relief in note", True)
    assert "note on the procedure records 70 % relief" in a.facts[0].text


def test_an_esi_note_response_that_did_not_last_is_short_lived() -> None:
    esi = raw_proc(note=[{"text": "Follow-up call: 70% relief"}])
    a = assess_run(esi, pain("b", -3, 8), pain("d", 90, 7), today=130)
    assert a.outcome is Outcome.SHORT_LIVED


def test_guard_an_esi_note_of_immediate_relief_is_the_anaesthetic_not_a_response() -> None:
    """Guard (holds before the fix too, which read no note as a response)."""
    esi = raw_proc(note=[{"text": "Immediate 80% relief in recovery"}])
    a = assess_run(esi, today=90)
    assert a.outcome is not Outcome.RESPONDER and a.basis != "relief in note"


def test_guard_an_esi_note_below_the_threshold_stays_a_proxy() -> None:
    a = assess_run(raw_proc(note=[{"text": "Follow-up call: 20% relief, pain back"}]), today=90)
    assert a.outcome is Outcome.POSSIBLE_FAILED
    assert a.proxies[0].ref == "Procedure/esi"


def test_an_esi_note_denying_half_relief_is_a_proxy_too() -> None:
    """ "Did not get 50 % relief" is below the threshold, not 50 % relief (the reading before the fix
    took the number as it stood and saw no failure)."""
    a = assess_run(raw_proc(note=[{"text": "Did not get 50% relief"}]), today=90)
    assert a.outcome is Outcome.POSSIBLE_FAILED
    assert a.proxies[0].text == "note on the procedure records less than 50 % relief"


def test_an_rfa_note_with_a_response_is_a_response() -> None:
    rfa = raw_proc("esi", "64635", level="L4-L5", note=[{"text": "8-week review: 75 % relief"}])
    a = assess_run(rfa, today=100)
    assert (a.modality, a.outcome, a.basis) == (Modality.RFA, Outcome.RESPONDER, "relief in note")


def test_an_ablation_after_a_negative_block_is_cancelled_not_sent_back_for_another_block() -> None:
    """A block that did not relieve the pain does not show the facet joints to be the pain generator:
    the card names it first, says so, and recommends cancelling the ablation; a repeat block is offered
    but not pre-selected (ASRA 2020: only if the first was technically inadequate)."""
    facts = (cond("facet", "M47.816", 400), proc("mbb", "64493", 30, notes=("40% relief",), level="L4-L5"))
    (card,) = order_sign(sr("rfa1", "64635", "RFA L4-L5"), *facts)
    assert card.summary.startswith("RFA ordered after a negative medial branch block (40 % relief")
    assert card.why[1].ref == "Procedure/mbb"
    assert (card.suggestions[0].label, card.suggestions[0].is_recommended) == ("Cancel the RFA", True)
    assert not any(s.is_recommended for s in card.suggestions[1:])


def test_a_positive_block_of_other_joints_does_not_clear_the_ablation() -> None:
    """A block of the right L1-2 and L2-3 joints tested those joints, not L4-5 and L5-S1: an ablation
    of these needs its own positive block (the card names the block and the joints)."""
    block = proc("mbb", "64493", 30, "Medial branch blocks right L1-2 and L2-3", notes=("85% relief",))
    facts = (cond("facet", "M47.816", 400), block)
    (card,) = order_sign(sr("rfa1", "64635", "RFA medial branches L4-5 and L5-S1"), *facts)
    assert card.rule_id == "order.rfa-no-block"
    assert "does not cover them" in card.summary
    assert any(f.ref == "Procedure/mbb" and "not the joints ordered" in f.text for f in card.why)


def test_guard_a_positive_block_of_the_same_joints_clears_it() -> None:
    block = proc("mbb", "64493", 30, "Medial branch blocks L4-5 and L5-S1", notes=("85% relief",))
    facts = (cond("facet", "M47.816", 400), block)
    assert order_sign(sr("rfa1", "64635", "RFA medial branches L4-5 and L5-S1"), *facts) == []


def test_a_positive_block_of_the_other_side_does_not_clear_the_ablation() -> None:
    block = proc("mbb", "64493", 30, "Medial branch blocks right L4-5 and L5-S1", notes=("85% relief",))
    facts = (cond("facet", "M47.816", 400), dataclasses.replace(block, laterality="right"))
    (card,) = order_sign(sr("rfa1", "64635", "RFA left medial branches L4-5 and L5-S1"), *facts)
    assert card.rule_id == "order.rfa-no-block"
    assert any(f.ref == "Procedure/mbb" and "not the side ordered" in f.text for f in card.why)


def test_guard_medial_branches_named_by_nerve_level_cover_the_joint() -> None:
    """ "L3-L4 medial branches" supply the L4-5 joint: no "other joints" warning for its ablation."""
    block = proc("mbb", "64493", 30, "L3-L4 medial branch blocks", notes=("85% relief",))
    facts = (cond("facet", "M47.816", 400), block)
    assert order_sign(sr("rfa1", "64635", "RFA medial branches L4-5"), *facts) == []
