"""Physiotherapy recorded as one course counts for its whole length.

Many EHRs record a course of physiotherapy as one Procedure with a performedPeriod (seven weeks), or
as one Procedure in progress. The period counted as a single day ("only 1 day of conservative care
documented: confirm or complete it before MRI"), and a course in progress not at all ("no
conservative care documented ... start active physiotherapy"), although the care the pathway asks for
(§3.1: six weeks) was given. A course now counts from its start to the end of its period, one in
progress to today.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from tests import pathway_builders as pb


def course(days: int, *, status: str = "completed", ends_days_ago: int | None = None) -> object:
    pt = pb.proc("pt-course", "physical_therapy", "97110", days=days, status=status)
    return replace(pt, performed_end=pb.ago(ends_days_ago) if ends_days_ago is not None else None)


def test_a_seven_week_course_recorded_as_one_period_counts_seven_weeks() -> None:
    ctx = pb.context(pb.radic(days=80), course(70, ends_days_ago=21))
    assert ctx.conservative_care_days == 50
    assert ctx.conservative_care_complete


def test_a_course_in_progress_counts_to_today_and_is_named() -> None:
    ctx = pb.context(pb.radic(days=80), course(56, status="in-progress"))
    assert ctx.conservative_care_days == 57
    assert any(f.ref == "Procedure/pt-course" for f in ctx.conservative_care_facts())


def test_a_course_in_progress_makes_the_step_mri_not_start_physiotherapy() -> None:
    cards = pb.run(pb.radic(days=80), course(56, status="in-progress"))
    assert pb.states(cards) == ["P1"]
    assert "start active physiotherapy" not in pb.card_words(cards[0]).lower()


def test_guard_one_session_counts_one_day() -> None:
    assert pb.context(pb.radic(days=80), course(30)).conservative_care_days == 1


def test_guard_a_course_not_done_counts_nothing() -> None:
    assert pb.context(pb.radic(days=80), course(56, status="not-done")).conservative_care_days == 0
