"""Relief a note records in words, without a number.

A note that calls the relief too small to count ("no significant relief", "minimal relief", "very
little relief") records what the source documents count as failure ("minimal, short-lived, or
non-existent" relief), as "no relief" does: for an ESI it is one sign of failure among the proxies,
said in the note's own words; for a diagnostic block or a stimulator trial, whose note is the
diary's result, a relief denied in words is a negative result, not "nothing recorded". Relief of
numbness, relief in general, and another treatment's relief are not read.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest

from hooks.pathway.failure import Modality, Outcome
from tests.test_failure import proc, run
from tests.test_failure_notes_and_ties import assess, chart


def note(text: str) -> dict[str, object]:
    return {"note": [{"text": text}]}


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("No significant relief at 4 weeks.", "no significant relief at 4 weeks"),
        ("Minimal relief from the injection.", "minimal relief"),
        ("Follow-up at 3 weeks: very little pain relief", "very little relief at 3 weeks"),
        ("Patient did not get any meaningful relief.", "no meaningful relief"),
    ],
)
def test_an_esi_note_of_too_little_relief_is_one_sign_of_failure_in_its_words(
    written: str, said: str
) -> None:
    a = assess(*chart(written))
    assert a.outcome is Outcome.POSSIBLE_FAILED
    assert [f.text for f in a.proxies] == [f"note on the procedure records {said}"]


@pytest.mark.parametrize(
    "written",
    [
        "Significant relief at 4 weeks.",
        "Minimal relief of numbness only.",
        "Minimal relief from PT before the ESI.",
    ],
)
def test_guard_relief_that_is_not_too_little_pain_relief_is_no_sign(written: str) -> None:
    a = assess(*chart(written))
    assert a.outcome is not Outcome.POSSIBLE_FAILED and not a.proxies


@pytest.mark.parametrize(
    ("code", "written"),
    [
        ("64493", "No relief during the anaesthetic phase."),  # medial branch block
        ("64483", "Diagnostic selective nerve root block: minimal relief."),
        ("63650", "Trial removed on day 7: no significant relief."),  # SCS trial
    ],
)
def test_a_block_or_trial_whose_note_denies_relief_is_negative(code: str, written: str) -> None:
    modality = Modality.SCS_TRIAL if code == "63650" else Modality.DIAGNOSTIC_BLOCK
    a = run(
        proc("esi", code, level=None if code == "63650" else "L5-S1", **note(written)),
        today=10,
        modality=modality,
    )
    assert a.outcome is Outcome.FAILED
    assert "note on the procedure records" in a.facts[0].text


def test_guard_a_block_note_about_another_treatment_is_no_result() -> None:
    a = run(proc("esi", "64493", **note("No relief from PT or NSAIDs; block performed.")), today=10)
    assert a.outcome is Outcome.UNKNOWN


def test_guard_a_block_note_with_a_number_is_read_as_before() -> None:
    a = run(proc("esi", "64493", **note("80% relief during the anaesthetic phase.")), today=10)
    assert a.outcome is Outcome.RESPONDER
