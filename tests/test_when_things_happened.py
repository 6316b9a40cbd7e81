"""When the record says things happened, read as the record allows and no further:
- an injection's outcome coded days after it, before its window opens, is no result yet (F0);
- a score whose instant is after the injection's start is no baseline, whatever date it was written
  with (a recovery-room score in local time beside an injection in UTC);
- "% relief" recorded in the recovery room is not the injection's response;
- an onset given as an age is that year of life, counted from its last day (or the recordedDate), as a
  partial date is; a Range of ages likewise;
- an onset after today is no date to count from; an onsetPeriod with only its end dates the onset by it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

PATHWAY = Path(__file__).resolve().parent.parent / "fhir_fixtures" / "pathway"
SCT = "http://snomed.info/sct"
TODAY = "2026-11-02"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PATHWAY / f"{name}.json").read_text())
    return body


def entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for v in body["prefetch"].values()
        if isinstance(v, dict) and v.get("resourceType") == "Bundle"
        for e in v.get("entry", [])
    ]


def find(body: dict[str, Any], rid: str) -> dict[str, Any]:
    res: dict[str, Any] = next(e["resource"] for e in entries(body) if e["resource"].get("id") == rid)
    return res


def drop(body: dict[str, Any], *rids: str) -> None:
    for v in body["prefetch"].values():
        if isinstance(v, dict) and v.get("resourceType") == "Bundle":
            v["entry"] = [e for e in v.get("entry", []) if e["resource"].get("id") not in rids]


def add(body: dict[str, Any], key: str, resource: dict[str, Any]) -> None:
    body["prefetch"][key]["entry"].append({"resource": resource})


def leg_nrs(rid: str, value: int, when: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": when,
        "bodySite": {"text": "Leg (radicular pain)"},
        "valueQuantity": {"value": value, "unit": "{score}", "system": "http://unitsofmeasure.org",
                          "code": "{score}"},
    }  # fmt: skip


@pytest.fixture
def cards(make_app: Callable[..., Flask]) -> Callable[[dict[str, Any]], list[tuple[str, str, str, str]]]:
    client = make_app(settings_overrides={"evaluation_date": TODAY}).test_client()

    def call(body: dict[str, Any]) -> list[tuple[str, str, str, str]]:
        resp = client.post("/cds-services/radicular-pathway", json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return [
            (c["source"]["topic"]["code"], c["indicator"], c["summary"], c["detail"])
            for c in resp.get_json()["cards"]
        ]

    return call


def states(found: list[tuple[str, str, str, str]]) -> list[str]:
    return [state for state, *_ in found]


def esi_with_outcome(code: str, display: str, performed: str) -> dict[str, Any]:
    body = load("f3_failed_tfesi_concordant")
    drop(body, "nrs-2", "nrs-3", "nrs-4", "nrs-5", "odi-2")  # no follow-up score yet
    esi = find(body, "esi-1")
    esi["performedDateTime"] = performed
    esi["outcome"] = {"coding": [{"system": SCT, "code": code, "display": display}]}
    find(body, "nrs-1")["effectiveDateTime"] = "2026-09-01T11:00:00Z"
    find(body, "odi-1")["effectiveDateTime"] = "2026-09-01T11:00:00Z"
    return body


@pytest.mark.parametrize(
    ("code", "display"),
    [("385671000", "Unsuccessful"), ("385670004", "Partially successful"), ("385669000", "Successful")],
)
def test_an_outcome_coded_days_after_the_injection_is_no_result_yet(
    cards: Callable[..., Any], code: str, display: str
) -> None:
    found = cards(esi_with_outcome(code, display, "2026-10-29T08:45:00Z"))  # 4 days before today
    assert states(found) == ["F0"]
    _, indicator, summary, detail = found[0]
    assert indicator == "info" and "too recent to judge" in summary
    assert f"outcome recorded as {display.lower()}" in detail  # named, not acted on
    assert "surgical" not in summary.lower() and "repeat" not in summary.lower()


def test_an_outcome_coded_once_the_window_opens_decides(cards: Callable[..., Any]) -> None:
    found = cards(esi_with_outcome("385671000", "Unsuccessful", "2026-10-09T08:45:00Z"))  # 24 days
    assert "F3" in states(found)
    assert "F0" not in states(found)


def responder_with_recovery_score(recovery: dict[str, Any] | None) -> dict[str, Any]:
    body = load("f3_failed_tfesi_concordant")  # baseline nrs-1 8/10 two days before the injection
    find(body, "esi-1")["performedDateTime"] = "2026-09-04T00:30:00Z"  # 17:30 the day before, Pacific
    for rid in ("nrs-2", "nrs-3", "nrs-4", "nrs-5"):
        find(body, rid)["valueQuantity"]["value"] = 3  # 8 → 3 at 2–8 weeks: a response
    if recovery is not None:
        add(body, "observations", recovery)
    return body


def test_a_score_taken_after_the_injection_in_another_zone_is_no_baseline(cards: Callable[..., Any]) -> None:
    # 45 minutes after the injection, written in local time with the day before's date
    found = cards(responder_with_recovery_score(leg_nrs("recovery", 1, "2026-09-03T18:15:00-07:00")))
    assert states(found) == ["F1"], found
    assert "baseline pain 1/10" not in found[0][3]


def test_a_score_taken_before_the_injection_is_still_its_baseline(cards: Callable[..., Any]) -> None:
    # the control: the same score 45 minutes before the injection is the baseline (1 → 3: no response)
    found = cards(responder_with_recovery_score(leg_nrs("pre", 1, "2026-09-03T16:45:00-07:00")))
    assert "F1" not in states(found)
    assert "baseline pain 1/10" in " ".join(detail for *_, detail in found)


def relief(rid: str, when: str) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"text": "Pain relief after injection"},
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": when,
        "valueQuantity": {"value": 90, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"},
        "partOf": [{"reference": "Procedure/esi-1"}],
    }


def test_relief_in_the_recovery_room_is_not_the_response(cards: Callable[..., Any]) -> None:
    body = load("f3_failed_tfesi_concordant")
    drop(body, "nrs-2", "nrs-3", "nrs-4", "nrs-5", "odi-2")
    add(body, "observations", relief("relief-recovery", "2026-09-03T09:30:00Z"))  # the injection's day
    found = cards(body)
    assert "F1" not in states(found)
    assert states(found) == ["F0"] and "not recorded" in found[0][2]


def test_relief_recorded_in_the_window_is_the_response(cards: Callable[..., Any]) -> None:
    body = load("f3_failed_tfesi_concordant")
    drop(body, "nrs-2", "nrs-3", "nrs-4", "nrs-5", "odi-2")
    add(body, "observations", relief("relief-3wk", "2026-09-24T09:30:00Z"))  # 3 weeks on
    assert states(cards(body)) == ["F1"]


def acute_with_onset(**onset: Any) -> dict[str, Any]:
    body = load("e1_acute_tolerable")  # recorded 2026-10-12; born 1987-05-02 (39 years old on TODAY)
    condition = find(body, "radic-1")
    condition.pop("onsetDateTime")
    condition.update(onset)
    return body


def years(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "years", "system": "http://unitsofmeasure.org", "code": "a"}


def test_an_onset_at_the_current_age_counts_from_the_recorded_date(cards: Callable[..., Any]) -> None:
    body = acute_with_onset(onsetAge=years(39))
    assert find(body, "radic-1")["recordedDate"].startswith("2026-10-12")
    assert body["prefetch"]["patient"]["birthDate"] == "1987-05-02"
    found = cards(body)
    assert states(found) == ["E1"], found  # 3 weeks since it was recorded, not 6 months since the birthday
    _, indicator, summary, detail = found[0]
    assert indicator == "info"
    assert summary.startswith("Radicular pain from age 39 years, day not given")
    assert "a full onset date for Condition/radic-1 (sent as 'at age 39 years')" in detail
    assert "72148" not in json.dumps(found)


def test_an_onset_at_an_earlier_age_is_at_least_that_long_ago(cards: Callable[..., Any]) -> None:
    # the control: at 38, the symptoms began by 2026-05-01 at the latest: over 12 weeks
    found = cards(acute_with_onset(onsetAge=years(38)))
    assert states(found) == ["P2"], found


def test_a_range_of_ages_counts_from_its_high_end(cards: Callable[..., Any]) -> None:
    found = cards(acute_with_onset(onsetRange={"low": years(30), "high": years(39)}))
    assert states(found) == ["E1"], found
    assert "at ages 30 to 39 years" in found[0][3]


def test_an_onset_period_with_only_its_end_dates_the_onset_by_it(cards: Callable[..., Any]) -> None:
    found = cards(acute_with_onset(onsetPeriod={"end": "2026-08-01"}))
    assert states(found) == ["P2"], found  # 13 weeks at least


def test_an_onset_after_today_is_no_date_to_count_from(cards: Callable[..., Any]) -> None:
    body = load("f3_failed_tfesi_concordant")
    condition = find(body, "radic-1")
    condition["onsetDateTime"] = "2027-06-05"  # a year typo, with no recordedDate to catch it
    condition.pop("recordedDate")
    found = cards(body)
    assert "E1" not in states(found) and "E2" not in states(found)
    assert states(found) == ["F3"], found
    assert "(-" not in json.dumps(found)  # no negative duration ("-215 days") anywhere


def test_an_onset_after_today_with_a_recorded_date_counts_from_that(cards: Callable[..., Any]) -> None:
    body = load("f3_failed_tfesi_concordant")
    find(body, "radic-1")["onsetDateTime"] = "2027-06-05"
    found = cards(body)
    assert states(found) == ["F3"], found
