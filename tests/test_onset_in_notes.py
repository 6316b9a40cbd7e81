"""A red-flag finding entered today with no onset[x], whose note is nothing but when it began
("since 2010", "3 years ago"), is an old finding put on the problem list today, not a new one: a
foot drop "since 2010" is no new motor deficit, a fracture "in 2015" no current fracture. A note
that says more than that date leaves the finding as new as its recorded date says.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest
from pathway_builders import cond, radic, run


def _critical(cards):  # type: ignore[no-untyped-def]
    return [(c.rule_id, c.summary) for c in cards if c.indicator == "critical"]


@pytest.mark.parametrize("note", ["since 2010", "Since March 2019.", "3 years ago", "chronic since 2012"])
def test_foot_drop_entered_today_with_an_old_onset_in_its_note_is_not_a_new_deficit(note: str) -> None:
    foot_drop = cond("fd", "red_flag_motor_deficit", "M21.372", onset=None, recorded=0, notes=[note])
    assert _critical(run(radic(days=150), foot_drop)) == []


def test_fracture_entered_today_with_an_old_year_in_its_note_is_not_current() -> None:
    fracture = cond("fx", "red_flag_fracture", "S32.009A", onset=None, recorded=0, notes=["in 2015"])
    assert _critical(run(radic(days=150), fracture)) == []


@pytest.mark.parametrize(
    "note",
    [
        "back pain since 2010, foot weak since this morning",
        "previous foot drop 2015 resolved; new weakness today",
        "since 2026",
        "gradual",
    ],
)
def test_guard_a_note_that_says_more_than_a_date_leaves_the_foot_drop_new(note: str) -> None:
    foot_drop = cond("fd", "red_flag_motor_deficit", "M21.372", onset=None, recorded=0, notes=[note])
    assert _critical(run(radic(days=150), foot_drop))


def test_guard_a_dated_onset_is_not_overruled_by_the_note() -> None:
    """onset[x] sent as today's date is what the record says; a note cannot make it older."""
    foot_drop = cond("fd", "red_flag_motor_deficit", "M21.372", onset=0, recorded=0, notes=["since 2010"])
    assert _critical(run(radic(days=150), foot_drop))


def test_guard_notes_that_disagree_give_the_later_date() -> None:
    """Two notes, "since 2010" and "2 days ago": the finding may be two days old; it stays new."""
    foot_drop = cond(
        "fd", "red_flag_motor_deficit", "M21.372", onset=None, recorded=0, notes=["since 2010", "2 days ago"]
    )
    assert _critical(run(radic(days=150), foot_drop))


def test_guard_cauda_equina_entered_today_with_no_words_stays_critical() -> None:
    ces = cond("ces", "red_flag_cauda_equina", "G83.4", onset=None, recorded=0)
    assert _critical(run(radic(days=150), ces))


@pytest.mark.parametrize(
    "notes",
    [
        ["LBP since 2010"],
        ["Sciatica since 2019"],
        ["MRI 2019"],
        ["previous MRI 2019"],
        ["surgery 2015"],
        ["since 2010", "retention this morning"],
        ["since 2010", "new weakness since this morning"],
    ],
)
def test_a_year_that_may_date_something_else_leaves_the_finding_new(notes: list[str]) -> None:
    """A note, unlike onset[x], may date anything: only a note that is nothing but a date counts, and
    only when every note is one (a second note may be today's emergency)."""
    ces = cond("ces", "red_flag_cauda_equina", "G83.4", onset=None, recorded=0, notes=notes)
    foot_drop = cond("fd", "red_flag_motor_deficit", "M21.372", onset=None, recorded=0, notes=notes)
    assert _critical(run(radic(days=150), ces))
    assert _critical(run(radic(days=150), foot_drop))
