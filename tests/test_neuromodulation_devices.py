"""L1 with an intrathecal pump already implanted, and N1 without a psychological evaluation on record.

L1 ("failed stimulator trial and no surgical target") sends the patient for an intrathecal pump
evaluation. With a pump already implanted (``intrathecal_pump_device``) that work-up is behind us: the
card names the pump with its date and record, and points to its review by the pain service (refill,
dose, catheter and device check), offering that one referral — no new pump evaluation, no
psychological evaluation before a pump, no pump code. A catheter alone is no pump in place, and L1
without a pump is unchanged.

N1 ("trial succeeded: proceed to permanent implant") agrees with the order check on the implant it
offers (``order.neuromod-psych-eval``, NACC 2014: psychological evaluation before an implant): when
no psychological evaluation is on record as that check reads it (a completed Procedure, a
ServiceRequest not revoked, a visit that was the evaluation), N1 says so, offers the evaluation
pre-selected and the implant after it, not pre-selected; whenever the check is silent on the implant,
N1 is unchanged (the implant alone, pre-selected).

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from orders_builders import sr
from pathway_builders import (
    assert_house_rules,
    card_of,
    card_words,
    code,
    codes_of,
    conservative,
    encounter,
    make_input,
    next_line,
    obs,
    order,
    proc,
    radic,
    refs_of,
    run,
    states,
)

from cds_service.draft_orders import read_draft_orders
from hooks.facts import EncounterFact
from hooks.orders import evaluate_orders
from hooks.pathway.failure import Outcome

PSYCH_EVALUATION = code("psychological_evaluation").code  # 90791
PAIN_REFERRAL = code("referral_pain_management").code
SCS_PERMANENT = {"63685", "63655"}
PUMP_CODES = {"62350", "62351", "62360", "62361", "62362"}


def _failed_injections(days: int) -> list[Any]:
    """Radicular pain for ``days``, conservative care, two failed TFESIs and a surgeon's "no target"."""
    return [
        radic(days=days),
        *conservative(days - 10),
        proc("e1", "esi_transforaminal_lumbar", "64483", days=days - 100),
        proc("e2", "esi_transforaminal_lumbar", "64483", days=days - 180),
        order(
            "ref",
            "referral_spine_surgery",
            status="completed",
            authored=days - 240,
            notes=("Seen by spine surgery: no surgical target.",),
        ),
    ]


FAILED_ESIS = {"Procedure/e1": Outcome.FAILED, "Procedure/e2": Outcome.FAILED}

# ---------------------------------------------------------------------------------------------
# L1: an intrathecal pump already implanted
# ---------------------------------------------------------------------------------------------

TRIAL_FAILED = {**FAILED_ESIS, "Procedure/t1": Outcome.FAILED}


def _l1(*extra: Any) -> list[Any]:
    """A stimulator trial that failed 700 days ago (stimulation used up), no surgical target."""
    return [*_failed_injections(1300), proc("t1", "scs_percutaneous_lead", days=700), *extra]


PUMP = proc("pump", "intrathecal_pump_device", "62362", days=365)  # implanted 2025-11-02


def _assert_pump_review(c: Any) -> None:
    assert_house_rules(c)
    assert "intrathecal pump in place" in c.summary and "pump review" in c.summary
    assert "evaluate for an intrathecal pump" not in c.summary
    assert c.why[0].ref == "Procedure/pump"
    assert c.why[0].short == "Intrathecal pump implanted 2025-11-02"
    assert "Procedure/t1" in refs_of(c)
    (s,) = c.suggestions
    assert s.is_recommended and "intrathecal pump review" in s.label
    assert "evaluation" not in s.label
    assert codes_of(c) == {PAIN_REFERRAL}  # no psychological evaluation, no pump code
    assert "refill" in next_line(c)
    assert not any("evaluation" in step for step in c.next_steps)


