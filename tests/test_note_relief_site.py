"""A note that gives the relief of the back and of the leg apart is read for the pain the procedure
treats: "Back pain relief 70 %; leg pain relief 20 %" on a stimulator trial for radicular leg pain is
a failed trial (20 %), where the first number once made it a success and cleared the implant; on a
medial branch block, which tests the facet joints' back pain, the back's relief decides.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from pathway_builders import TODAY, context, obs, proc, radic

from hooks.facts import ProcedureFact
from hooks.pathway.failure import Modality, Outcome

BOTH = "Back pain relief 70 %; leg pain relief 20 % over the trial week."


def _outcome(p: ProcedureFact, modality: Modality) -> Outcome:
    """The procedure's outcome with a pain score of 8/10 five days before it."""
    assert p.performed is not None
    ctx = context(radic(days=400), p, obs("base", "pain", 8, (TODAY - p.performed).days + 5))
    return ctx.assess(p, modality).outcome


def test_a_trial_for_leg_pain_is_judged_by_the_legs_relief() -> None:
    trial = proc("trial", "spinal_cord_stimulation", "63650", days=24, notes=[BOTH])
    assert _outcome(trial, Modality.SCS_TRIAL) is Outcome.FAILED


def test_a_medial_branch_block_is_judged_by_the_backs_relief() -> None:
    note = "Leg pain relief 10 %; back pain relief 85 % for 6 hours."
    block = proc("mbb", "facet_medial_branch_block_lumbar", None, days=20, notes=[note])
    assert _outcome(block, Modality.DIAGNOSTIC_BLOCK) is Outcome.RESPONDER


def test_guard_one_relief_without_a_site_still_decides() -> None:
    trial = proc("trial", "spinal_cord_stimulation", "63650", days=24, notes=["70 % relief during the trial"])
    assert _outcome(trial, Modality.SCS_TRIAL) is Outcome.RESPONDER


def test_relief_of_the_other_pain_alone_does_not_judge_a_trial() -> None:
    """ "back pain relief 80 %; leg pain no better" on a trial for leg pain: no success by the back."""
    note = "7-day trial: back pain relief 80 %; leg pain no better."
    trial = proc("trial", "spinal_cord_stimulation", "63650", days=24, notes=[note])
    assert _outcome(trial, Modality.SCS_TRIAL) is not Outcome.RESPONDER


def test_leg_and_back_relief_together_is_of_both_and_pain_coming_back_is_no_site() -> None:
    from hooks.pathway.failure import note_reliefs

    both = proc(
        "esi", "esi_transforaminal_lumbar", None, days=40, notes=["Leg and back pain relief 60 % at 4 weeks."]
    )
    back_again = proc("esi", "esi_transforaminal_lumbar", None, days=40,
                      notes=["Pain back to baseline at 4 weeks, 10 % relief."])  # fmt: skip
    assert [r.site for r in note_reliefs(both)] == [None]
    assert [r.site for r in note_reliefs(back_again)] == [None]
