"""Who reads the page: the ``fhirUser`` of the EHR's id_token, once its signature (against the
JWKS its smart-configuration names), issuer, audience and expiry are verified, is the user of the
page view's audit row; a token that does not verify refuses the launch; no id_token, the fixed user.
And no page is shown without its audit row."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import responses
from flask import Flask
from sqlalchemy import select

from cds_service.smart.views import APP_USER, APP_VIEW_HOOK, COOKIE
from cds_service.store import models as m
from tests.jwt_helpers import SigningKey, es384_key, rs384_key
from tests.smart_helpers import CLIENT_ID, scenario, write_trust
from tests.test_smart_launch import (
    ACCESS_TOKEN,
    AUTHORIZE,
    BASE,
    FHIR,
    SCENARIO,
    TOKEN_URL,
    assert_clear_page,
    fhir_server,
    query,
)

ISSUER = "https://ehr.example.org/auth"
JWKS_URL = "https://ehr.example.org/auth/jwks"
KEY = es384_key("id-token-key")


@pytest.fixture
def app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    _, expected = scenario(SCENARIO)
    return make_app(
        settings_overrides={
            "trust_file": str(write_trust(tmp_path / "trust.json", [FHIR])),
            "public_base_url": BASE,
            "evaluation_date": expected["evaluation_date"],
        }
    )


def configure(mock: responses.RequestsMock, **names: str) -> None:
    mock.get(
        f"{FHIR}/.well-known/smart-configuration",
        json={
            **names,
            "authorization_endpoint": AUTHORIZE,
            "token_endpoint": TOKEN_URL,
            "capabilities": ["launch-ehr", "client-public", "sso-openid-connect", "permission-v2"],
        },
    )
    mock.get(JWKS_URL, json={"keys": [KEY.public_jwk]})


@pytest.fixture
def ehr() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        configure(mock, issuer=ISSUER, jwks_uri=JWKS_URL)
        yield mock


@pytest.fixture
def bare_ehr() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def id_token(key: SigningKey = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "dr-1",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "fhirUser": f"{FHIR}/Practitioner/dr-1",
    }
    claims.update(overrides)
    return jwt.encode(
        {k: v for k, v in claims.items() if v is not None}, key.private, key.alg, {"kid": key.kid}
    )


def unsigned(token: str) -> str:
    """The same claims under an ``alg: none`` header, without a signature."""
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{token.split('.')[1]}."


def launch(app: Flask, mock: responses.RequestsMock, token: str | None) -> tuple[Any, Any]:
    request, _ = scenario(SCENARIO)
    body = {
        "access_token": ACCESS_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "launch openid fhirUser patient/*.rs",
        "patient": request["context"]["patientId"],
        **({"id_token": token} if token else {}),
    }
    mock.post(TOKEN_URL, body=json.dumps(body), content_type="application/json")
    fhir_server(mock, request)
    client = app.test_client()
    q = query(client.get(f"/app/launch?iss={FHIR}&launch=l-1", base_url=BASE).location)
    return client.get(f"/app/callback?code=c&state={q['state']}", base_url=BASE), client


def audited_users(app: Flask) -> list[str | None]:
    store: Any = app.extensions["cds_store"]
    with store._sessions() as s:
        return list(s.scalars(select(m.Invocation.user_id).where(m.Invocation.hook == APP_VIEW_HOOK)))


def test_the_verified_fhir_user_is_the_page_views_user(app: Flask, ehr: responses.RequestsMock) -> None:
    resp, client = launch(app, ehr, id_token())
    assert resp.status_code == 303
    assert client.get("/app/", base_url=BASE).status_code == 200
    assert audited_users(app) == ["Practitioner/dr-1"]


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (lambda: id_token(rs384_key("stranger")), "a key the issuer's JWKS does not hold"),
        (lambda: id_token(aud="another-client"), "another client's token"),
        (lambda: id_token(iss="https://evil.example.com"), "another issuer"),
        (lambda: id_token(exp=int(time.time()) - 3600), "expired"),
        (lambda: unsigned(id_token()), "alg none, no signature"),
    ],
)
def test_an_id_token_that_does_not_verify_refuses_the_launch(
    app: Flask, ehr: responses.RequestsMock, token: Callable[[], str], why: str
) -> None:
    resp, client = launch(app, ehr, token())
    assert_clear_page(resp, 502, "identity token could not be verified")
    assert COOKIE + "=" not in resp.headers.get("Set-Cookie", ""), why
    assert_clear_page(client.get("/app/", base_url=BASE), 401, "No pathway session")
    assert audited_users(app) == []


def test_without_an_id_token_the_page_view_has_the_fixed_user(
    app: Flask, ehr: responses.RequestsMock
) -> None:
    resp, client = launch(app, ehr, None)
    assert resp.status_code == 303
    assert client.get("/app/", base_url=BASE).status_code == 200
    assert audited_users(app) == [APP_USER]


def test_a_fhir_user_that_is_no_user_resource_leaves_the_fixed_user(
    app: Flask, ehr: responses.RequestsMock
) -> None:
    resp, client = launch(app, ehr, id_token(fhirUser=f"{FHIR}/Observation/x"))
    assert resp.status_code == 303
    assert client.get("/app/", base_url=BASE).status_code == 200
    assert audited_users(app) == [APP_USER]


def test_without_a_jwks_uri_the_keys_come_from_the_issuers_openid_configuration(
    app: Flask, bare_ehr: responses.RequestsMock
) -> None:
    configure(bare_ehr, issuer=ISSUER)
    bare_ehr.get(f"{ISSUER}/.well-known/openid-configuration", json={"issuer": ISSUER, "jwks_uri": JWKS_URL})
    resp, client = launch(app, bare_ehr, id_token())
    assert resp.status_code == 303
    assert client.get("/app/", base_url=BASE).status_code == 200
    assert audited_users(app) == ["Practitioner/dr-1"]


def test_an_openid_configuration_of_another_issuer_refuses_the_launch(
    app: Flask, bare_ehr: responses.RequestsMock
) -> None:
    configure(bare_ehr, issuer=ISSUER)
    bare_ehr.get(
        f"{ISSUER}/.well-known/openid-configuration",
        json={"issuer": "https://evil.example.com", "jwks_uri": JWKS_URL},
    )
    resp, _ = launch(app, bare_ehr, id_token())
    assert_clear_page(resp, 502, "identity token could not be verified")


def test_with_no_issuer_to_verify_against_the_fhir_user_is_not_used(
    app: Flask, bare_ehr: responses.RequestsMock
) -> None:
    """A SMART v1 server without issuer: the unverified fhirUser is ignored, the fixed user kept."""
    configure(bare_ehr)
    resp, client = launch(app, bare_ehr, id_token())
    assert resp.status_code == 303
    assert client.get("/app/", base_url=BASE).status_code == 200
    assert audited_users(app) == [APP_USER]


def test_no_page_is_shown_when_its_audit_row_cannot_be_written(
    app: Flask, ehr: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    resp, client = launch(app, ehr, None)
    assert resp.status_code == 303

    def refuse(rec: Any) -> None:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(app.extensions["cds_store"], "record_invocation", refuse)
    page = client.get("/app/", base_url=BASE)
    assert_clear_page(page, 503, "could not record this view")
    assert 'id="state-F3"' not in page.get_data(as_text=True)
