"""Two ways an old or impossible record raised a critical card.

- An onset sent in words that names a year ("since 2019", "in 2015", "MVA 2015", "since March
  2024") is read as a bound: the finding began by the end of that year or month at the latest. A
  foot drop or a vertebral fracture recorded today with such an onset is an old finding entered
  today, not a new red flag.
- A pain score outside 0-10 once read (35 under the 0-10 NRS code) or an ODI outside 0-100 % is
  not read: no card rests on "pain 35/10".

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pathway_builders import TODAY, cond, radic, run

from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import LOINC
from hooks.pathway.context import onset_bound_in_words
from hooks.terminology import default_terminology


@pytest.mark.parametrize(
    ("words", "bound"),
    [
        ("since 2019", date(2019, 12, 31)),
        ("in 2015", date(2015, 12, 31)),
        ("MVA 2015", date(2015, 12, 31)),
        ("since March 2024", date(2024, 3, 31)),
        ("since dec. 2025", date(2025, 12, 31)),
        ("3 months ago", date(2026, 8, 4)),
        ("since 2026", None),  # the year said in: nothing certain before today
        ("gradual", None),
        ("since the accident", None),
        # words that say more than a date: the year may date something else
        ("since 2000 hrs last night", None),
        ("this morning; previous CES 2015 fully recovered after decompression", None),
        ("2 weeks ago; chronic low back pain since 2015", None),
        ("2 days ago (had R L4-5 discectomy 2019)", None),
        ("previous CES 5 years ago, retention this morning", None),
        ("about 3 months ago", date(2026, 8, 4)),
        ("patient states 3 years ago", date(2023, 11, 3)),
        ("had surgery 2 years ago", None),
        ("since the 2019 accident", None),
    ],
)
def test_onset_words_give_the_latest_day_they_allow(words: str, bound: date | None) -> None:
    assert onset_bound_in_words(words, TODAY) == bound


def _old(value_set: str, member: str | None, words: str):  # type: ignore[no-untyped-def]
    return replace(cond("old", value_set, member, onset=0, recorded=0), onset_unread=words)


@pytest.mark.parametrize("words", ["since 2019", "in 2019", "since Jan 2019"])
def test_foot_drop_with_an_onset_year_in_words_is_not_a_new_progressive_deficit(words: str) -> None:
    cards = run(radic(days=150), _old("red_flag_motor_deficit", "M21.372", words))
    assert all(c.indicator != "critical" for c in cards), [(c.rule_id, c.summary) for c in cards]


def test_guard_foot_drop_recorded_today_without_words_is_still_critical() -> None:
    cards = run(radic(days=150), cond("fd", "red_flag_motor_deficit", "M21.372", onset=0, recorded=0))
    assert any(c.indicator == "critical" for c in cards)


@pytest.mark.parametrize("words", ["in 2015", "MVA 2015"])
def test_vertebral_fracture_with_an_onset_year_in_words_is_not_a_red_flag_today(words: str) -> None:
    cards = run(radic(days=150), _old("red_flag_fracture", "S32.009A", words))
    assert all(c.indicator != "critical" for c in cards), [(c.rule_id, c.summary) for c in cards]


def _score(value: float, unit: str | None, code: str = "72514-3") -> Any:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-11-01",
        "valueQuantity": {"value": value, **({"unit": unit} if unit else {})},
    }
    model = get_fhir_model_class("Observation").model_validate(obs)
    return build_history([model], default_terminology()).observations[0]


@pytest.mark.parametrize(("value", "unit"), [(35, None), (35, "{score}"), (-1, None), (11, "/10")])
def test_pain_outside_its_scale_is_not_read(value: float, unit: str | None) -> None:
    fact = _score(value, unit)
    assert fact.kind == "pain" and fact.value is None


@pytest.mark.parametrize(
    ("value", "unit", "read"), [(7, None, 7), (10, None, 10), (70, "mm", 7), (0, None, 0)]
)
def test_guard_pain_on_its_scale_is_read(value: float, unit: str | None, read: float) -> None:
    assert _score(value, unit).value == read


def test_odi_out_of_50_points_is_doubled_and_beyond_100_is_not_read() -> None:
    assert _score(32, "{score}/50", "97909-6").value == 64
    assert _score(140, "%", "97909-6").value is None


@pytest.mark.parametrize(
    "words",
    ["since 2000 hrs last night", "this morning; previous CES 2015 fully recovered after decompression"],
)
def test_guard_a_year_or_clock_time_among_other_words_leaves_a_new_finding_new(words: str) -> None:
    cards = run(radic(days=150), _old("red_flag_cauda_equina", "G83.4", words))
    assert any(c.indicator == "critical" for c in cards)


def test_a_time_ago_among_other_words_leaves_a_new_finding_new() -> None:
    """ "previous CES 5 years ago, retention this morning": the five years date the earlier episode,
    not this one; read as the onset they made today's cauda equina syndrome old."""
    cards = run(
        radic(days=150),
        _old("red_flag_cauda_equina", "G83.4", "previous CES 5 years ago, retention this morning"),
    )
    assert any(c.indicator == "critical" for c in cards)
