"""FHIR server trust (issue 15 §2): a call's ``fhirServer`` — and the EHR's access token with it — is
contacted only when the trust file lists it for the calling issuer (or its tenant); context ids are
FHIR ids before any URL is built; user info in the URL is refused; with auth off only loopback and
``CDS_FHIR_SERVERS`` are contacted."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from conftest import load_protocol, make_probe_service
from flask import Flask
from jwt_helpers import BASE_URL, ISSUER, es384_key, jwks, mint, rs384_key, write_trust

from cds_service.auth.trust import TrustConfigError, dev_fhir_server_allowed, load_trust, normalise_fhir_base
from cds_service.pipeline import SERVER_NOT_ALLOWED

SVC = "probe"
EHR_FHIR = "https://ehr.example.org/fhir/r4"
TENANT_FHIR = "https://tenant-a.example.org/fhir"
OTHER_ISSUER = "https://other-ehr.example.net"
OTHER_FHIR = "https://other-ehr.example.net/fhir"
TOKEN = "fhir-access-token-3c1d"


class RecordingAdapter(requests.adapters.BaseAdapter):
    """Answers every GET with an empty searchset (or the Patient) and remembers what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        resp = requests.Response()
        resp.status_code = 200
        resp.headers["Content-Type"] = "application/fhir+json"
        path = requests.utils.urlparse(request.url or "").path
        body: dict[str, Any] = (
            {"resourceType": "Patient", "id": path.rsplit("/", 1)[-1]}
            if "/Patient/" in path
            else {"resourceType": "Bundle", "type": "searchset", "total": 0}
        )
        raw = json.dumps(body).encode()
        resp.raw = urllib3.HTTPResponse(body=io.BytesIO(raw), preload_content=False, status=200)
        resp.url = request.url or ""
        resp.request = request
        return resp

    def close(self) -> None:
        pass


@pytest.fixture
def adapter() -> RecordingAdapter:
    return RecordingAdapter()


@pytest.fixture
def session(adapter: RecordingAdapter) -> requests.Session:
    s = requests.Session()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def trust_entries() -> dict[str, Any]:
    return {
        ISSUER: {
            "jwks": jwks(es384_key()),
            "fhir_servers": [EHR_FHIR + "/"],  # a trailing slash in the file is ignored
            "tenant_fhir_servers": {"tenant-a": [TENANT_FHIR]},
        },
        OTHER_ISSUER: {"jwks": jwks(rs384_key()), "fhir_servers": [OTHER_FHIR]},
    }


@pytest.fixture
def auth_app(make_app: Callable[..., Flask], tmp_path: Path, session: requests.Session) -> Flask:
    trust = write_trust(tmp_path / "trust.json", trust_entries())
    return make_app(
        services=(make_probe_service(),),
        fhir_session=session,
        settings_overrides={"auth_enabled": True, "trust_file": str(trust), "public_base_url": BASE_URL},
    )


def call(app: Flask, body: dict[str, Any], *, issuer: str = ISSUER, **claims: Any) -> Any:
    key = es384_key() if issuer == ISSUER else rs384_key()
    token = mint(key, f"{BASE_URL}/cds-services/{SVC}", iss=issuer, **claims)
    return app.test_client().post(
        f"/cds-services/{SVC}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def fetching_request(fhir_server: str, patient_id: str = "p1") -> dict[str, Any]:
    """A patient-view request without prefetch: everything must come from ``fhir_server``."""
    body = load_protocol("patient-view.full-prefetch.json")
    body["prefetch"] = {}
    body["fhirServer"] = fhir_server
    body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300}
    body["context"]["patientId"] = patient_id
    return body


# ---- the trust file -----------------------------------------------------------------------------


def test_trust_file_lists_fhir_servers_per_issuer_and_tenant(tmp_path: Path) -> None:
    store = load_trust(write_trust(tmp_path / "t.json", trust_entries()))
    assert store.fhir_server_allowed(ISSUER, None, EHR_FHIR)
    assert store.fhir_server_allowed(ISSUER, None, EHR_FHIR + "/")
    assert store.fhir_server_allowed(ISSUER, None, "HTTPS://EHR.example.org/fhir/r4")
    assert not store.fhir_server_allowed(ISSUER, None, EHR_FHIR + "/admin")
    assert not store.fhir_server_allowed(ISSUER, None, "https://ehr.example.org/fhir")
    assert not store.fhir_server_allowed(ISSUER, None, "http://ehr.example.org/fhir/r4")  # not https
    assert not store.fhir_server_allowed(ISSUER, None, "https://u:p@ehr.example.org/fhir/r4")
    # another issuer's server is not this issuer's
    assert not store.fhir_server_allowed(ISSUER, None, OTHER_FHIR)
    assert store.fhir_server_allowed(OTHER_ISSUER, None, OTHER_FHIR)
    assert not store.fhir_server_allowed("https://unknown.example", None, EHR_FHIR)
    # a tenant's server only for calls of that tenant
    assert store.fhir_server_allowed(ISSUER, "tenant-a", TENANT_FHIR)
    assert not store.fhir_server_allowed(ISSUER, "tenant-b", TENANT_FHIR)
    assert not store.fhir_server_allowed(ISSUER, None, TENANT_FHIR)
    assert store.fhir_server_allowed(ISSUER, "tenant-a", EHR_FHIR)  # the issuer's list still holds
    assert store.all_fhir_servers() == frozenset({EHR_FHIR, TENANT_FHIR, OTHER_FHIR})


