"""A Condition with no onset[x] is dated by its recordedDate, the latest its symptoms can have begun
by (decision model §1.1.6): the pathway keeps that date for its timing, but the card calls it the
recorded date, never the onset, and asks when the leg pain began. A sciatica of years coded at
today's visit must not read as a two-day-old one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from flask import Flask
from pathway_builders import TODAY, ago, card_of, cond, conservative, context, obs, proc, run, states

from cds_service import cli
from cds_service.fhir_facts import build_history
from fhir_fixtures.fhir_builder import ICD10CM as ICD
from hooks.cards import render_detail, render_full
from hooks.facts import ConditionFact
from hooks.pathway.failure import Outcome
from hooks.registry import history_prefetch
from hooks.terminology import default_terminology

RADICULOPATHY = "lumbar_radiculopathy_conditions"
ASK = "when the leg pain began (only the date the diagnosis was recorded)"
ENDPOINT = "/cds-services/radicular-pathway"


def recorded_only(days: int = 2) -> ConditionFact:
    return cond("r", RADICULOPATHY, "M54.16", onset=None, recorded=days)


def fhir_condition(**dates: Any) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": "r",
        "subject": {"reference": "Patient/p1"},
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}
            ]
        },
        "code": {"coding": [{"system": ICD, "code": "M54.16"}], "text": "Lumbar radiculopathy"},
        **dates,
    }


PATIENT = {"resourceType": "Patient", "id": "p1", "birthDate": "1970-06-01"}


def read(condition: dict[str, Any]) -> ConditionFact:
    """The Condition as the FHIR reader gives it."""
    models = [get_fhir_model_class(r["resourceType"]).model_validate(r) for r in (PATIENT, condition)]
    return build_history(models, default_terminology()).conditions[0]


def onset_line(cards: list[Any]) -> str:
    return render_detail(cards[0]).splitlines()[0]


# ---------------------------------------------------------------------------------------------
# the reproduction: built facts, the FHIR reader, the service over HTTP
# ---------------------------------------------------------------------------------------------


def test_a_recorded_date_is_named_as_such_not_as_the_onset() -> None:
    """Coded at a visit 2 days ago with no onset: still acute by the record (E1), but the card says
    the date is when it was recorded, that no onset was given, and asks for the onset."""
    cards = run(recorded_only(2))
    assert states(cards) == ["E1"]
    c = card_of(cards, "E1")
    when = ago(2).isoformat()
    assert onset_line(cards) == f"- `Condition/r` recorded {when} (2 days ago; no onset given)"
    assert f"onset {when}" not in render_detail(c) and f"onset {when}" not in render_full(c)
    assert "the symptoms began on or before that date" in render_full(c)
    assert ASK in c.gaps
    assert f"- {ASK}" in render_full(c)


def test_a_fhir_condition_without_onset_is_marked_and_named_as_recorded() -> None:
    c = read(fhir_condition(recordedDate=ago(1).isoformat()))
    assert c.onset_from_record and c.recorded == ago(1)
    cards = run(c)
    assert states(cards) == ["E1"]
    assert onset_line(cards) == f"- `Condition/r` recorded {ago(1).isoformat()} (1 day ago; no onset given)"
    assert ASK in cards[0].gaps


def test_the_service_names_the_recorded_date_of_a_condition_without_onset(
    make_app: Callable[..., Flask],
) -> None:
    """The same through the real service: a patient-view request from a Bundle of the chart."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (PATIENT, fhir_condition(recordedDate=ago(1).isoformat()))],
    }
    request = cli.request_from_bundle(
        bundle,
        hook="patient-view",
        patient="p1",
        user="Practitioner/u",
        prefetch_templates=history_prefetch(default_terminology()),
    )
    app = make_app(settings_overrides={"evaluation_date": TODAY.isoformat()})
    resp = app.test_client().post(ENDPOINT, json=request)
    assert resp.status_code == 200
    [card] = resp.get_json()["cards"]
    assert card["source"]["topic"]["code"] == "E1"
    when = ago(1).isoformat()
    assert f"recorded {when} (1 day ago; no onset given)" in card["detail"]
    assert f"onset {when}" not in card["detail"]


def test_an_onset_in_words_that_gives_no_date_is_said_beside_the_recorded_date() -> None:
    """onsetString "gradual" (no date, no bound) recorded 10 days ago: the recorded date still
    times the pathway, and the card says what was sent instead of calling the date the onset."""
    c = read(fhir_condition(onsetString="gradual", recordedDate=ago(10).isoformat()))
    cards = run(c)
    assert states(cards) == ["E1"]
    assert "recorded" in onset_line(cards) and "onset sent as 'gradual'" in onset_line(cards)
    assert any(
        "sent as 'gradual'" in g and "only the date the diagnosis was recorded" in g for g in cards[0].gaps
    )


