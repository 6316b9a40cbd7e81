"""The pathway app's SMART EHR launch, against a mocked EHR (``responses``): allowed iss,
discovery, PKCE S256, the state check, the token exchange, and the record read with the token —
and every failure a clear page without a stack trace, a token or the patient."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient

from tests.smart_helpers import CLIENT_ID, fhir_answer, scenario, write_trust

FHIR = "https://ehr.example.org/fhir"
AUTHORIZE = "https://ehr.example.org/auth/authorize"
TOKEN_URL = "https://ehr.example.org/auth/token"
ACCESS_TOKEN = "at-very-secret-0123456789"
BASE = "https://cds.example.org"
SCENARIO = "f3_failed_tfesi_concordant"


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    trust = write_trust(tmp_path / "trust.json", [FHIR])
    _, expected = scenario(SCENARIO)
    return make_app(
        settings_overrides={
            "trust_file": str(trust),
            "public_base_url": BASE,
            "evaluation_date": expected["evaluation_date"],
        }
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def ehr() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def smart_config(mock: responses.RequestsMock, capabilities: list[str] | None = None) -> None:
    mock.get(
        f"{FHIR}/.well-known/smart-configuration",
        json={
            "authorization_endpoint": AUTHORIZE,
            "token_endpoint": TOKEN_URL,
            "capabilities": capabilities
            if capabilities is not None
            else ["launch-ehr", "client-public", "context-ehr-patient", "permission-v2", "permission-v1"],
            "code_challenge_methods_supported": ["S256"],
        },
    )


def token_endpoint(mock: responses.RequestsMock, seen: list[dict[str, list[str]]], patient: str) -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        seen.append(parse_qs(request.body))
        body = {
            "access_token": ACCESS_TOKEN,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "launch openid fhirUser patient/*.rs",
            "patient": patient,
            "appContext": "F3",
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    mock.add_callback(responses.POST, TOKEN_URL, callback=answer)


def fhir_server(mock: responses.RequestsMock, request: dict[str, Any], status: int = 200) -> list[Any]:
    calls: list[Any] = []

    def answer(req: Any) -> tuple[int, dict[str, str], str]:
        calls.append(req)
        if status != 200:
            return status, {}, ""
        if req.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
            return 401, {}, ""
        body = fhir_answer(request, FHIR, req.url)
        return (200, {}, json.dumps(body)) if body is not None else (404, {}, "")

    mock.add_callback(responses.GET, re.compile(re.escape(FHIR) + r"/(?!\.well-known).*"), callback=answer)
    return calls


def start(client: FlaskClient, iss: str = FHIR) -> Any:
    return client.get(f"/app/launch?iss={iss}&launch=launch-123", base_url=BASE)


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def assert_clear_page(resp: Any, status: int, *words: str) -> None:
    assert resp.status_code == status
    assert resp.mimetype == "text/html"
    text = resp.get_data(as_text=True)
    assert "Traceback" not in text and 'File "' not in text
    assert ACCESS_TOKEN not in text
    for w in words:
        assert w in text, f"{w!r} not on the page"


def test_the_launch_redirects_to_authorize_with_pkce_state_and_launch_context(
    client: FlaskClient, ehr: responses.RequestsMock
) -> None:
    """It sends the browser to the EHR's authorize endpoint with PKCE S256, a state, launch, aud,
    the trust file's client id and v2 scopes, and sets only a random, Secure, HttpOnly, SameSite cookie."""
    smart_config(ehr)
    resp = start(client)
    assert resp.status_code == 302
    assert resp.location.startswith(AUTHORIZE + "?")
    q = query(resp.location)
    assert q["response_type"] == "code" and q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == f"{BASE}/app/callback"
    assert q["launch"] == "launch-123" and q["aud"] == FHIR
    assert q["scope"] == "launch openid fhirUser patient/*.rs"
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert len(q["state"]) >= 20
    cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert q["state"] not in value and q["code_challenge"] not in value


def test_a_smart_v1_server_is_asked_for_v1_scopes(client: FlaskClient, ehr: responses.RequestsMock) -> None:
    """A server that advertises only SMART v1 permissions gets patient/*.read."""
    smart_config(ehr, ["launch-ehr", "client-public", "permission-v1"])
    q = query(start(client).location)
    assert q["scope"] == "launch openid fhirUser patient/*.read"


def test_an_iss_the_trust_file_does_not_list_is_refused_before_any_request(
    client: FlaskClient, ehr: responses.RequestsMock
) -> None:
    """A launch from a FHIR server that is not on the allowlist gets a 403 page; nothing is fetched."""
    resp = start(client, iss="https://evil.example.com/fhir")
    assert_clear_page(resp, 403, "This EHR is not allowed")
    assert len(ehr.calls) == 0
    assert "Set-Cookie" not in resp.headers


def test_a_callback_with_the_wrong_state_exchanges_nothing(
    client: FlaskClient, ehr: responses.RequestsMock
) -> None:
    """A callback whose state is not the launch's gets a 400 page and no token request is made."""
    smart_config(ehr)
    seen: list[dict[str, list[str]]] = []
    token_endpoint(ehr, seen, "p1")
    start(client)
    resp = client.get("/app/callback?code=abc&state=not-the-state", base_url=BASE)
    assert_clear_page(resp, 400, "could not be verified")
    assert seen == []
    # and the launch is used up: the right state cannot be replayed afterwards
    assert_clear_page(client.get("/app/callback?code=abc&state=x", base_url=BASE), 400, "expired")