def test_loopback_http_only_when_the_file_says_so(tmp_path: Path) -> None:
    entry = {"jwks": jwks(es384_key()), "fhir_servers": ["http://127.0.0.1:8081/fhir"]}
    with pytest.raises(TrustConfigError, match="must be https"):
        load_trust(write_trust(tmp_path / "t.json", {ISSUER: entry}))
    store = load_trust(write_trust(tmp_path / "t.json", {ISSUER: {**entry, "allow_loopback_http": True}}))
    assert store.fhir_server_allowed(ISSUER, None, "http://127.0.0.1:8081/fhir/")
    # the flag opens loopback http, nothing else
    assert not store.fhir_server_allowed(ISSUER, None, "http://127.0.0.1:8082/fhir")
    for bad in ("http://ehr.example.org/fhir", "http://10.0.0.5/fhir"):
        with pytest.raises(TrustConfigError, match="must be https"):
            load_trust(
                write_trust(
                    tmp_path / "t.json",
                    {ISSUER: {**entry, "allow_loopback_http": True, "fhir_servers": [bad]}},
                )
            )


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"fhir_servers": "https://ehr.example.org/fhir"}, "must be a list"),
        ({"fhir_servers": ["https://user:pw@ehr.example.org/fhir"]}, "user info"),
        ({"fhir_servers": ["https://ehr.example.org/fhir?x=1"]}, "query or fragment"),
        ({"fhir_servers": ["ftp://ehr.example.org/fhir"]}, "not an absolute"),
        ({"tenant_fhir_servers": ["https://ehr.example.org/fhir"]}, "must be an object"),
        ({"allow_loopback_http": "yes"}, "true or false"),
    ],
)
def test_a_malformed_fhir_server_entry_stops_the_service(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    path = write_trust(tmp_path / "t.json", {ISSUER: {"jwks": jwks(es384_key()), **entry}})
    with pytest.raises(TrustConfigError, match=message):
        load_trust(path)


def test_normalised_base_urls() -> None:
    assert normalise_fhir_base("HTTPS://Ehr.Example.org:443/fhir/R4/") == "https://ehr.example.org:443/fhir/R4"
    assert normalise_fhir_base("http://[::1]:8080/fhir") == "http://[::1]:8080/fhir"
    for bad in ("https://a@b/fhir", "https:///fhir", "https://ehr/fhir#x", "https://ehr:99999/fhir"):
        with pytest.raises(ValueError):
            normalise_fhir_base(bad)


# ---- through the app, auth on --------------------------------------------------------------------


def test_the_callers_own_fhir_server_is_contacted_with_its_token(
    auth_app: Flask, adapter: RecordingAdapter
) -> None:
    resp = call(auth_app, fetching_request(EHR_FHIR))
    assert resp.status_code == 200, resp.get_json()
    assert adapter.sent and all((r.url or "").startswith(EHR_FHIR + "/") for r in adapter.sent)
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in adapter.sent)


@pytest.mark.parametrize(
    "fhir_server, claims",
    [
        (OTHER_FHIR, {}),  # another trusted EHR's server: a valid JWT does not open it
        ("https://attacker.example.com/fhir", {}),
        (TENANT_FHIR, {"tenant": "tenant-b"}),  # another tenant's server
        (TENANT_FHIR, {}),
        ("http://ehr.example.org/fhir/r4", {}),  # the right host over plain http
        ("http://127.0.0.1:9/fhir", {}),  # loopback http is not listed for this issuer
    ],
)
def test_a_fhir_server_off_the_list_is_never_contacted(
    auth_app: Flask, adapter: RecordingAdapter, fhir_server: str, claims: dict[str, Any]
) -> None:
    resp = call(auth_app, fetching_request(fhir_server), **claims)
    assert resp.status_code == 412
    outcome = resp.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert SERVER_NOT_ALLOWED in outcome["issue"][0]["diagnostics"]
    assert "attacker" not in json.dumps(outcome) and TOKEN not in json.dumps(outcome)
    assert adapter.sent == []


