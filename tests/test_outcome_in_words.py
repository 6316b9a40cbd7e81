"""An injection's outcome sent as words only (``Procedure.outcome`` = {"text": "Unsuccessful"}) is the
explicit outcome §3.1 reads first, as a coded one is.

Before, an F3 chart whose ESI outcome was recorded as the words "Unsuccessful" or "No relief", with no
scores after it, drew F0's "outcome not recorded" card: the surgical referral waited, and the card
denied an outcome the chart held. A "% relief" in the words is read as a note's relief is. When it
was judged may follow the words ("No relief at 4-week follow-up"), unless that was before the
injection's window opened; a failure beside a relief under 50 % is a failure ("Failed - 20%
relief"), and an SCS trial recorded so is a failed trial (N2), not one whose outcome is missing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from pathway_builders import TERM, TODAY, conservative, history, obs, proc, radic, report, run, states

from hooks.pathway.failure import Modality, Outcome, assess
from hooks.thresholds import DEFAULT_THRESHOLDS

CONCORDANT = "L5-S1 left paracentral disc extrusion compressing the left S1 nerve root."


def esi(words: str | None, days: int = 60) -> Any:
    p = proc("esi", "esi_transforaminal_lumbar", "64483", days=days, level="L5-S1", laterality="left")
    return replace(p, outcome=(), outcome_text=words)


def outcome_of(words: str, *facts: Any) -> Outcome:
    p = esi(words)
    return assess(p, Modality.ESI, history(p, *facts), TODAY, DEFAULT_THRESHOLDS, TERM).outcome


@pytest.mark.parametrize(
    ("words", "outcome"),
    [
        ("Unsuccessful", Outcome.FAILED),
        ("No relief", Outcome.FAILED),
        ("Failed.", Outcome.FAILED),
        ("Partially successful", Outcome.PARTIAL),
        ("Successful", Outcome.SUCCESS),
        # when it was judged, once the injection's window had opened
        ("No relief at 4-week follow-up", Outcome.FAILED),
        ("No relief (6 weeks)", Outcome.FAILED),
        ("Unsuccessful at the 1 month review", Outcome.FAILED),
        # a failure with a relief under every responder threshold: the two agree
        ("Failed - 20% relief", Outcome.FAILED),
        ("Unsuccessful (30 % relief), patient wants surgery", Outcome.FAILED),
    ],
)
def test_an_outcome_in_words_is_read(words: str, outcome: Outcome) -> None:
    assert outcome_of(words, obs("b", "pain", 7, 62)) is outcome


@pytest.mark.parametrize(
    "words",
    [
        "Less than 50% relief",  # how much, and for how long, the scores must say
        "<50% relief",
        "20% relief",
        "50% relief for 2 days",
        "80% relief for 1 day, then pain returned to baseline",
        "Failed to attend follow-up",  # no outcome of the injection
        "Failed to return for 2-week review",
        "No improvement in back pain; leg pain resolved",
        "Unchanged numbness; leg pain 80% better",
        "Not unsuccessful",
        "Successful initially, pain returned",
        "No relief, too early to judge",
        "Failed - patient did not attend follow-up",
        "Unsuccessful - needle could not be placed, no injectate given",
        "Failed: vasovagal, procedure abandoned",
        "No relief (back pain); leg pain resolved",
        "Partial, then complete relief",
        "No relief at 1 week",  # before the injection's window opens: the scores decide
        "No relief after 10 days",
        "Unsuccessful - 60% relief",  # the words disagree
        "Failed - 20% relief, 70% relief at 2 months",
        "Trial unsuccessful - 20% relief, then much better",
    ],
)
def test_words_that_do_not_say_the_outcome_whole_leave_it_to_the_scores(words: str) -> None:
    judged = (Outcome.FAILED, Outcome.PARTIAL, Outcome.SUCCESS)
    assert outcome_of(words, obs("b", "pain", 7, 62)) not in judged


@pytest.mark.parametrize("words", ["Unsuccessful", "No relief"])
def test_a_failed_esi_recorded_in_words_leads_to_the_surgical_referral(words: str) -> None:
    mri = report("mri", "72148", 100, CONCORDANT)
    cards = run(radic(days=150), *conservative(140), mri, obs("b", "pain", 7, 62), esi(words))
    assert states(cards) == ["F3"]
    shown = [f.text.lower() for f in cards[0].why if f.ref == "Procedure/esi"]
    assert shown and f"outcome recorded as {words.lower()}" in shown[0], shown


@pytest.mark.parametrize("words", ["Procedure completed", "Patient tolerated well", ""])
def test_guard_words_that_give_no_outcome_leave_it_unrecorded(words: str) -> None:
    facts = [radic(days=150), *conservative(140), report("mri", "72148", 100, CONCORDANT)]
    cards = run(*facts, esi(words or None))
    assert states(cards) == ["F0"]


def test_words_left_to_the_scores_are_shown_as_written_not_denied() -> None:
    mri = report("mri", "72148", 100, CONCORDANT)
    cards = run(radic(days=150), *conservative(140), mri, esi("Less than 50% relief"))
    assert states(cards) == ["F0"]
    text = " ".join(f.text for f in cards[0].why if f.ref == "Procedure/esi")
    assert 'outcome recorded as "Less than 50% relief"' in text and "no recorded outcome" not in text, text


def test_a_stimulator_trial_recorded_unsuccessful_with_its_relief_is_a_failed_trial() -> None:
    trial = replace(
        proc("trial", "scs_percutaneous_lead", days=80),
        outcome=(),
        outcome_text="Trial unsuccessful - 20% relief, patient declines implant",
    )
    assessed = assess(trial, Modality.SCS_TRIAL, history(trial), TODAY, DEFAULT_THRESHOLDS, TERM)
    assert assessed.outcome is Outcome.FAILED
