"""Auth through the real app (``create_app``): every CDS endpoint needs a valid JWT, and neither
the token nor patient data reaches the logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import draft, load_protocol, make_probe_service
from flask import Flask
from flask.testing import FlaskClient
from jwt_helpers import BASE_URL, ISSUER, JKU, es384_key, jwks, mint, write_trust

from cds_service.logging_setup import JsonFormatter
from hooks.cards import SuggestionDraft

SVC = "radicular-pathway"
ACCESS_TOKEN = "fhir-access-token-7f3a9c2e"
MRN = "MRN-55501234"


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    trust = write_trust(
        tmp_path / "trust.json", {ISSUER: {"jwks": jwks(es384_key()), "jku_allowlist": [JKU]}}
    )
    service = make_probe_service(
        lambda inp: [draft("R1", "topic-1", "warning", suggestions=(SuggestionDraft("Do it"),))], id=SVC
    )
    return make_app(
        services=(service,),
        settings_overrides={"auth_enabled": True, "trust_file": str(trust), "public_base_url": BASE_URL},
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def auth(path: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(es384_key(), BASE_URL + path, **claims)}"}


def assert_401(resp: Any, category: str | None = None) -> None:
    assert resp.status_code == 401
    issue = resp.get_json()["issue"][0]
    assert (issue["severity"], issue["code"]) == ("error", "login")
    assert issue["diagnostics"].startswith("Unauthorized: ")
    if category is not None:
        assert issue["diagnostics"] == f"Unauthorized: {category}."


FEEDBACK = {"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "2026-11-20T14:35:00Z"}]}


def test_every_cds_endpoint_refuses_calls_without_a_valid_jwt(client: FlaskClient) -> None:
    """It answers 401 on discovery, service and feedback without a token or with one for another URL."""
    body = load_protocol("patient-view.full-prefetch.json")
    assert_401(client.get("/cds-services"))
    assert_401(client.post(f"/cds-services/{SVC}", json=body))
    assert_401(client.post(f"/cds-services/{SVC}/feedback", json=FEEDBACK))
    # a valid token for discovery does not open the service or its feedback endpoint
    assert_401(client.post(f"/cds-services/{SVC}", json=body, headers=auth("/cds-services")))
    assert_401(
        client.post(f"/cds-services/{SVC}/feedback", json=FEEDBACK, headers=auth(f"/cds-services/{SVC}"))
    )
    assert client.get("/health").status_code == 200


def test_every_cds_endpoint_accepts_a_valid_jwt(client: FlaskClient) -> None:
    """It serves discovery, the service and feedback to a token whose aud is the URL invoked."""
    body = load_protocol("patient-view.full-prefetch.json")
    assert client.get("/cds-services", headers=auth("/cds-services")).status_code == 200
    resp = client.post(f"/cds-services/{SVC}", json=body, headers=auth(f"/cds-services/{SVC}"))
    assert resp.status_code == 200 and len(resp.get_json()["cards"]) == 1
    fb = client.post(
        f"/cds-services/{SVC}/feedback", json=FEEDBACK, headers=auth(f"/cds-services/{SVC}/feedback")
    )
    assert fb.status_code == 200


def test_logs_of_full_requests_hold_no_patient_data_or_tokens(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    """It logs a full service call, its feedback and a refused call without the patient's name,
    ids, the FHIR access token or the JWT."""
    body = load_protocol("patient-view.full-prefetch.json")
    patient = body["prefetch"]["patient"]
    patient["identifier"] = [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": MRN}]
    body["fhirServer"] = "https://ehr.example.org/fhir"
    body["fhirAuthorization"] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read user/Condition.read",
        "subject": "cds-service",
    }
    service_jwt = mint(es384_key(), f"{BASE_URL}/cds-services/{SVC}")
    feedback_jwt = mint(es384_key(), f"{BASE_URL}/cds-services/{SVC}/feedback")
    with caplog.at_level(logging.DEBUG):
        resp = client.post(
            f"/cds-services/{SVC}", json=body, headers={"Authorization": f"Bearer {service_jwt}"}
        )
        assert resp.status_code == 200
        card = resp.get_json()["cards"][0]
        fb = {
            "feedback": [
                {
                    "card": card["uuid"],
                    "outcome": "accepted",
                    "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                    "outcomeTimestamp": "2026-11-20T14:35:00Z",
                }
            ]
        }
        ok = client.post(
            f"/cds-services/{SVC}/feedback", json=fb, headers={"Authorization": f"Bearer {feedback_jwt}"}
        )
        assert ok.status_code == 200
        replay = client.post(
            f"/cds-services/{SVC}", json=body, headers={"Authorization": f"Bearer {service_jwt}"}
        )
        assert replay.status_code == 401
    assert caplog.records, "the requests were logged"
    text = caplog.text + "\n" + "\n".join(JsonFormatter().format(r) for r in caplog.records)
    name = patient["name"][0]
    secrets = {
        "patient id": patient["id"],
        "family name": name["family"],
        "given name": name["given"][0],
        "MRN": MRN,
        "birth date": patient["birthDate"],
        "user id": body["context"]["userId"].split("/")[-1],
        "encounter id": body["context"]["encounterId"],
        "FHIR access token": ACCESS_TOKEN,
        "service JWT": service_jwt,
        "feedback JWT": feedback_jwt,
        "service JWT signature": service_jwt.split(".")[2],
        "service JWT payload": service_jwt.split(".")[1],
    }
    leaked = [what for what, value in secrets.items() if value in text]
    assert leaked == []
    events = [json.loads(JsonFormatter().format(r)).get("event") for r in caplog.records]
    assert events.count("request") == 3 and "auth_rejected" in events


def test_the_store_keeps_no_token_jwt_or_fhir_content(client: FlaskClient, store: Any) -> None:
    """It records the call (patient id, user id, cards) but no access token, JWT, or resource content."""
    from sqlalchemy import MetaData, select

    body = load_protocol("patient-view.full-prefetch.json")
    patient = body["prefetch"]["patient"]
    patient["identifier"] = [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": MRN}]
    body["fhirServer"] = "https://ehr.example.org/fhir"
    body["fhirAuthorization"] = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/Patient.read",
        "subject": "cds-service",
    }
    service_jwt = mint(es384_key(), f"{BASE_URL}/cds-services/{SVC}", jti="jti-visible-in-token")
    resp = client.post(f"/cds-services/{SVC}", json=body, headers={"Authorization": f"Bearer {service_jwt}"})
    assert resp.status_code == 200
    meta = MetaData()
    meta.reflect(store.engine)
    with store.engine.connect() as conn:
        dump = "\n".join(repr(row) for table in meta.sorted_tables for row in conn.execute(select(table)))
    assert patient["id"] in dump  # the governance record does name the patient
    name = patient["name"][0]
    for secret in (
        ACCESS_TOKEN,
        service_jwt,
        service_jwt.split(".")[2],
        "jti-visible-in-token",
        name["family"],
        name["given"][0],
        MRN,
        patient["birthDate"],
    ):
        assert secret not in dump