def test_the_token_request_carries_the_verifier_of_the_challenge(
    client: FlaskClient, ehr: responses.RequestsMock
) -> None:
    """The code is exchanged with the PKCE verifier whose S256 is the challenge sent to authorize."""
    smart_config(ehr)
    seen: list[dict[str, list[str]]] = []
    request, _ = scenario(SCENARIO)
    token_endpoint(ehr, seen, request["context"]["patientId"])
    fhir_server(ehr, request)
    q = query(start(client).location)
    resp = client.get(f"/app/callback?code=the-code&state={q['state']}", base_url=BASE)
    assert resp.status_code == 303 and resp.location == "/app/"
    assert len(seen) == 1
    body = seen[0]
    assert body["grant_type"] == ["authorization_code"] and body["code"] == ["the-code"]
    assert body["client_id"] == [CLIENT_ID] and body["redirect_uri"] == [f"{BASE}/app/callback"]
    verifier = body["code_verifier"][0]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert challenge == q["code_challenge"]
    assert ACCESS_TOKEN not in resp.location and ACCESS_TOKEN not in resp.headers["Set-Cookie"]


def test_a_token_endpoint_error_is_a_clear_page(client: FlaskClient, ehr: responses.RequestsMock) -> None:
    """invalid_grant from the token endpoint: a 502 page that names it, no session, no stack trace."""
    smart_config(ehr)
    ehr.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "code expired"})
    q = query(start(client).location)
    resp = client.get(f"/app/callback?code=c&state={q['state']}", base_url=BASE)
    assert_clear_page(resp, 502, "did not issue an access token", "invalid_grant")
    assert_clear_page(client.get("/app/", base_url=BASE), 401, "No pathway session")


def test_a_denied_authorization_is_a_clear_page(client: FlaskClient, ehr: responses.RequestsMock) -> None:
    """error=access_denied on the callback: a 403 page saying nothing was read."""
    smart_config(ehr)
    q = query(start(client).location)
    resp = client.get(f"/app/callback?error=access_denied&state={q['state']}", base_url=BASE)
    assert_clear_page(resp, 403, "did not authorise")


def launch_through(client: FlaskClient, ehr: responses.RequestsMock, fhir_status: int = 200) -> list[Any]:
    request, _ = scenario(SCENARIO)
    smart_config(ehr)
    token_endpoint(ehr, [], request["context"]["patientId"])
    calls = fhir_server(ehr, request, fhir_status)
    q = query(start(client).location)
    assert client.get(f"/app/callback?code=c&state={q['state']}", base_url=BASE).status_code == 303
    return calls


def test_a_fhir_401_is_a_clear_page(client: FlaskClient, ehr: responses.RequestsMock) -> None:
    """The EHR's FHIR server refusing the token gives a page saying the record could not be read
    and why — never a page that reads as 'nothing to worry about'."""
    launch_through(client, ehr, fhir_status=401)
    resp = client.get("/app/", base_url=BASE)
    assert_clear_page(resp, 502, "could not be read", "FHIR server refused access", "no advice")
    assert "<svg" not in resp.get_data(as_text=True)


def test_the_page_reads_the_record_with_the_token_from_that_server_only(
    app: Flask, client: FlaskClient, ehr: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    """After the launch the page shows the scenario at the card's state, every FHIR read went to the
    launch's server with the token, and neither the token nor the patient id reached the log."""
    caplog.set_level(logging.DEBUG)
    calls = launch_through(client, ehr)
    resp = client.get("/app/", base_url=BASE)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    text = resp.get_data(as_text=True)
    assert ACCESS_TOKEN not in text
    assert 'aria-current="step"' in text and "Failed, surgical target (now)" in text
    assert 'id="state-F3"' in text and "<svg" in text
    assert resp.headers["Cache-Control"] == "no-store"
    assert calls, "the record was read from the FHIR server"
    for call in calls:
        assert call.url.startswith(FHIR + "/")
        assert call.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    request, _ = scenario(SCENARIO)
    logged = caplog.text
    assert ACCESS_TOKEN not in logged and request["context"]["patientId"] not in logged
    engine: Any = app.extensions["cds_engine"]
    assert len(engine.model_cache) == 0, "the record was kept in the hook engine's model cache"


def test_no_session_no_page(client: FlaskClient) -> None:
    """Without a launch the page is a 401 that says how to open it."""
    assert_clear_page(client.get("/app/", base_url=BASE), 401, "Open the pathway from a card")


def test_a_launch_without_iss_or_launch_is_a_400_page(client: FlaskClient) -> None:
    assert_clear_page(client.get("/app/launch", base_url=BASE), 400, "Open the pathway from a card")


def test_an_iss_with_a_trailing_slash_is_allowed_and_sent_back_as_aud_unchanged(
    client: FlaskClient, ehr: responses.RequestsMock
) -> None:
    """The allowlist compares base URLs without the trailing slash; aud repeats the iss as sent."""
    smart_config(ehr)
    resp = start(client, iss=FHIR + "/")
    assert resp.status_code == 302
    assert query(resp.location)["aud"] == FHIR + "/"
