"""F7 (refractory radicular pain, no surgical target) with a stimulator trial already ordered.

A trial booked for a patient with a PHQ-9 of 19 and no psychological evaluation drew F7's "SCS
evaluation" and a referral for one, as if nothing had been ordered: the card now holds the trial
until a psychological evaluation clears the patient (NACC 2014), a warning, with the evaluation
offered. With an evaluation that cleared the patient the trial is named and the implant rule said,
and no second SCS evaluation is offered. Y1 beside it names an evaluation on record instead of
offering another.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import assert_house_rules, card_of, codes_of, obs, order, proc, refs_of, run, states
from test_f7_diagnosis_settled import PSYCH_EVAL, emg_report, scored

POSITIVE = "Chronic left L5 radiculopathy."
TRIAL = order("trial", "scs_percutaneous_lead", authored=10)
PHQ9 = obs("phq", "phq9", 19, 15)


def f7(*extra: object):  # type: ignore[no-untyped-def]
    cards = run(*scored(emg_report(POSITIVE, days=60), *extra))
    assert "F7" in states(cards)
    c = card_of(cards, "F7")
    assert_house_rules(c)
    return cards, c


def cleared() -> object:
    said = "Pre-SCS psychological evaluation: suitable for trial."
    return proc("psy", "psychological_evaluation", days=30, notes=(said,))


def test_a_trial_ordered_without_a_psychological_evaluation_is_held() -> None:
    _, c = f7(TRIAL, PHQ9)
    assert c.indicator == "warning"
    assert c.summary == (
        "Stimulator trial ordered before a psychological evaluation cleared the patient: hold it (NACC 2014)"
    )
    assert c.why[0].ref == "ServiceRequest/trial"
    assert c.next_steps[0] == (
        "Hold the pending stimulator trial: psychological evaluation, then the trial (NACC 2014)."
    )
    assert PSYCH_EVAL in codes_of(c)
    assert not any("spinal cord stimulation evaluation" in s.label.lower() for s in c.suggestions)


def test_a_trial_ordered_after_clearance_is_named_not_offered_again() -> None:
    cards, c = f7(TRIAL, PHQ9, cleared())
    assert c.indicator == "info"
    assert "stimulator trial ordered" in c.summary
    assert "ServiceRequest/trial" in refs_of(c)
    assert not any("stimulation evaluation" in s.label.lower() for s in c.suggestions)
    y1 = card_of(cards, "Y1")
    assert PSYCH_EVAL not in codes_of(y1)
    on_record = "psychological evaluation before a stimulator or pump trial is on record"
    assert any(on_record in s for s in y1.next_steps)


def test_guard_without_an_order_f7_recommends_the_evaluation() -> None:
    _, c = f7()
    assert c.summary.startswith("Refractory radicular pain without a surgical target")
    assert PSYCH_EVAL in codes_of(c)



def test_a_permanent_stimulator_ordered_without_a_successful_trial_is_held() -> None:
    implant = order("ipg", "scs_permanent_system", authored=10)
    _, c = f7(implant, cleared())
    assert c.indicator == "warning"
    assert c.summary == (
        "Permanent stimulator ordered without a successful trial on record: hold it (NACC 2014)"
    )
    assert c.next_steps[0].startswith("Hold the pending stimulator implant: a stimulator trial with ≥ 50 %")
