"""With a real FHIR server and no prefetch, every service gives the same cards as with full prefetch.

For each fixture request that carries prefetch (the pathway and order scenarios and the protocol
full-prefetch requests), the resources of its prefetch are loaded into a real FHIR R4 engine on
loopback (``tests/real_fhir.py``: @medplum/fhir-router over its in-memory repository). The
service is then called twice through its HTTP API: once with the fixture's full prefetch, once
with no prefetch at all and ``fhirServer`` pointing at the real server, so every key is fetched
through the engine's own read and search (patient, code and clinical-status tokens with
system|code lists, ``_sort``, ``_count``). The two card lists must be equal in everything but
the per-response uuids. A third call, with the server cutting every search page to two entries,
checks that following ``next`` links through a real server gives the same cards too.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from real_fhir import RealFhirServer, real_fhir_server  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fhir_fixtures"
TOKEN = "real-fhir-test-token-5c2e"
PAGE_SIZE = 2
PROTOCOL_DATE = "2026-11-20"  # the protocol fixtures' frozen date (tests/conftest.py)

SERVICE_BY_DIR = {"pathway": "radicular-pathway"}
# Generous limits: this tier checks equality of answers, not fault handling.
REAL_SERVER_SETTINGS = {
    "fhir_timeout_seconds": 30.0,
    "fhir_total_budget_seconds": 60.0,
    "fhir_page_cap": 50,
    "fhir_max_response_bytes": 20 * 1024 * 1024,
}


def _load(p: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    return data


def _evaluation_date(request: Path) -> str:
    if request.parent.name == "protocol":
        return PROTOCOL_DATE
    expected = request.parent / (request.name.split(".", 1)[0] + ".expected.json")
    exp = _load(expected)
    return str(exp.get("evaluation_date") or exp["evaluationDate"])


def _service_id(request: Path, body: dict[str, Any]) -> str:
    if request.parent.name in SERVICE_BY_DIR:
        return SERVICE_BY_DIR[request.parent.name]
    return "radicular-pathway" if body["hook"] == "patient-view" else f"radicular-{body['hook']}"


def _templates(service_id: str) -> dict[str, str]:
    from hooks.registry import service_by_id

    service = service_by_id(service_id)
    assert service is not None, service_id
    return dict(service.prefetch)


def fixture_requests() -> list[Path]:
    """Fixture requests whose prefetch answers every template of their service (full prefetch)."""
    out = []
    for sub in ("pathway", "orders", "protocol"):
        for p in sorted((FIXTURES / sub).glob("*.json")):
            if p.name.endswith(".expected.json") or p.name.endswith(".bundle.json"):
                continue
            body = _load(p)
            prefetch = body.get("prefetch")
            if isinstance(prefetch, dict) and set(_templates(_service_id(p, body))) <= set(prefetch):
                out.append(p)
    return out


def _entries(value: dict[str, Any] | None) -> list[dict[str, Any]]:
    if value is None:
        return []
    if value.get("resourceType") != "Bundle":
        return [value]
    return [e["resource"] for e in value.get("entry", []) if isinstance(e.get("resource"), dict)]


def prefetch_resources(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every resource in the request's prefetch (Bundle entries and single resources), once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for value in body["prefetch"].values():
        for r in _entries(value):
            ident = (r["resourceType"], r["id"])
            if ident not in seen:
                seen.add(ident)
                out.append(r)
    return out


def without_uuids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_uuids(v) for k, v in value.items() if k != "uuid"}
    if isinstance(value, list):
        return [without_uuids(v) for v in value]
    return value


def first_difference(actual: Any, expected: Any, path: str = "cards") -> str:
    """Where two JSON values first differ, and how (for a readable failure)."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        for k in sorted(set(actual) | set(expected)):
            if actual.get(k) != expected.get(k):
                return first_difference(actual.get(k), expected.get(k), f"{path}.{k}")
    if isinstance(actual, list) and isinstance(expected, list) and len(actual) == len(expected):
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            if a != e:
                return first_difference(a, e, f"{path}[{i}]")
    if isinstance(actual, str) and isinstance(expected, str):
        a_lines, e_lines = actual.splitlines(), expected.splitlines()
        diff = [f"- {e}\n+ {a}" for a, e in zip(a_lines, e_lines, strict=False) if a != e]
        if diff or len(a_lines) != len(e_lines):
            return f"{path}: from the server vs from prefetch:\n" + "\n".join(
                diff or ["(line count differs)"]
            )
    return f"{path}: {actual!r} (from the server) != {expected!r} (from prefetch)"


def describe(cards: list[dict[str, Any]]) -> list[str]:
    return [f"{c['source'].get('topic', {}).get('code')} {c['indicator']}: {c['summary']}" for c in cards]


REQUESTS = fixture_requests()

def _has_text_only_observations(body: dict[str, Any]) -> bool:
    return any(
        not (r.get("code") or {}).get("coding") for r in _entries(body["prefetch"].get("observations"))
    )


def _param(p: Path) -> Any:
    return pytest.param(p, id=f"{p.parent.name}/{p.stem}")


def test_no_fixture_puts_uncoded_observations_under_the_code_filtered_key() -> None:
    """Uncoded findings (MRC strength grades) belong under examObservations: the observations
    template searches by code, so an EHR honouring it could never send them there."""
    offenders = [f"{p.parent.name}/{p.stem}" for p in REQUESTS if _has_text_only_observations(_load(p))]
    assert not offenders, offenders


