"""An onset sent in words ("years ago") is kept as such, read only as a bound, and named on the card
(decision model §1.1.6): never an invented date, never a silent empty card list."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pathway_builders import TODAY, context, radic, run, states

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks.cards import render_detail
from hooks.pathway.context import relative_days
from hooks.terminology import default_terminology

AGE = {"system": "http://unitsofmeasure.org"}


def _history(birth: str | None, **onset: Any):  # type: ignore[no-untyped-def]
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "p1"}
    if birth:
        patient["birthDate"] = birth
    cond = {
        "resourceType": "Condition",
        "id": "c1",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": ICD, "code": "M54.16"}], "text": "Lumbar radiculopathy"},
        **onset,
    }
    models = [get_fhir_model_class(r["resourceType"]).model_validate(r) for r in (patient, cond)]
    return build_history(models, default_terminology()).conditions[0]


def test_an_onset_string_that_is_not_a_date_is_kept_not_dropped() -> None:
    c = _history(None, onsetString="years ago")
    assert c.onset is None and c.recorded is None and c.onset_unread == "years ago"


def test_an_onset_string_that_is_not_a_date_keeps_the_recorded_date_as_onset() -> None:
    c = _history(None, onsetString="years ago", recordedDate="2026-10-01")
    assert c.onset == date(2026, 10, 1) and c.onset_unread == "years ago"


def test_a_dated_onset_string_is_read_as_before() -> None:
    c = _history(None, onsetString="2026-07")
    assert c.onset == date(2026, 7, 1) and c.onset_unread is None


def test_an_age_without_a_birth_date_is_named_not_guessed() -> None:
    c = _history(None, onsetAge={**AGE, "value": 50, "code": "a", "unit": "years"})
    assert c.onset is None and c.onset_unread == "at age 50 years"


def test_an_age_range_spans_its_low_end_to_the_last_day_of_its_high_end() -> None:
    rng = {"low": {**AGE, "value": 40, "code": "a"}, "high": {**AGE, "value": 45, "code": "a"}}
    c = _history("1970-01-01", onsetRange=rng)
    # from the 40th birthday to the day before the 46th: the duration counts from the last day (the
    # latest the onset can be), as for a partial date
    assert c.onset == date(2010, 1, 1) and c.onset_last == date(2015, 12, 31) and c.onset_unread is None
    assert c.onset_text == "at ages 40 to 45 a"


def test_an_age_is_its_whole_year_of_life() -> None:
    c = _history("1970-01-01", onsetAge={**AGE, "value": 56, "code": "a", "unit": "years"})
    assert (c.onset, c.onset_last, c.onset_text) == (date(2026, 1, 1), date(2026, 12, 31), "at age 56 years")
    weeks = _history("1970-01-01", onsetAge={**AGE, "value": 3, "code": "wk"})
    assert (weeks.onset, weeks.onset_last) == (date(1970, 1, 22), date(1970, 1, 28))


def test_an_age_in_whole_years_is_that_birthday_not_a_day_before() -> None:
    """365-day years dropped the leap days: "at age 56" for a patient born 1970-01-01 read 2025-12-18,
    when the patient was still 55."""
    assert _history("1970-01-01", onsetAge={**AGE, "value": 56, "code": "a"}).onset == date(2026, 1, 1)
    assert _history("2000-02-29", onsetAge={**AGE, "value": 1, "code": "a"}).onset == date(2001, 2, 28)
    assert _history("1970-01-31", onsetAge={**AGE, "value": 1, "code": "mo"}).onset == date(1970, 2, 28)


def test_guard_an_age_in_weeks_or_days_counts_days() -> None:
    assert _history("1970-01-01", onsetAge={**AGE, "value": 3, "code": "wk"}).onset == date(1970, 1, 22)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("years ago", 365),
        ("3 months ago", 90),
        ("a few weeks ago", 7),
        ("2 yrs ago", 730),
        ("gradual", None),
        ("since the accident", None),
    ],
)
def test_relative_onset_is_read_as_its_least_distance(text: str, days: int | None) -> None:
    assert relative_days(text) == days


def _words(words: str, *, recorded: int | None = None, onset: int | None = None):  # type: ignore[no-untyped-def]
    base = radic(days=30)
    rec = None if recorded is None else TODAY.fromordinal(TODAY.toordinal() - recorded)
    when = rec if onset is None else TODAY.fromordinal(TODAY.toordinal() - onset)
    return replace(base, onset=when, recorded=rec, onset_unread=words)


def test_years_ago_without_dates_reads_as_chronic_and_says_so() -> None:
    ctx = context(_words("years ago"))
    assert ctx.onset is None and ctx.symptom_days is not None and ctx.symptom_days >= 365
    assert any("years ago" in g and "≥ 1 year" in g for g in ctx.onset_gaps())
    cards = run(_words("years ago"))
    assert states(cards) == ["P2"]
    assert "years ago" in render_detail(cards[0])


def test_words_said_on_a_recorded_date_count_back_from_that_date() -> None:
    ctx = context(_words("3 weeks ago", recorded=2))
    assert ctx.symptom_days == 23


def test_an_unreadable_onset_is_a_named_gap_never_an_empty_list() -> None:
    cards = run(_words("gradual"))
    assert len(cards) == 1 and cards[0].rule_id == "pathway.not-fully-checked"
    assert any("gradual" in g for g in cards[0].gaps)


def test_a_radicular_condition_with_no_date_at_all_is_a_named_gap_never_an_empty_list() -> None:
    """No onset[x], no recordedDate: before, no card at all (it read as "nothing to worry about")."""
    undated = replace(radic(days=30), onset=None, recorded=None, onset_unread=None)
    cards = run(undated)
    assert len(cards) == 1 and cards[0].rule_id == "pathway.not-fully-checked"
    assert cards[0].summary.endswith("the symptom onset is not recorded")
    assert any(undated.ref in g and "duration unknown" in g for g in cards[0].gaps)


def test_guard_a_condition_with_only_a_recorded_date_is_dated_by_it() -> None:
    dated = replace(radic(days=30), onset=None, onset_unread=None, recorded=TODAY - timedelta(days=30))
    assert context(dated).onset == TODAY - timedelta(days=30)
    assert not any("no onset or recorded date" in g for g in context(dated).onset_gaps())


def test_a_dated_onset_adds_no_gap() -> None:
    assert context(radic(days=30)).onset_gaps() == []


def test_the_acute_review_date_counts_from_the_bound() -> None:
    cards = run(_words("3 weeks ago", recorded=2))
    assert states(cards) == ["E1"]
    review = (TODAY - timedelta(days=23) + timedelta(days=42)).isoformat()
    assert review in cards[0].next_steps[0]
