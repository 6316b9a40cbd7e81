"""A stimulator trial still running silences the advice to evaluate for one.

F7 (no surgical target: multidisciplinary care and SCS evaluation) and S3 (fibrosis after surgery:
psychological evaluation, then an SCS trial) were moot once a stimulator was on record, but a trial
recorded as still in progress (the leads in, the Procedure "in-progress") is not yet "completed", so
both cards went on offering the evaluation and the trial under way. A running trial now stales them
as a completed one does; its result is judged when it ends. Its leads are in place, as a completed
trial's are within the trial period: a fever says to remove them.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from typing import Any

from pathway_builders import (
    card_of,
    cond,
    conservative,
    obs,
    order,
    proc,
    radic,
    render_full,
    report,
    run,
    states,
)

from hooks.pathway.failure import Outcome

DISCORDANT = "Mild multilevel degenerative disc disease without nerve root compression."
FIBROSIS = "Enhancing epidural fibrosis encasing the left S1 root. No recurrent disc herniation."
FAILED = {"Procedure/esi-1": Outcome.FAILED, "Procedure/esi-2": Outcome.FAILED}


def tfesi(ref: str, days: int, level: str = "L5-S1") -> Any:
    return proc(ref, "esi_transforaminal_lumbar", "64483", days=days, level=level)


def running_trial(days: int = 4, status: str = "in-progress") -> Any:
    return proc("t1", "scs_percutaneous_lead", days=days, status=status, text="Spinal cord stimulator trial")


def f7_chart(*extra: Any) -> list[Any]:
    return [
        radic(900),
        *conservative(890),
        report("mri", "72148", 840, DISCORDANT),
        tfesi("esi-1", 800, level="L4-L5"),
        tfesi("esi-2", 720),
        order("ref", "referral_spine_surgery", status="completed", authored=660,
              notes=("Seen by spine surgery: no surgical target.",)),
        obs("now", "pain", 7, 5),
        *extra,
    ]  # fmt: skip


def s3_chart(*extra: Any) -> list[Any]:
    return [
        proc("lam", "lumbar_decompression_discectomy", "63030", days=800),
        radic(600),
        report("mri", "72158", 60, FIBROSIS),
        *extra,
    ]


def test_f7_is_silent_while_a_trial_is_running() -> None:
    assert "F7" not in states(run(*f7_chart(running_trial()), outcomes=FAILED))


def test_s3_is_silent_while_a_trial_is_running() -> None:
    assert "S3" not in states(run(*s3_chart(running_trial())))


def test_guard_without_a_trial_f7_and_s3_speak() -> None:
    assert states(run(*f7_chart(), outcomes=FAILED)) == ["F7"]
    assert states(run(*s3_chart())) == ["S3"]


def test_guard_a_trial_that_was_stopped_is_no_trial_running() -> None:
    assert states(run(*f7_chart(running_trial(status="stopped")), outcomes=FAILED)) == ["F7"]


# ---------------------------------------------------------------------------------------------
# the leads of a trial recorded in progress are in place: a fever says to remove them
# ---------------------------------------------------------------------------------------------


def test_fever_during_a_trial_recorded_in_progress_says_to_remove_the_leads() -> None:
    fbss = cond("fbss", "postlaminectomy_syndrome_fbss", "M96.1", onset=900)
    fever = cond("fv", "red_flag_infection", "R50.9", onset=1)
    c = card_of(run(fbss, running_trial(days=2), fever), "R3")
    assert c.indicator == "critical"
    assert "remove the trial leads" in render_full(c)
    assert "Procedure/t1" in {f.ref for f in c.why}