def test_l1_with_an_intrathecal_pump_in_place_points_to_pump_review_not_a_new_work_up() -> None:
    """The reproduction: a pump implanted a year ago; L1 names it and offers its review."""
    cards = run(*_l1(PUMP), outcomes=TRIAL_FAILED)
    c = card_of(cards, "L1")
    assert c.indicator == "info"
    _assert_pump_review(c)
    assert any("new intrathecal pump" in a for a in c.avoid)


def test_l1_with_a_pump_and_a_repeat_trial_ordered_warns_and_names_the_order() -> None:
    cards = run(*_l1(PUMP, order("rt", "scs_percutaneous_lead", authored=3)), outcomes=TRIAL_FAILED)
    c = card_of(cards, "L1")
    assert c.indicator == "warning"
    _assert_pump_review(c)
    assert "ServiceRequest/rt" in refs_of(c)


def test_guard_l1_without_a_pump_still_sends_for_the_pump_evaluation() -> None:
    cards = run(*_l1(), outcomes=TRIAL_FAILED)
    c = card_of(cards, "L1")
    assert_house_rules(c)
    assert c.summary.startswith("Failed stimulator trial and no surgical target: evaluate for an intrathecal")
    labels = [s.label for s in c.suggestions]
    assert "Refer to the pain service for intrathecal pump evaluation" in labels
    assert PSYCH_EVALUATION in codes_of(c)


def test_guard_an_intrathecal_catheter_alone_is_no_pump_in_place() -> None:
    catheter = proc("cath", "intrathecal_drug_delivery", "62350", days=365)
    c = card_of(run(*_l1(catheter), outcomes=TRIAL_FAILED), "L1")
    assert_house_rules(c)
    assert "evaluate for an intrathecal pump" in c.summary


def test_n2_with_an_intrathecal_pump_in_place_reviews_it_not_a_later_pump_evaluation() -> None:
    """A recent failed trial (N2, stimulation not used up) with a pump already implanted: the step names
    the pump's review, never "intrathecal pump evaluation later"."""
    chart = [*_failed_injections(1300), proc("t1", "scs_percutaneous_lead", days=30), PUMP]
    c = card_of(run(*chart, outcomes=TRIAL_FAILED), "N2")
    assert_house_rules(c)
    steps = " ".join(c.next_steps)
    assert "intrathecal pump evaluation" not in steps and "implanted intrathecal pump reviewed" in steps
    assert "Procedure/pump" in refs_of(c)


def test_guard_n2_without_a_pump_keeps_the_later_pump_evaluation() -> None:
    chart = [*_failed_injections(1300), proc("t1", "scs_percutaneous_lead", days=30)]
    c = card_of(run(*chart, outcomes=TRIAL_FAILED), "N2")
    assert "intrathecal pump evaluation later" in " ".join(c.next_steps)


# ---------------------------------------------------------------------------------------------
# N1: the psychological evaluation before the permanent implant
# ---------------------------------------------------------------------------------------------

TRIAL_HELPED = {**FAILED_ESIS, "Procedure/t1": Outcome.SUCCESS}


def _n1(*extra: Any, drg: bool = False) -> list[Any]:
    """A stimulator trial 10 days ago that helped, no surgical target, PHQ-9 24."""
    text = "Dorsal root ganglion stimulator trial, left L5" if drg else None
    return [
        *_failed_injections(900),
        proc("t1", "scs_percutaneous_lead", days=10, text=text),
        obs("phq", "phq9", 24, 20),
        *extra,
    ]


def _psych_eval_card_on_signing_the_implant(*facts: Any) -> bool:
    """Whether signing the permanent implant on this same history draws ``order.neuromod-psych-eval``."""
    inp = make_input(*facts)
    signing = replace(
        inp,
        hook="order-sign",
        draft_orders=read_draft_orders("order-sign", [sr("ipg", "63685", "SCS pulse generator")], ()),
    )
    return "order.neuromod-psych-eval" in {c.rule_id for c in evaluate_orders(signing)}


