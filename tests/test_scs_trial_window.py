"""What a spinal cord stimulator trial did is read from the trial itself.

- A score taken the day the leads went in (a recovery-room 1/10, even recorded as part of the
  trial) is the procedure's and its local anaesthetic's, not the trial's result: it made an
  N1 "trial succeeded, proceed to permanent implant" card, and the implant order passed unchecked.
- A score taken after the leads came out (performedPeriod.end) is not the stimulation's relief.
- Removing the trial leads (63661) and implanting a permanent system are not signs that the
  trial failed: every trial ends with its leads out, and a permanent system follows one that worked.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pathway_builders import ago, context, obs, proc, radic

from hooks.pathway.failure import Modality, Outcome

# a trial from 24 to 17 days ago (2026-10-09 to 2026-10-16), pain 8/10 five days before it
TRIAL = replace(proc("trial", "spinal_cord_stimulation", "63650", days=24), performed_end=ago(17))
BASELINE = obs("base", "pain", 8, 29)


def _outcome(*facts: Any) -> Outcome:
    trial = next((f for f in facts if getattr(f, "ref", "") == "Procedure/trial"), TRIAL)
    others = [f for f in facts if f is not trial]
    ctx = context(radic(days=400), trial, BASELINE, *others)
    return ctx.assess(trial, Modality.SCS_TRIAL).outcome


def test_a_score_of_the_day_the_leads_went_in_is_no_result() -> None:
    assert _outcome(obs("t0", "pain", 1, 24, part_of=["Procedure/trial"])) is not Outcome.RESPONDER


def test_a_score_after_the_leads_came_out_is_no_result() -> None:
    assert _outcome(obs("after", "pain", 3, 12)) is not Outcome.RESPONDER


def test_removing_the_trial_leads_is_no_sign_of_failure() -> None:
    removal = proc("rm", "spinal_cord_stimulation", "63661", days=17)
    assert _outcome(removal) is Outcome.UNKNOWN


def test_guard_scores_during_the_trial_decide_it() -> None:
    assert _outcome(obs("d4", "pain", 2, 20), obs("d6", "pain", 3, 18)) is Outcome.RESPONDER
    assert _outcome(obs("d4", "pain", 6, 20), obs("d6", "pain", 6, 18)) is Outcome.FAILED


def test_a_trial_still_running_is_judged_by_its_end_not_from_a_day_already_past() -> None:
    """The short line said "too early to judge (assess from <the day the leads went in>)", a date
    already past; it now names the day its relief should be recorded by."""
    running = proc("trial", "spinal_cord_stimulation", "63650", days=4)
    ctx = context(radic(days=400), running, BASELINE)
    a = ctx.assess(running, Modality.SCS_TRIAL)
    assert a.outcome is Outcome.PENDING
    assert a.facts[0].short is not None and "record relief by" in a.facts[0].short


def test_a_removal_recorded_on_its_own_ends_the_trial() -> None:
    """No performedPeriod: the leads' removal (63661) 7 days after the insertion ends the trial, and
    the low scores after it are not the stimulation's relief."""
    trial = proc("trial", "spinal_cord_stimulation", "63650", days=24)
    removal = proc("rm", "spinal_cord_stimulation", "63661", days=17)
    during = obs("d3", "pain", 6, 21)
    after = (obs("a1", "pain", 1, 14), obs("a2", "pain", 1, 12))
    assert _outcome(trial, removal, during, *after) is Outcome.FAILED
