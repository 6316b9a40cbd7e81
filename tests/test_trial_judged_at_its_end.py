"""A stimulator trial whose only result is its note is judged by the relief at its end (§3.1: a trial
is judged at its end; the permanent implant rests on it): "70 % relief on day 1, 20 % by day 7" is a
failed trial, at patient view and when the implant is signed; the mirror note is a success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

CPT = "http://www.ama-assn.org/go/cpt"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
PID = "pt-trial-note"
SUBJECT = {"reference": f"Patient/{PID}"}


def procedure(rid: str, code: str, text: str, note: str | None = None, **when: Any) -> dict[str, Any]:
    out = {"resourceType": "Procedure", "id": rid, "status": "completed", "subject": SUBJECT,
           "code": {"coding": [{"system": CPT, "code": code}], "text": text}, **when}  # fmt: skip
    if note:
        out["note"] = [{"text": note}]
    return out


def chart(note: str) -> list[dict[str, Any]]:
    return [
        {"resourceType": "Condition", "id": "radic", "subject": SUBJECT,
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                        "code": "active"}]},
         "code": {"coding": [{"system": ICD, "code": "M54.17"}], "text": "Radiculopathy, lumbosacral region"},
         "bodySite": [{"text": "Left leg (S1 distribution)"}], "onsetDateTime": "2024-05-16",
         "recordedDate": "2024-05-16"},
        procedure("psych", "90834", "Pre-neuromodulation psychological evaluation",
                  "Psychological evaluation before neuromodulation: suitable candidate.",
                  performedDateTime="2026-08-01"),
        procedure("trial", "63650", "SCS trial percutaneous leads T8-T10", note,
                  performedPeriod={"start": "2026-10-21", "end": "2026-10-28"}),
        procedure("removal", "63661", "Removal of trial leads", performedDateTime="2026-10-28"),
    ]  # fmt: skip


def request(resources: list[dict[str, Any]], hook: str, drafts: list[dict[str, Any]] = ()) -> dict[str, Any]:
    keys = {"Condition": "conditions", "Procedure": "procedures"}
    prefetch: dict[str, Any] = {
        "patient": {"resourceType": "Patient", "id": PID, "gender": "female", "birthDate": "1965-04-02"}
    }
    for key in ("conditions", "procedures", "observations", "examObservations", "medicationRequests",
                "medicationStatements", "serviceRequests", "diagnosticReports", "encounters"):  # fmt: skip
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    for r in resources:
        prefetch[keys[r["resourceType"]]]["entry"].append({"resource": r})
    context: dict[str, Any] = {"userId": "Practitioner/1", "patientId": PID}
    if hook != "patient-view":
        context["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": d} for d in drafts]}
    return {"hookInstance": "5b0e6f4e-58d3-4f7e-9a55-0c9f5d7d2a11", "hook": hook, "context": context,
            "prefetch": prefetch}  # fmt: skip


IMPLANT = {
    "resourceType": "ServiceRequest", "id": "implant", "status": "draft", "intent": "order",
    "subject": SUBJECT, "authoredOn": "2026-11-20",
    "code": {"coding": [{"system": CPT, "code": "63685"}], "text": "Implant SCS pulse generator"},
}  # fmt: skip


@pytest.fixture
def post(make_app: Callable[..., Flask]) -> Callable[..., list[dict[str, Any]]]:
    client = make_app(settings_overrides={"evaluation_date": "2026-11-20"}).test_client()
    services = {"patient-view": "radicular-pathway", "order-sign": "radicular-order-sign"}

    def call(body: dict[str, Any]) -> list[dict[str, Any]]:
        resp = client.post(f"/cds-services/{services[body['hook']]}", json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        cards: list[dict[str, Any]] = resp.get_json()["cards"]
        return cards

    return call


def test_relief_that_faded_by_the_end_is_a_failed_trial(post: Callable[..., Any]) -> None:
    note = "Trial: 70% relief on day 1, 20% relief by day 7."
    view = post(request(chart(note), "patient-view"))
    assert [c["source"]["topic"]["code"] for c in view] == ["N2"]
    assert view[0]["indicator"] == "warning" and "do not implant" in view[0]["summary"]
    assert "20 % relief" in view[0]["detail"]
    assert not any("permanent" in s["label"].lower() for s in view[0].get("suggestions", []))
    signed = post(request(chart(note), "order-sign", [IMPLANT]))
    assert any(c["indicator"] in ("warning", "critical") and "do not implant" in c["summary"] for c in signed)


def test_relief_reached_by_the_end_is_a_successful_trial(post: Callable[..., Any]) -> None:
    view = post(request(chart("Trial: 20% relief on day 1, 70% relief by day 7."), "patient-view"))
    assert [c["source"]["topic"]["code"] for c in view] == ["N1"]
    assert "70 % relief" in view[0]["detail"]


def test_one_relief_in_the_note_still_decides(post: Callable[..., Any]) -> None:
    view = post(request(chart("Trial complete: 60% relief of leg pain."), "patient-view"))
    assert [c["source"]["topic"]["code"] for c in view] == ["N1"]