@pytest.fixture
def server(real_fhir_server: RealFhirServer) -> Iterator[RealFhirServer]:  # noqa: F811
    real_fhir_server.reset()
    yield real_fhir_server


@pytest.mark.parametrize("request_file", [_param(p) for p in REQUESTS])
def test_cards_from_the_real_server_equal_cards_from_prefetch(
    server: RealFhirServer, make_app: Callable[..., Flask], request_file: Path
) -> None:
    """Fetched through a real FHIR server's search, the data gives exactly the cards full prefetch gives."""
    body = _load(request_file)
    service_id = _service_id(request_file, body)
    app = make_app(
        settings_overrides={**REAL_SERVER_SETTINGS, "evaluation_date": _evaluation_date(request_file)}
    )
    client = app.test_client()

    with_prefetch = client.post(f"/cds-services/{service_id}", json=body)
    assert with_prefetch.status_code == 200, with_prefetch.get_json()

    loaded = server.load(prefetch_resources(body))
    no_prefetch = copy.deepcopy(body)
    del no_prefetch["prefetch"]
    no_prefetch["fhirServer"] = server.base_url
    no_prefetch["fhirAuthorization"] = {
        "access_token": TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-service",
    }
    from_server = client.post(f"/cds-services/{service_id}", json=no_prefetch)
    assert from_server.status_code == 200, from_server.get_json()

    # Every prefetch key was fetched from the real server, with the token.
    seen = [r for r in server.requests_seen() if r["method"] == "GET"]
    fetched_types = {r["path"].lstrip("/").split("?")[0].split("/")[0] for r in seen}
    declared = {t.split("?")[0].split("/")[0] for t in _templates(service_id).values()}
    assert declared <= fetched_types, f"not fetched: {declared - fetched_types}"
    assert all(r["authorization"] for r in seen)
    assert loaded > 0

    expected = without_uuids(with_prefetch.get_json()["cards"])
    actual = without_uuids(from_server.get_json()["cards"])
    assert describe(actual) == describe(expected)
    assert actual == expected, first_difference(actual, expected)

    # Again with the server paging every search two entries at a time: the same cards.
    server.max_page_size(PAGE_SIZE)
    paged = client.post(f"/cds-services/{service_id}", json=no_prefetch)
    assert paged.status_code == 200, paged.get_json()
    paged_cards = without_uuids(paged.get_json()["cards"])
    assert paged_cards == expected, first_difference(paged_cards, expected)
    if max(len(_entries(v)) for v in body["prefetch"].values()) > PAGE_SIZE:
        assert any("_offset=" in r["path"] for r in server.requests_seen()), "no search was paged"


def test_the_real_server_searches_as_the_templates_ask(server: RealFhirServer) -> None:
    """The engine filters by clinical status and by code lists, sorts by date and pages: the
    equality above is not an engine that returns everything."""
    import requests

    from hooks.registry import history_prefetch
    from hooks.terminology import default_terminology

    pid = "pt-engine-check"
    subject = {"reference": f"Patient/{pid}"}
    clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    loinc = "http://loinc.org"
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid},
        {
            "resourceType": "Condition",
            "id": "active",
            "subject": subject,
            "clinicalStatus": {"coding": [{"system": clinical, "code": "active"}]},
        },
        {
            "resourceType": "Condition",
            "id": "resolved",
            "subject": subject,
            "clinicalStatus": {"coding": [{"system": clinical, "code": "resolved"}]},
        },
        {
            "resourceType": "Condition",
            "id": "other-patient",
            "subject": {"reference": "Patient/someone-else"},
            "clinicalStatus": {"coding": [{"system": clinical, "code": "active"}]},
        },
        {
            "resourceType": "Observation",
            "id": "pain",
            "status": "final",
            "subject": subject,
            "code": {"coding": [{"system": loinc, "code": "72514-3"}]},
            "effectiveDateTime": "2026-10-01",
        },
        {
            "resourceType": "Observation",
            "id": "glucose",
            "status": "final",
            "subject": subject,
            "code": {"coding": [{"system": loinc, "code": "2345-7"}]},
            "effectiveDateTime": "2026-10-02",
        },
    ] + [
        {
            "resourceType": "Procedure",
            "id": f"proc-{day:02d}",
            "status": "completed",
            "subject": subject,
            "performedDateTime": f"2026-09-{day:02d}",
        }
        for day in (3, 17, 9, 25, 1)
    ]
    server.load(resources)
    templates = {
        k: v.replace("{{context.patientId}}", pid) for k, v in history_prefetch(default_terminology()).items()
    }

    def ids(query: str) -> list[str]:
        out: list[str] = []
        url: str | None = f"{server.base_url}/{query}"
        while url:
            bundle = requests.get(url, timeout=30).json()
            out += [e["resource"]["id"] for e in bundle.get("entry", [])]
            url = next((link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None)
        return out

    assert ids(templates["conditions"]) == ["active"]
    assert ids(templates["observations"]) == ["pain"]
    assert ids(templates["procedures"]) == ["proc-25", "proc-17", "proc-09", "proc-03", "proc-01"]
    assert requests.get(f"{server.base_url}/{templates['patient']}", timeout=30).json()["id"] == pid
    server.max_page_size(2)
    assert ids(templates["procedures"]) == ["proc-25", "proc-17", "proc-09", "proc-03", "proc-01"]
    assert sum("_offset=" in r["path"] for r in server.requests_seen()) == 2  # pages 2 and 3
