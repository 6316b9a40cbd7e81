"""A Condition onset sent as a partial date (FHIR allows "2026-08" or "2026") is shown as written,
decides the symptom duration from the latest day it allows — the symptoms have lasted at least that
long, the principle an onset in words already follows (``PathwayContext.onset_bound``) — never later
than today, and is named as a gap ("a full onset date for Condition/c1 (sent as '2026-08')").

It used to be read as its first day and shown as an exact day: "2026-08" gave "onset 2026-08-01
(15 weeks)" and a P2 warning (≥ 12 weeks, not referred), although an onset on 31 August would be
under 12 weeks; "2026" gave "onset 2026-01-01 (10 months)".

The episode (which treatments and scores belong to it) still starts on the first day the partial
date allows: the generous reading there keeps an injection or a score of that month in the episode.
The ``test_guard_*`` tests hold on the code before the change: full dates read, count and show as
before.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cds_service.fhir_facts import build_history
from hooks.cards import CardDraft
from hooks.facts import ConditionFact
from tests.pathway_builders import TERM, TODAY, card_of, card_words, conservative, context, run, states

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ACTIVE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
}
RADICULOPATHY = {
    "coding": [{"system": ICD, "code": "M54.16", "display": "Radiculopathy, lumbar region"}],
    "text": "Radiculopathy, lumbar region",
}


def raw(rid: str = "c1", onset: str | None = None, recorded: str | None = None) -> ConditionFact:
    """A lumbar radiculopathy Condition as an EHR sends it, read as the service reads it."""
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": ACTIVE,
        "code": RADICULOPATHY,
    }
    if onset is not None:
        resource["onsetDateTime"] = onset
    if recorded is not None:
        resource["recordedDate"] = recorded
    (fact,) = build_history([resource], TERM).conditions
    return fact


def duration_card(cards: list[CardDraft]) -> CardDraft:
    (card,) = [c for c in cards if c.rule_id in ("E1", "E2", "P1", "P2")]
    return card


def since(d: date) -> int:
    return (TODAY - d).days


# --- reading -----------------------------------------------------------------------------------


def test_a_partial_date_keeps_the_last_day_it_covers() -> None:
    month, year, leap = raw(onset="2026-08"), raw(onset="2025"), raw(onset="2024-02")
    assert (month.onset, month.onset_text) == (date(2026, 8, 1), "2026-08")
    assert month.onset_last == date(2026, 8, 31)
    assert (year.onset, year.onset_text, year.onset_last) == (date(2025, 1, 1), "2025", date(2025, 12, 31))
    assert (leap.onset, leap.onset_last) == (date(2024, 2, 1), date(2024, 2, 29))


def test_a_partial_recorded_date_keeps_the_last_day_it_covers() -> None:
    c = raw(recorded="2026-08")
    assert c.onset_from_record and c.onset_text == "2026-08" and c.onset_last == date(2026, 8, 31)


# --- the duration is the least the partial date allows ------------------------------------------


def test_a_month_onset_counts_from_its_last_day_and_is_no_p2() -> None:
    # 2026-08-01 is 93 days before TODAY (P2 from 84); 2026-08-31 is 63 days: persistent, not chronic
    c = raw(onset="2026-08")
    assert context(c).symptom_days == since(date(2026, 8, 31)) == 63
    found = states(run(c, *conservative()))
    assert "P2" not in found and "P1" in found


def test_a_month_onset_is_shown_as_written_with_the_least_duration() -> None:
    card = duration_card(run(raw(onset="2026-08"), *conservative()))
    words = card_words(card)
    assert "onset 2026-08 (≥ 9 weeks)" in words
    assert "2026-08-01" not in words


def test_a_month_onset_past_12_weeks_at_its_last_day_is_still_p2() -> None:
    # 2026-07-31 is 94 days before TODAY: chronic however late in July it began
    cards = run(raw(onset="2026-07"), *conservative())
    assert "P2" in states(cards)
    assert "onset 2026-07 (≥ 13 weeks)" in card_words(card_of(cards, "P2"))


def test_a_partial_onset_is_named_as_a_gap() -> None:
    card = duration_card(run(raw(onset="2026-08"), *conservative()))
    assert "a full onset date for Condition/c1 (sent as '2026-08')" in card.gaps


def test_a_year_onset_is_shown_as_written_and_counts_from_the_years_last_day() -> None:
    c = raw(onset="2025")
    assert context(c).symptom_days == since(date(2025, 12, 31))
    cards = run(c, *conservative())
    words = card_words(card_of(cards, "P2"))
    assert "onset 2025 (≥ 10 months)" in words and "2025-01-01" not in words


def test_a_year_onset_in_the_current_year_counts_from_today_never_later() -> None:
    c = raw(onset=str(TODAY.year))
    assert context(c).symptom_days == 0
    card = duration_card(run(c, *conservative()))
    assert card.rule_id != "P2"
    assert f"onset {TODAY.year} (this year)" in card_words(card)
    assert f"a full onset date for Condition/c1 (sent as '{TODAY.year}')" in card.gaps


def test_a_month_onset_in_the_current_month_counts_from_today_never_later() -> None:
    month = TODAY.strftime("%Y-%m")
    c = raw(onset=month)
    assert context(c).symptom_days == 0  # the first day would give 1; the month's last day, < 0
    assert f"onset {month} (this month)" in card_words(duration_card(run(c)))


def test_a_partial_recorded_date_counts_from_its_last_day_and_is_shown_as_written() -> None:
    c = raw(recorded="2026-08")
    assert context(c).symptom_days == 63
    words = card_words(duration_card(run(c, *conservative())))
    assert "recorded 2026-08 (≥ 9 weeks ago; no onset given" in words
    assert "2026-08-01" not in words


# --- several radicular Conditions: the earliest certain day decides -----------------------------


def test_a_full_date_inside_a_partial_month_decides_and_the_month_is_a_gap() -> None:
    # "2026-08" may be as late as 08-31; "2026-08-20" is certain: the symptoms have lasted since then
    month, day = raw("c1", onset="2026-08"), raw("c2", onset="2026-08-20")
    ctx = context(month, day)
    assert ctx.onset_condition is day and ctx.symptom_days == since(date(2026, 8, 20))
    card = duration_card(run(month, day, *conservative()))
    assert "onset 2026-08-20 (10 weeks)" in card_words(card)
    assert "a full onset date for Condition/c1 (sent as '2026-08')" in card.gaps


def test_a_partial_month_before_a_later_full_date_decides_by_its_last_day() -> None:
    month, day = raw("c1", onset="2026-08"), raw("c2", onset="2026-09-10")
    ctx = context(day, month)
    assert ctx.onset_condition is month and ctx.symptom_days == since(date(2026, 8, 31))


# --- guards: full dates as before, and the episode still starts on the first day ----------------


def test_guard_a_full_date_reads_counts_and_shows_as_before() -> None:
    c = raw(onset="2026-08-01")
    assert (c.onset, c.onset_text) == (date(2026, 8, 1), "2026-08-01")
    assert context(c).symptom_days == 93
    cards = run(c, *conservative())
    card = card_of(cards, "P2")
    assert "onset 2026-08-01 (13 weeks)" in card_words(card)
    assert not any("full onset date" in g for g in card.gaps)


def test_guard_a_date_time_onset_reads_as_its_day() -> None:
    c = raw(onset="2026-08-01T09:30:00+02:00")
    assert context(c).symptom_days == 93
    assert "onset 2026-08-01 (13 weeks)" in card_words(card_of(run(c, *conservative()), "P2"))


def test_guard_a_full_date_before_a_partial_month_decides_with_no_gap() -> None:
    day, month = raw("c1", onset="2026-07-15"), raw("c2", onset="2026-08")
    ctx = context(month, day)
    assert ctx.onset_condition is day and ctx.symptom_days == since(date(2026, 7, 15))
    card = card_of(run(month, day, *conservative()), "P2")
    assert "onset 2026-07-15 (15 weeks)" in card_words(card)
    assert not any("full onset date" in g for g in card.gaps)


def test_guard_a_partial_onset_episode_still_starts_on_its_first_day() -> None:
    ctx = context(raw(onset="2026-08"))
    assert ctx.onset == ctx.episode_start == date(2026, 8, 1)
    assert ctx.episode_cutoff == date(2026, 8, 1) - timedelta(days=ctx.t.episode_onset_lead_days)


def test_guard_a_full_recorded_date_shows_as_before() -> None:
    c = raw(recorded="2026-10-31")
    assert context(c).symptom_days == 2
    assert "recorded 2026-10-31 (2 days ago; no onset given" in card_words(duration_card(run(c)))


def test_a_year_only_onset_this_year_asks_for_the_day_before_calling_the_pain_acute() -> None:
    """Onset sent as the current year: the pain may be 10 months old; E1 asks when it began, and its
    review date is not in the past."""
    c = raw(onset=str(TODAY.year))
    (e1,) = run(c)
    assert e1.rule_id == "E1"
    assert e1.summary.startswith(f"Radicular pain since {TODAY.year}, day not given: record when it began")
    assert e1.next_steps[0].startswith("Record when the leg pain began")
    review = [s for s in e1.next_steps if "reassess at" in s]
    assert review and review[0].split("(")[-1][:10] >= TODAY.isoformat()