def test_n1_without_a_psychological_evaluation_offers_it_first_and_the_implant_unselected() -> None:
    """The reproduction: a successful trial, PHQ-9 24, no evaluation on record."""
    cards = run(*_n1(), outcomes=TRIAL_HELPED)
    c = card_of(cards, "N1")
    assert_house_rules(c)
    assert c.summary.endswith("proceed to permanent implant after a psychological evaluation")
    assert any(f.text.startswith("no psychological evaluation on record") for f in c.why[:2])
    evaluation, implant = c.suggestions
    assert evaluation.is_recommended and PSYCH_EVALUATION in codes_of(replace(c, suggestions=(evaluation,)))
    assert not implant.is_recommended
    assert codes_of(replace(c, suggestions=(implant,))) == {"63685"}
    assert c.selection_behavior == "any"
    assert next_line(c).startswith("**Next:** Psychological evaluation before the permanent implant")
    assert any("before the psychological evaluation" in a for a in c.avoid)
    assert "nacc_2014" in {g.key for g in c.evidence}
    assert "NACC 2014" in card_words(c)


def test_n1_after_a_drg_trial_without_an_evaluation_offers_it_before_the_drg_implant() -> None:
    c = card_of(run(*_n1(drg=True), outcomes=TRIAL_HELPED), "N1")
    assert_house_rules(c)
    evaluation, implant = c.suggestions
    assert evaluation.is_recommended and not implant.is_recommended
    assert "DRG" in implant.label
    assert "nacc_drg_2019" in {g.key for g in c.evidence}


NOT_AN_EVALUATION = {
    "nothing": (),
    "a revoked request": (order("psy", "psychological_evaluation", status="revoked", authored=30),),
    "a cancelled visit": (
        EncounterFact(
            ref="Encounter/psy", status="cancelled", start=None, text="Psychological evaluation for SCS"
        ),
    ),
}


@pytest.mark.parametrize("extra", NOT_AN_EVALUATION.values(), ids=NOT_AN_EVALUATION.keys())
def test_n1_and_the_implant_order_check_agree_that_no_evaluation_is_on_record(extra: tuple[Any, ...]) -> None:
    """Where signing the implant N1 offers would draw the psychological-evaluation warning, N1 does not
    pre-select the implant: it pre-selects the evaluation."""
    facts = _n1(*extra)
    assert _psych_eval_card_on_signing_the_implant(*facts)
    c = card_of(run(*facts, outcomes=TRIAL_HELPED), "N1")
    assert_house_rules(c)
    assert [s.is_recommended for s in c.suggestions] == [True, False]
    assert PSYCH_EVALUATION in codes_of(c)


AN_EVALUATION = {
    "a completed procedure": (proc("psy", "psychological_evaluation", days=60),),
    "an active request": (order("psy", "psychological_evaluation", status="active", authored=30),),
    "a completed request": (order("psy", "psychological_evaluation", status="completed", authored=60),),
    "a visit named so": (encounter("psy", 40, "Pre-SCS psych clearance"),),
}


@pytest.mark.parametrize("extra", AN_EVALUATION.values(), ids=AN_EVALUATION.keys())
def test_guard_n1_is_unchanged_when_an_evaluation_is_on_record(extra: tuple[Any, ...]) -> None:
    """Where the order check is silent on the implant, N1 offers it alone, pre-selected, as before."""
    facts = _n1(*extra)
    assert not _psych_eval_card_on_signing_the_implant(*facts)
    c = card_of(run(*facts, outcomes=TRIAL_HELPED), "N1")
    assert_house_rules(c)
    assert c.summary.endswith("succeeded (≥ 50 % relief): proceed to permanent implant")
    (implant,) = c.suggestions
    assert implant.is_recommended and codes_of(c) == {"63685"}
    assert not any("psychological" in f.text for f in c.why)
    assert "Y1" in states(run(*facts, outcomes=TRIAL_HELPED))  # PHQ-9 24 keeps its own card