def test_a_persistent_card_dated_by_its_record_asks_for_the_onset_too() -> None:
    cards = run(recorded_only(60), *conservative(50), obs("p", "pain", 6, 2))
    assert states(cards) == ["P1"]
    assert f"recorded {ago(60).isoformat()} (8 weeks ago; no onset given)" in render_detail(cards[0])
    assert ASK in cards[0].gaps


def test_a_condition_named_elsewhere_says_recorded_not_since() -> None:
    """``cond_fact`` (a diagnosis named on any card) says when it was recorded, not "since"."""
    c = recorded_only(2)
    fact = context(c).cond_fact(c, "radicular diagnosis: ")
    assert f"recorded {ago(2).isoformat()}" in fact.text and "since" not in fact.text
    assert fact.short is not None and f"recorded {ago(2).isoformat()}" in fact.short


# ---------------------------------------------------------------------------------------------
# unchanged: a given onset, the pathway's dates, and no card where none was
# ---------------------------------------------------------------------------------------------


def test_guard_a_given_onset_is_still_the_onset_with_no_gap() -> None:
    cards = run(cond("r", RADICULOPATHY, "M54.16", onset=30, recorded=2))
    assert states(cards) == ["E1"]
    assert onset_line(cards) == f"- `Condition/r` onset {ago(30).isoformat()} (30 days)"
    assert not any("began" in g for g in cards[0].gaps)
    assert context(cond("r", RADICULOPATHY, "M54.16", onset=30, recorded=2)).onset_gaps() == []


def test_guard_a_fhir_condition_with_both_dates_keeps_its_onset() -> None:
    c = read(fhir_condition(onsetDateTime=ago(30).isoformat(), recordedDate=ago(2).isoformat()))
    assert not c.onset_from_record and c.onset == ago(30) and c.recorded == ago(2)
    cards = run(c)
    assert onset_line(cards) == f"- `Condition/r` onset {ago(30).isoformat()} (30 days)"
    assert not any("began" in g for g in cards[0].gaps)


def test_guard_the_recorded_date_still_times_the_pathway_and_its_episode() -> None:
    """Only the words change: the duration, episode start and cut-off count from the recorded date
    as before (a year's lead for treatments, the 6 weeks of scores before it)."""
    ctx = context(recorded_only(20))
    assert ctx.onset == ago(20) and ctx.duration_anchor == ago(20) and ctx.symptom_days == 20
    assert ctx.episode_start == ago(20) and ctx.dated_by_record
    assert ctx.episode_cutoff == ago(20) - timedelta(days=ctx.t.episode_recorded_lead_days)
    assert ctx.scores_since == ago(20) - timedelta(days=ctx.t.conservative_care_days)
    own = context(cond("r", RADICULOPATHY, "M54.16", onset=20, recorded=20))
    assert own.episode_cutoff == ago(20) - timedelta(days=own.t.episode_onset_lead_days)
    assert not own.dated_by_record


def test_guard_a_silent_patient_dated_by_record_gets_no_card() -> None:
    """A stimulator that still helps is silent; a condition dated only by its record must not turn
    that silence into a "not fully checked" card about the onset."""
    history = [
        cond("radic-1", RADICULOPATHY, "M54.17", onset=None, recorded=1100),
        *conservative(1090),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=1000, level="L5-S1"),
        proc("esi-2", "esi_transforaminal_lumbar", "64483", days=920, level="L5-S1"),
        proc("trial-1", "scs_percutaneous_lead", days=520),
        proc("ipg", "scs_permanent_system", "63685", days=450),
        obs("nrs-1", "pain", 3, 400),
        obs("nrs-2", "pain", 3, 6),
    ]
    outcomes = {
        "Procedure/esi-1": Outcome.FAILED,
        "Procedure/esi-2": Outcome.FAILED,
        "Procedure/trial-1": Outcome.SUCCESS,
    }
    assert run(*history, outcomes=outcomes) == []


def test_e1_dated_only_by_its_record_asks_for_the_onset_before_calling_it_acute() -> None:
    """Sciatica first coded two days ago may be months old: E1's summary and first step ask when the
    pain began (from 6 weeks the persistent steps apply) instead of calling it acute."""
    c = card_of(run(cond("r", "lumbar_radiculopathy_conditions", "M54.16", onset=None, recorded=2)), "E1")
    assert c.summary.startswith("Radicular pain first recorded 2 days ago, onset not given")
    assert "Acute" not in c.summary
    assert c.next_steps[0].startswith("Record when the leg pain began")
    dated = card_of(run(cond("r", "lumbar_radiculopathy_conditions", "M54.16", onset=2, recorded=2)), "E1")
    assert dated.summary.startswith("Acute radicular pain")
