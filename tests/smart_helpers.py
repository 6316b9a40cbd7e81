"""Shared pieces of the pathway app's tests: a trust file naming an EHR's FHIR server, and the
FHIR answers of a pathway scenario (its prefetch, looked up by the search the service sends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.jwt_helpers import es384_key

ROOT = Path(__file__).resolve().parent.parent
PATHWAY = ROOT / "fhir_fixtures" / "pathway"
ISSUER = "https://ehr.example.org"
CLIENT_ID = "pathway-test-client"

# resource type of a search → the scenario's prefetch key
_KEYS = {
    "Condition": "conditions",
    "Procedure": "procedures",
    "MedicationRequest": "medicationRequests",
    "MedicationStatement": "medicationStatements",
    "ServiceRequest": "serviceRequests",
    "DiagnosticReport": "diagnosticReports",
    "Encounter": "encounters",
}


def scenario(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The scenario's request and its expectations."""
    return (
        json.loads((PATHWAY / f"{name}.json").read_text()),
        json.loads((PATHWAY / f"{name}.expected.json").read_text()),
    )


def write_trust(
    path: Path, fhir_servers: list[str], *, loopback_http: bool = False, client_id: str | None = CLIENT_ID
) -> Path:
    entry: dict[str, Any] = {"jwks": {"keys": [es384_key().public_jwk]}, "fhir_servers": fhir_servers}
    if loopback_http:
        entry["allow_loopback_http"] = True
    if client_id:
        entry["smart_client_id"] = client_id
    path.write_text(json.dumps({ISSUER: entry}))
    return path


def fhir_answer(request: dict[str, Any], base: str, url: str) -> dict[str, Any] | None:
    """What a FHIR server holding the scenario's record answers to ``url`` (None: not found)."""
    parts = urlsplit(url)
    path = parts.path[len(urlsplit(base).path) :].strip("/")
    prefetch = request["prefetch"]
    rtype, _, rid = path.partition("/")
    if rtype == "Patient" and rid:
        patient = prefetch.get("patient")
        return patient if patient and patient.get("id") == rid else None
    if rtype == "Observation":
        key = "examObservations" if parse_qs(parts.query).get("category") == ["exam"] else "observations"
    else:
        key = _KEYS.get(rtype, "")
    bundle = prefetch.get(key)
    if bundle is None:
        return {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
    return dict(bundle)