def test_a_tenants_server_is_contacted_for_that_tenant(auth_app: Flask, adapter: RecordingAdapter) -> None:
    resp = call(auth_app, fetching_request(TENANT_FHIR), tenant="tenant-a")
    assert resp.status_code == 200, resp.get_json()
    assert adapter.sent and all((r.url or "").startswith(TENANT_FHIR + "/") for r in adapter.sent)


def test_complete_prefetch_needs_no_fhir_server(auth_app: Flask, adapter: RecordingAdapter) -> None:
    """A server off the list is not an error by itself: with everything prefetched nothing is fetched."""
    body = load_protocol("patient-view.full-prefetch.json")
    body["fhirServer"] = "https://attacker.example.com/fhir"
    body["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer"}
    resp = call(auth_app, body)
    assert resp.status_code == 200, resp.get_json()
    assert adapter.sent == []


@pytest.mark.parametrize(
    "field, value",
    [
        ("patientId", "../../admin/secret"),
        ("patientId", "p1?_format=xml"),
        ("patientId", "p1/_history/1"),
        ("patientId", "x" * 65),
        ("encounterId", "../Patient/p2"),
        ("userId", "Practitioner/../../admin"),
        ("userId", "not-a-reference"),
    ],
)
def test_context_ids_are_fhir_ids_before_any_url_is_built(
    auth_app: Flask, adapter: RecordingAdapter, field: str, value: str
) -> None:
    body = fetching_request(EHR_FHIR)
    body["context"][field] = value
    resp = call(auth_app, body)
    assert resp.status_code == 400
    assert resp.get_json()["issue"][0]["expression"] == [f"context.{field}"]
    assert adapter.sent == []


@pytest.mark.parametrize(
    "fhir_server",
    ["https://user:secret@ehr.example.org/fhir/r4", "https://ehr.example.org@attacker.example.com/fhir"],
)
def test_user_info_in_the_fhir_server_is_refused(
    auth_app: Flask, adapter: RecordingAdapter, fhir_server: str
) -> None:
    resp = call(auth_app, fetching_request(fhir_server))
    assert resp.status_code == 400
    assert resp.get_json()["issue"][0]["expression"] == ["fhirServer"]
    assert adapter.sent == []


# ---- auth off (development) ----------------------------------------------------------------------


def test_dev_policy_is_loopback_and_the_listed_servers() -> None:
    listed = frozenset({"https://ehr.example.org/fhir"})
    assert dev_fhir_server_allowed(frozenset(), "http://127.0.0.1:8081/fhir")
    assert dev_fhir_server_allowed(frozenset(), "http://localhost:8081/fhir")
    assert dev_fhir_server_allowed(frozenset(), "https://[::1]/fhir")
    assert not dev_fhir_server_allowed(frozenset(), "https://ehr.example.org/fhir")
    assert dev_fhir_server_allowed(listed, "https://ehr.example.org/fhir/")
    assert not dev_fhir_server_allowed(listed, "https://ehr.example.org/fhir/other")
    assert not dev_fhir_server_allowed(listed, "http://10.1.2.3/fhir")


def test_with_auth_off_an_unlisted_server_is_not_contacted(
    make_app: Callable[..., Flask], session: requests.Session, adapter: RecordingAdapter
) -> None:
    app = make_app(
        services=(make_probe_service(),), fhir_session=session, settings_overrides={"fhir_servers": ()}
    )
    client = app.test_client()
    resp = client.post(f"/cds-services/{SVC}", json=fetching_request("https://ehr.example.org/fhir"))
    assert resp.status_code == 412 and SERVER_NOT_ALLOWED in resp.get_json()["issue"][0]["diagnostics"]
    assert adapter.sent == []
    resp = client.post(f"/cds-services/{SVC}", json=fetching_request("http://127.0.0.1:9/fhir"))
    assert resp.status_code == 200, resp.get_json()
    assert adapter.sent and all((r.url or "").startswith("http://127.0.0.1:9/fhir/") for r in adapter.sent)


def test_a_malformed_dev_allowlist_stops_the_service(make_app: Callable[..., Flask]) -> None:
    from cds_service.settings import Settings, SettingsError

    env = {"CDS_FHIR_SERVERS": "https://a.example/fhir, https://b.example/fhir"}
    assert Settings.from_env(env).fhir_servers == ("https://a.example/fhir", "https://b.example/fhir")
    with pytest.raises(SettingsError, match="CDS_FHIR_SERVERS"):
        make_app(settings_overrides={"fhir_servers": ("http://ehr.example.org/fhir",)})
